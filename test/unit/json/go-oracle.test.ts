/**
 * Differential tests: src/json against Go 1.19's encoding/json (test/go-oracle), the decoder
 * that reads every request body dockerd 20.10 accepts.
 *
 * For each document and type, with Go's json.Unmarshal as the reference:
 * - Go reports a syntax error ⇔ parseJson throws, with Go's message byte for byte and at Go's
 *   offset;
 * - Go reports any other error ⇔ decodeGo reports a "type" or "range" issue, the first one on
 *   the struct-field path Go names;
 * - otherwise, unless decodeGo reports a duplicate (which the guard refuses), decodeGo's value
 *   equals Go's, and Go decodes serializeGo's canonical body to exactly what it decoded from the
 *   original document (the guard forwards the former in place of the latter).
 * Every issue's position must be where its pointer leads.
 *
 * Each test runs the oracle itself, so without a Go toolchain every test FAILS with the hint to
 * install golang-go: this file must never pass by skipping.
 */

import { describe, expect, it } from "vitest";

import { type GoType, decodeGo, serializeGo } from "../../../src/json/decode.js";
import { FOLD_RUNS } from "../../../src/json/fold-table.js";
import { goFold } from "../../../src/json/fold.js";
import { type JsonNode, JsonSyntaxError, parseJson } from "../../../src/json/parse.js";
import { decodeGoUtf8 } from "../../../src/json/utf8.js";
import { canonical } from "./canonical.js";
import { DECODE_CASES } from "./decode-cases.js";
import { Gen, generate, mutate, seeded } from "./generate.js";
import { type OracleResult, runOracle } from "./oracle.js";
import { SYNTAX_CASES } from "./syntax-cases.js";
import {
  CONTAINER,
  HOST_CONFIG,
  any,
  bytes,
  float32,
  float64,
  int8,
  int64,
  map,
  ptr,
  raw,
  slice,
  str,
  struct,
  uint64,
} from "./types.js";

function toBytes(doc: string | readonly number[] | Uint8Array): Uint8Array {
  if (typeof doc === "string") return Buffer.from(doc, "utf8");
  return Uint8Array.from(doc);
}

/** Go's SyntaxError.Offset for our error: bytes up to and including the bad one (all of them
 * at the end of input). */
function goOffset(doc: Uint8Array, err: JsonSyntaxError): number {
  const { text, invalidBytes } = decodeGoUtf8(doc);
  if (err.pos.offset >= text.length) return doc.length;
  let n = 0;
  for (let k = 0; k < err.pos.offset; k++) {
    const c = text.charCodeAt(k);
    if (invalidBytes.has(k)) n += 1;
    else if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      k++;
    } else n += 3;
  }
  return n + 1;
}

/** The struct fields (canonical JSON names) a pointer passes through: Go's Field. */
function goFieldPath(pointer: string, type: GoType): string {
  const names: string[] = [];
  let t: GoType | undefined = type;
  const tokens = pointer === "" ? [] : pointer.slice(1).split("/");
  for (const escaped of tokens) {
    const token = escaped.replaceAll("~1", "/").replaceAll("~0", "~");
    while (t?.kind === "ptr") t = t.elem;
    if (t === undefined) break;
    if (t.kind === "struct") {
      const fields: Readonly<Record<string, GoType>> = t.fields;
      const name: string | undefined = Object.hasOwn(fields, token)
        ? token
        : Object.keys(fields).find((f) => goFold(f) === goFold(token));
      if (name === undefined) break;
      names.push(name);
      t = fields[name];
    } else if (t.kind === "map" || t.kind === "slice") {
      t = t.elem;
    } else {
      break;
    }
  }
  return names.join(".");
}

/** Every place a pointer may lead (duplicate keys make it ambiguous): value starts and keys. */
function pointerTargets(root: JsonNode, pointer: string): { values: number[]; keys: number[] } {
  let nodes: JsonNode[] = [root];
  let keys: number[] = [];
  const tokens = pointer === "" ? [] : pointer.slice(1).split("/");
  for (const escaped of tokens) {
    const token = escaped.replaceAll("~1", "/").replaceAll("~0", "~");
    const next: JsonNode[] = [];
    keys = [];
    for (const node of nodes) {
      if (node.kind === "object") {
        for (const m of node.members) {
          if (m.key === token) {
            next.push(m.value);
            keys.push(m.keyStart.offset);
          }
        }
      } else if (node.kind === "array" && /^\d+$/.test(token)) {
        const item = node.items[Number(token)];
        if (item !== undefined) next.push(item);
      }
    }
    nodes = next;
  }
  return { values: nodes.map((n) => n.start.offset), keys };
}

