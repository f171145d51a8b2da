import { settingRule } from "./setting-rule.js";
import { how } from "./util.js";

export const authorizationPlugin = settingRule({
  meta: {
    id: "DW-CFG-009",
    name: "authorization-plugin",
    title: "No authorization plugin",
    severity: "medium",
    cis: ["2.12"],
    pss: "none",
    presets: ["restricted", "cis"],
    remediation: {
      daemon:
        '`"authorization-plugins": ["NAME"]` naming an installed authorization plugin, so every API request is judged before the daemon acts on it',
    },
  },
  setting: "authorizationPlugins",
  unsafe: (v) => v.length === 0,
  message: (_, f) =>
    `no authorization plugin${how(f)}: every client that reaches the socket may do anything, including start a privileged container`,
});
