import { hostNamespaceRule } from "../namespace.js";

export const hostNetwork = hostNamespaceRule(
  "network",
  {
    id: "DW-NS-003",
    name: "host-network",
    title: "Host network namespace shared",
    severity: "high",
    cis: ["5.9"],
    pss: "baseline",
    presets: ["baseline", "restricted", "cis"],
    remediation: {
      run: "remove --network host; publish the ports needed with -p 127.0.0.1:PORT:PORT",
      compose: "remove `network_mode: host`; use `ports:`",
    },
  },
  "the container sees and binds every host interface, reaches services on the host's loopback (including a TCP dockerd), and bypasses network isolation",
);
