/**
 * Seeded document generators for the Go differential tests: documents shaped like a Go type but
 * full of what makes decoding hard (fold variants, duplicates, edge numbers, escapes, nulls,
 * wrong kinds), and byte-level mutations of them (mostly syntax errors, some invalid UTF-8).
 */

import type { GoType } from "../../../src/json/decode.js";

/** mulberry32: small, fast, and the same sequence on every machine. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Gen {
  constructor(readonly random: () => number) {}

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }
}

const INTEGERS = [
  "0",
  "-0",
  "1",
  "-1",
  "7",
  "127",
  "128",
  "-128",
  "-129",
  "255",
  "256",
  "32767",
  "32768",
  "-32768",
  "-32769",
  "65535",
  "65536",
  "2147483647",
  "2147483648",
  "-2147483648",
  "-2147483649",
  "4294967295",
  "4294967296",
  "9007199254740993",
  "9223372036854775807",
  "9223372036854775808",
  "-9223372036854775808",
  "-9223372036854775809",
  "18446744073709551615",
  "18446744073709551616",
  "100000000000000000000000000000",
];

const NON_INTEGERS = [
  "1.0",
  "1e3",
  "1E0",
  "0.5",
  "-1.5e2",
  "1e-1",
  "0e0",
  "-0.0",
  "12e+1",
  "9.223372036854775807e18",
];

const FLOATS = [
  "0.1",
  "1e-7",
  "1e21",
  "1e20",
  "123456.789",
  "0.30000000000000004",
  "5e-324",
  "4.9e-324",
  "2.4703282292062327e-324",
  "2.4703282292062328e-324",
  "1e-400",
  "-1e-400",
  "1e400",
  "-1e400",
  "1.7976931348623157e308",
  "1.7976931348623158e308",
  "1.7976931348623159e308",
  "3.4028234663852886e38",
  "3.4028235677973366e38",
  "3.4028235677973367e38",
  "3.4028236e38",
  "1e39",
  "1.401298464324817e-45",
  "7.006492321624085e-46",
  "7.006492321624086e-46",
  "1.1754943508222875e-38",
  "16777217",
  "16777217.000000000001",
  "16777216.999999999999",
  "16777219",
  "33554435",
  "0.000000059604644775390625",
  "8.98846567431158e307",
  "123456789012345678901234567890e-10",
  "0.1e1",
  "-0",
];

const STRINGS = [
  "",
  "x",
  "busybox:latest",
  "\\u00e9",
  "\\ud83d\\ude00",
  "\\ud800",
  "\\udc00\\ud800",
  "\\ud83d\\u0041",
  "\\ud83d\\ud83d\\ude00",
  "😀",
  "\\/",
  "\\u0000",
  "\\b\\f\\n\\r\\t",
  "<&>",
  "\u2028",
  "\\u2029",
  '\\"\\\\',
  "seccomp=unconfined",
  "ſ",
  "\\u212a",
  "İı",
  "ß",
  "\u00a0",
  "\\uFFFD",
  "\\uDBFF\\uDFFF",
];

const BASE64 = [
  "",
  "AQI=",
  "AQ==",
  "AQID",
  "AQ",
  "AQI",
  "A===",
  "AQ=\\n=",
  "AQ\\r\\nI=",
  "_-8=",
  "AQI=AQI=",
  "AQIDBA==",
  "QUJD\\n",
  "////",
  "AB=C",
  "A",
  "AQJ=",
  "YQ==\\n\\n",
  " AQI=",
  "AQI= ",
  "=",
  "\\u0041QI=",
];

const UNKNOWN_KEYS = ["Unknown", "Imagee", "", "x", "Host Config", "ＩＭＡＧＥ", "image\\u0000"];

/** Case-flips, long s, Kelvin sign, escapes: every spelling Go might match to `name`. */
function keyVariant(g: Gen, name: string): string {
  const roll = g.random();
  if (roll < 0.55) return name;
  let out = "";
  for (const ch of name) {
    let c = ch;
    if (g.chance(0.4)) c = g.chance(0.5) ? c.toUpperCase() : c.toLowerCase();
    if ((c === "s" || c === "S") && g.chance(0.5)) c = "ſ";
    if ((c === "k" || c === "K") && g.chance(0.5)) c = g.chance(0.5) ? "\u212a" : "\\u212A";
    if (c === "i" && g.chance(0.2)) c = "ı";
    if (c.length === 1 && g.chance(0.05)) {
      c = `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`;
    }
    out += c;
  }
  return out;
}

function space(g: Gen): string {
  return g.chance(0.8) ? "" : g.pick([" ", "\t", "\n", "\r\n", "  ", "\r"]);
}

function quote(s: string): string {
  return `"${s}"`;
}

