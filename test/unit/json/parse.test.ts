import { describe, expect, it } from "vitest";

import { type JsonNode, JsonSyntaxError, type Pos, parseJson } from "../../../src/json/parse.js";
import { decodeGoUtf8 } from "../../../src/json/utf8.js";
import { SYNTAX_CASES } from "./syntax-cases.js";

function thrown(input: string | Uint8Array): JsonSyntaxError {
  try {
    parseJson(input);
  } catch (err) {
    if (err instanceof JsonSyntaxError) return err;
    throw err;
  }
  throw new Error("parseJson accepted the document");
}

function input(doc: string | readonly number[]): string | Uint8Array {
  return typeof doc === "string" ? doc : Uint8Array.from(doc);
}

/** The node with positions as "line:column" pairs, for compact expectations. */
function outline(node: JsonNode): unknown {
  const at = (p: Pos): string => `${p.line}:${p.column}`;
  const span = `${at(node.start)}-${at(node.end)}`;
  switch (node.kind) {
    case "object":
      return {
        object: span,
        members: node.members.map((m) => [m.key, at(m.keyStart), outline(m.value)]),
      };
    case "array":
      return { array: span, items: node.items.map(outline) };
    case "number":
      return [node.raw, span];
    case "null":
      return [null, span];
    default:
      return [node.value, span];
  }
}

function stringValue(doc: string | Uint8Array): string {
  const node = parseJson(doc);
  if (node.kind !== "string") throw new Error(`not a string: ${node.kind}`);
  return node.value;
}

describe("parseJson: syntax errors as Go reports them", () => {
  it.each(SYNTAX_CASES)("$name", ({ doc, goMessage, line, column }) => {
    const err = thrown(input(doc));
    expect(err.goMessage).toBe(goMessage);
    expect([err.pos.line, err.pos.column]).toEqual([line, column]);
    expect(err.message).toBe(`${goMessage} (line ${line}, column ${column})`);
    expect(err.name).toBe("JsonSyntaxError");
  });

  it("places an error at the end of the text at its length", () => {
    expect(thrown('{"a":\n').pos).toEqual({ offset: 6, line: 2, column: 1 });
  });

  it("accepts 10000 nested arrays (Go's limit) without exhausting the stack", () => {
    const node = parseJson("[".repeat(10000) + "]".repeat(10000));
    let depth = 0;
    for (let n: JsonNode | undefined = node; n?.kind === "array"; n = n.items[0]) depth++;
    expect(depth).toBe(10000);
  });
});

describe("parseJson: values and positions", () => {
  it("keeps members in document order, duplicates and fold variants included", () => {
    expect(outline(parseJson('{"b":1,"a":2,"b":3,"B":4}'))).toEqual({
      object: "1:1-1:26",
      members: [
        ["b", "1:2", ["1", "1:6-1:7"]],
        ["a", "1:8", ["2", "1:12-1:13"]],
        ["b", "1:14", ["3", "1:18-1:19"]],
        ["B", "1:20", ["4", "1:24-1:25"]],
      ],
    });
  });

  it("positions nested values across LF, CRLF and CR lines", () => {
    const doc = '{\n  "x": [true,\r\n    null],\r  "y": "z"\n}';
    expect(outline(parseJson(doc))).toEqual({
      object: "1:1-5:2",
      members: [
        [
          "x",
          "2:3",
          {
            array: "2:8-3:10",
            items: [
              [true, "2:9-2:13"],
              [null, "3:5-3:9"],
            ],
          },
        ],
        ["y", "4:3", ["z", "4:8-4:11"]],
      ],
    });
  });

  it("counts columns in UTF-16 code units and offsets as string indices", () => {
    const node = parseJson('["😀", 1]');
    expect(node.kind === "array" && node.items[1]?.start).toEqual({
      offset: 7,
      line: 1,
      column: 8,
    });
  });

  it.each([
    ["0", "0"],
    ["-0", "-0"],
    ["1E400", "1E400"],
    ["-12.50e-007", "-12.50e-007"],
    ["123456789012345678901234567890", "123456789012345678901234567890"],
    ["18446744073709551616", "18446744073709551616"],
  ])("keeps the number %s as written", (doc, raw) => {
    expect(parseJson(` ${doc} `)).toMatchObject({ kind: "number", raw });
  });

  it.each([
    ["true", { kind: "boolean", value: true }],
    ["false", { kind: "boolean", value: false }],
    ["null", { kind: "null" }],
    ["[]", { kind: "array", items: [] }],
    ["{}", { kind: "object", members: [] }],
    [' \t\r\n"" \t\r\n', { kind: "string", value: "" }],
  ])("reads %j", (doc, expected) => {
    expect(parseJson(doc)).toMatchObject(expected);
  });
});

