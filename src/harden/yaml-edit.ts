import { isScalar, type Node, type Pair, type YAMLMap, type YAMLSeq } from "yaml";

/**
 * Edits to a YAML file as splices of its text, located by the parsed nodes' source ranges.
 * Everything outside the edited spans is kept byte for byte: comments, blank lines, key order,
 * anchors, quoting and flow-collection spacing. (Re-serialising the parsed document would
 * normalise some of those.) Pure.
 */

export interface Splice {
  start: number;
  end: number;
  text: string;
}

/** Apply non-overlapping splices (any order). Splices at the same point keep their order. */
export function applySplices(text: string, splices: readonly Splice[]): string {
  const ordered = splices
    .map((s, i) => ({ ...s, i }))
    .sort((a, b) => b.start - a.start || b.end - a.end || b.i - a.i);
  let out = text;
  let limit = Number.POSITIVE_INFINITY;
  for (const s of ordered) {
    if (s.end > limit) throw new Error(`overlapping YAML edits at offset ${s.start}`);
    out = out.slice(0, s.start) + s.text + out.slice(s.end);
    limit = s.start;
  }
  return out;
}

/** The text of a line's trailing `# comment`, outside quotes; undefined when there is none. */
export function trailingComment(line: string): string | undefined {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line.charAt(i - 1)))) {
      const text = line.slice(i + 1).trim();
      return text === "" ? undefined : text;
    }
  }
  return undefined;
}

export class TextLines {
  constructor(readonly text: string) {}

  lineStart(offset: number): number {
    return this.text.lastIndexOf("\n", offset - 1) + 1;
  }

  /** the offset of the line's "\n" (or the end of the text) */
  lineEnd(offset: number): number {
    const nl = this.text.indexOf("\n", offset);
    return nl === -1 ? this.text.length : nl;
  }

  /** 1-based line of an offset */
  line(offset: number): number {
    let n = 1;
    for (
      let i = this.text.indexOf("\n");
      i !== -1 && i < offset;
      i = this.text.indexOf("\n", i + 1)
    )
      n += 1;
    return n;
  }

  /** the offset of 1-based line and column */
  offset(line: number, column: number): number {
    let start = 0;
    for (let l = 1; l < line; l++) {
      const nl = this.text.indexOf("\n", start);
      if (nl === -1) return this.text.length;
      start = nl + 1;
    }
    return start + column - 1;
  }

  column(offset: number): number {
    return offset - this.lineStart(offset);
  }

  /** the leading whitespace of the line that holds `offset` */
  indentAt(offset: number): string {
    const start = this.lineStart(offset);
    return /^[ \t]*/.exec(this.text.slice(start, this.lineEnd(start)))?.[0] ?? "";
  }
}

function range(node: Node | null | undefined): readonly [number, number, number] | undefined {
  const r = (node as { range?: [number, number, number] | null } | null | undefined)?.range;
  return r ?? undefined;
}

export function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p): p is Pair => isScalar(p.key) && p.key.value === key);
}

/**
 * Where a pair's text ends: its value's end, or the key's for an empty value. A block
 * collection's range runs on to the start of the next line; that trailing space is not its.
 */
function pairEnd(lines: TextLines, pair: Pair): number {
  let end = range(pair.value as Node | null)?.[1] ?? range(pair.key as Node)?.[1] ?? 0;
  while (end > 0 && /\s/.test(lines.text.charAt(end - 1))) end -= 1;
  return end;
}

/** Add `key: value` lines at the end of a mapping (block or flow). */
export function addPairs(
  lines: TextLines,
  map: YAMLMap,
  entries: readonly (readonly [string, string])[],
): Splice[] {
  if (entries.length === 0) return [];
  const last = map.items[map.items.length - 1];
  if (map.flow === true || last === undefined) {
    const close = lines.text.lastIndexOf("}", range(map)?.[1] ?? 0);
    const body = entries.map(([k, v]) => `${k}: ${v}`).join(", ");
    const sep = last === undefined ? "" : ", ";
    return [{ start: close, end: close, text: `${sep}${body}` }];
  }
  const first = map.items[0];
  const indent = lines.indentAt(range(first?.key as Node)?.[0] ?? 0);
  const at = lines.lineEnd(pairEnd(lines, last));
  return [{ start: at, end: at, text: entries.map(([k, v]) => `\n${indent}${k}: ${v}`).join("") }];
}

