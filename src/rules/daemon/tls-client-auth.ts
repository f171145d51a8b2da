import { defineDaemonRule, noOptions } from "../define.js";
import { describeEndpoint } from "./util.js";

export const tlsClientAuth = defineDaemonRule({
  meta: {
    id: "DW-DMN-002",
    name: "tls-client-auth",
    title: "Docker API on TCP without client certificate authentication",
    severity: "critical",
    cis: ["2.7"],
    pss: "none",
    presets: ["baseline", "restricted", "cis"],
    remediation: {
      daemon:
        '`"tlsverify": true` with `"tlscacert"` naming the CA that signs client certificates (or `--tlsverify --tlscacert …`); never `--tlsverify=false`. `dockward tls init` makes the CA, server and client certificates and the daemon.json lines',
    },
  },
  options: noOptions,
  check(spec) {
    return spec.tcp.flatMap((e) => {
      const p = e.probe;
      if (p === undefined) return [];
      if (p.exposure === "tls-no-client-auth") {
        const ping = p.ping;
        return [
          {
            message: `${describeEndpoint(e)} completed a TLS handshake with no client certificate and answered GET /_ping (API ${ping.apiVersion ?? "?"}): TLS here only encrypts; whoever reaches it is root on this host`,
            origin: e.origin,
          },
        ];
      }
      // another port the daemon holds that answers HTTP but not as the API (--metrics-addr):
      // not an API listener; anything else unclear is reported
      if (p.exposure === "unknown" && !e.configured && p.reason === "not-docker") return [];
      if (p.exposure === "unknown") {
        return [
          {
            message: `${describeEndpoint(e)} could not be verified (${p.reason}: ${p.detail}): dockward cannot tell whether it demands a client certificate, so it is reported, not assumed safe`,
            origin: e.origin,
            severity: "high" as const,
          },
        ];
      }
      return [];
    });
  },
});
