import * as z from "zod/mini";
import { defineRule } from "../define.js";

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
  options: z.strictObject({
    /**
     * the profiles containers are meant to run under (e.g. [docker-default, web]); empty: any
     * profile but unconfined
     */
    profiles: z._default(z.array(z.string()), []),
  }),
  check(spec, options, context) {
    const a = spec.apparmor;
    const noKernelSupport = context.host?.apparmor === false;
    if (a?.value === "unconfined") {
      if (noKernelSupport) {
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
    }
    if (noKernelSupport) {
      // a profile asked for and silently not applied: the user believes in a protection that is not there
      if (a !== undefined && a.value !== "") {
        return [
          {
            message: `apparmor=${a.value} is ignored here: the kernel has no AppArmor, so the container runs without that profile (it applies on a host that has AppArmor)`,
            origin: a.origin,
            severity: "info",
          },
        ];
      }
      return [];
    }
    if (options.profiles.length === 0) return [];
    const profile = a === undefined || a.value === "" ? "docker-default" : a.value;
    if (options.profiles.includes(profile)) return [];
    return [
      {
        message: `runs under the AppArmor profile ${profile}${a === undefined ? " (Docker's default, as nothing names one)" : ""}, not one of the intended profiles (${options.profiles.join(", ")})`,
        origin: a?.origin ?? spec.target.origin,
        severity: "medium",
      },
    ];
  },
});
