import { hostNamespaceRule } from "../namespace.js";

export const hostPid = hostNamespaceRule(
  "pid",
  {
    id: "DW-NS-001",
    name: "host-pid",
    title: "Host PID namespace shared",
    severity: "high",
    cis: ["5.15"],
    pss: "baseline",
    presets: ["baseline", "restricted", "cis"],
    remediation: { run: "remove --pid host", compose: "remove `pid: host`" },
  },
  "every host process is visible, and can be signalled or traced with the right capabilities (/proc/1/root is the host's root)",
);
