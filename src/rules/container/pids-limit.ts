import * as z from "zod/mini";
import { defineRule } from "../define.js";

export const pidsLimit = defineRule({
  meta: {
    id: "DW-RES-003",
    name: "pids-limit",
    title: "No PIDs limit",
    severity: "medium",
    cis: ["5.28"],
    pss: "none",
    presets: ["restricted", "cis"],
    remediation: {
      run: "--pids-limit 200",
      compose: "pids_limit: 200 (or deploy.resources.limits.pids: 200)",
    },
  },
  options: z.strictObject({ max: z.optional(z.int().check(z.positive())) }),
  check(spec, options) {
    const p = spec.resources.pidsLimit;
    if (p === undefined || p.value <= 0) {
      return [
        {
          message: `${p === undefined ? "no PIDs limit" : `PIDs limit ${p.value} means unlimited`}: a fork bomb in the container exhausts the host's process table`,
          origin: p?.origin ?? spec.target.origin,
        },
      ];
    }
    if (options.max !== undefined && p.value > options.max) {
      return [
        {
          message: `PIDs limit ${p.value} is above the policy's maximum ${options.max}`,
          origin: p.origin,
        },
      ];
    }
    return [];
  },
});
