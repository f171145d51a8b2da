import { settingRule } from "./setting-rule.js";
import { how } from "./util.js";

export const logLevelInfo = settingRule({
  meta: {
    id: "DW-CFG-002",
    name: "log-level-info",
    title: "Daemon log level is not info",
    severity: "low",
    cis: ["2.3"],
    pss: "none",
    presets: ["restricted", "cis"],
    remediation: {
      daemon:
        '`"log-level": "info"` and `"debug": false` in daemon.json (no `-D`, no `--log-level debug`)',
    },
  },
  setting: "logLevel",
  unsafe: (v, s) => v !== "info" || s.debug?.value === true,
  message: (v, f) =>
    `the daemon logs at ${v === "info" ? "debug (debug mode is on)" : JSON.stringify(v)}${how(f)}: below info loses the record of what was done, debug writes request details nobody reviews`,
});
