/**
 * The guard judges exactly what it forwards: a request body is decoded with the daemon's Go
 * semantics into the Go type of its route, anything ambiguous is refused, and what is
 * forwarded is a fresh serialisation of the decoded value, never the client's bytes.
 *
 * Refused (HTTP 400, the daemon would refuse or could misread the body):
 * - JSON syntax errors, a byte order mark, nesting over 10000 levels, and data after the value
 *   (dockerd 20.10 reads only the first value: a second one is bytes it never reads and a naive
 *   checker might);
 * - a key given twice, or two keys that select one struct field through case folding, at any
 *   depth, in structs and maps alike: Go merges repeated objects, lets the last scalar win and
 *   decodes a repeated array into the earlier array's elements, so the outcome depends on
 *   history. Map keys are compared exactly, as Go does: Labels `a` and `A` are two labels;
 * - a key that matches a field only through non-ASCII folding (`ſecurityOpt`);
 * - values Go refuses for the field's type (`"1"` for an int, `1.0`, `1e3`), numbers out of the
 *   type's range, malformed base64 for []byte;
 * - `null` elements in slices and maps of pointers (see prepare.ts).
 *
 * Accepted and changed, each change listed in `notes`:
 * - a key that matches a field through ASCII case folding (`privileged`) is forwarded under
 *   the field's name, so a client of any age works and nothing downstream meets two spellings;
 * - unknown keys are dropped: the daemon ignores them, and dropping them guarantees nothing
 *   unjudged reaches it (a field added by a newer API than these schemas is dropped too);
 * - elements of a fixed-size array beyond its length, which Go skips unread.
 *
 * Otherwise the canonical body is the decoded value re-encoded: fields in the client's order
 * under their Go names, `null` where Go stores nil (pointers, slices, maps) and omitted where
 * Go leaves a zero value, integers exact. A body from the docker CLI comes back byte for byte.
 */

import { decodeGo, isGoStruct, serializeGo, type GoValue } from "../../json/decode.js";
import { JsonSyntaxError, parseJson, type Pos } from "../../json/parse.js";
import { OPERATIONS, type OperationName } from "./operations.js";
import { locate, prepare, type Note, type Problem, type RefusalCode } from "./prepare.js";

export type { OperationName } from "./operations.js";
export type { RefusalCode } from "./prepare.js";

export interface Canonical {
  ok: true;
  operation: OperationName;
  /** the decoded Go value (see src/json/decode.ts GoValue); `null` for an empty body */
  value: GoValue;
  /** what to forward: serializeGo(value), or nothing for an empty body */
  body: Buffer;
  /** what was changed or dropped, in document order, each with the client's JSON pointer */
  notes: string[];
  /**
   * Where the client wrote the value a canonical JSON pointer names (`/HostConfig/Privileged`
   * for `"privileged"`, `/HostConfig/CapAdd/0` for `"CapAdd": "ALL"`), to point a finding at it.
   */
  locate: (pointer: string) => Pos | undefined;
}

export interface Refusal {
  ok: false;
  status: 400;
  code: RefusalCode;
  /**
   * where: from canonicalise, a pointer into the client's document (keys as the client spelled
   * them); from createSpec, the canonical pointer. "" is the whole body.
   */
  pointer: string;
  pos?: Pos;
  /** says what is wrong and where, fit for `{"message": …}` */
  message: string;
}

/**
 * Decodes `text`, the body of `operation`, as the daemon would, and returns the canonical value
 * and body, or why the body is refused.
 *
 * An empty text is no body: the daemon reads no value (dockerd ≥ 23 takes the zero value,
 * older daemons refuse most routes), so nothing is forwarded and `value` is `null`.
 *
 * @example
 * const c = canonicalise("ContainerCreate", '{"Image":"busybox","HostConfig":{"privileged":true}}');
 * c.ok && c.body.toString() // '{"Image":"busybox","HostConfig":{"Privileged":true}}'
 */
export function canonicalise(operation: OperationName, text: string): Canonical | Refusal {
  if (!Object.hasOwn(OPERATIONS, operation)) {
    throw new TypeError(`canonicalise: unknown operation ${JSON.stringify(operation)}`);
  }
  const type = OPERATIONS[operation].type;
  if (text === "") {
    return {
      ok: true,
      operation,
      value: null,
      body: Buffer.alloc(0),
      notes: ["empty body: nothing to decode, nothing forwarded"],
      locate: () => undefined,
    };
  }

  let root;
  try {
    root = parseJson(text);
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    return refuse({ code: "syntax", pointer: "", pos: err.pos, message: err.goMessage });
  }

  const prepared = prepare(root, type);
  const decoded = decodeGo(prepared.node, type);
  const problems: Problem[] = [...prepared.problems];
  const notes: Note[] = [...prepared.notes];
  for (const { code, pointer, pos, message } of decoded.issues) {
    if (code === "unknown-field") notes.push({ pos, text: `${pointer}: dropped, no such field` });
    else problems.push({ code, pointer, pos, message });
  }
  const first = firstProblem(problems);
  if (first !== undefined) return refuse(first, problems.length - 1);

  const value = decoded.value;
  for (const path of prepared.keptNulls) keepNull(value, path);
  return {
    ok: true,
    operation,
    value,
    body: Buffer.from(serializeGo(value), "utf8"),
    notes: notes.sort((a, b) => a.pos.offset - b.pos.offset).map((n) => n.text),
    locate: (pointer) => locate(prepared.node, type, pointer),
  };
}

function firstProblem(problems: readonly Problem[]): Problem | undefined {
  let first: Problem | undefined;
  for (const p of problems) {
    if (first === undefined || (p.pos?.offset ?? Infinity) < (first.pos?.offset ?? Infinity)) {
      first = p;
    }
  }
  return first;
}

export function refuse(problem: Problem, more = 0): Refusal {
  const where =
    (problem.pointer === "" ? "request body" : problem.pointer) +
    (problem.pos === undefined ? "" : ` (line ${problem.pos.line}, column ${problem.pos.column})`);
  const also = more === 0 ? "" : ` (and ${more} more problem${more === 1 ? "" : "s"})`;
  const refusal: Refusal = {
    ok: false,
    status: 400,
    code: problem.code,
    pointer: problem.pointer,
    message: `${where}: ${problem.message}${also}`,
  };
  if (problem.pos !== undefined) refusal.pos = problem.pos;
  return refusal;
}

/** Sets a struct field to null unless the decoder stored a value for it. */
function keepNull(root: GoValue, path: readonly (string | number)[]): void {
  let parent: GoValue = root;
  for (const token of path.slice(0, -1)) {
    parent = child(parent, token);
  }
  const name = path.at(-1);
  if (typeof name !== "string" || !isGoStruct(parent)) return;
  if (!Object.hasOwn(parent, name)) parent[name] = null;
}

function child(value: GoValue, token: string | number): GoValue {
  if (Array.isArray(value)) return typeof token === "number" ? (value[token] ?? null) : null;
  if (value instanceof Map) return value.get(String(token)) ?? null;
  if (isGoStruct(value)) return value[String(token)] ?? null;
  return null;
}
