import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ComposeInputError } from "../../../src/spec/compose/errors.js";
import { fastParse, type ParsedYaml } from "../../../src/spec/compose/fast-parse.js";
import { SourceFile } from "../../../src/spec/compose/source.js";
import { AliasBudget, type YNode } from "../../../src/spec/compose/tree.js";
import { fullParse } from "../../../src/spec/compose/yaml-parse.js";

/**
 * The fast parser must build exactly the tree the yaml package builds (values, types, every
 * node's and key's offset, the exact-column marks) — or give up. These tests compare the two
 * on the fixtures, on tricky snippets, and on generated documents.
 */

const FIXTURES = fileURLToPath(new URL("../../fixtures/compose/", import.meta.url));

function source(text: string): SourceFile {
  return new SourceFile("t.yml", "/p/t.yml", text, "/p");
}

type Dumped =
  | { k: "scalar"; v: unknown; o: number; e: number | undefined; t: string | undefined }
  | { k: "map"; o: number; t: string | undefined; pairs: [string, number, Dumped][] }
  | { k: "seq"; o: number; t: string | undefined; items: Dumped[] };

function dump(node: YNode): Dumped {
  switch (node.kind) {
    case "scalar":
      return {
        k: "scalar",
        v: Number.isNaN(node.value) ? "NaN" : node.value,
        o: node.offset,
        e: node.exact,
        t: node.tag,
      };
    case "seq":
      return { k: "seq", o: node.offset, t: node.tag, items: node.items.map(dump) };
    case "map":
      return {
        k: "map",
        o: node.offset,
        t: node.tag,
        pairs: [...node.pairs.values()].map((p) => [p.key, p.offset, dump(p.value)]),
      };
  }
}

function dumpAll(parsed: ParsedYaml) {
  return {
    documents: parsed.documents.map((d) => (d === undefined ? null : dump(d))),
    comments: parsed.comments.map((c) => [c.offset, c.text]),
  };
}

function full(text: string) {
  return dumpAll(fullParse(source(text), new AliasBudget(1e6), []));
}

/** undefined when the fast parser gave up */
function fast(text: string) {
  const parsed = fastParse(source(text), new AliasBudget(1e6));
  return parsed === undefined ? undefined : dumpAll(parsed);
}

/** The fast parser agrees with the full one, or gives up; true when it did not give up. */
function agrees(text: string): boolean {
  const f = fast(text);
  if (f === undefined) return false;
  expect(f).toEqual(full(text));
  return true;
}

function fixtureFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return fixtureFiles(path);
    return name.endsWith(".yml") ? [path] : [];
  });
}

describe("fast parser = yaml package, on the fixtures", () => {
  const files = fixtureFiles(FIXTURES);
  it.each(files.map((f) => [f.slice(FIXTURES.length), f]))("%s", (_name, path) => {
    const text = readFileSync(path, "utf8");
    let fullResult: ReturnType<typeof full> | Error;
    try {
      fullResult = full(text);
    } catch (err) {
      // a file the yaml package refuses: the fast parser must not accept it
      expect(err).toBeInstanceOf(ComposeInputError);
      expect(fast(text)).toBeUndefined();
      return;
    }
    const f = fast(text);
    if (f !== undefined) expect(f).toEqual(fullResult);
  });

  it.each([
    "webapp/compose.yml",
    "anchors/compose.yml",
    "extends/compose.yml",
    "extends/common/base.yml",
    "override/compose.yml",
  ])("does not give up on %s", (name) => {
    expect(fast(readFileSync(join(FIXTURES, name), "utf8"))).toBeDefined();
  });
});

