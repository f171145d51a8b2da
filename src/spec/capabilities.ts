/**
 * Linux capabilities as Docker names them. Source: capability(7) and moby's
 * oci/caps/defaults.go + the kernel's include/uapi/linux/capability.h (checked 2026-11 against
 * kernel 6.x: CAP_LAST_CAP = CHECKPOINT_RESTORE).
 */

/** Every capability the kernel defines, in kernel order. */
export const ALL_CAPABILITIES = [
  "CHOWN",
  "DAC_OVERRIDE",
  "DAC_READ_SEARCH",
  "FOWNER",
  "FSETID",
  "KILL",
  "SETGID",
  "SETUID",
  "SETPCAP",
  "LINUX_IMMUTABLE",
  "NET_BIND_SERVICE",
  "NET_BROADCAST",
  "NET_ADMIN",
  "NET_RAW",
  "IPC_LOCK",
  "IPC_OWNER",
  "SYS_MODULE",
  "SYS_RAWIO",
  "SYS_CHROOT",
  "SYS_PTRACE",
  "SYS_PACCT",
  "SYS_ADMIN",
  "SYS_BOOT",
  "SYS_NICE",
  "SYS_RESOURCE",
  "SYS_TIME",
  "SYS_TTY_CONFIG",
  "MKNOD",
  "LEASE",
  "AUDIT_WRITE",
  "AUDIT_CONTROL",
  "SETFCAP",
  "MAC_OVERRIDE",
  "MAC_ADMIN",
  "SYSLOG",
  "WAKE_ALARM",
  "BLOCK_SUSPEND",
  "AUDIT_READ",
  "PERFMON",
  "BPF",
  "CHECKPOINT_RESTORE",
] as const;

export type Capability = (typeof ALL_CAPABILITIES)[number];

/** The 14 capabilities Docker grants a container by default (moby oci/caps DefaultCapabilities). */
export const DOCKER_DEFAULT_CAPABILITIES: readonly Capability[] = [
  "CHOWN",
  "DAC_OVERRIDE",
  "FSETID",
  "FOWNER",
  "MKNOD",
  "NET_RAW",
  "SETGID",
  "SETUID",
  "SETFCAP",
  "SETPCAP",
  "NET_BIND_SERVICE",
  "SYS_CHROOT",
  "KILL",
  "AUDIT_WRITE",
];

const KNOWN = new Set<string>(ALL_CAPABILITIES);

/**
 * `sys_admin`, `CAP_SYS_ADMIN`, ` SYS_ADMIN ` → `SYS_ADMIN`; `all` → `ALL`. The daemon accepts
 * any case and an optional CAP_ prefix (moby oci/caps NormalizeLegacyCapabilities).
 */
export function canonicalCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === "ALL" || upper === "CAP_ALL") return "ALL";
  return upper.startsWith("CAP_") ? upper.slice(4) : upper;
}

export function isKnownCapability(canonical: string): boolean {
  return canonical === "ALL" || KNOWN.has(canonical);
}

/**
 * The capabilities a container ends up with, computed the way the daemon does
 * (moby oci/caps TweakCapabilities): privileged = all; `--cap-add ALL` = all minus drops;
 * `--cap-drop ALL` = exactly the adds; otherwise defaults − drops + adds.
 */
export function effectiveCapabilities(
  add: readonly string[],
  drop: readonly string[],
  privileged: boolean,
): Set<string> {
  if (privileged) return new Set(ALL_CAPABILITIES);
  const adds = add.map(canonicalCapability);
  const drops = drop.map(canonicalCapability);
  if (adds.includes("ALL")) return new Set(ALL_CAPABILITIES.filter((c) => !drops.includes(c)));
  if (drops.includes("ALL")) return new Set(adds);
  const out = new Set<string>(DOCKER_DEFAULT_CAPABILITIES.filter((c) => !drops.includes(c)));
  for (const c of adds) out.add(c);
  return out;
}
