/**
 * The kernel settings a recording needs, changed for its duration and put back afterwards —
 * on success, on error, on Ctrl-C, and (through a state file) after a recorder that was killed
 * outright.
 *
 * - kernel.printk_ratelimit: kauditd prints audit records through printk_ratelimit(); at the
 *   default (5 s interval, burst 10) nearly every record of a busy workload is dropped. 0
 *   switches the limit off (the burst, printk_ratelimit_burst, no longer matters then).
 * - kernel.seccomp.actions_logged must contain `log`, or SCMP_ACT_LOG allows silently.
 *
 * Before touching anything the recorder writes what it will change, with the old values, to
 * /run/dockward/seccomp-record.json (created exclusively: it is also the lock that keeps two
 * recordings from restoring each other's values). A later recording that finds the file of a
 * dead recorder restores those values first. /run is emptied at boot, as the settings are.
 *
 * A value is restored only while it still holds what the recorder wrote: if something else
 * changed it meanwhile, that newer value stays and the caller is told.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { DockwardError, errorMessage, errorReason, systemErrorCode } from "../../errors.js";

export const PRINTK_RATELIMIT = "/proc/sys/kernel/printk_ratelimit";
export const PRINTK_RATELIMIT_BURST = "/proc/sys/kernel/printk_ratelimit_burst";
export const ACTIONS_LOGGED = "/proc/sys/kernel/seccomp/actions_logged";
export const STATE_FILE = "/run/dockward/seccomp-record.json";

export interface SettingChange {
  /** sysctl name, e.g. kernel.printk_ratelimit */
  name: string;
  path: string;
  previous: string;
  value: string;
}

export interface CurrentSettings {
  printkRatelimit: string;
  actionsLogged: string;
}

/** What has to change for records to reach /dev/kmsg (pure). */
export function planChanges(current: CurrentSettings): SettingChange[] {
  const changes: SettingChange[] = [];
  const ratelimit = current.printkRatelimit.trim();
  if (ratelimit !== "0") {
    changes.push({
      name: "kernel.printk_ratelimit",
      path: PRINTK_RATELIMIT,
      previous: ratelimit,
      value: "0",
    });
  }
  const logged = current.actionsLogged
    .trim()
    .split(/\s+/)
    .filter((a) => a !== "");
  if (!logged.includes("log")) {
    changes.push({
      name: "kernel.seccomp.actions_logged",
      path: ACTIONS_LOGGED,
      previous: logged.join(" "),
      value: [...logged, "log"].join(" "),
    });
  }
  return changes;
}

/** The file system and process table the settings code touches, injected for tests. */
export interface SettingsHost {
  read(path: string): string;
  write(path: string, value: string): void;
  /** create the state file; false when it already exists */
  createState(text: string): boolean;
  /** replace the state file this process created */
  replaceState(text: string): void;
  /** undefined when there is none */
  readState(): string | undefined;
  removeState(): void;
  /** something that identifies a live process across pid reuse; undefined when it is gone */
  processIdentity(pid: number): string | undefined;
  readonly pid: number;
}

interface StateFile {
  pid: number;
  identity: string;
  changes: SettingChange[];
}

function parseState(text: string): StateFile | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc !== "object" || doc === null) return undefined;
  const { pid, identity, changes } = doc as Record<string, unknown>;
  if (typeof pid !== "number" || typeof identity !== "string" || !Array.isArray(changes))
    return undefined;
  const valid: SettingChange[] = [];
  for (const c of changes as unknown[]) {
    if (typeof c !== "object" || c === null) return undefined;
    const { name, path, previous, value } = c as Record<string, unknown>;
    if (
      typeof name !== "string" ||
      typeof path !== "string" ||
      typeof previous !== "string" ||
      typeof value !== "string" ||
      // only ever write back to the files this module changes
      (path !== PRINTK_RATELIMIT && path !== ACTIONS_LOGGED)
    )
      return undefined;
    valid.push({ name, path, previous, value });
  }
  return { pid, identity, changes: valid };
}

export interface RestoreOutcome {
  restored: SettingChange[];
  /** something else changed the value after the recorder did: left as it is */
  leftAlone: { change: SettingChange; current: string }[];
  failed: { change: SettingChange; reason: string }[];
}

/** Put back each change whose value is still the one written; never throws. */
function restoreChanges(host: SettingsHost, changes: readonly SettingChange[]): RestoreOutcome {
  const outcome: RestoreOutcome = { restored: [], leftAlone: [], failed: [] };
  // in reverse, so a setting changed twice ends at its first value
  for (const change of [...changes].reverse()) {
    try {
      const current = host.read(change.path).trim();
      if (normalise(current) !== normalise(change.value)) {
        outcome.leftAlone.push({ change, current });
        continue;
      }
      host.write(change.path, change.previous);
      outcome.restored.push(change);
    } catch (err) {
      outcome.failed.push({ change, reason: errorReason(err) });
    }
  }
  return outcome;
}

function normalise(value: string): string {
  return value.trim().split(/\s+/).join(" ");
}

function permissionError(what: string, err: unknown): DockwardError {
  const code = systemErrorCode(err);
  const denied = code === "EACCES" || code === "EPERM" || code === "EROFS";
  return new DockwardError(
    "KERNEL_UNSUPPORTED",
    `cannot ${what}: ${denied ? "permission denied" : errorMessage(err)}`,
    {
      hint: denied
        ? "run dockward as root on the engine's host: recording sets kernel.printk_ratelimit and reads /dev/kmsg (in a container, /proc/sys is read-only)"
        : "check that /proc is mounted and this kernel has seccomp logging (Linux 4.14 or later)",
      cause: err,
    },
  );
}

