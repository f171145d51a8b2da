import { settingRule } from "./setting-rule.js";
import { how } from "./util.js";

export const daemonNoNewPrivileges = settingRule({
  meta: {
    id: "DW-CFG-010",
    name: "daemon-no-new-privileges",
    title: "Containers may gain privileges by default",
    severity: "medium",
    cis: ["2.14"],
    pss: "none",
    presets: ["restricted", "cis"],
    remediation: {
      daemon: '`"no-new-privileges": true` in daemon.json (or `--no-new-privileges`)',
    },
  },
  setting: "noNewPrivileges",
  unsafe: (v) => !v,
  message: (_, f) =>
    `no-new-privileges is not the daemon default${how(f)}: setuid binaries in any container that does not set it can raise privileges`,
});
