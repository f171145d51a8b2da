/**
 * A seccomp profile file as the daemon reads it: parsed with Go's JSON grammar, decoded against
 * moby's profile types with Go's rules (case-insensitive keys, no type coercion, unknown keys
 * ignored), and laid out as a view in which every value keeps its JSON pointer and line:column.
 * The DW-SCMP rules judge this document; nothing here decides what is wrong.
 *
 * The types are moby's `profiles/seccomp.Seccomp` of Docker 23 and later, a superset of 20.10's
 * (which lacks defaultErrnoRet, flags, listenerPath, listenerMetadata: DW-SCMP-010 tells which
 * version ignores what). `syscalls` and, in 20.10, `args` hold pointers: a `null` entry decodes
 * to nil and dockerd 20.10.24 then dereferences it while starting the container (the API call
 * dies with an empty reply; verified). `minKernel` is a string with a format of its own (moby's
 * KernelVersion.UnmarshalJSON), checked by DW-SCMP-005.
 */
import { decodeGo, type DecodeIssue, type GoType } from "../../json/decode.js";
import { escapePointerToken, goFold } from "../../json/fold.js";
import { type JsonNode, JsonSyntaxError, parseJson, type Pos } from "../../json/parse.js";
import type { Origin } from "../../spec/model.js";

/** Where a value is: its JSON pointer (keys as the document spells them) and its first character. */
export interface Where {
  pointer: string;
  pos: Pos;
}

export interface At<T> extends Where {
  value: T;
}

export interface FilterView extends Where {
  caps?: At<string>[];
  arches?: At<string>[];
  minKernel?: At<string>;
}

export interface ArgView extends Where {
  kind: "arg";
  index?: At<bigint>;
  value?: At<bigint>;
  valueTwo?: At<bigint>;
  op?: At<string>;
}

export interface RuleView extends Where {
  kind: "rule";
  /** its index in `syscalls` */
  index: number;
  name?: At<string>;
  names?: At<At<string>[]>;
  action?: At<string>;
  errnoRet?: At<bigint>;
  args?: At<(ArgView | NullEntry)[]>;
  comment?: At<string>;
  includes?: FilterView;
  excludes?: FilterView;
}

/** A `null` where a rule or an argument belongs. */
export interface NullEntry extends Where {
  kind: "null";
}

export interface ArchMapView extends Where {
  architecture?: At<string>;
  subArchitectures?: At<At<string>[]>;
}

/**
 * The profile's values that have the type the daemon expects, each with its place. A value of
 * the wrong type is left out (the decoder reports it); a `null` for a scalar, list or object
 * field is left out too, as Go leaves such a field unset. When a key is given twice, the last
 * one is in the view (that is Go's answer for scalars; DW-SCMP-003 reports the ambiguity).
 */
export interface ProfileView {
  root: Where;
  defaultAction?: At<string>;
  defaultErrnoRet?: At<bigint>;
  architectures?: At<At<string>[]>;
  archMap?: At<ArchMapView[]>;
  flags?: At<At<string>[]>;
  listenerPath?: At<string>;
  listenerMetadata?: At<string>;
  syscalls?: At<(RuleView | NullEntry)[]>;
}

export interface ProfileDocument {
  /** the file the text came from, for findings; undefined for inline text */
  file: string | undefined;
  text: string;
  /** undefined when the text is not JSON */
  root: JsonNode | undefined;
  syntaxError: { message: string; pos: Pos; pointer: string } | undefined;
  /** Go's decoding against the profile types: duplicate keys, wrong types, unknown fields */
  issues: readonly DecodeIssue[];
  /** undefined when the text is not JSON or not a JSON object (`null` gives an empty view) */
  view: ProfileView | undefined;
}

// ─── moby's types, as Go decodes them ──────────────────────────────────────────────────────────

