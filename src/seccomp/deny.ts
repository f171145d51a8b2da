/**
 * `dockward seccomp deny`: a stricter profile from a base one. The denied calls leave every rule
 * that lets them through (unconditional or not) and get an explicit SCMP_ACT_ERRNO (EPERM) rule,
 * so the intent is visible and survives a later merge or a change of the default action.
 * Namespaces are special: clone keeps working without CLONE_NEW* flags, clone3 answers ENOSYS.
 * Pure, except that `parseSyscallList` consults the syscall tables.
 */
import { DockwardError } from "../errors.js";
import {
  CLONE_NAMESPACE_FLAGS,
  CLONE_NAMESPACE_MASK,
  ENOSYS,
  EPERM,
  NAMES_WITHOUT_TABLE,
  S390_ARCHES,
} from "./default-data.js";
import {
  isDenying,
  isUnconditional,
  profilePolarity,
  type RuleShape,
  ruleShape,
  shapeKey,
  shapeToRule,
  subsumes,
} from "./diff.js";
import type { SeccompArg, SeccompProfile, SeccompRule } from "./profile.js";
import { isKnownSyscall, SYSCALL_ARCHES, syscallNames } from "./syscalls/index.js";

export type DenyGroupName = "network" | "mount" | "namespaces" | "ptrace" | "kernel-modules";

export interface DenyGroup {
  /** what the group denies, in a few words (the flag's help) */
  readonly summary: string;
  /** the names that get the explicit EPERM rule */
  readonly names: readonly string[];
  /** one line: what the group takes away, and what it deliberately leaves */
  readonly why: string;
}

/** The groups, in the order their rules appear in the profile. Documented in docs/seccomp-generate.md. */
export const DENY_GROUPS = {
  network: {
    summary: "sockets: every network and unix socket (socketpair stays)",
    names: [
      "socket",
      "socketcall",
      "connect",
      "bind",
      "listen",
      "accept",
      "accept4",
      "send",
      "sendto",
      "sendmsg",
      "sendmmsg",
      "recv",
      "recvfrom",
      "recvmsg",
      "recvmmsg",
      "recvmmsg_time64",
      "getsockopt",
      "setsockopt",
      "getsockname",
      "getpeername",
      "shutdown",
      "io_uring_setup",
      "io_uring_enter",
      "io_uring_register",
    ],
    why: "no sockets: none can be created (socket, socketcall on 32-bit x86, io_uring's socket and connect operations) and none used, inherited ones included. socketpair stays: a connected pair inside the container reaches nothing, and read/write work on it",
  },
  mount: {
    summary: "mounting, even with CAP_SYS_ADMIN",
    names: [
      "mount",
      "umount",
      "umount2",
      "mount_setattr",
      "move_mount",
      "open_tree",
      "open_tree_attr",
      "fsopen",
      "fsconfig",
      "fsmount",
      "fspick",
      "pivot_root",
    ],
    why: "no mounts, even with CAP_SYS_ADMIN: neither mount(2) nor the file-descriptor mount API, no pivot_root",
  },
  namespaces: {
    summary: "new namespaces (clone keeps working without CLONE_NEW* flags)",
    names: ["unshare", "setns"],
    why: "no new namespaces, even with CAP_SYS_ADMIN: unshare and setns fail, clone may not carry a CLONE_NEW* flag, clone3 answers ENOSYS so that libc falls back to clone",
  },
  ptrace: {
    summary: "tracing and reading other processes, even with CAP_SYS_PTRACE",
    names: [
      "ptrace",
      "process_vm_readv",
      "process_vm_writev",
      "process_madvise",
      "kcmp",
      "pidfd_getfd",
    ],
    why: "no access to other processes, even with CAP_SYS_PTRACE: tracing, reading or writing or advising on their memory, comparing or taking their file descriptors",
  },
  "kernel-modules": {
    summary: "loading kernel modules and kexec images",
    names: ["init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load"],
    why: "no code into the kernel, even with CAP_SYS_MODULE or CAP_SYS_BOOT: modules and kexec images",
  },
} as const satisfies Record<DenyGroupName, DenyGroup>;

export const DENY_GROUP_NAMES = Object.keys(DENY_GROUPS) as DenyGroupName[];

