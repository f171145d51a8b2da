/**
 * The kernel's view of a container's limits: its cgroup, found from /proc/<pid>/cgroup of its
 * init process, and the limit files in it, read on this machine's /sys/fs/cgroup.
 *
 * cgroup v1 (one hierarchy per controller, e.g. /sys/fs/cgroup/memory/docker/<id>):
 *   memory.limit_in_bytes, memory.memsw.limit_in_bytes (only with swap accounting),
 *   cpu.cfs_quota_us + cpu.cfs_period_us, pids.max; usage from memory.usage_in_bytes minus
 *   total_inactive_file (memory.stat).
 * cgroup v2 (one unified tree, e.g. /sys/fs/cgroup/system.slice/docker-<id>.scope):
 *   memory.max, memory.swap.max (swap ONLY: runc writes MemorySwap − Memory there), cpu.max
 *   ("quota period", "max period"), pids.max; usage from memory.current minus inactive_file.
 *
 * Both roots are options so tests can point them at a fake tree.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { errorMessage, systemErrorCode } from "../errors.js";
import type { KernelLimits, KernelView, Limit } from "./types.js";

export interface CgroupRoots {
  /** default /proc */
  procRoot?: string;
  /** default /sys/fs/cgroup */
  cgroupRoot?: string;
}

export interface ProcCgroupLine {
  hierarchy: string;
  /** v1 controllers of the hierarchy ("cpu", "cpuacct"); empty for the v2 line "0::/path" */
  controllers: string[];
  path: string;
}

/** /proc/<pid>/cgroup: `hierarchy-ID:controller-list:path` per line. */
export function parseProcCgroup(text: string): ProcCgroupLine[] {
  const lines: ProcCgroupLine[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\d+):([^:]*):(\/.*)$/.exec(line.trim());
    if (m === null) continue;
    const [, hierarchy = "", list = "", path = "/"] = m;
    lines.push({
      hierarchy,
      // "name=systemd" names a hierarchy without a controller
      controllers: list === "" ? [] : list.split(",").filter((c) => !c.startsWith("name=")),
      path,
    });
  }
  return lines;
}

/**
 * v1's "no limit" is the largest page-aligned long (9223372036854771712 with 4 KiB pages),
 * beyond what a double holds exactly: anything at or above 2^62 is unlimited.
 */
const V1_UNLIMITED = 2n ** 62n;

/** A v1 byte limit (memory.limit_in_bytes, memory.memsw.limit_in_bytes). */
export function parseV1Bytes(text: string): Limit | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const n = BigInt(t);
  return n >= V1_UNLIMITED ? "unlimited" : Number(n);
}

/** "max" or a whole number (pids.max, memory.max, memory.swap.max); -1 is v1's "no quota". */
export function parseMaxOrNumber(text: string): Limit | undefined {
  const t = text.trim();
  if (t === "max" || t === "-1") return "unlimited";
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : "unlimited";
}

/** v2 cpu.max: "50000 100000" or "max 100000". */
export function parseCpuMax(text: string): { quota: Limit; period: number } | undefined {
  const [q = "", p = ""] = text.trim().split(/\s+/);
  const quota = parseMaxOrNumber(q);
  const period = Number(p);
  if (quota === undefined || !Number.isSafeInteger(period) || period <= 0) return undefined;
  return { quota, period };
}

/** One counter of memory.stat ("total_inactive_file 1234"). */
export function memoryStat(text: string, key: string): number | undefined {
  for (const line of text.split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (k === key && v !== undefined && /^\d+$/.test(v)) return Number(v);
  }
  return undefined;
}

