import { describe, expect, it } from "vitest";
import { isDockwardError } from "../../../../src/errors.js";
import type { ProcFacts, ProcReader } from "../../../../src/seccomp/record/attribution.js";
import {
  ACTIONS_LOGGED,
  PRINTK_RATELIMIT,
  type SettingsHost,
} from "../../../../src/seccomp/record/kernel-settings.js";
import { withInterrupts } from "../../../../src/seccomp/record/interrupt.js";
import type { KmsgDevice } from "../../../../src/seccomp/record/kmsg.js";
import { type RecordRequest, recordProfile } from "../../../../src/seccomp/record/record.js";
import { RecordingSession } from "../../../../src/seccomp/record/session.js";
import type {
  ImageWorkload,
  StartedRun,
  WaitResult,
  Workload,
  WorkloadEngine,
} from "../../../../src/seccomp/record/workload.js";
import { testProfile } from "../../../../src/seccomp/run-test.js";

const HOST_NS = "pid:[1]";

/** The kernel side: /dev/kmsg, /proc and /proc/sys in memory. */
class FakeKernel {
  seq = 1000;
  queue: string[] = [];
  procs = new Map<number, ProcFacts>();
  sysctl = new Map<string, string>([
    [PRINTK_RATELIMIT, "5"],
    [ACTIONS_LOGGED, "errno log"],
  ]);
  lock: string | undefined;

  device(): KmsgDevice {
    return { read: () => this.queue.shift(), close: () => undefined };
  }

  /** A SECCOMP_RET_LOG record (or another action) for `pid`. */
  log(pid: number, comm: string, syscall: number, code = "0x7ffc0000"): void {
    this.seq++;
    this.queue.push(
      `5,${this.seq},${this.seq},-;audit: type=1326 audit(1.0:${this.seq}): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=${pid} comm="${comm}" exe="/bin/busybox" sig=0 arch=c000003e syscall=${syscall} compat=0 ip=0x1 code=${code}\n`,
    );
  }

  proc(): ProcReader {
    return {
      facts: (pid) =>
        this.procs.get(pid) ?? { cgroup: undefined, pidNamespace: undefined, state: undefined },
      ownPidNamespace: () => HOST_NS,
      pidNamespace: (pid) => this.procs.get(pid)?.pidNamespace,
    };
  }

  settings(): SettingsHost {
    return {
      read: (p) => this.sysctl.get(p) ?? "",
      write: (p, v) => this.sysctl.set(p, v),
      createState: (t) => {
        if (this.lock !== undefined) return false;
        this.lock = t;
        return true;
      },
      replaceState: (t) => (this.lock = t),
      readState: () => this.lock,
      removeState: () => (this.lock = undefined),
      processIdentity: (pid) => `${pid}:1`,
      pid: 1,
    };
  }

  session(): RecordingSession {
    return RecordingSession.open({
      openKmsg: () => this.device(),
      settingsHost: this.settings(),
      proc: this.proc(),
    });
  }
}

type Script = (k: FakeKernel, id: string, run: number) => { wait: WaitResult; pid?: number };

