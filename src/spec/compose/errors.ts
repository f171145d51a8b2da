import { DockwardError } from "../../errors.js";
import type { Loc } from "./source.js";

/**
 * A compose file the adapter refuses (exit 2), with the exact place: `file:line:col: message`
 * in the message, the same place as data (for reports and tests), and the source line with a
 * caret under the column for a pretty form.
 */
export class ComposeInputError extends DockwardError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** the offending source line and a caret under the column */
  override readonly excerpt: string;

  constructor(
    at: { file: string; line: number; column: number; lineText: string },
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super("BAD_INPUT", `${at.file}:${at.line}:${at.column}: ${message}`, {
      ...options,
      hint:
        options.hint ??
        "correct the file at that position (`docker compose -f FILE config` shows how compose reads it)",
    });
    this.file = at.file;
    this.line = at.line;
    this.column = at.column;
    this.excerpt = `${at.lineText}\n${" ".repeat(Math.max(0, at.column - 1))}^`;
  }
}

/** Throw a ComposeInputError at a place in a source file. */
export function failAt(loc: Loc, message: string, hint?: string, cause?: unknown): never {
  const { line, column } = loc.src.position(loc.offset);
  const options: { hint?: string; cause?: unknown } = {};
  if (hint !== undefined) options.hint = hint;
  if (cause !== undefined) options.cause = cause;
  throw new ComposeInputError(
    { file: loc.src.path, line, column, lineText: loc.src.lineText(line) },
    message,
    options,
  );
}