interface Checked {
  /** why ours and Go's disagree, or undefined */
  problem: string | undefined;
  /** for documents Go accepted and we would forward: our canonical body */
  canonicalBody?: string;
}

function check(type: GoType, doc: Uint8Array, go: OracleResult): Checked {
  let node: JsonNode;
  try {
    node = parseJson(doc);
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    if (go.kind !== "syntax")
      return { problem: `we: ${err.goMessage}; Go: ${go.kind} ${go.message ?? ""}` };
    if (err.goMessage !== go.message)
      return { problem: `message: we ${err.goMessage}; Go ${go.message}` };
    const offset = goOffset(doc, err);
    if (offset !== go.offset) return { problem: `offset: we ${offset}; Go ${String(go.offset)}` };
    return { problem: undefined };
  }
  if (go.kind === "syntax") return { problem: `Go: ${go.message ?? ""}; we parsed it` };

  const { value, issues } = decodeGo(node, type);
  for (const issue of issues) {
    const targets = pointerTargets(node, issue.pointer);
    const at = issue.code === "type" || issue.code === "range" ? targets.values : targets.keys;
    if (!at.includes(issue.pos.offset)) {
      return {
        problem: `${issue.code} issue at ${issue.pointer} points at offset ${issue.pos.offset}`,
      };
    }
  }
  const refused = issues.filter((i) => i.code === "type" || i.code === "range");
  if (go.kind !== "ok") {
    const first = refused[0];
    if (first === undefined)
      return { problem: `Go: ${go.message ?? ""}; we found no type or range issue` };
    if (go.kind === "type" && goFieldPath(first.pointer, type) !== (go.field ?? "")) {
      return {
        problem: `first error: we ${first.pointer}; Go field ${go.field ?? ""} (${go.message ?? ""})`,
      };
    }
    return { problem: undefined };
  }
  if (refused.length > 0)
    return { problem: `Go accepted; we: ${refused.map((i) => i.message).join("; ")}` };
  if (issues.some((i) => i.code === "duplicate")) return { problem: undefined };

  const fromGo = decodeGo(parseJson(go.value), type);
  if (fromGo.issues.length > 0) {
    return { problem: `Go's output does not decode cleanly: ${fromGo.issues[0]?.message ?? ""}` };
  }
  const ours = canonical(value, type);
  const theirs = canonical(fromGo.value, type);
  if (ours !== theirs) return { problem: `value: we ${ours}; Go ${theirs}` };
  return { problem: undefined, canonicalBody: serializeGo(value) };
}

interface Case {
  label: string;
  type: GoType;
  doc: Uint8Array;
}

/** Runs the cases through Go, checks each, then sends our canonical bodies back to Go. */
function differences(cases: readonly Case[]): string[] {
  const results = runOracle(cases);
  const problems: string[] = [];
  const forwarded: { index: number; body: string }[] = [];
  cases.forEach((c, k) => {
    const go = results[k];
    if (go === undefined) throw new Error("missing oracle result");
    const { problem, canonicalBody } = check(c.type, c.doc, go);
    if (problem !== undefined)
      problems.push(
        `${c.label} ${JSON.stringify(Buffer.from(c.doc).toString("latin1"))}: ${problem}`,
      );
    if (canonicalBody !== undefined) forwarded.push({ index: k, body: canonicalBody });
  });
  const again = runOracle(
    forwarded.map((f) => ({ type: cases[f.index]?.type ?? any, doc: f.body })),
  );
  forwarded.forEach((f, k) => {
    const type = cases[f.index]?.type ?? any;
    const original = results[f.index];
    const replayed = again[k];
    if (original === undefined || replayed === undefined) throw new Error("missing oracle result");
    // Compared as values: Go re-marshals a RawMessage with its original escapes ("\u00e9"
    // stays escaped), which our canonical body writes decoded; both mean the same string.
    const before = canonical(decodeGo(parseJson(original.value), type).value, type);
    const after =
      replayed.kind === "ok"
        ? canonical(decodeGo(parseJson(replayed.value), type).value, type)
        : "";
    if (before !== after) {
      problems.push(
        `${cases[f.index]?.label ?? ""}: Go reads our canonical body ${f.body} as ${after} (${replayed.kind}), the original as ${before}`,
      );
    }
  });
  return problems;
}

