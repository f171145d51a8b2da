import { readFileSync } from "node:fs";
import * as http from "node:http";
import type { IncomingHttpHeaders } from "node:http";
import * as https from "node:https";
import { type Socket, connect } from "node:net";
import type { Duplex } from "node:stream";
import { DockwardError, errorMessage } from "../errors.js";
import type { ResolvedEndpoint } from "./endpoint.js";
import { type ParsedHost, parseHost } from "./host.js";
import { SshStream, sshArgs } from "./ssh.js";

/**
 * A transport is an http.Agent plus the request options that reach the engine through it.
 * Every transport keeps connections alive: without it each request costs dockerd a new
 * connection (twice the daemon's CPU per request, measured), and ssh a new process.
 */
export interface Transport {
  readonly kind: "unix" | "tcp" | "tls" | "ssh";
  readonly host: ParsedHost;
  readonly agent: http.Agent;
  /** node:http or node:https request function */
  readonly request: typeof http.request;
  /** options merged into every request (socketPath / hostname / port / TLS) */
  readonly base: http.RequestOptions;
  /** headers every request carries (a Host for transports that have no host name) */
  readonly headers: Record<string, string>;
  /** path prefix of a tcp:// host with a path (the Go client honours it) */
  readonly basePath: string;
  /**
   * Buffered GETs without node:http, for plain sockets (unix, tcp); undefined for TLS and ssh,
   * which go through the agent.
   */
  readonly pool: BufferedPool | undefined;
  /** the Host header node:http would send through this transport */
  readonly hostHeader: string;
  /** how many ssh processes this transport has started (always 0 for others) */
  sshProcesses(): number;
  close(): void;
}

export interface TransportOptions {
  sshBinary?: string;
  interactive?: boolean;
  /** at most this many connections at once (ssh: processes) */
  maxSockets?: number;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new DockwardError("TLS_FILES", `cannot read ${what} ${path}: ${errorMessage(err)}`, {
      hint: "check the path and its permissions",
      cause: err,
    });
  }
}

