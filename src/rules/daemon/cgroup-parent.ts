import { settingRule } from "./setting-rule.js";

export const cgroupParentDefault = settingRule({
  meta: {
    id: "DW-CFG-008",
    name: "cgroup-parent-default",
    title: "Daemon-wide cgroup parent changed",
    severity: "info",
    cis: ["2.10"],
    pss: "none",
    presets: ["cis"],
    remediation: {
      daemon:
        'confirm the `"cgroup-parent"` value is meant (its limits bound every container), or remove it',
    },
  },
  setting: "cgroupParent",
  unsafe: (v) => v !== "",
  message: (v) =>
    `containers are placed under the cgroup ${JSON.stringify(v)}: confirm its limits are meant for every container`,
});
