import { describe, expect, it } from "vitest";
import { isDockwardError } from "../../../../src/errors.js";
import {
  ACTIONS_LOGGED,
  KernelSettings,
  PRINTK_RATELIMIT,
  PRINTK_RATELIMIT_BURST,
  planChanges,
  type SettingsHost,
} from "../../../../src/seccomp/record/kernel-settings.js";

const ALL_LOGGED = "kill_process kill_thread trap errno user_notif trace log";

/** /proc/sys, /run and the process table in memory; `failWrite` makes writes to a path fail. */
class FakeHost implements SettingsHost {
  files = new Map<string, string>([
    [PRINTK_RATELIMIT, "5\n"],
    [PRINTK_RATELIMIT_BURST, "10\n"],
    [ACTIONS_LOGGED, `${ALL_LOGGED}\n`],
  ]);
  state: string | undefined;
  alive = new Map<number, string>();
  failWrite = new Set<string>();
  writes: [string, string][] = [];
  /** the state file as it was at each sysctl write */
  stateAtWrite: (string | undefined)[] = [];
  readonly pid = 4242;

  constructor() {
    this.alive.set(this.pid, "4242:77");
  }
  read(path: string): string {
    const v = this.files.get(path);
    if (v === undefined) throw Object.assign(new Error("no such file"), { code: "ENOENT" });
    return v;
  }
  write(path: string, value: string): void {
    if (this.failWrite.has(path))
      throw Object.assign(new Error("permission denied"), { code: "EACCES" });
    this.stateAtWrite.push(this.state);
    this.writes.push([path, value]);
    this.files.set(path, `${value}\n`);
  }
  createState(text: string): boolean {
    if (this.state !== undefined) return false;
    this.state = text;
    return true;
  }
  replaceState(text: string): void {
    this.state = text;
  }
  readState(): string | undefined {
    return this.state;
  }
  removeState(): void {
    this.state = undefined;
  }
  processIdentity(pid: number): string | undefined {
    return this.alive.get(pid);
  }
  value(path: string): string | undefined {
    return this.files.get(path)?.trim();
  }
}

describe("planChanges", () => {
  it("switches off printk's rate limit", () => {
    expect(planChanges({ printkRatelimit: "5\n", actionsLogged: ALL_LOGGED })).toEqual([
      {
        name: "kernel.printk_ratelimit",
        path: PRINTK_RATELIMIT,
        previous: "5",
        value: "0",
      },
    ]);
  });

  it("adds log to the logged actions when it is missing, keeping the others", () => {
    expect(planChanges({ printkRatelimit: "0", actionsLogged: "kill_process errno\n" })).toEqual([
      {
        name: "kernel.seccomp.actions_logged",
        path: ACTIONS_LOGGED,
        previous: "kill_process errno",
        value: "kill_process errno log",
      },
    ]);
  });

  it("changes nothing that is already right", () => {
    expect(planChanges({ printkRatelimit: "0\n", actionsLogged: ALL_LOGGED })).toEqual([]);
  });
});

