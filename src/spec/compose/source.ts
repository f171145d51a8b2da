import type { Origin } from "../model.js";

/**
 * One text file the compose adapter read (a compose file, an extended file, an env file), with
 * the table that turns an offset into a 1-based line and column. Lines are split on `\n` only;
 * a `\r` before it belongs to the line, as the yaml package counts.
 */
export class SourceFile {
  /** the path as shown to the user (as given, or joined onto the referencing file's) */
  readonly path: string;
  /** the absolute path it was read from */
  readonly absPath: string;
  readonly text: string;
  /**
   * The directory relative paths in this file resolve against: the project directory for `-f`
   * files, the file's own directory for files reached through `extends: {file}` (compose-go
   * loads those with their own working directory).
   */
  readonly baseDir: string;
  readonly lineStarts: readonly number[];

  constructor(path: string, absPath: string, text: string, baseDir: string) {
    this.path = path;
    this.absPath = absPath;
    this.text = text;
    this.baseDir = baseDir;
    const starts = [0];
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
    this.lineStarts = starts;
  }

  /** 1-based line and column (in UTF-16 code units, like the yaml package) of an offset. */
  position(offset: number): { line: number; column: number } {
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
  }

  origin(offset: number): Origin {
    const { line, column } = this.position(offset);
    return { file: this.path, line, column };
  }

  /** The text of a 1-based line without its line break. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1];
    if (start === undefined) return "";
    const next = this.lineStarts[line];
    const end = next === undefined ? this.text.length : next - 1;
    const text = this.text.slice(start, end);
    return text.endsWith("\r") ? text.slice(0, -1) : text;
  }
}

/** A place in a source file: where a node, key or comment starts. */
export interface Loc {
  readonly src: SourceFile;
  readonly offset: number;
}