/** Usage as `docker stats` shows it: the page cache that is inactive is not held. */
export function workingSet(usage: number, inactiveFile: number | undefined): number {
  return inactiveFile !== undefined && inactiveFile < usage ? usage - inactiveFile : usage;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    if (systemErrorCode(err) === "ENOENT") return undefined;
    throw err;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** The directory of a v1 controller's hierarchy: "cpu,cpuacct" is often also linked as "cpu". */
async function v1Dir(
  cgroupRoot: string,
  lines: readonly ProcCgroupLine[],
  controller: string,
): Promise<string | undefined> {
  const line = lines.find((l) => l.controllers.includes(controller));
  if (line === undefined) return undefined;
  for (const mount of [line.controllers.join(","), controller]) {
    const dir = join(cgroupRoot, mount, line.path);
    if (await isDirectory(dir)) return dir;
  }
  return undefined;
}

class FileReader {
  readonly raw: Record<string, string> = {};
  async read(dir: string | undefined, name: string): Promise<string | undefined> {
    if (dir === undefined) return undefined;
    const text = await readText(join(dir, name));
    if (text !== undefined && name !== "memory.stat") this.raw[name] = text.trim();
    return text;
  }
}

async function readV1(cgroupRoot: string, lines: readonly ProcCgroupLine[]): Promise<KernelLimits> {
  const files = new FileReader();
  const dirs: Record<string, string> = {};
  const dir = async (controller: string): Promise<string | undefined> => {
    const d = await v1Dir(cgroupRoot, lines, controller);
    if (d !== undefined) dirs[controller] = d;
    return d;
  };
  const memoryDir = await dir("memory");
  const cpuDir = await dir("cpu");
  const pidsDir = await dir("pids");
  const memory = await files.read(memoryDir, "memory.limit_in_bytes");
  const memsw = await files.read(memoryDir, "memory.memsw.limit_in_bytes");
  const usage = await files.read(memoryDir, "memory.usage_in_bytes");
  const stat = await files.read(memoryDir, "memory.stat");
  const quota = await files.read(cpuDir, "cpu.cfs_quota_us");
  const period = await files.read(cpuDir, "cpu.cfs_period_us");
  const pids = await files.read(pidsDir, "pids.max");
  const quotaLimit = quota === undefined ? undefined : parseMaxOrNumber(quota);
  const periodValue = period === undefined ? Number.NaN : Number(period.trim());
  const usageBytes = usage === undefined ? undefined : parseV1Bytes(usage);
  return {
    cgroupVersion: 1,
    memory: (memory === undefined ? undefined : parseV1Bytes(memory)) ?? null,
    memorySwap: (memsw === undefined ? undefined : parseV1Bytes(memsw)) ?? null,
    cpu:
      quotaLimit !== undefined && Number.isSafeInteger(periodValue) && periodValue > 0
        ? { quota: quotaLimit, period: periodValue }
        : null,
    pids: (pids === undefined ? undefined : parseMaxOrNumber(pids)) ?? null,
    memoryUsage:
      typeof usageBytes === "number"
        ? workingSet(
            usageBytes,
            stat === undefined ? undefined : memoryStat(stat, "total_inactive_file"),
          )
        : null,
    raw: files.raw,
    dirs,
  };
}

async function readV2(cgroupRoot: string, lines: readonly ProcCgroupLine[]): Promise<KernelLimits> {
  const files = new FileReader();
  const line = lines.find((l) => l.hierarchy === "0" && l.controllers.length === 0);
  const dir = line === undefined ? undefined : join(cgroupRoot, line.path);
  const memoryText = await files.read(dir, "memory.max");
  const swapText = await files.read(dir, "memory.swap.max");
  const cpuText = await files.read(dir, "cpu.max");
  const pidsText = await files.read(dir, "pids.max");
  const current = await files.read(dir, "memory.current");
  const stat = await files.read(dir, "memory.stat");
  const memory = (memoryText === undefined ? undefined : parseMaxOrNumber(memoryText)) ?? null;
  const swap = swapText === undefined ? undefined : parseMaxOrNumber(swapText);
  const currentBytes = current === undefined ? undefined : parseMaxOrNumber(current);
  return {
    cgroupVersion: 2,
    memory,
    memorySwap:
      memory === null || swap === undefined
        ? null
        : memory === "unlimited" || swap === "unlimited"
          ? "unlimited"
          : memory + swap,
    cpu: (cpuText === undefined ? undefined : parseCpuMax(cpuText)) ?? null,
    pids: (pidsText === undefined ? undefined : parseMaxOrNumber(pidsText)) ?? null,
    memoryUsage:
      typeof currentBytes === "number"
        ? workingSet(
            currentBytes,
            stat === undefined ? undefined : memoryStat(stat, "inactive_file"),
          )
        : null,
    raw: files.raw,
    dirs: dir === undefined ? {} : { unified: dir },
  };
}

/**
 * Read the limits the kernel enforces on a running container. The process must be in a cgroup
 * whose path names the container ID (cgroupfs: /docker/<id>, systemd: docker-<id>.scope):
 * otherwise the pid belongs to some other process (the engine is on another machine, or in
 * another PID namespace) and its cgroup says nothing about this container.
 */
export async function readKernelLimits(
  pid: number,
  containerId: string,
  roots: CgroupRoots = {},
): Promise<KernelView> {
  const procRoot = roots.procRoot ?? "/proc";
  const cgroupRoot = roots.cgroupRoot ?? "/sys/fs/cgroup";
  if (pid <= 0) return { available: false, reason: "the container is not running" };
  const procFile = join(procRoot, String(pid), "cgroup");
  try {
    const text = await readText(procFile);
    if (text === undefined) {
      return {
        available: false,
        reason: `its process (pid ${pid}) is not visible here: the engine runs on another machine or in another PID namespace`,
      };
    }
    const lines = parseProcCgroup(text);
    if (!lines.some((l) => l.path.includes(containerId))) {
      return {
        available: false,
        reason: `pid ${pid} here is not in this container's cgroup: the engine runs on another machine or in another PID namespace`,
      };
    }
    const v2 = (await readText(join(cgroupRoot, "cgroup.controllers"))) !== undefined;
    return {
      available: true,
      limits: v2 ? await readV2(cgroupRoot, lines) : await readV1(cgroupRoot, lines),
    };
  } catch (err) {
    const code = systemErrorCode(err);
    return {
      available: false,
      reason:
        code === "EACCES" || code === "EPERM"
          ? `permission denied reading its cgroup (${procFile}, ${cgroupRoot}): run as root`
          : `its cgroup could not be read: ${errorMessage(err)}`,
    };
  }
}
