import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  memoryStat,
  parseCpuMax,
  parseMaxOrNumber,
  parseProcCgroup,
  parseV1Bytes,
  readKernelLimits,
} from "../../../src/limits/cgroup.js";
import type { KernelView } from "../../../src/limits/types.js";

const ID = "932d6f6a3654cb3de8285f2b08fe5a1dc51a8d7a5246c151c3774689ee9fd6dd";
const M = 1024 * 1024;
const V1_MAX = "9223372036854771712";

/** The /proc/<pid>/cgroup of a container under cgroupfs on cgroup v1 (as on this VM). */
const V1_PROC = [
  "9:name=systemd:/docker/ID",
  "8:pids:/docker/ID",
  "7:blkio:/docker/ID",
  "4:memory:/docker/ID",
  "2:cpu,cpuacct:/docker/ID",
  "0::/docker/ID",
]
  .join("\n")
  .replaceAll("ID", ID);

interface Tree {
  procRoot: string;
  cgroupRoot: string;
}

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })));
});

/** A fake /proc and /sys/fs/cgroup: path (relative to the temp dir) → content. */
async function tree(files: Record<string, string>): Promise<Tree> {
  const dir = await fs.mkdtemp(join(tmpdir(), "dw-cgroup-"));
  made.push(dir);
  for (const [path, content] of Object.entries(files)) {
    const file = join(dir, path);
    await fs.mkdir(dirname(file), { recursive: true });
    await fs.writeFile(file, content);
  }
  return { procRoot: join(dir, "proc"), cgroupRoot: join(dir, "cgroup") };
}

function limitsOf(view: KernelView): Exclude<KernelView, { available: false }>["limits"] {
  if (!view.available) throw new Error(`kernel view unavailable: ${view.reason}`);
  return view.limits;
}

describe("cgroup file parsers", () => {
  it("parseProcCgroup keeps v1 controllers and the v2 line; named hierarchies have none", () => {
    expect(parseProcCgroup(V1_PROC).slice(0, 1)).toEqual([
      { hierarchy: "9", controllers: [], path: `/docker/${ID}` },
    ]);
    expect(parseProcCgroup(V1_PROC)[4]).toEqual({
      hierarchy: "2",
      controllers: ["cpu", "cpuacct"],
      path: `/docker/${ID}`,
    });
    expect(parseProcCgroup("0::/system.slice/docker-x.scope\n")).toEqual([
      { hierarchy: "0", controllers: [], path: "/system.slice/docker-x.scope" },
    ]);
    expect(parseProcCgroup("garbage\n\n")).toEqual([]);
  });

  it.each([
    ["67108864\n", 67108864],
    [`${V1_MAX}\n`, "unlimited"],
    // 64 KiB pages (arm64): a different "no limit" number, still unlimited
    ["9223372036854710272", "unlimited"],
    ["-1", undefined],
    ["", undefined],
  ])("parseV1Bytes(%j) = %j", (text, expected) => {
    expect(parseV1Bytes(text)).toBe(expected);
  });

  it.each([
    ["max\n", "unlimited"],
    ["-1\n", "unlimited"],
    ["64\n", 64],
    ["0", 0],
    ["x", undefined],
  ])("parseMaxOrNumber(%j) = %j", (text, expected) => {
    expect(parseMaxOrNumber(text)).toBe(expected);
  });

  it.each([
    ["50000 100000\n", { quota: 50000, period: 100000 }],
    ["max 100000\n", { quota: "unlimited", period: 100000 }],
    ["max", undefined],
    ["1 0", undefined],
  ])("parseCpuMax(%j) = %j", (text, expected) => {
    expect(parseCpuMax(text)).toEqual(expected);
  });

  it("memoryStat reads one counter", () => {
    const text = "cache 100\ntotal_inactive_file 4096\ninactive_file 12\n";
    expect(memoryStat(text, "total_inactive_file")).toBe(4096);
    expect(memoryStat(text, "inactive_file")).toBe(12);
    expect(memoryStat(text, "nope")).toBeUndefined();
  });
});

