/**
 * A pass over the parsed document, guided by the Go type, before src/json/decode.ts decodes
 * it. It does what that decoder leaves to its callers, and what the guard decides beyond Go:
 *
 * - `strslice.StrSlice` given as a string becomes a one-element array (Go's UnmarshalJSON);
 * - a fixed-size array (`[2]uint`) keeps its first n elements (Go skips the rest unread),
 *   is padded with zeros, and `null` for it becomes the zero array (Go leaves the array);
 * - a key that names a field only through Unicode case folding (U+017F ſ for s, U+212A Kelvin
 *   sign for k) is refused: Go would match it, no client writes it, and a naive checker reads
 *   past it;
 * - a key that names a field through ASCII case folding (`privileged`) is accepted and noted:
 *   the decoder stores it under the field's own name, which is what is forwarded;
 * - `null` as an element of a slice or map of pointers is refused: the daemon would hold a
 *   nil element, and dockerd 20.10 dereferences some without a check (`Ulimits: [null]`
 *   panics it while it holds the container's lock);
 * - `null` for a field promoted from an embedded pointer (the legacy top-level HostConfig) is
 *   remembered: Go allocates the embedded struct for it, so the canonical value keeps it.
 *
 * Recursion follows the Go type, which is finite, never the document's own depth; values of
 * types that cannot hold anything to rewrite (strings, numbers) are not visited at all.
 */

import type { GoType } from "../../json/decode.js";
import { escapePointerToken, goFold } from "../../json/fold.js";
import type { JsonMember, JsonNode, Pos } from "../../json/parse.js";
import { arrayLength, fieldsViaEmbeddedPointer, isStrSlice } from "./go-types.js";

export type RefusalCode =
  | "syntax"
  | "duplicate"
  | "type"
  | "range"
  | "unicode-fold"
  | "nil-element"
  /** createSpec: an integer outside ±2^53 */
  | "unsafe-integer"
  /** createSpec: a value the daemon refuses at create time (a bad bind, a seccomp path …) */
  | "invalid";

export interface Problem {
  code: RefusalCode;
  /** JSON pointer into the document, keys spelled as the client spelled them */
  pointer: string;
  pos?: Pos;
  message: string;
}

/** A change made to the client's body, and where. */
export interface Note {
  pos: Pos;
  text: string;
}

export interface Prepared {
  node: JsonNode;
  problems: Problem[];
  notes: Note[];
  /** canonical paths of fields Go allocates an embedded struct for though their value is null */
  keptNulls: (string | number)[][];
}

interface FoldIndex {
  exact: ReadonlySet<string>;
  folded: ReadonlyMap<string, string>;
}

const foldIndexes = new WeakMap<GoType, FoldIndex>();

/** Go's lookup, as decode.ts does it: exact name first, then the first field that folds equal. */
function foldIndex(type: GoType & { kind: "struct" }): FoldIndex {
  let index = foldIndexes.get(type);
  if (index === undefined) {
    const names = Object.keys(type.fields);
    const folded = new Map<string, string>();
    for (const name of names) if (!folded.has(goFold(name))) folded.set(goFold(name), name);
    index = { exact: new Set(names), folded };
    foldIndexes.set(type, index);
  }
  return index;
}

function isAscii(s: string): boolean {
  // eslint-disable-next-line no-control-regex -- the whole ASCII range, controls included
  return /^[\u0000-\u007f]*$/.test(s);
}

/** One RFC 6901 token; most keys need no escaping, so no copy is made for them. */
function token(key: string | number): string {
  if (typeof key === "number") return String(key);
  return key.includes("~") || key.includes("/") ? escapePointerToken(key) : key;
}

/** A canonical path, shared between siblings: built only when a kept null needs it. */
interface Path {
  up: Path | undefined;
  name: string | number;
}

function pathArray(path: Path | undefined): (string | number)[] {
  const out: (string | number)[] = [];
  for (let p = path; p !== undefined; p = p.up) out.unshift(p.name);
  return out;
}

/** Types whose JSON may hold something to rewrite or refuse; a string, say, never does. */
function mayChange(t: GoType): boolean {
  return t.kind === "ptr" || t.kind === "struct" || t.kind === "map" || t.kind === "slice";
}