class SshAgent extends http.Agent {
  started = 0;
  constructor(
    private readonly target: Extract<ParsedHost, { scheme: "ssh" }>,
    private readonly sshBinary: string,
    private readonly interactive: boolean,
    maxSockets: number,
  ) {
    super({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  override createConnection(): Duplex {
    this.started += 1;
    return new SshStream(this.target, this.sshBinary, sshArgs(this.target, this.interactive));
  }
}

/** node:http's Host header for a host and port: IPv6 in brackets, no :80. */
function tcpHostHeader(hostname: string, port: number): string {
  const name = hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
  return port === 80 ? name : `${name}:${port}`;
}

export function createTransport(
  endpoint: ResolvedEndpoint,
  options: TransportOptions = {},
): Transport {
  const host = parseHost(endpoint.host, `endpoint of ${endpoint.reason}`);
  const maxSockets = options.maxSockets ?? 8;
  switch (host.scheme) {
    case "unix": {
      const agent = new http.Agent({ keepAlive: true, maxSockets });
      const socketPath = host.socketPath;
      const pool = new BufferedPool(() => connect({ path: socketPath }), maxSockets);
      return {
        kind: "unix",
        host,
        agent,
        request: http.request,
        base: { socketPath },
        headers: { Host: "docker" },
        basePath: "",
        pool,
        hostHeader: "docker",
        sshProcesses: () => 0,
        close: () => {
          agent.destroy();
          pool.destroy();
        },
      };
    }
    case "tcp": {
      const tls = endpoint.tls;
      if (tls === undefined) {
        const agent = new http.Agent({ keepAlive: true, maxSockets });
        const { hostname, port } = host;
        const pool = new BufferedPool(() => {
          const socket = connect({ host: hostname, port });
          // as node:http does: no Nagle delay, and TCP keep-alive probes on a kept connection
          socket.setNoDelay(true);
          socket.setKeepAlive(true, 1000);
          return socket;
        }, maxSockets);
        return {
          kind: "tcp",
          host,
          agent,
          request: http.request,
          base: { hostname, port },
          headers: {},
          basePath: host.basePath,
          pool,
          hostHeader: tcpHostHeader(hostname, port),
          sshProcesses: () => 0,
          close: () => {
            agent.destroy();
            pool.destroy();
          },
        };
      }
      const agentOptions: https.AgentOptions = {
        keepAlive: true,
        maxSockets,
        minVersion: "TLSv1.2",
        rejectUnauthorized: tls.verify,
      };
      if (tls.ca !== undefined && tls.verify) agentOptions.ca = readPem(tls.ca, "CA certificate");
      if (tls.cert !== undefined) agentOptions.cert = readPem(tls.cert, "client certificate");
      if (tls.key !== undefined) agentOptions.key = readPem(tls.key, "client key");
      if (!tls.verify) agentOptions.checkServerIdentity = () => undefined;
      const agent = new https.Agent(agentOptions);
      return {
        kind: "tls",
        host,
        agent,
        request: https.request,
        base: { hostname: host.hostname, port: host.port },
        headers: {},
        basePath: host.basePath,
        pool: undefined,
        hostHeader: tcpHostHeader(host.hostname, host.port),
        sshProcesses: () => 0,
        close: () => {
          agent.destroy();
        },
      };
    }
    case "ssh": {
      // One ssh process carries many requests; concurrency beyond it would start more, so the
      // default is a single connection that requests queue on.
      const agent = new SshAgent(
        host,
        options.sshBinary ?? "ssh",
        options.interactive ?? false,
        options.maxSockets ?? 1,
      );
      return {
        kind: "ssh",
        host,
        agent,
        request: http.request,
        base: { hostname: "docker", port: 80 },
        headers: { Host: "docker" },
        basePath: "",
        pool: undefined,
        hostHeader: "docker",
        sshProcesses: () => agent.started,
        close: () => {
          agent.destroy();
        },
      };
    }
  }
}

// ─── buffered requests without node:http ───────────────────────────────────────────────────────

/** A complete answer read by a BufferedPool. */
export interface BufferedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface BufferedRequest {
  /** the request head as it goes on the wire, up to and including the blank line */
  head: string;
  /** 0 disables */
  timeoutMs: number;
  maxBytes: number;
  /**
   * May be sent on a connection still answering other such requests (HTTP/1.1 pipelining):
   * only for idempotent requests whose answers nobody waits on in a particular order.
   */
  pipeline: boolean;
  /** the error for a timeout: waiting for the answer's head, or for the rest of its body */
  timeoutError: (phase: "head" | "body") => Error;
  tooLargeError: () => Error;
}

interface Pending {
  req: BufferedRequest;
  resolve: (res: BufferedResponse) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
  phase: "head" | "body";
  settled: boolean;
  /** the connection it was last sent on */
  conn: PoolConnection | undefined;
  /** times sent again after a connection closed before answering it */
  retries: number;
}

/**
 * Pipelined requests waiting on one connection at most. The daemon answers a connection's
 * requests one after another, so this does not add to its load; it saves the round trip (and
 * the wake-ups on both sides) between one answer and the next request: 500 inspects took a
 * third less time over 8 connections 8 deep than over 8 connections one at a time (4, 16 and
 * 32 deep measured the same as 8).
 */
export const PIPELINE_DEPTH = 8;
const MAX_RETRIES = 3;

/** Request path and header values node:http would refuse, or that could split the head. */
const UNSAFE_PATH = /[^\u0021-\u00ff]/;
const UNSAFE_HEADER_NAME = /[^!#$%&'*+.^_`|~0-9A-Za-z-]/;
const UNSAFE_HEADER_VALUE = /[^\t\u0020-\u007e\u0080-\u00ff]/;

/**
 * The header lines of a request with these headers (later names override earlier ones,
 * case-insensitively, as node:http's setHeader does), up to and including the blank line; or
 * undefined when node:http would refuse one.
 */
export function headerBlock(
  hostHeader: string,
  headers: Record<string, string>,
): string | undefined {
  const byName = new Map<string, [string, string]>();
  for (const [name, value] of Object.entries(headers)) {
    if (name === "" || UNSAFE_HEADER_NAME.test(name) || UNSAFE_HEADER_VALUE.test(value))
      return undefined;
    byName.set(name.toLowerCase(), [name, value]);
  }
  // node:http adds Host and (for a keep-alive agent) Connection when the caller did not
  if (!byName.has("host")) byName.set("host", ["Host", hostHeader]);
  if (!byName.has("connection")) byName.set("connection", ["Connection", "keep-alive"]);
  let block = "";
  for (const [name, value] of byName.values()) block += `${name}: ${value}\r\n`;
  return `${block}\r\n`;
}

/** The head of a request, or undefined when node:http would refuse or rewrite something. */
export function requestHead(
  method: string,
  path: string,
  hostHeader: string,
  headers: Record<string, string>,
): string | undefined {
  const block = headerBlock(hostHeader, headers);
  return block === undefined ? undefined : withRequestLine(method, path, block);
}

/** A request line before a header block, or undefined for a path node:http would refuse. */
export function withRequestLine(method: string, path: string, block: string): string | undefined {
  if (path === "" || UNSAFE_PATH.test(path)) return undefined;
  return `${method} ${path} HTTP/1.1\r\n${block}`;
}

/** Headers node:http keeps only the first of (the rest are joined with ", "). */
const SINGLE_HEADERS = new Set([
  "age",
  "authorization",
  "content-length",
  "content-type",
  "etag",
  "expires",
  "from",
  "host",
  "if-modified-since",
  "if-unmodified-since",
  "last-modified",
  "location",
  "max-forwards",
  "proxy-authorization",
  "referer",
  "retry-after",
  "server",
  "user-agent",
]);

const HTTP_PREFIX = Buffer.from("HTTP/", "latin1");
/** node:http's default --max-http-header-size */
const MAX_HEADER_BYTES = 16 * 1024;

/** Errors worded like node:http's parser (llhttp) words them. */
function protocolError(message: string, code = "HPE_INVALID"): Error {
  return Object.assign(new Error(`Parse Error: ${message}`), { code });
}

function hangUp(): Error {
  return Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
}

type BodyMode = "none" | "length" | "chunked" | "close";

/**
 * One keep-alive connection: requests are answered in the order sent, one after another, and
 * an HTTP/1.1 response reader just big enough for the Engine API reads the answers:
 * Content-Length, chunked and close-delimited bodies, interim 1xx answers skipped.
 */
class PoolConnection {
  /** sent and not yet answered, oldest first: the first is the one being answered */
  readonly queue: Pending[] = [];
  dead = false;
  /** answers read: a reset before any byte of the next one may be a stale kept connection */
  private answered = 0;
  private received = false;
  private buffered: Buffer | undefined;
  /** heads of queued requests not written yet (the last ones in the queue) */
  private unsent = "";
  private flushing = false;
  private timedOut = false;
  // the answer being read
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private mode: BodyMode = "none";
  private remaining = 0;
  private keepAlive = true;
  private chunks: Buffer[] = [];
  private size = 0;
  private inTrailers = false;

  constructor(
    private readonly pool: BufferedPool,
    readonly socket: Socket,
  ) {
    socket.on("data", (data: Buffer) => {
      this.onData(data);
    });
    socket.on("end", () => {
      if (this.queue.length > 0 && this.mode === "close" && this.status !== 0) this.finish();
    });
    socket.on("error", (err: Error) => {
      this.fail(err);
    });
    socket.on("close", () => {
      this.fail(hangUp());
    });
  }

  /** accepts a pipelined request behind the ones it is answering */
  get pipelining(): boolean {
    return this.queue[0]?.req.pipeline === true;
  }

  send(p: Pending): void {
    this.queue.push(p);
    p.conn = this;
    if (this.queue.length === 1) {
      this.socket.ref();
      this.begin(p);
    }
    // requests made in one tick leave in one write: a write costs more than the bytes in it
    // (it wakes the daemon). Holding pipelined ones back for bigger batches was measured too,
    // and was no faster.
    this.unsent += p.req.head;
    if (this.flushing) return;
    this.flushing = true;
    process.nextTick(() => {
      this.flushing = false;
      if (this.dead || this.socket.destroyed || this.unsent === "") return;
      this.socket.write(this.unsent, "latin1");
      this.unsent = "";
    });
  }

  /** The request's timer ran out while it was being answered: nothing after it will be. */
  kill(err: Error): void {
    this.timedOut = true;
    this.destroy(err);
  }

  destroy(err?: Error): void {
    if (!this.dead) this.socket.destroy(err);
  }

  /** The first request in the queue is now the one being answered. */
  private begin(p: Pending): void {
    this.status = 0;
    this.received = false;
    p.phase = "head";
    this.pool.arm(p);
  }

  private onData(data: Buffer): void {
    if (this.queue.length === 0) {
      // nothing was asked: the connection is out of step with us
      this.destroy();
      return;
    }
    let buf = this.buffered === undefined ? data : Buffer.concat([this.buffered, data]);
    this.buffered = undefined;
    try {
      for (;;) {
        const p = this.queue[0];
        if (p === undefined) {
          if (buf.length > 0) throw protocolError("Data after the last answer");
          return;
        }
        if (buf.length === 0) return;
        this.received = true;
        if (this.status === 0) {
          // not HTTP at all (a TLS port, another protocol): say so now rather than wait
          if (!HTTP_PREFIX.subarray(0, buf.length).equals(buf.subarray(0, HTTP_PREFIX.length)))
            throw protocolError("Expected HTTP/, RTSP/ or ICE/", "HPE_INVALID_CONSTANT");
          const end = buf.indexOf("\r\n\r\n");
          if (end === -1) {
            if (buf.length > MAX_HEADER_BYTES)
              throw protocolError("Header overflow", "HPE_HEADER_OVERFLOW");
            this.buffered = buf;
            return;
          }
          const final = this.readHead(buf.toString("latin1", 0, end));
          buf = buf.subarray(end + 4);
          if (!final) continue; // an interim 1xx answer
          if (this.mode === "none") {
            if (!this.finish()) return;
            continue;
          }
          p.phase = "body";
          p.timer?.refresh();
          continue;
        }
        if (this.mode === "length") {
          const take = Math.min(this.remaining, buf.length);
          this.add(p, buf.subarray(0, take));
          this.remaining -= take;
          buf = buf.subarray(take);
          if (this.remaining > 0) return;
          if (!this.finish()) return;
          continue;
        }
        if (this.mode === "close") {
          this.add(p, buf);
          return;
        }
        // chunked
        if (this.remaining > 0) {
          const take = Math.min(this.remaining, buf.length);
          this.add(p, buf.subarray(0, take));
          this.remaining -= take;
          buf = buf.subarray(take);
          if (this.remaining > 0) return;
          this.remaining = -2; // the CRLF after the data
        }
        if (this.remaining === -2) {
          if (buf.length < 2) {
            this.buffered = buf;
            return;
          }
          if (buf[0] !== 13 || buf[1] !== 10) throw protocolError("Expected LF after chunk data");
          buf = buf.subarray(2);
          this.remaining = 0;
        }
        const eol = buf.indexOf("\r\n");
        if (eol === -1) {
          if (buf.length > MAX_HEADER_BYTES) throw protocolError("Chunk header overflow");
          this.buffered = buf;
          return;
        }
        const line = buf.toString("latin1", 0, eol);
        buf = buf.subarray(eol + 2);
        if (this.inTrailers) {
          if (line === "" && !this.finish()) return;
          continue;
        }
        const sizeText = /^[0-9A-Fa-f]+/.exec(line)?.[0];
        if (sizeText === undefined || sizeText.length > 12)
          throw protocolError("Invalid character in chunk size", "HPE_INVALID_CHUNK_SIZE");
        const chunkSize = parseInt(sizeText, 16);
        if (chunkSize === 0) this.inTrailers = true;
        else this.remaining = chunkSize;
      }
    } catch (err) {
      this.destroy(err instanceof Error ? err : protocolError(String(err)));
    }
  }

  /** False for an interim 1xx answer, which the real one follows. */
  private readHead(head: string): boolean {
    const lines = head.split("\r\n");
    const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0] ?? "");
    if (m === null) throw protocolError("Invalid status line");
    const status = Number(m[2]);
    if (status >= 100 && status < 200) {
      if (status === 101) throw protocolError("Unexpected protocol upgrade");
      return false; // 100 Continue, 103 Early Hints
    }
    const headers: IncomingHttpHeaders = {};
    const target = headers as Record<string, string | string[] | undefined>;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] ?? "";
      const colon = line.indexOf(":");
      if (colon <= 0) throw protocolError("Invalid header token");
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      const had = target[name];
      if (name === "set-cookie") target[name] = [...((had as string[] | undefined) ?? []), value];
      else if (had === undefined) target[name] = value;
      else if (!SINGLE_HEADERS.has(name)) target[name] = `${had as string}, ${value}`;
    }
    const connection = (headers.connection ?? "").toLowerCase();
    this.keepAlive =
      m[1] === "1" ? !/(^|,)\s*close\s*(,|$)/.test(connection) : connection.includes("keep-alive");
    const encoding = headers["transfer-encoding"];
    this.chunks = [];
    this.size = 0;
    this.inTrailers = false;
    this.remaining = 0;
    if (status === 204 || status === 304) this.mode = "none";
    else if (encoding !== undefined) {
      if (!/(^|,)\s*chunked\s*$/i.test(encoding))
        throw protocolError("Unsupported transfer encoding");
      this.mode = "chunked";
    } else if (headers["content-length"] !== undefined) {
      const length = headers["content-length"];
      if (!/^\d{1,15}$/.test(length))
        throw protocolError("Invalid character in Content-Length", "HPE_INVALID_CONTENT_LENGTH");
      this.remaining = Number(length);
      this.mode = this.remaining === 0 ? "none" : "length";
    } else {
      this.mode = "close";
      this.keepAlive = false;
    }
    this.headers = headers;
    this.status = status;
    return true;
  }

