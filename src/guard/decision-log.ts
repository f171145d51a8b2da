import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { DockwardError } from "../errors.js";

/**
 * The guard's decision log: one JSON line per request, append-only, each line chained to the
 * one before by a SHA-256 hash. Editing, reordering or deleting a line breaks the chain at that
 * line, which `dockward guard verify-log` reports. Cutting lines off the END cannot be seen
 * from the file alone: the last hash is printed at shutdown and served on /metrics so it can be
 * kept elsewhere and given to verify-log as `--head`.
 */

export interface DecisionRecord {
  time: string;
  identity: string;
  method: string;
  /** the normalised path the daemon routes on (never the query: it may carry secrets) */
  path: string;
  /** the operation the routing table matched, e.g. ContainerCreate */
  operation?: string;
  decision: "allow" | "deny";
  /** rule ids that denied (or, for an allowed request, findings below the deny threshold) */
  rules: string[];
  /** why, for a denial */
  reason?: string;
  status?: number;
  latencyMs: number;
}

export interface ChainedRecord extends DecisionRecord {
  seq: number;
  prev: string;
  hash: string;
}

export const GENESIS = "0".repeat(64);

/** The hash covers every field but `hash`, in a fixed key order, so it is reproducible. */
export function chainHash(prev: string, seq: number, record: DecisionRecord): string {
  const body = canonicalLine({ ...record, seq, prev });
  return createHash("sha256").update(body).digest("hex");
}

/** Records are flat apart from `rules` (strings), so sorting the top-level keys suffices. */
function canonicalLine(value: Record<string, unknown>): string {
  return JSON.stringify(value, Object.keys(value).sort());
}

/**
 * The line written for a record: its canonical text (keys already in sorted order, so one
 * JSON.stringify gives it) with the hash added last. The same bytes chainHash hashes, made once
 * per request instead of twice.
 */
export function chainedLine(
  prev: string,
  seq: number,
  record: DecisionRecord,
): { line: string; hash: string } {
  // written in sorted key order (JSON.stringify keeps it, and leaves out what is undefined); a
  // field added to DecisionRecord and not here does not compile
  const ordered = {
    decision: record.decision,
    identity: record.identity,
    latencyMs: record.latencyMs,
    method: record.method,
    operation: record.operation,
    path: record.path,
    prev,
    reason: record.reason,
    rules: record.rules,
    seq,
    status: record.status,
    time: record.time,
  } satisfies Record<keyof DecisionRecord | "seq" | "prev", unknown>;
  const body = JSON.stringify(ordered);
  const hash = createHash("sha256").update(body).digest("hex");
  return { line: `${body.slice(0, -1)},"hash":"${hash}"}\n`, hash };
}

export interface LogSink {
  write(record: DecisionRecord): void;
  /** the hash of the last line written (GENESIS when none) */
  head(): string;
  close(): void;
}

/** Read the last line of an existing log, so a restarted guard continues its chain. */
function lastLine(fd: number): string | undefined {
  const size = fstatSync(fd).size;
  if (size === 0) return undefined;
  const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
  readSync(fd, chunk, 0, chunk.length, size - chunk.length);
  const text = chunk.toString("utf8").replace(/\n+$/, "");
  const at = text.lastIndexOf("\n");
  return at === -1 ? text : text.slice(at + 1);
}

/**
 * Open FILE (`-` for stdout) for appending (created 0600: the log names every client). Writes are synchronous
 * and in order: a decision is in the file before the response leaves, so a crash of the guard
 * cannot lose the record of a request the daemon carried out. Lines are not fsync'd: a crash of
 * the machine itself can lose the last ones (the head kept elsewhere shows it).
 */
export function openDecisionLog(file: string): LogSink {
  if (file === "-")
    return streamSink(
      (line) => {
        process.stdout.write(line);
      },
      GENESIS,
      0,
    );
  let fd: number;
  try {
    fd = openSync(file, "a+", 0o600);
  } catch (err) {
    throw new DockwardError("BAD_INPUT", `cannot open --log ${file}: ${(err as Error).message}`, {
      hint: "give a writable file path, or --log - for stdout",
    });
  }
  let prev = GENESIS;
  let seq = 0;
  const last = lastLine(fd);
  if (last !== undefined) {
    const parsed = parseChained(last);
    if (parsed === undefined) {
      closeSync(fd);
      throw new DockwardError(
        "BAD_INPUT",
        `--log ${file}: its last line is not a dockward decision record, so the chain cannot continue`,
        {
          hint: "check it with `dockward guard verify-log`, then move it aside and start a new log",
        },
      );
    }
    prev = parsed.hash;
    seq = parsed.seq + 1;
  }
  const sink = streamSink((line) => writeSync(fd, line), prev, seq);
  return {
    ...sink,
    close: () => {
      closeSync(fd);
    },
  };
}

function streamSink(out: (line: string) => void, prev0: string, seq0: number): LogSink {
  let prev = prev0;
  let seq = seq0;
  return {
    write(record) {
      const { line, hash } = chainedLine(prev, seq, record);
      out(line);
      prev = hash;
      seq += 1;
    },
    head: () => prev,
    close: () => undefined,
  };
}

function parseChained(line: string): ChainedRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const r = value as Partial<ChainedRecord>;
  if (typeof r.hash !== "string" || typeof r.prev !== "string" || typeof r.seq !== "number")
    return undefined;
  return r as ChainedRecord;
}

export interface VerifyResult {
  ok: boolean;
  lines: number;
  head: string;
  /** seq of the first line: above 0 when the file starts mid-chain (rotated, or its start cut) */
  firstSeq?: number;
  /** 1-based line of the first break, and what is wrong there */
  brokenAt?: number;
  problem?: string;
}

/** Check every line's hash and its link to the line before. */
export function verifyLogText(text: string, expectHead?: string): VerifyResult {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  let prev = GENESIS;
  let seq: number | undefined;
  for (const [i, line] of lines.entries()) {
    const n = i + 1;
    const r = parseChained(line);
    if (r === undefined)
      return { ok: false, lines: lines.length, head: prev, brokenAt: n, problem: "not a record" };
    if (i === 0) {
      seq = r.seq;
      prev = r.prev; // a rotated log starts mid-chain; the first line anchors it
    }
    if (r.prev !== prev)
      return {
        ok: false,
        lines: lines.length,
        head: prev,
        brokenAt: n,
        problem: "prev does not match the line before (a line was removed, inserted or reordered)",
      };
    if (r.seq !== seq)
      return {
        ok: false,
        lines: lines.length,
        head: prev,
        brokenAt: n,
        problem: `seq ${String(r.seq)} where ${String(seq)} was expected`,
      };
    const { hash, seq: s, prev: p, ...record } = r;
    if (chainHash(p, s, record) !== hash)
      return {
        ok: false,
        lines: lines.length,
        head: prev,
        brokenAt: n,
        problem: "the line was edited (its hash does not match its content)",
      };
    prev = hash;
    seq = s + 1;
  }
  const firstSeq = lines.length === 0 ? undefined : (parseChained(lines[0] ?? "")?.seq ?? 0);
  const start = firstSeq === undefined ? {} : { firstSeq };
  if (expectHead !== undefined && expectHead !== prev) {
    return {
      ok: false,
      lines: lines.length,
      head: prev,
      ...start,
      brokenAt: lines.length,
      problem: `the last hash is ${prev}, not the expected head ${expectHead} (lines were cut off the end, or it is another log)`,
    };
  }
  return { ok: true, lines: lines.length, head: prev, ...start };
}
