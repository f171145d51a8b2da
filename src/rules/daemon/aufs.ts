import { settingRule } from "./setting-rule.js";

export const noAufs = settingRule({
  meta: {
    id: "DW-CFG-005",
    name: "no-aufs",
    title: "aufs storage driver in use",
    severity: "medium",
    cis: ["2.6"],
    pss: "none",
    presets: ["restricted", "cis"],
    remediation: {
      daemon:
        '`"storage-driver": "overlay2"` (move images and containers over first: `docker save` / re-create)',
    },
  },
  setting: "storageDriver",
  unsafe: (v) => v === "aufs",
  message: () =>
    "the daemon stores containers on aufs: unmaintained, out of mainline kernels, with a history of privilege-escalation bugs",
});
