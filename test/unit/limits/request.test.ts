import { describe, expect, it } from "vitest";
import { isDockwardError } from "../../../src/errors.js";
import { parseLimitFlags } from "../../../src/limits/request.js";

const M = 1024 * 1024;

function failure(flags: Parameters<typeof parseLimitFlags>[0]): { message: string; exit: number } {
  try {
    parseLimitFlags(flags);
  } catch (err) {
    if (isDockwardError(err)) return { message: err.message, exit: err.exitCode };
    throw err;
  }
  throw new Error("expected a usage error");
}

describe("parseLimitFlags", () => {
  it.each([
    [{ memory: "64m" }, { memory: 64 * M }],
    [
      { memory: "1g", memorySwap: "2g" },
      { memory: 1024 * M, memorySwap: 2048 * M },
    ],
    [
      { memory: "64m", memorySwap: "-1" },
      { memory: 64 * M, memorySwap: -1 },
    ],
    [
      { memory: "64MiB", memorySwap: "64m" },
      { memory: 64 * M, memorySwap: 64 * M },
    ],
    [{ memorySwap: "1g" }, { memorySwap: 1024 * M }],
    [{ cpus: "0.5" }, { nanoCpus: 500_000_000 }],
    [{ cpus: "1.25" }, { nanoCpus: 1_250_000_000 }],
    [{ cpus: ".01" }, { nanoCpus: 10_000_000 }],
    [{ pids: "64" }, { pids: 64 }],
    [
      { memory: "64m", cpus: "0.5", pids: "64" },
      { memory: 64 * M, nanoCpus: 500_000_000, pids: 64 },
    ],
  ])("%j", (flags, expected) => {
    expect(parseLimitFlags(flags)).toEqual(expected);
  });

  it.each([
    [{ memory: "12x" }, '--memory "12x": not a size like 512m or 2g'],
    [{ memory: "" }, '--memory "": not a size like 512m or 2g'],
    [{ memory: "-64m" }, '--memory "-64m": not a size like 512m or 2g'],
    [{ memory: "1m" }, '--memory "1m": below Docker\'s minimum memory limit of 6m'],
    [{ memorySwap: "lots" }, '--memory-swap "lots": not a size like 512m or 2g'],
    [{ memorySwap: "0" }, '--memory-swap "0": 0 means "not set" to Docker, not "no swap"'],
    [
      { memory: "64m", memorySwap: "32m" },
      '--memory-swap "32m" is below --memory "64m": memory-swap is memory plus swap',
    ],
    [{ cpus: "half" }, '--cpus "half": not a CPU count like 0.5 or 2'],
    [{ cpus: "-1" }, '--cpus "-1": not a CPU count like 0.5 or 2'],
    [{ cpus: "0.001" }, '--cpus "0.001": below Docker\'s minimum of 0.01 CPUs'],
    [{ pids: "0" }, '--pids "0": not a whole number of processes like 64'],
    [{ pids: "-1" }, '--pids "-1": not a whole number of processes like 64'],
    [{ pids: "6.5" }, '--pids "6.5": not a whole number of processes like 64'],
    [{}, "no limit given"],
  ])("refuses %j with exit 2", (flags, message) => {
    expect(failure(flags)).toEqual({ message, exit: 2 });
  });
});
