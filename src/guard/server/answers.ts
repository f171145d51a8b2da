/**
 * What the guard itself says to a client: denials in the shape the docker CLI prints
 * (`Error response from daemon: <message>` needs `Content-Type: application/json` exactly and
 * a body `{"message": …}`), and the transport's own refusals, which carry rule ids like a
 * policy's so they can be counted and looked up the same way.
 */

export const PROXY_RULES = {
  /** Node's HTTP parser refused the request (TE+CL, bare LF, bad chunk, header overflow) */
  malformed: "DW-PROXY-001",
  /** the body is larger than the Decider's limit for this request */
  bodyTooLarge: "DW-PROXY-002",
  /** the Decider threw, or answered something that is not an Admission or Verdict */
  decisionFailed: "DW-PROXY-003",
  /** a form the guard does not forward: absolute-form target, CONNECT, an unknown upgrade, a chunked upgrade body, a transfer coding other than chunked */
  unsupported: "DW-PROXY-004",
  /** the connection has no identity (cannot happen on a listener dockward made: fail closed) */
  noIdentity: "DW-PROXY-005",
  /** the decision record could not be written */
  recordFailed: "DW-PROXY-006",
} as const;

export type ProxyRule = (typeof PROXY_RULES)[keyof typeof PROXY_RULES];

/** `dockward: denied by R1, R2 — message` */
export function denialMessage(rules: readonly string[], message: string): string {
  const by = rules.length > 0 ? ` by ${rules.join(", ")}` : "";
  return `dockward: denied${by} — ${message}`;
}

/** A status a denial may carry: 4xx or 5xx, else 403. */
export function denialStatus(status: number): number {
  return Number.isInteger(status) && status >= 400 && status <= 599 ? status : 403;
}

export function jsonMessage(message: string): Buffer {
  return Buffer.from(JSON.stringify({ message }), "utf8");
}

const REASONS: Readonly<Record<number, string>> = {
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Payload Too Large",
  417: "Expectation Failed",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? (status < 500 ? "Client Error" : "Server Error");
}

/**
 * A complete JSON answer as bytes, for sockets no longer owned by node:http (upgrades,
 * parse errors). Always `Connection: close`: what follows on such a socket is not read.
 */
export function rawJsonAnswer(status: number, message: string): Buffer {
  const body = jsonMessage(message);
  const head =
    `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\n` +
    `Content-Type: application/json\r\n` +
    `Content-Length: ${body.length}\r\n` +
    `Connection: close\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), body]);
}
