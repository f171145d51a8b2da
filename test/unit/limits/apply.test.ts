import { describe, expect, it } from "vitest";
import { EngineHttpError, isDockwardError } from "../../../src/errors.js";
import {
  applyExitCode,
  applyLimits,
  type ApplyOptions,
  type KernelReader,
} from "../../../src/limits/apply.js";
import type { ContainerState, LimitsEngine } from "../../../src/limits/engine.js";
import { formatApply, formatShow } from "../../../src/limits/render.js";
import { showLimits } from "../../../src/limits/show.js";
import {
  type InspectLimits,
  type KernelLimits,
  NO_LIMITS,
  type UpdateBody,
} from "../../../src/limits/types.js";

const M = 1024 * 1024;

function state(
  name: string,
  over: Partial<ContainerState> = {},
  limits: Partial<InspectLimits> = {},
): ContainerState {
  return {
    id: `${name}-id`.padEnd(64, "0"),
    name,
    running: true,
    status: "running",
    pid: 100,
    limits: { ...NO_LIMITS, ...limits },
    ...over,
  };
}

/**
 * A scripted engine: containers by name, updates recorded; `vanishOnUpdate` names containers
 * that are removed between their inspect and their update.
 */
class FakeEngine implements LimitsEngine {
  readonly host = "unix:///fake.sock";
  readonly updates: { id: string; body: UpdateBody }[] = [];
  readonly containers = new Map<string, ContainerState>();
  constructor(
    list: ContainerState[],
    readonly script: {
      vanishOnUpdate?: string[];
      refuseUpdate?: Record<string, string>;
      usage?: number;
    } = {},
  ) {
    for (const c of list) this.containers.set(c.name, c);
  }
  private find(ref: string): ContainerState | undefined {
    return [...this.containers.values()].find((c) => c.name === ref || c.id === ref);
  }
  inspect(ref: string): Promise<ContainerState | undefined> {
    const c = this.find(ref);
    return Promise.resolve(c === undefined ? undefined : structuredClone(c));
  }
  listRunning(): Promise<string[]> {
    return Promise.resolve([...this.containers.values()].filter((c) => c.running).map((c) => c.id));
  }
  update(id: string, body: UpdateBody): Promise<string[]> {
    const c = this.find(id);
    if (c === undefined || this.script.vanishOnUpdate?.includes(c.name) === true) {
      if (c !== undefined) this.containers.delete(c.name);
      return Promise.reject(
        new EngineHttpError(404, "POST", `/containers/${id}/update`, `No such container: ${id}`),
      );
    }
    const refusal = this.script.refuseUpdate?.[c.name];
    if (refusal !== undefined)
      return Promise.reject(new EngineHttpError(500, "POST", `/containers/${id}/update`, refusal));
    this.updates.push({ id, body });
    c.limits = {
      memory: body.Memory ?? c.limits.memory,
      memorySwap: body.MemorySwap ?? c.limits.memorySwap,
      nanoCpus: body.NanoCpus ?? c.limits.nanoCpus,
      cpuQuota: body.CpuQuota ?? c.limits.cpuQuota,
      cpuPeriod: body.CpuPeriod ?? c.limits.cpuPeriod,
      pidsLimit: body.PidsLimit ?? c.limits.pidsLimit,
    };
    return Promise.resolve([]);
  }
  memoryUsage(): Promise<number | undefined> {
    return Promise.resolve(this.script.usage);
  }
  cpuCount(): Promise<number | undefined> {
    return Promise.resolve(2);
  }
}

/** A kernel that enforces what inspect says, except where `removed` says the quota is gone. */
function kernelOf(removedQuota: string[] = [], usage = M): KernelReader {
  return (c) => {
    const l = c.limits;
    const quota = l.nanoCpus > 0 ? l.nanoCpus / 1e4 : l.cpuQuota > 0 ? l.cpuQuota : "unlimited";
    const limits: KernelLimits = {
      cgroupVersion: 1,
      memory: l.memory > 0 ? l.memory : "unlimited",
      memorySwap: l.memorySwap > 0 ? l.memorySwap : "unlimited",
      cpu: { quota: removedQuota.includes(c.name) ? "unlimited" : quota, period: 100_000 },
      pids: l.pidsLimit > 0 ? l.pidsLimit : "unlimited",
      memoryUsage: usage,
      raw: {},
      dirs: {},
    };
    return Promise.resolve({ available: true, limits });
  };
}

function options(over: Partial<ApplyOptions>): ApplyOptions {
  return {
    request: { memory: 64 * M, nanoCpus: 5e8, pids: 64 },
    targets: [],
    force: false,
    dryRun: false,
    kernel: kernelOf(),
    ...over,
  };
}

