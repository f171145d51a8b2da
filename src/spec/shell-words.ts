import { DockwardError } from "../errors.js";
import type { Origin } from "./model.js";

/**
 * Split one shell command line into words the way a POSIX shell would before running it, so a
 * `docker run …` pasted from a README or a script is read as the docker CLI would receive it.
 *
 * Handled: blanks, single quotes, double quotes (a backslash escapes only `$ \` " \` and a
 * newline, as in POSIX), backslash escapes, backslash-newline continuations, `#` comments at the
 * start of a word. Not done: expansion. `$VAR`, `${VAR}`, `$(cmd)` and `` `cmd` `` stay in the
 * word as written (blanks inside `$(…)` and backquotes do not split it), and `~` is not expanded;
 * the adapter decides what those mean. Operators that would make this more than one simple
 * command (`;`, `&`, `&&`, `|`, `||`, redirections, subshells) are refused rather than guessed at.
 */

export interface ShellWords {
  words: string[];
  /** the position of each word's first character (1-based line and column, UTF-16 columns) */
  positions: Origin[];
}

const BLANK = new Set([" ", "\t"]);
/** In double quotes a backslash escapes only these (POSIX 2.2.3); elsewhere it stays. */
const DQUOTE_ESCAPABLE = new Set(["$", "`", '"', "\\"]);

class Cursor {
  index = 0;
  line = 1;
  column = 1;
  constructor(readonly text: string) {}

  peek(offset = 0): string | undefined {
    return this.text[this.index + offset];
  }

  /** A newline at the cursor: `\n`, `\r\n` or a lone `\r`; returns its length, or 0. */
  newlineLength(offset = 0): number {
    const c = this.peek(offset);
    if (c === "\n") return 1;
    if (c === "\r") return this.peek(offset + 1) === "\n" ? 2 : 1;
    return 0;
  }

  /** Move past `count` characters, keeping line and column right. */
  advance(count = 1): void {
    for (let n = 0; n < count && this.index < this.text.length; n++) {
      const nl = this.newlineLength();
      if (nl > 0) {
        this.index += nl;
        this.line += 1;
        this.column = 1;
        n += nl - 1;
      } else {
        this.index += 1;
        this.column += 1;
      }
    }
  }

  here(file: string | undefined): Origin {
    return file === undefined
      ? { line: this.line, column: this.column }
      : { file, line: this.line, column: this.column };
  }
}

function where(origin: Origin): string {
  return `${origin.file ?? "<command>"}:${origin.line ?? 0}:${origin.column ?? 0}`;
}

function unterminated(what: string, origin: Origin, hint: string): DockwardError {
  return new DockwardError("BAD_INPUT", `unterminated ${what} opened at ${where(origin)}`, {
    hint,
  });
}

/**
 * `$(…)`, `${…}` or `` `…` `` starting at the cursor, copied through unexpanded. Quotes and
 * nested parentheses inside a `$(…)` are tracked only to find its end.
 */
function readSubstitution(cur: Cursor, file: string | undefined): string {
  const start = cur.here(file);
  const from = cur.index;
  const opener = cur.peek();
  if (opener === "`") {
    cur.advance();
    for (;;) {
      const c = cur.peek();
      if (c === undefined)
        throw unterminated("backquote", start, "close the command substitution with `");
      if (c === "\\") cur.advance(2);
      else if (c === "`") {
        cur.advance();
        break;
      } else cur.advance();
    }
    return cur.text.slice(from, cur.index);
  }
  // `$(` or `${`
  const close = cur.peek(1) === "(" ? ")" : "}";
  const open = close === ")" ? "(" : "{";
  cur.advance(2);
  let depth = 1;
  for (;;) {
    const c = cur.peek();
    if (c === undefined) {
      throw unterminated(
        `"$${open}"`,
        start,
        `close it with "${close}"; dockward keeps $${open}…${close} as written and does not run it`,
      );
    }
    if (c === "\\") cur.advance(2);
    else if (c === "'" && close === ")") {
      cur.advance();
      while (cur.peek() !== undefined && cur.peek() !== "'") cur.advance();
      cur.advance();
    } else if (c === '"' && close === ")") {
      cur.advance();
      while (cur.peek() !== undefined && cur.peek() !== '"')
        cur.advance(cur.peek() === "\\" ? 2 : 1);
      cur.advance();
    } else if (c === open) {
      depth += 1;
      cur.advance();
    } else if (c === close) {
      depth -= 1;
      cur.advance();
      if (depth === 0) break;
    } else cur.advance();
  }
  return cur.text.slice(from, cur.index);
}

function isSubstitutionStart(cur: Cursor): boolean {
  const c = cur.peek();
  if (c === "`") return true;
  return c === "$" && (cur.peek(1) === "(" || cur.peek(1) === "{");
}

