import * as net from "node:net";
import * as tls from "node:tls";
import { type CertificateSummary, summariseCertificate } from "./certificate.js";
import { systemErrorCode } from "../../errors.js";

/**
 * Probe one TCP endpoint the way an outsider would, to learn whether it is a Docker API and
 * who may use it. The probe sends nothing but `GET /_ping` (at most twice: in clear, then over
 * TLS without a client certificate) and reads at most 64 KiB back.
 *
 * 1. Plain HTTP. A 200 "OK" with an Api-Version header: an open daemon, anyone who reaches it
 *    is root on the host. A 400 "Client sent an HTTP request to an HTTPS server" (Go's answer):
 *    a TLS port. Garbage, a reset or a silent close: maybe TLS, try it.
 * 2. TLS, no client certificate, the server certificate not verified. A 200 to /_ping: TLS
 *    without client authentication, as open as (1). An alert (certificate required in TLS 1.3,
 *    bad certificate in TLS 1.2 from Go) or a reset right after the handshake: the daemon
 *    demands a client certificate.
 *
 * Everything that goes wrong is a result, never a throw.
 */

export type Exposure = "open" | "tls-no-client-auth" | "tls-client-auth" | "unknown";

/** How bad each answer is for the host (rules decide the final severity). */
export const EXPOSURE_SEVERITY = {
  open: "critical",
  "tls-no-client-auth": "critical",
  "tls-client-auth": "ok",
  unknown: "unknown",
} as const satisfies Record<Exposure, string>;

export type UnknownReason =
  /** nothing listens there (ECONNREFUSED) */
  | "refused"
  /** no connection, or no answer, within the timeout */
  | "timeout"
  /** no route, no such host */
  | "unreachable"
  /** it answered HTTP, but not as a Docker daemon's /_ping */
  | "not-docker"
  /** neither plain HTTP nor TLS made sense of it */
  | "not-tls"
  /** the TLS handshake failed for another reason than a missing client certificate */
  | "tls-failed"
  /** the connection closed without an answer */
  | "closed"
  | "error";

export interface PingAnswer {
  status: number;
  apiVersion: string | undefined;
  /** e.g. "Docker/20.10.24+dfsg1 (linux)" */
  server: string | undefined;
  osType: string | undefined;
}

export interface TlsDetails {
  /** e.g. "TLSv1.3"; undefined when the handshake did not finish */
  protocol: string | undefined;
  cipher: string | undefined;
  /** the server's certificate, when it was received */
  certificate: CertificateSummary | undefined;
  /** the rest of the chain the server sent, nearest issuer first */
  chain: CertificateSummary[];
  /** why a client trusting only the system's roots would refuse it (e.g. SELF_SIGNED_CERT_IN_CHAIN) */
  authorizationError: string | undefined;
}

interface ProbeBase {
  host: string;
  port: number;
  elapsedMs: number;
}

export type ProbeResult =
  | (ProbeBase & { exposure: "open"; ping: PingAnswer })
  | (ProbeBase & { exposure: "tls-no-client-auth"; ping: PingAnswer; tls: TlsDetails })
  | (ProbeBase & {
      exposure: "tls-client-auth";
      tls: TlsDetails;
      /** what showed that a certificate is required (the alert, or the reset) */
      evidence: string;
    })
  | (ProbeBase & {
      exposure: "unknown";
      reason: UnknownReason;
      /** one sentence for a human */
      detail: string;
      tls?: TlsDetails;
    });

