import { CST } from "yaml";
import type { SourceFile } from "./source.js";
import {
  type AliasBudget,
  copyAt,
  mapNode,
  scalar,
  seqNode,
  type YMap,
  type YNode,
  type YScalar,
  type YSeq,
} from "./tree.js";
import { applyMerges, resolvePlain } from "./yaml-common.js";

/**
 * A fast parser for the YAML that compose files are made of: block mappings and sequences,
 * single-line plain and quoted scalars, single-line flow collections, `|`/`>` block scalars,
 * anchors, aliases and `<<` merge keys, comments.
 *
 * Why it exists: the yaml package's Parser and Composer take seconds and hundreds of MB on a
 * 10,000-service file (FIELD-NOTES; ~6 s here), far over our budget. This scanner reads each
 * character once and builds the positioned tree directly.
 *
 * How it stays correct: it gives up (returns undefined) on ANYTHING outside that subset or the
 * least bit unusual — tabs, tags, directives, document markers, multi-line plain or quoted
 * scalars, explicit keys, multi-line flow collections, keep-chomping block scalars, duplicate
 * keys, bad indentation — and the caller then parses the file with the yaml package
 * (yaml-parse.ts), which also produces every error message. The differential tests
 * (compose-parse.test.ts) check both parsers produce the same tree on the subset.
 */

export interface ParsedComment {
  offset: number;
  text: string;
}

export interface ParsedYaml {
  /** one root per YAML document; undefined for an empty document */
  documents: (YNode | undefined)[];
  comments: ParsedComment[];
  /** some node carries `!reset` or `!override` (never from the fast parser) */
  tagged: boolean;
}

/** Thrown inside the scanner to give up; never escapes fastParse. One instance: no stacks. */
class GiveUp extends Error {}
const GIVE_UP = new GiveUp("outside the fast parser's YAML subset");

const SPACE = 0x20;
const HASH = 0x23;
const COLON = 0x3a;
const DASH = 0x2d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const BACKSLASH = 0x5c;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const COMMA = 0x2c;
const AMP = 0x26;
const STAR = 0x2a;
const BANG = 0x21;
const PIPE = 0x7c;
const GT = 0x3e;
const QUESTION = 0x3f;
const PERCENT = 0x25;
const AT = 0x40;
const BACKTICK = 0x60;
const CR = 0x0d;

/** Characters that may not start a plain scalar (c-indicator), except - ? : handled apart. */
function isIndicatorStart(c: number): boolean {
  return (
    c === LBRACKET ||
    c === RBRACKET ||
    c === LBRACE ||
    c === RBRACE ||
    c === COMMA ||
    c === HASH ||
    c === AMP ||
    c === STAR ||
    c === BANG ||
    c === PIPE ||
    c === GT ||
    c === SQUOTE ||
    c === DQUOTE ||
    c === PERCENT ||
    c === AT ||
    c === BACKTICK
  );
}

function isFlowIndicator(c: number): boolean {
  return c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE;
}

// Control characters (other than tab, LF, CR) and a BOM: the yaml package has opinions.
// eslint-disable-next-line no-control-regex
const UNUSUAL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufeff\t]/;

interface Pending {
  /** the key waiting for a value (maps), undefined for a sequence item */
  key: { name: string; offset: number; merge: boolean } | undefined;
  anchor: string | undefined;
}

interface MapFrame {
  kind: "map";
  indent: number;
  node: YMap;
  merges: YNode[];
  pending: Pending | undefined;
  anchor: string | undefined;
}

interface SeqFrame {
  kind: "seq";
  indent: number;
  node: YSeq;
  pending: Pending | undefined;
  /** a sequence at the same indentation as the key that holds it (`key:\n- a`) */
  compact: boolean;
  anchor: string | undefined;
}

type Frame = MapFrame | SeqFrame;

class Scanner {
  private readonly src: SourceFile;
  private readonly text: string;
  private readonly budget: AliasBudget;
  private readonly frames: Frame[] = [];
  private readonly anchors = new Map<string, YNode>();
  readonly comments: ParsedComment[] = [];
  root: YMap | undefined;
  /** index of the line being read; block scalars advance it */
  private line = 0;
  private lineStart = 0;
  /** end of the current line's content (before `\r\n` / `\n`) */
  private end = 0;