/** An engine whose containers do, in the fake kernel, what `script` says. */
class ScriptedEngine implements WorkloadEngine {
  readonly host = "unix:///var/run/docker.sock";
  created: { id: string; securityOpt: string[] }[] = [];
  removed: string[] = [];
  private waits = new Map<string, { wait: WaitResult }>();
  constructor(
    private readonly kernel: FakeKernel,
    private readonly script: Script,
  ) {}
  imageId(): Promise<string | undefined> {
    return Promise.resolve("sha256:1");
  }
  inspectForCopy(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
  create(_w: Workload, securityOpt: string[]): Promise<string> {
    const id = String(this.created.length + 1)
      .repeat(64)
      .slice(0, 64);
    this.created.push({ id, securityOpt });
    return Promise.resolve(id);
  }
  start(id: string): Promise<StartedRun> {
    const r = this.script(this.kernel, id, this.created.length);
    this.waits.set(id, r);
    return Promise.resolve({ id, pid: r.pid ?? 0 });
  }
  wait: WorkloadEngine["wait"] = (id) =>
    Promise.resolve(this.waits.get(id)?.wait ?? { kind: "exited", exitCode: 0 });
  kill(): Promise<void> {
    return Promise.resolve();
  }
  output(): Promise<string[]> {
    return Promise.resolve(["hi"]);
  }
  remove(id: string): Promise<void> {
    this.removed.push(id);
    return Promise.resolve();
  }
}

const cgroupOf = (id: string): string => `8:pids:/docker/${id}\n`;

/** runc's init (pid 100+run) and a short-lived child that is gone before it is looked at. */
const busybox: Script = (k, id, run) => {
  const init = 100 + run;
  k.procs.set(init, { cgroup: cgroupOf(id), pidNamespace: `pid:[${run}00]`, state: "S" });
  k.log(init, "runc:[2:INIT]", 257); // openat
  k.log(init, "sh", 59); // execve
  k.log(900 + run, "wget", 42); // connect, from a process already reaped
  if (run === 3) k.log(init, "sh", 7); // poll, only in the third run
  return { wait: { kind: "exited", exitCode: 0 }, pid: init };
};

const WORKLOAD: ImageWorkload = {
  kind: "image",
  image: "busybox",
  cmd: ["sh"],
  network: "none",
  capAdd: [],
  user: undefined,
};

function request(over: Partial<RecordRequest> = {}): RecordRequest {
  return {
    workload: WORKLOAD,
    runs: 3,
    noNewPrivileges: false,
    timeoutMs: 60_000,
    keepPartial: false,
    arch: "x86_64",
    ...over,
  };
}

async function record(script: Script, over: Partial<RecordRequest> = {}) {
  const kernel = new FakeKernel();
  const engine = new ScriptedEngine(kernel, script);
  const session = kernel.session();
  try {
    const report = await recordProfile(request(over), {
      engine,
      session,
      signal: new AbortController().signal,
      progress: () => undefined,
    });
    return { report, engine, kernel, session };
  } finally {
    session.close();
  }
}

async function failure(script: Script, over: Partial<RecordRequest> = {}) {
  try {
    await record(script, over);
  } catch (err) {
    if (isDockwardError(err)) return err;
    throw err;
  }
  throw new Error("no error");
}

describe("recordProfile", () => {
  it("merges the runs into one allow list, says what each run added, and adds rt_sigreturn", async () => {
    const { report, engine, kernel } = await record(busybox);
    expect(report.total).toEqual(["connect", "execve", "openat", "poll", "rt_sigreturn"]);
    expect(report.added).toEqual([
      { name: "rt_sigreturn", because: expect.stringMatching(/runc's init \(Go\)/) as unknown },
    ]);
    expect(report.runs.map((r) => [r.syscalls.length, r.new])).toEqual([
      [3, ["connect", "execve", "openat"]],
      [3, []],
      [4, ["poll"]],
    ]);
    expect(report.runs[0]?.pids).toEqual({ container: 1, unresolved: 1, foreign: 0 });
    expect(report.profile).toEqual({
      defaultAction: "SCMP_ACT_ERRNO",
      defaultErrnoRet: 1,
      architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
      syscalls: [
        {
          names: ["connect", "execve", "openat", "poll", "rt_sigreturn"],
          action: "SCMP_ACT_ALLOW",
        },
      ],
    });
    expect(report.warnings).toEqual([]);
    expect(engine.removed).toEqual(engine.created.map((c) => c.id));
    expect(kernel.sysctl.get(PRINTK_RATELIMIT)).toBe("5");
    expect(kernel.lock).toBeUndefined();
  });

  it("runs the workload under a logging profile, with no-new-privileges when asked", async () => {
    const { engine } = await record(busybox, { runs: 1, noNewPrivileges: true });
    const [opt, nnp] = engine.created[0]?.securityOpt ?? [];
    expect(JSON.parse(opt?.replace(/^seccomp=/, "") ?? "")).toEqual({
      defaultAction: "SCMP_ACT_LOG",
      architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
      syscalls: [],
    });
    expect(nnp).toBe("no-new-privileges");
  });

  it("changes printk_ratelimit only while the session is open", () => {
    const kernel = new FakeKernel();
    const session = kernel.session();
    expect(kernel.sysctl.get(PRINTK_RATELIMIT)).toBe("0");
    session.close();
    expect(kernel.sysctl.get(PRINTK_RATELIMIT)).toBe("5");
  });

  it("leaves out another program's calls, and then the unplaceable ones too, with a warning", async () => {
    const { report } = await record(
      (k, id, run) => {
        const r = busybox(k, id, run);
        k.procs.set(555, {
          cgroup: "8:pids:/system.slice/x.service\n",
          pidNamespace: HOST_NS,
          state: "S",
        });
        k.log(555, "logger", 165); // mount: not the container's
        return r;
      },
      { runs: 1 },
    );
    expect(report.total).toEqual(["execve", "openat", "rt_sigreturn"]);
    expect(report.warnings.join("\n")).toMatch(
      /1 process\(es\) exited before dockward could place them.*pid 555/,
    );
  });

  it("ignores records of other actions (an ERRNO logged by another filter)", async () => {
    const { report } = await record(
      (k, id, run) => {
        const r = busybox(k, id, run);
        k.log(100 + run, "sh", 165, "0x50000");
        return r;
      },
      { runs: 1 },
    );
    expect(report.total).not.toContain("mount");
  });

  it("warns that a failing run may have skipped calls", async () => {
    const { report } = await record(
      (k, id, run) => ({ ...busybox(k, id, run), wait: { kind: "exited", exitCode: 2 } }),
      { runs: 1 },
    );
    expect(report.warnings).toEqual([
      expect.stringMatching(/run 1: the workload exited with 2: .*the profile may be incomplete/),
    ]);
  });

  it("says when only runc's start-up was recorded", async () => {
    const { report } = await record(
      (k, id) => {
        k.procs.set(7, { cgroup: cgroupOf(id), pidNamespace: "pid:[7]", state: "S" });
        k.log(7, "runc:[2:INIT]", 257);
        return { wait: { kind: "exited", exitCode: 0 }, pid: 7 };
      },
      { runs: 1 },
    );
    expect(report.runs[0]?.onlyRuntime).toBe(true);
    expect(report.warnings.join()).toMatch(/only runc's own start-up was recorded/);
  });

  it("refuses a run that outlived the deadline, unless --keep-partial", async () => {
    const timeout: Script = (k, id, run) => ({ ...busybox(k, id, run), wait: { kind: "timeout" } });
    const err = await failure(timeout, { runs: 1, timeoutMs: 5000 });
    expect(err.message).toMatch(
      /run 1 did not finish within 5 s and was killed; no profile was written/,
    );
    expect(err.hint).toMatch(/--keep-partial/);
    expect(err.exitCode).toBe(2);
    const { report } = await record(timeout, { runs: 1, keepPartial: true });
    expect(report.total).toEqual(["connect", "execve", "openat", "rt_sigreturn"]);
    expect(report.warnings.join()).toMatch(/killed after 60 s/);
  });

  it("fails closed (exit 3) when no record of the container reached this kernel log", async () => {
    const err = await failure(() => ({ wait: { kind: "exited", exitCode: 0 }, pid: 0 }), {
      runs: 1,
    });
    expect(err.exitCode).toBe(3);
    expect(err.message).toMatch(/no seccomp audit record of it reached \/dev\/kmsg/);
    expect(err.hint).toMatch(/auditd/);
  });

  it("refuses an engine whose container process is not one of this machine's (exit 3)", async () => {
    const err = await failure(
      (k) => {
        k.procs.set(4242, { cgroup: "8:pids:/user.slice\n", pidNamespace: HOST_NS, state: "S" });
        return { wait: { kind: "exited", exitCode: 0 }, pid: 4242 };
      },
      { runs: 1 },
    );
    expect(err.exitCode).toBe(3);
    expect(err.message).toMatch(/does not run on this machine/);
  });
});

describe("testProfile", () => {
  const PROFILE = {
    defaultAction: "SCMP_ACT_ERRNO" as const,
    syscalls: [{ names: ["execve", "openat"], action: "SCMP_ACT_ALLOW" as const }],
  };

  it("passes without a rerun when the workload succeeds", async () => {
    const kernel = new FakeKernel();
    const engine = new ScriptedEngine(kernel, () => ({ wait: { kind: "exited", exitCode: 0 } }));
    const report = await testProfile(
      {
        profileText: "{}",
        profile: PROFILE,
        workload: WORKLOAD,
        noNewPrivileges: false,
        timeoutMs: 1000,
        arch: "x86_64",
      },
      {
        engine,
        signal: new AbortController().signal,
        openSession: () => {
          throw new Error("no rerun expected");
        },
        progress: () => undefined,
      },
    );
    expect(report.passed).toBe(true);
    expect(engine.created).toHaveLength(1);
  });

  it("reruns with refusals logged and names the first refused call and its rule", async () => {
    const kernel = new FakeKernel();
    const engine = new ScriptedEngine(kernel, (k, id, run) => {
      if (run === 1) return { wait: { kind: "exited", exitCode: 1 } };
      k.procs.set(300, { cgroup: cgroupOf(id), pidNamespace: "pid:[3]", state: "S" });
      k.log(300, "busybox", 83); // mkdir
      k.log(300, "busybox", 84); // rmdir
      return { wait: { kind: "exited", exitCode: 0 }, pid: 300 };
    });
    const report = await testProfile(
      {
        profileText: "{}",
        profile: PROFILE,
        workload: WORKLOAD,
        noNewPrivileges: false,
        timeoutMs: 1000,
        arch: "x86_64",
      },
      {
        engine,
        signal: new AbortController().signal,
        openSession: () => kernel.session(),
        progress: () => undefined,
      },
    );
    expect(report.passed).toBe(false);
    expect(report.exitCode).toBe(1);
    expect(report.firstDenied).toMatchObject({
      name: "mkdir",
      number: 83,
      arch: "x86_64",
      comm: "busybox",
      explanation: "refused by the defaultAction SCMP_ACT_ERRNO: no rule allows it",
    });
    expect(report.denied).toEqual(["mkdir", "rmdir"]);
    expect(report.rerunExitCode).toBe(0);
    const rerunOpt = engine.created[1]?.securityOpt[0] ?? "";
    expect(JSON.parse(rerunOpt.replace(/^seccomp=/, ""))).toMatchObject({
      defaultAction: "SCMP_ACT_LOG",
    });
    expect(kernel.sysctl.get(PRINTK_RATELIMIT)).toBe("5");
  });

  it("reports the failure without a diagnosis when the kernel log cannot be read", async () => {
    const kernel = new FakeKernel();
    const engine = new ScriptedEngine(kernel, () => ({ wait: { kind: "exited", exitCode: 1 } }));
    const report = await testProfile(
      {
        profileText: "{}",
        profile: PROFILE,
        workload: WORKLOAD,
        noNewPrivileges: false,
        timeoutMs: 1000,
        arch: "x86_64",
      },
      {
        engine,
        signal: new AbortController().signal,
        openSession: () => {
          throw new Error("cannot read the kernel log /dev/kmsg: permission denied");
        },
        progress: () => undefined,
      },
    );
    expect(report.passed).toBe(false);
    expect(report.firstDenied).toBeUndefined();
    expect(report.diagnosisUnavailable).toMatch(/permission denied/);
  });
});

describe("interrupts", () => {
  it("SIGINT restores at once, aborts the run, removes its container, ends with 130", async () => {
    const kernel = new FakeKernel();
    const listeners = process.listenerCount("SIGINT");
    const engine = new ScriptedEngine(kernel, busybox);
    engine.wait = (_id, _deadline, signal) =>
      new Promise<WaitResult>((resolve) => {
        signal?.addEventListener("abort", () => {
          resolve({ kind: "aborted" });
        });
        // the user presses Ctrl-C while the container runs
        setImmediate(() => process.emit("SIGINT"));
      });
    const session = kernel.session();
    let restoredInHandler: string | undefined;
    const restore = (): void => {
      session.close();
      restoredInHandler ??= kernel.sysctl.get(PRINTK_RATELIMIT);
    };
    const run = withInterrupts(restore, (signal) =>
      recordProfile(request({ runs: 2 }), { engine, session, signal, progress: () => undefined }),
    );
    await expect(run).rejects.toEqual(expect.objectContaining({ signal: "SIGINT", exitCode: 130 }));
    expect(restoredInHandler).toBe("5");
    // the second run never began, and the first one's container is gone
    expect(engine.created).toHaveLength(1);
    expect(engine.removed).toEqual([engine.created[0]?.id]);
    expect(kernel.lock).toBeUndefined();
    expect(process.listenerCount("SIGINT")).toBe(listeners);
  });
});
