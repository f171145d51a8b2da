import { settingRule } from "./setting-rule.js";
import { how } from "./util.js";

export const usernsRemap = settingRule({
  meta: {
    id: "DW-CFG-007",
    name: "userns-remap",
    title: "User namespace remapping is off",
    severity: "medium",
    cis: ["2.9"],
    pss: "none",
    presets: ["restricted", "cis"],
    remediation: {
      daemon:
        '`"userns-remap": "default"` in daemon.json (check volumes and images first: file ownership shifts), or run the daemon rootless',
    },
  },
  setting: "usernsRemap",
  unsafe: (v, s) => v === "" && s.rootless?.value !== true,
  message: (_, f) =>
    `user namespace remapping is off${how(f)}: root in a container is uid 0 on the host, so any escape is a root escape`,
});