  constructor(src: SourceFile, budget: AliasBudget) {
    this.src = src;
    this.text = src.text;
    this.budget = budget;
  }

  private lineBounds(line: number): { start: number; end: number } {
    const starts = this.src.lineStarts;
    const start = starts[line] ?? this.text.length;
    const next = starts[line + 1];
    let end = next === undefined ? this.text.length : next - 1;
    if (end > start && this.text.charCodeAt(end - 1) === CR) end--;
    return { start, end };
  }

  run(): void {
    const text = this.text;
    if (UNUSUAL.test(text)) throw GIVE_UP;
    // a lone CR is a line break to YAML but not to us
    for (let i = text.indexOf("\r"); i !== -1; i = text.indexOf("\r", i + 1)) {
      if (text.charCodeAt(i + 1) !== 0x0a) throw GIVE_UP;
    }
    const starts = this.src.lineStarts;
    const lines = starts.length;
    for (this.line = 0; this.line < lines; this.line++) {
      // lineBounds, inlined: this loop runs once per line of a possibly huge file
      const start = starts[this.line] ?? text.length;
      const next = starts[this.line + 1];
      let end = next === undefined ? text.length : next - 1;
      if (end > start && text.charCodeAt(end - 1) === CR) end--;
      this.lineStart = start;
      this.end = end;
      let p = start;
      while (p < end && text.charCodeAt(p) === SPACE) p++;
      if (p === end) continue;
      const c = text.charCodeAt(p);
      if (c === HASH) {
        this.comment(p);
        continue;
      }
      if (p === start) {
        // document markers and directives start in column 1
        if (c === PERCENT) throw GIVE_UP;
        if (
          (text.startsWith("---", p) || text.startsWith("...", p)) &&
          (p + 3 === end || text.charCodeAt(p + 3) === SPACE)
        ) {
          // a `---` that opens the only document is common and harmless; anything else is
          // several documents or content after the marker: the full parser's business
          if (c !== DASH || this.root !== undefined) throw GIVE_UP;
          let q = p + 3;
          while (q < end && text.charCodeAt(q) === SPACE) q++;
          if (q < end && (text.charCodeAt(q) !== HASH || q === p + 3)) throw GIVE_UP;
          if (q < end) this.comment(q);
          continue;
        }
      }
      this.contentLine(p - start, p);
    }
    while (this.frames.length > 0) this.closeTop();
  }

  private comment(p: number): void {
    this.comments.push({ offset: p, text: this.text.slice(p, this.end) });
  }

  private top(): Frame {
    const f = this.frames[this.frames.length - 1];
    if (f === undefined) throw GIVE_UP;
    return f;
  }

  private isSeqItem(p: number): boolean {
    return (
      this.text.charCodeAt(p) === DASH &&
      (p + 1 === this.end || this.text.charCodeAt(p + 1) === SPACE)
    );
  }

  private contentLine(indent: number, p: number): void {
    if (this.frames.length === 0) {
      if (this.root !== undefined || indent !== 0 || this.isSeqItem(p)) throw GIVE_UP;
      this.root = mapNode(this.src, p);
      this.frames.push({
        kind: "map",
        indent: 0,
        node: this.root,
        merges: [],
        pending: undefined,
        anchor: undefined,
      });
    }
    let top = this.top();
    if (top.pending !== undefined) {
      if (indent > top.indent) top = this.openNested(top, indent, p);
      else if (indent === top.indent && top.kind === "map" && this.isSeqItem(p))
        top = this.openNested(top, indent, p);
      else this.closePending(top);
    }
    for (;;) {
      if (top.indent > indent) {
        this.closeTop();
        top = this.top();
      } else if (top.kind === "seq" && top.compact && top.indent === indent && !this.isSeqItem(p)) {
        this.closeTop();
        top = this.top();
      } else break;
    }
    if (top.indent !== indent || top.pending !== undefined) throw GIVE_UP;
    if (top.kind === "seq") {
      if (!this.isSeqItem(p)) throw GIVE_UP;
      this.seqItem(top, p);
    } else {
      if (this.isSeqItem(p)) throw GIVE_UP;
      this.mapEntry(top, p);
    }
  }

