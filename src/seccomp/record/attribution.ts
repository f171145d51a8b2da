/**
 * Which audit records come from the recorded container.
 *
 * A seccomp record names only a host pid. Every process of the container is in its cgroup and
 * (unless it shares another's) its pid namespace, so the recorder looks at /proc/<pid> the moment
 * it first reads a record of that pid and keeps what it saw. That is not always enough: kauditd
 * prints records after the fact, and a short-lived process (`true`, a forked `wget`) is often
 * already a zombie (its cgroup then reads `/`, its pid namespace still shows) or already reaped
 * (nothing left) by then. So:
 *
 * - container: the cgroup names the container's id, or the process is in the container's own
 *   pid namespace (learned from a process placed by its cgroup, or from inspect's State.Pid);
 * - foreign: the process was there and provably elsewhere (another pid namespace than the
 *   container's own, or a real cgroup without the id);
 * - unresolved: gone, or a zombie whose namespace cannot tell.
 *
 * Unresolved records count only when nothing foreign logged during the run: then the logging
 * profile the recorder set up was the only source of SECCOMP_RET_LOG records on the host, and
 * the exited processes can only have been the container's. When something else logs as well (a
 * systemd unit with SystemCallLog=, another container with SCMP_ACT_LOG), unresolved records
 * are left out and the caller warns: a profile that misses a call fails closed, one that took in
 * another program's calls would not.
 */
import { readFileSync, readlinkSync } from "node:fs";

export interface ProcFacts {
  /** `pid:[4026532180]`; undefined when the process was gone */
  pidNamespace: string | undefined;
  /** /proc/<pid>/cgroup; undefined when gone */
  cgroup: string | undefined;
  /** the state letter of /proc/<pid>/stat (Z for a zombie); undefined when gone */
  state: string | undefined;
}

export interface ProcReader {
  facts(pid: number): ProcFacts;
  /** the pid namespace dockward runs in (the host's, when it runs on the host) */
  ownPidNamespace(): string | undefined;
  /** the pid namespace of a live process, e.g. the container's init from inspect */
  pidNamespace(pid: number): string | undefined;
}

export type Origin = "container" | "foreign" | "unresolved";

export interface AttributionOptions {
  /** the container's full id (64 hex digits) */
  containerId: string;
  /**
   * false when the container shares a pid namespace (PidMode host or container:…): then only
   * the cgroup places a process
   */
  ownPidNamespace: boolean;
}

function cgroupIsRootOnly(cgroup: string): boolean {
  const lines = cgroup.split("\n").filter((l) => l !== "");
  return lines.every((l) => l.endsWith(":/"));
}

export class Attribution {
  private readonly seen = new Map<number, ProcFacts>();
  private containerNamespace: string | undefined;
  private readonly hostNamespace: string | undefined;

  constructor(
    private readonly proc: ProcReader,
    private readonly options: AttributionOptions,
  ) {
    this.hostNamespace = proc.ownPidNamespace();
  }

  /** Look at the process now, the first time one of its records is read. */
  observe(pid: number): void {
    if (this.seen.has(pid)) return;
    const facts = this.proc.facts(pid);
    this.seen.set(pid, facts);
    if (
      this.options.ownPidNamespace &&
      this.containerNamespace === undefined &&
      facts.cgroup?.includes(this.options.containerId) === true &&
      facts.state !== "Z" &&
      facts.pidNamespace !== undefined
    ) {
      this.learnNamespace(facts.pidNamespace);
    }
  }

  /** The container's pid namespace, from a process known to be in it. */
  learnNamespace(ns: string | undefined): void {
    if (!this.options.ownPidNamespace || ns === undefined) return;
    // a "private" namespace that is the host's would place every process in the container
    if (ns === this.hostNamespace) return;
    this.containerNamespace ??= ns;
  }

  /** Learn the namespace from a live pid (inspect's State.Pid right after start). */
  learnFromPid(pid: number): void {
    if (pid > 0) this.learnNamespace(this.proc.pidNamespace(pid));
  }

  /**
   * Whether a live pid the engine reported is in the container's cgroup here: false means this
   * machine's pid is some other process (the engine runs elsewhere, or dockward runs in another
   * pid namespace); undefined when the process is already gone or exiting.
   */
  placement(pid: number): boolean | undefined {
    const f = this.proc.facts(pid);
    if (f.cgroup === undefined || f.state === "Z" || f.state === "X") return undefined;
    if (f.cgroup.includes(this.options.containerId)) return true;
    return cgroupIsRootOnly(f.cgroup) ? undefined : false;
  }

  get knownNamespace(): string | undefined {
    return this.containerNamespace;
  }

  origin(pid: number): Origin {
    const f = this.seen.get(pid);
    if (f === undefined) return "unresolved";
    if (f.cgroup?.includes(this.options.containerId) === true) return "container";
    const ns = this.containerNamespace;
    if (ns !== undefined && f.pidNamespace !== undefined) {
      return f.pidNamespace === ns ? "container" : "foreign";
    }
    if (f.cgroup === undefined) return "unresolved";
    // an exiting task's cgroup reads as the root in every hierarchy: that says nothing
    if (f.state === "Z" || f.state === "X" || cgroupIsRootOnly(f.cgroup)) return "unresolved";
    return "foreign";
  }
}

export interface Verdict<R> {
  counted: R[];
  containerPids: number[];
  foreignPids: number[];
  unresolvedPids: number[];
  /** false when unresolved records were left out because something foreign logged too */
  unresolvedCounted: boolean;
}

/** Sort a run's records by origin and keep the container's (see the module comment). */
export function attribute<R extends { pid: number }>(
  records: readonly R[],
  attribution: Attribution,
): Verdict<R> {
  const byOrigin = new Map<number, Origin>();
  for (const r of records) {
    if (!byOrigin.has(r.pid)) byOrigin.set(r.pid, attribution.origin(r.pid));
  }
  const pids = (o: Origin): number[] =>
    [...byOrigin].filter(([, v]) => v === o).map(([pid]) => pid);
  const foreignPids = pids("foreign");
  const unresolvedCounted = foreignPids.length === 0;
  const counted = records.filter((r) => {
    const o = byOrigin.get(r.pid);
    return o === "container" || (o === "unresolved" && unresolvedCounted);
  });
  return {
    counted,
    containerPids: pids("container"),
    foreignPids,
    unresolvedPids: pids("unresolved"),
    unresolvedCounted,
  };
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** The real /proc. */
export const realProc: ProcReader = {
  facts(pid) {
    const pidNamespace = attempt(() => readlinkSync(`/proc/${pid}/ns/pid`));
    const cgroup = attempt(() => readFileSync(`/proc/${pid}/cgroup`, "utf8"));
    const stat = attempt(() => readFileSync(`/proc/${pid}/stat`, "utf8"));
    const state = stat?.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return { pidNamespace, cgroup, state: state === "" ? undefined : state };
  },
  ownPidNamespace: () => attempt(() => readlinkSync("/proc/self/ns/pid")),
  pidNamespace: (pid) => attempt(() => readlinkSync(`/proc/${pid}/ns/pid`)),
};
