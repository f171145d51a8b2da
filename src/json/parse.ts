/**
 * A JSON parser that accepts exactly what Go's encoding/json (Go 1.19, which built dockerd
 * 20.10) accepts, reads strings exactly as it does, and keeps every position.
 *
 * Where Go differs from `JSON.parse`, and why it matters to a guard that must see what the
 * daemon sees:
 * - whitespace is only space, tab, LF and CR; a byte order mark is a syntax error;
 * - a `\u` escape of a lone or mis-paired surrogate becomes U+FFFD (JSON.parse keeps the lone
 *   surrogate), and so does each undecodable byte inside a string (see utf8.ts);
 * - nesting deeper than 10000 arrays/objects is an error (Go's `maxNestingDepth`);
 * - duplicate keys are KEPT, in document order: Go merges them, and the decoder must see them.
 *
 * Syntax errors carry Go's own message (`goMessage`, byte for byte what `json.Unmarshal`
 * returns) including its quirks: an input that ends inside `tru` or `1.` is reported as
 * "invalid character ' ' …", because Go feeds a space to its scanner at the end of input.
 * The parser is iterative, so 10000 levels cannot overflow the JS stack.
 *
 * Trailing data after the value is an error, as in `json.Unmarshal` (which reads seccomp
 * profiles). dockerd's API routes read bodies with `json.Decoder`, which stops after the first
 * value and never looks at the rest (and says "unexpected EOF" for a cut document); refusing
 * instead is stricter, and safe for a guard that forwards only the value it parsed.
 */

import { decodeGoUtf8, firstUtf8Byte } from "./utf8.js";

/** A position: offset is a UTF-16 index into the text; line and column are 1-based, the column
 * counted in UTF-16 code units. LF, CRLF and a lone CR each end a line. */
export interface Pos {
  offset: number;
  line: number;
  column: number;
}

/** A parsed value. `start` is the first character of the value, `end` the offset just after it. */
export type JsonNode =
  | { kind: "object"; start: Pos; end: Pos; members: JsonMember[] }
  | { kind: "array"; start: Pos; end: Pos; items: JsonNode[] }
  | { kind: "string"; start: Pos; end: Pos; value: string }
  /** `raw` is the exact source text, never rounded */
  | { kind: "number"; start: Pos; end: Pos; raw: string }
  | { kind: "boolean"; start: Pos; end: Pos; value: boolean }
  | { kind: "null"; start: Pos; end: Pos };

/** An object member; members stay in document order and duplicates are kept. */
export interface JsonMember {
  key: string;
  /** the opening quote of the key */
  keyStart: Pos;
  value: JsonNode;
}

export class JsonSyntaxError extends Error {
  override readonly name = "JsonSyntaxError";
  /** the offending character, or the end of the text for a truncated document */
  readonly pos: Pos;
  /** what Go's json.Unmarshal says for the same input, e.g. "invalid character 'x' looking for
   * beginning of value" or "unexpected end of JSON input" */
  readonly goMessage: string;

  constructor(goMessage: string, pos: Pos) {
    super(`${goMessage} (line ${pos.line}, column ${pos.column})`);
    this.goMessage = goMessage;
    this.pos = pos;
  }
}

/** Scanner states in which Go's end-of-input space is skipped rather than rejected. */
const SPACE_IS_FINE: ReadonlySet<string> = new Set([
  "", // inside a string
  "looking for beginning of value",
  "looking for beginning of object key string",
  "after object key",
  "after object key:value pair",
  "after array element",
]);

/** Go's limit: the 10001st open bracket is an error. */
export const MAX_NESTING_DEPTH = 10000;

/**
 * Parses one JSON document as Go's `json.Unmarshal` would, or throws JsonSyntaxError.
 * Given bytes, decodes them as Go does (each undecodable byte inside a string becomes U+FFFD);
 * positions are then offsets into that decoded text.
 */
export function parseJson(input: string | Uint8Array): JsonNode {
  if (typeof input === "string") return new Parser(input, NO_INVALID_BYTES).parse();
  const decoded = decodeGoUtf8(input);
  return new Parser(decoded.text, decoded.invalidBytes).parse();
}

const NO_INVALID_BYTES: ReadonlyMap<number, number> = new Map();

type Frame =
  | { kind: "object"; start: Pos; members: JsonMember[]; key: string; keyStart: Pos }
  | { kind: "array"; start: Pos; items: JsonNode[] };

const EOF = -1;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const SIMPLE_ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x22, '"'],
  [0x5c, "\\"],
  [0x2f, "/"],
  [0x62, "\b"],
  [0x66, "\f"],
  [0x6e, "\n"],
  [0x72, "\r"],
  [0x74, "\t"],
]);

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

class Parser {
  private i = 0;
  private readonly n: number;
  // Position cursor: offsets are requested in increasing order, so lines are counted once.
  private line = 1;
  private lineStart = 0;
  private counted = 0;

  constructor(
    private readonly text: string,
    private readonly invalidBytes: ReadonlyMap<number, number>,
  ) {
    this.n = text.length;
  }

