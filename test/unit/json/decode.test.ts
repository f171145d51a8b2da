import { describe, expect, it } from "vitest";

import { decodeGoBase64 } from "../../../src/json/base64.js";
import {
  type DecodeIssue,
  type GoType,
  type GoValue,
  JsonNumber,
  RawJson,
  decodeGo,
  goTypeName,
  serializeGo,
} from "../../../src/json/decode.js";
import { parseFloat32 } from "../../../src/json/float32.js";
import { parseJson } from "../../../src/json/parse.js";
import { DECODE_CASES } from "./decode-cases.js";
import {
  CONTAINER,
  any,
  bytes,
  float32,
  int64,
  map,
  ptr,
  raw,
  slice,
  str,
  struct,
} from "./types.js";

function decode(type: GoType, doc: string | readonly number[]) {
  return decodeGo(parseJson(typeof doc === "string" ? doc : Uint8Array.from(doc)), type);
}

const brief = (i: DecodeIssue): string => `${i.code} ${i.pointer} ${i.pos.line}:${i.pos.column}`;

describe("decodeGo", () => {
  it.each(DECODE_CASES)("$name", ({ type, doc, value, issues }) => {
    const result = decode(type, doc);
    expect(result.issues.map(brief)).toEqual(issues);
    if (value !== undefined) expect(serializeGo(result.value)).toBe(value);
  });

  it("builds structs as null-prototype objects under canonical names", () => {
    const { value } = decode(CONTAINER, '{"image":"x","__proto__":1,"constructor":2}');
    expect(Object.getPrototypeOf(value)).toBeNull();
    expect(Object.keys(value as object)).toEqual(["Image"]);
  });

  it("keeps __proto__ as an ordinary map key", () => {
    const { value } = decode(map(str), '{"__proto__":"x","constructor":"y"}');
    expect(value).toEqual(
      new Map([
        ["__proto__", "x"],
        ["constructor", "y"],
      ]),
    );
  });

  it("returns interface{} values as Maps, arrays and JsonNumbers", () => {
    const { value } = decode(any, '{"a":[1.0,"s",null,true],"b":{}}');
    expect(value).toEqual(
      new Map<string, GoValue>([
        ["a", [new JsonNumber("1.0"), "s", null, true]],
        ["b", new Map()],
      ]),
    );
  });

  it("lets the last duplicate win inside interface{}, in the first one's place", () => {
    const { value } = decode(any, '{"a":1,"b":2,"a":3}');
    expect(serializeGo(value)).toBe('{"a":3,"b":2}');
  });

  it("reports the type error's position and a message naming both sides", () => {
    const { issues } = decode(CONTAINER, '{\n  "HostConfig": {\n    "Memory": "1g"\n  }\n}');
    expect(issues).toEqual([
      {
        code: "type",
        pointer: "/HostConfig/Memory",
        pos: { offset: 34, line: 3, column: 15 },
        message: "a string cannot be decoded into Go int64",
      },
    ]);
  });

  it.each([
    ['{"Image":"a","image":"b"}', '"image" sets field "Image" again (first at line 1, column 2)'],
    ['{"Image":"a","Image":"b"}', 'field "Image" is set twice (first at line 1, column 2)'],
    ['{"Labels":{"a":"","a":""}}', 'key "a" repeats (first at line 1, column 12)'],
  ])("explains the duplicate in %s", (doc, start) => {
    const [issue] = decode(CONTAINER, doc).issues;
    expect(issue?.message.startsWith(start)).toBe(true);
  });

  it("decodes 10000 levels of interface{} without exhausting the stack", () => {
    const doc =
      '{"a":'.repeat(5000) + "[".repeat(4999) + "1e999" + "]".repeat(4999) + "}".repeat(5000);
    const { value, issues } = decode(any, doc);
    expect(issues.map((i) => i.code)).toEqual(["range"]);
    expect(issues[0]?.pointer).toBe("/a".repeat(5000) + "/0".repeat(4999));
    expect(serializeGo(value)).toBe(doc);
  });

  it("serializes RawMessage compacted and keeps what it holds", () => {
    const { value } = decode(
      struct({ R: raw }),
      '{"R": { "b" : [ 1.50 , "\\u00e9\\n" ] , "b":null } }',
    );
    expect(value).toEqual(
      Object.assign(Object.create(null), { R: new RawJson('{"b":[1.50,"é\\n"],"b":null}') }),
    );
  });
});

describe("goTypeName", () => {
  it.each([
    [slice(ptr(map(any))), "[]*map[string]interface {}"],
    [bytes, "[]uint8"],
    [float32, "float32"],
    [raw, "json.RawMessage"],
    [CONTAINER, "struct"],
  ])("names %j", (type, name) => {
    expect(goTypeName(type)).toBe(name);
  });
});