describe("readKernelLimits on cgroup v1", () => {
  const base = {
    [`proc/4242/cgroup`]: V1_PROC,
    [`cgroup/memory/docker/${ID}/memory.usage_in_bytes`]: `${3 * M}\n`,
    [`cgroup/memory/docker/${ID}/memory.stat`]: `cache 0\ntotal_inactive_file ${M}\n`,
    [`cgroup/blkio/docker/${ID}/blkio.weight`]: "500\n",
  };

  it("reads limits set by docker run -m 64m --cpus 0.5 --pids-limit 64 (cpu,cpuacct hierarchy)", async () => {
    const t = await tree({
      ...base,
      [`cgroup/memory/docker/${ID}/memory.limit_in_bytes`]: "67108864\n",
      [`cgroup/memory/docker/${ID}/memory.memsw.limit_in_bytes`]: "134217728\n",
      [`cgroup/cpu,cpuacct/docker/${ID}/cpu.cfs_quota_us`]: "50000\n",
      [`cgroup/cpu,cpuacct/docker/${ID}/cpu.cfs_period_us`]: "100000\n",
      [`cgroup/pids/docker/${ID}/pids.max`]: "64\n",
    });
    const k = limitsOf(await readKernelLimits(4242, ID, t));
    expect(k).toEqual({
      cgroupVersion: 1,
      memory: 64 * M,
      memorySwap: 128 * M,
      cpu: { quota: 50000, period: 100000 },
      pids: 64,
      // usage minus inactive file cache, as docker stats shows it
      memoryUsage: 2 * M,
      raw: {
        "memory.limit_in_bytes": "67108864",
        "memory.memsw.limit_in_bytes": "134217728",
        "memory.usage_in_bytes": String(3 * M),
        "cpu.cfs_quota_us": "50000",
        "cpu.cfs_period_us": "100000",
        "pids.max": "64",
      },
      dirs: {
        memory: join(t.cgroupRoot, "memory", "docker", ID),
        cpu: join(t.cgroupRoot, "cpu,cpuacct", "docker", ID),
        pids: join(t.cgroupRoot, "pids", "docker", ID),
      },
    });
  });

  it("reads no limits as unlimited, and a missing memsw file (no swap accounting) as null", async () => {
    const t = await tree({
      ...base,
      [`cgroup/memory/docker/${ID}/memory.limit_in_bytes`]: `${V1_MAX}\n`,
      // a separate "cpu" mount, as on this VM
      [`cgroup/cpu/docker/${ID}/cpu.cfs_quota_us`]: "-1\n",
      [`cgroup/cpu/docker/${ID}/cpu.cfs_period_us`]: "100000\n",
      [`cgroup/pids/docker/${ID}/pids.max`]: "max\n",
    });
    const k = limitsOf(await readKernelLimits(4242, ID, t));
    expect(k.memory).toBe("unlimited");
    expect(k.memorySwap).toBeNull();
    expect(k.cpu).toEqual({ quota: "unlimited", period: 100000 });
    expect(k.pids).toBe("unlimited");
    expect(k.dirs.cpu).toBe(join(t.cgroupRoot, "cpu", "docker", ID));
  });

  it("a controller that is not mounted gives null, not a failure", async () => {
    const t = await tree({
      ...base,
      [`cgroup/memory/docker/${ID}/memory.limit_in_bytes`]: "67108864\n",
    });
    const k = limitsOf(await readKernelLimits(4242, ID, t));
    expect(k.memory).toBe(64 * M);
    expect(k.cpu).toBeNull();
    expect(k.pids).toBeNull();
  });
});

describe("readKernelLimits on cgroup v2", () => {
  const dir = `cgroup/system.slice/docker-${ID}.scope`;
  const proc = { "proc/77/cgroup": `0::/system.slice/docker-${ID}.scope\n` };
  const root = { "cgroup/cgroup.controllers": "cpuset cpu io memory pids\n" };

  it("reads limits; memory.swap.max is swap only, so memory+swap is the sum", async () => {
    const t = await tree({
      ...proc,
      ...root,
      [`${dir}/memory.max`]: "67108864\n",
      [`${dir}/memory.swap.max`]: "67108864\n",
      [`${dir}/cpu.max`]: "50000 100000\n",
      [`${dir}/pids.max`]: "64\n",
      [`${dir}/memory.current`]: `${5 * M}\n`,
      [`${dir}/memory.stat`]: `anon 100\ninactive_file ${2 * M}\n`,
    });
    const k = limitsOf(await readKernelLimits(77, ID, t));
    expect(k).toEqual({
      cgroupVersion: 2,
      memory: 64 * M,
      memorySwap: 128 * M,
      cpu: { quota: 50000, period: 100000 },
      pids: 64,
      memoryUsage: 3 * M,
      raw: {
        "memory.max": "67108864",
        "memory.swap.max": "67108864",
        "cpu.max": "50000 100000",
        "pids.max": "64",
        "memory.current": String(5 * M),
      },
      dirs: { unified: join(t.cgroupRoot, "system.slice", `docker-${ID}.scope`) },
    });
  });

  it("reads no limits as unlimited; swap.max 0 means memory+swap = memory", async () => {
    const t = await tree({
      ...proc,
      ...root,
      [`${dir}/memory.max`]: "max\n",
      [`${dir}/memory.swap.max`]: "max\n",
      [`${dir}/cpu.max`]: "max 100000\n",
      [`${dir}/pids.max`]: "max\n",
    });
    const k = limitsOf(await readKernelLimits(77, ID, t));
    expect([k.memory, k.memorySwap, k.cpu, k.pids, k.memoryUsage]).toEqual([
      "unlimited",
      "unlimited",
      { quota: "unlimited", period: 100000 },
      "unlimited",
      null,
    ]);

    const noSwap = await tree({
      ...proc,
      ...root,
      [`${dir}/memory.max`]: "67108864\n",
      [`${dir}/memory.swap.max`]: "0\n",
    });
    expect(limitsOf(await readKernelLimits(77, ID, noSwap)).memorySwap).toBe(64 * M);
  });
});

describe("readKernelLimits: when the kernel's view is not this container's", () => {
  it("a pid not visible here (another machine or PID namespace)", async () => {
    const t = await tree({ "proc/1/cgroup": "0::/\n" });
    const view = await readKernelLimits(4242, ID, t);
    expect(view).toEqual({
      available: false,
      reason:
        "its process (pid 4242) is not visible here: the engine runs on another machine or in another PID namespace",
    });
  });

  it("a pid that is some other process here: its cgroup does not name the container", async () => {
    const t = await tree({
      "proc/4242/cgroup": "4:memory:/user.slice\n0::/user.slice/session-1.scope\n",
      "cgroup/memory/user.slice/memory.limit_in_bytes": "1048576\n",
    });
    const view = await readKernelLimits(4242, ID, t);
    expect(view.available).toBe(false);
    expect(!view.available && view.reason).toMatch(
      /^pid 4242 here is not in this container's cgroup/,
    );
  });

  it("a container that is not running", async () => {
    const t = await tree({});
    expect(await readKernelLimits(0, ID, t)).toEqual({
      available: false,
      reason: "the container is not running",
    });
  });
});
