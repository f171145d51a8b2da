import * as z from "zod/mini";
import { defineRule } from "../define.js";

export const cpuLimit = defineRule({
  meta: {
    id: "DW-RES-002",
    name: "cpu-limit",
    title: "No CPU limit",
    severity: "low",
    cis: ["5.11"],
    pss: "none",
    presets: ["restricted", "cis"],
    remediation: {
      run: "--cpus 1.5 (or --cpu-quota with --cpu-period)",
      compose: 'deploy.resources.limits.cpus: "1.5" (or cpus: 1.5)',
    },
  },
  options: z.strictObject({ max: z.optional(z.number().check(z.positive())) }),
  check(spec, options) {
    const r = spec.resources;
    const nano = r.nanoCpus !== undefined && r.nanoCpus.value > 0 ? r.nanoCpus.value : undefined;
    const quota = r.cpuQuota !== undefined && r.cpuQuota.value > 0 ? r.cpuQuota.value : undefined;
    const period = r.cpuPeriod !== undefined && r.cpuPeriod.value > 0 ? r.cpuPeriod.value : 100_000;
    const cpus = nano !== undefined ? nano / 1e9 : quota !== undefined ? quota / period : undefined;
    if (cpus === undefined) {
      return [
        {
          message:
            "no CPU limit (--cpus or --cpu-quota): a busy container can starve every other workload on the host",
          origin: r.nanoCpus?.origin ?? r.cpuQuota?.origin ?? spec.target.origin,
        },
      ];
    }
    if (options.max !== undefined && cpus > options.max) {
      return [
        {
          message: `CPU limit ${cpus} is above the policy's maximum ${options.max}`,
          origin: (r.nanoCpus ?? r.cpuQuota)?.origin ?? spec.target.origin,
        },
      ];
    }
    return [];
  },
});
