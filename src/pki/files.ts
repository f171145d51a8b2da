import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { DockwardError, errorMessage, systemErrorCode } from "../errors.js";
import type { ResolvedPlan } from "./plan.js";

/**
 * The file edge of `dockward tls`: a resolved plan is written to temporary names in the target
 * directory first; only when every one of them is on disk are existing files moved aside and
 * the temporaries renamed into place. A failure before that leaves the directory as it was.
 */

export interface WrittenFile {
  path: string;
  mode: number;
}

export interface WriteResult {
  written: WrittenFile[];
  moved: { from: string; to: string }[];
}

/** The names in a directory (an absent directory is empty). */
export function existingNames(dir: string): Set<string> {
  try {
    return new Set(readdirSync(dir));
  } catch (err) {
    if (systemErrorCode(err) === "ENOENT") return new Set();
    throw new DockwardError("BAD_INPUT", `cannot read directory ${dir}: ${errorMessage(err)}`, {
      hint: "check the path and its permissions",
    });
  }
}

/** A compact UTC timestamp for names kept aside: 20250102T030405Z */
export function stampNow(now: Date = new Date()): string {
  return now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

export function executePlan(dir: string, plan: ResolvedPlan): WriteResult {
  try {
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
    else if (!statSync(dir).isDirectory()) throw new Error("not a directory");
  } catch (err) {
    throw new DockwardError(
      "BAD_INPUT",
      `cannot use ${dir} as the output directory: ${errorMessage(err)}`,
      {
        hint: "give --out a directory path that can be created or written",
      },
    );
  }
  const temps: { tmp: string; final: string; mode: number }[] = [];
  try {
    for (const f of plan.writes) {
      const final = join(dir, f.name);
      const tmp = join(dir, `.${f.name}.dockward-${process.pid}.tmp`);
      temps.push({ tmp, final, mode: f.mode });
      // created with its final mode: a key is never readable by others, not even for a moment
      const fd = openSync(tmp, "wx", f.mode);
      try {
        writeSync(fd, f.contents);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      chmodSync(tmp, f.mode);
    }
  } catch (err) {
    for (const t of temps) rmSync(t.tmp, { force: true });
    throw new DockwardError(
      "BAD_INPUT",
      `cannot write into ${dir}: ${errorMessage(err)}; nothing was written`,
      {
        hint: "check that the directory is writable (and has space)",
      },
    );
  }
  const moved: WriteResult["moved"] = [];
  for (const m of plan.moves) {
    renameSync(join(dir, m.from), join(dir, m.to));
    moved.push({ from: join(dir, m.from), to: join(dir, m.to) });
  }
  for (const t of temps) renameSync(t.tmp, t.final);
  return { written: temps.map((t) => ({ path: t.final, mode: t.mode })), moved };
}