/** Replace a pair's scalar value. */
export function setValue(pair: Pair, text: string): Splice[] {
  const r = range(pair.value as Node | null);
  if (r === undefined) return [];
  return [{ start: r[0], end: r[1], text }];
}

/** Replace a block pair's whole line(s) with a comment saying what was removed and why. */
export function commentOutPair(lines: TextLines, pair: Pair, note: string): Splice[] {
  const keyStart = range(pair.key as Node)?.[0] ?? 0;
  const start = lines.lineStart(keyStart);
  const end = lines.lineEnd(pairEnd(lines, pair));
  // a comment on the removed lines explained them: keep its words
  const kept = lines.text
    .slice(start, end)
    .split("\n")
    .map(trailingComment)
    .filter((c): c is string => c !== undefined);
  const was = kept.length > 0 ? ` (it said: ${kept.join("; ")})` : "";
  return [{ start, end, text: `${lines.indentAt(keyStart)}# dockward harden: ${note}${was}` }];
}

/**
 * Rewrite a sequence: drop the items at `remove`, append `append` (already YAML text).
 * Block sequences keep every line that is not a removed item (comments included); flow
 * sequences are rewritten from the kept items' own text.
 */
export function editSeq(
  lines: TextLines,
  seq: YAMLSeq,
  remove: ReadonlySet<number>,
  append: readonly string[],
): Splice[] {
  if (remove.size === 0 && append.length === 0) return [];
  const items = seq.items as Node[];
  const r = range(seq);
  if (r === undefined) return [];
  if (seq.flow === true || items.length === 0) {
    const kept = items
      .map((item, i) => ({ item, i }))
      .filter(({ i }) => !remove.has(i))
      .map(({ item }) => {
        const ir = range(item);
        return ir === undefined ? "" : lines.text.slice(ir[0], ir[1]);
      });
    const open = lines.text.indexOf("[", r[0]);
    const close = lines.text.lastIndexOf("]", r[1]);
    const inner = lines.text.slice(open + 1, close);
    const pad = /^\s+/.test(inner) && /\s+$/.test(inner) ? " " : "";
    return [
      { start: open, end: close + 1, text: `[${pad}${[...kept, ...append].join(", ")}${pad}]` },
    ];
  }
  const first = range(items[0]);
  const last = range(items[items.length - 1]);
  if (first === undefined || last === undefined) return [];
  const regionStart = lines.lineStart(first[0]);
  const regionEnd = lines.lineEnd(last[1]);
  const indent = lines.indentAt(first[0]);
  const dropped = new Set<number>();
  items.forEach((item, i) => {
    if (!remove.has(i)) return;
    const ir = range(item);
    if (ir === undefined) return;
    for (let l = lines.line(lines.lineStart(ir[0])); l <= lines.line(ir[1]); l++) dropped.add(l);
  });
  const firstLine = lines.line(regionStart);
  const regionLines = lines.text.slice(regionStart, regionEnd).split("\n");
  // a removed item leaves a comment saying so, with the comment it carried
  const keptLines = regionLines
    .map((l, k) => {
      if (!dropped.has(firstLine + k)) return l;
      const item = /^\s*-\s*(.*?)\s*(#.*)?$/.exec(l);
      if (item === null || (item[1] ?? "") === "") return undefined;
      const said = trailingComment(l);
      return `${indent}# dockward harden: removed ${item[1] ?? ""}${said !== undefined ? ` (it said: ${said})` : ""}`;
    })
    .filter((l): l is string => l !== undefined);
  const added = append.map((a) => `${indent}- ${a}`);
  return [{ start: regionStart, end: regionEnd, text: [...keptLines, ...added].join("\n") }];
}

/**
 * The index of the sequence item at 1-based `line` and `column` (a flow sequence holds several
 * items on one line); without a column, the first item on the line.
 */
export function itemAt(
  lines: TextLines,
  seq: YAMLSeq,
  line: number,
  column: number | undefined,
): number | undefined {
  const at = column === undefined ? undefined : lines.offset(line, column);
  const index = (seq.items as Node[]).findIndex((item) => {
    const r = range(item);
    if (r === undefined) return false;
    if (at !== undefined) return r[0] <= at && at < Math.max(r[1], r[0] + 1);
    return lines.line(r[0]) <= line && line <= lines.line(r[1]);
  });
  return index === -1 ? undefined : index;
}
