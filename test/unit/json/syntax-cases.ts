/**
 * Documents Go's json.Unmarshal rejects, with Go's message and where we place the error.
 * parse.test.ts checks parseJson against this table; go-oracle.test.ts checks the table against
 * Go itself (message byte for byte, and Go's byte Offset against our position).
 */

export interface SyntaxCase {
  name: string;
  /** the document: text (sent as UTF-8) or raw bytes */
  doc: string | readonly number[];
  goMessage: string;
  line: number;
  column: number;
}

const EOF = "unexpected end of JSON input";

export const SYNTAX_CASES: readonly SyntaxCase[] = [
  // the end of input, including Go's "feed a space at the end" quirk
  { name: "empty", doc: "", goMessage: EOF, line: 1, column: 1 },
  { name: "only whitespace", doc: " \t\r\n ", goMessage: EOF, line: 2, column: 2 },
  { name: "open object", doc: "{", goMessage: EOF, line: 1, column: 2 },
  { name: "open key", doc: '{"a', goMessage: EOF, line: 1, column: 4 },
  { name: "key without colon", doc: '{"a"', goMessage: EOF, line: 1, column: 5 },
  { name: "key without value", doc: '{"a":', goMessage: EOF, line: 1, column: 6 },
  { name: "open array", doc: "[1,", goMessage: EOF, line: 1, column: 4 },
  { name: "unterminated string", doc: '"abc', goMessage: EOF, line: 1, column: 5 },
  {
    name: "cut literal",
    doc: "tru",
    goMessage: "invalid character ' ' in literal true (expecting 'e')",
    line: 1,
    column: 4,
  },
  {
    name: "cut null",
    doc: "[nu",
    goMessage: "invalid character ' ' in literal null (expecting 'l')",
    line: 1,
    column: 4,
  },
  {
    name: "cut after minus",
    doc: "-",
    goMessage: "invalid character ' ' in numeric literal",
    line: 1,
    column: 2,
  },
  {
    name: "cut after point",
    doc: "1.",
    goMessage: "invalid character ' ' after decimal point in numeric literal",
    line: 1,
    column: 3,
  },
  {
    name: "cut exponent",
    doc: "1e+",
    goMessage: "invalid character ' ' in exponent of numeric literal",
    line: 1,
    column: 4,
  },
  {
    name: "cut escape",
    doc: '"\\',
    goMessage: "invalid character ' ' in string escape code",
    line: 1,
    column: 3,
  },
  {
    name: "cut \\u escape",
    doc: '"\\u12',
    goMessage: "invalid character ' ' in \\u hexadecimal character escape",
    line: 1,
    column: 6,
  },

  // literals and numbers
  {
    name: "wrong letter",
    doc: "trUe",
    goMessage: "invalid character 'U' in literal true (expecting 'u')",
    line: 1,
    column: 3,
  },
  {
    name: "False",
    doc: "False",
    goMessage: "invalid character 'F' looking for beginning of value",
    line: 1,
    column: 1,
  },
  {
    name: "NaN",
    doc: "[NaN]",
    goMessage: "invalid character 'N' looking for beginning of value",
    line: 1,
    column: 2,
  },
  {
    name: "leading plus",
    doc: "+1",
    goMessage: "invalid character '+' looking for beginning of value",
    line: 1,
    column: 1,
  },
  {
    name: "leading point",
    doc: ".5",
    goMessage: "invalid character '.' looking for beginning of value",
    line: 1,
    column: 1,
  },
  {
    name: "leading zero",
    doc: "01",
    goMessage: "invalid character '1' after top-level value",
    line: 1,
    column: 2,
  },
  {
    name: "leading zero in an array",
    doc: "[-01]",
    goMessage: "invalid character '1' after array element",
    line: 1,
    column: 4,
  },
  {
    name: "point without digits",
    doc: "1.e5",
    goMessage: "invalid character 'e' after decimal point in numeric literal",
    line: 1,
    column: 3,
  },
  {
    name: "exponent without digits",
    doc: "1ex",
    goMessage: "invalid character 'x' in exponent of numeric literal",
    line: 1,
    column: 3,
  },
  {
    name: "minus without digits",
    doc: "-a",
    goMessage: "invalid character 'a' in numeric literal",
    line: 1,
    column: 2,
  },
  {
    name: "hex number",
    doc: "0x1F",
    goMessage: "invalid character 'x' after top-level value",
    line: 1,
    column: 2,
  },

  // structure
  {
    name: "trailing comma in an array",
    doc: "[1,]",
    goMessage: "invalid character ']' looking for beginning of value",
    line: 1,
    column: 4,
  },
  {
    name: "trailing comma in an object",
    doc: '{"a":1,}',
    goMessage: "invalid character '}' looking for beginning of object key string",
    line: 1,
    column: 8,
  },
  {
    name: "missing colon",
    doc: '{"a" 1}',
    goMessage: "invalid character '1' after object key",
    line: 1,
    column: 6,
  },
  {
    name: "missing comma between members",
    doc: '{"a":1 "b":2}',
    goMessage: "invalid character '\"' after object key:value pair",
    line: 1,
    column: 8,
  },
  {
    name: "missing comma between items",
    doc: "[1 2]",
    goMessage: "invalid character '2' after array element",
    line: 1,
    column: 4,
  },
  {
    name: "bare key",
    doc: "{a:1}",
    goMessage: "invalid character 'a' looking for beginning of object key string",
    line: 1,
    column: 2,
  },
  {
    name: "single-quoted key",
    doc: "{'a':1}",
    goMessage: "invalid character '\\'' looking for beginning of object key string",
    line: 1,
    column: 2,
  },
  {
    name: "comment",
    doc: '{"a":1 /* no */}',
    goMessage: "invalid character '/' after object key:value pair",
    line: 1,
    column: 8,
  },
  {
    name: "second document",
    doc: "{} {}",
    goMessage: "invalid character '{' after top-level value",
    line: 1,
    column: 4,
  },
  {
    name: "extra closer",
    doc: "[[]]]",
    goMessage: "invalid character ']' after top-level value",
    line: 1,
    column: 5,
  },
  {
    name: "mismatched closer",
    doc: "[1}",
    goMessage: "invalid character '}' after array element",
    line: 1,
    column: 3,
  },

  // strings
  {
    name: "raw control character",
    doc: '"a\u0001"',
    goMessage: "invalid character '\\x01' in string literal",
    line: 1,
    column: 3,
  },
  {
    name: "raw tab",
    doc: '"a\tb"',
    goMessage: "invalid character '\\t' in string literal",
    line: 1,
    column: 3,
  },
  {
    name: "raw newline",
    doc: '["a\nb"]',
    goMessage: "invalid character '\\n' in string literal",
    line: 1,
    column: 4,
  },
  {
    name: "unknown escape",
    doc: '"\\x41"',
    goMessage: "invalid character 'x' in string escape code",
    line: 1,
    column: 3,
  },
  {
    name: "single-quote escape (Go's unquote knows it, its scanner does not)",
    doc: '"\\\'"',
    goMessage: "invalid character '\\'' in string escape code",
    line: 1,
    column: 3,
  },
  {
    name: "bad hex digit",
    doc: '"\\u12g4"',
    goMessage: "invalid character 'g' in \\u hexadecimal character escape",
    line: 1,
    column: 6,
  },
  {
    name: "bad hex after a high surrogate",
    doc: '"\\ud800\\uDC0"',
    goMessage: "invalid character '\"' in \\u hexadecimal character escape",
    line: 1,
    column: 13,
  },
  {
    name: "uppercase U escape",
    doc: '"\\U0041"',
    goMessage: "invalid character 'U' in string escape code",
    line: 1,
    column: 3,
  },

  // characters Go names by their first byte, escaped as strconv.Quote escapes a Latin-1 rune
  {
    name: "byte order mark",
    doc: "\ufeff{}",
    goMessage: "invalid character 'ï' looking for beginning of value",
    line: 1,
    column: 1,
  },
  {
    name: "no-break space",
    doc: "\u00a0{}",
    goMessage: "invalid character 'Â' looking for beginning of value",
    line: 1,
    column: 1,
  },
  {
    name: "vertical tab",
    doc: "\u000b1",
    goMessage: "invalid character '\\v' looking for beginning of value",
    line: 1,
    column: 1,
  },
  {
    name: "form feed after a value",
    doc: "1\f",
    goMessage: "invalid character '\\f' after top-level value",
    line: 1,
    column: 2,
  },
  {
    name: "NUL after a value",
    doc: "[]\u0000",
    goMessage: "invalid character '\\x00' after top-level value",
    line: 1,
    column: 3,
  },
  {
    name: "DEL",
    doc: "\u007f",
    goMessage: "invalid character '\\x7f' looking for beginning of value",
    line: 1,
    column: 1,
  },
  {
    name: "backslash",
    doc: "[\\]",
    goMessage: "invalid character '\\\\' looking for beginning of value",
    line: 1,
    column: 2,
  },
  {
    name: "non-ASCII letter",
    doc: "[é]",
    goMessage: "invalid character 'Ã' looking for beginning of value",
    line: 1,
    column: 2,
  },
  {
    name: "emoji",
    doc: "😀",
    goMessage: "invalid character 'ð' looking for beginning of value",
    line: 1,
    column: 1,
  },
  {
    name: "line separator",
    doc: "[1\u2028]",
    goMessage: "invalid character 'â' after array element",
    line: 1,
    column: 3,
  },
  {
    name: "stray continuation byte",
    doc: [0x5b, 0x80, 0x5d],
    goMessage: "invalid character '\\u0080' looking for beginning of value",
    line: 1,
    column: 2,
  },
  {
    name: "NBSP byte alone",
    doc: [0xa0],
    goMessage: "invalid character '\\u00a0' looking for beginning of value",
    line: 1,
    column: 1,
  },
  {
    name: "soft hyphen byte",
    doc: [0x31, 0xad],
    goMessage: "invalid character '\\u00ad' after top-level value",
    line: 1,
    column: 2,
  },
  {
    name: "0xFF byte",
    doc: [0x7b, 0xff],
    goMessage: "invalid character 'ÿ' looking for beginning of object key string",
    line: 1,
    column: 2,
  },
  {
    name: "truncated UTF-8 before a control character in a string",
    doc: [0x22, 0xe2, 0x82, 0x01, 0x22],
    goMessage: "invalid character '\\x01' in string literal",
    line: 1,
    column: 4,
  },

  // positions across lines
  {
    name: "CRLF lines",
    doc: "[1,\r\n 2,\r\n x]",
    goMessage: "invalid character 'x' looking for beginning of value",
    line: 3,
    column: 2,
  },
  {
    name: "lone CR ends a line",
    doc: "[1,\r x]",
    goMessage: "invalid character 'x' looking for beginning of value",
    line: 2,
    column: 2,
  },
  {
    name: "columns count UTF-16 units",
    doc: '{"😀": 1 x}',
    goMessage: "invalid character 'x' after object key:value pair",
    line: 1,
    column: 10,
  },

  // depth
  {
    name: "10001 nested arrays",
    doc: "[".repeat(10001),
    goMessage: "invalid character '[' exceeded max depth",
    line: 1,
    column: 10001,
  },
  {
    name: "10001 nested objects, the last empty",
    doc: '{"a":'.repeat(10000) + "{}",
    goMessage: "invalid character '{' exceeded max depth",
    line: 1,
    column: 50001,
  },
];