  /** Open the block collection that is the value of `parent`'s pending key or item. */
  private openNested(parent: Frame, indent: number, p: number): Frame {
    const pending = parent.pending;
    if (pending === undefined) throw GIVE_UP;
    parent.pending = undefined;
    // An alias inside the collection being anchored would be recursive; make sure it does not
    // find an older anchor of the same name (the full parser reports it).
    if (pending.anchor !== undefined) this.anchors.delete(pending.anchor);
    let frame: Frame;
    if (this.isSeqItem(p)) {
      frame = {
        kind: "seq",
        indent,
        node: seqNode(this.src, p),
        pending: undefined,
        compact: indent === parent.indent,
        anchor: pending.anchor,
      };
    } else {
      frame = {
        kind: "map",
        indent,
        node: mapNode(this.src, p),
        merges: [],
        pending: undefined,
        anchor: pending.anchor,
      };
    }
    this.attach(parent, pending, frame.node);
    this.frames.push(frame);
    return frame;
  }

  private attach(parent: Frame, pending: Pending, node: YNode): void {
    if (parent.kind === "seq") {
      parent.node.items.push(node);
      return;
    }
    const key = pending.key;
    if (key === undefined) throw GIVE_UP;
    if (key.merge) parent.merges.push(node);
    else
      parent.node.pairs.set(key.name, {
        key: key.name,
        src: this.src,
        offset: key.offset,
        value: node,
      });
  }

  /** A key or item with nothing after it and nothing nested: null (keys) or give up (items). */
  private closePending(frame: Frame): void {
    const pending = frame.pending;
    if (pending === undefined) return;
    frame.pending = undefined;
    const key = pending.key;
    if (frame.kind === "seq" || key === undefined || key.merge || pending.anchor !== undefined)
      throw GIVE_UP;
    frame.node.pairs.set(key.name, {
      key: key.name,
      src: this.src,
      offset: key.offset,
      value: scalar(this.src, key.offset, null),
    });
  }

  private closeTop(): void {
    const frame = this.frames.pop();
    if (frame === undefined) throw GIVE_UP;
    this.closePending(frame);
    if (frame.kind === "map" && frame.merges.length > 0) {
      if (applyMerges(frame.node, frame.merges) !== undefined) throw GIVE_UP;
    }
    if (frame.anchor !== undefined) this.anchors.set(frame.anchor, frame.node);
  }

  private seqItem(frame: SeqFrame, dash: number): void {
    const text = this.text;
    let q = dash + 1;
    while (q < this.end && text.charCodeAt(q) === SPACE) q++;
    if (q === this.end || text.charCodeAt(q) === HASH) {
      if (q < this.end) this.comment(q);
      frame.pending = { key: undefined, anchor: undefined };
      return;
    }
    if (this.isSeqItem(q)) throw GIVE_UP;
    if (text.charCodeAt(q) === AMP) {
      const { name, next } = this.anchorName(q);
      let r = next;
      while (r < this.end && text.charCodeAt(r) === SPACE) r++;
      if (r === this.end || text.charCodeAt(r) === HASH) {
        if (r < this.end) this.comment(r);
        frame.pending = { key: undefined, anchor: name };
        return;
      }
      if (this.scanKey(r) !== undefined) throw GIVE_UP;
      const node = this.inlineValue(r, frame.indent);
      this.anchors.set(name, node);
      frame.node.items.push(node);
      return;
    }
    if (this.scanKey(q) !== undefined) {
      const map: MapFrame = {
        kind: "map",
        indent: q - this.lineStart,
        node: mapNode(this.src, q),
        merges: [],
        pending: undefined,
        anchor: undefined,
      };
      frame.node.items.push(map.node);
      this.frames.push(map);
      this.mapEntry(map, q);
      return;
    }
    frame.node.items.push(this.inlineValue(q, frame.indent));
  }

  private mapEntry(frame: MapFrame, p: number): void {
    const key = this.scanKey(p);
    if (key === undefined) throw GIVE_UP;
    // duplicates are an error: leave it to the full parser, which reports it
    if (!key.merge && frame.node.pairs.has(key.name)) throw GIVE_UP;
    const text = this.text;
    let q = key.next;
    while (q < this.end && text.charCodeAt(q) === SPACE) q++;
    let anchor: string | undefined;
    if (q < this.end && text.charCodeAt(q) === AMP) {
      const a = this.anchorName(q);
      anchor = a.name;
      q = a.next;
      while (q < this.end && text.charCodeAt(q) === SPACE) q++;
    }
    if (q === this.end || text.charCodeAt(q) === HASH) {
      if (q < this.end) this.comment(q);
      frame.pending = { key: { name: key.name, offset: p, merge: key.merge }, anchor };
      return;
    }
    const node = this.inlineValue(q, frame.indent);
    if (anchor !== undefined) this.anchors.set(anchor, node);
    if (key.merge) frame.merges.push(node);
    else frame.node.pairs.set(key.name, { key: key.name, src: this.src, offset: p, value: node });
  }