describe("Go oracle", () => {
  it("agrees with the syntax-error table, message and offset", () => {
    const cases = SYNTAX_CASES.map((c) => ({ label: c.name, type: any, doc: toBytes(c.doc) }));
    const results = runOracle(cases);
    const seen = results.map((r, k) => {
      const c = SYNTAX_CASES[k];
      const doc = cases[k]?.doc ?? new Uint8Array();
      let offset = -1;
      try {
        parseJson(doc);
      } catch (err) {
        if (err instanceof JsonSyntaxError) offset = goOffset(doc, err);
      }
      return {
        name: c?.name,
        message: r.message,
        offset: r.offset,
        ours: c?.goMessage,
        ourOffset: offset,
      };
    });
    expect(seen.filter((s) => s.message !== s.ours || s.offset !== s.ourOffset)).toEqual([]);
    expect(results.every((r) => r.kind === "syntax")).toBe(true);
  });

  it("agrees with the decode table", () => {
    const cases = DECODE_CASES.map((c) => ({ label: c.name, type: c.type, doc: toBytes(c.doc) }));
    expect(differences(cases)).toEqual([]);
  });

  it("agrees on hand-picked tricky documents", () => {
    const docs: [GoType, string | number[]][] = [
      // fold variants against every field of a realistic struct
      [CONTAINER, '{"hostconfig":{"securityopt":["a"],"SECURITYOPT":["b"]}}'],
      [CONTAINER, '{"HOSTCONFIG":{"ſecurityOpt":["no-new-privileges"],"\u212Aernel":1}}'],
      [HOST_CONFIG, '{"privileged":true,"PRIVILEGED":false}'],
      [HOST_CONFIG, '{"Ulimits":[{"name":"nofile","SOFT":1,"hard":2}],"ulimits":null}'],
      [CONTAINER, '{"kernel":"a","KERNEL":"b"}'],
      [CONTAINER, '{"\\u212aernel":"k","ks":1,"KS":2}'],
      [CONTAINER, '{"Foo":"x","foo":"y"}'],
      [CONTAINER, '{"fOo":"x","FOO":1}'],
      [CONTAINER, '{"ſtraße":"a","STRAßE":"b"}'],
      [CONTAINER, '{"σίσυφος":"a","ΣΊΣΥΦΟς":"b"}'],
      [CONTAINER, '{"ünïcode":1}'],
      [CONTAINER, '{"a/b~c":"x","A/B~C":"y"}'],
      // escapes and surrogates in keys and values
      [map(str), '{"\\ud800":"\\udc00","\\ud83d\\ude00":"\\ud83d\\u0041","\\ufffd":"x"}'],
      [
        map(str),
        [
          0x7b, 0x22, 0xff, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0x22, 0x2c, 0x22, 0xef, 0xbf, 0xbd, 0x22,
          0x3a, 0x22, 0x22, 0x7d,
        ],
      ],
      [slice(str), [0x5b, 0x22, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98, 0x22, 0x5d]],
      [str, '"\\u0000\\u001f\\u007f\\u2028<>&"'],
      // numbers at the edges
      [slice(int64), "[9223372036854775807,-9223372036854775808,-0]"],
      [slice(int64), "[9223372036854775808]"],
      [slice(int64), "[-9223372036854775809]"],
      [slice(uint64), "[18446744073709551615,0]"],
      [slice(uint64), "[18446744073709551616]"],
      [slice(uint64), "[-0]"],
      [slice(int8), "[127,-128,1.0]"],
      [slice(int8), "[1e0]"],
      [slice(int8), '["1"]'],
      [slice(float32), "[3.4028234663852886e38,3.4028235677973366e38]"],
      [slice(float32), "[3.4028235677973367e38]"],
      [slice(float32), "[340282356779733661637539395458142568447.9999999999999999999]"],
      [slice(float32), "[340282356779733661637539395458142568448]"],
      [slice(float32), "[7.006492321624085e-46,7.006492321624085783e-46,1e-46,-1e-46]"],
      [slice(float32), "[16777217.000000000001,16777218.999999999999,33554435,0.1,1e-45]"],
      [slice(float32), [`[16777217.${"0".repeat(1200)}1]`].join("")],
      [slice(float64), "[2.4703282292062327e-324,2.4703282292062328e-324,4.9e-324,1e-400,-0]"],
      [slice(float64), "[1.7976931348623158e308,8.98846567431158e307]"],
      [slice(float64), "[1.7976931348623159e308]"],
      [slice(float64), `[0.${"9".repeat(800)}]`],
      [any, "[1e308,1.7976931348623158e308,-1e-400,123456789012345678901234567890]"],
      [any, "[1.7976931348623159e308]"],
      // null into everything
      [str, "null"],
      [int64, "null"],
      [struct({ A: int64 }), "null"],
      [slice(str), "null"],
      [ptr(ptr(int64)), "null"],
      [raw, "null"],
      [any, "null"],
      [slice(any), "[null,{},[]]"],
      [map(ptr(str)), '{"a":null,"b":"x"}'],
      // wrong kinds at the top
      [int64, '"1"'],
      [str, "1"],
      [slice(str), "{}"],
      [map(str), "[]"],
      [bytes, '"AQI"'],
      [bytes, "[1,2,3]"],
      [bytes, "[256]"],
      [bytes, '"AQI=\\n"'],
      [bytes, '"\\u0041QI="'],
      // RawMessage holds anything, as written
      [
        struct({ R: raw, S: slice(raw) }),
        '{"R":{"a":1,"a":[ 1 , 2.0e1 ]},"S":[null,"\\u00e9",true]}',
      ],
      // depth
      [any, "[".repeat(10000) + "]".repeat(10000)],
      [any, "[".repeat(10001) + "]".repeat(10001)],
      [slice(any), "[" + "[".repeat(9999) + "1e999" + "]".repeat(9999) + "]"],
      // whitespace Go does not accept
      [any, "\u00a0[]"],
      [any, "[]\u000b"],
      [any, "\ufeff[]"],
    ];
    const cases = docs.map(([type, doc], k) => ({
      label: `tricky #${k}`,
      type,
      doc: toBytes(doc),
    }));
    expect(differences(cases)).toEqual([]);
  });

  it("matches a field through every member of every folding orbit of letters", () => {
    const orbits = new Map<number, number[]>();
    for (const [start, count, stride, delta] of FOLD_RUNS) {
      for (let k = 0; k < count; k++) {
        const rune = start + k * stride;
        const members = orbits.get(rune + delta) ?? [rune + delta];
        members.push(rune);
        orbits.set(rune + delta, members);
      }
    }
    // Go ignores a json tag that is not letters, digits and some punctuation: keep to letters.
    const letters = [...orbits.values()].filter((m) =>
      m.every((r) => /^\p{L}$/u.test(String.fromCodePoint(r))),
    );
    expect(letters.length).toBeGreaterThan(1000);
    const fields: Record<string, GoType> = {};
    for (const members of letters) fields[`f${String.fromCodePoint(members[0] ?? 0)}`] = int64;
    const type = struct(fields);
    const cases = [1, 2, 3].map((variant) => {
      const members = letters.map((m, k) => {
        const rune = m[variant % m.length] ?? 0;
        return `"f${String.fromCodePoint(rune)}":${k}`;
      });
      return { label: `orbit variant ${variant}`, type, doc: toBytes(`{${members.join(",")}}`) };
    });
    expect(differences(cases)).toEqual([]);
    for (const c of cases) expect(decodeGo(parseJson(c.doc), type).issues).toEqual([]);
  });

  it("agrees on 3000 generated documents", () => {
    const g = new Gen(seeded(20100));
    const types: GoType[] = [CONTAINER, CONTAINER, HOST_CONFIG, slice(any), map(ptr(int64)), bytes];
    const cases = Array.from({ length: 3000 }, (_, k) => {
      const type = g.pick(types);
      return { label: `generated #${k}`, type, doc: toBytes(generate(g, type)) };
    });
    expect(differences(cases)).toEqual([]);
  });

  it("agrees on 3000 mutated documents", () => {
    const g = new Gen(seeded(1924));
    const types: GoType[] = [CONTAINER, HOST_CONFIG, any, slice(float32)];
    const cases = Array.from({ length: 3000 }, (_, k) => {
      const type = g.pick(types);
      return { label: `mutated #${k}`, type, doc: mutate(g, toBytes(generate(g, type))) };
    });
    const results = differences(cases);
    expect(results).toEqual([]);
  });
});
