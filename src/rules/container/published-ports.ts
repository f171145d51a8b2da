import { isIP } from "node:net";
import { defineRule, noOptions } from "../define.js";
import type { RuleHit } from "../types.js";

/** "", 0.0.0.0 and every spelling of the IPv6 unspecified address (::, ::0, [::], 0:0:…:0). */
export function isAllInterfaces(hostIp: string): boolean {
  const ip = hostIp.replace(/^\[(.*)\]$/, "$1");
  if (ip === "" || ip === "0.0.0.0") return true;
  return isIP(ip) === 6 && /^[0:]+$/.test(ip);
}

export const publishedPorts = defineRule({
  meta: {
    id: "DW-NET-001",
    name: "ports-all-interfaces",
    title: "Port published on all host interfaces",
    severity: "low",
    cis: ["5.13"],
    pss: "none",
    presets: ["restricted", "cis"],
    remediation: {
      run: "-p 127.0.0.1:8080:80 (bind to the interface that should serve it)",
      compose: 'ports: ["127.0.0.1:8080:80"]',
    },
  },
  options: noOptions,
  check(spec) {
    const hits: RuleHit[] = [];
    if (spec.publishAll?.value === true) {
      hits.push({
        message: "publishes every exposed port on all host interfaces (-P)",
        origin: spec.publishAll.origin,
      });
    }
    for (const p of spec.ports) {
      if (!isAllInterfaces(p.hostIp)) continue;
      hits.push({
        message: `publishes ${p.containerPort}/${p.protocol} on all host interfaces${p.hostPort === "" ? "" : ` (host port ${p.hostPort})`}; Docker's iptables rules bypass the host firewall`,
        origin: p.origin,
      });
    }
    return hits;
  },
});