  private anchorName(p: number): { name: string; next: number } {
    const text = this.text;
    let q = p + 1;
    while (q < this.end) {
      const c = text.charCodeAt(q);
      if (c === SPACE || isFlowIndicator(c)) break;
      q++;
    }
    if (q === p + 1) throw GIVE_UP;
    return { name: text.slice(p + 1, q), next: q };
  }

  /**
   * An implicit key at p (`name:` followed by a space or the end of the line), or undefined
   * when the line at p is not a key. Keys that are not plain strings give up.
   */
  private scanKey(p: number): { name: string; next: number; merge: boolean } | undefined {
    const text = this.text;
    const end = this.end;
    const c = text.charCodeAt(p);
    if (c === DQUOTE || c === SQUOTE) {
      const q = this.quoted(p);
      let r = q.next;
      while (r < end && text.charCodeAt(r) === SPACE) r++;
      if (text.charCodeAt(r) === COLON && (r + 1 === end || text.charCodeAt(r + 1) === SPACE)) {
        if (typeof q.node.value !== "string") throw GIVE_UP;
        return { name: q.node.value, next: r + 1, merge: false };
      }
      return undefined;
    }
    if (isIndicatorStart(c)) return undefined;
    if (
      (c === DASH || c === QUESTION || c === COLON) &&
      (p + 1 === end || text.charCodeAt(p + 1) === SPACE)
    ) {
      return undefined;
    }
    for (let i = p; i < end; i++) {
      const ch = text.charCodeAt(i);
      if (ch === COLON && (i + 1 === end || text.charCodeAt(i + 1) === SPACE)) {
        let k = i;
        while (k > p && text.charCodeAt(k - 1) === SPACE) k--;
        const name = text.slice(p, k);
        if (name.length > 1024) throw GIVE_UP;
        if (name === "<<") return { name, next: i + 1, merge: true };
        if (typeof resolvePlain(name) !== "string") throw GIVE_UP;
        return { name, next: i + 1, merge: false };
      }
      if (ch === HASH && text.charCodeAt(i - 1) === SPACE) return undefined;
    }
    return undefined;
  }

  /** A value on the rest of the line (and, for block scalars, the lines below). */
  private inlineValue(p: number, indent: number): YNode {
    const text = this.text;
    const c = text.charCodeAt(p);
    let node: YNode;
    let next: number;
    if (c === DQUOTE || c === SQUOTE) {
      const q = this.quoted(p);
      node = q.node;
      next = q.next;
    } else if (c === LBRACKET || c === LBRACE) {
      const f = this.flow(p);
      node = f.node;
      next = f.next;
    } else if (c === STAR) {
      const { name, next: n } = this.anchorName(p);
      const target = this.anchors.get(name);
      if (target === undefined) throw GIVE_UP;
      const copy = copyAt(target, this.src, p, this.budget);
      if (copy === undefined) throw GIVE_UP;
      node = copy;
      next = n;
    } else if (c === PIPE || c === GT) {
      return this.blockScalar(p, indent);
    } else {
      if (isIndicatorStart(c)) throw GIVE_UP;
      if (
        (c === DASH || c === QUESTION || c === COLON) &&
        (p + 1 === this.end || text.charCodeAt(p + 1) === SPACE)
      ) {
        throw GIVE_UP;
      }
      return this.plain(p);
    }
    this.lineRest(next);
    return node;
  }

  /** Only spaces and a comment may follow a value. */
  private lineRest(p: number): void {
    const text = this.text;
    let q = p;
    while (q < this.end && text.charCodeAt(q) === SPACE) q++;
    if (q === this.end) return;
    if (text.charCodeAt(q) === HASH && q > p) {
      this.comment(q);
      return;
    }
    throw GIVE_UP;
  }