async function rejection(p: Promise<unknown>): Promise<{ message: string; exit: number }> {
  try {
    await p;
  } catch (err) {
    if (isDockwardError(err)) return { message: err.message, exit: err.exitCode };
    throw err;
  }
  throw new Error("expected an error");
}

describe("applyLimits", () => {
  it("updates each named container with one body, and reports before, after and kernel", async () => {
    const engine = new FakeEngine([
      state("a"),
      state("b", {}, { cpuQuota: 25_000, cpuPeriod: 100_000 }),
    ]);
    const report = await applyLimits(engine, options({ targets: ["a", "b"] }));
    expect(engine.updates.map((u) => u.body)).toEqual([
      { Memory: 64 * M, MemorySwap: 64 * M, NanoCpus: 5e8, PidsLimit: 64 },
      { Memory: 64 * M, MemorySwap: 64 * M, CpuPeriod: 100_000, CpuQuota: 50_000, PidsLimit: 64 },
    ]);
    expect(
      report.containers.map((c) => [c.name, c.status, c.before.memory, c.after?.memory]),
    ).toEqual([
      ["a", "updated", 0, 64 * M],
      ["b", "updated", 0, 64 * M],
    ]);
    expect(report.containers[0]?.kernel?.cpu).toEqual({ quota: 50_000, period: 100_000 });
    expect(applyExitCode(report)).toBe(0);
    const text = formatApply(report);
    expect(text).toContain("a (a-id00000000): updated");
    expect(text).toMatch(/cpus +unlimited +0\.5 +0\.5/);
    expect(text).toContain("2 container(s) updated.");
  });

  it("a container removed between its inspect and its update is reported; the others are updated; exit 3", async () => {
    const engine = new FakeEngine([state("a"), state("gone"), state("c")], {
      vanishOnUpdate: ["gone"],
    });
    const report = await applyLimits(engine, options({ targets: ["a", "gone", "c"] }));
    expect(report.containers.map((c) => [c.name, c.status, c.error])).toEqual([
      ["a", "updated", null],
      ["gone", "vanished", "the container was removed during the run"],
      ["c", "updated", null],
    ]);
    expect(engine.updates).toHaveLength(2);
    expect(applyExitCode(report)).toBe(3);
    expect(formatApply(report)).toContain(
      "gone (gone-id00000): NOT updated: the container was removed during the run",
    );
  });

  it("an update the engine refuses is reported with its words; exit 3", async () => {
    const engine = new FakeEngine([state("a"), state("b")], {
      refuseUpdate: { b: "Cannot update container b: unable to set memory limit\n: unknown" },
    });
    const report = await applyLimits(engine, options({ targets: ["a", "b"] }));
    expect(report.containers[1]?.error).toBe(
      "the engine refused the update (HTTP 500): Cannot update container b: unable to set memory limit : unknown",
    );
    expect(applyExitCode(report)).toBe(3);
  });

  it("a named container that does not exist or is not running: nothing is sent, exit 2", async () => {
    const engine = new FakeEngine([
      state("a"),
      state("stopped", { running: false, status: "exited", pid: 0 }),
    ]);
    expect(
      await rejection(applyLimits(engine, options({ targets: ["a", "ghost", "stopped"] }))),
    ).toEqual({
      message: "no such container: ghost; not running: stopped (exited): nothing was changed",
      exit: 2,
    });
    expect(engine.updates).toEqual([]);
  });

  it("memory below one container's usage refuses the whole run; --force sends it", async () => {
    const engine = new FakeEngine([state("a"), state("big")]);
    const kernel: KernelReader = async (c) => {
      const view = await kernelOf([], c.name === "big" ? 100 * M : M)(c);
      return view;
    };
    expect(
      await rejection(applyLimits(engine, options({ targets: ["a", "big"], kernel }))),
    ).toEqual({
      message:
        "nothing was changed: a container cannot take these limits:\n  big: --memory 64m is below its current memory usage of 100m (give a larger --memory, or --force)",
      exit: 2,
    });
    expect(engine.updates).toEqual([]);
    const forced = await applyLimits(
      engine,
      options({ targets: ["a", "big"], kernel, force: true }),
    );
    expect(forced.containers.map((c) => c.status)).toEqual(["updated", "updated"]);
  });

  it("without a kernel view, memory usage comes from the stats API", async () => {
    const engine = new FakeEngine([state("a")], { usage: 100 * M });
    const remote: KernelReader = () => Promise.resolve({ available: false, reason: "remote" });
    const err = await rejection(applyLimits(engine, options({ targets: ["a"], kernel: remote })));
    expect(err.message).toContain("below its current memory usage of 100m");
  });

  it("--dry-run sends nothing and shows the plan", async () => {
    const engine = new FakeEngine([state("a")]);
    const report = await applyLimits(engine, options({ targets: ["a"], dryRun: true }));
    expect(engine.updates).toEqual([]);
    expect(report.containers[0]?.status).toBe("planned");
    expect(report.containers[0]?.after?.pidsLimit).toBe(64);
    expect(formatApply(report)).toContain(
      'a (a-id00000000): would send {"Memory":67108864,"MemorySwap":67108864,"NanoCpus":500000000,"PidsLimit":64} (dry run: nothing sent)',
    );
    expect(applyExitCode(report)).toBe(0);
  });

  it("--cpus above the host's CPUs is refused before anything is read or sent", async () => {
    const engine = new FakeEngine([state("a")]);
    expect(
      await rejection(applyLimits(engine, options({ targets: ["a"], request: { nanoCpus: 3e9 } }))),
    ).toEqual({ message: "--cpus 3: the engine's host has only 2 CPUs", exit: 2 });
  });

  it("--all-unlimited picks running containers lacking a requested limit, in inspect or in the kernel", async () => {
    const engine = new FakeEngine([
      state("none"),
      state("full", {}, { memory: 64 * M, memorySwap: 64 * M, nanoCpus: 5e8, pidsLimit: 64 }),
      state(
        "bypassed",
        {},
        { memory: 64 * M, memorySwap: 64 * M, nanoCpus: 5e8, cpuQuota: -1, pidsLimit: 64 },
      ),
      state("stopped", { running: false, status: "exited", pid: 0 }),
    ]);
    const report = await applyLimits(
      engine,
      options({
        targets: "all-unlimited",
        request: { nanoCpus: 5e8, pids: 64 },
        kernel: kernelOf(["bypassed"]),
      }),
    );
    expect(report.examined).toBe(3);
    expect(report.containers.map((c) => [c.name, c.missing])).toEqual([
      ["none", ["cpus", "pids"]],
      ["bypassed", ["cpus"]],
    ]);
    expect(engine.updates.map((u) => u.body)).toEqual([
      { NanoCpus: 5e8, PidsLimit: 64 },
      { NanoCpus: 5e8, PidsLimit: 64 },
    ]);
    expect(report.containers[1]?.notes[0]).toMatch(/^inspect keeps CpuQuota -1/);
  });

  it("--all-unlimited with nothing to do", async () => {
    const engine = new FakeEngine([state("full", {}, { pidsLimit: 10 })]);
    const report = await applyLimits(
      engine,
      options({ targets: "all-unlimited", request: { pids: 64 } }),
    );
    expect(report.containers).toEqual([]);
    expect(formatApply(report)).toBe(
      "No running container lacks the requested limits (1 examined).\n",
    );
  });
});

