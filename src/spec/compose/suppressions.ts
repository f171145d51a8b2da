import { failAt } from "./errors.js";
import type { ParsedComment } from "./fast-parse.js";
import type { SourceFile } from "./source.js";
import type { YNode } from "./tree.js";
import type { Suppression } from "./types.js";

/**
 * Inline suppressions: `# dockward-ignore <rule-id>[, <rule-id>...]: <reason>`, on its own
 * line (it applies to what follows: the next key) or at the end of a line (it applies to that
 * line). Inside a service — from its key to the next service's key — it applies to that
 * service; anywhere else (before `services:`, in `x-*` blocks, `volumes:`, …) to the whole
 * file. A suppression must say why: one without a reason is refused.
 *
 * Which service a comment belongs to comes from the parsed tree (the offsets of the top-level
 * and service keys), not from reading lines: the comment's target offset is looked up among
 * those keys.
 */

const MARKER = /^#\s*dockward-ignore(?=\s|:|$)/;
const RULE_ID = /^[A-Za-z][A-Za-z0-9_.-]*$/;

interface Boundary {
  offset: number;
  service: string | undefined;
}

function boundaries(documents: readonly (YNode | undefined)[]): Boundary[] {
  const out: Boundary[] = [];
  for (const root of documents) {
    if (root?.kind !== "map") continue;
    for (const pair of root.pairs.values()) {
      out.push({ offset: pair.offset, service: undefined });
      if (pair.key !== "services" || pair.value.kind !== "map") continue;
      for (const service of pair.value.pairs.values())
        out.push({ offset: service.offset, service: service.key });
    }
  }
  return out.sort((a, b) => a.offset - b.offset);
}

/** The offset a comment applies to: its own line's content, or the next content line's. */
function targetOf(src: SourceFile, comment: ParsedComment): number | undefined {
  const text = src.text;
  const { line } = src.position(comment.offset);
  const lineStart = src.lineStarts[line - 1] ?? 0;
  const before = text.slice(lineStart, comment.offset);
  if (before.trim() !== "") return lineStart + before.length - before.trimStart().length;
  for (let l = line; l < src.lineStarts.length; l++) {
    const content = src.lineText(l + 1);
    const trimmed = content.trimStart();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    return (src.lineStarts[l] ?? 0) + content.length - trimmed.length;
  }
  return undefined;
}

export function collectSuppressions(
  src: SourceFile,
  comments: readonly ParsedComment[],
  documents: readonly (YNode | undefined)[],
): Suppression[] {
  const marked = comments.filter((c) => MARKER.test(c.text));
  if (marked.length === 0) return [];
  const keys = boundaries(documents);
  const out: Suppression[] = [];
  for (const comment of marked) {
    const body = comment.text.replace(MARKER, "");
    const colon = body.indexOf(":");
    const ids = (colon === -1 ? body : body.slice(0, colon)).split(",").map((id) => id.trim());
    const reason = colon === -1 ? "" : body.slice(colon + 1).trim();
    const loc = { src, offset: comment.offset };
    if (ids.length === 1 && ids[0] === "") {
      failAt(
        loc,
        "a suppression names the rules it silences",
        "# dockward-ignore DW-XXX-000: why this is acceptable here",
      );
    }
    for (const id of ids) {
      if (!RULE_ID.test(id))
        failAt(
          loc,
          `"${id}" is not a rule id`,
          "# dockward-ignore DW-XXX-000[, DW-YYY-000]: reason",
        );
    }
    if (reason === "") {
      failAt(
        loc,
        "a suppression needs a reason",
        `# dockward-ignore ${ids.join(", ")}: why this is acceptable here`,
      );
    }
    const target = targetOf(src, comment);
    let service: string | undefined;
    if (target !== undefined) {
      // the last key at or before the target
      let lo = 0;
      let hi = keys.length - 1;
      let found: Boundary | undefined;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const b = keys[mid];
        if (b === undefined) break;
        if (b.offset <= target) {
          found = b;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      service = found?.service;
    }
    const { line } = src.position(comment.offset);
    for (const ruleId of ids) {
      const s: Suppression = { ruleId, reason, file: src.path, line };
      if (service !== undefined) s.service = service;
      out.push(s);
    }
  }
  return out;
}
