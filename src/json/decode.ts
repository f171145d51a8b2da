/**
 * Decoding a parsed document against a Go type, as `json.Unmarshal` would, and the canonical
 * re-serialisation the guard forwards instead of the client's bytes.
 *
 * Where the daemon's decoding is ambiguous or lossy the decoder reports an issue instead of
 * emulating it; the caller decides (the guard rejects on anything but "unknown-field"):
 * - "duplicate": two keys select one struct field (exactly, or through Go's case folding:
 *   "kernel" and "\u212Aernel" both select Kernel, while "ımage" selects nothing), or a map or
 *   interface{} object repeats a key. Go merges repeated objects and lets the last scalar win, and a repeated slice decodes
 *   into the previous slice's elements, so what the daemon ends up with depends on history.
 *   With duplicates the returned value is only a best effort and must not be forwarded.
 * - "unknown-field": a key that selects no field. Go ignores it; it is dropped from the value.
 * - "type": a JSON value Go refuses for the type: no coercion at all, so "1" is not an int, 1.0
 *   and 1e3 are not ints, and an object is not a string. Also a malformed base64 string for a
 *   []byte.
 * - "range": a number of the right shape that does not fit (300 into uint8, -1 into uint, 1e39
 *   into float32, 1e400 anywhere; Go refuses even "-0" for unsigned types).
 * Go keeps decoding after a type or range error and then fails the whole call, so every issue is
 * reported, each with its JSON pointer (keys as the client wrote them) and position.
 *
 * The value (GoValue):
 * - struct: a null-prototype object keyed by the CANONICAL field names of the type, holding only
 *   the fields the document set. A `null` for a string, bool, number or struct field leaves Go's
 *   zero value, so that field is simply absent, exactly as if the key had not been sent; a `null`
 *   for a pointer, map, slice or interface{} field sets it to nil, kept as `null`.
 * - map[string]T: a Map in document order; `null` for an element stores the element's zero value.
 * - slice: an array (`null` elements become the element's zero value); []byte (a slice of
 *   unsigned 8-bit ints) is a Uint8Array, read from base64 or from an array of numbers as Go does.
 * - ints: bigint, always exact; floats: number (float32 already rounded to float32).
 * - pointer: transparent, the pointee's value or null.
 * - interface{}: null, boolean, string, JsonNumber (raw text: dockerd reads it as float64 itself),
 *   arrays and Maps. json.RawMessage: RawJson with the value's compact text, strings re-escaped
 *   (it reads as the client's text reads, though not byte for byte).
 * - Not modelled: embedded structs (a schema flattens them itself, minding that Go allocates an
 *   embedded pointer as soon as one of its fields appears), `,string` tags, and types with their
 *   own UnmarshalJSON (a schema approximates them, e.g. as string or raw).
 */

import { decodeGoBase64, encodeGoBase64 } from "./base64.js";
import { goFold, pointerOf } from "./fold.js";
import { parseFloat32 } from "./float32.js";
import type { JsonMember, JsonNode, Pos } from "./parse.js";

export type GoType =
  /** keys are the Go JSON field names, in declaration order */
  | { kind: "struct"; fields: Readonly<Record<string, GoType>> }
  /** map[string]T: keys match exactly, no folding */
  | { kind: "map"; elem: GoType }
  | { kind: "slice"; elem: GoType }
  | { kind: "ptr"; elem: GoType }
  | { kind: "string" }
  | { kind: "bool" }
  | { kind: "int"; bits: 8 | 16 | 32 | 64; unsigned?: boolean }
  | { kind: "float"; bits: 32 | 64 }
  /** interface{}: the JSON as is, numbers as their raw text */
  | { kind: "any" }
  /** json.RawMessage */
  | { kind: "raw" };

export interface DecodeIssue {
  code: "duplicate" | "type" | "range" | "unknown-field";
  /** RFC 6901 pointer into the document, keys spelled as the document spells them */
  pointer: string;
  /** the value (type, range) or the key (duplicate, unknown-field) at fault */
  pos: Pos;
  message: string;
}

/** A number inside an interface{} value, kept as written. */
export class JsonNumber {
  constructor(readonly raw: string) {}
}

/** A json.RawMessage: the value's JSON text, compacted. */
export class RawJson {
  constructor(readonly text: string) {}
}

export interface GoStruct {
  [field: string]: GoValue;
}

export type GoValue =
  | null
  | boolean
  | string
  | bigint
  | number
  | JsonNumber
  | RawJson
  | Uint8Array
  | GoValue[]
  | Map<string, GoValue>
  | GoStruct;