const STRING: GoType = { kind: "string" };
const UINT: GoType = { kind: "int", bits: 64, unsigned: true };
const STRINGS: GoType = { kind: "slice", elem: STRING };
const FILTER: GoType = {
  kind: "ptr",
  elem: {
    kind: "struct",
    fields: { caps: STRINGS, arches: STRINGS, minKernel: { kind: "ptr", elem: STRING } },
  },
};
const ARG: GoType = {
  kind: "struct",
  fields: { index: UINT, value: UINT, valueTwo: UINT, op: STRING },
};
const SYSCALL: GoType = {
  kind: "struct",
  fields: {
    names: STRINGS,
    action: STRING,
    errnoRet: { kind: "ptr", elem: UINT },
    args: { kind: "slice", elem: { kind: "ptr", elem: ARG } },
    name: STRING,
    comment: STRING,
    includes: FILTER,
    excludes: FILTER,
  },
};
export const PROFILE_TYPE: GoType = {
  kind: "struct",
  fields: {
    defaultAction: STRING,
    defaultErrnoRet: { kind: "ptr", elem: UINT },
    architectures: STRINGS,
    flags: STRINGS,
    listenerPath: STRING,
    listenerMetadata: STRING,
    archMap: {
      kind: "slice",
      elem: { kind: "struct", fields: { architecture: STRING, subArchitectures: STRINGS } },
    },
    syscalls: { kind: "slice", elem: { kind: "ptr", elem: SYSCALL } },
  },
};

/** The field names at each level of a profile, for the view and for "did you mean". */
export const FIELDS = {
  profile: [
    "defaultAction",
    "defaultErrnoRet",
    "architectures",
    "archMap",
    "flags",
    "listenerPath",
    "listenerMetadata",
    "syscalls",
  ],
  archMap: ["architecture", "subArchitectures"],
  rule: ["names", "name", "action", "errnoRet", "args", "comment", "includes", "excludes"],
  arg: ["index", "value", "valueTwo", "op"],
  filter: ["caps", "arches", "minKernel"],
} as const;

// ─── reading ───────────────────────────────────────────────────────────────────────────────────

/** Parse and decode a profile's text. Never throws: what is wrong is in the document. */
export function readProfileDocument(text: string, file?: string): ProfileDocument {
  let root: JsonNode;
  try {
    root = parseJson(text);
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    return {
      file,
      text,
      root: undefined,
      syntaxError: {
        message: err.goMessage,
        pos: err.pos,
        pointer: pointerAtOffset(text, err.pos.offset),
      },
      issues: [],
      view: undefined,
    };
  }
  const { issues } = decodeGo(root, PROFILE_TYPE);
  const where: Where = { pointer: "", pos: root.start };
  const view =
    root.kind === "object"
      ? profileView(root, where)
      : root.kind === "null"
        ? { root: where }
        : undefined;
  return { file, text, root, syntaxError: undefined, issues, view };
}

type ObjectNode = JsonNode & { kind: "object" };

/**
 * The members of an object that select each field, by Go's matching (exact name, else equal
 * under Unicode simple folding; a profile's field names never fold to one another), the last
 * one winning; `null` values are dropped, as Go leaves the field unset (or nil).
 */
function fieldsOf<K extends string>(
  node: ObjectNode,
  pointer: string,
  names: readonly K[],
): Map<K, { node: JsonNode; pointer: string }> {
  const byFold = new Map(names.map((n) => [goFold(n), n] as const));
  const out = new Map<K, { node: JsonNode; pointer: string }>();
  for (const m of node.members) {
    const name = byFold.get(goFold(m.key));
    if (name === undefined) continue;
    if (m.value.kind === "null") out.delete(name);
    else out.set(name, { node: m.value, pointer: `${pointer}/${escapePointerToken(m.key)}` });
  }
  return out;
}

type Field = { node: JsonNode; pointer: string } | undefined;

function str(f: Field): At<string> | undefined {
  return f?.node.kind === "string"
    ? { value: f.node.value, pointer: f.pointer, pos: f.node.start }
    : undefined;
}

const UINT64_LIMIT = 1n << 64n;

function uint(f: Field): At<bigint> | undefined {
  if (f?.node.kind !== "number" || !/^\d{1,20}$/.test(f.node.raw)) return undefined;
  const value = BigInt(f.node.raw);
  return value < UINT64_LIMIT ? { value, pointer: f.pointer, pos: f.node.start } : undefined;
}

/** A list of strings; a `null` item is Go's zero value, "". */
function strList(f: Field): At<At<string>[]> | undefined {
  if (f?.node.kind !== "array") return undefined;
  const items: At<string>[] = [];
  f.node.items.forEach((item, i) => {
    const pointer = `${f.pointer}/${i}`;
    if (item.kind === "string") items.push({ value: item.value, pointer, pos: item.start });
    else if (item.kind === "null") items.push({ value: "", pointer, pos: item.start });
  });
  return { value: items, pointer: f.pointer, pos: f.node.start };
}

