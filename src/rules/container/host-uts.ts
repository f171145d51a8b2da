import { hostNamespaceRule } from "../namespace.js";

export const hostUts = hostNamespaceRule(
  "uts",
  {
    id: "DW-NS-004",
    name: "host-uts",
    title: "Host UTS namespace shared",
    severity: "medium",
    cis: ["5.20"],
    pss: "none",
    presets: ["restricted", "cis"],
    remediation: { run: "remove --uts host", compose: "remove `uts: host`" },
  },
  "the container can change the host's hostname and domain name",
);
