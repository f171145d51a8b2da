/**
 * Go's `base64.StdEncoding`, which encoding/json applies to a JSON string decoded into a
 * `[]byte`. Node's base64 decoder is far more lenient (URL alphabet, missing padding, stops at
 * the first bad character), so the daemon and Node could read different bytes from one string.
 * Go: padding is required, CR and LF are skipped anywhere, nothing may follow the padding, and
 * the unused low bits of the last quantum are NOT checked (StdEncoding is not Strict).
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE = new Int8Array(128).fill(-1);
for (let k = 0; k < ALPHABET.length; k++) DECODE[ALPHABET.charCodeAt(k)] = k;

export class Base64Error extends Error {
  override readonly name = "Base64Error";
  /** Go's CorruptInputError: the byte offset it names */
  readonly offset: number;
  constructor(offset: number) {
    super(`illegal base64 data at input byte ${offset}`);
    this.offset = offset;
  }
}

function isNewline(c: number): boolean {
  return c === 0x0a || c === 0x0d;
}

/**
 * Decodes like Go's `StdEncoding.Decode`. The input is a Go string: its UTF-8 bytes are what Go
 * reads, so offsets in errors are byte offsets.
 */
export function decodeGoBase64(text: string): Uint8Array {
  const src = Buffer.from(text, "utf8");
  const out: number[] = [];
  let si = 0;
  while (si < src.length) {
    // One quantum: up to four alphabet characters, newlines skipped, maybe padding.
    const quantum = [0, 0, 0, 0];
    let dlen = 4;
    let j = 0;
    let done = false;
    while (j < 4) {
      if (si === src.length) {
        if (j === 0) return Uint8Array.from(out);
        // Missing padding: Go reports the start of the incomplete quantum.
        throw new Base64Error(si - j);
      }
      const c = src[si] ?? 0;
      si++;
      const v = c < 128 ? (DECODE[c] ?? -1) : -1;
      if (v >= 0) {
        quantum[j] = v;
        j++;
        continue;
      }
      if (isNewline(c)) continue;
      if (c !== 0x3d /* = */) throw new Base64Error(si - 1);
      // Padding: valid only after two or three characters, and then it ends the input.
      if (j < 2) throw new Base64Error(si - 1);
      if (j === 2) {
        while (si < src.length && isNewline(src[si] ?? 0)) si++;
        if (si === src.length) throw new Base64Error(src.length);
        if (src[si] !== 0x3d) throw new Base64Error(si - 1);
        si++;
      }
      while (si < src.length && isNewline(src[si] ?? 0)) si++;
      if (si < src.length) throw new Base64Error(si);
      dlen = j;
      done = true;
      break;
    }
    const [a = 0, b = 0, c = 0, d = 0] = quantum;
    const value = (a << 18) | (b << 12) | (c << 6) | d;
    out.push((value >> 16) & 0xff);
    if (dlen >= 3) out.push((value >> 8) & 0xff);
    if (dlen === 4) out.push(value & 0xff);
    if (done) break;
  }
  return Uint8Array.from(out);
}

/** Go's `StdEncoding.EncodeToString`: padded, no line breaks. */
export function encodeGoBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
