import { settingRule } from "./setting-rule.js";
import { how } from "./util.js";

export const defaultUlimits = settingRule({
  meta: {
    id: "DW-CFG-006",
    name: "default-ulimits",
    title: "No daemon-wide default ulimits",
    severity: "low",
    cis: ["2.8"],
    pss: "none",
    presets: ["cis"],
    remediation: {
      daemon:
        '`"default-ulimits": { "nofile": { "Name": "nofile", "Soft": 1024, "Hard": 4096 }, "nproc": { "Name": "nproc", "Soft": 1024, "Hard": 2048 } }` (size to the host)',
    },
  },
  setting: "defaultUlimits",
  unsafe: (v) => v.length === 0,
  message: (_, f) =>
    `no default ulimits${how(f)}: a container that sets none inherits the daemon's own (often unlimited) open files and processes`,
});
