/**
 * What to send to `POST /containers/{id}/update`, decided from the container's current limits
 * (inspect) and the limits asked for. Pure: the daemon's refusals are predicted here, so a run
 * either sends bodies the daemon accepts or sends nothing.
 *
 * Docker 20.10's rules (daemon/update.go and container.UpdateContainer, checked on 20.10.24):
 * - A memory update without MemorySwap is refused when the new memory is above the recorded
 *   MemorySwap, and 0 (never set) and -1 (unlimited) count as below: "Memory limit should be
 *   smaller than already set memoryswap limit, update the memoryswap at the same time".
 * - NanoCpus cannot be set once CpuQuota or CpuPeriod is > 0, nor CpuQuota/CpuPeriod > 0 once
 *   NanoCpus is set ("Conflicting options"). CpuQuota -1 is not > 0, which is how a quota can
 *   be removed from the kernel while inspect keeps NanoCpus.
 */
import { approxBytes, formatCpus, formatLimit } from "./values.js";
import {
  DEFAULT_CPU_PERIOD,
  type InspectLimits,
  type KernelLimits,
  type LimitName,
  type LimitRequest,
  type UpdateBody,
} from "./types.js";

export interface PlanInput {
  current: InspectLimits;
  request: LimitRequest;
  /** memory in use (bytes), from the cgroup or the stats API; undefined = could not be read */
  memoryUsage: number | undefined;
  /** set memory below the current usage anyway */
  force: boolean;
}

export type Plan =
  | {
      ok: true;
      body: UpdateBody;
      /** inspect's limits once the daemon has applied the body */
      after: InspectLimits;
      /** decisions the user should know about (swap raised, CPU quota used instead of NanoCpus) */
      notes: string[];
    }
  | { ok: false; problems: PlanProblem[] };

export interface PlanProblem {
  message: string;
  /** --force would let it through (memory below usage, or usage unknown) */
  forceable: boolean;
}

/**
 * NanoCpus with a recorded CpuQuota of -1: the daemon derives the quota from NanoCpus and then
 * lets a non-zero CpuQuota override it whenever the container starts (daemon/oci_linux.go), and
 * no update can clear the -1 (0 means "unchanged"; a positive quota conflicts with NanoCpus).
 */
export const STALE_QUOTA =
  "inspect keeps CpuQuota -1 next to NanoCpus and the Engine API cannot clear it: the kernel has the quota now, but the next start of the container lifts it again (recreate the container with --cpus for a lasting limit)";