/** A decoded struct: the only GoValue object without a prototype. */
export function isGoStruct(v: GoValue | undefined): v is GoStruct {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Map) &&
    !(v instanceof Uint8Array) &&
    Object.getPrototypeOf(v) === null
  );
}

/** Decodes `node` into `type` as Go's json.Unmarshal would; see the module comment. */
export function decodeGo(node: JsonNode, type: GoType): { value: GoValue; issues: DecodeIssue[] } {
  const issues: DecodeIssue[] = [];
  const value = decodeValue(node, type, undefined, issues);
  return { value: value === LEAVE ? zeroValue(type) : value, issues };
}

/** The zero value Go leaves (or a map/slice element gets) when nothing is assigned. */
export function zeroValue(type: GoType): GoValue {
  switch (type.kind) {
    case "string":
      return "";
    case "bool":
      return false;
    case "int":
      return 0n;
    case "float":
      return 0;
    case "struct":
      return Object.create(null) as GoStruct;
    default:
      return null;
  }
}

/** Go's name for a type, for messages. */
export function goTypeName(type: GoType): string {
  switch (type.kind) {
    case "struct":
      return "struct";
    case "map":
      return `map[string]${goTypeName(type.elem)}`;
    case "slice":
      return `[]${goTypeName(type.elem)}`;
    case "ptr":
      return `*${goTypeName(type.elem)}`;
    case "int":
      return `${type.unsigned === true ? "uint" : "int"}${type.bits}`;
    case "float":
      return `float${type.bits}`;
    case "any":
      return "interface {}";
    case "raw":
      return "json.RawMessage";
    default:
      return type.kind;
  }
}

/** Marks "assign nothing": Go left the destination as it was (null into a scalar, or an error). */
const LEAVE: unique symbol = Symbol("leave");
type Decoded = GoValue | typeof LEAVE;

const JSON_KIND_NAME: Readonly<Record<JsonNode["kind"], string>> = {
  object: "an object",
  array: "an array",
  string: "a string",
  number: "a number",
  boolean: "a boolean",
  null: "null",
};

/**
 * Where a value sits, as a chain of tokens from the root. Pointers are built only for issues:
 * building one string per value made decoding a large body mostly garbage collection.
 */
interface Path {
  readonly parent: Path | undefined;
  readonly token: string | number;
}

function pointerAt(path: Path | undefined): string {
  const tokens: (string | number)[] = [];
  for (let p = path; p !== undefined; p = p.parent) tokens.push(p.token);
  return pointerOf(tokens.reverse());
}

function typeIssue(
  node: JsonNode,
  type: GoType,
  path: Path | undefined,
  issues: DecodeIssue[],
): typeof LEAVE {
  const what = node.kind === "number" ? `the number ${node.raw}` : JSON_KIND_NAME[node.kind];
  issues.push({
    code: "type",
    pointer: pointerAt(path),
    pos: node.start,
    message: `${what} cannot be decoded into Go ${goTypeName(type)}`,
  });
  return LEAVE;
}

