import { settingRule } from "./setting-rule.js";
import { how } from "./util.js";

export const iccDisabled = settingRule({
  meta: {
    id: "DW-CFG-001",
    name: "icc-disabled",
    title: "Containers on the default bridge can talk to each other",
    severity: "medium",
    cis: ["2.2"],
    pss: "none",
    presets: ["restricted", "cis"],
    remediation: {
      daemon:
        '`"icc": false` in daemon.json (or `--icc=false`); connect containers that must talk on a user-defined network',
    },
  },
  setting: "icc",
  unsafe: (v) => v,
  message: (_, f) =>
    `inter-container communication on the default bridge is on${how(f)}: any container there can reach every other one's ports, whatever they publish`,
});
