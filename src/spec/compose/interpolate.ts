import { failAt } from "./errors.js";
import type { Loc } from "./source.js";
import type { YNode, YScalar } from "./tree.js";

/**
 * Variable substitution as compose-go's template package does it: `$VAR`, `${VAR}`,
 * `${VAR:-default}` (unset or empty), `${VAR-default}` (unset), `${VAR:?err}` / `${VAR?err}`
 * (required), `${VAR:+alt}` / `${VAR+alt}` (alternative when set), `$$` for a literal `$`;
 * defaults, alternatives and messages are themselves interpolated, lazily, so
 * `${A:-${B:-x}}` nests. A `$` not followed by a name or `{` stays as it is (`$5`); a `${`
 * that is not a valid template is an error (compose: "invalid interpolation format").
 * Names match `[_a-zA-Z][_a-zA-Z0-9]*`.
 */

export type Lookup = (name: string) => string | undefined;

/** A template failure at `index` (the `$`) of the string being substituted. */
export class TemplateError extends Error {
  readonly index: number;
  constructor(index: number, message: string) {
    super(message);
    this.index = index;
  }
}

export interface SubstituteOptions {
  lookup: Lookup;
  /** a variable without a default is not set: `index` is its `$` */
  onUndefined: (name: string, index: number) => void;
}

const DOLLAR = 0x24;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const COLON = 0x3a;

function isNameStart(c: number): boolean {
  return c === 0x5f || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39);
}

/** compose-go getFirstBraceClosingIndex, from the `$` at `from`. */
function closingBrace(text: string, from: number, to: number): number {
  let open = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === RBRACE) {
      open--;
      if (open === 0) return i;
    }
    if (c === LBRACE) {
      open++;
      i++;
    }
  }
  // compose's pattern is greedy up to the last `}`: `${A:-{}` still works there
  const last = text.lastIndexOf("}", to - 1);
  return last > from + 1 ? last : -1;
}

function substituteRange(
  text: string,
  from: number,
  to: number,
  options: SubstituteOptions,
): string {
  let out = "";
  let i = from;
  while (i < to) {
    const j = text.indexOf("$", i);
    if (j === -1 || j >= to) {
      out += text.slice(i, to);
      break;
    }
    out += text.slice(i, j);
    if (j + 1 >= to) {
      out += "$";
      i = j + 1;
      continue;
    }
    const c = text.charCodeAt(j + 1);
    if (c === DOLLAR) {
      out += "$";
      i = j + 2;
      continue;
    }
    if (isNameStart(c)) {
      let k = j + 2;
      while (k < to && isNameChar(text.charCodeAt(k))) k++;
      const name = text.slice(j + 1, k);
      const value = options.lookup(name);
      if (value === undefined) options.onUndefined(name, j);
      out += value ?? "";
      i = k;
      continue;
    }
    if (c !== LBRACE) {
      out += "$";
      i = j + 1;
      continue;
    }
    const close = closingBrace(text, j, to);
    const invalid = (): TemplateError =>
      new TemplateError(
        j,
        `invalid interpolation format "${text.slice(j, close === -1 ? to : close + 1)}"`,
      );
    if (close === -1 || !isNameStart(text.charCodeAt(j + 2))) throw invalid();
    let k = j + 3;
    while (k < close && isNameChar(text.charCodeAt(k))) k++;
    const name = text.slice(j + 2, k);
    const value = options.lookup(name);
    if (k === close) {
      if (value === undefined) options.onUndefined(name, j);
      out += value ?? "";
      i = close + 1;
      continue;
    }
    const colon = text.charCodeAt(k) === COLON;
    const op = text[colon ? k + 1 : k];
    const word = colon ? k + 2 : k + 1;
    if ((op !== "-" && op !== "?" && op !== "+") || word > close) throw invalid();
    const empty = value === undefined || (colon && value === "");
    switch (op) {
      case "-":
        out += empty ? substituteRange(text, word, close, options) : value;
        break;
      case "+":
        out += empty ? (value ?? "") : substituteRange(text, word, close, options);
        break;
      case "?": {
        if (empty) {
          const reason = substituteRange(text, word, close, options);
          throw new TemplateError(
            j,
            reason === ""
              ? `required variable ${name} is missing a value`
              : `required variable ${name} is missing a value: ${reason}`,
          );
        }
        out += value;
        break;
      }
    }
    i = close + 1;
  }
  return out;
}

/** Substitute variables in one string. Throws TemplateError for `${VAR:?}` and bad templates. */
export function substitute(text: string, options: SubstituteOptions): string {
  if (!text.includes("$")) return text;
  return substituteRange(text, 0, text.length, options);
}

export interface UndefinedVariable {
  name: string;
  loc: Loc;
}

export const UNDEFINED_HINT = "set it in the environment or .env, or give a default ${VAR:-value}";

/** Where character `index` of a scalar's value is in its file (exact when the scalar allows). */
export function locInScalar(node: YScalar, index: number): Loc {
  return {
    src: node.src,
    offset: node.exact === undefined ? node.offset : node.offset + node.exact + index,
  };
}

/**
 * Interpolate every string value of a tree in place (keys are not interpolated, as in
 * compose). `onUndefined` decides what an unset variable without a default is.
 */
export function interpolateTree(
  root: YNode,
  lookup: Lookup,
  onUndefined: (v: UndefinedVariable) => void,
): void {
  const visit = (node: YNode): void => {
    switch (node.kind) {
      case "map":
        for (const pair of node.pairs.values()) visit(pair.value);
        return;
      case "seq":
        for (const item of node.items) visit(item);
        return;
      case "scalar": {
        const value = node.value;
        if (typeof value !== "string" || !value.includes("$")) return;
        try {
          node.value = substitute(value, {
            lookup,
            onUndefined: (name, index) => {
              onUndefined({ name, loc: locInScalar(node, index) });
            },
          });
        } catch (err) {
          if (err instanceof TemplateError) {
            failAt(
              locInScalar(node, err.index),
              err.message,
              err.message.startsWith("invalid") ? "write $$ for a literal $" : UNDEFINED_HINT,
            );
          }
          throw err;
        }
        // the value no longer matches the source text
        node.exact = undefined;
      }
    }
  };
  visit(root);
}