export interface ProbeOptions {
  /** per attempt (plain, then TLS); default 5000 ms */
  timeoutMs?: number;
  /** SNI for the TLS attempt; default: `host` when it is a name, none for an IP */
  servername?: string;
  /** cap the TLS version (tests use TLSv1.2 to see how a daemon refuses in TLS 1.2) */
  tlsMaxVersion?: tls.SecureVersion;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const MAX_RESPONSE_BYTES = 64 * 1024;
const TLS_ON_HTTP_PORT = /Client sent an HTTP request to an HTTPS server/i;

// ---------------------------------------------------------------------------------------------
// Pure: HTTP answers and TLS errors

export interface HttpAnswer {
  status: number;
  /** lower-case names; the first value of a repeated header */
  headers: Map<string, string>;
  body: Buffer;
}

/**
 * Parse an HTTP/1.x response. `complete` says whether the body is all there (by
 * Content-Length; without one, only the end of the stream says so). undefined when the bytes
 * are not (yet) an HTTP response head.
 */
export function parseHttpResponse(
  raw: Buffer,
  ended: boolean,
): { answer: HttpAnswer; complete: boolean } | undefined {
  const headEnd = raw.indexOf("\r\n\r\n");
  if (headEnd === -1) return undefined;
  const lines = raw.subarray(0, headEnd).toString("latin1").split("\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? "");
  if (status?.[1] === undefined) return undefined;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  const body = raw.subarray(headEnd + 4);
  const length = Number(headers.get("content-length") ?? Number.NaN);
  const complete = Number.isInteger(length) ? body.length >= length || ended : ended;
  return {
    answer: {
      status: Number(status[1]),
      headers,
      body: Number.isInteger(length) ? body.subarray(0, length) : body,
    },
    complete,
  };
}

export type PingVerdict =
  { kind: "docker"; ping: PingAnswer } | { kind: "tls-port" } | { kind: "other"; detail: string };

/** What an HTTP answer to GET /_ping says about the server. */
export function classifyPingAnswer(answer: HttpAnswer): PingVerdict {
  const body = answer.body.toString("utf8");
  const apiVersion = answer.headers.get("api-version");
  if (answer.status === 200 && body.trim() === "OK" && apiVersion !== undefined) {
    return {
      kind: "docker",
      ping: {
        status: answer.status,
        apiVersion,
        server: answer.headers.get("server"),
        osType: answer.headers.get("ostype"),
      },
    };
  }
  if (answer.status === 400 && TLS_ON_HTTP_PORT.test(body)) return { kind: "tls-port" };
  const server = answer.headers.get("server");
  const snippet = body.slice(0, 80).replace(/\s+/g, " ").trim();
  return {
    kind: "other",
    detail:
      `GET /_ping answered ${answer.status}` +
      (server === undefined ? "" : ` (Server: ${server})`) +
      (apiVersion === undefined ? ", no Api-Version header" : `, Api-Version ${apiVersion}`) +
      (snippet === "" ? "" : `: ${JSON.stringify(snippet)}`),
  };
}

/** TLS alerts that mean "you need a client certificate", whenever they come. */
const CLIENT_CERT_ALERTS: Readonly<Record<string, string>> = {
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: "TLS alert certificate_required (116)",
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: "TLS alert bad_certificate (42)",
};

/**
 * How far a handshake sent without a client certificate got before `code` ended it:
 * - "early": before the server's certificate arrived (version or cipher trouble, not TLS);
 * - "server-certificate": the server's certificate arrived, the handshake did not finish
 *   (TLS 1.2: the server judges the client's certificate in the client's second flight);
 * - "finished": the handshake finished (TLS 1.3 clients finish before the server has judged
 *   their certificate, so the refusal arrives on the first read).
 */
export type HandshakeStage = "early" | "server-certificate" | "finished";

/** Does this error mean the server requires a client certificate? The evidence, if so. */
export function clientCertDemand(
  code: string | undefined,
  stage: HandshakeStage,
): string | undefined {
  if (code === undefined) return undefined;
  const alert = CLIENT_CERT_ALERTS[code];
  if (alert !== undefined) return alert;
  if (stage === "early") return undefined;
  if (code === "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE") {
    // Version and cipher failures come before the server's certificate; after it, OpenSSL
    // servers (TLS 1.2) send handshake_failure for a missing client certificate.
    return "TLS alert handshake_failure (40) after the server's certificate (an OpenSSL server's answer to a missing client certificate in TLS 1.2)";
  }
  if (code === "ECONNRESET" || code === "EPIPE") {
    return `the server dropped the connection (${code}) after sending its certificate`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// I/O

const HTTP_PREFIX = Buffer.from("HTTP/1.");

/** Could these first bytes still become an HTTP/1.x status line? */
function couldBeHttp(raw: Buffer): boolean {
  const n = Math.min(raw.length, HTTP_PREFIX.length);
  return raw.subarray(0, n).equals(HTTP_PREFIX.subarray(0, n));
}

type Attempt =
  | { kind: "answer"; answer: HttpAnswer }
  | { kind: "garbage"; bytes: number }
  | { kind: "closed" }
  | { kind: "error"; code: string | undefined; message: string; connected: boolean }
  | { kind: "timeout"; connected: boolean };

function pingRequest(host: string, port: number): string {
  const authority = net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
  return (
    `GET /_ping HTTP/1.1\r\nHost: ${authority}\r\nUser-Agent: dockward-audit\r\n` +
    "Accept: */*\r\nConnection: close\r\n\r\n"
  );
}

/**
 * Send GET /_ping on a socket once it is ready and collect the answer. `ready` is the event
 * that says the socket can carry the request ("connect", or "secureConnect" for TLS).
 */
function exchange(
  socket: net.Socket,
  ready: "connect" | "secureConnect",
  request: string,
  timeoutMs: number,
  onReady?: () => void,
): Promise<Attempt> {
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (attempt: Attempt): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(attempt);
    };
    const timer = setTimeout(() => {
      finish({ kind: "timeout", connected });
    }, timeoutMs);
    const check = (ended: boolean): void => {
      const raw = Buffer.concat(chunks);
      const parsed = parseHttpResponse(raw, ended || size >= MAX_RESPONSE_BYTES);
      if (parsed?.complete === true) finish({ kind: "answer", answer: parsed.answer });
      else if (ended || size >= MAX_RESPONSE_BYTES || !couldBeHttp(raw)) {
        // (a server that talks first, like sshd, is not going to answer HTTP either)
        finish(raw.length === 0 ? { kind: "closed" } : { kind: "garbage", bytes: raw.length });
      }
    };
    socket.once(ready, () => {
      connected = true;
      onReady?.();
      socket.write(request);
    });
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      check(false);
    });
    socket.on("end", () => {
      check(true);
    });
    socket.on("close", () => {
      check(true);
    });
    socket.on("error", (err: Error) => {
      finish({ kind: "error", code: systemErrorCode(err), message: err.message, connected });
    });
  });
}

