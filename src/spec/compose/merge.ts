import { failAt } from "./errors.js";
import {
  describe,
  get,
  mapNode,
  scalar,
  seqNode,
  type YMap,
  type YNode,
  type YPair,
  type YSeq,
} from "./tree.js";

/**
 * Merging compose trees, as compose-go's override package merges files (`-f a -f b`) and
 * `extends` bases: mappings merge key by key, sequences append, scalars are replaced; a null
 * in the override changes nothing. Special paths (compose-go override/merge.go):
 * - `command`, `entrypoint`, `healthcheck.test`: replaced, never appended;
 * - `environment`, `labels`, `annotations`, `sysctls`, `tmpfs`, `env_file`, `label_file`,
 *   `dns*`, `build.args|labels|additional_contexts`, `deploy.labels`: both sides become
 *   `KEY=VALUE` lists (a mapping's entries sorted) and are appended; the later entry for a key
 *   wins when the list is read (compose-go's EnforceUnicity, applied by the readers in
 *   to-spec.ts, as are the uniqueness rules of ports, volumes, devices and capabilities);
 * - `extra_hosts`: appended without duplicates; `ulimits.<name>`: replaced;
 * - `logging`: merged only when both name the same driver (or one names none), else replaced;
 * - `build` as a string means `{context: …}`; `depends_on`, `networks`, `models` lists
 *   mean mappings.
 * `!reset` on a value removes the key; `!override` replaces instead of merging.
 * Merging never modifies its inputs: every node keeps the file and offset it came from.
 */

type Path = readonly string[];
type Merger = (base: YNode, over: YNode, path: Path) => YNode;

const SERVICE_SPECIALS = new Map<string, Merger>([
  ["command", (_b, o) => clean(o)],
  ["entrypoint", (_b, o) => clean(o)],
  ["healthcheck.test", (_b, o) => clean(o)],
  ["annotations", toSequenceMerge],
  ["build.args", toSequenceMerge],
  ["build.additional_contexts", toSequenceMerge],
  ["build.labels", toSequenceMerge],
  ["deploy.labels", toSequenceMerge],
  ["dns", toSequenceMerge],
  ["dns_opt", toSequenceMerge],
  ["dns_search", toSequenceMerge],
  ["env_file", toSequenceMerge],
  ["label_file", toSequenceMerge],
  ["environment", toSequenceMerge],
  ["labels", toSequenceMerge],
  ["sysctls", toSequenceMerge],
  ["tmpfs", toSequenceMerge],
  ["extra_hosts", extraHostsMerge],
  ["build.extra_hosts", extraHostsMerge],
  ["logging", loggingMerge],
  ["build", buildMerge],
  ["depends_on", mappingMerge],
  ["networks", mappingMerge],
  ["models", mappingMerge],
]);

function specialFor(path: Path): Merger | undefined {
  if (path[0] === "services" && path.length >= 3) {
    if (path.length === 4 && path[2] === "ulimits") return (_b, o) => clean(o);
    return SERVICE_SPECIALS.get(path.slice(2).join("."));
  }
  if (
    (path[0] === "networks" || path[0] === "volumes") &&
    path.length === 3 &&
    path[2] === "labels"
  ) {
    return toSequenceMerge;
  }
  return undefined;
}

/** A node with `!reset` keys removed and tags dropped (a value with no base to merge with). */
export function clean(node: YNode): YNode {
  if (node.kind === "scalar") return node.tag === undefined ? node : { ...node, tag: undefined };
  if (node.kind === "seq") {
    if (node.tag === undefined && !node.items.some(hasTags)) return node;
    return { ...node, tag: undefined, items: node.items.map(clean) };
  }
  if (node.tag === undefined && !hasTags(node)) return node;
  const out = mapNode(node.src, node.offset);
  for (const [key, pair] of node.pairs) {
    if (pair.value.tag === "reset") continue;
    out.pairs.set(key, { ...pair, value: clean(pair.value) });
  }
  return out;
}

function hasTags(node: YNode): boolean {
  if (node.tag !== undefined) return true;
  if (node.kind === "map") {
    for (const pair of node.pairs.values()) if (hasTags(pair.value)) return true;
  } else if (node.kind === "seq") return node.items.some(hasTags);
  return false;
}

/** Merge `over` onto `base` at `path` (the keys from the root, `services.<name>.…`). */
export function mergeNodes(base: YNode, over: YNode, path: Path): YNode {
  if (over.tag === "override") return clean(over);
  if (over.kind === "scalar" && over.value === null) return base;
  const special = specialFor(path);
  if (special !== undefined) return special(base, over, path);
  if (base.kind === "map" && over.kind === "map") return mergeMaps(base, over, path);
  if (base.kind === "seq" && over.kind === "seq") {
    const out = seqNode(base.src, base.offset);
    out.items = [...base.items, ...over.items.map(clean)];
    return out;
  }
  if (base.kind !== "scalar") {
    failAt(
      over,
      `cannot override ${path.join(".")}: ${describe(base)} cannot be replaced by ${describe(over)}`,
    );
  }
  return clean(over);
}

