import { describe, expect, it } from "vitest";
import {
  applyBody,
  missingLimits,
  type Plan,
  planUpdate,
  STALE_QUOTA,
} from "../../../src/limits/plan.js";
import {
  type InspectLimits,
  type KernelLimits,
  type LimitRequest,
  NO_LIMITS,
  type UpdateBody,
} from "../../../src/limits/types.js";

const M = 1024 * 1024;

function limits(over: Partial<InspectLimits> = {}): InspectLimits {
  return { ...NO_LIMITS, ...over };
}

function plan(
  current: Partial<InspectLimits>,
  request: LimitRequest,
  usage: number | "unknown" = 1 * M,
  force = false,
): Plan {
  const memoryUsage = usage === "unknown" ? undefined : usage;
  return planUpdate({ current: limits(current), request, memoryUsage, force });
}

function body(p: Plan): UpdateBody {
  if (!p.ok) throw new Error(`refused: ${p.problems.map((x) => x.message).join("; ")}`);
  return p.body;
}

function problems(p: Plan): string[] {
  if (p.ok) throw new Error(`planned ${JSON.stringify(p.body)}`);
  return p.problems.map((x) => x.message);
}

describe("planUpdate: memory and the memory-swap rule", () => {
  it.each<[string, Partial<InspectLimits>, LimitRequest, UpdateBody]>([
    [
      "no limit yet: swap is set with memory (Docker refuses memory without it), equal = no swap",
      {},
      { memory: 64 * M },
      { Memory: 64 * M, MemorySwap: 64 * M },
    ],
    [
      "raised above the recorded swap: swap raised to the memory",
      { memory: 64 * M, memorySwap: 128 * M },
      { memory: 256 * M },
      { Memory: 256 * M, MemorySwap: 256 * M },
    ],
    [
      "raised, but still within the recorded swap: swap untouched",
      { memory: 64 * M, memorySwap: 512 * M },
      { memory: 256 * M },
      { Memory: 256 * M },
    ],
    [
      "lowered: swap untouched",
      { memory: 256 * M, memorySwap: 512 * M },
      { memory: 64 * M },
      { Memory: 64 * M },
    ],
    [
      "equal to the recorded swap: untouched",
      { memory: 64 * M, memorySwap: 128 * M },
      { memory: 128 * M },
      { Memory: 128 * M },
    ],
    [
      "unlimited swap (-1) stays unlimited, sent again because -1 is below any memory for the daemon",
      { memory: 64 * M, memorySwap: -1 },
      { memory: 256 * M },
      { Memory: 256 * M, MemorySwap: -1 },
    ],
    [
      "--memory-swap given wins",
      { memory: 64 * M, memorySwap: 128 * M },
      { memory: 256 * M, memorySwap: 1024 * M },
      { Memory: 256 * M, MemorySwap: 1024 * M },
    ],
    [
      "--memory-swap -1 given",
      {},
      { memory: 256 * M, memorySwap: -1 },
      { Memory: 256 * M, MemorySwap: -1 },
    ],
    [
      "--memory-swap alone, on a container with a memory limit",
      { memory: 64 * M, memorySwap: 128 * M },
      { memorySwap: 256 * M },
      { MemorySwap: 256 * M },
    ],
    [
      "--memory-swap -1 alone",
      { memory: 64 * M, memorySwap: 128 * M },
      { memorySwap: -1 },
      { MemorySwap: -1 },
    ],
  ])("%s", (_, current, request, expected) => {
    expect(body(plan(current, request))).toEqual(expected);
  });

  it("says why swap was sent", () => {
    const p = plan({ memory: 64 * M, memorySwap: 128 * M }, { memory: 256 * M });
    expect(p.ok && p.notes).toEqual([
      "memory-swap raised from 128m to 256m (no swap): Docker refuses memory above memory-swap (give --memory-swap to allow swap)",
    ]);
  });

  it("refuses --memory-swap without a memory limit, given or existing", () => {
    expect(problems(plan({}, { memorySwap: 256 * M }))).toEqual([
      "--memory-swap needs a memory limit and it has none (give --memory too)",
    ]);
  });

  it("refuses --memory-swap below the existing memory limit", () => {
    expect(
      problems(plan({ memory: 256 * M, memorySwap: 512 * M }, { memorySwap: 64 * M })),
    ).toEqual([
      "--memory-swap 64m is below its memory limit of 256m: memory-swap is memory plus swap (give --memory-swap of at least 256m, or -1)",
    ]);
  });
});

describe("planUpdate: memory below the current usage", () => {
  it("is refused, and --force lets it through", () => {
    const refused = plan({}, { memory: 8 * M }, 20.5 * M);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.problems).toEqual([
      {
        message:
          "--memory 8m is below its current memory usage of 20.5m (give a larger --memory, or --force)",
        forceable: true,
      },
    ]);
    const forced = plan({}, { memory: 8 * M }, 20.5 * M, true);
    expect(body(forced)).toEqual({ Memory: 8 * M, MemorySwap: 8 * M });
    expect(forced.ok && forced.notes[0]).toMatch(/below the current usage of 20\.5m \(--force\)/);
  });

  it("is refused when the usage is unknown, unless --force", () => {
    expect(problems(plan({}, { memory: 64 * M }, "unknown"))).toEqual([
      "its memory usage could not be read, so --memory 64m might be below it (add --force to set it anyway)",
    ]);
    expect(body(plan({}, { memory: 64 * M }, "unknown", true)).Memory).toBe(64 * M);
  });

  it("usage equal to the limit is fine; usage is not checked when memory is not being set", () => {
    expect(plan({}, { memory: 64 * M }, 64 * M).ok).toBe(true);
    expect(body(plan({}, { pids: 10 }, "unknown"))).toEqual({ PidsLimit: 10 });
  });
});