describe("KernelSettings", () => {
  it("sets the values, then restores them and drops the lock", () => {
    const host = new FakeHost();
    const { settings, burst } = KernelSettings.acquire(host);
    expect(host.value(PRINTK_RATELIMIT)).toBe("0");
    expect(burst).toBe("10");
    expect(host.state).toBeDefined();
    const outcome = settings.restore();
    expect(host.value(PRINTK_RATELIMIT)).toBe("5");
    expect(outcome.restored.map((c) => c.name)).toEqual(["kernel.printk_ratelimit"]);
    expect(host.state).toBeUndefined();
  });

  it("writes the old values to the state file before the first change", () => {
    const host = new FakeHost();
    host.files.set(ACTIONS_LOGGED, "errno\n");
    KernelSettings.acquire(host);
    expect(host.stateAtWrite).toHaveLength(2);
    for (const state of host.stateAtWrite) {
      expect(JSON.parse(state ?? "{}")).toMatchObject({
        changes: [
          { path: PRINTK_RATELIMIT, previous: "5" },
          { path: ACTIONS_LOGGED, previous: "errno" },
        ],
      });
    }
  });

  it("restores both settings, in reverse order", () => {
    const host = new FakeHost();
    host.files.set(ACTIONS_LOGGED, "errno trap\n");
    const { settings } = KernelSettings.acquire(host);
    expect(host.value(ACTIONS_LOGGED)).toBe("errno trap log");
    host.writes = [];
    settings.restore();
    expect(host.writes).toEqual([
      [ACTIONS_LOGGED, "errno trap"],
      [PRINTK_RATELIMIT, "5"],
    ]);
  });

  it("is idempotent: a second restore writes nothing and reports the first", () => {
    const host = new FakeHost();
    const { settings } = KernelSettings.acquire(host);
    const first = settings.restore();
    host.writes = [];
    expect(settings.restore()).toBe(first);
    expect(host.writes).toEqual([]);
  });

  it("leaves a value alone that something else changed meanwhile", () => {
    const host = new FakeHost();
    const { settings } = KernelSettings.acquire(host);
    host.files.set(PRINTK_RATELIMIT, "7\n");
    const outcome = settings.restore();
    expect(host.value(PRINTK_RATELIMIT)).toBe("7");
    expect(outcome.leftAlone).toEqual([
      {
        change: expect.objectContaining({ name: "kernel.printk_ratelimit" }) as unknown,
        current: "7",
      },
    ]);
  });

  it("undoes the first change and releases the lock when the second cannot be made", () => {
    const host = new FakeHost();
    host.files.set(ACTIONS_LOGGED, "errno\n");
    host.failWrite.add(ACTIONS_LOGGED);
    let error: unknown;
    try {
      KernelSettings.acquire(host);
    } catch (err) {
      error = err;
    }
    expect(isDockwardError(error) && error.exitCode).toBe(3);
    expect(isDockwardError(error) && error.message).toMatch(
      /kernel\.seccomp\.actions_logged.*permission denied/,
    );
    expect(isDockwardError(error) && error.hint).toMatch(/root/);
    expect(host.value(PRINTK_RATELIMIT)).toBe("5");
    expect(host.state).toBeUndefined();
  });

  it("refuses while another live recorder holds the lock, touching nothing", () => {
    const host = new FakeHost();
    host.alive.set(999, "999:5");
    host.state = JSON.stringify({
      pid: 999,
      identity: "999:5",
      changes: [
        { name: "kernel.printk_ratelimit", path: PRINTK_RATELIMIT, previous: "5", value: "0" },
      ],
    });
    host.files.set(PRINTK_RATELIMIT, "0\n");
    expect(() => KernelSettings.acquire(host)).toThrow(/pid 999/);
    expect(host.value(PRINTK_RATELIMIT)).toBe("0");
    expect(host.writes).toEqual([]);
  });

  it("restores what a killed recorder left, then records", () => {
    const host = new FakeHost();
    // the pid is alive again, but as another process (another start time): not the holder
    host.alive.set(999, "999:6");
    host.state = JSON.stringify({
      pid: 999,
      identity: "999:5",
      changes: [
        { name: "kernel.printk_ratelimit", path: PRINTK_RATELIMIT, previous: "3", value: "0" },
      ],
    });
    host.files.set(PRINTK_RATELIMIT, "0\n");
    const { settings, recovered } = KernelSettings.acquire(host);
    expect(recovered?.restored.map((c) => c.previous)).toEqual(["3"]);
    expect(settings.applied.map((c) => c.previous)).toEqual(["3"]);
    settings.restore();
    expect(host.value(PRINTK_RATELIMIT)).toBe("3");
  });

  it("never writes to a path a tampered state file names", () => {
    const host = new FakeHost();
    host.state = JSON.stringify({
      pid: 999,
      identity: "999:5",
      changes: [{ name: "x", path: "/etc/passwd", previous: "root::0:0::/:/bin/sh", value: "x" }],
    });
    KernelSettings.acquire(host).settings.restore();
    expect(host.writes.some(([p]) => p === "/etc/passwd")).toBe(false);
  });

  it("reports a lock it cannot create as exit 3 with the fix", () => {
    const host = new FakeHost();
    host.createState = () => {
      throw Object.assign(new Error("permission denied"), { code: "EACCES" });
    };
    expect(() => KernelSettings.acquire(host)).toThrow(
      expect.objectContaining({
        exitCode: 3,
        hint: expect.stringMatching(/root/) as unknown,
      }) as Error,
    );
  });
});