function decodeValue(
  node: JsonNode,
  type: GoType,
  path: Path | undefined,
  issues: DecodeIssue[],
): Decoded {
  switch (type.kind) {
    case "ptr":
      // Go sets a pointer to nil for null (at any depth of pointers); otherwise it allocates,
      // and the pointee stays zero even when its value is then refused.
      if (node.kind === "null") return null;
      return orZero(decodeValue(node, type.elem, path, issues), type.elem);
    case "struct":
      if (node.kind === "null") return LEAVE;
      if (node.kind !== "object") return typeIssue(node, type, path, issues);
      return decodeStruct(node, type, path, issues);
    case "map": {
      if (node.kind === "null") return null;
      if (node.kind !== "object") return typeIssue(node, type, path, issues);
      const out = new Map<string, GoValue>();
      const firstAt = new Map<string, Pos>();
      for (const member of node.members) {
        const memberPath: Path = { parent: path, token: member.key };
        const first = firstAt.get(member.key);
        if (first === undefined) firstAt.set(member.key, member.keyStart);
        else issues.push(repeatedKeyIssue(member, memberPath, first));
        const value = decodeValue(member.value, type.elem, memberPath, issues);
        out.set(member.key, orZero(value, type.elem));
      }
      return out;
    }
    case "slice": {
      if (node.kind === "null") return null;
      const isBytes =
        type.elem.kind === "int" && type.elem.bits === 8 && type.elem.unsigned === true;
      if (isBytes && node.kind === "string") {
        try {
          return decodeGoBase64(node.value);
        } catch (err) {
          issues.push({
            code: "type",
            pointer: pointerAt(path),
            pos: node.start,
            message: `a []byte takes standard padded base64: ${err instanceof Error ? err.message : String(err)}`,
          });
          return LEAVE;
        }
      }
      if (node.kind !== "array") return typeIssue(node, type, path, issues);
      const items = node.items.map((item, index) =>
        orZero(decodeValue(item, type.elem, { parent: path, token: index }, issues), type.elem),
      );
      if (isBytes) return Uint8Array.from(items, (b) => (typeof b === "bigint" ? Number(b) : 0));
      return items;
    }
    case "string":
      if (node.kind === "string") return node.value;
      if (node.kind === "null") return LEAVE;
      return typeIssue(node, type, path, issues);
    case "bool":
      if (node.kind === "boolean") return node.value;
      if (node.kind === "null") return LEAVE;
      return typeIssue(node, type, path, issues);
    case "int":
      if (node.kind === "number") return decodeInt(node, type, path, issues);
      if (node.kind === "null") return LEAVE;
      return typeIssue(node, type, path, issues);
    case "float": {
      if (node.kind === "null") return LEAVE;
      if (node.kind !== "number") return typeIssue(node, type, path, issues);
      const value = type.bits === 32 ? parseFloat32(node.raw) : finite(Number(node.raw));
      if (value === undefined) return rangeIssue(node, type, path, issues, "overflows");
      return value;
    }
    case "any":
      return decodeAny(node, path, issues);
    case "raw":
      return new RawJson(compactJson(node));
  }
}

function orZero(value: Decoded, type: GoType): GoValue {
  return value === LEAVE ? zeroValue(type) : value;
}

function finite(x: number): number | undefined {
  return Number.isFinite(x) ? x : undefined;
}

function rangeIssue(
  node: JsonNode & { kind: "number" },
  type: GoType,
  path: Path | undefined,
  issues: DecodeIssue[],
  why: string,
): typeof LEAVE {
  issues.push({
    code: "range",
    pointer: pointerAt(path),
    pos: node.start,
    message: `the number ${node.raw} ${why} Go ${goTypeName(type)}`,
  });
  return LEAVE;
}

function duplicateIssue(path: Path, pos: Pos, first: Pos, what: string): DecodeIssue {
  return {
    code: "duplicate",
    pointer: pointerAt(path),
    pos,
    message: `${what} (first at line ${first.line}, column ${first.column}); Go would merge them, so the document is ambiguous`,
  };
}

function repeatedKeyIssue(member: JsonMember, path: Path, first: Pos): DecodeIssue {
  return duplicateIssue(path, member.keyStart, first, `key ${JSON.stringify(member.key)} repeats`);
}

function decodeInt(
  node: JsonNode & { kind: "number" },
  type: GoType & { kind: "int" },
  path: Path | undefined,
  issues: DecodeIssue[],
): Decoded {
  const raw = node.raw;
  // strconv.ParseInt/ParseUint take only digits: a fraction or exponent is refused even when
  // the value is whole, so 1.0 and 1e3 are type errors, as is any sign for an unsigned type.
  if (/[.eE]/.test(raw)) {
    issues.push({
      code: "type",
      pointer: pointerAt(path),
      pos: node.start,
      message: `the number ${raw} is not an integer literal, which Go ${goTypeName(type)} requires`,
    });
    return LEAVE;
  }
  // 64-bit integers have at most 20 digits; JSON forbids leading zeros, so anything longer
  // overflows, and BigInt need not parse a megabyte of digits (which takes quadratic time).
  if (raw.length > 21) return rangeIssue(node, type, path, issues, "overflows");
  const n = BigInt(raw);
  if (type.unsigned === true) {
    if (raw.startsWith("-")) return rangeIssue(node, type, path, issues, "is negative for");
    if (n >= 1n << BigInt(type.bits)) return rangeIssue(node, type, path, issues, "overflows");
    return n;
  }
  const limit = 1n << BigInt(type.bits - 1);
  if (n < -limit || n >= limit) return rangeIssue(node, type, path, issues, "overflows");
  return n;
}

interface FieldIndex {
  fields: ReadonlyMap<string, GoType>;
  /** goFold(name) → the first field (declaration order) with that fold, as Go's search finds */
  folded: ReadonlyMap<string, string>;
}

const fieldIndexes = new WeakMap<GoType, FieldIndex>();