function certificateChain(peer: unknown): {
  leaf: CertificateSummary | undefined;
  chain: CertificateSummary[];
} {
  const summaries: CertificateSummary[] = [];
  const seen = new Set<string>();
  let current: unknown = peer;
  while (typeof current === "object" && current !== null && summaries.length < 10) {
    const raw: unknown = "raw" in current ? current.raw : undefined;
    if (!Buffer.isBuffer(raw)) break;
    let summary: CertificateSummary;
    try {
      summary = summariseCertificate(raw);
    } catch {
      break;
    }
    if (seen.has(summary.fingerprint256)) break;
    seen.add(summary.fingerprint256);
    summaries.push(summary);
    current = "issuerCertificate" in current ? current.issuerCertificate : undefined;
  }
  return { leaf: summaries[0], chain: summaries.slice(1) };
}

function tlsDetails(socket: tls.TLSSocket): TlsDetails {
  const { leaf, chain } = certificateChain(socket.getPeerCertificate(true));
  const authError: unknown = socket.authorizationError;
  const cipher: unknown = socket.getCipher();
  return {
    protocol: socket.getProtocol() ?? undefined,
    cipher:
      typeof cipher === "object" &&
      cipher !== null &&
      "name" in cipher &&
      typeof cipher.name === "string"
        ? cipher.name
        : undefined,
    certificate: leaf,
    chain,
    authorizationError:
      typeof authError === "string"
        ? authError
        : authError instanceof Error
          ? authError.message
          : undefined,
  };
}

/** OpenSSL messages carry a file:line and a newline; keep the readable part. */
function oneLine(message: string): string {
  const alert = /:SSL routines:[^:]*:([^:]+):/.exec(message);
  return alert?.[1] ?? message.trim();
}

function failure(
  attempt: Exclude<Attempt, { kind: "answer" }>,
  timeoutMs: number,
): {
  reason: UnknownReason;
  detail: string;
} {
  switch (attempt.kind) {
    case "timeout":
      return {
        reason: "timeout",
        detail: attempt.connected
          ? `connected, but no answer within ${timeoutMs} ms`
          : `no connection within ${timeoutMs} ms`,
      };
    case "closed":
      return { reason: "closed", detail: "the connection closed without an answer" };
    case "garbage":
      return { reason: "not-tls", detail: `${attempt.bytes} bytes back that are not HTTP` };
    case "error":
      switch (attempt.code) {
        case "ECONNREFUSED":
          return { reason: "refused", detail: "connection refused: nothing listens there" };
        case "EHOSTUNREACH":
        case "ENETUNREACH":
        case "ENOTFOUND":
        case "EAI_AGAIN":
          return { reason: "unreachable", detail: `${attempt.code}: ${attempt.message}` };
        default:
          return { reason: "error", detail: attempt.message };
      }
  }
}