function mergeMaps(base: YMap, over: YMap, path: Path): YMap {
  const out = mapNode(base.src, base.offset);
  for (const [key, pair] of base.pairs) out.pairs.set(key, pair);
  for (const [key, pair] of over.pairs) {
    if (pair.value.tag === "reset") {
      out.pairs.delete(key);
      continue;
    }
    const existing = out.pairs.get(key);
    if (existing === undefined) out.pairs.set(key, { ...pair, value: clean(pair.value) });
    else
      out.pairs.set(key, {
        ...existing,
        value: mergeNodes(existing.value, pair.value, [...path, key]),
      });
  }
  return out;
}

/**
 * compose-go convertIntoSequence: a mapping becomes sorted `KEY=VALUE` entries (`KEY` alone
 * for null, one entry per item for a list value), a string becomes a one-item list.
 */
export function toSequence(node: YNode, path: Path): YSeq {
  if (node.kind === "seq") return node;
  const out = seqNode(node.src, node.offset);
  if (node.kind === "scalar") {
    out.items.push(node);
    return out;
  }
  const entries: { text: string; at: YNode | YPair }[] = [];
  for (const [key, pair] of node.pairs) {
    const value = pair.value;
    if (value.kind === "scalar") {
      entries.push(
        value.value === null
          ? { text: key, at: pair }
          : { text: `${key}=${String(value.value)}`, at: value },
      );
    } else if (value.kind === "seq") {
      for (const item of value.items) {
        if (item.kind !== "scalar")
          failAt(item, `${path.join(".")}.${key} entries must be strings, not ${describe(item)}`);
        entries.push({ text: `${key}=${String(item.value)}`, at: item });
      }
    } else
      failAt(
        value,
        `${path.join(".")}.${key} must be a string, number, boolean or null, not ${describe(value)}`,
      );
  }
  entries.sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  for (const e of entries) out.items.push(scalar(e.at.src, e.at.offset, e.text));
  return out;
}

function toSequenceMerge(base: YNode, over: YNode, path: Path): YNode {
  const out = seqNode(base.src, base.offset);
  out.items = [...toSequence(base, path).items, ...toSequence(clean(over), path).items];
  return out;
}

function extraHostsMerge(base: YNode, over: YNode, path: Path): YNode {
  const left = toSequence(base, path).items;
  const seen = new Set(left.map((n) => (n.kind === "scalar" ? String(n.value) : n)));
  const out = seqNode(base.src, base.offset);
  out.items = [...left];
  for (const item of toSequence(clean(over), path).items) {
    if (!seen.has(item.kind === "scalar" ? String(item.value) : item)) out.items.push(item);
  }
  return out;
}

function loggingMerge(base: YNode, over: YNode, path: Path): YNode {
  if (base.kind !== "map" || over.kind !== "map") return clean(over);
  const a = get(base, "driver");
  const b = get(over, "driver");
  const same =
    a === undefined ||
    b === undefined ||
    (a.kind === "scalar" && b.kind === "scalar" && a.value === b.value);
  return same ? mergeMaps(base, over, path) : clean(over);
}

function buildMerge(base: YNode, over: YNode, path: Path): YNode {
  const asMap = (n: YNode): YNode => {
    if (n.kind !== "scalar") return n;
    const m = mapNode(n.src, n.offset);
    m.pairs.set("context", { key: "context", src: n.src, offset: n.offset, value: n });
    return m;
  };
  const a = asMap(base);
  const b = asMap(over);
  return a.kind === "map" && b.kind === "map" ? mergeMaps(a, b, path) : clean(over);
}

/** compose-go convertIntoMapping: a list of names becomes a mapping of names to null. */
function mappingMerge(base: YNode, over: YNode, path: Path): YNode {
  const asMap = (n: YNode): YNode => {
    if (n.kind !== "seq") return n;
    const m = mapNode(n.src, n.offset);
    for (const item of n.items) {
      if (item.kind === "scalar" && typeof item.value === "string") {
        m.pairs.set(item.value, {
          key: item.value,
          src: item.src,
          offset: item.offset,
          value: scalar(item.src, item.offset, null),
        });
      }
    }
    return m;
  };
  const a = asMap(base);
  const b = asMap(over);
  return a.kind === "map" && b.kind === "map" ? mergeMaps(a, b, path) : clean(over);
}
