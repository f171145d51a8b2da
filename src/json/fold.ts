/**
 * Go's case-insensitive key matching, and JSON pointers.
 *
 * encoding/json matches an object key to a struct field by exact name first, then with
 * `bytes.EqualFold`: rune by rune, two runes are equal when they share a Unicode simple-folding
 * orbit (`unicode.SimpleFold`). That is not lower-casing: U+017F "ſ" matches "s" and "S", U+212A
 * (Kelvin sign) matches "k" and "K", while "ß" matches nothing but itself and "İ" does not match
 * "i". Every orbit in Go's tables is a proper equivalence class (checked by the generator), so
 * mapping each rune to its orbit's smallest member gives a key two strings share exactly when Go
 * says they are equal.
 */

import { FOLD_RUNS } from "./fold-table.js";

let foldMap: Map<number, number> | undefined;

function foldRune(cp: number): number {
  if (foldMap === undefined) {
    foldMap = new Map();
    for (const [start, count, stride, delta] of FOLD_RUNS) {
      for (let k = 0; k < count; k++) foldMap.set(start + k * stride, start + k * stride + delta);
    }
  }
  return foldMap.get(cp) ?? cp;
}

/**
 * A folding key: two JSON object keys select the same Go struct field exactly when their
 * goFold is equal (the value itself is an opaque key; ASCII comes out upper-cased).
 *
 * @example goFold("ſecurityOpt") === goFold("SECURITYOPT") // true: both "SECURITYOPT"
 */
export function goFold(key: string): string {
  // Fast path: in ASCII only a-z fold (k and s also have non-ASCII partners, which fold down).
  let ascii = true;
  for (let i = 0; i < key.length; i++) {
    if (key.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return key.toUpperCase();
  let out = "";
  for (const ch of key) out += String.fromCodePoint(foldRune(ch.codePointAt(0) ?? 0));
  return out;
}

/** One RFC 6901 reference token: "~" → "~0", "/" → "~1". */
export function escapePointerToken(token: string | number): string {
  const t = String(token);
  // most keys need no escaping: skip the two scans that would copy them
  if (!t.includes("~") && !t.includes("/")) return t;
  return t.replaceAll("~", "~0").replaceAll("/", "~1");
}

/**
 * An RFC 6901 JSON pointer from path segments; the empty path is the whole document, "".
 *
 * @example pointerOf(["HostConfig", "Binds", 0]) === "/HostConfig/Binds/0"
 */
export function pointerOf(path: readonly (string | number)[]): string {
  let out = "";
  for (const token of path) out += `/${escapePointerToken(token)}`;
  return out;
}
