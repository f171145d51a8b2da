import { hostNamespaceRule } from "../namespace.js";

export const hostIpc = hostNamespaceRule(
  "ipc",
  {
    id: "DW-NS-002",
    name: "host-ipc",
    title: "Host IPC namespace shared",
    severity: "high",
    cis: ["5.16"],
    pss: "baseline",
    presets: ["baseline", "restricted", "cis"],
    remediation: {
      run: "remove --ipc host (use --ipc shareable / container:NAME between containers)",
      compose: "remove `ipc: host`",
    },
  },
  "host shared memory and semaphores are readable and writable from the container",
);
