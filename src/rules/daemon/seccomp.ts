import { defineDaemonRule, noOptions } from "../define.js";
import type { RuleHit } from "../types.js";

export const daemonSeccomp = defineDaemonRule({
  meta: {
    id: "DW-CFG-013",
    name: "daemon-seccomp",
    title: "Daemon-wide seccomp profile unconfined or unavailable",
    severity: "high",
    cis: ["2.17"],
    pss: "none",
    presets: ["baseline", "restricted", "cis"],
    remediation: {
      daemon:
        'remove `"seccomp-profile": "unconfined"`; keep the built-in profile or name a stricter one (`"seccomp-profile": "/etc/docker/seccomp.json"`); on a kernel without seccomp, move the workload to one with it',
    },
  },
  options: noOptions,
  check(spec) {
    const hits: RuleHit[] = [];
    const profile = spec.settings.seccompProfile;
    if (profile?.value === "unconfined") {
      hits.push({
        message:
          "the daemon's default seccomp profile is unconfined: every container that does not name a profile may call every syscall the kernel has, including the ones escapes are built on",
        origin: profile.origin,
      });
    }
    const available = spec.settings.seccompAvailable;
    if (available?.value === false) {
      hits.push({
        message:
          "the daemon reports no seccomp support (kernel or build without it): no container on this host has a syscall filter, whatever it asks for",
        origin: available.origin,
        severity: "medium",
      });
    }
    return hits;
  },
});
