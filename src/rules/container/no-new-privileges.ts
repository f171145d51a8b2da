import { defineRule, noOptions } from "../define.js";

export const noNewPrivileges = defineRule({
  meta: {
    id: "DW-SEC-001",
    name: "no-new-privileges",
    title: "no-new-privileges is not set",
    severity: "medium",
    cis: ["5.25"],
    pss: "restricted",
    presets: ["restricted", "cis"],
    remediation: {
      run: "--security-opt no-new-privileges",
      compose: 'security_opt: ["no-new-privileges:true"]',
    },
  },
  options: noOptions,
  check(spec) {
    const nnp = spec.noNewPrivileges;
    if (nnp?.value === true) return [];
    return [
      {
        message:
          nnp === undefined
            ? "no-new-privileges is not set: setuid binaries and file capabilities can raise privileges inside the container"
            : "no-new-privileges is explicitly turned off (the last no-new-privileges entry says false)",
        origin: nnp?.origin ?? spec.target.origin,
      },
    ];
  },
});