describe("fast parser on tricky snippets", () => {
  it.each<[string, string]>([
    [
      "plain scalars of every core type",
      "a: 1\nb: -2\nc: 0o17\nd: 0x1F\ne: 1.5\nf: .5\ng: 1e3\nh: .inf\ni: -.Inf\nj: .nan\nk: true\nk2: True\nk3: TRUE\nl: False\nm: null\nn: ~\no: yes\np: 80:80\nq: 1_000\n",
    ],
    [
      "colons and hashes inside plain scalars",
      "a: http://x:80/y#z\nb: a:b\nc: x# not a comment\nd: x #a comment\n",
    ],
    [
      "quoted scalars with and without escapes",
      "a: \"x\"\nb: 'y'\nc: \"tab\\tnew\\nline \\u00e9\"\nd: 'it''s'\ne: \"\"\nf: ''\ng: \"#not\" # yes\n",
    ],
    ["quoted and odd keys", '"a b": 1\n\'c\': 2\nd e: 3\nf.g/h: 4\n"8080": x\n'],
    [
      "compact sequences and maps in sequences",
      "a:\n- 1\n- b: 2\n  c: 3\n-   d: 4\n    e:\n      - 5\nf: 6\n",
    ],
    ["nested indentation", "a:\n  b:\n    c:\n      d: 1\n    e: 2\n  f: 3\ng: 4\n"],
    [
      "flow collections",
      'a: [1, "two", \'three\', four five]\nb: {x: 1, "y": [2, 3], z: {w: v}}\nc: []\nd: {}\ne: ["CMD-SHELL", "curl -f http://localhost || exit 1"]\n',
    ],
    [
      "block scalars",
      "a: |\n  line one\n    indented\n  line two\nb: >-\n  folded\n  text\n\n  para\nc: |\n  x\n\nd: 1\n",
    ],
    ["block scalar in a sequence", "a:\n  - |\n    #!/bin/sh\n    echo hi\n  - x\n"],
    [
      "anchors, aliases and merges",
      "x: &a\n  k: v\n  l: [1, 2]\ny:\n  <<: *a\n  k: own\nz:\n  <<: [*a, {m: n}]\ns: &s hello\nt: *s\nu: [*s, *s]\n",
    ],
    [
      "merge order: explicit before and after",
      "a: &a {k: 1, l: 2}\nb: &b {l: 3, m: 4}\nc:\n  k: 0\n  <<: [*a, *b]\n",
    ],
    [
      "comments everywhere",
      "# top\na: 1 # one\n  # odd indent\nb:\n  # before\n  - x # in seq\n\n# end\n",
    ],
    ["empty values", "a:\nb:\n  c:\nd: 1\n"],
    ["CRLF line ends", "a: 1\r\nb:\r\n  - x\r\n  - 'y'\r\nc: |\r\n  z\r\n"],
    ["no final newline", "a: 1\nb: [x]"],
    ["unicode", 'a: héllo wörld\nb: "日本"\nc: 🐳 # whale\n'],
    ["only comments", "# nothing\n"],
    ["empty file", ""],
    ["dollar signs", "a: ${X:-y}\nb: \"$$x\"\nc: '${A}'\n"],
    ["a leading document marker", "# c\n---\na: 1\n"],
    ["a leading document marker with a comment", "--- # doc\na: 1\n"],
  ])("%s", (_name, text) => {
    expect(agrees(text)).toBe(true);
  });

  it.each<[string, string]>([
    ["a tag", "a: !reset []\n"],
    ["a second document marker", "---\na: 1\n---\n"],
    ["content after a document marker", "--- a\n"],
    ["a document end marker", "a: 1\n...\n"],
    ["two documents", "a: 1\n---\nb: 2\n"],
    ["a multi-line plain scalar", "a: one\n  two\n"],
    ["a multi-line quoted scalar", 'a: "one\n  two"\n'],
    ["a multi-line flow collection", "a: [1,\n  2]\n"],
    ["a tab", "a:\t1\n"],
    ["an explicit key", "? a\n: 1\n"],
    ["keep chomping", "a: |+\n  x\n\n"],
    ["an indentation indicator", "a: |2\n   x\n"],
    ["a duplicate key", "a: 1\na: 2\n"],
    ["a non-string key", "1: a\n"],
    ["a top-level sequence", "- a\n"],
    ["bad indentation", "a: 1\n b: 2\n"],
    ["a mapping value on a scalar", "a: b: c\n"],
    ["a sequence on a key line", "a: - b\n"],
    ["an unknown alias", "a: *nope\n"],
    ["a recursive alias", "a: &x\n  b: *x\n"],
    ["a trailing flow comma", "a: [1, 2,]\n"],
    ["a reserved indicator", "a: @x\n"],
    ["a BOM", "\ufeffa: 1\n"],
    ["an empty sequence item", "a:\n  -\n  - x\n"],
    ["an implicit pair in a flow sequence", "a: [b: c]\n"],
    ["a lone CR", "a: 1\rb: 2\n"],
  ])("gives up on %s", (_name, text) => {
    expect(fast(text)).toBeUndefined();
  });
});

