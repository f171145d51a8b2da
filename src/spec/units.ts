/**
 * Docker's size and CPU spellings, parsed as the docker CLI and compose parse them.
 * Sizes (`--memory 512m`, `mem_limit: 1g`, `shm_size: 64M`) are binary: k = 1024
 * (go-units RAMInBytes); a bare number is bytes. `--cpus 1.5` is 1.5e9 nano-CPUs.
 */

// go-units RAMInBytes: `^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$` (so 512m, 512MiB, 512mi, 1.5g)
const SIZE = /^(\d+(?:\.\d+)?) ?([kmgtp]?)i?b?$/i;
const MULTIPLIER: Record<string, number> = {
  "": 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/** Bytes, or undefined when the text is not a size (the caller reports it with its position). */
export function parseBytes(text: string): number | undefined {
  const m = SIZE.exec(text.trim());
  if (m === null) return undefined;
  const [, num = "", unit = ""] = m;
  return Math.floor(Number(num) * (MULTIPLIER[unit.toLowerCase()] ?? Number.NaN));
}

/** Nano-CPUs from a decimal CPU count, or undefined when it is not one (≤ 9 decimals, ≥ 0). */
export function parseNanoCpus(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d+(\.\d{1,9})?$/.test(t) && !/^\.\d{1,9}$/.test(t)) return undefined;
  const [whole = "0", frac = ""] = t.split(".");
  return Number(whole === "" ? "0" : whole) * 1e9 + Number(frac.padEnd(9, "0"));
}

export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ["g", 1024 ** 3],
    ["m", 1024 ** 2],
    ["k", 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}b`;
}
