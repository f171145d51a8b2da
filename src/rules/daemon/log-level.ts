import { defineDaemonRule, noOptions } from "../define.js";
import { how } from "./util.js";

export const logLevelInfo = defineDaemonRule({
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
  options: noOptions,
  check(spec) {
    const { debug, logLevel } = spec.settings;
    // debug mode overrides the level; GET /info reports it even for a daemon seen from outside
    if (debug?.value === true) {
      return [
        {
          message: `the daemon runs in debug mode${how(debug)}: it logs at debug level, writing request details nobody reviews`,
          origin: debug.origin,
        },
      ];
    }
    if (logLevel === undefined || logLevel.value === "info") return [];
    return [
      {
        message: `the daemon logs at ${JSON.stringify(logLevel.value)}${how(logLevel)}: below info loses the record of what was done, debug writes request details nobody reviews`,
        origin: logLevel.origin,
      },
    ];
  },
});
