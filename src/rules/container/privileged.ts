import { defineRule, noOptions } from "../define.js";

export const privileged = defineRule({
  meta: {
    id: "DW-PRIV-001",
    name: "no-privileged",
    title: "Container runs privileged",
    severity: "critical",
    cis: ["5.4"],
    pss: "baseline",
    presets: ["baseline", "restricted", "cis"],
    remediation: {
      run: "remove --privileged; add back only the capabilities and devices the workload needs (--cap-add, --device)",
      compose: "remove `privileged: true`; use `cap_add:` and `devices:` for what is really needed",
    },
  },
  options: noOptions,
  check(spec) {
    const p = spec.privileged;
    if (p?.value !== true) return [];
    return [
      {
        message:
          "privileged: every capability, every host device, no seccomp, no AppArmor, writable /sys and /proc: root in this container is root on the host",
        origin: p.origin,
      },
    ];
  },
});