function list<T>(
  f: Field,
  each: (item: JsonNode, pointer: string, index: number) => T | undefined,
): At<T[]> | undefined {
  if (f?.node.kind !== "array") return undefined;
  const items: T[] = [];
  f.node.items.forEach((item, i) => {
    const v = each(item, `${f.pointer}/${i}`, i);
    if (v !== undefined) items.push(v);
  });
  return { value: items, pointer: f.pointer, pos: f.node.start };
}

/** Assign only what is defined (exactOptionalPropertyTypes keeps `undefined` out of views). */
function set<T extends object, K extends keyof T>(
  target: T,
  key: K,
  value: T[K] | undefined,
): void {
  if (value !== undefined) target[key] = value;
}

function profileView(node: ObjectNode, root: Where): ProfileView {
  const f = fieldsOf(node, "", FIELDS.profile);
  const view: ProfileView = { root };
  set(view, "defaultAction", str(f.get("defaultAction")));
  set(view, "defaultErrnoRet", uint(f.get("defaultErrnoRet")));
  set(view, "architectures", strList(f.get("architectures")));
  set(view, "flags", strList(f.get("flags")));
  set(view, "listenerPath", str(f.get("listenerPath")));
  set(view, "listenerMetadata", str(f.get("listenerMetadata")));
  set(
    view,
    "archMap",
    list(f.get("archMap"), (item, pointer) => {
      if (item.kind !== "object") return undefined;
      const a = fieldsOf(item, pointer, FIELDS.archMap);
      const entry: ArchMapView = { pointer, pos: item.start };
      set(entry, "architecture", str(a.get("architecture")));
      set(entry, "subArchitectures", strList(a.get("subArchitectures")));
      return entry;
    }),
  );
  set(
    view,
    "syscalls",
    list(f.get("syscalls"), (item, pointer, index): RuleView | NullEntry | undefined => {
      if (item.kind === "null") return { kind: "null", pointer, pos: item.start };
      return item.kind === "object" ? ruleView(item, pointer, index) : undefined;
    }),
  );
  return view;
}

function ruleView(node: ObjectNode, pointer: string, index: number): RuleView {
  const f = fieldsOf(node, pointer, FIELDS.rule);
  const rule: RuleView = { kind: "rule", index, pointer, pos: node.start };
  set(rule, "name", str(f.get("name")));
  set(rule, "names", strList(f.get("names")));
  set(rule, "action", str(f.get("action")));
  set(rule, "errnoRet", uint(f.get("errnoRet")));
  set(rule, "comment", str(f.get("comment")));
  set(rule, "includes", filterView(f.get("includes")));
  set(rule, "excludes", filterView(f.get("excludes")));
  set(
    rule,
    "args",
    list(f.get("args"), (item, p): ArgView | NullEntry | undefined => {
      if (item.kind === "null") return { kind: "null", pointer: p, pos: item.start };
      if (item.kind !== "object") return undefined;
      const a = fieldsOf(item, p, FIELDS.arg);
      const arg: ArgView = { kind: "arg", pointer: p, pos: item.start };
      set(arg, "index", uint(a.get("index")));
      set(arg, "value", uint(a.get("value")));
      set(arg, "valueTwo", uint(a.get("valueTwo")));
      set(arg, "op", str(a.get("op")));
      return arg;
    }),
  );
  return rule;
}

function filterView(f: Field): FilterView | undefined {
  if (f?.node.kind !== "object") return undefined;
  const g = fieldsOf(f.node, f.pointer, FIELDS.filter);
  const filter: FilterView = { pointer: f.pointer, pos: f.node.start };
  set(filter, "caps", strList(g.get("caps"))?.value);
  set(filter, "arches", strList(g.get("arches"))?.value);
  set(filter, "minKernel", str(g.get("minKernel")));
  return filter;
}

// ─── helpers the rules share ───────────────────────────────────────────────────────────────────

/**
 * Whether Go refused the value of `field` in the object at `owner` (a type or range error): the
 * view then lacks the field, which must not read as "missing" — the daemon refuses the profile.
 */
export function isMistyped(doc: ProfileDocument, owner: string, field: string): boolean {
  const want = goFold(field);
  return doc.issues.some((i) => {
    if (i.code !== "type" && i.code !== "range") return false;
    const cut = i.pointer.lastIndexOf("/");
    const key = i.pointer
      .slice(cut + 1)
      .replaceAll("~1", "/")
      .replaceAll("~0", "~");
    return i.pointer.slice(0, cut) === owner && goFold(key) === want;
  });
}