/** A tiny seeded PRNG (mulberry32) so generated cases are reproducible. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  "web",
  "db",
  "nginx:1.25",
  "80:80",
  "127.0.0.1:8080:80/tcp",
  "./data:/data:ro",
  "yes",
  "no",
  "on",
  "true",
  "False",
  "null",
  "~",
  "",
  " lead",
  "trail ",
  "a #b",
  "a# b",
  "a: b",
  "a:b",
  "-1",
  "- x",
  "? q",
  "0o17",
  "0x1f",
  "1e3",
  ".5",
  "1.",
  "+1",
  "12:30",
  "${A:-b}",
  "$$",
  "it's",
  'say "hi"',
  "#x",
  "@x",
  "`x",
  "%x",
  "&a",
  "*a",
  "!x",
  "[x]",
  "{x}",
  "x,y",
  "multi\nline",
  "tab\there",
  "é",
  "🐳",
  "NET_ADMIN",
  "no-new-privileges:true",
  "0",
  "007",
];

function randomValue(next: () => number, depth: number): unknown {
  const r = next();
  if (depth > 3 || r < 0.55) {
    const w = WORDS[Math.floor(next() * WORDS.length)] ?? "x";
    const t = next();
    if (t < 0.1) return Math.floor(next() * 1000);
    if (t < 0.15) return next() < 0.5;
    if (t < 0.18) return null;
    return w;
  }
  if (r < 0.78) {
    return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
  }
  const out: Record<string, unknown> = {};
  const n = Math.floor(next() * 5);
  for (let i = 0; i < n; i++) {
    const key =
      next() < 0.8
        ? `k${String(Math.floor(next() * 20))}`
        : (WORDS[Math.floor(next() * WORDS.length)] ?? "k");
    out[key] = randomValue(next, depth + 1);
  }
  return out;
}

describe("fast parser = yaml package on generated documents", () => {
  it("agrees on 400 documents in several styles, or gives up", () => {
    const next = rng(20261128);
    let accepted = 0;
    for (let i = 0; i < 400; i++) {
      const doc: Record<string, unknown> = { services: {} };
      const n = 1 + Math.floor(next() * 3);
      for (let s = 0; s < n; s++)
        (doc.services as Record<string, unknown>)[`svc${String(s)}`] = randomValue(next, 0);
      const style = i % 4;
      const text = stringify(doc, {
        indent: 2 + (style % 2) * 2,
        indentSeq: style < 2,
        flowCollectionPadding: style === 3,
        defaultStringType: style === 2 ? "QUOTE_DOUBLE" : "PLAIN",
        defaultKeyType: "PLAIN",
        lineWidth: style === 1 ? 20 : 80,
        collectionStyle: i % 7 === 0 ? "flow" : "any",
      });
      if (agrees(text)) accepted++;
    }
    // most generated documents are inside the subset: the fast path is really exercised
    expect(accepted).toBeGreaterThan(150);
  });
});
