import { settingRule } from "./setting-rule.js";
import { how } from "./util.js";

export const noExperimental = settingRule({
  meta: {
    id: "DW-CFG-014",
    name: "no-experimental",
    title: "Experimental features on",
    severity: "low",
    cis: ["2.18"],
    pss: "none",
    presets: ["restricted", "cis"],
    remediation: {
      daemon: 'remove `"experimental": true` (and `--experimental`) in production',
    },
  },
  setting: "experimental",
  unsafe: (v) => v,
  message: (_, f) =>
    `experimental features are on${how(f)}: unfinished code paths are exposed through the API`,
});
