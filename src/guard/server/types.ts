import type { IncomingHttpHeaders } from "node:http";
import type { ResolvedEndpoint } from "../../engine/endpoint.js";
import type { DecisionRecord } from "../decision-log.js";

/**
 * The guard's transport and its decision core meet here. The core (a Decider) is pure and
 * injected; the transport authenticates the client, asks the Decider, and forwards exactly what
 * was judged, with fresh framing.
 */

/** Who is asking: from the client certificate (tcp) or from the unix listener it came through. */
export interface Identity {
  kind: "tls" | "unix";
  /** the certificate's subject CN, or the unix listener's identity */
  name: string;
  /** the certificate's O then OU values, or the unix listener's groups (roles) */
  groups: string[];
  /** the name of the listener the request arrived on */
  listener: string;
}

/** A request as the Decider first sees it: before any body byte is read. */
export interface Pending {
  identity: Identity;
  method: string;
  /** the request target exactly as sent (origin-form: path and query, still percent-encoded) */
  rawTarget: string;
  /** as Node parsed them (duplicates of single-valued headers dropped, others joined): they are forwarded as seen here */
  headers: IncomingHttpHeaders;
  /**
   * The protocol of a hijack (`Connection: Upgrade`): `tcp` for attach and exec start, `h2c`
   * for /session and /grpc (BuildKit), `websocket` for attach/ws; undefined for plain requests.
   * After an allowed upgrade the connection carries bytes the guard cannot judge.
   */
  upgrade: string | undefined;
}

/** Said by the Decider about a request it judged; `path` and `operation` go into the record. */
interface Judged {
  rules: string[];
  /** the operation the routing table matched, e.g. ContainerCreate */
  operation?: string;
  /** the normalised path the daemon routes on (without the query); default: rawTarget without the query */
  path?: string;
}

export type Verdict =
  | (Judged & {
      allow: true;
      /** for buffered bodies: the canonical bytes to forward INSTEAD of what came in (default: what came in) */
      body?: Buffer;
    })
  | (Judged & {
      allow: false;
      /** 4xx or 5xx; anything else is sent as 403 */
      status: number;
      /** the human part; the transport prefixes "dockward: denied by RULES — " */
      message: string;
    });

/**
 * The first look, before any body byte is read: deny, or say how to treat the body.
 *
 * - `buffer`: read the body up to `limit` bytes (413 beyond, without reading the rest), then
 *   judge it; an allowed body is forwarded as the verdict's canonical bytes with a fresh
 *   Content-Length and no Transfer-Encoding.
 * - `stream`: the verdict is final now; the body (a build context, a tarball) is forwarded as
 *   it comes, with backpressure.
 */
export type Admission =
  | (Judged & { action: "deny"; status: number; message: string })
  | { action: "buffer"; limit: number; judge: (body: Buffer) => Verdict | Promise<Verdict> }
  | { action: "stream"; verdict: Verdict };

export interface Decider {
  admit(pending: Pending): Admission | Promise<Admission>;
}

/** Paths of PEM files. */
export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/** A tcp listener: mutual TLS, always. */
export interface TcpListenerSpec {
  kind: "tcp";
  host: string;
  /** 0 picks a free port (see GuardServer.addresses) */
  port: number;
  /** the CA(s) client certificates must chain to, and the guard's own server certificate */
  tls: TlsFiles;
  /** default `tcp://HOST:PORT` */
  name?: string;
  /**
   * Accept a client certificate that has no extendedKeyUsage extension at all (dockerd does).
   * Default false: the guard requires clientAuth to be stated, as `dockward tls` and the
   * Docker documentation's recipe issue them.
   */
  allowCertificatesWithoutEku?: boolean;
}

/**
 * A unix listener: Node cannot see the peer's uid (no SO_PEERCRED), so the socket's mode and
 * group decide who may connect, and everyone who can is `identity`.
 */
export interface UnixListenerSpec {
  kind: "unix";
  path: string;
  /** default 0o660 */
  mode?: number;
  /** a group name or gid for the socket (needs root, or membership) */
  group?: string | number;
  /** the identity every client of this socket has */
  identity: string;
  /** its groups (roles); default none */
  groups?: string[];
  /** default `unix://PATH` */
  name?: string;
}

export type ListenerSpec = TcpListenerSpec | UnixListenerSpec;

export type ListenerAddress =
  | { kind: "tcp"; name: string; host: string; port: number }
  | { kind: "unix"; name: string; path: string };

export interface GuardServerOptions {
  listeners: ListenerSpec[];
  /** `unix:///…`, `tcp://…` or `ssh://…`; a ResolvedEndpoint carries TLS client material */
  upstream: string | ResolvedEndpoint;
  /** the function form is called once per request: swap what it returns to hot-reload a policy */
  decider: Decider | (() => Decider);
  /**
   * Exactly one record per request, written just before its answer goes back (the latency is
   * the time to the upstream's answer head; a stream's length is not in it). If it throws, the
   * answer is not relayed: the client gets a 500 (or its connection is closed) instead.
   */
  onDecision?: (record: DecisionRecord) => void;
  /** plain http on loopback (`127.0.0.1:9323`) or a unix path (`unix:///run/dockward-admin.sock`) */
  admin?: { address: string };
  /** the decision log's head hash, served on /metrics (see decision-log.ts) */
  decisionLogHead?: () => string;
  /** connections to the upstream at once; default unlimited (streams like `logs -f` hold one each) */
  upstreamMaxSockets?: number;
}

export interface CloseOptions {
  /** how long in-flight requests and hijacked sessions may run on before they are cut; default 10 000 */
  graceMs?: number;
}

export interface GuardServer {
  readonly addresses: readonly ListenerAddress[];
  readonly admin: ListenerAddress | undefined;
  /** the Prometheus text that /metrics serves */
  metricsText(): string;
  /** stop accepting, let in-flight work finish up to graceMs, then cut what is left */
  close(options?: CloseOptions): Promise<void>;
}