/**
 * Probe `host:port` as an outsider: is it a Docker API, and does it demand a client
 * certificate? Never throws.
 *
 * @example
 * const r = await probe("127.0.0.1", 2375, { timeoutMs: 3000 });
 * if (r.exposure === "open" || r.exposure === "tls-no-client-auth") console.log("root for anyone");
 */
export async function probe(
  host: string,
  port: number,
  options: ProbeOptions = {},
): Promise<ProbeResult> {
  const started = process.hrtime.bigint();
  const base = (): ProbeBase => ({
    host,
    port,
    elapsedMs: Number((process.hrtime.bigint() - started) / 1_000_000n),
  });
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return { ...base(), exposure: "unknown", reason: "error", detail: `bad port ${port}` };
  }
  try {
    return await probeEndpoint(host, port, options, base);
  } catch (err) {
    // node:net and node:tls throw synchronously on some bad input (a malformed host)
    return {
      ...base(),
      exposure: "unknown",
      reason: "error",
      detail: err instanceof Error ? err.message : String(err),
    };
  }
}

async function probeEndpoint(
  host: string,
  port: number,
  options: ProbeOptions,
  base: () => ProbeBase,
): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const request = pingRequest(host, port);

  // 1. Plain HTTP.
  const plain = await exchange(net.connect({ host, port }), "connect", request, timeoutMs);
  if (plain.kind === "answer") {
    const verdict = classifyPingAnswer(plain.answer);
    if (verdict.kind === "docker") return { ...base(), exposure: "open", ping: verdict.ping };
    if (verdict.kind === "other") {
      return { ...base(), exposure: "unknown", reason: "not-docker", detail: verdict.detail };
    }
  } else if (plain.kind === "timeout" || (plain.kind === "error" && !plain.connected)) {
    // Nothing to learn from TLS on a port that refuses, is unreachable, or keeps silent.
    return { ...base(), exposure: "unknown", ...failure(plain, timeoutMs) };
  }

  // 2. TLS without a client certificate.
  const servername = options.servername ?? (net.isIP(host) === 0 ? host : undefined);
  const socket = tls.connect({
    host,
    port,
    rejectUnauthorized: false,
    ...(servername === undefined ? {} : { servername }),
    ...(options.tlsMaxVersion === undefined ? {} : { maxVersion: options.tlsMaxVersion }),
  });
  // Set from the secureConnect callback (a plain `let` would be narrowed to its initial value).
  const handshake: { done: boolean; details: TlsDetails | undefined } = {
    done: false,
    details: undefined,
  };
  const secure = await exchange(socket, "secureConnect", request, timeoutMs, () => {
    handshake.done = true;
    handshake.details = tlsDetails(socket);
  });
  const handshakeDone = handshake.done;
  // A handshake that failed may still have shown the server's certificate (TLS 1.2).
  const details = handshake.details ?? tlsDetails(socket);
  const withTls =
    details.certificate === undefined && details.protocol === undefined ? {} : { tls: details };

  if (secure.kind === "answer") {
    const verdict = classifyPingAnswer(secure.answer);
    if (verdict.kind === "docker") {
      return { ...base(), exposure: "tls-no-client-auth", ping: verdict.ping, tls: details };
    }
    return {
      ...base(),
      exposure: "unknown",
      reason: "not-docker",
      detail:
        verdict.kind === "other" ? `over TLS, ${verdict.detail}` : "over TLS, it asked for TLS",
      ...withTls,
    };
  }
  if (secure.kind === "error") {
    const stage: HandshakeStage = handshakeDone
      ? "finished"
      : details.certificate !== undefined
        ? "server-certificate"
        : "early";
    const evidence = clientCertDemand(secure.code, stage);
    if (evidence !== undefined) {
      return { ...base(), exposure: "tls-client-auth", tls: details, evidence };
    }
    if (!handshakeDone) {
      const speaksTls = plain.kind === "answer" || stage !== "early";
      return {
        ...base(),
        exposure: "unknown",
        reason: speaksTls ? "tls-failed" : "not-tls",
        detail: speaksTls
          ? `the TLS handshake failed: ${oneLine(secure.message)}`
          : `not HTTP in clear, and no TLS handshake either: ${oneLine(secure.message)}`,
        ...withTls,
      };
    }
  }
  const why = failure(secure, timeoutMs);
  return {
    ...base(),
    exposure: "unknown",
    reason: why.reason,
    detail: `over TLS: ${why.detail}`,
    ...withTls,
  };
}
