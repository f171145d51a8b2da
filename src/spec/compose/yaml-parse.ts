import { isAlias, isMap, isScalar, isSeq, Lexer, parseAllDocuments, Scalar } from "yaml";
import { failAt } from "./errors.js";
import type { ParsedComment, ParsedYaml } from "./fast-parse.js";
import type { Loc, SourceFile } from "./source.js";
import {
  type AliasBudget,
  mapNode,
  type NodeTag,
  scalar,
  seqNode,
  type YMap,
  type YNode,
  type YSeq,
} from "./tree.js";
import { applyMerges } from "./yaml-common.js";

/**
 * The full parser: the yaml package's Document API (YAML 1.2 core schema, `<<` merge keys,
 * several documents per file), converted to the positioned tree. Every YAML error the adapter
 * reports comes from here, at the yaml package's position.
 *
 * `uniqueKeys: false`: the yaml package's duplicate-key check compares every pair with every
 * other (quadratic on a 10,000-service map); the conversion below checks with a Set per map and
 * reports the second key.
 */

export interface ParseWarning {
  loc: Loc;
  message: string;
}

const TAGS: Readonly<Record<string, NodeTag>> = { "!reset": "reset", "!override": "override" };

type AnyNode = unknown;

class Converter {
  private readonly src: SourceFile;
  private readonly budget: AliasBudget;
  /** anchored nodes being converted: an alias to one of them is recursive */
  private readonly active = new Set<unknown>();
  /**
   * Anchors seen so far, in document order (the last definition before an alias wins). The
   * yaml package's Alias.resolve(doc) walks the whole document per alias: quadratic on big files.
   */
  private readonly anchors = new Map<string, unknown>();
  /** a `!reset` or `!override` tag was seen */
  tagged = false;

  constructor(src: SourceFile, budget: AliasBudget) {
    this.src = src;
    this.budget = budget;
  }

  private tagOf(tag: string | undefined): NodeTag | undefined {
    const t = tag === undefined ? undefined : TAGS[tag];
    if (t !== undefined) this.tagged = true;
    return t;
  }

  private loc(offset: number): Loc {
    return { src: this.src, offset };
  }

  private start(node: { range?: readonly [number, number, number] | null | undefined }): number {
    return node.range?.[0] ?? 0;
  }

