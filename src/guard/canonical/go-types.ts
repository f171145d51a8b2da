/**
 * A small language for writing down the Go types the daemon decodes request bodies into, as
 * the GoType data src/json/decode.ts understands, plus what that decoder leaves to its callers:
 *
 * - embedded structs: Go promotes an embedded struct's fields into the parent object. `struct`
 *   flattens them with Go's precedence (the shallowest field of a name wins) and remembers which
 *   fields came through an embedded POINTER, because Go allocates that pointer as soon as one
 *   of its keys appears, even with `null` (runconfig's legacy top-level HostConfig depends on it);
 * - `strslice.StrSlice`: a custom UnmarshalJSON that takes a string or an array of strings;
 * - fixed-size arrays (`[2]uint`): Go fills them from the front, zeroes the rest and skips extra
 *   elements WITHOUT decoding them.
 *
 * Schemas are module-level constants; these registries key on the GoType objects themselves.
 */

import type { GoType } from "../../json/decode.js";

export type StructType = GoType & { kind: "struct" };

const EMBED: unique symbol = Symbol("embed");

/** A struct embedded without a JSON tag: its fields are promoted into the parent. */
export interface Embedded {
  readonly [EMBED]: true;
  readonly type: StructType;
  /** `*T` rather than `T` */
  readonly pointer: boolean;
}

interface FlatField {
  name: string;
  type: GoType;
  depth: number;
  /** reached through at least one embedded pointer */
  viaPointer: boolean;
}

const flatFields = new WeakMap<GoType, readonly FlatField[]>();
const embeddedPointerFields = new WeakMap<GoType, ReadonlySet<string>>();
const structNames = new WeakMap<GoType, string>();
const strSlices = new WeakSet<GoType>();
const arrayLengths = new WeakMap<GoType, number>();

function isEmbedded(member: GoType | Embedded): member is Embedded {
  return EMBED in member;
}

/**
 * A Go struct: `members` in declaration order, each a field under its JSON name (the `json:"…"`
 * tag name, else the Go field name) or an `embed(…)` under the embedded type's name.
 *
 * Go's rule for promoted fields (encoding/json typeFields): of several fields with one JSON
 * name the shallowest wins; two at the same depth cancel out unless exactly one is tagged.
 * No struct modelled here has such a tie, so a tie is a modelling error and throws.
 */
export function struct(
  name: string,
  members: Readonly<Record<string, GoType | Embedded>>,
): StructType {
  const all: FlatField[] = [];
  for (const [key, member] of Object.entries(members)) {
    if (!isEmbedded(member)) {
      all.push({ name: key, type: member, depth: 0, viaPointer: false });
      continue;
    }
    for (const f of flatFields.get(member.type) ?? []) {
      all.push({ ...f, depth: f.depth + 1, viaPointer: f.viaPointer || member.pointer });
    }
  }
  const shallowest = new Map<string, number>();
  for (const f of all) {
    shallowest.set(f.name, Math.min(shallowest.get(f.name) ?? Infinity, f.depth));
  }
  const flat: FlatField[] = [];
  for (const f of all) {
    if (f.depth !== shallowest.get(f.name)) continue;
    if (flat.some((g) => g.name === f.name)) {
      throw new Error(`${name}: two fields named ${f.name} at one depth; model Go's tie-break`);
    }
    flat.push(f);
  }
  const type: StructType = {
    kind: "struct",
    fields: Object.fromEntries(flat.map((f) => [f.name, f.type])),
  };
  flatFields.set(type, flat);
  embeddedPointerFields.set(type, new Set(flat.filter((f) => f.viaPointer).map((f) => f.name)));
  structNames.set(type, name);
  return type;
}

export function embed(type: StructType, options: { pointer?: boolean } = {}): Embedded {
  return { [EMBED]: true, type, pointer: options.pointer ?? false };
}

/** Fields of `type` promoted from an embedded pointer (Go allocates it for any of them). */
export function fieldsViaEmbeddedPointer(type: GoType): ReadonlySet<string> {
  return embeddedPointerFields.get(type) ?? new Set();
}

/** The Go name a struct was declared with, e.g. "container.HostConfig". */
export function structName(type: GoType): string | undefined {
  return structNames.get(type);
}

export function isStrSlice(type: GoType): boolean {
  return strSlices.has(type);
}

/** The length of a fixed-size Go array type, or undefined for a slice. */
export function arrayLength(type: GoType): number | undefined {
  return arrayLengths.get(type);
}

const int64: GoType = { kind: "int", bits: 64 };
const uint64: GoType = { kind: "int", bits: 64, unsigned: true };
const uint32: GoType = { kind: "int", bits: 32, unsigned: true };
const uint16: GoType = { kind: "int", bits: 16, unsigned: true };
const uint8: GoType = { kind: "int", bits: 8, unsigned: true };
const string: GoType = { kind: "string" };
const bool: GoType = { kind: "bool" };
const float32: GoType = { kind: "float", bits: 32 };
const float64: GoType = { kind: "float", bits: 64 };

function slice(elem: GoType): GoType {
  return { kind: "slice", elem };
}

const strSlice: GoType = slice(string);
strSlices.add(strSlice);

/**
 * The Go types, named as Go names them. `int` and `uint` are 64 bits, as on amd64 and arm64; a
 * 32-bit daemon refuses more values than these schemas, never fewer.
 */
export const go = {
  string,
  bool,
  int: int64,
  int64,
  uint: uint64,
  uint64,
  uint32,
  uint16,
  uint8,
  float32,
  float64,
  /** time.Duration: int64 nanoseconds, no unit strings */
  duration: int64,
  /** os.FileMode */
  fileMode: uint32,
  /** []byte: a base64 string (or an array of numbers) in JSON */
  bytes: slice(uint8),
  /** strslice.StrSlice: `"a"` decodes as `["a"]` */
  strSlice,
  slice,
  ptr(elem: GoType): GoType {
    return { kind: "ptr", elem };
  },
  /** map[K]V for a string-kinded K: keys match exactly, never folded */
  map(elem: GoType): GoType {
    return { kind: "map", elem };
  },
  /** [n]T */
  array(length: number, elem: GoType): GoType {
    const type = slice(elem);
    arrayLengths.set(type, length);
    return type;
  },
} as const;

/** map[string]struct{}: nat.PortSet, Config.Volumes */
export const stringSet: GoType = go.map(struct("struct{}", {}));
