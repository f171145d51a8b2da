import * as z from "zod/mini";
import { isHostNamespace } from "../util.js";
import { defineRule } from "../define.js";
import type { RuleHit } from "../types.js";

/** The Kubernetes Pod Security Standards "safe" sysctl set (baseline level, as of v1.29). */
export const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);

export const unsafeSysctl = defineRule({
  meta: {
    id: "DW-SYS-001",
    name: "unsafe-sysctl",
    title: "Unsafe sysctl set",
    severity: "medium",
    cis: [],
    pss: "baseline",
    presets: ["baseline", "restricted"],
    remediation: {
      run: "remove the --sysctl flag, or set only namespaced, safe sysctls",
      compose: "remove the entry from `sysctls:`",
    },
  },
  options: z.strictObject({ allowed: z._default(z.array(z.string()), []) }),
  check(spec, options) {
    const allowed = new Set([...SAFE_SYSCTLS, ...options.allowed]);
    const hostNet = isHostNamespace(spec.namespaces.network);
    const hits: RuleHit[] = [];
    for (const s of spec.sysctls) {
      const name = s.name.replace(/\//g, ".");
      if (allowed.has(name) && !(hostNet && name.startsWith("net."))) continue;
      if (hostNet && name.startsWith("net.")) {
        hits.push({
          message: `sysctl ${name}=${s.value} with the host network namespace: runc refuses to start the container (it would change the host's network stack)`,
          origin: s.origin,
          severity: "low",
        });
      } else {
        hits.push({
          message: `sysctl ${name}=${s.value} is not in the safe set: it may affect the kernel beyond this container`,
          origin: s.origin,
        });
      }
    }
    return hits;
  },
});
