/**
 * Go's `strconv.ParseFloat(s, 32)`: the decimal rounded ONCE, straight to the nearest float32.
 *
 * `Math.fround(Number(s))` rounds twice (to float64, then to float32). That differs only when
 * the float64 lands exactly on the midpoint between two float32 neighbours while the decimal
 * itself was not on it (e.g. "16777217.000000000001": the float64 is 2^24+1, a float32 midpoint
 * that ties to even 2^24, while the decimal is above it and Go gives 2^24+2). So: take the
 * float64; if it is such a midpoint, compare the decimal with the midpoint exactly.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const MAX_FLOAT32 = 3.4028234663852886e38;
/** Stands for the float32 "after" the largest one: what rounds here overflows. */
const BEYOND = 2 ** 128;

/** Moves a non-negative finite float32 by `step` units in the last place. */
function neighbour(x: number, step: 1 | -1): number {
  if (x === MAX_FLOAT32 && step === 1) return BEYOND;
  f32[0] = x;
  u32[0] = (u32[0] ?? 0) + step;
  return f32[0];
}

function hasEvenSignificand(x: number): boolean {
  if (x === BEYOND) return true;
  f32[0] = x;
  return ((u32[0] ?? 0) & 1) === 0;
}

/** Returns the float32 value, or undefined when it overflows (Go: ErrRange). */
export function parseFloat32(raw: string): number | undefined {
  const a = Math.abs(Number(raw));
  if (!Number.isFinite(a)) return undefined;
  let pick = Math.fround(a);
  if (pick !== a) {
    let lo: number;
    let hi: number;
    if (pick === Infinity) [lo, hi] = [MAX_FLOAT32, BEYOND];
    else if (pick < a) [lo, hi] = [pick, neighbour(pick, 1)];
    else [lo, hi] = [neighbour(pick, -1), pick];
    // Exact: float32s have 24-bit significands, so their sum fits a float64.
    const mid = (lo + hi) / 2;
    if (a === mid) {
      const cmp = compareDecimal(raw, mid);
      if (cmp < 0) pick = lo;
      else if (cmp > 0) pick = hi;
      else pick = hasEvenSignificand(lo) ? lo : hi;
    }
  }
  if (pick === Infinity || pick === BEYOND) return undefined;
  return raw.startsWith("-") ? -pick : pick;
}

/** A dyadic float64 as an exact fraction: value = m * 2^e. */
function exactBinary(x: number): { m: bigint; e: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & 0xfffffffffffffn;
  if (exp === 0) return { m: frac, e: -1074 };
  return { m: frac | (1n << 52n), e: exp - 1075 };
}

/** Keeping this many significant digits (plus a sticky flag) decides any comparison with a
 * float32 midpoint, whose exact decimal is far shorter; it bounds the BigInt work. */
const MAX_DIGITS = 800;

/** Compares |decimal raw| with the positive dyadic `mid`: -1, 0 or 1. */
function compareDecimal(raw: string, mid: number): number {
  const match = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(raw);
  if (match === null) return 0;
  const intPart = match[1] ?? "";
  const fracPart = match[2] ?? "";
  let digits = (intPart + fracPart).replace(/^0+/, "");
  let exp10 = Number(match[3] ?? "0") - fracPart.length;
  let sticky = false;
  if (digits.length > MAX_DIGITS) {
    sticky = /[1-9]/.test(digits.slice(MAX_DIGITS));
    exp10 += digits.length - MAX_DIGITS;
    digits = digits.slice(0, MAX_DIGITS);
  }
  if (digits === "") return -1;
  let left = BigInt(digits);
  const { m, e } = exactBinary(mid);
  let right = m;
  if (exp10 >= 0) left *= 10n ** BigInt(exp10);
  else right *= 10n ** BigInt(-exp10);
  if (e >= 0) right <<= BigInt(e);
  else left <<= BigInt(-e);
  if (left < right) return -1;
  if (left > right) return 1;
  return sticky ? 1 : 0;
}
