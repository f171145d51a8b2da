import { hostNamespaceRule } from "../namespace.js";

export const hostUserns = hostNamespaceRule(
  "userns",
  {
    id: "DW-NS-005",
    name: "host-userns",
    title: "Host user namespace shared",
    severity: "medium",
    cis: ["5.30"],
    pss: "none",
    presets: ["restricted", "cis"],
    remediation: { run: "remove --userns host", compose: "remove `userns_mode: host`" },
  },
  "it opts out of the daemon's user-namespace remapping, so root in the container is root on the host",
);