function operatorError(op: string, origin: Origin): DockwardError {
  if (op === "<" || op === ">") {
    return new DockwardError(
      "BAD_INPUT",
      `redirection "${op}" at ${where(origin)}: dockward reads one docker command, not a shell script`,
      { hint: "remove the redirection, or quote the character if it belongs to an argument" },
    );
  }
  if (op === "(" || op === ")") {
    return new DockwardError(
      "BAD_INPUT",
      `"${op}" at ${where(origin)} starts or ends a subshell: dockward reads one docker command`,
      { hint: "remove the parentheses, or quote them if they belong to an argument" },
    );
  }
  return new DockwardError(
    "BAD_INPUT",
    `"${op}" at ${where(origin)} joins several commands: dockward reads one command at a time`,
    {
      hint: "check each docker command on its own, or quote the character if it belongs to an argument",
    },
  );
}

const OPERATOR_START = new Set([";", "&", "|", "<", ">", "(", ")"]);

function operatorAt(cur: Cursor): string {
  const c = cur.peek() ?? "";
  const next = cur.peek(1);
  if ((c === "&" || c === "|" || c === ";" || c === "<" || c === ">") && next === c) return c + c;
  return c;
}

/**
 * Split `text` into the words of one command, each with where it starts.
 *
 * @example
 * splitShellWords("docker run \\\n  --cap-add 'SYS_ADMIN' alpine", "run.sh")
 * // words: ["docker", "run", "--cap-add", "SYS_ADMIN", "alpine"]
 * // positions[3]: { file: "run.sh", line: 2, column: 13 }
 */
export function splitShellWords(text: string, file?: string): ShellWords {
  const cur = new Cursor(text);
  const words: string[] = [];
  const positions: Origin[] = [];

  let word = "";
  let start: Origin | undefined; // set while inside a word
  /** a newline ended the command: any further word is a second command */
  let commandEnded = false;

  const finishWord = (): void => {
    if (start === undefined) return;
    words.push(word);
    positions.push(start);
    word = "";
    start = undefined;
  };

  const beginWord = (): void => {
    if (start !== undefined) return;
    const origin = cur.here(file);
    if (commandEnded) {
      throw new DockwardError(
        "BAD_INPUT",
        `a second command starts at ${where(origin)}: dockward reads one command at a time`,
        {
          hint: "end each line of a multi-line command with a backslash, or check the commands one by one",
        },
      );
    }
    start = origin;
  };

  for (;;) {
    const c = cur.peek();
    if (c === undefined) break;

    // Backslash-newline is removed before anything else, even between words.
    if (c === "\\" && cur.newlineLength(1) > 0) {
      cur.advance(1 + cur.newlineLength(1));
      continue;
    }

    if (BLANK.has(c)) {
      finishWord();
      cur.advance();
      continue;
    }
    if (cur.newlineLength() > 0) {
      finishWord();
      if (words.length > 0) commandEnded = true;
      cur.advance();
      continue;
    }
    if (c === "#" && start === undefined) {
      while (cur.peek() !== undefined && cur.newlineLength() === 0) cur.advance();
      continue;
    }
    if (OPERATOR_START.has(c)) {
      throw operatorError(operatorAt(cur), cur.here(file));
    }

    beginWord();

    if (c === "\\") {
      const next = cur.peek(1);
      cur.advance();
      if (next !== undefined) {
        word += next;
        cur.advance();
      } else {
        word += "\\"; // a trailing backslash has nothing to escape: the shell keeps it
      }
      continue;
    }

    if (c === "'") {
      const open = cur.here(file);
      cur.advance();
      for (;;) {
        const q = cur.peek();
        if (q === undefined) {
          throw unterminated(
            "single quote",
            open,
            `close the quote with ', or write \\' for a literal quote`,
          );
        }
        if (q === "'") {
          cur.advance();
          break;
        }
        word += text.slice(cur.index, cur.index + Math.max(1, cur.newlineLength()));
        cur.advance();
      }
      continue;
    }

    if (c === '"') {
      const open = cur.here(file);
      cur.advance();
      for (;;) {
        const q = cur.peek();
        if (q === undefined) {
          throw unterminated(
            "double quote",
            open,
            `close the quote with ", or write \\" for a literal quote`,
          );
        }
        if (q === '"') {
          cur.advance();
          break;
        }
        if (q === "\\") {
          const nl = cur.newlineLength(1);
          if (nl > 0) {
            cur.advance(1 + nl); // continuation, inside quotes too
            continue;
          }
          const next = cur.peek(1);
          if (next !== undefined && DQUOTE_ESCAPABLE.has(next)) {
            word += next;
            cur.advance(2);
          } else {
            word += "\\";
            cur.advance();
          }
          continue;
        }
        if (isSubstitutionStart(cur)) {
          word += readSubstitution(cur, file);
          continue;
        }
        word += text.slice(cur.index, cur.index + Math.max(1, cur.newlineLength()));
        cur.advance();
      }
      continue;
    }

    if (isSubstitutionStart(cur)) {
      word += readSubstitution(cur, file);
      continue;
    }

    word += c;
    cur.advance();
  }
  finishWord();
  return { words, positions };
}
