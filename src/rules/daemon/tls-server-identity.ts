import { defineDaemonRule, noOptions } from "../define.js";
import type { RuleHit } from "../types.js";

export const tlsServerIdentity = defineDaemonRule({
  meta: {
    id: "DW-TLS-003",
    name: "tls-server-identity",
    title: "Daemon certificate lacks subjectAltName or serverAuth usage",
    severity: "medium",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      daemon:
        "re-issue the server certificate with every name and address clients dial: `dockward tls rotate server --ca DIR --out DIR --san DNS:HOST --san IP:ADDR` (serverAuth is always set), then restart the daemon",
    },
  },
  options: noOptions,
  check(spec) {
    const file = spec.tls?.cert;
    const c = file?.certificate;
    if (file === undefined || c === undefined) return [];
    const hits: RuleHit[] = [];
    if (c.subjectAltNames.length === 0) {
      hits.push({
        message: `the server certificate ${file.path} (${c.subject}) has no subjectAltName: Go clients (the docker CLI since 20.10) ignore the CN and refuse it, which pushes people to turn verification off`,
        origin: file.origin,
        severity: "high",
      });
    }
    const eku = c.extendedKeyUsage;
    if (eku !== undefined && !eku.includes("serverAuth") && !eku.includes("anyExtendedKeyUsage")) {
      hits.push({
        message: `the server certificate ${file.path} allows ${eku.join(", ") || "no usage"} but not serverAuth: verifying clients refuse it`,
        origin: file.origin,
      });
    }
    if (c.isCa) {
      hits.push({
        message: `the server certificate ${file.path} is a CA certificate: whoever holds the daemon's key can sign certificates that the CA's clients trust`,
        origin: file.origin,
      });
    }
    return hits;
  },
});