export interface DenyRequest {
  groups: readonly DenyGroupName[];
  /** further names, already checked with `parseSyscallList` */
  syscalls: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Syscall names given by the user

let known: string[] | undefined;

/** Every name the tables know on some architecture, plus the few of architectures without one. */
function knownNames(): string[] {
  known ??= [
    ...new Set([
      ...SYSCALL_ARCHES.flatMap((arch) => [...syscallNames(arch)]),
      ...Object.keys(NAMES_WITHOUT_TABLE),
    ]),
  ].sort();
  return known;
}

export function isKnownName(name: string): boolean {
  return isKnownSyscall(name) || Object.hasOwn(NAMES_WITHOUT_TABLE, name);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The known syscall name nearest to `name` (case-insensitive edit distance; ties: alphabetical). */
export function closestSyscall(name: string): string {
  const wanted = name.toLowerCase();
  let best = "";
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of knownNames()) {
    const d = editDistance(wanted, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * `a,b, c` → ["a", "b", "c"], every name checked against the syscall tables.
 *
 * @example parseSyscallList("--syscalls", "keyctl,add_key") // ["keyctl", "add_key"]
 */
export function parseSyscallList(flag: string, text: string): string[] {
  const names = text
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  if (names.length === 0) {
    throw new DockwardError("USAGE", `${flag} needs at least one syscall name`, {
      hint: `give names separated by commas, e.g. ${flag} keyctl,add_key`,
    });
  }
  for (const name of names) {
    if (!isKnownName(name)) {
      throw new DockwardError(
        "BAD_INPUT",
        `${flag}: ${JSON.stringify(name)} is not a syscall name dockward knows (its tables cover x86-64, x86, x32, AArch64 and ARM)`,
        { hint: `did you mean ${JSON.stringify(closestSyscall(name))}?` },
      );
    }
  }
  return [...new Set(names)];
}

// ---------------------------------------------------------------------------------------------
// clone and its namespace flags

const S390: readonly string[] = S390_ARCHES;

/** Where the rule can apply: on s390 (flags are arg1) and/or elsewhere (flags are arg0). */
function archReach(s: RuleShape): { s390: boolean; other: boolean } {
  const inc = s.includes.arches;
  const exc = s.excludes.arches;
  const s390 =
    (inc.length === 0 || inc.some((a) => S390.includes(a))) && !S390.every((a) => exc.includes(a));
  const other = inc.length === 0 || inc.some((a) => !S390.includes(a) && !exc.includes(a));
  return { s390, other };
}

/** The argument proves the clone flags (at `index`) carry no CLONE_NEW* bit. */
function keepsNamespaceFlagsOut(args: readonly SeccompArg[], index: number): boolean {
  return args.some(
    (a) =>
      a.index === index &&
      ((a.op === "SCMP_CMP_MASKED_EQ" &&
        (a.value & CLONE_NAMESPACE_MASK) === CLONE_NAMESPACE_MASK &&
        (a.valueTwo & CLONE_NAMESPACE_MASK) === 0n) ||
        (a.op === "SCMP_CMP_EQ" && (a.value & CLONE_NAMESPACE_MASK) === 0n)),
  );
}

function cloneIsSafe(s: RuleShape): boolean {
  const reach = archReach(s);
  return (
    (!reach.s390 || keepsNamespaceFlagsOut(s.args, 1)) &&
    (!reach.other || keepsNamespaceFlagsOut(s.args, 0))
  );
}

function withoutCap(s: RuleShape, cap: string): RuleShape {
  return { ...s, excludes: { ...s.excludes, caps: s.excludes.caps.filter((c) => c !== cap) } };
}

const NAMESPACE_COMMENT = "dockward seccomp deny --namespaces: ";

/**
 * The clone rules that replace an allow rule `s` which let namespace flags through: the same
 * conditions, plus the flag filter on the argument the architecture passes the flags in. None
 * when `s` already filters that argument (one rule cannot test an argument twice).
 */
function filteredClone(s: RuleShape): RuleShape[] {
  const out: RuleShape[] = [];
  const reach = archReach(s);
  const mask = (index: number): SeccompArg => ({
    index,
    value: CLONE_NAMESPACE_MASK,
    valueTwo: 0n,
    op: "SCMP_CMP_MASKED_EQ",
  });
  const comment = `${NAMESPACE_COMMENT}clone without CLONE_NEW* flags`;
  if (reach.other && !s.args.some((a) => a.index === 0)) {
    out.push({
      ...s,
      args: [mask(0), ...s.args],
      excludes: { ...s.excludes, arches: [...new Set([...s.excludes.arches, ...S390])].sort() },
      comment,
    });
  }
  if (reach.s390 && !s.args.some((a) => a.index === 1)) {
    const inc =
      s.includes.arches.length === 0
        ? [...S390]
        : s.includes.arches.filter((a) => S390.includes(a));
    out.push({
      ...s,
      args: [mask(1), ...s.args].sort((x, y) => x.index - y.index),
      includes: { ...s.includes, arches: inc },
      comment: `${comment} (s390: flags are the second argument)`,
    });
  }
  return out;
}

/** Per CLONE_NEW* flag, a rule denying clone when it is set (for bases that allow by default). */
function cloneFlagDenials(): RuleShape[] {
  const out: RuleShape[] = [];
  for (const s390 of [false, true]) {
    for (const flag of CLONE_NAMESPACE_FLAGS) {
      out.push({
        outcome: { action: "SCMP_ACT_ERRNO", errnoRet: EPERM },
        args: [
          { index: s390 ? 1 : 0, value: flag.bit, valueTwo: flag.bit, op: "SCMP_CMP_MASKED_EQ" },
        ],
        includes: { caps: [], arches: s390 ? [...S390] : [] },
        excludes: { caps: [], arches: s390 ? [] : [...S390] },
        comment: `${NAMESPACE_COMMENT}clone with ${flag.name}${s390 ? " (s390: flags are the second argument)" : ""}`,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The derivation

interface Entry {
  name: string;
  shape: RuleShape;
}

/** One rule per distinct shape among a rule's names, in the order the names came. */
function regroup(entries: readonly Entry[]): SeccompRule[] {
  const groups = new Map<string, { names: string[]; shape: RuleShape }>();
  for (const e of entries) {
    const key = `${shapeKey(e.shape)}\u0000${e.shape.comment ?? ""}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { names: [e.name], shape: e.shape });
    else if (!group.names.includes(e.name)) group.names.push(e.name);
  }
  return [...groups.values()].map((g) => shapeToRule(g.names, g.shape));
}

/**
 * The base profile with the requested calls denied. The base is not changed.
 *
 * - A denied name leaves every rule except an unconditional denying one (which already says it);
 *   then, unless such a rule exists, one SCMP_ACT_ERRNO (EPERM) rule per group names it, placed
 *   first in `syscalls`.
 * - `namespaces` also: clone is let through only with its namespace flags filtered (on an
 *   allowlist base: allow rules that did not filter them get the filter, and Docker's
 *   "unless CAP_SYS_ADMIN" exclusion goes; on a base that allows by default: one EPERM rule per
 *   CLONE_NEW* flag); clone3 gets SCMP_ACT_ERRNO (ENOSYS) whatever the capabilities. Naming clone
 *   or clone3 in `syscalls` denies it outright instead.
 */
export function denyCalls(base: SeccompProfile, request: DenyRequest): SeccompProfile {
  const explicit: { label: string; why: string; names: string[] }[] = [];
  const denied = new Set<string>();
  for (const group of DENY_GROUP_NAMES) {
    if (!request.groups.includes(group)) continue;
    const names = DENY_GROUPS[group].names.filter((n) => !denied.has(n));
    for (const n of names) denied.add(n);
    explicit.push({ label: `--${group}`, why: DENY_GROUPS[group].why, names });
  }
  const extra = request.syscalls.filter((n) => !denied.has(n));
  for (const n of extra) denied.add(n);
  if (extra.length > 0)
    explicit.push({ label: "--syscalls", why: "named on the command line", names: extra });

  const namespaces = request.groups.includes("namespaces");
  const filterClone = namespaces && !denied.has("clone");
  const pinClone3 = namespaces && !denied.has("clone3");
  const allowlist = profilePolarity(base) === "allowlist";

  const alreadyDenied = new Set<string>();
  /** per base rule, the (name, shape) pairs that stay */
  const kept: Entry[][] = [];
  const added: Entry[] = [];
  let clone3Enosys = false;
  for (const rule of base.syscalls) {
    const shape = ruleShape(rule);
    const denying = isDenying(rule.action);
    const stays: Entry[] = [];
    kept.push(stays);
    for (const name of rule.names) {
      if (denied.has(name)) {
        if (denying && isUnconditional(shape)) {
          alreadyDenied.add(name);
          stays.push({ name, shape });
        }
        continue;
      }
      if (filterClone && name === "clone" && !denying) {
        if (cloneIsSafe(shape)) stays.push({ name, shape: withoutCap(shape, "CAP_SYS_ADMIN") });
        else if (allowlist) for (const s of filteredClone(shape)) added.push({ name, shape: s });
        continue;
      }
      if (pinClone3 && name === "clone3") {
        if (!denying) continue;
        const pinned =
          rule.action === "SCMP_ACT_ERRNO" && rule.errnoRet === ENOSYS
            ? withoutCap(shape, "CAP_SYS_ADMIN")
            : shape;
        if (isUnconditional(pinned)) clone3Enosys = true;
        stays.push({ name, shape: pinned });
        continue;
      }
      stays.push({ name, shape });
    }
  }

  // a filtered clone rule the base already has (Docker's default has two) makes a new one redundant
  const cloneAllows = kept
    .flat()
    .filter((e) => e.name === "clone" && !isDenying(e.shape.outcome.action));
  const newClone: Entry[] = [];
  for (const e of added) {
    if ([...cloneAllows, ...newClone].some((o) => subsumes(o.shape, e.shape))) continue;
    newClone.push(e);
  }

  const front: SeccompRule[] = [];
  for (const group of explicit) {
    const names = group.names.filter((n) => !alreadyDenied.has(n)).sort();
    if (names.length === 0) continue;
    front.push({
      names,
      action: "SCMP_ACT_ERRNO",
      errnoRet: EPERM,
      comment: `dockward seccomp deny ${group.label}: ${group.why}`,
    });
  }
  if (filterClone && !allowlist) {
    for (const s of cloneFlagDenials()) front.push(shapeToRule(["clone"], s));
  }
  if (pinClone3 && !clone3Enosys) {
    front.push({
      names: ["clone3"],
      action: "SCMP_ACT_ERRNO",
      errnoRet: ENOSYS,
      comment: `${NAMESPACE_COMMENT}clone3's flags are out of seccomp's reach; ENOSYS makes libc use clone`,
    });
  }
  const rest = [...kept.flatMap(regroup), ...newClone.map((e) => shapeToRule([e.name], e.shape))];
  return { ...base, syscalls: [...front, ...rest] };
}
