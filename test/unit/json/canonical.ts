/**
 * One text for a decoded value, so that ours and Go's (which json.Marshal writes in full: every
 * struct field, zero or not; map keys sorted; interface{} numbers as float64) can be compared.
 * Struct fields our value leaves out are Go's zero values; interface{} numbers compare as the
 * float64 the daemon would hold; RawMessage compares as its compacted text.
 */

import {
  type GoType,
  type GoValue,
  JsonNumber,
  RawJson,
  compactJson,
  zeroValue,
} from "../../../src/json/decode.js";
import { parseJson } from "../../../src/json/parse.js";

function float(x: number): string {
  return Object.is(x, -0) ? "-0" : String(x);
}

function describe(value: GoValue): string {
  if (value instanceof Map) return "Map";
  if (value instanceof Uint8Array) return "Uint8Array";
  if (Array.isArray(value)) return "array";
  return value === null ? "null" : typeof value;
}

function mismatch(value: GoValue, type: GoType): never {
  throw new Error(`value of kind ${describe(value)} where the type is ${type.kind}`);
}

function isStruct(value: GoValue): value is Record<string, GoValue> {
  return (
    typeof value === "object" &&
    value !== null &&
    Object.getPrototypeOf(value) === null &&
    !(value instanceof Map)
  );
}

/** Iterative: interface{} values may nest 10000 deep. */
function canonicalAny(root: GoValue): string {
  const out: string[] = [];
  const steps: ({ value: GoValue } | string)[] = [{ value: root }];
  for (let step = steps.pop(); step !== undefined; step = steps.pop()) {
    if (typeof step === "string") {
      out.push(step);
      continue;
    }
    const value = step.value;
    if (value === null) out.push("null");
    else if (typeof value === "boolean") out.push(String(value));
    else if (typeof value === "string") out.push(JSON.stringify(value));
    else if (value instanceof JsonNumber) out.push(`f${float(Number(value.raw))}`);
    else if (Array.isArray(value)) {
      out.push("[");
      steps.push("]");
      for (let k = value.length - 1; k >= 0; k--) {
        steps.push({ value: value[k] ?? null });
        if (k > 0) steps.push(",");
      }
    } else if (value instanceof Map) {
      const keys = [...value.keys()].sort();
      out.push("{");
      steps.push("}");
      for (let k = keys.length - 1; k >= 0; k--) {
        const key = keys[k] ?? "";
        steps.push({ value: value.get(key) ?? null });
        steps.push(`${JSON.stringify(key)}:`);
        if (k > 0) steps.push(",");
      }
    } else throw new Error(`not an interface{} value: ${describe(value)}`);
  }
  return out.join("");
}

export function canonical(value: GoValue, type: GoType): string {
  switch (type.kind) {
    case "ptr":
      return value === null ? "null" : `&${canonical(value, type.elem)}`;
    case "struct": {
      if (!isStruct(value)) return mismatch(value, type);
      for (const key of Object.keys(value)) {
        if (!Object.hasOwn(type.fields, key))
          throw new Error(`struct value has unknown field ${key}`);
      }
      const parts = Object.entries(type.fields).map(
        ([name, t]) => `${JSON.stringify(name)}:${canonical(value[name] ?? zeroValue(t), t)}`,
      );
      return `{${parts.join(",")}}`;
    }
    case "map": {
      if (value === null) return "null";
      if (!(value instanceof Map)) return mismatch(value, type);
      const keys = [...value.keys()].sort();
      const parts = keys.map(
        (k) => `${JSON.stringify(k)}:${canonical(value.get(k) ?? null, type.elem)}`,
      );
      return `{${parts.join(",")}}`;
    }
    case "slice":
      if (value === null) return "null";
      if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString("hex")}`;
      if (!Array.isArray(value)) return mismatch(value, type);
      return `[${value.map((v) => canonical(v, type.elem)).join(",")}]`;
    case "string":
      if (typeof value !== "string") return mismatch(value, type);
      return JSON.stringify(value);
    case "bool":
      if (typeof value !== "boolean") return mismatch(value, type);
      return String(value);
    case "int":
      if (typeof value !== "bigint") return mismatch(value, type);
      return `${value}n`;
    case "float":
      if (typeof value !== "number") return mismatch(value, type);
      return float(value);
    case "any":
      return canonicalAny(value);
    case "raw":
      // A nil RawMessage (a field never set) is written as null, like RawMessage("null").
      if (value === null) return "raw:null";
      if (!(value instanceof RawJson)) return mismatch(value, type);
      return `raw:${compactJson(parseJson(value.text))}`;
  }
}
