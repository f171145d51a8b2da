/**
 * `dockward seccomp test PROFILE -- IMAGE [CMD…]`: does the workload succeed under the profile?
 *
 * The workload runs once under the profile as the docker CLI would send it. When it fails, it
 * runs again under the profile with every refusal turned into SCMP_ACT_LOG (allowed, but logged
 * by the kernel): the first call logged from its container is the first call the profile
 * refused. That rerun reads the kernel log like `seccomp record` does, so it needs root and the
 * engine on this machine; without them the failure is reported without the diagnosis.
 */
import { release } from "node:os";
import { serializeProfile, type SeccompProfile } from "./profile.js";
import { effectiveCapabilities } from "../spec/capabilities.js";
import {
  type FilterContext,
  type Refusal,
  describeRefusal,
  explainRefusal,
  refusalsLogged,
  refuses,
} from "./record/denials.js";
import { nameSyscall } from "./record/merge.js";
import { securityOptions } from "./record/record.js";
import { type ObservedRun, runWorkload } from "./record/run.js";
import type { RecordingSession } from "./record/session.js";
import type { SyscallArch } from "./syscalls/index.js";
import type { ImageWorkload, WorkloadEngine } from "./record/workload.js";

export interface TestRequest {
  /** the profile text as the CLI sends it (compacted) */
  profileText: string;
  profile: SeccompProfile;
  workload: ImageWorkload;
  noNewPrivileges: boolean;
  timeoutMs: number;
  arch: SyscallArch;
}

export interface DeniedCall {
  name: string | undefined;
  number: number;
  arch: string;
  /** the process that made it */
  comm: string;
  pid: number;
  refusal: Refusal;
  explanation: string;
}

export interface TestReport {
  passed: boolean;
  exitCode: number | undefined;
  timedOut: boolean;
  startError: string | undefined;
  output: string[];
  /** undefined when no diagnosis ran (passed, or no kernel log: see diagnosisUnavailable) */
  firstDenied: DeniedCall | undefined;
  /** every distinct call the rerun logged, in the order first seen */
  denied: string[];
  /** why the rerun could not run, or found nothing */
  diagnosisUnavailable: string | undefined;
  /** the rerun under the logged profile: did the workload succeed there? */
  rerunExitCode: number | undefined;
  warnings: string[];
}

const GO_ARCH: Record<SyscallArch, string> = {
  x86_64: "amd64",
  x32: "amd64",
  x86: "386",
  aarch64: "arm64",
  arm: "arm",
};

export function filterContext(workload: ImageWorkload, arch: SyscallArch): FilterContext {
  return {
    capabilities: effectiveCapabilities(workload.capAdd, [], false),
    goArch: GO_ARCH[arch],
    kernel: release(),
  };
}

export interface TestDeps {
  engine: WorkloadEngine;
  signal: AbortSignal;
  /** opens the kernel log for the diagnosis; throws a DockwardError when it cannot */
  openSession: () => RecordingSession;
  progress: (line: string) => void;
}

function succeeded(run: ObservedRun): boolean {
  return run.exitCode === 0 && !run.timedOut && run.startError === undefined;
}

export async function testProfile(req: TestRequest, deps: TestDeps): Promise<TestReport> {
  const { engine, signal, progress } = deps;
  const run = await runWorkload(engine, req.workload, {
    securityOpt: securityOptions(req.profileText, req.noNewPrivileges),
    timeoutMs: req.timeoutMs,
    signal,
  });
  const warnings: string[] = [];
  if (run.removeError !== undefined)
    warnings.push(`could not remove the container: ${run.removeError}`);
  const report: TestReport = {
    passed: succeeded(run),
    exitCode: run.exitCode,
    timedOut: run.timedOut,
    startError: run.startError,
    output: run.output,
    firstDenied: undefined,
    denied: [],
    diagnosisUnavailable: undefined,
    rerunExitCode: undefined,
    warnings,
  };
  if (report.passed || run.aborted) return report;

  let session: RecordingSession;
  try {
    session = deps.openSession();
  } catch (err) {
    report.diagnosisUnavailable = `the kernel log cannot be read here (${err instanceof Error ? err.message : String(err)}), so the refused call was not looked for`;
    return report;
  }
  try {
    progress("the workload failed: running it again with the profile's refusals logged instead");
    const logged = JSON.stringify(JSON.parse(serializeProfile(refusalsLogged(req.profile))));
    const rerun = await runWorkload(engine, req.workload, {
      securityOpt: securityOptions(logged, req.noNewPrivileges),
      timeoutMs: req.timeoutMs,
      signal,
      session,
    });
    if (rerun.removeError !== undefined)
      warnings.push(`could not remove the rerun's container: ${rerun.removeError}`);
    report.rerunExitCode = rerun.exitCode;
    const counted = rerun.records?.verdict.counted ?? [];
    const ctx = filterContext(req.workload, req.arch);
    const names: string[] = [];
    for (const r of [...counted].sort((a, b) => a.seq - b.seq)) {
      const s = nameSyscall(r.auditArch, r.syscall);
      const label = s.name ?? `${s.arch ?? r.auditArch}:${r.syscall}`;
      if (!names.includes(label)) names.push(label);
      if (report.firstDenied !== undefined) continue;
      // a call without a name cannot be named by a rule either: only the default can refuse it
      const refusal: Refusal =
        s.name !== undefined
          ? explainRefusal(req.profile, s.name, ctx)
          : refuses(req.profile.defaultAction)
            ? { by: "default", action: req.profile.defaultAction, conditionalAllows: [] }
            : { by: "unexplained" };
      report.firstDenied = {
        name: s.name,
        number: r.syscall,
        arch: s.arch ?? r.auditArch,
        comm: r.comm,
        pid: r.pid,
        refusal,
        explanation: describeRefusal(refusal),
      };
    }
    report.denied = names;
    if (report.firstDenied === undefined && !rerun.aborted) {
      report.diagnosisUnavailable =
        rerun.records?.all.length === 0 && rerun.startError === undefined
          ? "the profile refused no call in the rerun: the workload fails for another reason (see its output)"
          : "no refused call of the container was found in the kernel log";
    }
    if ((rerun.records?.lost ?? 0) > 0) {
      warnings.push(
        `${rerun.records?.lost ?? 0} kernel message(s) were lost during the rerun: the first refused call shown may not be the first`,
      );
    }
  } finally {
    session.close();
  }
  return report;
}
