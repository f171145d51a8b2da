import { Base64Error, decodeGoBase64 } from "../../json/base64.js";
import { type JsonNode, JsonSyntaxError, parseJson } from "../../json/parse.js";

/**
 * The Docker plugin protocol as an authorization plugin speaks it, pure: the paths, what dockerd
 * sends to `/AuthZPlugin.AuthZReq` (moby pkg/authorization, as 20.10 marshals it), and the
 * answers. The request is read strictly: dockerd's encoding/json writes exactly one shape, and
 * anything else (a key it never writes, a repeated key, a wrong type, bad base64) is refused
 * rather than guessed at.
 */

export const PLUGIN_CONTENT_TYPE = "application/vnd.docker.plugins.v1.2+json";

export const PLUGIN_PATHS = {
  activate: "/Plugin.Activate",
  request: "/AuthZPlugin.AuthZReq",
  response: "/AuthZPlugin.AuthZRes",
} as const;

/** where dockerd looks for a plugin socket by name: `/run/docker/plugins/NAME.sock` */
export const PLUGIN_SOCKET_DIR = "/run/docker/plugins";
export const DEFAULT_AUTHZ_SOCKET = `${PLUGIN_SOCKET_DIR}/dockward.sock`;

/**
 * The largest AuthZReq read: a body dockerd sends is under 1 MiB (base64: 1.4 MiB), its headers
 * at most 1 MiB (Go's default), certificates a few KiB each.
 */
export const MAX_AUTHZ_REQUEST_BYTES = 4 * 1024 * 1024;

/** A request as dockerd described it to the plugin. */
export interface AuthzRequest {
  /** the client certificate's CN over TLS; "" when dockerd sent none (no certificate) */
  user: string;
  /** "TLS" with a client certificate; "" otherwise */
  userAuthNMethod: string;
  method: string;
  /** the request target exactly as the client sent it (still percent-encoded, with the query) */
  uri: string;
  /**
   * undefined when dockerd sent no body: it omits an empty one, and it never sends one that is
   * not `application/json` or is 1 MiB or more (see judge.ts)
   */
  body: Buffer | undefined;
  /**
   * Lower-cased names. dockerd flattens repeated headers to their last value, and leaves out
   * Host, Transfer-Encoding, Authorization, X-Registry-Auth and X-Registry-Config.
   */
  headers: Record<string, string>;
  /** PEM texts, the client's own certificate first */
  peerCertificates: string[];
}

export type DecodedAuthzRequest =
  { ok: true; request: AuthzRequest } | { ok: false; problem: string };

/** The keys dockerd writes into an AuthZReq (the Response… keys only go to AuthZRes). */
const REQUEST_KEYS: ReadonlySet<string> = new Set([
  "User",
  "UserAuthNMethod",
  "RequestMethod",
  "RequestUri",
  "RequestBody",
  "RequestHeaders",
  "RequestPeerCertificates",
]);

/** RFC 9110 token: what a method may be. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** no space, no control character: what Go's server lets into a request target */
// eslint-disable-next-line no-control-regex
const TARGET = /^[^\u0000-\u0020\u007f]+$/;

class Refusal extends Error {
  override readonly name = "Refusal";
}

function str(node: JsonNode, key: string): string {
  if (node.kind !== "string") throw new Refusal(`${key} is not a string`);
  return node.value;
}

function base64(node: JsonNode, what: string): Buffer {
  const text = str(node, what);
  try {
    return Buffer.from(decodeGoBase64(text));
  } catch (err) {
    if (err instanceof Base64Error) throw new Refusal(`${what} is not base64 (${err.message})`);
    throw err;
  }
}

function headerMap(node: JsonNode): Record<string, string> {
  if (node.kind !== "object") throw new Refusal("RequestHeaders is not an object");
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const m of node.members) {
    const name = m.key.toLowerCase();
    if (name in out)
      throw new Refusal(`RequestHeaders names ${JSON.stringify(m.key)} twice (in any case)`);
    out[name] = str(m.value, `RequestHeaders[${JSON.stringify(m.key)}]`);
  }
  return out;
}

function certificates(node: JsonNode): string[] {
  if (node.kind !== "array") throw new Refusal("RequestPeerCertificates is not an array");
  return node.items.map((item, i) => {
    // PeerCertificate.MarshalJSON: the PEM text, as a []byte, hence base64
    const pem = base64(item, `RequestPeerCertificates[${i}]`).toString("latin1");
    if (!pem.startsWith("-----BEGIN CERTIFICATE-----\n"))
      throw new Refusal(`RequestPeerCertificates[${i}] is not a PEM certificate`);
    return pem;
  });
}