  private plain(p: number): YScalar {
    const text = this.text;
    const end = this.end;
    let stop = end;
    for (let i = p; i < end; i++) {
      const ch = text.charCodeAt(i);
      if (ch === HASH && text.charCodeAt(i - 1) === SPACE) {
        this.comment(i);
        stop = i;
        break;
      }
      // `a: b: c` and `a: b:` are errors (nested compact mapping)
      if (ch === COLON && (i + 1 === end || text.charCodeAt(i + 1) === SPACE)) throw GIVE_UP;
    }
    while (stop > p && text.charCodeAt(stop - 1) === SPACE) stop--;
    const raw = text.slice(p, stop);
    const value = resolvePlain(raw);
    return scalar(this.src, p, value, typeof value === "string" ? 0 : undefined);
  }

  /** A single-line quoted scalar at p. */
  private quoted(p: number): { node: YScalar; next: number } {
    const text = this.text;
    const end = this.end;
    const quote = text.charCodeAt(p);
    let escaped = false;
    let i = p + 1;
    for (;;) {
      if (i >= end) throw GIVE_UP; // multi-line or unterminated
      const ch = text.charCodeAt(i);
      if (quote === DQUOTE && ch === BACKSLASH) {
        escaped = true;
        i += 2;
        continue;
      }
      if (ch === quote) {
        if (quote === SQUOTE && text.charCodeAt(i + 1) === SQUOTE) {
          escaped = true;
          i += 2;
          continue;
        }
        break;
      }
      i++;
    }
    const raw = text.slice(p + 1, i);
    let value: string;
    if (!escaped) value = raw;
    else if (quote === SQUOTE) value = raw.replaceAll("''", "'");
    else {
      const token = {
        type: "double-quoted-scalar" as const,
        offset: p,
        indent: 0,
        source: text.slice(p, i + 1),
      };
      const resolved = CST.resolveAsScalar(token, true, () => {
        throw GIVE_UP;
      });
      value = resolved.value;
    }
    return { node: scalar(this.src, p, value, escaped ? undefined : 1), next: i + 1 };
  }

  /** A flow collection that opens and closes on this line. */
  private flow(p: number): { node: YNode; next: number } {
    const text = this.text;
    const open = text.charCodeAt(p);
    const isSeq = open === LBRACKET;
    const close = isSeq ? RBRACKET : RBRACE;
    const seq = isSeq ? seqNode(this.src, p) : undefined;
    const map = isSeq ? undefined : mapNode(this.src, p);
    let i = this.skipSpaces(p + 1);
    if (text.charCodeAt(i) === close)
      return { node: seq ?? map ?? seqNode(this.src, p), next: i + 1 };
    for (;;) {
      if (seq !== undefined) {
        const item = this.flowItem(i, false);
        seq.items.push(item.node);
        i = item.next;
      } else if (map !== undefined) {
        const keyAt = i;
        const key = this.flowItem(i, true);
        if (key.node.kind !== "scalar" || typeof key.node.value !== "string") throw GIVE_UP;
        i = this.skipSpaces(key.next);
        if (text.charCodeAt(i) !== COLON) throw GIVE_UP;
        i++;
        if (text.charCodeAt(i) !== SPACE) throw GIVE_UP;
        i = this.skipSpaces(i);
        const name = key.node.value;
        if (map.pairs.has(name) || name === "<<") throw GIVE_UP;
        const value = this.flowItem(i, false);
        map.pairs.set(name, { key: name, src: this.src, offset: keyAt, value: value.node });
        i = value.next;
      }
      i = this.skipSpaces(i);
      const ch = text.charCodeAt(i);
      if (ch === COMMA) {
        i = this.skipSpaces(i + 1);
        if (text.charCodeAt(i) === close) throw GIVE_UP; // trailing comma: let yaml decide
        continue;
      }
      if (ch === close) return { node: seq ?? map ?? seqNode(this.src, p), next: i + 1 };
      throw GIVE_UP;
    }
  }

  private skipSpaces(p: number): number {
    let i = p;
    while (i < this.end && this.text.charCodeAt(i) === SPACE) i++;
    return i;
  }

