import { DockwardError } from "../errors.js";
import { parseBytes, parseNanoCpus } from "../spec/units.js";
import type { LimitRequest } from "./types.js";

/** The daemon refuses smaller memory limits ("Minimum memory limit allowed is 6MB"). */
export const MIN_MEMORY = 6 * 1024 * 1024;
/** The daemon's range starts at 0.01 CPUs ("Range of CPUs is from 0.01 to N"). */
export const MIN_NANO_CPUS = 10_000_000;

export interface LimitFlags {
  memory?: string | undefined;
  memorySwap?: string | undefined;
  cpus?: string | undefined;
  pids?: string | undefined;
}

function bad(message: string, hint: string): DockwardError {
  return new DockwardError("USAGE", message, { hint });
}

function size(flag: string, text: string): number {
  const bytes = parseBytes(text);
  if (bytes === undefined) {
    throw bad(
      `${flag} ${JSON.stringify(text)}: not a size like 512m or 2g`,
      `write a number with an optional unit b, k, m, g (binary: 1k = 1024), e.g. ${flag} 256m`,
    );
  }
  return bytes;
}

/**
 * Validate the limit flags of `dockward limits apply` before anything is sent: every mistake is
 * found here, so a bad value never leaves some containers updated and others not.
 */
export function parseLimitFlags(flags: LimitFlags): LimitRequest {
  const request: LimitRequest = {};
  if (flags.memory !== undefined) {
    const bytes = size("--memory", flags.memory);
    if (bytes < MIN_MEMORY) {
      throw bad(
        `--memory ${JSON.stringify(flags.memory)}: below Docker's minimum memory limit of 6m`,
        "give at least --memory 6m",
      );
    }
    request.memory = bytes;
  }
  if (flags.memorySwap !== undefined) {
    const text = flags.memorySwap.trim();
    const bytes = text === "-1" ? -1 : size("--memory-swap", text);
    if (bytes === 0) {
      throw bad(
        `--memory-swap ${JSON.stringify(flags.memorySwap)}: 0 means "not set" to Docker, not "no swap"`,
        "give --memory-swap equal to --memory for no swap, or -1 for unlimited swap",
      );
    }
    if (request.memory !== undefined && bytes !== -1 && bytes < request.memory) {
      throw bad(
        `--memory-swap ${JSON.stringify(flags.memorySwap)} is below --memory ${JSON.stringify(flags.memory)}: memory-swap is memory plus swap`,
        "give --memory-swap at least as large as --memory (equal = no swap), or -1 for unlimited swap",
      );
    }
    request.memorySwap = bytes;
  }
  if (flags.cpus !== undefined) {
    const nano = parseNanoCpus(flags.cpus);
    if (nano === undefined) {
      throw bad(
        `--cpus ${JSON.stringify(flags.cpus)}: not a CPU count like 0.5 or 2`,
        "write a decimal number of CPUs, e.g. --cpus 1.5",
      );
    }
    if (nano < MIN_NANO_CPUS) {
      throw bad(
        `--cpus ${JSON.stringify(flags.cpus)}: below Docker's minimum of 0.01 CPUs`,
        "give at least --cpus 0.01 (dockward sets limits; it does not remove them)",
      );
    }
    request.nanoCpus = nano;
  }
  if (flags.pids !== undefined) {
    const text = flags.pids.trim();
    const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 1) {
      throw bad(
        `--pids ${JSON.stringify(flags.pids)}: not a whole number of processes like 64`,
        "give a positive whole number, e.g. --pids 128 (dockward sets limits; it does not remove them)",
      );
    }
    request.pids = n;
  }
  if (Object.keys(request).length === 0) {
    throw bad(
      "no limit given",
      "give at least one of --memory SIZE, --memory-swap SIZE, --cpus N, --pids N",
    );
  }
  return request;
}
