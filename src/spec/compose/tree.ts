import type { Loc, SourceFile } from "./source.js";

/**
 * The positioned YAML tree the compose adapter works on. Both parsers (the fast line scanner
 * and the yaml package's Document API) produce it; interpolation, `extends`, merging and the
 * mapping to ContainerSpec read it. Every node and every key keeps the file and offset it came
 * from, so a value merged in from an override file still points into that file.
 *
 * Aliases are expanded when the tree is built: the copy of an anchored node carries the
 * position of the alias (`*name`, or the `<<: *name` merge key's alias), not the anchor's, so
 * a finding about a value a service inherits through an anchor points at that service.
 */

export type ScalarValue = string | number | boolean | null;

/** compose's custom tags: `!reset` drops an inherited value, `!override` replaces it. */
export type NodeTag = "reset" | "override";

interface NodeBase {
  src: SourceFile;
  offset: number;
  tag: NodeTag | undefined;
}

export interface YScalar extends NodeBase {
  kind: "scalar";
  value: ScalarValue;
  /**
   * Set when the value is the source text verbatim on one line: character i of the value is
   * at column(offset) + exact + i (0 for plain scalars, 1 for quoted ones without escapes).
   * Interpolation uses it to point at the `$` itself.
   */
  exact: number | undefined;
}

export interface YPair {
  key: string;
  src: SourceFile;
  /** where the key starts */
  offset: number;
  value: YNode;
}

export interface YMap extends NodeBase {
  kind: "map";
  /** insertion-ordered; the key is the pair's key */
  pairs: Map<string, YPair>;
}

export interface YSeq extends NodeBase {
  kind: "seq";
  items: YNode[];
}

export type YNode = YScalar | YMap | YSeq;

export function scalar(
  src: SourceFile,
  offset: number,
  value: ScalarValue,
  exact?: number,
): YScalar {
  return { kind: "scalar", src, offset, tag: undefined, value, exact };
}

export function mapNode(src: SourceFile, offset: number): YMap {
  return { kind: "map", src, offset, tag: undefined, pairs: new Map() };
}

export function seqNode(src: SourceFile, offset: number): YSeq {
  return { kind: "seq", src, offset, tag: undefined, items: [] };
}

export function pairLoc(pair: YPair): Loc {
  return { src: pair.src, offset: pair.offset };
}

/** What a node is, in the user's words, for error messages. */
export function describe(node: YNode): string {
  switch (node.kind) {
    case "map":
      return "a mapping";
    case "seq":
      return "a list";
    case "scalar": {
      const v = node.value;
      if (v === null) return "null";
      if (typeof v === "boolean") return `the boolean ${String(v)}`;
      if (typeof v === "number") return `the number ${String(v)}`;
      return `the string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)}`;
    }
  }
}

/**
 * Alias expansion budget: a "billion laughs" document would otherwise expand exponentially.
 * go-yaml (which docker compose uses) refuses excessive aliasing too.
 */
export class AliasBudget {
  private left: number;
  constructor(limit: number) {
    this.left = limit;
  }
  spend(n: number): boolean {
    this.left -= n;
    return this.left >= 0;
  }
}

/**
 * A deep copy of an anchored node, every node and key placed at the alias (see the module
 * comment). Returns undefined when the alias budget runs out.
 */
export function copyAt(
  node: YNode,
  src: SourceFile,
  offset: number,
  budget: AliasBudget,
): YNode | undefined {
  if (!budget.spend(1)) return undefined;
  switch (node.kind) {
    case "scalar":
      return { kind: "scalar", src, offset, tag: node.tag, value: node.value, exact: undefined };
    case "seq": {
      const out: YSeq = { kind: "seq", src, offset, tag: node.tag, items: [] };
      for (const item of node.items) {
        const copy = copyAt(item, src, offset, budget);
        if (copy === undefined) return undefined;
        out.items.push(copy);
      }
      return out;
    }
    case "map": {
      const out: YMap = { kind: "map", src, offset, tag: node.tag, pairs: new Map() };
      for (const [key, pair] of node.pairs) {
        const copy = copyAt(pair.value, src, offset, budget);
        if (copy === undefined) return undefined;
        out.pairs.set(key, { key, src, offset, value: copy });
      }
      return out;
    }
  }
}

/** The value of a map key, or undefined. */
export function get(map: YMap, key: string): YNode | undefined {
  return map.pairs.get(key)?.value;
}
