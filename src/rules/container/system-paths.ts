import { defineRule, noOptions } from "../define.js";

export const systemPaths = defineRule({
  meta: {
    id: "DW-SEC-004",
    name: "systempaths-unconfined",
    title: "Masked and read-only kernel paths are exposed",
    severity: "high",
    cis: [],
    pss: "baseline",
    presets: ["baseline", "restricted"],
    remediation: {
      run: "remove --security-opt systempaths=unconfined",
      compose: "remove `systempaths=unconfined` from `security_opt:`",
    },
  },
  options: noOptions,
  check(spec) {
    const s = spec.systemPathsUnconfined;
    if (s?.value !== true) return [];
    return [
      {
        message:
          "systempaths=unconfined: /proc/kcore, /proc/sysrq-trigger, /sys/firmware and the other masked paths become readable and writable",
        origin: s.origin,
      },
    ];
  },
});
