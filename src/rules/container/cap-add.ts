import * as z from "zod/mini";
import { DOCKER_DEFAULT_CAPABILITIES, canonicalCapability } from "../../spec/capabilities.js";
import { defineRule } from "../define.js";
import type { RuleHit, Severity } from "../types.js";

/** Capabilities that amount to host root or a kernel attack surface on their own. */
const CRITICAL = new Set(["ALL", "SYS_ADMIN", "SYS_MODULE", "SYS_RAWIO", "DAC_READ_SEARCH"]);
const HIGH = new Set([
  "SYS_PTRACE",
  "NET_ADMIN",
  "BPF",
  "PERFMON",
  "SYS_BOOT",
  "SYS_TIME",
  "MAC_ADMIN",
  "MAC_OVERRIDE",
  "LINUX_IMMUTABLE",
  "SYSLOG",
  "SYS_RESOURCE",
  "IPC_OWNER",
  "SYS_PACCT",
  "CHECKPOINT_RESTORE",
]);

const WHY: Record<string, string> = {
  ALL: "every capability, nearly the same as --privileged",
  SYS_ADMIN: "mount, namespaces, BPF, cgroup release_agent: the classic container escape",
  SYS_MODULE: "loads kernel modules: arbitrary kernel code",
  SYS_RAWIO: "raw I/O ports and /dev/mem: reads and writes host memory",
  DAC_READ_SEARCH: "open_by_handle_at reads any host file (the 'shocker' escape)",
  SYS_PTRACE: "traces other processes; with a shared PID namespace, host processes",
  NET_ADMIN: "reconfigures interfaces, routes and firewall rules",
  BPF: "loads BPF programs into the kernel",
};

export const capAdd = defineRule({
  meta: {
    id: "DW-CAP-001",
    name: "cap-add",
    title: "Capabilities added beyond the allowed set",
    severity: "medium",
    cis: ["5.3"],
    pss: "baseline",
    presets: ["baseline", "restricted", "cis"],
    remediation: {
      run: "remove the --cap-add flags the workload does not need; keep only those in the policy's allowed list",
      compose: "remove entries from `cap_add:` that the workload does not need",
    },
  },
  options: z.strictObject({
    /** capabilities that may be added (beyond Docker's default set, which re-adding never widens) */
    allowed: z._default(z.array(z.string()), []),
  }),
  check(spec, options) {
    const allowed = new Set([
      ...DOCKER_DEFAULT_CAPABILITIES,
      ...options.allowed.map(canonicalCapability),
    ]);
    const hits: RuleHit[] = [];
    for (const cap of spec.capAdd) {
      const name = canonicalCapability(cap.value);
      if (allowed.has(name)) continue;
      const severity: Severity = CRITICAL.has(name)
        ? "critical"
        : HIGH.has(name)
          ? "high"
          : "medium";
      const why = WHY[name];
      hits.push({
        message: `adds capability ${name}${why !== undefined ? `: ${why}` : ""}`,
        origin: cap.origin,
        severity,
      });
    }
    return hits;
  },
});
