import { defineRule, noOptions } from "../define.js";

export const apparmor = defineRule({
  meta: {
    id: "DW-SEC-003",
    name: "apparmor-unconfined",
    title: "AppArmor is turned off",
    severity: "high",
    cis: ["5.1"],
    pss: "baseline",
    presets: ["baseline", "restricted", "cis"],
    remediation: {
      run: "remove --security-opt apparmor=unconfined (docker-default applies) or name a profile: --security-opt apparmor=my-profile",
      compose: "remove `apparmor:unconfined` from `security_opt:`",
    },
  },
  options: noOptions,
  check(spec, _options, context) {
    const a = spec.apparmor;
    if (a?.value !== "unconfined") return [];
    if (context.host?.apparmor === false) {
      // the kernel has no AppArmor: docker ignores apparmor= entirely, so nothing is lost here
      return [
        {
          message:
            "apparmor=unconfined is not applicable on this host: the kernel has no AppArmor and ignores apparmor options (it matters again on a host that has AppArmor)",
          origin: a.origin,
          severity: "info",
        },
      ];
    }
    return [
      {
        message:
          "apparmor=unconfined: the container runs without its mandatory access control profile (on hosts with AppArmor)",
        origin: a.origin,
      },
    ];
  },
});
