/**
 * A recording session: the kernel log read from now on, the kernel settings changed for as long
 * as it is open, and for each run the SECCOMP_RET_LOG records of that run's container.
 *
 * Used by `seccomp record` (a logging profile) and by `seccomp test` (a profile whose denials
 * became SCMP_ACT_LOG). Opening it is where permission problems surface (exit 3), before any
 * container is created.
 */
import { DockwardError } from "../../errors.js";
import { Attribution, type ProcReader, type Verdict, attribute } from "./attribution.js";
import {
  droppedRecords,
  parseSeccompRecord,
  SECCOMP_RET_LOG,
  type SeccompAuditRecord,
} from "./audit-record.js";
import {
  type Acquired,
  KernelSettings,
  type RestoreOutcome,
  type SettingsHost,
} from "./kernel-settings.js";
import { type KmsgDevice, KmsgReader } from "./kmsg.js";

/** How often the kernel log is read while a container runs. */
const PUMP_INTERVAL_MS = 2;
/**
 * kauditd prints records after the calls: after the container stops, read on until the log has
 * been quiet this long (or SETTLE_MAX_MS passed).
 */
const SETTLE_QUIET_MS = 250;
const SETTLE_MAX_MS = 3_000;

export interface SessionDeps {
  openKmsg: () => KmsgDevice;
  settingsHost: SettingsHost;
  proc: ProcReader;
}

export interface RunRecords {
  verdict: Verdict<SeccompAuditRecord>;
  /** every SECCOMP_RET_LOG record of the run, whatever its origin */
  all: SeccompAuditRecord[];
  /** kernel messages overwritten before they were read, plus records the kernel dropped */
  lost: number;
}

export class RecordingSession {
  private run: ActiveRun | undefined;

  private constructor(
    private readonly reader: KmsgReader,
    private readonly settings: KernelSettings,
    private readonly proc: ProcReader,
    readonly acquired: Acquired,
  ) {}

  /** Open /dev/kmsg, then take the lock and change the settings; undoes both on failure. */
  static open(deps: SessionDeps): RecordingSession {
    const device = deps.openKmsg();
    let acquired: Acquired;
    try {
      acquired = KernelSettings.acquire(deps.settingsHost);
    } catch (err) {
      device.close();
      throw err;
    }
    try {
      return new RecordingSession(
        KmsgReader.fromNow(device),
        acquired.settings,
        deps.proc,
        acquired,
      );
    } catch (err) {
      acquired.settings.restore();
      device.close();
      throw err;
    }
  }

  /**
   * Start collecting for a container that exists but has not started: what the log holds up to
   * now is dropped, and from now on it is read every few milliseconds.
   */
  begin(containerId: string, ownPidNamespace: boolean): Attribution {
    if (this.run !== undefined) throw new Error("a run is already being recorded");
    this.reader.pump();
    const startLost = this.reader.lost;
    const attribution = new Attribution(this.proc, { containerId, ownPidNamespace });
    const run = new ActiveRun(this.reader, attribution, startLost);
    this.run = run;
    run.start();
    return attribution;
  }

  /** Once the container stopped: read the stragglers, stop reading, sort the records. */
  async end(): Promise<RunRecords> {
    const run = this.run;
    if (run === undefined) throw new Error("no run is being recorded");
    try {
      await run.settle();
    } finally {
      run.stop();
      this.run = undefined;
    }
    return {
      verdict: attribute(run.records, run.attribution),
      all: run.records,
      lost: this.reader.lost - run.startLost + run.dropped,
    };
  }

  /** Stop reading without sorting (an interrupted run). */
  abandon(): void {
    this.run?.stop();
    this.run = undefined;
  }

  get changedSettings(): KernelSettings["applied"] {
    return this.settings.applied;
  }

  /** Put the settings back and close the log. Synchronous and idempotent: safe in a signal handler. */
  close(): RestoreOutcome {
    this.abandon();
    const outcome = this.settings.restore();
    try {
      this.reader.close();
    } catch {
      /* already closed */
    }
    return outcome;
  }
}

class ActiveRun {
  readonly records: SeccompAuditRecord[] = [];
  dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastRecordAt = Date.now();

  constructor(
    private readonly reader: KmsgReader,
    readonly attribution: Attribution,
    readonly startLost: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.pump();
    }, PUMP_INTERVAL_MS);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  pump(): void {
    for (const line of this.reader.pump()) {
      this.dropped += droppedRecords(line.message);
      const record = parseSeccompRecord(line);
      if (record?.code !== SECCOMP_RET_LOG) continue;
      // now, while the process may still be there to be placed
      this.attribution.observe(record.pid);
      this.records.push(record);
      this.lastRecordAt = Date.now();
    }
  }

  async settle(): Promise<void> {
    const started = Date.now();
    this.pump();
    while (
      Date.now() - this.lastRecordAt < SETTLE_QUIET_MS &&
      Date.now() - started < SETTLE_MAX_MS
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      this.pump();
    }
  }
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?)$/i;

/**
 * Refuse an endpoint that is certainly on another machine: the audit records are in the kernel
 * log of the machine that runs the container. A unix socket or a loopback address may still
 * lead elsewhere (a forwarded socket); the first run checks that the container's process is one
 * of this machine's (see runWorkload).
 */
export function refuseRemoteEngine(host: string): void {
  const m = /^([a-z]+):\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/]*)/i.exec(host);
  const scheme = m?.[1]?.toLowerCase();
  if (scheme === "unix") return;
  if (
    (scheme === "tcp" || scheme === "ssh" || scheme === "http" || scheme === "https") &&
    LOOPBACK.test(m?.[2] ?? "")
  )
    return;
  throw new DockwardError(
    "KERNEL_UNSUPPORTED",
    `the engine at ${host} is not on this machine: seccomp records are read from the kernel log of the machine that runs the container`,
    {
      hint: "run dockward on the engine's host, against its local socket (e.g. -H unix:///var/run/docker.sock)",
    },
  );
}

/** The error for a run that started and left no record at all in this machine's kernel log. */
export function noRecordsError(host: string): DockwardError {
  return new DockwardError(
    "KERNEL_UNSUPPORTED",
    `the container ran, but no seccomp audit record of it reached /dev/kmsg on this machine`,
    {
      hint: `run dockward on the machine whose dockerd serves ${host} (the records are in that kernel's log), and stop auditd for the recording if it runs: with an audit daemon registered, the kernel sends the records to it (see /var/log/audit/audit.log) instead of the kernel log`,
    },
  );
}