  private add(p: Pending, data: Buffer): void {
    if (data.length === 0) return;
    this.size += data.length;
    if (this.size > p.req.maxBytes) throw p.req.tooLargeError();
    this.chunks.push(data);
  }

  /** The first request is answered. True when the connection reads on (a next answer). */
  private finish(): boolean {
    const p = this.queue.shift();
    if (p === undefined) return false;
    const body =
      this.chunks.length === 1 ? (this.chunks[0] ?? Buffer.alloc(0)) : Buffer.concat(this.chunks);
    const res: BufferedResponse = { status: this.status, headers: this.headers, body };
    this.chunks = [];
    this.answered += 1;
    this.received = false;
    this.pool.settle(p, res);
    if (!this.keepAlive) {
      // requests still queued here are sent again elsewhere
      this.destroy();
      return false;
    }
    const next = this.queue[0];
    if (next !== undefined) this.begin(next);
    this.pool.refill(this);
    return true;
  }

  private fail(err: Error): void {
    if (this.dead) return;
    this.dead = true;
    this.pool.remove(this);
    const [first, ...rest] = this.queue.splice(0);
    // never answered: they are sent again (GETs), without pipelining if the server broke off
    if (rest.length > 0 && !this.timedOut) this.pool.pipelining = false;
    if (first !== undefined) {
      const code = (err as { code?: unknown }).code;
      // a kept-alive connection the server closed just as we reused it: the GET never arrived
      const stale =
        this.answered > 0 && !this.received && (code === "ECONNRESET" || code === "EPIPE");
      if (stale) this.pool.retry(first, err);
      else this.pool.settle(first, err);
    }
    // behind a request that timed out: not theirs to count (each kill settles one request)
    for (const p of rest) this.pool.retry(p, err, !this.timedOut);
  }
}

