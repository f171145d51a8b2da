import { settingRule } from "./setting-rule.js";

export const noInsecureRegistries = settingRule({
  meta: {
    id: "DW-CFG-004",
    name: "no-insecure-registries",
    title: "Images pulled from registries without TLS verification",
    severity: "high",
    cis: ["2.5"],
    pss: "none",
    presets: ["baseline", "restricted", "cis"],
    remediation: {
      daemon:
        'remove the entries from `"insecure-registries"` (`--insecure-registry`); give the registry a certificate the daemon trusts (/etc/docker/certs.d/HOST/ca.crt)',
    },
  },
  setting: "insecureRegistries",
  unsafe: (v) => v.length > 0,
  message: (v) =>
    `images are pulled without TLS verification from ${v.join(", ")}: anyone on the path can serve any image, which then runs as whatever it says`,
});