export interface Acquired {
  settings: KernelSettings;
  /** values a killed recorder had left changed, put back before this one started */
  recovered: RestoreOutcome | undefined;
  /** printk_ratelimit_burst, for the report (not changed: irrelevant once the interval is 0) */
  burst: string | undefined;
}

export class KernelSettings {
  private changes: SettingChange[] = [];
  private outcome: RestoreOutcome | undefined;

  private constructor(private readonly host: SettingsHost) {}

  /**
   * Take the lock, recover what a dead recorder left, then change what needs changing. Throws a
   * DockwardError (exit 3) when the values cannot be read or written, or another recording holds
   * the lock; nothing is left changed or locked then.
   */
  static acquire(host: SettingsHost): Acquired {
    const settings = new KernelSettings(host);
    const self = host.processIdentity(host.pid) ?? String(host.pid);
    const lock = JSON.stringify({ pid: host.pid, identity: self, changes: [] });
    let recovered: RestoreOutcome | undefined;
    let created: boolean;
    try {
      created = host.createState(lock);
      if (!created) {
        const text = host.readState();
        const state = text === undefined ? undefined : parseState(text);
        if (state !== undefined && host.processIdentity(state.pid) === state.identity) {
          throw new DockwardError(
            "KERNEL_UNSUPPORTED",
            `another \`dockward seccomp record\` or \`seccomp test\` (pid ${state.pid}) is recording on this machine`,
            {
              hint: `wait for it to finish: two recordings would restore each other's kernel settings (lock: ${STATE_FILE})`,
            },
          );
        }
        // the holder is gone without restoring (SIGKILL, a crash): do it for it
        recovered = restoreChanges(host, state?.changes ?? []);
        host.removeState();
        created = host.createState(lock);
        if (!created) {
          throw new DockwardError(
            "KERNEL_UNSUPPORTED",
            `another recording took ${STATE_FILE} at the same moment`,
            { hint: "run one recording at a time" },
          );
        }
      }
    } catch (err) {
      if (err instanceof DockwardError) throw err;
      throw permissionError(`create the recording lock ${STATE_FILE}`, err);
    }
    let burst: string | undefined;
    try {
      const current = {
        printkRatelimit: host.read(PRINTK_RATELIMIT),
        actionsLogged: host.read(ACTIONS_LOGGED),
      };
      try {
        burst = host.read(PRINTK_RATELIMIT_BURST).trim();
      } catch {
        burst = undefined;
      }
      const planned = planChanges(current);
      // the old values are on disk before the first write, so a kill at any point is recoverable
      host.replaceState(JSON.stringify({ pid: host.pid, identity: self, changes: planned }));
      for (const change of planned) {
        try {
          host.write(change.path, change.value);
        } catch (err) {
          throw permissionError(`set ${change.name}=${change.value} (${change.path})`, err);
        }
        settings.changes.push(change);
      }
    } catch (err) {
      settings.restore();
      if (err instanceof DockwardError) throw err;
      throw permissionError("read the kernel's printk and seccomp settings", err);
    }
    return { settings, recovered, burst };
  }

  /** What this recording changed (and will put back). */
  get applied(): readonly SettingChange[] {
    return this.changes;
  }

  /**
   * Put every value back and drop the lock. Synchronous, never throws; a second call does
   * nothing and returns what the first did.
   */
  restore(): RestoreOutcome {
    if (this.outcome !== undefined) return this.outcome;
    const outcome = restoreChanges(this.host, this.changes);
    this.outcome = outcome;
    if (outcome.failed.length === 0) {
      try {
        this.host.removeState();
      } catch {
        /* a stale lock of a dead pid is recovered by the next recording */
      }
    }
    return outcome;
  }
}

/** The real /proc, /proc/sys and /run. */
export function realSettingsHost(stateFile: string = STATE_FILE): SettingsHost {
  return {
    read: (path) => readFileSync(path, "utf8"),
    write: (path, value) => {
      writeFileSync(path, `${value}\n`);
    },
    createState(text) {
      mkdirSync(dirname(stateFile), { recursive: true, mode: 0o700 });
      try {
        writeFileSync(stateFile, text, { flag: "wx", mode: 0o600 });
        return true;
      } catch (err) {
        if (systemErrorCode(err) === "EEXIST") return false;
        throw err;
      }
    },
    replaceState(text) {
      // atomically: a recorder killed mid-write must not leave a lock nobody can read
      const tmp = `${stateFile}.${process.pid}.tmp`;
      writeFileSync(tmp, text, { mode: 0o600 });
      renameSync(tmp, stateFile);
    },
    readState() {
      try {
        return readFileSync(stateFile, "utf8");
      } catch (err) {
        if (systemErrorCode(err) === "ENOENT") return undefined;
        throw err;
      }
    },
    removeState() {
      rmSync(stateFile, { force: true });
    },
    processIdentity(pid) {
      try {
        // field 22 (starttime) after the parenthesised comm, which may itself hold spaces
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return `${pid}:${fields[19] ?? ""}`;
      } catch {
        return undefined;
      }
    },
    pid: process.pid,
  };
}
