/** How limit values read in tables and messages: the docker CLI's spellings (64m, 0.5). */
import { formatBytes } from "../spec/units.js";
import {
  DEFAULT_CPU_PERIOD,
  type InspectLimits,
  type KernelLimits,
  type Limit,
  type LimitName,
} from "./types.js";

/** A size as the user would type it (64m), or "unlimited" for -1. */
export function formatLimit(bytes: number): string {
  return bytes === -1 ? "unlimited" : formatBytes(bytes);
}

/** A measured size, rounded for reading: 20.1m. */
export function approxBytes(bytes: number): string {
  for (const [unit, size] of [
    ["g", 1024 ** 3],
    ["m", 1024 ** 2],
    ["k", 1024],
  ] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))}${unit}`;
  }
  return `${bytes}b`;
}

export function formatCpus(nanoCpus: number): string {
  return String(Number((nanoCpus / 1e9).toFixed(9)));
}

function cpusOfQuota(quota: number, period: number): string {
  return String(Number((quota / period).toFixed(5)));
}

function kernelLimit(value: Limit | null): string {
  if (value === null) return "n/a";
  return value === "unlimited" ? "unlimited" : formatBytes(value);
}

/** One cell of the inspect column: what the daemon records. */
export function inspectCell(name: LimitName, l: InspectLimits): string {
  switch (name) {
    case "memory":
      return l.memory > 0 ? formatBytes(l.memory) : "unlimited";
    case "memorySwap":
      if (l.memorySwap > 0) return formatBytes(l.memorySwap);
      if (l.memorySwap === -1 || l.memory <= 0) return "unlimited";
      return "not set";
    case "cpus":
      if (l.nanoCpus > 0)
        return l.cpuQuota === -1
          ? `${formatCpus(l.nanoCpus)} (CpuQuota -1)`
          : formatCpus(l.nanoCpus);
      if (l.cpuQuota > 0) {
        const period = l.cpuPeriod > 0 ? l.cpuPeriod : DEFAULT_CPU_PERIOD;
        return `${cpusOfQuota(l.cpuQuota, period)} (quota ${l.cpuQuota}/${period})`;
      }
      return "unlimited";
    case "pids":
      return l.pidsLimit > 0 ? String(l.pidsLimit) : "unlimited";
  }
}

/** One cell of the kernel column: what the cgroup files say. */
export function kernelCell(name: LimitName, k: KernelLimits): string {
  switch (name) {
    case "memory":
      return kernelLimit(k.memory);
    case "memorySwap":
      return kernelLimit(k.memorySwap);
    case "cpus":
      if (k.cpu === null) return "n/a";
      return k.cpu.quota === "unlimited" ? "unlimited" : cpusOfQuota(k.cpu.quota, k.cpu.period);
    case "pids":
      return k.pids === null ? "n/a" : String(k.pids);
  }
}