  parse(): JsonNode {
    const stack: Frame[] = [];
    let value: JsonNode;
    for (;;) {
      // A value starts here.
      this.skipSpace();
      const c = this.peek();
      switch (c) {
        case 0x7b /* { */: {
          if (stack.length >= MAX_NESTING_DEPTH) throw this.error("exceeded max depth");
          const start = this.pos(this.i);
          this.i++;
          this.skipSpace();
          const next = this.peek();
          if (next === 0x7d /* } */) {
            this.i++;
            value = { kind: "object", start, end: this.pos(this.i), members: [] };
            break;
          }
          if (next !== QUOTE) throw this.error("looking for beginning of object key string");
          const frame: Frame = { kind: "object", start, members: [], key: "", keyStart: start };
          this.readKey(frame);
          stack.push(frame);
          continue;
        }
        case 0x5b /* [ */: {
          if (stack.length >= MAX_NESTING_DEPTH) throw this.error("exceeded max depth");
          const start = this.pos(this.i);
          this.i++;
          this.skipSpace();
          if (this.peek() === 0x5d /* ] */) {
            this.i++;
            value = { kind: "array", start, end: this.pos(this.i), items: [] };
            break;
          }
          stack.push({ kind: "array", start, items: [] });
          continue;
        }
        case QUOTE: {
          const start = this.pos(this.i);
          const s = this.readString();
          value = { kind: "string", start, end: this.pos(this.i), value: s };
          break;
        }
        case 0x74 /* t */:
          value = this.readLiteral("true");
          break;
        case 0x66 /* f */:
          value = this.readLiteral("false");
          break;
        case 0x6e /* n */:
          value = this.readLiteral("null");
          break;
        default:
          if (c === MINUS || isDigit(c)) {
            const start = this.pos(this.i);
            const raw = this.readNumber();
            value = { kind: "number", start, end: this.pos(this.i), raw };
            break;
          }
          throw this.error("looking for beginning of value");
      }

      // A value ended: attach it to its container, closing containers as they end.
      for (;;) {
        const frame = stack.at(-1);
        if (frame === undefined) {
          this.skipSpace();
          if (this.i < this.n) throw this.error("after top-level value");
          return value;
        }
        this.skipSpace();
        const next = this.peek();
        if (frame.kind === "object") {
          frame.members.push({ key: frame.key, keyStart: frame.keyStart, value });
          if (next === COMMA) {
            this.i++;
            this.skipSpace();
            if (this.peek() !== QUOTE)
              throw this.error("looking for beginning of object key string");
            this.readKey(frame);
            break;
          }
          if (next !== 0x7d /* } */) throw this.error("after object key:value pair");
          this.i++;
          stack.pop();
          value = {
            kind: "object",
            start: frame.start,
            end: this.pos(this.i),
            members: frame.members,
          };
        } else {
          frame.items.push(value);
          if (next === COMMA) {
            this.i++;
            break;
          }
          if (next !== 0x5d /* ] */) throw this.error("after array element");
          this.i++;
          stack.pop();
          value = { kind: "array", start: frame.start, end: this.pos(this.i), items: frame.items };
        }
      }
    }
  }

  /** Reads `"key"` and the colon after it; the caller has seen the opening quote. */
  private readKey(frame: { key: string; keyStart: Pos }): void {
    frame.keyStart = this.pos(this.i);
    frame.key = this.readString();
    this.skipSpace();
    if (this.peek() !== COLON) throw this.error("after object key");
    this.i++;
  }