  private flowItem(p: number, asKey: boolean): { node: YNode; next: number } {
    const text = this.text;
    const end = this.end;
    if (p >= end) throw GIVE_UP;
    const c = text.charCodeAt(p);
    if (c === DQUOTE || c === SQUOTE) {
      const q = this.quoted(p);
      // `["a": b]` is a pair in a sequence; JSON-like keys without a space are fine in maps
      if (!asKey && text.charCodeAt(this.skipSpaces(q.next)) === COLON) throw GIVE_UP;
      return q;
    }
    if (c === LBRACKET || c === LBRACE) {
      if (asKey) throw GIVE_UP;
      return this.flow(p);
    }
    if (c === STAR) {
      if (asKey) throw GIVE_UP;
      const { name, next } = this.anchorName(p);
      const target = this.anchors.get(name);
      if (target === undefined) throw GIVE_UP;
      const copy = copyAt(target, this.src, p, this.budget);
      if (copy === undefined) throw GIVE_UP;
      return { node: copy, next };
    }
    if (isIndicatorStart(c)) throw GIVE_UP;
    if (
      (c === DASH || c === QUESTION || c === COLON) &&
      (p + 1 === end || text.charCodeAt(p + 1) === SPACE || isFlowIndicator(text.charCodeAt(p + 1)))
    ) {
      throw GIVE_UP;
    }
    let i = p;
    for (; i < end; i++) {
      const ch = text.charCodeAt(i);
      if (isFlowIndicator(ch)) break;
      if (ch === HASH && text.charCodeAt(i - 1) === SPACE) throw GIVE_UP;
      if (ch === COLON) {
        const n = text.charCodeAt(i + 1);
        if (i + 1 === end || n === SPACE || isFlowIndicator(n)) {
          if (!asKey) throw GIVE_UP; // an implicit pair in a flow sequence
          break;
        }
      }
    }
    let stop = i;
    while (stop > p && text.charCodeAt(stop - 1) === SPACE) stop--;
    if (stop === p) throw GIVE_UP;
    const raw = text.slice(p, stop);
    const value = resolvePlain(raw);
    return {
      node: scalar(this.src, p, value, typeof value === "string" ? 0 : undefined),
      next: stop,
    };
  }

  /** `|`, `>`, `|-`, `>-` and the more-indented lines below; anything fancier gives up. */
  private blockScalar(p: number, indent: number): YScalar {
    const text = this.text;
    let h = p + 1;
    const chomp = text.charCodeAt(h);
    if (chomp === DASH) h++;
    if (h < this.end && text.charCodeAt(h) !== SPACE) throw GIVE_UP; // `|+`, `|2`, …
    const header = text.slice(p, h);
    this.lineRest(h);
    const lines = this.src.lineStarts.length;
    let contentIndent = -1;
    let last = -1;
    let j = this.line + 1;
    for (; j < lines; j++) {
      const { start, end } = this.lineBounds(j);
      let q = start;
      while (q < end && text.charCodeAt(q) === SPACE) q++;
      if (q === end) {
        // leading blank lines with spaces need an indentation indicator in some cases
        if (contentIndent === -1 && q > start) throw GIVE_UP;
        continue;
      }
      const lineIndent = q - start;
      if (contentIndent === -1) {
        if (lineIndent <= indent) break;
        contentIndent = lineIndent;
      } else if (lineIndent < contentIndent) break;
      last = j;
    }
    if (last === -1) throw GIVE_UP; // an empty block scalar
    const first = this.src.lineStarts[this.line + 1] ?? text.length;
    const after = this.src.lineStarts[last + 1];
    const source = text.slice(first, after ?? text.length);
    const token = {
      type: "block-scalar" as const,
      offset: p,
      indent,
      props: [{ type: "block-scalar-header" as const, offset: p, indent, source: header }],
      source,
    };
    const resolved = CST.resolveAsScalar(token, true, () => {
      throw GIVE_UP;
    });
    this.line = last;
    return scalar(this.src, p, resolved.value);
  }
}

/**
 * Parse a compose file with the fast scanner, or return undefined when the file is outside
 * the subset it handles (the caller then uses the yaml package).
 */
export function fastParse(src: SourceFile, budget: AliasBudget): ParsedYaml | undefined {
  const scanner = new Scanner(src, budget);
  try {
    scanner.run();
  } catch (err) {
    if (err instanceof GiveUp) return undefined;
    throw err;
  }
  return {
    documents: scanner.root === undefined ? [] : [scanner.root],
    comments: scanner.comments,
    tagged: false,
  };
}
