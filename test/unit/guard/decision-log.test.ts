import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type DecisionRecord,
  GENESIS,
  chainHash,
  chainedLine,
  openDecisionLog,
  verifyLogText,
} from "../../../src/guard/decision-log.js";

function record(i: number, decision: "allow" | "deny" = "allow"): DecisionRecord {
  return {
    time: `2026-11-28T10:00:0${String(i)}.000Z`,
    identity: `cn:ci-${String(i)}`,
    method: "POST",
    path: "/containers/create",
    operation: "ContainerCreate",
    decision,
    rules: decision === "deny" ? ["DW-PRIV-001"] : [],
    latencyMs: 1.5,
  };
}

function writeLog(n: number): { file: string; text: string; head: string } {
  const file = join(mkdtempSync(join(tmpdir(), "dw-log-")), "decisions.log");
  const log = openDecisionLog(file);
  for (let i = 0; i < n; i++) log.write(record(i, i % 2 === 0 ? "allow" : "deny"));
  const head = log.head();
  log.close();
  return { file, text: readFileSync(file, "utf8"), head };
}

describe("a chained line", () => {
  // every combination of the optional fields, and strings JSON must escape
  const optional = {
    operation: "ContainerCreate",
    reason: 'said "no"\n\u2028',
    status: 403,
  } as const;
  const keys = Object.keys(optional) as (keyof typeof optional)[];
  const cases = Array.from({ length: 2 ** keys.length }, (_, mask) => {
    const r: DecisionRecord = {
      time: "2026-11-28T10:00:00.000Z",
      identity: "cn:é\\x",
      method: "GET",
      path: "/_ping",
      decision: mask % 2 === 0 ? "allow" : "deny",
      rules: mask === 0 ? [] : ["DW-PRIV-001", "DW-NS-001"],
      latencyMs: mask / 7,
    };
    keys.forEach((k, bit) => {
      if ((mask >> bit) & 1) Object.assign(r, { [k]: optional[k] });
    });
    return r;
  });

  it.each(cases)("hashes what chainHash hashes and reads back whole (%#)", (r) => {
    const prev = "a".repeat(64);
    const { line, hash } = chainedLine(prev, 41, r);
    expect(hash).toBe(chainHash(prev, 41, r));
    expect(line.endsWith("\n")).toBe(true);
    expect(JSON.parse(line)).toEqual({ ...r, seq: 41, prev, hash });
    expect(verifyLogText(line).ok).toBe(true);
  });
});

describe("decision log hash chain", () => {
  it("verifies an untouched log and reports its head", () => {
    const { text, head } = writeLog(5);
    expect(text.trim().split("\n")).toHaveLength(5);
    const r = verifyLogText(text, head);
    expect(r).toMatchObject({ ok: true, lines: 5, head, firstSeq: 0 });
    expect(head).not.toBe(GENESIS);
  });

  it("creates the log readable by its owner only", () => {
    const { file } = writeLog(1);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  const tamper: [string, (lines: string[]) => string[], number, RegExp][] = [
    [
      "an edited decision",
      (l) => l.map((x, i) => (i === 2 ? x.replace('"decision":"allow"', '"decision":"deny"') : x)),
      3,
      /edited/,
    ],
    ["a removed line", (l) => l.filter((_, i) => i !== 1), 2, /removed, inserted or reordered/],
    [
      "two lines swapped",
      (l) => [l[0] ?? "", l[2] ?? "", l[1] ?? "", ...l.slice(3)],
      2,
      /reordered/,
    ],
    [
      "a line that is not JSON",
      (l) => [...l.slice(0, 3), "{oops", ...l.slice(3)],
      4,
      /not a record/,
    ],
  ];
  it.each(tamper)("detects %s at the right line", (_name, change, line, problem) => {
    const { text } = writeLog(5);
    const lines = text.trim().split("\n");
    const changed = change(lines);
    expect(changed.join("\n")).not.toBe(lines.join("\n"));
    const r = verifyLogText(`${changed.join("\n")}\n`);
    expect(r.ok).toBe(false);
    expect(r.brokenAt).toBe(line);
    expect(r.problem).toMatch(problem);
  });

  it("detects lines cut off the end only against a kept head", () => {
    const { text, head } = writeLog(4);
    const cut = `${text.trim().split("\n").slice(0, 3).join("\n")}\n`;
    expect(verifyLogText(cut).ok).toBe(true);
    const r = verifyLogText(cut, head);
    expect(r.ok).toBe(false);
    expect(r.problem).toMatch(/cut off the end/);
  });

  it("continues the chain when the guard reopens the same log", () => {
    const { file, head } = writeLog(3);
    const again = openDecisionLog(file);
    again.write(record(3));
    const newHead = again.head();
    again.close();
    const r = verifyLogText(readFileSync(file, "utf8"), newHead);
    expect(r).toMatchObject({ ok: true, lines: 4 });
    expect(newHead).not.toBe(head);
  });

  it("refuses to continue a log whose last line is not a record", () => {
    const { file } = writeLog(2);
    writeFileSync(file, "garbage\n", { flag: "a" });
    expect(() => openDecisionLog(file)).toThrow(/last line is not a dockward decision record/);
  });

  it("says when a log starts mid-chain", () => {
    const { text } = writeLog(4);
    const rest = `${text.trim().split("\n").slice(2).join("\n")}\n`;
    expect(verifyLogText(rest)).toMatchObject({ ok: true, firstSeq: 2 });
  });
});