describe("serializeGo", () => {
  it.each<[string, GoValue, string]>([
    ["exact ints", [2n ** 64n - 1n, -(2n ** 63n)], "[18446744073709551615,-9223372036854775808]"],
    ["floats as Go writes them", [1e21, 1e-7, 123.5, -0, 5e-324], "[1e+21,1e-7,123.5,-0,5e-324]"],
    [
      "strings escaped for Go",
      ['"\\\n\r\t\u0001\u001f\u2028\u2029é😀'],
      '["\\"\\\\\\n\\r\\t\\u0001\\u001f\\u2028\\u2029é😀"]',
    ],
    ["a lone surrogate as the U+FFFD Go would read", ["a\ud800b\udc00"], '["a\ufffdb\ufffd"]'],
    ["bytes as base64", [Uint8Array.from([0, 255, 16])], '["AP8Q"]'],
    [
      "struct fields in their order",
      Object.assign(Object.create(null), { B: 1n, A: null }),
      '{"B":1,"A":null}',
    ],
    [
      "maps in insertion order",
      new Map<string, GoValue>([
        ["z", true],
        ["a", false],
      ]),
      '{"z":true,"a":false}',
    ],
  ])("%s", (_name, value, text) => {
    expect(serializeGo(value)).toBe(text);
  });

  it("refuses a non-finite float, which has no JSON form", () => {
    expect(() => serializeGo(Number.NaN)).toThrow(RangeError);
  });

  it("round-trips a decoded value through parse and decode", () => {
    const doc =
      '{"iMage":"x","Env":["a\\u0000",null],"HostConfig":{"Memory":-9223372036854775808,"Ulimits":[null,{"Name":"n"}]},"F32":0.1,"Bytes":"AQID","Any":{"k":[1e2,"v"]},"Raw":[1 , 2]}';
    const first = decode(CONTAINER, doc);
    expect(first.issues).toEqual([]);
    const text = serializeGo(first.value);
    const second = decode(CONTAINER, text);
    expect(second.issues).toEqual([]);
    expect(serializeGo(second.value)).toBe(text);
    expect(second.value).toEqual(first.value);
  });
});

describe("parseFloat32", () => {
  it.each<[string, number | undefined]>([
    ["0.1", Math.fround(0.1)],
    ["-0", -0],
    ["-1e-50", -0],
    // exactly halfway between 2^24 and 2^24+2: ties to the even significand
    ["16777217", 16777216],
    ["16777219", 16777220],
    // a hair above or below the midpoint: float64 rounds it onto the midpoint, float32 must not
    ["16777217.000000000001", 16777218],
    ["16777218.999999999999", 16777218],
    ["16777216.999999999999", 16777216],
    [`16777217.${"0".repeat(900)}1`, 16777218],
    // the smallest subnormal and the midpoint below it
    ["1.401298464324817e-45", 2 ** -149],
    ["7.006492321624085e-46", 0],
    ["7.006492321624085783e-46", 2 ** -149],
    // the largest finite float32 and the overflow boundary (its midpoint with 2^128)
    ["3.4028234663852886e38", 3.4028234663852886e38],
    ["340282356779733661637539395458142568447.99", 3.4028234663852886e38],
    ["340282356779733661637539395458142568448", undefined],
    ["1e39", undefined],
    ["1e400", undefined],
  ])("%s", (raw, value) => {
    expect(parseFloat32(raw)).toBe(value);
  });
});

describe("decodeGoBase64", () => {
  it.each<[string, number[] | string]>([
    ["", []],
    ["AQID", [1, 2, 3]],
    ["AQI=", [1, 2]],
    ["AQ==", [1]],
    ["AQ\r\n==\n", [1]],
    ["\nAQ=\r=", [1]],
    ["AR==", [1]], // StdEncoding does not check the unused bits
    ["AQ", "illegal base64 data at input byte 0"],
    ["AQI", "illegal base64 data at input byte 0"],
    ["A===", "illegal base64 data at input byte 1"],
    ["AQ=", "illegal base64 data at input byte 3"],
    ["AQ=A", "illegal base64 data at input byte 2"],
    ["AQ==AQ==", "illegal base64 data at input byte 4"],
    ["AQ-_", "illegal base64 data at input byte 2"],
    ["AQ I=", "illegal base64 data at input byte 2"],
    ["é", "illegal base64 data at input byte 0"],
  ])("%j", (text, expected) => {
    if (typeof expected === "string") expect(() => decodeGoBase64(text)).toThrow(expected);
    else expect([...decodeGoBase64(text)]).toEqual(expected);
  });
});

describe("decoding into pointers", () => {
  it("allocates a pointer for a present value and keeps null as nil", () => {
    const type = struct({ P: ptr(int64), Q: ptr(ptr(str)) });
    expect(serializeGo(decode(type, '{"P":0,"Q":null}').value)).toBe('{"P":0,"Q":null}');
    expect(serializeGo(decode(type, '{"Q":"x"}').value)).toBe('{"Q":"x"}');
  });
});
