import { DockwardError } from "../errors.js";

/**
 * Which files a `tls` command writes, and what happens to files already there. Pure: the I/O
 * edge (src/pki/files.ts) only executes a resolved plan.
 *
 * Docker's names and modes: keys 0400, certificates 0444, daemon.json 0644.
 */

export const KEY_MODE = 0o400;
export const CERT_MODE = 0o444;
export const CONFIG_MODE = 0o644;

/**
 * refuse: an existing file stops the command unless --force;
 * keep-old: an existing file is renamed to `<base>.old.pem` first (rotation).
 */
export type Overwrite = "refuse" | "keep-old";

export interface PlannedFile {
  name: string;
  contents: string;
  mode: number;
  overwrite: Overwrite;
}

export interface Move {
  from: string;
  to: string;
}

export interface ResolvedPlan {
  writes: PlannedFile[];
  /** existing files renamed aside before the writes land (never deleted) */
  moves: Move[];
}

/** A CA key (and its certificate) is never replaced without a copy kept aside. */
export function isCaFile(name: string): boolean {
  return /^ca(-key)?(\.old)?\.pem$/.test(name);
}

export function isKeyName(name: string): boolean {
  return /(^|-)key(\.old)?\.pem$/.test(name);
}

function oldName(name: string): string {
  return name.replace(/\.pem$/, ".old.pem");
}

function stampedName(name: string, stamp: string): string {
  return name.replace(/\.pem$/, `.replaced-${stamp}.pem`);
}

/**
 * Resolve a plan against the names already in the directory. Throws BAD_INPUT (nothing written)
 * when a file would be replaced and --force was not given, or when a key already sits in a
 * directory that `refuseKeys` says must not hold one (`tls init` into a used directory).
 */
export function resolvePlan(
  dir: string,
  files: readonly PlannedFile[],
  existing: ReadonlySet<string>,
  opts: { force: boolean; stamp: string; refuseKeys?: boolean },
): ResolvedPlan {
  const conflicts: string[] = [];
  const moves: Move[] = [];
  const taken = new Set(existing);
  const aside = (from: string, preferred: string): void => {
    // a leaf's previous *.old.pem is simply replaced; a CA's never is
    const to = taken.has(preferred) && isCaFile(from) ? stampedName(from, opts.stamp) : preferred;
    moves.push({ from, to });
    taken.add(to);
  };
  for (const f of files) {
    if (!existing.has(f.name)) continue;
    if (f.overwrite === "keep-old") {
      const old = oldName(f.name);
      // a rotated-out CA key that is still there may be the only copy clients' trust rests on
      if (existing.has(old) && isCaFile(f.name) && !opts.force) conflicts.push(old);
      else aside(f.name, old);
    } else if (!opts.force) conflicts.push(f.name);
    else if (isCaFile(f.name)) aside(f.name, stampedName(f.name, opts.stamp));
  }
  if (opts.refuseKeys === true && !opts.force) {
    for (const name of existing)
      if (isKeyName(name) && !conflicts.includes(name) && !files.some((f) => f.name === name))
        conflicts.push(name);
  }
  if (conflicts.length > 0) {
    const keys = conflicts.filter(isKeyName);
    throw new DockwardError(
      "BAD_INPUT",
      `${dir} already holds ${conflicts.sort().join(", ")}${keys.length > 0 ? ` (${keys.length === 1 ? "a private key" : "private keys"})` : ""}: nothing was written`,
      {
        hint: conflicts.some(isCaFile)
          ? "choose another --out, or give --force: an existing CA certificate and key are then kept aside as *.replaced-<time>.pem, never deleted"
          : "choose another --out, or give --force to replace them",
      },
    );
  }
  return { writes: [...files], moves };
}
