import { type Document, isMap, isScalar, LineCounter, parseDocument } from "yaml";
import type * as z from "zod/mini";
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { DockwardError, errorMessage, systemErrorCode } from "./errors.js";

/**
 * A YAML input file (policy, AppArmor spec) parsed and checked against a zod schema, with every
 * error at file:line:column. YAML syntax errors and schema errors alike are DockwardErrors
 * (exit 2) whose hint says what to write instead.
 */
export function parseYamlInput<S extends z.ZodMiniType>(
  text: string,
  file: string,
  schema: S,
  hint: string,
): { data: z.output<S>; doc: Document; locate: (path: (string | number)[]) => string } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    // without prettyErrors the yaml package leaves linePos empty: compute it from the offset
    const pos = lines.linePos(first.pos[0]);
    throw new DockwardError(
      "BAD_INPUT",
      `${file}:${pos.line}:${pos.col}: invalid YAML: ${first.message.split("\n")[0] ?? ""}`,
      { hint: "fix the YAML syntax at that position" },
    );
  }
  const locate = locator(doc, lines, file);
  const parsed = schema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = (issue?.path ?? []).map((p) => (typeof p === "number" ? p : String(p)));
    let message = issue?.message ?? "invalid";
    if (issue?.code === "unrecognized_keys") {
      message = `unknown key ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
      path.push(issue.keys[0] ?? "");
    }
    throw new DockwardError(
      "BAD_INPUT",
      `${locate(path)}: ${path.length > 0 ? `${path.join(".")}: ` : ""}${message}`,
      { hint },
    );
  }
  return { data: parsed.data, doc, locate };
}

/** file:line:col of the node at `path` in a parsed YAML document (or of the nearest parent). */
export function locator(
  doc: Document,
  lines: LineCounter,
  file: string,
): (path: (string | number)[]) => string {
  return (path) => {
    for (let n = path.length; n >= 0; n--) {
      const sub = path.slice(0, n);
      const node = sub.length === 0 ? doc.contents : doc.getIn(sub, true);
      // a key that is unknown is best pointed at by its key, not its value
      let range: readonly [number, number, number?] | null | undefined;
      if (n === path.length && n > 0) {
        const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
        if (isMap(parent)) {
          const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[n - 1]);
          if (pair !== undefined && isScalar(pair.key)) range = pair.key.range;
        }
      }
      range ??= (node as { range?: readonly [number, number, number?] } | null | undefined)?.range;
      if (range) {
        const pos = lines.linePos(range[0]);
        return `${file}:${pos.line}:${pos.col}`;
      }
    }
    return file;
  };
}

/** Read an input file; a missing or unreadable one is a DockwardError naming it (exit 2). */
export function readInputFile(file: string, what: string, hint: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new DockwardError(
      "BAD_INPUT",
      `cannot read ${what} ${file}: ${systemErrorCode(err) === "ENOENT" ? "no such file" : errorMessage(err)}`,
      { hint },
    );
  }
}

/**
 * Replace `file` atomically (a temp name beside it, then rename): a failure leaves the old file
 * and no half-written one. The mode is `mode`, else the replaced file's, else 0644. A failure is
 * a DockwardError naming the file, with `hint`.
 */
export function writeFileAtomic(
  file: string,
  text: string,
  options: { mode?: number; hint: string },
): void {
  let mode = options.mode;
  if (mode === undefined) {
    try {
      mode = statSync(file).mode & 0o7777;
    } catch {
      mode = 0o644;
    }
  }
  const tmp = `${file}.dockward-${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode, flag: "wx" });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new DockwardError("BAD_INPUT", `cannot write ${file}: ${errorMessage(err)}`, {
      hint: options.hint,
    });
  }
}
