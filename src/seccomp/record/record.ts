/**
 * `dockward seccomp record`: run a workload N times under a profile that logs every call
 * (SCMP_ACT_LOG), collect the calls its container made from the kernel's audit records, and
 * build the deny-by-default profile that allows exactly those. The runs' records are merged: a
 * single run misses what the workload does only sometimes.
 *
 * The workload runs with the no-new-privileges setting its profile will run with: runc installs
 * the filter at a different point of its start-up with and without it, so the calls runc itself
 * makes under the filter differ (and they are needed: without them the container cannot start).
 */
import { DockwardError } from "../../errors.js";
import type { SeccompProfile } from "../profile.js";
import { serializeProfile } from "../profile.js";
import { noRecordsError, type RecordingSession } from "./session.js";
import { ALWAYS_NEEDED, buildProfile, loggingProfile, mergeRuns, syscallsOfRun } from "./merge.js";
import { runWorkload } from "./run.js";
import type { SyscallArch } from "../syscalls/index.js";
import type { Workload, WorkloadEngine } from "./workload.js";

export interface RecordRequest {
  workload: Workload;
  runs: number;
  noNewPrivileges: boolean;
  timeoutMs: number;
  /** keep what a run killed at the deadline did (a server), instead of refusing */
  keepPartial: boolean;
  arch: SyscallArch;
}

export interface RunReport {
  run: number;
  exitCode: number | undefined;
  timedOut: boolean;
  /** distinct syscalls this run made */
  syscalls: string[];
  /** syscalls no earlier run made */
  new: string[];
  /** calls the syscall table has no name for (`arch:number`): they cannot be allowed by name */
  unnamed: string[];
  /** records counted for the container */
  records: number;
  pids: { container: number; unresolved: number; foreign: number };
  /** false when records of exited processes were left out (something else logged too) */
  unresolvedCounted: boolean;
  /** kernel messages lost before dockward read them (ring overrun, rate limits) */
  lost: number;
  /** only runc's own start-up calls: the workload itself made none under the filter */
  onlyRuntime: boolean;
  output: string[];
}

export interface RecordReport {
  workload: string;
  noNewPrivileges: boolean;
  runs: RunReport[];
  /** every syscall the profile allows: what the runs saw plus `added` */
  total: string[];
  /** allowed though no run saw them (ALWAYS_NEEDED), with the reason */
  added: { name: string; because: string }[];
  warnings: string[];
  profile: SeccompProfile;
}

export interface RecordDeps {
  engine: WorkloadEngine;
  session: RecordingSession;
  signal: AbortSignal;
  /** progress lines (stderr) */
  progress: (line: string) => void;
}

export function describeWorkload(w: Workload): string {
  if (w.kind === "container") return `container ${w.name} (copies of it)`;
  return [w.image, ...w.cmd]
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(" ");
}

/** The SecurityOpt entries of a run: the profile inline, as the docker CLI sends a file. */
export function securityOptions(profile: string, noNewPrivileges: boolean): string[] {
  return [`seccomp=${profile}`, ...(noNewPrivileges ? ["no-new-privileges"] : [])];
}

/** The syscalls runc's init makes under the filter before it execs the workload. */
const RUNTIME_COMM = /^runc:\[\d:[A-Z]+\]$/;

export async function recordProfile(req: RecordRequest, deps: RecordDeps): Promise<RecordReport> {
  const { engine, session, signal, progress } = deps;
  const logging = JSON.stringify(JSON.parse(serializeProfile(loggingProfile(req.arch))));
  const securityOpt = securityOptions(logging, req.noNewPrivileges);
  const warnings: string[] = [];
  const runs: RunReport[] = [];
  const seen: Set<string>[] = [];
  for (let i = 1; i <= req.runs; i++) {
    progress(`run ${i}/${req.runs}: ${describeWorkload(req.workload)}`);
    const run = await runWorkload(engine, req.workload, {
      securityOpt,
      timeoutMs: req.timeoutMs,
      signal,
      session,
    });
    if (run.removeError !== undefined) {
      warnings.push(
        `run ${i}: could not remove container ${run.containerId.slice(0, 12)}: ${run.removeError}`,
      );
    }
    if (run.aborted) throw new DockwardError("USAGE", "interrupted");
    if (run.startError !== undefined) {
      throw new DockwardError("BAD_INPUT", `the workload did not start: ${run.startError}`, {
        hint: "check the command after `--` and the image (record logs every call and refuses none, so this is not the profile)",
      });
    }
    if (run.timedOut && !req.keepPartial) {
      throw new DockwardError(
        "BAD_INPUT",
        `run ${i} did not finish within ${req.timeoutMs / 1000} s and was killed; no profile was written`,
        {
          hint: "give it more time with --timeout SECONDS, or add --keep-partial to keep what a killed run did (for a server that never exits)",
        },
      );
    }
    const records = run.records;
    if (records === undefined) throw new Error("a recorded run has no records");
    const { verdict } = records;
    if (verdict.counted.length === 0) throw noRecordsError(engine.host);
    const { names, unnamed } = syscallsOfRun(verdict.counted);
    seen.push(new Set(names));
    const onlyRuntime = verdict.counted.every((r) => RUNTIME_COMM.test(r.comm));
    runs.push({
      run: i,
      exitCode: run.exitCode,
      timedOut: run.timedOut,
      syscalls: [...names].sort(),
      new: [],
      unnamed: [...unnamed].sort(),
      records: verdict.counted.length,
      pids: {
        container: verdict.containerPids.length,
        unresolved: verdict.unresolvedPids.length,
        foreign: verdict.foreignPids.length,
      },
      unresolvedCounted: verdict.unresolvedCounted,
      lost: records.lost,
      onlyRuntime,
      output: run.output,
    });
    if (run.timedOut)
      warnings.push(
        `run ${i}: killed after ${req.timeoutMs / 1000} s (--keep-partial): what it did until then is kept`,
      );
    else if (run.exitCode !== 0) {
      warnings.push(
        `run ${i}: the workload exited with ${run.exitCode}: a failing run may have skipped calls a successful one makes; the profile may be incomplete`,
      );
    }
    if (onlyRuntime) {
      warnings.push(
        `run ${i}: only runc's own start-up was recorded: the workload made no system call of its own under the filter`,
      );
    }
    if (!verdict.unresolvedCounted && verdict.unresolvedPids.length > 0) {
      warnings.push(
        `run ${i}: ${verdict.unresolvedPids.length} process(es) exited before dockward could place them, and processes outside the container (pid ${verdict.foreignPids.join(", ")}) also logged seccomp actions, so their calls were left out: the profile may miss calls (stop the other logging processes and record again)`,
      );
    }
    if (records.lost > 0) {
      warnings.push(
        `run ${i}: ${records.lost} kernel message(s) were lost before dockward read them (the ring buffer or a kernel rate limit): the profile may miss calls; merge more runs`,
      );
    }
    if (unnamed.size > 0) {
      warnings.push(
        `run ${i}: no name known for ${[...unnamed].join(", ")}: a profile allows calls by name, so these stay denied`,
      );
    }
  }
  const merged = mergeRuns(seen);
  merged.runs.forEach((m, i) => {
    const r = runs[i];
    if (r !== undefined) r.new = m.new;
  });
  const added = ALWAYS_NEEDED.filter((n) => !merged.total.includes(n.name));
  const total = [...merged.total, ...added.map((n) => n.name)].sort();
  return {
    workload: describeWorkload(req.workload),
    noNewPrivileges: req.noNewPrivileges,
    runs,
    total,
    added,
    warnings,
    profile: buildProfile(total, req.arch),
  };
}
