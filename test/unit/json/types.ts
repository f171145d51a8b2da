/** Go types the JSON tests decode into (the oracle builds the same ones with reflect). */

import type { GoType } from "../../../src/json/decode.js";

export const str: GoType = { kind: "string" };
export const bool: GoType = { kind: "bool" };
export const any: GoType = { kind: "any" };
export const raw: GoType = { kind: "raw" };
export const int8: GoType = { kind: "int", bits: 8 };
export const int16: GoType = { kind: "int", bits: 16 };
export const int32: GoType = { kind: "int", bits: 32 };
export const int64: GoType = { kind: "int", bits: 64 };
export const uint8: GoType = { kind: "int", bits: 8, unsigned: true };
export const uint16: GoType = { kind: "int", bits: 16, unsigned: true };
export const uint32: GoType = { kind: "int", bits: 32, unsigned: true };
export const uint64: GoType = { kind: "int", bits: 64, unsigned: true };
export const float32: GoType = { kind: "float", bits: 32 };
export const float64: GoType = { kind: "float", bits: 64 };
export const slice = (elem: GoType): GoType => ({ kind: "slice", elem });
export const map = (elem: GoType): GoType => ({ kind: "map", elem });
export const ptr = (elem: GoType): GoType => ({ kind: "ptr", elem });
export const struct = (fields: Record<string, GoType>): GoType => ({ kind: "struct", fields });
export const bytes: GoType = slice(uint8);

export const ULIMIT = struct({ Name: str, Soft: int64, Hard: int64 });

/** A slice of the create-container body, with the shapes that make decoding interesting. */
export const HOST_CONFIG = struct({
  Privileged: bool,
  Memory: int64,
  PidsLimit: ptr(int64),
  BlkioWeight: uint16,
  OomScoreAdj: int32,
  CpuShares: int64,
  NanoCpus: int64,
  CapAdd: slice(str),
  SecurityOpt: slice(str),
  Binds: slice(str),
  Ulimits: slice(ptr(ULIMIT)),
  Sysctls: map(str),
  ReadonlyPaths: slice(str),
  OomKillDisable: ptr(bool),
});

export const CONTAINER = struct({
  Image: str,
  Cmd: slice(str),
  Env: slice(str),
  Labels: map(str),
  User: str,
  Tty: bool,
  HostConfig: ptr(HOST_CONFIG),
  // Only the Kelvin sign and the long s fold onto ASCII letters: fields with k and s.
  Kernel: str,
  Ks: int8,
  // Non-ASCII field names, matched with bytes.EqualFold.
  ſtraße: str,
  Ünïcode: uint8,
  Σίσυφος: str,
  // Field names that fold equal: Go takes the first in declaration order.
  Foo: str,
  FOO: int64,
  // Names that need escaping in a JSON pointer.
  "a/b~c": str,
  U16: uint16,
  U32: uint32,
  U64: uint64,
  I16: int16,
  F32: float32,
  F64: float64,
  Any: any,
  Raw: raw,
  Bytes: bytes,
  Nested: struct({ Inner: struct({ Deep: slice(map(ptr(int64))) }) }),
  Anys: slice(any),
});