describe("planUpdate: cpus", () => {
  it.each<[string, Partial<InspectLimits>, UpdateBody]>([
    ["no CPU limit yet: NanoCpus", {}, { NanoCpus: 500_000_000 }],
    ["NanoCpus already: NanoCpus", { nanoCpus: 2e9 }, { NanoCpus: 500_000_000 }],
    [
      "a quota already (Docker refuses NanoCpus then): period + quota",
      { cpuQuota: 25_000, cpuPeriod: 100_000 },
      { CpuPeriod: 100_000, CpuQuota: 50_000 },
    ],
    [
      "a quota without a period: period + quota",
      { cpuQuota: 25_000 },
      { CpuPeriod: 100_000, CpuQuota: 50_000 },
    ],
    [
      "a period alone: period + quota",
      { cpuPeriod: 50_000 },
      { CpuPeriod: 100_000, CpuQuota: 50_000 },
    ],
    [
      "CpuQuota -1 without NanoCpus: a positive quota replaces the -1 for good",
      { cpuQuota: -1 },
      { CpuPeriod: 100_000, CpuQuota: 50_000 },
    ],
    [
      "NanoCpus with CpuQuota -1: only NanoCpus is accepted",
      { nanoCpus: 500_000_000, cpuQuota: -1 },
      { NanoCpus: 500_000_000 },
    ],
  ])("%s", (_, current, expected) => {
    expect(body(plan(current, { nanoCpus: 500_000_000 }))).toEqual(expected);
  });

  it("warns that NanoCpus with a recorded CpuQuota -1 lasts only until the next start", () => {
    const p = plan({ nanoCpus: 500_000_000, cpuQuota: -1 }, { nanoCpus: 500_000_000 });
    expect(p.ok && p.notes).toEqual([STALE_QUOTA]);
  });

  it("rounds a fractional quota to the µs", () => {
    expect(body(plan({ cpuQuota: 1000 }, { nanoCpus: 333_333_333 }))).toEqual({
      CpuPeriod: 100_000,
      CpuQuota: 33_333,
    });
  });
});

describe("planUpdate: pids and everything at once", () => {
  it("sends one body with every limit, and predicts inspect after it", () => {
    const p = plan({}, { memory: 64 * M, nanoCpus: 500_000_000, pids: 64 });
    expect(body(p)).toEqual({
      Memory: 64 * M,
      MemorySwap: 64 * M,
      NanoCpus: 500_000_000,
      PidsLimit: 64,
    });
    expect(p.ok && p.after).toEqual(
      limits({ memory: 64 * M, memorySwap: 64 * M, nanoCpus: 500_000_000, pidsLimit: 64 }),
    );
  });

  it("applyBody overwrites exactly the fields sent", () => {
    expect(applyBody(limits({ memory: 1, pidsLimit: 5 }), { PidsLimit: 9 })).toEqual(
      limits({ memory: 1, pidsLimit: 9 }),
    );
  });
});

describe("missingLimits (--all-unlimited)", () => {
  const kernel = (over: Partial<KernelLimits>): KernelLimits => ({
    cgroupVersion: 1,
    memory: 64 * M,
    memorySwap: 64 * M,
    cpu: { quota: 50_000, period: 100_000 },
    pids: 64,
    memoryUsage: M,
    raw: {},
    dirs: {},
    ...over,
  });
  const all: LimitRequest = { memory: 64 * M, memorySwap: 64 * M, nanoCpus: 5e8, pids: 64 };
  const limited = limits({
    memory: 64 * M,
    memorySwap: 64 * M,
    nanoCpus: 5e8,
    pidsLimit: 64,
  });

  it("nothing missing when inspect and the kernel both have every limit", () => {
    expect(missingLimits(all, limited, kernel({}))).toEqual([]);
    expect(missingLimits(all, limited, null)).toEqual([]);
  });

  it("inspect without limits", () => {
    expect(missingLimits(all, NO_LIMITS, null)).toEqual(["memory", "memorySwap", "cpus", "pids"]);
    expect(missingLimits({ pids: 1 }, NO_LIMITS, null)).toEqual(["pids"]);
    expect(missingLimits(all, limits({ ...limited, memorySwap: -1 }), null)).toEqual([
      "memorySwap",
    ]);
    expect(missingLimits(all, limits({ ...limited, pidsLimit: -1 }), null)).toEqual(["pids"]);
  });

  it("a quota set as CpuQuota counts as a CPU limit", () => {
    expect(missingLimits({ nanoCpus: 5e8 }, limits({ cpuQuota: 1000 }), null)).toEqual([]);
  });

  it("a limit removed in the kernel behind inspect's back is missing", () => {
    expect(
      missingLimits(all, limited, kernel({ cpu: { quota: "unlimited", period: 100_000 } })),
    ).toEqual(["cpus"]);
    expect(missingLimits(all, limited, kernel({ pids: "unlimited" }))).toEqual(["pids"]);
  });
});
