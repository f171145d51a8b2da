/**
 * Bytes to text the way Go's encoding/json sees them.
 *
 * Go never decodes a request body as a whole: its scanner walks bytes, and only string literals
 * are turned into text, where `utf8.DecodeRune` replaces EACH byte it cannot decode with U+FFFD
 * (a truncated three-byte sequence gives two or three U+FFFD, not one). WHATWG's TextDecoder
 * folds a truncated sequence into a single U+FFFD, so it is used only when the bytes are valid.
 * Outside strings any byte >= 0x80 is a syntax error, and Go names the offending byte in the
 * message; `invalidBytes` keeps the original byte behind each U+FFFD for that message.
 */

import { isUtf8 } from "node:buffer";

export interface GoDecodedText {
  text: string;
  /** UTF-16 offset in `text` of each U+FFFD that replaced an undecodable byte → that byte */
  invalidBytes: ReadonlyMap<number, number>;
}

const NO_INVALID_BYTES: ReadonlyMap<number, number> = new Map();
// ignoreBOM: Go does not strip a byte order mark, it rejects it, so the parser must see it.
const strictDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** Decodes `bytes` as Go's `utf8.DecodeRune` would, one rune (or one bad byte) at a time. */
export function decodeGoUtf8(bytes: Uint8Array): GoDecodedText {
  if (isUtf8(bytes)) return { text: strictDecoder.decode(bytes), invalidBytes: NO_INVALID_BYTES };
  const invalidBytes = new Map<number, number>();
  const units: number[] = [];
  const chunks: string[] = [];
  let length = 0;
  const flush = (): void => {
    chunks.push(String.fromCharCode(...units));
    units.length = 0;
  };
  let i = 0;
  while (i < bytes.length) {
    const [rune, size] = decodeRune(bytes, i);
    if (rune < 0) {
      invalidBytes.set(length, bytes[i] ?? 0);
      units.push(0xfffd);
      length += 1;
    } else if (rune >= 0x10000) {
      units.push(0xd800 + ((rune - 0x10000) >> 10), 0xdc00 + ((rune - 0x10000) & 0x3ff));
      length += 2;
    } else {
      units.push(rune);
      length += 1;
    }
    i += size;
    // String.fromCharCode(...units) must stay well under the engine's argument limit.
    if (units.length >= 4096) flush();
  }
  flush();
  return { text: chunks.join(""), invalidBytes };
}

/**
 * Go's `utf8.DecodeRune` acceptance ranges: the second byte's range depends on the first (this
 * is what excludes overlong forms, surrogates and runes above U+10FFFF). Returns [-1, 1] for a
 * byte that does not start a complete valid sequence.
 */
function decodeRune(bytes: Uint8Array, i: number): [number, number] {
  const b0 = bytes[i] ?? 0;
  if (b0 < 0x80) return [b0, 1];
  let need: number;
  let lo = 0x80;
  let hi = 0xbf;
  let rune: number;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    need = 1;
    rune = b0 & 0x1f;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    need = 2;
    rune = b0 & 0x0f;
    if (b0 === 0xe0) lo = 0xa0;
    else if (b0 === 0xed) hi = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    need = 3;
    rune = b0 & 0x07;
    if (b0 === 0xf0) lo = 0x90;
    else if (b0 === 0xf4) hi = 0x8f;
  } else {
    return [-1, 1];
  }
  for (let k = 1; k <= need; k++) {
    const b = bytes[i + k];
    if (b === undefined || b < lo || b > hi) return [-1, 1];
    rune = (rune << 6) | (b & 0x3f);
    lo = 0x80;
    hi = 0xbf;
  }
  return [rune, need + 1];
}

/** The first byte of `text`'s UTF-8 encoding at `offset`, as Node (and so Go) would receive it. */
export function firstUtf8Byte(
  text: string,
  offset: number,
  invalidBytes: ReadonlyMap<number, number>,
): number {
  const original = invalidBytes.get(offset);
  if (original !== undefined) return original;
  const cp = text.codePointAt(offset) ?? 0;
  if (cp < 0x80) return cp;
  if (cp < 0x800) return 0xc0 | (cp >> 6);
  // A lone surrogate cannot be encoded; Node writes U+FFFD (EF BF BD) in its place.
  if (cp >= 0xd800 && cp <= 0xdfff) return 0xef;
  if (cp < 0x10000) return 0xe0 | (cp >> 12);
  return 0xf0 | (cp >> 18);
}
