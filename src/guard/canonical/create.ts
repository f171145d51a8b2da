/**
 * From a canonical `POST /containers/create` value to the ContainerSpec the one rule set
 * judges, through the same adapter every other create request goes through
 * (src/spec/adapters/request.ts). That adapter reads plain JSON with numbers; the canonical
 * value holds exact bigints. An integer outside ±2^53 cannot be judged exactly as a number,
 * so the request is refused (fail closed) rather than rounded.
 */

import type { GoValue } from "../../json/decode.js";
import { JsonNumber, RawJson } from "../../json/decode.js";
import { pointerOf } from "../../json/fold.js";
import { JsonInputError } from "../../spec/adapters/host-config.js";
import { specFromCreateRequest, type CreateRequestOptions } from "../../spec/adapters/request.js";
import type { ContainerSpec } from "../../spec/model.js";
import type { Pos } from "../../json/parse.js";
import { refuse, type Refusal } from "./canonicalise.js";

export interface CreateSpecOptions extends CreateRequestOptions {
  /** the canonical result's `locate`, to give a refusal the client's line and column */
  locate?: (pointer: string) => Pos | undefined;
}

/** The adapter's input: JSON values; objects have no prototype, so `__proto__` stays a key. */
type Plain = null | boolean | string | number | Plain[] | { [key: string]: Plain };

class UnsafeValue extends Error {
  constructor(
    readonly pointer: string,
    readonly problem: string,
  ) {
    super(problem);
  }
}

/**
 * The ContainerSpec of a canonical create (or legacy start) value, or a refusal naming the
 * field the daemon (or this guard) would refuse. Pointers here are canonical (`/HostConfig/
 * Memory` however the client spelled it); `locate` turns them into the client's position.
 *
 * @example
 * const c = canonicalise("ContainerCreate", body);
 * if (c.ok) createSpec(c.value, { name: "web", apiVersion: "1.41", locate: c.locate });
 */
export function createSpec(
  value: GoValue,
  options: CreateSpecOptions = {},
): { ok: true; spec: ContainerSpec } | Refusal {
  const { locate, ...adapterOptions } = options;
  const at = (pointer: string) => {
    const pos = locate?.(pointer);
    return pos === undefined ? { pointer } : { pointer, pos };
  };
  let plain: Plain;
  try {
    plain = toPlain(value, []);
  } catch (err) {
    if (!(err instanceof UnsafeValue)) throw err;
    return refuse({ code: "unsafe-integer", ...at(err.pointer), message: err.problem });
  }
  try {
    return { ok: true, spec: specFromCreateRequest(plain ?? {}, adapterOptions) };
  } catch (err) {
    if (!(err instanceof JsonInputError)) throw err;
    return refuse({ code: "invalid", ...at(err.pointer), message: problemOf(err) });
  }
}

/** The adapter's message without its "label: pointer: " prefix, which the refusal repeats. */
function problemOf(err: JsonInputError): string {
  const prefix = `container create request: ${err.pointer === "" ? "(document root)" : err.pointer}: `;
  return err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
}

/**
 * The decoded body as plain JSON for the adapter. The path to each value is kept as tokens and
 * made into a JSON pointer only when a value is refused: most bodies are refused nowhere, and a
 * pointer string per value was most of this walk's cost.
 */
function toPlain(value: GoValue, path: (string | number)[]): Plain {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") {
    const n = Number(value);
    if (!Number.isSafeInteger(n)) {
      throw new UnsafeValue(
        pointerOf(path),
        `${value.toString()} is beyond ±2^53: too large to judge exactly, so the request is refused`,
      );
    }
    return n;
  }
  if (value instanceof JsonNumber || value instanceof RawJson) {
    throw new UnsafeValue(pointerOf(path), "a free-form JSON value cannot be judged here");
  }
  if (value instanceof Uint8Array) return Array.from(value);
  if (Array.isArray(value)) {
    const items: Plain[] = [];
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      items.push(toPlain(value[i] ?? null, path));
      path.pop();
    }
    return items;
  }
  const out = Object.create(null) as Record<string, Plain>;
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  for (const [key, item] of entries) {
    path.push(key);
    out[key] = toPlain(item, path);
    path.pop();
  }
  return out;
}