/**
 * Buffered GETs over plain sockets (unix, tcp), as node:http with a keep-alive agent would
 * send them, for a fraction of the cost: an audit makes one inspect per container, and
 * node:http's per-request machinery (streams, agent bookkeeping) cost more CPU than the
 * parsing and judging of the answers. Requests marked `pipeline` may also queue on a busy
 * connection (see PIPELINE_DEPTH); the others only take an idle one.
 */
export class BufferedPool {
  /** destroy() was called: no retries (new requests still open connections, as an Agent does) */
  closed = false;
  /** turned off for good when a server drops pipelined requests */
  pipelining = true;
  private readonly idle: PoolConnection[] = [];
  private readonly waiting: Pending[] = [];
  private readonly all = new Set<PoolConnection>();

  constructor(
    private readonly connect: () => Socket,
    private readonly maxSockets: number,
  ) {}

  request(req: BufferedRequest): Promise<BufferedResponse> {
    return new Promise<BufferedResponse>((resolve, reject) => {
      const p: Pending = {
        req,
        resolve,
        reject,
        timer: undefined,
        phase: "head",
        settled: false,
        conn: undefined,
        retries: 0,
      };
      // as node:http's: the time waiting for a free connection counts. A pipelined request's
      // starts when its connection turns to it, so a slow answer before it is not held against it.
      if (!req.pipeline) this.arm(p);
      this.dispatch(p);
    });
  }

