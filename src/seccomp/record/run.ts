/**
 * One run of a workload: create, (record,) start, wait or kill at the deadline, read its output,
 * remove. The container is removed whatever happens, an interrupt included.
 */
import { DockwardError, EngineHttpError, errorMessage } from "../../errors.js";
import type { RecordingSession, RunRecords } from "./session.js";
import type { Workload, WorkloadEngine } from "./workload.js";

/** Lines of the workload's output a report shows. */
export const OUTPUT_LINES = 10;

export interface RunOptions {
  securityOpt: string[];
  timeoutMs: number;
  signal: AbortSignal;
  /** record this run's seccomp log records */
  session?: RecordingSession | undefined;
}

export interface ObservedRun {
  containerId: string;
  /** undefined when it did not start, timed out or was interrupted */
  exitCode: number | undefined;
  timedOut: boolean;
  aborted: boolean;
  /** the engine's message when the runtime refused to start the container */
  startError: string | undefined;
  output: string[];
  records: RunRecords | undefined;
  /** what went wrong removing the container, if anything */
  removeError: string | undefined;
}

function notLocal(host: string, pid: number): DockwardError {
  return new DockwardError(
    "KERNEL_UNSUPPORTED",
    `the engine at ${host} does not run on this machine: its container's process ${pid} is not one of this machine's processes`,
    {
      hint: "seccomp records come from the kernel that runs the container: run dockward on the engine's host, against its local socket",
    },
  );
}

export async function runWorkload(
  engine: WorkloadEngine,
  workload: Workload,
  options: RunOptions,
): Promise<ObservedRun> {
  const { session, signal } = options;
  // interrupted before this run began: create nothing (the caller reports the interrupt)
  signal.throwIfAborted();
  const containerId = await engine.create(workload, options.securityOpt);
  const run: ObservedRun = {
    containerId,
    exitCode: undefined,
    timedOut: false,
    aborted: false,
    startError: undefined,
    output: [],
    records: undefined,
    removeError: undefined,
  };
  try {
    const sharedPid = workload.kind === "container" && workload.sharedPidNamespace;
    const attribution = session?.begin(containerId, !sharedPid);
    let started = false;
    try {
      const { pid } = await engine.start(containerId);
      started = true;
      if (attribution !== undefined && pid > 0) {
        if (attribution.placement(pid) === false) throw notLocal(engine.host, pid);
        attribution.learnFromPid(pid);
      }
    } catch (err) {
      if (!(err instanceof EngineHttpError)) throw err;
      run.startError = err.message.replace(/^POST \S+: the engine answered \d+: /, "");
    }
    if (started) {
      const waited = await engine.wait(containerId, options.timeoutMs, signal);
      if (waited.kind === "exited") run.exitCode = waited.exitCode;
      else if (waited.kind === "timeout") run.timedOut = true;
      else run.aborted = true;
    }
    if (signal.aborted) run.aborted = true;
    if (session !== undefined && !run.aborted) run.records = await session.end();
    if (!run.aborted) run.output = await engine.output(containerId, OUTPUT_LINES);
  } finally {
    session?.abandon();
    try {
      await engine.remove(containerId);
    } catch (err) {
      run.removeError = errorMessage(err);
    }
  }
  return run;
}
