import { failAt } from "./errors.js";
import {
  type Lookup,
  substitute,
  TemplateError,
  UNDEFINED_HINT,
  type UndefinedVariable,
} from "./interpolate.js";
import type { SourceFile } from "./source.js";

/**
 * `.env` and `env_file` files, read as compose-go's dotenv parser reads them: `KEY=VALUE` (or
 * `KEY: VALUE`), an optional `export ` prefix, `#` comment lines, unquoted values cut at ` #`
 * and trimmed, single-quoted values literal, double-quoted values with escapes (`\n`, `\t`,
 * `\\`, `\"`, `\$`), both quotes may span lines. Unquoted and double-quoted values are
 * interpolated (the environment first, then the keys above in the same file). A bare `KEY`
 * takes its value from the environment, or is left out.
 */

export interface DotEnvEntry {
  key: string;
  value: string;
  /** where the key starts */
  offset: number;
}

const KEY_CHAR = /[\p{L}\p{N}_.\-[\]]/u;

export function parseDotEnv(
  src: SourceFile,
  lookup: Lookup,
  onUndefined: (v: UndefinedVariable) => void,
  options: { interpolate: boolean } = { interpolate: true },
): DotEnvEntry[] {
  const text = src.text;
  const entries: DotEnvEntry[] = [];
  const own = new Map<string, string>();
  const resolve: Lookup = (name) => lookup(name) ?? own.get(name);
  let i = 0;
  const n = text.length;
  const at = (offset: number) => ({ src, offset });
  while (i < n) {
    // start of a statement: skip blank space and comment lines
    while (i < n && /\s/.test(text.charAt(i))) i++;
    if (i >= n) break;
    if (text[i] === "#") {
      const nl = text.indexOf("\n", i);
      i = nl === -1 ? n : nl + 1;
      continue;
    }
    if (text.startsWith("export", i) && /[ \t]/.test(text.charAt(i + 6))) {
      i += 6;
      while (i < n && (text[i] === " " || text[i] === "\t")) i++;
    }
    const keyStart = i;
    while (i < n && KEY_CHAR.test(text.charAt(i))) i++;
    const key = text.slice(keyStart, i);
    while (i < n && (text[i] === " " || text[i] === "\t")) i++;
    const c = text.charAt(i);
    if (key === "")
      failAt(
        at(keyStart),
        `unexpected character ${JSON.stringify(c)} where a variable name should start`,
      );
    if (i >= n || c === "\n" || c === "\r") {
      // `KEY` alone: inherited from the environment
      const value = lookup(key);
      if (value !== undefined) {
        entries.push({ key, value, offset: keyStart });
        own.set(key, value);
      }
      continue;
    }
    if (c !== "=" && c !== ":") {
      failAt(
        at(i),
        `unexpected character ${JSON.stringify(c)} in variable name ${JSON.stringify(key)}`,
        "write KEY=VALUE",
      );
    }
    i++;
    while (i < n && (text[i] === " " || text[i] === "\t")) i++;
    const q = text.charAt(i);
    let value: string;
    let valueAt = i;
    if (q === '"' || q === "'") {
      let raw = "";
      let escape = false;
      let j = i + 1;
      for (; j < n; j++) {
        const ch = text.charAt(j);
        if (ch !== q) {
          if (!escape && ch === "\\") {
            escape = true;
            continue;
          }
          if (escape) {
            escape = false;
            raw += "\\";
          }
          raw += ch;
          continue;
        }
        if (escape) {
          escape = false;
          raw += ch;
          continue;
        }
        break;
      }
      if (j >= n) failAt(at(i), `unterminated quoted value for ${key}`, `close the ${q} quote`);
      valueAt = i + 1;
      value = q === '"' ? expandEscapes(raw) : raw;
      i = j + 1;
      // only a comment may follow on the line
      while (i < n && (text[i] === " " || text[i] === "\t")) i++;
      if (i < n && text[i] !== "\n" && text[i] !== "\r" && text[i] !== "#") {
        failAt(at(i), `unexpected text after the quoted value of ${key}`);
      }
      const nl = text.indexOf("\n", i);
      i = nl === -1 ? n : nl + 1;
      if (q === "'" || !options.interpolate) {
        entries.push({ key, value, offset: keyStart });
        own.set(key, value);
        continue;
      }
    } else {
      const nl = text.indexOf("\n", i);
      const lineEnd = nl === -1 ? n : nl;
      let raw = text.slice(i, lineEnd);
      const comment = raw.indexOf(" #");
      if (comment !== -1) raw = raw.slice(0, comment);
      value = raw.trimEnd();
      i = nl === -1 ? n : nl + 1;
      if (!options.interpolate) {
        entries.push({ key, value, offset: keyStart });
        own.set(key, value);
        continue;
      }
    }
    try {
      value = substitute(value, {
        lookup: resolve,
        onUndefined: (name) => {
          onUndefined({ name, loc: at(valueAt) });
        },
      });
    } catch (err) {
      if (err instanceof TemplateError) failAt(at(valueAt), err.message, UNDEFINED_HINT);
      throw err;
    }
    entries.push({ key, value, offset: keyStart });
    own.set(key, value);
  }
  return entries;
}

const ESCAPES: Readonly<Record<string, string>> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  '"': '"',
  "\\": "\\",
};

/** compose-go expandEscapes: `\$` stays a literal `$` (written `$$` for the substitution). */
function expandEscapes(raw: string): string {
  return raw.replace(
    /\\(?:([abcfnrtv"\\$])|0([0-7]{0,3}))/g,
    (match, ch: string | undefined, octal: string | undefined) => {
      if (ch === "$") return "$$";
      if (ch !== undefined) return ESCAPES[ch] ?? match;
      if (octal !== undefined) return String.fromCharCode(parseInt(octal === "" ? "0" : octal, 8));
      return match;
    },
  );
}