function fieldIndex(type: GoType & { kind: "struct" }): FieldIndex {
  let index = fieldIndexes.get(type);
  if (index === undefined) {
    const fields = new Map(Object.entries(type.fields));
    const folded = new Map<string, string>();
    for (const name of fields.keys()) {
      const fold = goFold(name);
      if (!folded.has(fold)) folded.set(fold, name);
    }
    index = { fields, folded };
    fieldIndexes.set(type, index);
  }
  return index;
}

function decodeStruct(
  node: JsonNode & { kind: "object" },
  type: GoType & { kind: "struct" },
  path: Path | undefined,
  issues: DecodeIssue[],
): GoStruct {
  const { fields, folded } = fieldIndex(type);
  const out = Object.create(null) as GoStruct;
  const firstAt = new Map<string, Pos>();
  for (const member of node.members) {
    const memberPath: Path = { parent: path, token: member.key };
    // Go: exact name first, then the first field whose name folds equal.
    const name = fields.has(member.key) ? member.key : folded.get(goFold(member.key));
    const fieldType = name === undefined ? undefined : fields.get(name);
    if (name === undefined || fieldType === undefined) {
      issues.push({
        code: "unknown-field",
        pointer: pointerAt(memberPath),
        pos: member.keyStart,
        message: `${JSON.stringify(member.key)} is not a field Go decodes here; it is ignored`,
      });
      continue;
    }
    const first = firstAt.get(name);
    if (first === undefined) {
      firstAt.set(name, member.keyStart);
    } else {
      const what =
        name === member.key
          ? `field ${JSON.stringify(name)} is set twice`
          : `${JSON.stringify(member.key)} sets field ${JSON.stringify(name)} again`;
      issues.push(duplicateIssue(memberPath, member.keyStart, first, what));
    }
    const value = decodeValue(member.value, fieldType, memberPath, issues);
    if (value !== LEAVE) out[name] = value;
  }
  return out;
}

/** interface{} work: decode `node` into `into[slot]` (the result itself when `into` is unset),
 * or report an issue found earlier at its place in document order. */
type AnyTask =
  | {
      node: JsonNode;
      path: Path | undefined;
      into: GoValue[] | Map<string, GoValue> | undefined;
      slot: number | string;
    }
  | DecodeIssue;

/**
 * interface{}: objects become Maps, numbers JsonNumber. Iterative, as the document may nest
 * 10000 levels. Go converts each number to float64 here and fails the call on overflow.
 */
function decodeAny(root: JsonNode, rootPath: Path | undefined, issues: DecodeIssue[]): GoValue {
  let result: GoValue = null;
  const tasks: AnyTask[] = [{ node: root, path: rootPath, into: undefined, slot: 0 }];
  for (let task = tasks.pop(); task !== undefined; task = tasks.pop()) {
    if (!("node" in task)) {
      issues.push(task);
      continue;
    }
    const { node, path, into, slot } = task;
    let value: GoValue;
    switch (node.kind) {
      case "null":
        value = null;
        break;
      case "boolean":
      case "string":
        value = node.value;
        break;
      case "number":
        if (!Number.isFinite(Number(node.raw))) {
          rangeIssue(node, { kind: "float", bits: 64 }, path, issues, "overflows");
        }
        value = new JsonNumber(node.raw);
        break;
      case "array": {
        const items = new Array<GoValue>(node.items.length).fill(null);
        for (let k = node.items.length - 1; k >= 0; k--) {
          const item = node.items[k];
          if (item !== undefined) {
            tasks.push({ node: item, path: { parent: path, token: k }, into: items, slot: k });
          }
        }
        value = items;
        break;
      }
      case "object": {
        const out = new Map<string, GoValue>();
        const firstAt = new Map<string, Pos>();
        const pending: AnyTask[] = [];
        for (const member of node.members) {
          const memberPath: Path = { parent: path, token: member.key };
          const first = firstAt.get(member.key);
          if (first === undefined) firstAt.set(member.key, member.keyStart);
          else pending.push(repeatedKeyIssue(member, memberPath, first));
          // Reserve the key's place in document order; the last duplicate's value wins, as in Go.
          out.set(member.key, null);
          pending.push({ node: member.value, path: memberPath, into: out, slot: member.key });
        }
        for (let k = pending.length - 1; k >= 0; k--) {
          const p = pending[k];
          if (p !== undefined) tasks.push(p);
        }
        value = out;
        break;
      }
    }
    if (into === undefined) result = value;
    else if (Array.isArray(into)) into[slot as number] = value;
    else into.set(slot as string, value);
  }
  return result;
}

