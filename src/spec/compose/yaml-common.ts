import type { ScalarValue, YMap, YNode } from "./tree.js";

/**
 * Plain scalars resolved with the YAML 1.2 core schema, exactly as the yaml package's default
 * schema does (null, bool, int in decimal/0o/0x, float incl. .inf/.nan) — the fast parser must
 * produce the same values as the full one.
 */
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

export function resolvePlain(raw: string): ScalarValue {
  const c = raw.charCodeAt(0);
  // most values start with a letter that no core-schema type starts with
  const maybe =
    raw.length === 0 ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2b || // +
    c === 0x2d || // -
    c === 0x2e || // .
    c === 0x7e || // ~
    c === 0x6e || // n
    c === 0x4e || // N
    c === 0x74 || // t
    c === 0x54 || // T
    c === 0x66 || // f
    c === 0x46; // F
  if (!maybe) return raw;
  if (NULL.test(raw)) return null;
  if (BOOL.test(raw)) return raw.startsWith("t") || raw.startsWith("T");
  if (INT_OCT.test(raw)) return parseInt(raw.substring(2), 8);
  if (INT.test(raw)) return parseInt(raw, 10);
  if (INT_HEX.test(raw)) return parseInt(raw.substring(2), 16);
  if (FLOAT_NAN.test(raw)) {
    if (raw.slice(-3).toLowerCase() === "nan") return Number.NaN;
    return raw.startsWith("-") ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (FLOAT_EXP.test(raw) || FLOAT.test(raw)) return parseFloat(raw);
  return raw;
}

/**
 * Apply `<<` merge keys to a finished mapping (YAML 1.1 merge, as go-yaml and the yaml package
 * do it): explicit keys always win, then earlier merge sources beat later ones. Returns an
 * error message when a merge source is not a mapping (or a list of mappings).
 */
export function applyMerges(map: YMap, merges: readonly YNode[]): string | undefined {
  for (const source of merges) {
    if (source.kind === "map") mergeOne(map, source);
    else if (source.kind === "seq") {
      for (const item of source.items) {
        if (item.kind !== "map") return "a merge key (<<) takes a mapping or a list of mappings";
        mergeOne(map, item);
      }
    } else return "a merge key (<<) takes a mapping or a list of mappings";
  }
  return undefined;
}

function mergeOne(map: YMap, source: YMap): void {
  for (const [key, pair] of source.pairs) {
    if (!map.pairs.has(key)) map.pairs.set(key, pair);
  }
}
