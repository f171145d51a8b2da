/**
 * The cgroup limits `dockward limits` reads and sets, in two views that can disagree: what the
 * daemon records (inspect's HostConfig) and what the kernel enforces (the container's cgroup
 * files). An update with `CpuQuota: -1` on a container started with `--cpus` is accepted by
 * Docker 20.10, clears the kernel's quota, and leaves `NanoCpus` in inspect.
 */

/** The four limits, in the order they are shown. */
export const LIMIT_NAMES = ["memory", "memorySwap", "cpus", "pids"] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];

/** How a limit is called in tables and messages. */
export const LIMIT_LABELS: Record<LimitName, string> = {
  memory: "memory",
  memorySwap: "memory+swap",
  cpus: "cpus",
  pids: "pids",
};

/** HostConfig's raw values, with Docker's own encodings (null read as 0). */
export interface InspectLimits {
  /** bytes; 0 = no limit */
  memory: number;
  /** memory plus swap, bytes; 0 = not set (no memory limit, or the daemon's default), -1 = unlimited swap */
  memorySwap: number;
  /** CPUs × 1e9; 0 = not set */
  nanoCpus: number;
  /** µs per period; 0 = not set, -1 = no quota */
  cpuQuota: number;
  /** µs; 0 = not set (the kernel's 100000) */
  cpuPeriod: number;
  /** 0 or -1 = unlimited */
  pidsLimit: number;
}

export const NO_LIMITS: InspectLimits = {
  memory: 0,
  memorySwap: 0,
  nanoCpus: 0,
  cpuQuota: 0,
  cpuPeriod: 0,
  pidsLimit: 0,
};

export type Limit = number | "unlimited";

/** What the kernel enforces, read from the container's cgroup; null = that file is absent. */
export interface KernelLimits {
  cgroupVersion: 1 | 2;
  /** bytes */
  memory: Limit | null;
  /** memory plus swap, bytes (Docker's MemorySwap meaning on both cgroup versions) */
  memorySwap: Limit | null;
  /** CFS quota and period in µs */
  cpu: { quota: Limit; period: number } | null;
  pids: Limit | null;
  /** memory in use minus inactive page cache (what `docker stats` shows), bytes */
  memoryUsage: number | null;
  /** cgroup file name → its content as read, for messages and --format json */
  raw: Record<string, string>;
  /** controller (or "unified") → the cgroup directory read */
  dirs: Record<string, string>;
}

/** The kernel's view, or why it could not be had. */
export type KernelView =
  { available: true; limits: KernelLimits } | { available: false; reason: string };

/** Limits asked for on the command line, already validated. */
export interface LimitRequest {
  /** bytes */
  memory?: number;
  /** bytes, or -1 for unlimited swap */
  memorySwap?: number;
  nanoCpus?: number;
  pids?: number;
}

/** The body of `POST /containers/{id}/update`: only the fields being changed. */
export interface UpdateBody {
  Memory?: number;
  MemorySwap?: number;
  NanoCpus?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  PidsLimit?: number;
}

/** The CFS period the docker CLI and runc use for `--cpus`. */
export const DEFAULT_CPU_PERIOD = 100_000;