/** A node's compact JSON text (numbers as written), as Go compacts a RawMessage. Iterative. */
export function compactJson(root: JsonNode): string {
  const out: string[] = [];
  type Step = JsonNode | string;
  const steps: Step[] = [root];
  for (let step = steps.pop(); step !== undefined; step = steps.pop()) {
    if (typeof step === "string") {
      out.push(step);
      continue;
    }
    switch (step.kind) {
      case "null":
        out.push("null");
        break;
      case "boolean":
        out.push(step.value ? "true" : "false");
        break;
      case "number":
        out.push(step.raw);
        break;
      case "string":
        out.push(quoteJsonString(step.value));
        break;
      case "array": {
        out.push("[");
        steps.push("]");
        for (let k = step.items.length - 1; k >= 0; k--) {
          const item = step.items[k];
          if (item === undefined) continue;
          steps.push(item);
          if (k > 0) steps.push(",");
        }
        break;
      }
      case "object": {
        out.push("{");
        steps.push("}");
        for (let k = step.members.length - 1; k >= 0; k--) {
          const member = step.members[k];
          if (member === undefined) continue;
          steps.push(member.value);
          steps.push(`${quoteJsonString(member.key)}:`);
          if (k > 0) steps.push(",");
        }
        break;
      }
    }
  }
  return out.join("");
}

/**
 * A JSON string literal Go reads back as the same string. Control characters, quote and
 * backslash are escaped; so are U+2028/U+2029 (as Go does); a lone surrogate, which no UTF-8
 * body can carry, is written as U+FFFD, which is what the daemon would have read.
 */
export function quoteJsonString(s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is matched
  if (!/["\\\u0000-\u001f\u2028\u2029\ud800-\udfff]/.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c < 0x20 || c === 0x2028 || c === 0x2029)
      out += `\\u${c.toString(16).padStart(4, "0")}`;
    else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(s.charCodeAt(i + 1))) {
      out += s.slice(i, i + 2);
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) out += "\ufffd";
    else out += s[i] ?? "";
  }
  return `${out}"`;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function formatFloat(x: number): string {
  // JS and Go agree on the shortest digits and on when to switch to exponent form (below 1e-6,
  // from 1e21 on); Go keeps the sign of zero. A float32 printed this way reads back as itself.
  if (Object.is(x, -0)) return "-0";
  if (!Number.isFinite(x)) throw new RangeError(`serializeGo: ${x} has no JSON form`);
  return String(x);
}

/**
 * Compact JSON for a decoded value: ints exact, struct fields under their canonical names,
 * []byte as base64, interface{} numbers and RawMessage as written. Decoding the output into the
 * same type gives the same value, and the daemon reads it as it reads the value. Iterative.
 */
export function serializeGo(value: GoValue): string {
  const out: string[] = [];
  type Step = { value: GoValue } | string;
  const steps: Step[] = [{ value }];
  const pushEntries = (entries: [string, GoValue][], open: string, close: string): void => {
    out.push(open);
    steps.push(close);
    for (let k = entries.length - 1; k >= 0; k--) {
      const entry = entries[k];
      if (entry === undefined) continue;
      steps.push({ value: entry[1] });
      steps.push(`${quoteJsonString(entry[0])}:`);
      if (k > 0) steps.push(",");
    }
  };
  for (let step = steps.pop(); step !== undefined; step = steps.pop()) {
    if (typeof step === "string") {
      out.push(step);
      continue;
    }
    const v = step.value;
    if (v === null) out.push("null");
    else if (typeof v === "boolean") out.push(v ? "true" : "false");
    else if (typeof v === "string") out.push(quoteJsonString(v));
    else if (typeof v === "bigint") out.push(v.toString());
    else if (typeof v === "number") out.push(formatFloat(v));
    else if (v instanceof JsonNumber) out.push(v.raw);
    else if (v instanceof RawJson) out.push(v.text);
    else if (v instanceof Uint8Array) out.push(`"${encodeGoBase64(v)}"`);
    else if (Array.isArray(v)) {
      out.push("[");
      steps.push("]");
      for (let k = v.length - 1; k >= 0; k--) {
        steps.push({ value: v[k] ?? null });
        if (k > 0) steps.push(",");
      }
    } else if (v instanceof Map) pushEntries([...v.entries()], "{", "}");
    else pushEntries(Object.entries(v), "{", "}");
  }
  return out.join("");
}
