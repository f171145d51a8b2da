/**
 * From audit records to syscall names, from runs to one profile. Pure.
 */
import { DEFAULT_ARCH_MAP, type SeccompArch, type SeccompProfile } from "../profile.js";
import { archFromAuditRecord, type SyscallArch, syscallName } from "../syscalls/index.js";

export const SCMP_ARCH: Record<SyscallArch, SeccompArch> = {
  x86_64: "SCMP_ARCH_X86_64",
  x86: "SCMP_ARCH_X86",
  x32: "SCMP_ARCH_X32",
  aarch64: "SCMP_ARCH_AARCH64",
  arm: "SCMP_ARCH_ARM",
};

export interface NamedSyscall {
  /** undefined when dockward's table has no name for the number */
  name: string | undefined;
  arch: SyscallArch | undefined;
  /** as the kernel reported it */
  number: number;
  auditArch: string;
}

/** The name of the call an audit record reports, on the arch the process used. */
export function nameSyscall(auditArch: string, nr: number): NamedSyscall {
  // x32 calls arrive on the x86_64 audit arch, with X32_SYSCALL_BIT in the number
  const arch = archFromAuditRecord(auditArch, nr);
  return {
    name: arch === undefined ? undefined : syscallName(arch, nr),
    arch,
    number: nr,
    auditArch,
  };
}

export interface RunSyscalls {
  /** names seen in this run */
  names: ReadonlySet<string>;
  /** `arch:number` of calls that have no name in the table */
  unnamed: ReadonlySet<string>;
}

export function syscallsOfRun(
  records: readonly { auditArch: string; syscall: number }[],
): RunSyscalls {
  const names = new Set<string>();
  const unnamed = new Set<string>();
  for (const r of records) {
    const s = nameSyscall(r.auditArch, r.syscall);
    if (s.name !== undefined) names.add(s.name);
    else unnamed.add(`${s.arch ?? `audit-arch ${r.auditArch}`}:${r.syscall}`);
  }
  return { names, unnamed };
}

export interface MergeSummary {
  runs: { seen: number; new: string[] }[];
  /** every name, sorted */
  total: string[];
}

/** How many distinct syscalls each run saw and which ones no earlier run had. */
export function mergeRuns(runs: readonly ReadonlySet<string>[]): MergeSummary {
  const all = new Set<string>();
  const summary: MergeSummary["runs"] = [];
  for (const names of runs) {
    const fresh = [...names].filter((n) => !all.has(n)).sort();
    for (const n of fresh) all.add(n);
    summary.push({ seen: names.size, new: fresh });
  }
  return { runs: summary, total: [...all].sort() };
}

/**
 * Calls a container needs that a recording can miss, with the reason. runc's init is a Go program
 * that runs under the filter from the moment it installs it until it execs the workload; Go
 * preempts goroutines with a signal (SIGURG), and when one arrives in that window, returning from
 * the handler is rt_sigreturn. If it is refused, runc's init crashes and the container does not
 * start (exit 139). Measured on the development VM: in 2 of 25 runs.
 */
export const ALWAYS_NEEDED: readonly { name: string; because: string }[] = [
  {
    name: "rt_sigreturn",
    because:
      "runc's init (Go) may take a signal after the filter is in place, and returning from a signal handler is rt_sigreturn; without it the container fails to start now and then",
  },
];

/** The host's arch with the compat arches its kernel runs, as Docker's default profile lists them. */
export function profileArchitectures(host: SyscallArch): SeccompArch[] {
  const native = SCMP_ARCH[host];
  const entry = DEFAULT_ARCH_MAP.find((m) => m.architecture === native);
  return entry === undefined ? [native] : [entry.architecture, ...entry.subArchitectures];
}

/**
 * Deny by default (EPERM, as Docker's default profile), allow exactly the recorded names. The
 * architectures must be the same the logging profile had: a process of an arch missing from a
 * profile is killed by runc's filter.
 */
export function buildProfile(names: Iterable<string>, host: SyscallArch): SeccompProfile {
  const sorted = [...new Set(names)].sort();
  return {
    defaultAction: "SCMP_ACT_ERRNO",
    defaultErrnoRet: 1,
    architectures: profileArchitectures(host),
    syscalls: sorted.length === 0 ? [] : [{ names: sorted, action: "SCMP_ACT_ALLOW" }],
  };
}

/** Every call logged, none refused: what the workload runs under while it is recorded. */
export function loggingProfile(host: SyscallArch): SeccompProfile {
  return { defaultAction: "SCMP_ACT_LOG", architectures: profileArchitectures(host), syscalls: [] };
}
