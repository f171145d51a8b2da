/**
 * Where inspect and the kernel disagree. Inspect is the daemon's record; the cgroup files are
 * what is enforced. They part when a limit is changed behind the record's back: an update with
 * `CpuQuota: -1` on a `--cpus` container (Docker accepts it: -1 is not a "set" quota), a write
 * to the cgroup file by hand, or a runtime that failed half-way.
 */
import {
  DEFAULT_CPU_PERIOD,
  type InspectLimits,
  type KernelLimits,
  LIMIT_LABELS,
  type Limit,
  type LimitName,
} from "./types.js";
import { STALE_QUOTA } from "./plan.js";
import { formatCpus, inspectCell, kernelCell } from "./values.js";

export interface Mismatch {
  limit: LimitName;
  inspect: string;
  kernel: string;
  message: string;
}

/** The kernel rounds byte limits down to its page size (up to 64 KiB on some arm64 kernels). */
const PAGE_SLACK = 64 * 1024;

function sameBytes(claim: Limit, kernel: Limit): boolean {
  if (claim === "unlimited" || kernel === "unlimited") return claim === kernel;
  return kernel <= claim && claim - kernel < PAGE_SLACK;
}

/** The CPU quota inspect claims, as runc derives it (NanoCpus → period 100000). */
function claimedCpu(l: InspectLimits): { quota: number; period: number } | "unlimited" {
  if (l.nanoCpus > 0)
    return { quota: (l.nanoCpus * DEFAULT_CPU_PERIOD) / 1e9, period: DEFAULT_CPU_PERIOD };
  if (l.cpuQuota > 0)
    return { quota: l.cpuQuota, period: l.cpuPeriod > 0 ? l.cpuPeriod : DEFAULT_CPU_PERIOD };
  return "unlimited";
}

function rawOf(k: KernelLimits, ...names: string[]): string {
  const parts = names.flatMap((n) => (k.raw[n] === undefined ? [] : [`${n} = ${k.raw[n]}`]));
  return parts.length === 0 ? "" : ` (${parts.join(", ")})`;
}

export function findMismatches(inspect: InspectLimits, kernel: KernelLimits): Mismatch[] {
  const out: Mismatch[] = [];
  const v1 = kernel.cgroupVersion === 1;
  const add = (limit: LimitName, message: string): void => {
    out.push({
      limit,
      inspect: inspectCell(limit, inspect),
      kernel: kernelCell(limit, kernel),
      message,
    });
  };
  const says = (limit: LimitName): string =>
    `${LIMIT_LABELS[limit]}: inspect says ${inspectCell(limit, inspect)} but the kernel enforces ${kernelCell(limit, kernel)}`;

  if (kernel.memory !== null) {
    const claim: Limit = inspect.memory > 0 ? inspect.memory : "unlimited";
    if (!sameBytes(claim, kernel.memory))
      add(
        "memory",
        `${says("memory")}${rawOf(kernel, v1 ? "memory.limit_in_bytes" : "memory.max")}`,
      );
  }

  if (kernel.memorySwap !== null) {
    const claim: Limit | undefined =
      inspect.memorySwap > 0
        ? inspect.memorySwap
        : inspect.memorySwap === -1 || inspect.memory <= 0
          ? "unlimited"
          : undefined;
    if (claim !== undefined && !sameBytes(claim, kernel.memorySwap)) {
      add(
        "memorySwap",
        `${says("memorySwap")}${rawOf(kernel, ...(v1 ? ["memory.memsw.limit_in_bytes"] : ["memory.max", "memory.swap.max"]))}`,
      );
    }
  }

  if (kernel.cpu !== null) {
    const claim = claimedCpu(inspect);
    const k = kernel.cpu;
    const files = v1 ? ["cpu.cfs_quota_us", "cpu.cfs_period_us"] : ["cpu.max"];
    if (claim !== "unlimited" && k.quota === "unlimited") {
      const how =
        inspect.nanoCpus > 0
          ? `NanoCpus ${inspect.nanoCpus} (${formatCpus(inspect.nanoCpus)} CPUs)`
          : `CpuQuota ${inspect.cpuQuota}`;
      add(
        "cpus",
        `cpus: inspect claims ${how} but the kernel has no CPU quota${rawOf(kernel, ...files)}: the limit was removed behind inspect's back (an update with CpuQuota -1 does this); set it again with \`dockward limits apply --cpus N\``,
      );
    } else if (claim === "unlimited" && k.quota !== "unlimited") {
      add("cpus", `${says("cpus")}${rawOf(kernel, ...files)}`);
    } else if (claim !== "unlimited" && k.quota !== "unlimited") {
      // compare CPUs (quota/period), to a µs of quota
      if (Math.abs(claim.quota / claim.period - k.quota / k.period) * k.period > 1)
        add("cpus", `${says("cpus")}${rawOf(kernel, ...files)}`);
    }
  }

  if (kernel.pids !== null) {
    const claim: Limit = inspect.pidsLimit > 0 ? inspect.pidsLimit : "unlimited";
    if (claim !== kernel.pids) add("pids", `${says("pids")}${rawOf(kernel, "pids.max")}`);
  }
  return out;
}

/**
 * Limits the kernel enforces now but that the recorded config undoes at the next start: NanoCpus
 * with CpuQuota -1 (the daemon lets the -1 override the quota derived from NanoCpus).
 */
export function findLatentProblems(inspect: InspectLimits): string[] {
  return inspect.nanoCpus > 0 && inspect.cpuQuota === -1 ? [`cpus: ${STALE_QUOTA}`] : [];
}
