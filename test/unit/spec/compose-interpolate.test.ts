import { describe, expect, it } from "vitest";
import { parseDotEnv } from "../../../src/spec/compose/dotenv.js";
import { ComposeInputError } from "../../../src/spec/compose/errors.js";
import { substitute, TemplateError } from "../../../src/spec/compose/interpolate.js";
import { SourceFile } from "../../../src/spec/compose/source.js";

const ENV: Record<string, string> = { A: "a", EMPTY: "", NUM: "42", lower: "l" };
const lookup = (name: string): string | undefined => ENV[name];

function run(template: string): { out: string; undefinedAt: [string, number][] } {
  const undefinedAt: [string, number][] = [];
  const out = substitute(template, {
    lookup,
    onUndefined: (name, index) => undefinedAt.push([name, index]),
  });
  return { out, undefinedAt };
}

describe("substitute: compose-go template semantics", () => {
  it.each<[string, string, [string, number][]]>([
    ["no dollar at all", "no dollar at all", []],
    ["$A", "a", []],
    ["${A}", "a", []],
    ["x$A-y", "xa-y", []],
    ["$Ab", "", [["Ab", 0]]],
    ["${A}b", "ab", []],
    ["$lower", "l", []],
    ["${A:-d}", "a", []],
    ["${EMPTY:-d}", "d", []],
    ["${NOPE:-d}", "d", []],
    ["${EMPTY-d}", "", []],
    ["${NOPE-d}", "d", []],
    ["${A:+alt}", "alt", []],
    ["${EMPTY:+alt}", "", []],
    ["${NOPE:+alt}", "", []],
    ["${EMPTY+alt}", "alt", []],
    ["${NOPE+alt}", "", []],
    ["${A:?must}", "a", []],
    ["${EMPTY?must}", "", []],
    ["$$A", "$A", []],
    ["$${A}", "${A}", []],
    ["$$$A", "$a", []],
    ["cost: $5", "cost: $5", []],
    ["trailing $", "trailing $", []],
    ["${NOPE:-${A}}", "a", []],
    ["${NOPE:-${NOPE2:-${NUM}}}", "42", []],
    ["${NOPE:-x${A}y}z", "xayz", []],
    ["${A:-${NOPE}}", "a", []],
    ["${NOPE:-${NOPE2}}", "", [["NOPE2", 8]]],
    [
      "$NOPE and ${NOPE2}",
      " and ",
      [
        ["NOPE", 0],
        ["NOPE2", 10],
      ],
    ],
    ["${NOPE:-{x}}", "{x}", []],
    ["${NOPE:-a b c}", "a b c", []],
    ["${A}${A}", "aa", []],
  ])("%s → %s", (template, out, undefinedAt) => {
    expect(run(template)).toEqual({ out, undefinedAt });
  });

  it.each<[string, number, string]>([
    ["${NOPE:?give one}", 0, "required variable NOPE is missing a value: give one"],
    ["x ${EMPTY:?}", 2, "required variable EMPTY is missing a value"],
    ["${NOPE?}", 0, "required variable NOPE is missing a value"],
    ["${NOPE:?need ${A}}", 0, "required variable NOPE is missing a value: need a"],
    ["${NOPE:-${NOPE2:?inner}}", 8, "required variable NOPE2 is missing a value: inner"],
    ["ab${A", 2, 'invalid interpolation format "${A"'],
    ["${}", 0, "invalid interpolation format"],
    ["${1A}", 0, "invalid interpolation format"],
    ["${A:x}", 0, 'invalid interpolation format "${A:x}"'],
    ["${A.B}", 0, "invalid interpolation format"],
  ])("%s fails at index %i", (template, index, message) => {
    let caught: unknown;
    try {
      run(template);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TemplateError);
    expect((caught as TemplateError).index).toBe(index);
    expect((caught as TemplateError).message).toContain(message);
  });

  it("does not evaluate the branch it does not take", () => {
    // an unset variable in an unused default is not reported
    expect(run("${A:-$NOPE}")).toEqual({ out: "a", undefinedAt: [] });
    expect(run("${NOPE:+$NOPE2}")).toEqual({ out: "", undefinedAt: [] });
  });
});

describe("parseDotEnv", () => {
  function parse(text: string, env: Record<string, string> = {}) {
    const src = new SourceFile(".env", "/p/.env", text, "/p");
    const undefinedAt: string[] = [];
    const entries = parseDotEnv(
      src,
      (name) => env[name],
      (v) => {
        const { line, column } = v.loc.src.position(v.loc.offset);
        undefinedAt.push(`${v.name}@${String(line)}:${String(column)}`);
      },
    );
    return {
      values: entries.map((e) => [e.key, e.value, src.position(e.offset).line]),
      undefinedAt,
    };
  }

  it("reads the compose dotenv dialect", () => {
    const text = [
      "# a comment",
      "",
      "PLAIN=value with spaces   ",
      "COMMENTED=v # note",
      "HASH=v#not-a-comment",
      "export EXPORTED=1",
      "SINGLE='no $expansion \\n here'",
      'DOUBLE="tab\\there \\"quoted\\" ${PLAIN}"',
      'ESCAPED_DOLLAR="\\$HOME"',
      "REF=${SINGLE}/x",
      "COLON: yes",
      "EMPTY=",
      "  INDENTED=ok",
      "INHERITED",
      "MISSING_INHERITED",
    ].join("\n");
    expect(parse(text, { INHERITED: "from env" }).values).toEqual([
      ["PLAIN", "value with spaces", 3],
      ["COMMENTED", "v", 4],
      ["HASH", "v#not-a-comment", 5],
      ["EXPORTED", "1", 6],
      ["SINGLE", "no $expansion \\n here", 7],
      ["DOUBLE", 'tab\there "quoted" value with spaces', 8],
      ["ESCAPED_DOLLAR", "$HOME", 9],
      ["REF", "no $expansion \\n here/x", 10],
      ["COLON", "yes", 11],
      ["EMPTY", "", 12],
      ["INDENTED", "ok", 13],
      ["INHERITED", "from env", 14],
    ]);
  });

  it("lets the environment win over earlier keys when interpolating", () => {
    expect(parse("A=file\nB=${A}\n", { A: "env" }).values).toEqual([
      ["A", "file", 1],
      ["B", "env", 2],
    ]);
  });

  it("reports unset variables at the value", () => {
    expect(parse("A=1\nB=x${NOPE}\n").undefinedAt).toEqual(["NOPE@2:3"]);
  });

  it.each<[string, string]>([
    ["BAD KEY=1\n", '.env:1:5: unexpected character "K" in variable name "BAD"'],
    ["A='open\n", ".env:1:3: unterminated quoted value for A"],
    ['A="x" junk\n', ".env:1:7: unexpected text after the quoted value of A"],
    ["=1\n", '.env:1:1: unexpected character "=" where a variable name should start'],
    ["A=${B:?need B}\n", ".env:1:3: required variable B is missing a value: need B"],
  ])("refuses %j", (text, message) => {
    expect(() => parse(text)).toThrow(ComposeInputError);
    expect(() => parse(text)).toThrow(message);
  });
});