export function planUpdate(input: PlanInput): Plan {
  const { current, request } = input;
  const body: UpdateBody = {};
  const notes: string[] = [];
  const problems: PlanProblem[] = [];
  const refuse = (message: string, forceable = false): void => {
    problems.push({ message, forceable });
  };

  if (request.memory !== undefined) {
    const memory = request.memory;
    if (input.memoryUsage === undefined) {
      if (!input.force)
        refuse(
          `its memory usage could not be read, so --memory ${formatLimit(memory)} might be below it (add --force to set it anyway)`,
          true,
        );
    } else if (memory < input.memoryUsage) {
      if (input.force) {
        notes.push(
          `memory ${formatLimit(memory)} is below the current usage of ${approxBytes(input.memoryUsage)} (--force): the kernel reclaims memory or, on cgroup v2, OOM-kills`,
        );
      } else {
        refuse(
          `--memory ${formatLimit(memory)} is below its current memory usage of ${approxBytes(input.memoryUsage)} (give a larger --memory, or --force)`,
          true,
        );
      }
    }
    body.Memory = memory;
    if (request.memorySwap !== undefined) {
      body.MemorySwap = request.memorySwap;
    } else if (current.memorySwap === -1) {
      // -1 is "below" any memory for the daemon's check: send it again to keep swap unlimited
      body.MemorySwap = -1;
      notes.push("memory-swap stays unlimited (-1), sent again with memory as Docker requires");
    } else if (current.memorySwap < memory) {
      body.MemorySwap = memory;
      notes.push(
        current.memorySwap === 0
          ? `memory-swap set to ${formatLimit(memory)} (no swap): Docker refuses a memory update without one`
          : `memory-swap raised from ${formatLimit(current.memorySwap)} to ${formatLimit(memory)} (no swap): Docker refuses memory above memory-swap (give --memory-swap to allow swap)`,
      );
    }
  } else if (request.memorySwap !== undefined) {
    const swap = request.memorySwap;
    if (current.memory <= 0) {
      refuse("--memory-swap needs a memory limit and it has none (give --memory too)");
    } else if (swap !== -1 && swap < current.memory) {
      refuse(
        `--memory-swap ${formatLimit(swap)} is below its memory limit of ${formatLimit(current.memory)}: memory-swap is memory plus swap (give --memory-swap of at least ${formatLimit(current.memory)}, or -1)`,
      );
    } else {
      body.MemorySwap = swap;
    }
  }

  if (request.nanoCpus !== undefined) {
    const cpus = formatCpus(request.nanoCpus);
    if (current.nanoCpus > 0) {
      body.NanoCpus = request.nanoCpus;
      if (current.cpuQuota === -1) notes.push(STALE_QUOTA);
    } else if (current.cpuQuota !== 0 || current.cpuPeriod > 0) {
      const quota = Math.round((request.nanoCpus * DEFAULT_CPU_PERIOD) / 1e9);
      body.CpuPeriod = DEFAULT_CPU_PERIOD;
      body.CpuQuota = quota;
      notes.push(
        current.cpuQuota === -1
          ? `cpus ${cpus} sent as CpuPeriod ${DEFAULT_CPU_PERIOD} + CpuQuota ${quota}, replacing the recorded CpuQuota -1 (with NanoCpus, that -1 would lift the quota again at the next start)`
          : `cpus ${cpus} sent as CpuPeriod ${DEFAULT_CPU_PERIOD} + CpuQuota ${quota}: the container's CPU limit is a quota, and Docker refuses NanoCpus on top of one`,
      );
    } else {
      body.NanoCpus = request.nanoCpus;
    }
  }

  if (request.pids !== undefined) body.PidsLimit = request.pids;

  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, body, after: applyBody(current, body), notes };
}

/** Inspect's limits after the daemon applies `body` (it overwrites exactly the fields sent). */
export function applyBody(current: InspectLimits, body: UpdateBody): InspectLimits {
  return {
    memory: body.Memory ?? current.memory,
    memorySwap: body.MemorySwap ?? current.memorySwap,
    nanoCpus: body.NanoCpus ?? current.nanoCpus,
    cpuQuota: body.CpuQuota ?? current.cpuQuota,
    cpuPeriod: body.CpuPeriod ?? current.cpuPeriod,
    pidsLimit: body.PidsLimit ?? current.pidsLimit,
  };
}

/**
 * Which of the requested limits a container lacks: no limit in inspect, or none in the kernel
 * (a limit removed behind inspect's back is as missing as one never set). `--all-unlimited`
 * picks the containers for which this is not empty.
 */
export function missingLimits(
  request: LimitRequest,
  current: InspectLimits,
  kernel: KernelLimits | null,
): LimitName[] {
  const missing: LimitName[] = [];
  if (request.memory !== undefined && (current.memory <= 0 || kernel?.memory === "unlimited"))
    missing.push("memory");
  if (
    request.memorySwap !== undefined &&
    (current.memorySwap === -1 ||
      (current.memorySwap === 0 && current.memory <= 0) ||
      kernel?.memorySwap === "unlimited")
  )
    missing.push("memorySwap");
  if (
    request.nanoCpus !== undefined &&
    ((current.nanoCpus <= 0 && current.cpuQuota <= 0) || kernel?.cpu?.quota === "unlimited")
  )
    missing.push("cpus");
  if (request.pids !== undefined && (current.pidsLimit <= 0 || kernel?.pids === "unlimited"))
    missing.push("pids");
  return missing;
}
