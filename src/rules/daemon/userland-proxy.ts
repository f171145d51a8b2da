import { settingRule } from "./setting-rule.js";
import { how } from "./util.js";

export const userlandProxyDisabled = settingRule({
  meta: {
    id: "DW-CFG-012",
    name: "userland-proxy-disabled",
    title: "Userland proxy is on",
    severity: "low",
    cis: ["2.16"],
    pss: "none",
    presets: ["restricted", "cis"],
    remediation: {
      daemon:
        '`"userland-proxy": false` in daemon.json (hairpin NAT then does the job in the kernel)',
    },
  },
  setting: "userlandProxy",
  unsafe: (v) => v,
  message: (_, f) =>
    `the userland proxy is on${how(f)}: a docker-proxy process per published port, more code listening on the host`,
});