describe("parseJson: strings as Go unquotes them", () => {
  it.each([
    ["simple escapes", String.raw`"\" \\ \/ \b \f \n \r \t"`, '" \\ / \b \f \n \r \t'],
    ["BMP escape", String.raw`"\u00e9\u0000"`, "é\u0000"],
    ["uppercase hex", String.raw`"\u00E9"`, "é"],
    ["surrogate pair", String.raw`"\ud83d\ude00"`, "😀"],
    ["lone high surrogate", String.raw`"\ud83dx"`, "\ufffdx"],
    ["lone low surrogate", String.raw`"\ude00"`, "\ufffd"],
    ["reversed pair", String.raw`"\ude00\ud83d"`, "\ufffd\ufffd"],
    ["high then a BMP escape", String.raw`"\ud83d\u0041"`, "\ufffdA"],
    ["two highs then a low", String.raw`"\ud83d\ud83d\ude00"`, "\ufffd😀"],
    ["high then an escaped backslash", String.raw`"\ud83d\\u"`, "\ufffd\\u"],
    ["raw non-BMP character", '"a😀b"', "a😀b"],
    ["raw DEL and U+2028 are fine", '"\u007f\u2028"', "\u007f\u2028"],
  ])("%s", (_name, doc, value) => {
    expect(stringValue(doc)).toBe(value);
  });

  it("replaces a lone surrogate in a JS string the way Node would encode it for Go", () => {
    expect(stringValue('"a\ud800b\udc00"')).toBe("a\ufffdb\ufffd");
  });
});

describe("parseJson over bytes: Go's UTF-8 decoding", () => {
  const bytes = (...b: number[]): Uint8Array => Uint8Array.from([0x22, ...b, 0x22]);

  it.each([
    ["valid two-byte", [0xc3, 0xa9], "é"],
    ["valid four-byte", [0xf0, 0x9f, 0x98, 0x80], "😀"],
    ["each undecodable byte alone", [0x80, 0xbf], "\ufffd\ufffd"],
    // WHATWG would give ONE U+FFFD for a truncated sequence; Go gives one per byte.
    ["truncated three-byte sequence", [0xe2, 0x82, 0x41], "\ufffd\ufffdA"],
    ["truncated four-byte sequence", [0xf0, 0x9f, 0x98], "\ufffd\ufffd\ufffd"],
    ["overlong NUL", [0xc0, 0x80], "\ufffd\ufffd"],
    ["overlong slash", [0xe0, 0x80, 0xaf], "\ufffd\ufffd\ufffd"],
    ["encoded surrogate", [0xed, 0xa0, 0x80], "\ufffd\ufffd\ufffd"],
    ["above U+10FFFF", [0xf4, 0x90, 0x80, 0x80], "\ufffd\ufffd\ufffd\ufffd"],
    ["0xF5 lead", [0xf5, 0x80, 0x80, 0x80], "\ufffd\ufffd\ufffd\ufffd"],
    ["largest rune", [0xf4, 0x8f, 0xbf, 0xbf], "\u{10ffff}"],
  ])("%s", (_name, inner, value) => {
    expect(stringValue(bytes(...inner))).toBe(value);
  });

  it("gives positions in the decoded text", () => {
    const node = parseJson(Uint8Array.from([0x5b, 0x22, 0xe2, 0x82, 0x22, 0x2c, 0x31, 0x5d]));
    expect(node.kind === "array" && node.items[1]?.start).toEqual({
      offset: 6,
      line: 1,
      column: 7,
    });
  });

  it("decodes long invalid input in chunks", () => {
    const junk = new Uint8Array(20000).fill(0xff);
    const { text, invalidBytes } = decodeGoUtf8(junk);
    expect(text).toBe("\ufffd".repeat(20000));
    expect(invalidBytes.get(19999)).toBe(0xff);
  });

  it("reads a Buffer like a Uint8Array and keeps a BOM to reject it", () => {
    expect(thrown(Buffer.from("\ufeff{}")).goMessage).toBe(
      "invalid character 'ï' looking for beginning of value",
    );
    expect(parseJson(Buffer.from('{"a":"é"}'))).toMatchObject({
      members: [{ key: "a", value: { value: "é" } }],
    });
  });
});