describe("showLimits", () => {
  it("reports the kernel next to inspect, and a mismatch where they part", async () => {
    const engine = new FakeEngine([
      state("ok", {}, { pidsLimit: 64 }),
      state("bypassed", {}, { nanoCpus: 5e8, cpuQuota: -1 }),
    ]);
    const report = await showLimits(engine, { containers: [], kernel: kernelOf(["bypassed"]) });
    expect(report.containers.map((c) => [c.name, c.mismatches.map((m) => m.limit)])).toEqual([
      ["ok", []],
      ["bypassed", ["cpus"]],
    ]);
    const text = formatShow(report);
    expect(text).toMatch(/cpus +0\.5 \(CpuQuota -1\) +unlimited +<- differs/);
    expect(text).toContain("MISMATCH cpus: inspect claims NanoCpus 500000000 (0.5 CPUs)");
    expect(text).toContain("WARNING cpus: inspect keeps CpuQuota -1");
    expect(text).toContain("1 of 2 container(s): inspect and the kernel disagree.");
  });

  it("a remote engine: inspect only, said once", async () => {
    const engine = new FakeEngine([state("a", {}, { pidsLimit: 64 })]);
    const report = await showLimits(engine, {
      containers: ["a"],
      kernel: kernelOf(),
      remote: "the engine at ssh://x is not on this machine",
    });
    expect(report.containers[0]?.kernel).toBeNull();
    const text = formatShow(report);
    expect(text.split("\n").slice(0, 6)).toEqual([
      "Kernel view unavailable: the engine at ssh://x is not on this machine. Showing inspect only.",
      "",
      "a (a-id00000000) running",
      "  limit        inspect",
      "  memory       unlimited",
      "  memory+swap  unlimited",
    ]);
  });

  it("a named container that does not exist: exit 2", async () => {
    const engine = new FakeEngine([state("a")]);
    expect(
      await rejection(showLimits(engine, { containers: ["a", "ghost"], kernel: kernelOf() })),
    ).toEqual({
      message: "no such container: ghost",
      exit: 2,
    });
  });
});
