import { defineRule, noOptions } from "../define.js";

export const memorySwap = defineRule({
  meta: {
    id: "DW-RES-004",
    name: "memory-swap-unlimited",
    title: "Unlimited swap",
    severity: "low",
    cis: ["5.10"],
    pss: "none",
    presets: ["restricted", "cis"],
    remediation: {
      run: "--memory-swap equal to --memory (no swap), or a bounded value",
      compose: "memswap_limit: equal to the memory limit",
    },
  },
  options: noOptions,
  check(spec) {
    const s = spec.resources.memorySwap;
    if (s?.value !== -1) return [];
    return [
      {
        message:
          "memory-swap -1: the container may swap without bound, pushing the host into swap storms",
        origin: s.origin,
      },
    ];
  },
});
