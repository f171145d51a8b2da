import { describe, expect, it } from "vitest";
import { findLatentProblems, findMismatches } from "../../../src/limits/compare.js";
import { remoteReason } from "../../../src/limits/engine.js";
import { STALE_QUOTA } from "../../../src/limits/plan.js";
import { type InspectLimits, type KernelLimits, NO_LIMITS } from "../../../src/limits/types.js";

const M = 1024 * 1024;

const inspect = (over: Partial<InspectLimits>): InspectLimits => ({ ...NO_LIMITS, ...over });

function kernelV1(over: Partial<KernelLimits> = {}): KernelLimits {
  return {
    cgroupVersion: 1,
    memory: "unlimited",
    memorySwap: "unlimited",
    cpu: { quota: "unlimited", period: 100_000 },
    pids: "unlimited",
    memoryUsage: M,
    raw: {
      "memory.limit_in_bytes": "9223372036854771712",
      "cpu.cfs_quota_us": "-1",
      "cpu.cfs_period_us": "100000",
      "pids.max": "max",
    },
    dirs: {},
    ...over,
  };
}

const limited = inspect({
  memory: 64 * M,
  memorySwap: 128 * M,
  nanoCpus: 500_000_000,
  pidsLimit: 64,
});
const limitedKernel = kernelV1({
  memory: 64 * M,
  memorySwap: 128 * M,
  cpu: { quota: 50_000, period: 100_000 },
  pids: 64,
});

describe("findMismatches", () => {
  it("none when they agree, limited or not", () => {
    expect(findMismatches(NO_LIMITS, kernelV1())).toEqual([]);
    expect(findMismatches(limited, limitedKernel)).toEqual([]);
    // a quota given as CpuQuota/CpuPeriod
    expect(
      findMismatches(
        inspect({ cpuQuota: 25_000, cpuPeriod: 50_000 }),
        kernelV1({ cpu: { quota: 25_000, period: 50_000 } }),
      ),
    ).toEqual([]);
    // -1 pids and memory-swap, as the daemon records "unlimited"
    expect(findMismatches(inspect({ pidsLimit: -1, memorySwap: -1 }), kernelV1())).toEqual([]);
  });

  it("a CPU quota removed behind inspect's back (update CpuQuota -1 on a --cpus container)", () => {
    const claims = inspect({ nanoCpus: 500_000_000, cpuQuota: -1 });
    expect(findMismatches(claims, kernelV1())).toEqual([
      {
        limit: "cpus",
        inspect: "0.5 (CpuQuota -1)",
        kernel: "unlimited",
        message:
          "cpus: inspect claims NanoCpus 500000000 (0.5 CPUs) but the kernel has no CPU quota (cpu.cfs_quota_us = -1, cpu.cfs_period_us = 100000): the limit was removed behind inspect's back (an update with CpuQuota -1 does this); set it again with `dockward limits apply --cpus N`",
      },
    ]);
  });

  it("limits changed in the cgroup files by hand", () => {
    const k = kernelV1({
      memory: 32 * M,
      memorySwap: 128 * M,
      cpu: { quota: 20_000, period: 100_000 },
      pids: 10,
      raw: { "memory.limit_in_bytes": String(32 * M), "pids.max": "10" },
    });
    const found = findMismatches(limited, k);
    expect(found.map((m) => [m.limit, m.inspect, m.kernel])).toEqual([
      ["memory", "64m", "32m"],
      ["cpus", "0.5", "0.2"],
      ["pids", "64", "10"],
    ]);
    expect(found[0]?.message).toBe(
      "memory: inspect says 64m but the kernel enforces 32m (memory.limit_in_bytes = 33554432)",
    );
  });

  it("a limit in the kernel that inspect does not know", () => {
    const k = kernelV1({ pids: 100, raw: { "pids.max": "100" } });
    expect(findMismatches(NO_LIMITS, k)).toEqual([
      {
        limit: "pids",
        inspect: "unlimited",
        kernel: "100",
        message: "pids: inspect says unlimited but the kernel enforces 100 (pids.max = 100)",
      },
    ]);
  });

  it("tolerates the kernel's rounding down to a page", () => {
    const k = kernelV1({ memory: 99_999_744, memorySwap: "unlimited" });
    expect(findMismatches(inspect({ memory: 100_000_000, memorySwap: -1 }), k)).toEqual([]);
  });

  it("skips files the kernel does not have (no swap accounting, no pids controller)", () => {
    expect(
      findMismatches(limited, { ...limitedKernel, memorySwap: null, pids: null, cpu: null }),
    ).toEqual([]);
  });

  it("names the v2 files", () => {
    const k: KernelLimits = {
      ...kernelV1(),
      cgroupVersion: 2,
      memory: 64 * M,
      memorySwap: "unlimited",
      pids: 64,
      raw: { "memory.max": "67108864", "memory.swap.max": "max", "cpu.max": "max 100000" },
    };
    const found = findMismatches(limited, k);
    expect(found.map((m) => m.message)).toEqual([
      "memory+swap: inspect says 128m but the kernel enforces unlimited (memory.max = 67108864, memory.swap.max = max)",
      expect.stringContaining("the kernel has no CPU quota (cpu.max = max 100000)"),
    ]);
  });
});

describe("findLatentProblems", () => {
  it("NanoCpus next to CpuQuota -1: the quota goes at the next start", () => {
    expect(findLatentProblems(inspect({ nanoCpus: 5e8, cpuQuota: -1 }))).toEqual([
      `cpus: ${STALE_QUOTA}`,
    ]);
    expect(findLatentProblems(limited)).toEqual([]);
  });
});

describe("remoteReason", () => {
  it.each([
    ["unix:///var/run/docker.sock", false],
    ["tcp://127.0.0.1:2376", false],
    ["tcp://localhost:2375", false],
    ["tcp://[::1]:2376", false],
    ["ssh://me@localhost", false],
    ["tcp://10.0.0.5:2376", true],
    ["ssh://admin@build-1", true],
    ["ssh://build-1:2222/run/docker.sock", true],
  ])("%s remote: %s", (host, remote) => {
    expect(remoteReason(host) !== undefined).toBe(remote);
  });
});
