import { settingRule } from "./setting-rule.js";
import { how } from "./util.js";

export const rootlessDaemon = settingRule({
  meta: {
    id: "DW-CFG-015",
    name: "rootless-daemon",
    title: "Daemon runs as root",
    severity: "info",
    cis: ["2.1"],
    pss: "none",
    presets: ["cis"],
    remediation: {
      daemon:
        "consider rootless mode (`dockerd-rootless-setuptool.sh install`) where its limits are acceptable",
    },
  },
  setting: "rootless",
  unsafe: (v) => !v,
  message: (_, f) =>
    `the daemon runs as root${how(f)}: a daemon compromise is a host compromise (rootless mode avoids that where its limits are acceptable)`,
});
