import { defineDaemonRule, noOptions } from "../define.js";
import { describeEndpoint } from "./util.js";

export const plainTcp = defineDaemonRule({
  meta: {
    id: "DW-DMN-001",
    name: "no-plain-tcp",
    title: "Docker API open on TCP without TLS",
    severity: "critical",
    cis: ["2.7"],
    pss: "none",
    presets: ["baseline", "restricted", "cis"],
    remediation: {
      daemon:
        'remove the `tcp://` host (`-H` / `"hosts"`) and reach the daemon over SSH (`docker context create NAME --docker host=ssh://USER@HOST`), or serve TCP only with `--tlsverify` and client certificates signed by a CA you control (`dockward tls init`)',
    },
  },
  options: noOptions,
  check(spec) {
    return spec.tcp
      .filter((e) => e.probe?.exposure === "open")
      .map((e) => {
        const ping = e.probe?.exposure === "open" ? e.probe.ping : undefined;
        const server = ping?.server === undefined ? "" : `, ${ping.server}`;
        return {
          message: `${describeEndpoint(e)} answered GET /_ping in clear text with no credentials (API ${ping?.apiVersion ?? "?"}${server}): whoever reaches it can start a privileged container, i.e. is root on this host`,
          origin: e.origin,
        };
      });
  },
});
