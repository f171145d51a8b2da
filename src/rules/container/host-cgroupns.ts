import { hostNamespaceRule } from "../namespace.js";

export const hostCgroupns = hostNamespaceRule(
  "cgroupns",
  {
    id: "DW-NS-006",
    name: "host-cgroupns",
    title: "Host cgroup namespace shared",
    severity: "low",
    cis: [],
    pss: "none",
    presets: ["restricted"],
    remediation: { run: "--cgroupns private", compose: "cgroup: private" },
  },
  "the host's whole cgroup hierarchy is visible in /proc/self/cgroup and /sys/fs/cgroup paths",
);