export function prepare(root: JsonNode, type: GoType): Prepared {
  const problems: Problem[] = [];
  const notes: Note[] = [];
  const keptNulls: (string | number)[][] = [];

  const walk = (node: JsonNode, t: GoType, pointer: string, path: Path | undefined): JsonNode => {
    switch (t.kind) {
      case "ptr":
        return node.kind === "null" ? node : walk(node, t.elem, pointer, path);
      case "struct":
        return node.kind === "object" ? walkStruct(node, t, pointer, path) : node;
      case "map": {
        if (node.kind !== "object" || !mayChange(t.elem)) return node;
        const members: JsonMember[] = [];
        for (const member of node.members) {
          const at = `${pointer}/${token(member.key)}`;
          if (t.elem.kind === "ptr" && member.value.kind === "null") {
            problems.push(nilElement(at, member.value.start, "map value"));
          }
          const value = walk(member.value, t.elem, at, { up: path, name: member.key });
          members.push(value === member.value ? member : { ...member, value });
        }
        return members.some((m, i) => m !== node.members[i]) ? { ...node, members } : node;
      }
      case "slice":
        return walkSlice(node, t, pointer, path);
      default:
        return node;
    }
  };

  const walkSlice = (
    node: JsonNode,
    t: GoType & { kind: "slice" },
    pointer: string,
    path: Path | undefined,
  ): JsonNode => {
    if (isStrSlice(t) && node.kind === "string") {
      return { kind: "array", start: node.start, end: node.end, items: [node] };
    }
    const length = arrayLength(t);
    if (length !== undefined && node.kind === "null") {
      return { kind: "array", start: node.start, end: node.end, items: zeros(length, node) };
    }
    if (node.kind !== "array") return node;
    let items = node.items;
    if (length !== undefined && items.length !== length) {
      if (items.length > length) {
        notes.push({
          pos: node.start,
          text: `${pointer}: kept the first ${length} of ${items.length} elements (Go skips the rest)`,
        });
      }
      items = [...items.slice(0, length), ...zeros(length - items.length, node)];
    }
    if (!mayChange(t.elem)) return items === node.items ? node : { ...node, items };
    const walked = items.map((item, index) => {
      const at = `${pointer}/${index}`;
      if (t.elem.kind === "ptr" && item.kind === "null") {
        problems.push(nilElement(at, item.start, "element"));
      }
      return walk(item, t.elem, at, { up: path, name: index });
    });
    const changed =
      walked.length !== node.items.length || walked.some((w, i) => w !== node.items[i]);
    return changed ? { ...node, items: walked } : node;
  };

  const walkStruct = (
    node: JsonNode & { kind: "object" },
    t: GoType & { kind: "struct" },
    pointer: string,
    path: Path | undefined,
  ): JsonNode => {
    const { exact, folded } = foldIndex(t);
    const viaPointer = fieldsViaEmbeddedPointer(t);
    const members = node.members.map((member): JsonMember => {
      const name = exact.has(member.key) ? member.key : folded.get(goFold(member.key));
      const fieldType = name === undefined ? undefined : t.fields[name];
      // an unknown key: decode.ts reports it and drops it
      if (name === undefined || fieldType === undefined) return member;
      const at = `${pointer}/${token(member.key)}`;
      if (name !== member.key) {
        if (isAscii(member.key)) {
          notes.push({
            pos: member.keyStart,
            text: `${at}: read as ${name}, as Go matches keys case-insensitively`,
          });
        } else {
          problems.push({
            code: "unicode-fold",
            pointer: at,
            pos: member.keyStart,
            message: `${JSON.stringify(member.key)} names the field ${name} only through Unicode case folding, which Go applies and no client writes`,
          });
        }
      }
      const here: Path = { up: path, name };
      if (viaPointer.has(name) && member.value.kind === "null") keptNulls.push(pathArray(here));
      if (!mayChange(fieldType)) return member;
      const value = walk(member.value, fieldType, at, here);
      return value === member.value ? member : { ...member, value };
    });
    return members.some((m, i) => m !== node.members[i]) ? { ...node, members } : node;
  };

  const node = walk(root, type, "", undefined);
  return { node, problems, notes, keptNulls };
}

/**
 * Where the client wrote the value that a canonical JSON pointer (`/HostConfig/Privileged`)
 * names, in a document prepare() accepted (so no key is repeated); undefined when absent.
 */
export function locate(root: JsonNode, type: GoType, pointer: string): Pos | undefined {
  if (pointer !== "" && !pointer.startsWith("/")) return undefined;
  const tokens =
    pointer === ""
      ? []
      : pointer
          .slice(1)
          .split("/")
          .map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
  let node: JsonNode | undefined = root;
  let t: GoType = type;
  for (const name of tokens) {
    while (t.kind === "ptr") t = t.elem;
    if (node === undefined) return undefined;
    if (t.kind === "struct" && node.kind === "object") {
      const { exact, folded } = foldIndex(t);
      const fieldType: GoType | undefined = t.fields[name];
      node = node.members.find(
        (m) => (exact.has(m.key) ? m.key : folded.get(goFold(m.key))) === name,
      )?.value;
      if (fieldType === undefined) return undefined;
      t = fieldType;
    } else if (t.kind === "map" && node.kind === "object") {
      node = node.members.find((m) => m.key === name)?.value;
      t = t.elem;
    } else if (t.kind === "slice" && node.kind === "array" && /^(0|[1-9][0-9]*)$/.test(name)) {
      node = node.items[Number(name)];
      t = t.elem;
    } else {
      return undefined;
    }
  }
  return node?.start;
}

function zeros(count: number, at: JsonNode): JsonNode[] {
  return Array.from({ length: Math.max(0, count) }, () => ({
    kind: "number" as const,
    start: at.end,
    end: at.end,
    raw: "0",
  }));
}

function nilElement(pointer: string, pos: Pos, what: string): Problem {
  return {
    code: "nil-element",
    pointer,
    pos,
    message: `null is not accepted as a ${what} here: the daemon would get a nil pointer, and dockerd 20.10 crashes on some (Ulimits: [null])`,
  };
}
