import { defineRule, noOptions } from "../define.js";

export const readOnlyRootfs = defineRule({
  meta: {
    id: "DW-FS-001",
    name: "read-only-rootfs",
    title: "Root filesystem is writable",
    severity: "low",
    cis: ["5.12"],
    pss: "none",
    presets: ["restricted", "cis"],
    remediation: {
      run: "--read-only, with --tmpfs /tmp for scratch space",
      compose: "read_only: true (and tmpfs: [/tmp])",
    },
  },
  options: noOptions,
  check(spec) {
    const r = spec.readOnlyRootfs;
    if (r?.value === true) return [];
    return [
      {
        message:
          "the root filesystem is writable: an intruder can modify binaries and persist inside the container",
        origin: r?.origin ?? spec.target.origin,
      },
    ];
  },
});
