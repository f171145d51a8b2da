import { settingRule } from "./setting-rule.js";
import { how } from "./util.js";

export const iptablesManaged = settingRule({
  meta: {
    id: "DW-CFG-003",
    name: "iptables-managed",
    title: "Docker may not manage iptables",
    severity: "medium",
    cis: ["2.4"],
    pss: "none",
    presets: ["restricted", "cis"],
    remediation: {
      daemon:
        'remove `"iptables": false` (and `--iptables=false`): let the daemon keep its firewall rules in step with the containers',
    },
  },
  setting: "iptables",
  unsafe: (v) => !v,
  message: (_, f) =>
    `iptables management is off${how(f)}: published ports and network isolation then depend on hand-written rules that drift from the containers`,
});
