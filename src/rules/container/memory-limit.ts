import * as z from "zod/mini";
import { formatBytes, parseBytes } from "../../spec/units.js";
import { defineRule } from "../define.js";

const size = z.pipe(
  z.union([z.int().check(z.positive()), z.string()]),
  z.transform((v: number | string, ctx) => {
    const bytes = typeof v === "number" ? v : parseBytes(v);
    if (bytes === undefined || bytes <= 0) {
      ctx.issues.push({
        code: "custom",
        message: `"${String(v)}" is not a size like 512m or 2g`,
        input: v,
      });
      return z.NEVER;
    }
    return bytes;
  }),
);

export const memoryLimit = defineRule({
  meta: {
    id: "DW-RES-001",
    name: "memory-limit",
    title: "No memory limit",
    severity: "medium",
    cis: ["5.10"],
    pss: "none",
    presets: ["restricted", "cis"],
    remediation: {
      run: "--memory 512m (size it to the workload; add --memory-swap equal to it to forbid swap)",
      compose: "deploy.resources.limits.memory: 512M (or mem_limit: 512m)",
    },
  },
  options: z.strictObject({ max: z.optional(size) }),
  check(spec, options) {
    const m = spec.resources.memory;
    if (m === undefined || m.value <= 0) {
      return [
        {
          message:
            "no memory limit: one container can exhaust the host's memory and trigger the OOM killer on its neighbours",
          origin: m?.origin ?? spec.target.origin,
        },
      ];
    }
    if (options.max !== undefined && m.value > options.max) {
      return [
        {
          message: `memory limit ${formatBytes(m.value)} is above the policy's maximum ${formatBytes(options.max)}`,
          origin: m.origin,
        },
      ];
    }
    return [];
  },
});

export { size as sizeOption };
