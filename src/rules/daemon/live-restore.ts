import { settingRule } from "./setting-rule.js";
import { how } from "./util.js";

export const liveRestore = settingRule({
  meta: {
    id: "DW-CFG-011",
    name: "live-restore",
    title: "Live restore is off",
    severity: "low",
    cis: ["2.15"],
    pss: "none",
    presets: ["restricted", "cis"],
    remediation: {
      daemon: '`"live-restore": true` in daemon.json, then `systemctl reload docker` (SIGHUP)',
    },
  },
  setting: "liveRestore",
  unsafe: (v) => !v,
  message: (_, f) =>
    `live restore is off${how(f)}: restarting or upgrading the daemon stops every container, which makes patching it costly`,
});
