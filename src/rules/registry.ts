import { apparmor } from "./container/apparmor.js";
import { capAdd } from "./container/cap-add.js";
import { capDrop } from "./container/cap-drop.js";
import { cgroupParent } from "./container/cgroup-parent.js";
import { cpuLimit } from "./container/cpu-limit.js";
import { deviceCgroupRules } from "./container/device-cgroup-rules.js";
import { dockerSocket } from "./container/docker-socket.js";
import { hostCgroupns } from "./container/host-cgroupns.js";
import { hostDevices } from "./container/host-devices.js";
import { hostIpc } from "./container/host-ipc.js";
import { hostNetwork } from "./container/host-network.js";
import { hostPid } from "./container/host-pid.js";
import { hostUserns } from "./container/host-userns.js";
import { hostUts } from "./container/host-uts.js";
import { memoryLimit } from "./container/memory-limit.js";
import { memorySwap } from "./container/memory-swap.js";
import { mountPropagation } from "./container/mount-propagation.js";
import { noNewPrivileges } from "./container/no-new-privileges.js";
import { oomKillDisable } from "./container/oom-kill-disable.js";
import { pidsLimit } from "./container/pids-limit.js";
import { privileged } from "./container/privileged.js";
import { privilegedPorts } from "./container/privileged-ports.js";
import { publishedPorts } from "./container/published-ports.js";
import { readOnlyRootfs } from "./container/read-only-rootfs.js";
import { restartPolicy } from "./container/restart-policy.js";
import { runAsRoot } from "./container/run-as-root.js";
import { seccomp } from "./container/seccomp.js";
import { sensitiveMount } from "./container/sensitive-mount.js";
import { systemPaths } from "./container/system-paths.js";
import { unsafeSysctl } from "./container/unsafe-sysctl.js";
import { volumesFrom } from "./container/volumes-from.js";
import { daemonRules } from "./daemon/index.js";
import { pkiRules } from "./pki/index.js";
import { seccompRules } from "../seccomp/checks/index.js";
import type { AnyRule, Rule } from "./types.js";

/**
 * Every container rule, in report order. Adding a rule means adding it here, writing
 * docs/rules/<id>.md, and adding its table test: test/unit/rules/meta.test.ts checks all three.
 */
export const containerRules = [
  privileged,
  capAdd,
  capDrop,
  noNewPrivileges,
  seccomp,
  apparmor,
  systemPaths,
  hostPid,
  hostIpc,
  hostNetwork,
  hostUts,
  hostUserns,
  hostCgroupns,
  dockerSocket,
  sensitiveMount,
  volumesFrom,
  mountPropagation,
  hostDevices,
  deviceCgroupRules,
  unsafeSysctl,
  memoryLimit,
  cpuLimit,
  pidsLimit,
  memorySwap,
  oomKillDisable,
  cgroupParent,
  runAsRoot,
  readOnlyRootfs,
  publishedPorts,
  privilegedPorts,
  restartPolicy,
] as const satisfies readonly Rule[];

export type ContainerRule = (typeof containerRules)[number];

export { daemonRules, pkiRules, seccompRules };

/**
 * Every rule: containers, then daemons, then certificate material, then seccomp profile files,
 * in report order.
 */
export const allRules: readonly AnyRule[] = [
  ...containerRules,
  ...daemonRules,
  ...pkiRules,
  ...seccompRules,
];

const byKey = new Map<string, AnyRule>();
for (const rule of allRules) {
  byKey.set(rule.meta.id, rule);
  byKey.set(rule.meta.name, rule);
}

/** Look a rule up by id (DW-PRIV-001) or name (no-privileged). */
export function findRule(key: string): AnyRule | undefined {
  return byKey.get(key) ?? byKey.get(key.toUpperCase());
}
