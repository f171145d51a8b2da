/**
 * From a canonical `POST /containers/create` value to the ContainerSpec the one rule set
 * judges, through the same adapter every other create request goes through
 * (src/spec/adapters/request.ts). That adapter reads plain JSON with numbers; the canonical
 * value holds exact bigints. An integer outside ±2^53 cannot be judged exactly as a number,
 * so the request is refused (fail closed) rather than rounded.
 */

import type { GoValue } from "../../json/decode.js";
import { JsonNumber, RawJson } from "../../json/decode.js";
import { escapePointerToken } from "../../json/fold.js";
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
    plain = toPlain(value, "");
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

function toPlain(value: GoValue, pointer: string): Plain {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") {
    const n = Number(value);
    if (!Number.isSafeInteger(n)) {
      throw new UnsafeValue(
        pointer,
        `${value.toString()} is beyond ±2^53: too large to judge exactly, so the request is refused`,
      );
    }
    return n;
  }
  if (value instanceof JsonNumber || value instanceof RawJson) {
    throw new UnsafeValue(pointer, "a free-form JSON value cannot be judged here");
  }
  if (value instanceof Uint8Array) return Array.from(value);
  if (Array.isArray(value)) return value.map((item, i) => toPlain(item, `${pointer}/${i}`));
  const out = Object.create(null) as Record<string, Plain>;
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  for (const [key, item] of entries) {
    out[key] = toPlain(item, `${pointer}/${escapePointerToken(key)}`);
  }
  return out;
}
