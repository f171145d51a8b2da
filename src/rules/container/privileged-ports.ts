import { defineRule, noOptions } from "../define.js";
import type { RuleHit } from "../types.js";

export const privilegedPorts = defineRule({
  meta: {
    id: "DW-NET-002",
    name: "privileged-ports",
    title: "Privileged host port published",
    severity: "low",
    cis: ["5.7"],
    pss: "none",
    presets: ["cis"],
    remediation: {
      run: "publish on a port ≥ 1024 (-p 8443:443) and front it with the host's proxy",
      compose: 'ports: ["8443:443"]',
    },
  },
  options: noOptions,
  check(spec) {
    const hits: RuleHit[] = [];
    for (const p of spec.ports) {
      const first = Number(p.hostPort.split("-")[0]);
      // "" and 0 ask the daemon for an ephemeral (high) port
      if (p.hostPort === "" || !Number.isInteger(first) || first === 0 || first >= 1024) continue;
      hits.push({ message: `publishes on privileged host port ${p.hostPort}`, origin: p.origin });
    }
    return hits;
  },
});
