import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";

/**
 * Header rules of the proxy, pure. A request is re-framed on its way to the daemon: the
 * client's framing and connection-level headers stay behind, so the bytes the daemon parses are
 * ones Node wrote from what the Decider saw, never the client's own (no smuggling through
 * framing the two parsers read differently).
 */

/** RFC 9110 §7.6.1 connection-specific fields, plus those every proxy drops. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** The protocols a hijack may switch to: attach/exec start, BuildKit's /session and /grpc, attach/ws. */
export const UPGRADE_PROTOCOLS: ReadonlySet<string> = new Set(["tcp", "h2c", "websocket"]);

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}

/** Field names the Connection header lists: hop-by-hop as well. */
export function connectionTokens(value: string | string[] | undefined): Set<string> {
  const text = single(value) ?? "";
  return new Set(
    text
      .split(",")
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== ""),
  );
}

export function isHopByHop(name: string, listed: ReadonlySet<string>): boolean {
  return HOP_BY_HOP.has(name) || name.startsWith("proxy-") || listed.has(name);
}

export type RequestFraming =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  | { kind: "invalid"; why: string };

/**
 * How the client framed its body. Node's parser has already refused TE together with CL and
 * malformed lengths; a transfer coding other than plain `chunked` (gzip, …) is refused here,
 * since the de-chunked bytes would still be encoded and the daemon would not be told.
 */
export function requestFraming(headers: IncomingHttpHeaders): RequestFraming {
  const te = headers["transfer-encoding"];
  if (te !== undefined) {
    if (te.trim().toLowerCase() !== "chunked")
      return { kind: "invalid", why: `Transfer-Encoding "${te}" (only chunked is forwarded)` };
    return { kind: "chunked" };
  }
  const cl = headers["content-length"];
  if (cl !== undefined) {
    if (!/^\d{1,15}$/.test(cl)) return { kind: "invalid", why: `Content-Length "${cl}"` };
    const length = Number(cl);
    return length === 0 ? { kind: "none" } : { kind: "length", length };
  }
  return { kind: "none" };
}

/** The single protocol an Upgrade header asks for, lower-cased, or why it is not one the guard relays. */
export function upgradeProtocol(
  value: string | undefined,
): { ok: true; protocol: string } | { ok: false; why: string } {
  const text = (value ?? "").trim().toLowerCase();
  if (text === "") return { ok: false, why: "an upgrade without an Upgrade protocol" };
  if (!UPGRADE_PROTOCOLS.has(text))
    return {
      ok: false,
      why: `Upgrade "${value ?? ""}" (the guard relays ${[...UPGRADE_PROTOCOLS].join(", ")})`,
    };
  return { ok: true, protocol: text };
}

export interface ForwardedRequest {
  /** the Host the upstream expects (`docker` over unix and ssh, HOST:PORT over tcp) */
  host: string;
  /** the body length to announce; undefined = none announced (chunked by Node, or no body) */
  contentLength: number | undefined;
  /** set for a hijack: the protocol, with `Connection: Upgrade` */
  upgrade: string | undefined;
}

/**
 * The headers sent upstream: the client's end-to-end headers as the Decider saw them (Node's
 * parsed view, so duplicates are resolved the one way both saw), without hop-by-hop fields,
 * Host, Content-Length and Expect (the guard answers 100-continue itself), plus fresh ones.
 */
export function upstreamRequestHeaders(
  headers: IncomingHttpHeaders,
  o: ForwardedRequest,
): OutgoingHttpHeaders {
  const listed = connectionTokens(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (isHopByHop(name, listed)) continue;
    if (name === "host" || name === "content-length" || name === "expect") continue;
    out[name] = value;
  }
  out.host = o.host;
  if (o.contentLength !== undefined) out["content-length"] = String(o.contentLength);
  if (o.upgrade !== undefined) {
    out.connection = "Upgrade";
    out.upgrade = o.upgrade;
  }
  return out;
}

/**
 * The upstream answer's headers to relay: without hop-by-hop fields. Content-Length stays
 * (node:http re-frames a chunked answer itself, and a close-delimited one is relayed as such).
 */
export function relayedResponseHeaders(
  headers: IncomingHttpHeaders,
): [string, string | string[]][] {
  const listed = connectionTokens(headers.connection);
  const out: [string, string | string[]][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || isHopByHop(name, listed)) continue;
    out.push([name, value]);
  }
  return out;
}

/** The head of a relayed 101 (or other raw) answer, as bytes for a socket. */
export function rawResponseHead(
  status: number,
  statusMessage: string,
  rawHeaders: readonly string[],
  keep: (name: string) => boolean = () => true,
  extra: readonly string[] = [],
): Buffer {
  let head = `HTTP/1.1 ${status} ${statusMessage.replace(/[\r\n]/g, "")}\r\n`;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? "";
    const value = rawHeaders[i + 1] ?? "";
    if (!keep(name.toLowerCase())) continue;
    // node:http's parser refuses CR/LF in fields; kept as a guard against a hand-made head
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) continue;
    head += `${name}: ${value}\r\n`;
  }
  for (const line of extra) head += `${line}\r\n`;
  return Buffer.from(`${head}\r\n`, "latin1");
}

/** The request target without its query (a query may carry secrets: never logged). */
export function pathOf(rawTarget: string): string {
  const q = rawTarget.indexOf("?");
  return q === -1 ? rawTarget : rawTarget.slice(0, q);
}