/** Go's json.Unmarshal fails on any type or range error: the daemon then runs nothing at all. */
export function decodeFails(doc: ProfileDocument): boolean {
  return doc.issues.some((i) => i.code === "type" || i.code === "range");
}

/** The syscalls a rule names: `name` (the old spelling) when set, else `names`. */
export function ruleNames(rule: RuleView): At<string>[] {
  if (rule.name !== undefined && rule.name.value !== "") return [rule.name];
  return rule.names?.value ?? [];
}

/** The rules of the profile, without the `null` entries. */
export function rulesOf(view: ProfileView): RuleView[] {
  return (view.syscalls?.value ?? []).filter((r): r is RuleView => r.kind === "rule");
}

/**
 * Docker runs a profile with no defaultAction and no syscalls as no filter at all (moby
 * setupSeccomp: `DefaultAction == "" && len(Syscalls) == 0`; `{}` and `null` included; verified:
 * `Seccomp: 0` in the container).
 */
export function disablesSeccomp(view: ProfileView): boolean {
  return (
    (view.defaultAction === undefined || view.defaultAction.value === "") &&
    (view.syscalls?.value.length ?? 0) === 0
  );
}

/** Actions that let a syscall through (LOG also lets it through, and logs it). */
export const PERMISSIVE_ACTIONS: ReadonlySet<string> = new Set(["SCMP_ACT_ALLOW", "SCMP_ACT_LOG"]);

/**
 * An action as libseccomp compares them, which is how runc decides that a rule "equals" the
 * default action and skips it: runc maps KILL to KILL_THREAD, and ERRNO and TRACE without an
 * errnoRet return EPERM (1).
 */
export function effectiveAction(action: string, errnoRet: bigint | undefined): string {
  switch (action) {
    case "SCMP_ACT_KILL":
    case "SCMP_ACT_KILL_THREAD":
      return "SCMP_ACT_KILL_THREAD";
    case "SCMP_ACT_ERRNO":
    case "SCMP_ACT_TRACE":
      return `${action}(${(errnoRet ?? 1n).toString()})`;
    default:
      return action;
  }
}

/** A finding's origin: the file, line and column, and the pointer. */
export function originOf(doc: ProfileDocument, where: Where): Origin {
  return {
    ...(doc.file !== undefined ? { file: doc.file } : {}),
    line: where.pos.line,
    column: where.pos.column,
    pointer: where.pointer,
  };
}

/** `/syscalls/3/action` for messages; the whole document is "the document". */
export function showPointer(pointer: string): string {
  return pointer === "" ? "the document" : pointer;
}

// ─── a pointer for a syntax error ──────────────────────────────────────────────────────────────

type Frame = { kind: "object"; key: string | undefined } | { kind: "array"; index: number };

/**
 * The JSON pointer of the value being read at `offset`, from the text before it (which the
 * parser accepted): the object keys and array indexes open there. A key whose value has not
 * started yet counts, so `{"a": }` points at /a.
 */
export function pointerAtOffset(text: string, offset: number): string {
  const stack: Frame[] = [];
  let expectKey = false;
  let i = 0;
  while (i < offset && i < text.length) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && j < offset && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      if (top?.kind === "object" && expectKey) {
        const raw = text.slice(i, j + 1);
        let key = raw.slice(1, -1);
        try {
          key = JSON.parse(raw) as string;
        } catch {
          // an unfinished key: keep it as written
        }
        top.key = key;
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === "{") {
      stack.push({ kind: "object", key: undefined });
      expectKey = true;
    } else if (c === "[") {
      stack.push({ kind: "array", index: 0 });
      expectKey = false;
    } else if (c === "}" || c === "]") {
      stack.pop();
      expectKey = false;
    } else if (c === ",") {
      if (top?.kind === "array") top.index += 1;
      else if (top?.kind === "object") {
        top.key = undefined;
        expectKey = true;
      }
    }
    i++;
  }
  let pointer = "";
  for (const f of stack) {
    if (f.kind === "array") pointer += `/${f.index}`;
    else if (f.key !== undefined) pointer += `/${escapePointerToken(f.key)}`;
    else break;
  }
  return pointer;
}