  private readString(): string {
    const text = this.text;
    let i = this.i + 1;
    let chunkStart = i;
    let out = "";
    for (;;) {
      if (i >= this.n) {
        this.i = i;
        throw this.error("");
      }
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        this.i = i + 1;
        return out + text.slice(chunkStart, i);
      }
      if (c === BACKSLASH) {
        out += text.slice(chunkStart, i);
        i++;
        this.i = i;
        const e = this.peek();
        const simple = SIMPLE_ESCAPES.get(e);
        if (simple !== undefined) {
          out += simple;
          i++;
        } else if (e === 0x75 /* u */) {
          i++;
          const unit = this.readHex4(i);
          i += 4;
          if (unit >= 0xd800 && unit <= 0xdfff) {
            // Go pairs a surrogate escape only with an immediately following \u escape of the
            // other half; anything else (lone, reversed, two highs) becomes U+FFFD.
            const low = this.peekHex4Escape(i);
            if (unit <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
              out += String.fromCharCode(unit, low);
              i += 6;
            } else {
              out += "\ufffd";
            }
          } else {
            out += String.fromCharCode(unit);
          }
        } else {
          throw this.error("in string escape code");
        }
        chunkStart = i;
        continue;
      }
      if (c < 0x20) {
        this.i = i;
        throw this.error("in string literal");
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        // A JS string can hold a lone surrogate; the bytes Go would receive hold U+FFFD there.
        const next = text.charCodeAt(i + 1);
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          i += 2;
          continue;
        }
        out += text.slice(chunkStart, i) + "\ufffd";
        i++;
        chunkStart = i;
        continue;
      }
      i++;
    }
  }

  /** Four hex digits at `at`, or throws as Go's scanner does on the first bad one. */
  private readHex4(at: number): number {
    let unit = 0;
    for (let k = 0; k < 4; k++) {
      this.i = at + k;
      const h = hexValue(this.peek());
      if (h < 0) throw this.error("in \\u hexadecimal character escape");
      unit = unit * 16 + h;
    }
    return unit;
  }

  /** Go's getu4: the value of a complete `\uXXXX` at `at`, else -1 (the scanner reports it). */
  private peekHex4Escape(at: number): number {
    const text = this.text;
    if (text.charCodeAt(at) !== BACKSLASH || text.charCodeAt(at + 1) !== 0x75) return -1;
    let unit = 0;
    for (let k = 2; k < 6; k++) {
      const h = hexValue(text.charCodeAt(at + k));
      if (h < 0) return -1;
      unit = unit * 16 + h;
    }
    return unit;
  }

  /** `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; what follows is the caller's. */
  private readNumber(): string {
    const start = this.i;
    if (this.peek() === MINUS) {
      this.i++;
      if (!isDigit(this.peek())) throw this.error("in numeric literal");
    }
    if (this.peek() === ZERO) {
      this.i++;
    } else {
      while (isDigit(this.peek())) this.i++;
    }
    if (this.peek() === DOT) {
      this.i++;
      if (!isDigit(this.peek())) throw this.error("after decimal point in numeric literal");
      while (isDigit(this.peek())) this.i++;
    }
    const e = this.peek();
    if (e === 0x65 || e === 0x45) {
      this.i++;
      const sign = this.peek();
      if (sign === 0x2b || sign === MINUS) this.i++;
      if (!isDigit(this.peek())) throw this.error("in exponent of numeric literal");
      while (isDigit(this.peek())) this.i++;
    }
    return this.text.slice(start, this.i);
  }

  private readLiteral(word: "true" | "false" | "null"): JsonNode {
    const start = this.pos(this.i);
    for (let k = 1; k < word.length; k++) {
      this.i++;
      if (this.text[this.i] !== word[k]) {
        throw this.error(`in literal ${word} (expecting '${word[k] ?? ""}')`);
      }
    }
    this.i++;
    const end = this.pos(this.i);
    if (word === "null") return { kind: "null", start, end };
    return { kind: "boolean", start, end, value: word === "true" };
  }

  private peek(): number {
    return this.i < this.n ? this.text.charCodeAt(this.i) : EOF;
  }

  private skipSpace(): void {
    for (;;) {
      const c = this.peek();
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.i++;
    }
  }

  /**
   * Go's message for the character at the cursor. At the end of the text Go's scanner is fed
   * one space: states that accept a space end with "unexpected end of JSON input", the others
   * (inside a literal, a number or an escape) complain about the space.
   */
  private error(context: string): JsonSyntaxError {
    const at = Math.min(this.i, this.n);
    let message: string;
    if (at >= this.n) {
      message = SPACE_IS_FINE.has(context)
        ? "unexpected end of JSON input"
        : `invalid character ' ' ${context}`;
    } else {
      message = `invalid character ${quoteByte(firstUtf8Byte(this.text, at, this.invalidBytes))} ${context}`;
    }
    return new JsonSyntaxError(message, this.pos(at));
  }

  private pos(offset: number): Pos {
    if (offset < this.counted) {
      this.line = 1;
      this.lineStart = 0;
      this.counted = 0;
    }
    const text = this.text;
    for (let k = this.counted; k < offset; k++) {
      const c = text.charCodeAt(k);
      if (c === 0x0a || (c === 0x0d && text.charCodeAt(k + 1) !== 0x0a)) {
        this.line++;
        this.lineStart = k + 1;
      }
    }
    this.counted = offset;
    return { offset, line: this.line, column: offset - this.lineStart + 1 };
  }
}

/**
 * Go's `quoteChar`: the byte as a Latin-1 rune inside single quotes, escaped as
 * `strconv.Quote` escapes it (Go names only the first byte of a multi-byte character).
 */
function quoteByte(b: number): string {
  if (b === 0x27) return `'\\''`;
  if (b === 0x22) return `'"'`;
  return `'${goQuoteRune(b)}'`;
}

const GO_CONTROL_ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x07, "\\a"],
  [0x08, "\\b"],
  [0x0c, "\\f"],
  [0x0a, "\\n"],
  [0x0d, "\\r"],
  [0x09, "\\t"],
  [0x0b, "\\v"],
]);

function goQuoteRune(r: number): string {
  if (r === 0x5c) return "\\\\";
  const control = GO_CONTROL_ESCAPES.get(r);
  if (control !== undefined) return control;
  if (r < 0x20 || r === 0x7f) return `\\x${r.toString(16).padStart(2, "0")}`;
  // strconv.IsPrint is false for the C1 controls, NBSP (a space other than ASCII space) and the
  // soft hyphen (a format character); those are written \u00XX.
  if ((r >= 0x80 && r <= 0xa0) || r === 0xad) return `\\u${r.toString(16).padStart(4, "0")}`;
  return String.fromCharCode(r);
}