/** A JSON value of any shape (for wrong kinds, interface{}, RawMessage). */
function anyValue(g: Gen, depth: number): string {
  const roll = g.int(depth > 2 ? 5 : 7);
  switch (roll) {
    case 0:
      return "null";
    case 1:
      return g.pick(["true", "false"]);
    case 2:
      return g.pick([...INTEGERS, ...NON_INTEGERS, ...FLOATS]);
    case 3:
    case 4:
      return quote(g.pick(STRINGS));
    case 5: {
      const n = g.int(4);
      const items = Array.from({ length: n }, () => space(g) + anyValue(g, depth + 1) + space(g));
      return `[${items.join(",")}]`;
    }
    default: {
      const n = g.int(4);
      const keys = ["a", "b", "A", "\\u0061", "é"];
      const members = Array.from(
        { length: n },
        () => `${space(g)}${quote(g.pick(keys))}${space(g)}:${space(g)}${anyValue(g, depth + 1)}`,
      );
      return `{${members.join(",")}}`;
    }
  }
}

/** A document shaped like `type`, with a controlled dose of trouble. */
export function generate(g: Gen, type: GoType, depth = 0): string {
  if (g.chance(0.06)) return "null";
  if (g.chance(0.05)) return anyValue(g, depth + 2);
  switch (type.kind) {
    case "ptr":
      return generate(g, type.elem, depth);
    case "struct": {
      const names = Object.keys(type.fields);
      const members: string[] = [];
      const count = g.int(Math.min(names.length, 6) + 1);
      for (let k = 0; k < count; k++) {
        const name = g.pick(names);
        const fieldType = type.fields[name];
        if (fieldType === undefined) continue;
        let key: string;
        let value: string;
        if (g.chance(0.06)) {
          key = g.pick(UNKNOWN_KEYS);
          value = anyValue(g, depth + 1);
        } else {
          key = keyVariant(g, name);
          value = generate(g, fieldType, depth + 1);
        }
        members.push(`${space(g)}${quote(key)}${space(g)}:${space(g)}${value}${space(g)}`);
        // Occasionally the same key again, or another spelling of it.
        if (g.chance(0.04))
          members.push(`${quote(keyVariant(g, name))}:${generate(g, fieldType, depth + 1)}`);
      }
      return `{${members.join(",")}}`;
    }
    case "map": {
      const n = g.int(4);
      const keys = ["a", "A", "b", "\\u0061", "", "ſ", "a/b", "~"];
      const members = Array.from(
        { length: n },
        () => `${quote(g.pick(keys))}:${space(g)}${generate(g, type.elem, depth + 1)}`,
      );
      return `{${members.join(",")}}`;
    }
    case "slice": {
      const elem = type.elem;
      if (elem.kind === "int" && elem.bits === 8 && elem.unsigned === true && g.chance(0.6)) {
        return quote(g.pick(BASE64));
      }
      const n = g.int(4);
      const items = Array.from({ length: n }, () => space(g) + generate(g, elem, depth + 1));
      return `[${items.join(",")}]`;
    }
    case "string":
      return quote(g.pick(STRINGS));
    case "bool":
      return g.pick(["true", "false"]);
    case "int":
      return g.chance(0.85) ? g.pick(INTEGERS) : g.pick(NON_INTEGERS);
    case "float":
      return g.chance(0.7) ? g.pick(FLOATS) : g.pick(INTEGERS);
    case "any":
    case "raw":
      return anyValue(g, depth);
  }
}

const INTERESTING_BYTES = [
  0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x20, 0x0a, 0x0d, 0x09, 0x00, 0x01, 0x1f, 0x7f,
  0x80, 0xa0, 0xad, 0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf8, 0xff, 0x2d, 0x2e, 0x30,
  0x31, 0x65, 0x2b, 0x74, 0x6e, 0x75, 0x2f, 0x27, 0x0b, 0x0c,
];

/** One to three byte-level edits: delete, insert, replace, truncate, duplicate a span. */
export function mutate(g: Gen, doc: Uint8Array): Uint8Array {
  let bytes = [...doc];
  const edits = 1 + g.int(3);
  for (let k = 0; k < edits; k++) {
    const at = g.int(bytes.length + 1);
    switch (g.int(6)) {
      case 0:
        bytes.splice(at, 1);
        break;
      case 1:
        bytes.splice(at, 0, g.pick(INTERESTING_BYTES));
        break;
      case 2:
        if (at < bytes.length) bytes[at] = g.pick(INTERESTING_BYTES);
        break;
      case 3:
        bytes = bytes.slice(0, at);
        break;
      case 4: {
        const len = 1 + g.int(8);
        bytes.splice(at, 0, ...bytes.slice(at, at + len));
        break;
      }
      default:
        // A BOM or a multi-byte character somewhere.
        bytes.splice(
          at,
          0,
          ...g.pick([
            [0xef, 0xbb, 0xbf],
            [0xc3, 0xa9],
            [0xe2, 0x82],
            [0xf0, 0x9f, 0x98, 0x80],
          ]),
        );
    }
  }
  return Uint8Array.from(bytes);
}