  /** @internal start the request's timer, unless it runs already */
  arm(p: Pending): void {
    if (p.timer !== undefined || p.req.timeoutMs <= 0 || p.settled) return;
    p.timer = setTimeout(() => {
      const err = p.req.timeoutError(p.phase);
      this.settle(p, err);
      const c = p.conn;
      if (c?.queue[0] === p) c.kill(err);
      const i = this.waiting.indexOf(p);
      if (i !== -1) this.waiting.splice(i, 1);
    }, p.req.timeoutMs);
  }

  private dispatch(p: Pending): void {
    if (p.req.pipeline && this.pipelining && this.waiting.length === 0) {
      // fill busy connections first: as many at once as it takes, no more (and none while
      // others wait for a connection of their own: one must drain for them)
      for (const c of this.all) {
        if (c.pipelining && c.queue.length < PIPELINE_DEPTH) {
          c.send(p);
          return;
        }
      }
    }
    const idle = this.idle.pop();
    if (idle !== undefined) {
      idle.send(p);
      return;
    }
    if (this.all.size < this.maxSockets) {
      let conn: PoolConnection;
      try {
        conn = new PoolConnection(this, this.connect());
      } catch (err) {
        this.settle(p, err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.all.add(conn);
      conn.send(p);
      return;
    }
    this.waiting.push(p);
  }

  /** @internal */
  settle(p: Pending, outcome: BufferedResponse | Error): void {
    if (p.settled) return;
    p.settled = true;
    if (p.timer !== undefined) clearTimeout(p.timer);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }

  /** @internal its connection closed before answering: send it again, within reason */
  retry(p: Pending, err: Error, counted = true): void {
    if (p.settled) return;
    if (this.closed || (counted && p.retries >= MAX_RETRIES)) {
      this.settle(p, err);
      return;
    }
    if (counted) p.retries += 1;
    p.conn = undefined;
    if (p.req.pipeline && p.timer !== undefined) {
      // it starts again when a connection turns to it
      clearTimeout(p.timer);
      p.timer = undefined;
    }
    this.dispatch(p);
  }

  /** @internal a connection answered: give it waiting requests, or keep it idle */
  refill(c: PoolConnection): void {
    for (;;) {
      const next = this.waiting[0];
      if (next === undefined) break;
      const fits =
        c.queue.length === 0 ||
        (next.req.pipeline && this.pipelining && c.pipelining && c.queue.length < PIPELINE_DEPTH);
      if (!fits) break;
      this.waiting.shift();
      c.send(next);
    }
    if (c.queue.length === 0) {
      // an idle connection must not keep the process alive
      c.socket.unref();
      this.idle.push(c);
    }
  }

  /** @internal a connection that closed */
  remove(c: PoolConnection): void {
    this.all.delete(c);
    const i = this.idle.indexOf(c);
    if (i !== -1) this.idle.splice(i, 1);
    const next = this.waiting.shift();
    if (next !== undefined) this.dispatch(next);
  }

  destroy(): void {
    this.closed = true;
    for (const c of [...this.all]) c.destroy();
  }
}