/** Read an AuthZReq body as dockerd writes it; anything else is a refusal with its reason. */
export function decodeAuthzRequest(bytes: Uint8Array): DecodedAuthzRequest {
  let root: JsonNode;
  try {
    root = parseJson(bytes);
  } catch (err) {
    if (err instanceof JsonSyntaxError) return { ok: false, problem: `not JSON: ${err.message}` };
    throw err;
  }
  try {
    if (root.kind !== "object") throw new Refusal("not a JSON object");
    const seen = new Map<string, JsonNode>();
    for (const m of root.members) {
      if (!REQUEST_KEYS.has(m.key)) throw new Refusal(`unexpected key ${JSON.stringify(m.key)}`);
      if (seen.has(m.key)) throw new Refusal(`the key ${m.key} appears twice`);
      seen.set(m.key, m.value);
    }
    const get = (key: string): JsonNode | undefined => seen.get(key);
    const method = get("RequestMethod");
    const uri = get("RequestUri");
    if (method === undefined || uri === undefined)
      throw new Refusal("RequestMethod and RequestUri are required");
    const request: AuthzRequest = {
      user: "",
      userAuthNMethod: "",
      method: str(method, "RequestMethod"),
      uri: str(uri, "RequestUri"),
      body: undefined,
      headers: Object.create(null) as Record<string, string>,
      peerCertificates: [],
    };
    if (!TOKEN.test(request.method))
      throw new Refusal(`RequestMethod ${JSON.stringify(request.method)} is not an HTTP method`);
    if (!TARGET.test(request.uri))
      throw new Refusal(`RequestUri ${JSON.stringify(request.uri)} is not a request target`);
    const user = get("User");
    if (user !== undefined) request.user = str(user, "User");
    const authn = get("UserAuthNMethod");
    if (authn !== undefined) request.userAuthNMethod = str(authn, "UserAuthNMethod");
    const body = get("RequestBody");
    if (body !== undefined) {
      const bytes = base64(body, "RequestBody");
      if (bytes.length > 0) request.body = bytes;
    }
    const headers = get("RequestHeaders");
    if (headers !== undefined) request.headers = headerMap(headers);
    const certs = get("RequestPeerCertificates");
    if (certs !== undefined) request.peerCertificates = certificates(certs);
    return { ok: true, request };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, problem: err.message };
    throw err;
  }
}

/** What goes back to dockerd for one AuthZReq. */
export type AuthzAnswer =
  /** the request goes ahead */
  | { kind: "allow" }
  /** refused: dockerd answers 403 `authorization denied by plugin NAME: MESSAGE` */
  | { kind: "deny"; message: string }
  /**
   * the plugin failed: answered with a non-200 status and `Err`, which dockerd turns into a
   * 500 `plugin NAME failed with error: MESSAGE` (an `Err` in a 200 answer it would ignore)
   */
  | { kind: "fault"; message: string };

/** The HTTP status and JSON body of an answer. */
export function encodeAuthzAnswer(answer: AuthzAnswer): { status: number; body: string } {
  switch (answer.kind) {
    case "allow":
      return { status: 200, body: JSON.stringify({ Allow: true, Msg: "", Err: "" }) };
    case "deny":
      return { status: 200, body: JSON.stringify({ Allow: false, Msg: answer.message, Err: "" }) };
    case "fault":
      return {
        status: 500,
        body: JSON.stringify({ Allow: false, Msg: answer.message, Err: answer.message }),
      };
  }
}

export const ACTIVATE_ANSWER = JSON.stringify({ Implements: ["authz"] });

/**
 * The plugin's name as dockerd knows it: the socket's file name without `.sock`. dockerd finds
 * `/run/docker/plugins/NAME.sock` (or `…/NAME/NAME.sock`) by itself; anywhere else it needs a
 * spec file, `/etc/docker/plugins/NAME.spec`, holding `unix://SOCKET`.
 */
export function pluginNameOf(socket: string): string | undefined {
  const base = socket.slice(socket.lastIndexOf("/") + 1);
  const name = base.endsWith(".sock") ? base.slice(0, -".sock".length) : base;
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) ? name : undefined;
}

/** Whether dockerd finds the socket by name alone (no spec file needed). */
export function discoverableByName(socket: string, name: string): boolean {
  return (
    socket === `${PLUGIN_SOCKET_DIR}/${name}.sock` ||
    socket === `${PLUGIN_SOCKET_DIR}/${name}/${name}.sock`
  );
}