  /**
   * Convert a yaml node. `at` is set inside an alias expansion: every node then sits at the
   * alias (see tree.ts).
   */
  convert(node: AnyNode, at: number | undefined, emptyAt: number): YNode {
    if (at !== undefined && !this.budget.spend(1)) {
      failAt(this.loc(at), "too many alias expansions (a YAML alias bomb?)");
    }
    if (node === null || node === undefined) return scalar(this.src, at ?? emptyAt, null);
    if (isAlias(node)) {
      const target = this.anchors.get(node.source);
      const aliasAt = at ?? this.start(node);
      if (target === undefined)
        failAt(this.loc(aliasAt), `unknown anchor in alias *${node.source}`);
      if (this.active.has(target))
        failAt(this.loc(aliasAt), `the alias *${node.source} is inside its own anchor`);
      return this.convert(target, aliasAt, aliasAt);
    }
    // anchors inside an alias expansion are not definitions
    if (
      at === undefined &&
      (isScalar(node) || isMap(node) || isSeq(node)) &&
      node.anchor !== undefined
    ) {
      this.anchors.set(node.anchor, node);
    }
    if (isScalar(node)) {
      const tag = this.tagOf(node.tag);
      const offset = at ?? this.start(node);
      const value: unknown = node.value;
      const range = node.range;
      // `key:` with nothing after it: place the null at the key, as the fast parser does
      if (value === null && range !== undefined && range !== null && range[0] === range[1]) {
        return { ...scalar(this.src, at ?? emptyAt, null), tag };
      }
      if (
        value === null ||
        typeof value === "string" ||
        typeof value === "number" ||
        typeof value === "boolean"
      ) {
        const out = scalar(
          this.src,
          offset,
          value,
          at === undefined && typeof value === "string" ? this.exact(node, value) : undefined,
        );
        out.tag = tag;
        return out;
      }
      failAt(
        this.loc(offset),
        `unsupported YAML value (${typeof value}); compose files hold strings, numbers, booleans and null`,
      );
    }
    if (isSeq(node)) {
      const out: YSeq = seqNode(this.src, at ?? this.start(node));
      out.tag = this.tagOf(node.tag);
      this.active.add(node);
      for (const item of node.items) out.items.push(this.convert(item, at, out.offset));
      this.active.delete(node);
      return out;
    }
    if (isMap(node)) {
      const out: YMap = mapNode(this.src, at ?? this.start(node));
      out.tag = this.tagOf(node.tag);
      this.active.add(node);
      const merges: YNode[] = [];
      let mergeAt = out.offset;
      for (const pair of node.items) {
        const key: unknown = pair.key;
        if (!isScalar(key)) {
          const where = isAlias(key) || isMap(key) || isSeq(key) ? this.start(key) : out.offset;
          failAt(
            this.loc(at ?? where),
            "a key must be a plain string, not an alias, mapping or list",
          );
        }
        const keyAt = at ?? this.start(key);
        if (at === undefined && key.anchor !== undefined) this.anchors.set(key.anchor, key);
        const name: unknown = key.value;
        if (typeof name === "symbol") {
          mergeAt = keyAt;
          merges.push(this.convert(pair.value, at, keyAt));
          continue;
        }
        if (typeof name !== "string") {
          const written = this.src.text.slice(key.range?.[0] ?? 0, key.range?.[1] ?? 0);
          failAt(
            this.loc(keyAt),
            `non-string key ${written}: compose keys are strings`,
            `quote it: "${written}":`,
          );
        }
        const first = out.pairs.get(name);
        if (first !== undefined) {
          const { line, column } = this.src.position(first.offset);
          failAt(
            this.loc(keyAt),
            `duplicate key "${name}" (first defined at line ${line}, column ${column})`,
            "remove one of them",
          );
        }
        out.pairs.set(name, {
          key: name,
          src: this.src,
          offset: keyAt,
          value: this.convert(pair.value, at, keyAt),
        });
      }
      this.active.delete(node);
      const problem = applyMerges(out, merges);
      if (problem !== undefined) failAt(this.loc(mergeAt), problem);
      return out;
    }
    return failAt(this.loc(at ?? emptyAt), "unsupported YAML node");
  }

  /** See YScalar.exact. */
  private exact(node: Scalar, value: string): number | undefined {
    const range = node.range;
    if (range === undefined || range === null || value.includes("\n")) return undefined;
    const raw = this.src.text.slice(range[0], range[1]);
    if (node.type === Scalar.PLAIN && raw === value) return 0;
    if (
      (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE) &&
      raw.slice(1, -1) === value
    )
      return 1;
    return undefined;
  }
}

/** Comments with their offsets, from the yaml package's lexer. */
export function lexComments(text: string): ParsedComment[] {
  const comments: ParsedComment[] = [];
  let offset = 0;
  let scalarNext = false;
  for (const token of new Lexer().lex(text)) {
    if (scalarNext) {
      // the source of a scalar: may start with '#' inside a block scalar
      scalarNext = false;
      offset += token.length;
      continue;
    }
    if (token === "\x1f") {
      scalarNext = true;
      continue;
    }
    if (token === "\x02" || token === "\x18") continue; // zero-width control tokens
    if (token.startsWith("#")) comments.push({ offset, text: token });
    offset += token.length;
  }
  return comments;
}

export function fullParse(
  src: SourceFile,
  budget: AliasBudget,
  warnings: ParseWarning[],
): ParsedYaml {
  const docs = parseAllDocuments(src.text, { merge: true, uniqueKeys: false, prettyErrors: false });
  const documents: (YNode | undefined)[] = [];
  let tagged = false;
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error !== undefined) {
      failAt({ src, offset: error.pos[0] }, `invalid YAML: ${error.message}`, undefined, error);
    }
    for (const warning of doc.warnings) {
      if (warning.code === "TAG_RESOLVE_FAILED" && /!(?:reset|override)$/.test(warning.message))
        continue;
      warnings.push({ loc: { src, offset: warning.pos[0] }, message: warning.message });
    }
    const contents: unknown = doc.contents;
    if (contents === null) {
      documents.push(undefined);
      continue;
    }
    const converter = new Converter(src, budget);
    documents.push(converter.convert(contents, undefined, 0));
    tagged ||= converter.tagged;
  }
  return { documents, comments: lexComments(src.text), tagged };
}
