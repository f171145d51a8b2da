import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import {
  DockwardError,
  EngineHttpError,
  errorMessage,
  isDockwardError,
  systemErrorCode,
} from "../errors.js";
import type { ResolvedEndpoint } from "./endpoint.js";
import {
  type BufferedResponse,
  PIPELINE_DEPTH,
  type Transport,
  type TransportOptions,
  createTransport,
  headerBlock,
  withRequestLine,
} from "./transport.js";

// zod/mini ships no messages of its own; the English locale keeps the ones quoted in errors.
z.config(en());

/** The newest Engine API dockward speaks; the daemon's own version caps it (see negotiate). */
export const MAX_API_VERSION = "1.45";
/** What the Go client assumes when a daemon's /_ping carries no Api-Version header. */
const FALLBACK_API_VERSION = "1.24";
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Buffered responses larger than this are refused rather than held in memory. */
const MAX_BUFFERED_BYTES = 256 * 1024 * 1024;

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON-serialisable value, or raw bytes/stream with a content type */
  body?: unknown;
  rawBody?: Buffer | NodeJS.ReadableStream;
  contentType?: string;
  headers?: Record<string, string>;
  /** per-call timeout; 0 disables (only for streams the caller bounds itself) */
  timeoutMs?: number;
  /** false for /_ping and friends that must not carry a version prefix */
  versioned?: boolean;
  /**
   * An idempotent GET that may wait on a connection still answering others (HTTP/1.1
   * pipelining, where the transport supports it: see pipelineDepth). Its timeout starts when
   * the daemon gets to it.
   */
  pipeline?: boolean;
}

export interface EngineResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Ping {
  apiVersion: string | undefined;
  osType: string | undefined;
  experimental: boolean;
  builderVersion: string | undefined;
  server: string | undefined;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export class EngineClient {
  readonly transport: Transport;
  private version: string | undefined;
  private readonly timeoutMs: number;
  /** header lines of a buffered request without headers of its own (see buffered()) */
  private plainHeaders: string | undefined;

  constructor(
    readonly endpoint: ResolvedEndpoint,
    options: TransportOptions & { timeoutMs?: number } = {},
  ) {
    this.transport = createTransport(endpoint, options);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.version = endpoint.apiVersion;
  }

  /** The negotiated (or pinned) API version; undefined before negotiate(). */
  get apiVersion(): string | undefined {
    return this.version;
  }

  close(): void {
    this.transport.close();
  }

  /**
   * How many `pipeline` requests one connection carries at once: callers that make many keep
   * this many times their concurrency in flight (1 where the transport cannot pipeline).
   */
  get pipelineDepth(): number {
    return this.transport.pool?.pipelining === true ? PIPELINE_DEPTH : 1;
  }

  async ping(): Promise<Ping> {
    const res = await this.request("GET", "/_ping", { versioned: false });
    return {
      apiVersion: header(res.headers, "api-version"),
      osType: header(res.headers, "ostype"),
      experimental: header(res.headers, "docker-experimental") === "true",
      builderVersion: header(res.headers, "builder-version"),
      server: header(res.headers, "server"),
    };
  }

  /**
   * Pick min(daemon's version, ours), as the docker CLI does; DOCKER_API_VERSION pins it. Pass a
   * ping already made to save a round trip.
   */
  async negotiate(known?: Ping): Promise<string> {
    if (this.version !== undefined) return this.version;
    const ping = known ?? (await this.ping());
    const daemon = ping.apiVersion ?? FALLBACK_API_VERSION;
    this.version = compareVersions(daemon, MAX_API_VERSION) < 0 ? daemon : MAX_API_VERSION;
    return this.version;
  }

  private buildPath(path: string, options: RequestOptions): string {
    let full = path;
    if (options.versioned !== false && this.version !== undefined)
      full = `/v${this.version}${path}`;
    const query = Object.entries(options.query ?? {}).filter(
      (e): e is [string, string | number | boolean] => e[1] !== undefined,
    );
    if (query.length > 0) {
      full += `?${new URLSearchParams(query.map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
    }
    return this.transport.basePath + full;
  }

  private describe(): string {
    return `${this.endpoint.host} (${this.endpoint.reason})`;
  }

  private headTimeout(method: string, path: string, timeoutMs: number): DockwardError {
    return new DockwardError(
      "TIMEOUT",
      `${method} ${path} to ${this.describe()} got no answer within ${timeoutMs / 1000} s`,
      {
        hint: "the engine may be overloaded or hung; raise --timeout if it is just slow",
      },
    );
  }

  /** Turn a transport-level failure into a typed error with the real reason and a fix. */
  private connectionError(err: unknown, method: string, path: string): DockwardError {
    if (isDockwardError(err)) return err;
    const code = systemErrorCode(err) ?? "";
    const where = this.describe();
    const msg = errorMessage(err);
    const kind = this.transport.kind;
    if (kind === "unix" && code === "ENOENT") {
      return new DockwardError(
        "ENGINE_UNREACHABLE",
        `cannot reach the Docker engine at ${where}: no socket at that path`,
        {
          hint: "start dockerd, or choose another engine with -H, --context or DOCKER_HOST",
          cause: err,
        },
      );
    }
    if (code === "EACCES") {
      return new DockwardError(
        "ENGINE_UNREACHABLE",
        `cannot reach the Docker engine at ${where}: permission denied`,
        {
          hint: "run as a user in the socket's group (often `docker`), or use a TLS or ssh endpoint",
          cause: err,
        },
      );
    }
    if (
      code === "ECONNREFUSED" ||
      (code === "ECONNRESET" && kind !== "tls") ||
      code === "EHOSTUNREACH" ||
      code === "ENETUNREACH" ||
      code === "ENOTFOUND" ||
      code === "EAI_AGAIN"
    ) {
      return new DockwardError(
        "ENGINE_UNREACHABLE",
        `cannot reach the Docker engine at ${where}: ${code === "ENOTFOUND" ? "host name not found" : code}`,
        {
          hint: "check that dockerd is running and listening there, and that no firewall is in the way",
          cause: err,
        },
      );
    }
    if (
      kind === "tls" ||
      code.startsWith("ERR_SSL") ||
      code.startsWith("ERR_TLS") ||
      code.includes("CERT")
    ) {
      return new DockwardError(
        "TLS_HANDSHAKE",
        `TLS with ${where} failed: ${tlsReason(code, msg)}`,
        {
          hint: tlsHint(code, msg),
          cause: err,
        },
      );
    }
    return new DockwardError("ENGINE_UNREACHABLE", `${method} ${path} to ${where} failed: ${msg}`, {
      hint: "check the endpoint with `dockward info`",
      cause: err,
    });
  }

  /** Send a request and resolve with the response head; the caller consumes the body. */
  private send(
    method: string,
    path: string,
    options: RequestOptions,
    onUpgrade?: (res: IncomingMessage, socket: Duplex, head: Buffer) => void,
  ): Promise<IncomingMessage> {
    const fullPath = this.buildPath(path, options);
    const headers: Record<string, string> = { ...options.headers };
    let payload: Buffer | NodeJS.ReadableStream | undefined = options.rawBody;
    if (options.body !== undefined) {
      payload = Buffer.from(JSON.stringify(options.body));
      headers["Content-Type"] = "application/json";
    } else if (options.contentType !== undefined) {
      headers["Content-Type"] = options.contentType;
    }
    if (Buffer.isBuffer(payload)) headers["Content-Length"] = String(payload.length);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return new Promise<IncomingMessage>((resolve, reject) => {
      let settled = false;
      const req = this.transport.request({
        ...this.transport.base,
        agent: this.transport.agent,
        method,
        path: fullPath,
        headers: { ...this.transport.headers, "User-Agent": "dockward", ...headers },
      });
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              req.destroy(this.headTimeout(method, path, timeoutMs));
            }, timeoutMs)
          : undefined;
      const done = (): void => {
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
      };
      req.on("error", (err: Error) => {
        if (settled) return;
        done();
        reject(this.connectionError(err, method, path));
      });
      req.on("response", (res: IncomingMessage) => {
        done();
        resolve(res);
      });
      if (onUpgrade !== undefined) {
        req.on("upgrade", (res: IncomingMessage, socket: Duplex, head: Buffer) => {
          done();
          onUpgrade(res, socket, head);
        });
      }
      if (payload === undefined) req.end();
      else if (Buffer.isBuffer(payload)) req.end(payload);
      else payload.pipe(req);
    });
  }

  private async readBody(
    res: IncomingMessage,
    method: string,
    path: string,
    timeoutMs: number,
  ): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            res.destroy(bodyTimeout(method, path, timeoutMs));
          }, timeoutMs)
        : undefined;
    try {
      for await (const chunk of res) {
        const buf = chunk as Buffer;
        size += buf.length;
        if (size > MAX_BUFFERED_BYTES) {
          res.destroy();
          throw tooLarge(method, path);
        }
        chunks.push(buf);
      }
    } catch (err) {
      throw this.connectionError(err, method, path);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    return Buffer.concat(chunks);
  }

  private async httpError(
    status: number,
    body: Buffer,
    method: string,
    path: string,
  ): Promise<never> {
    await Promise.resolve();
    const text = body.toString("utf8").trim();
    let message = text;
    try {
      const parsed: unknown = JSON.parse(text);
      if (
        typeof parsed === "object" &&
        parsed !== null &&
        "message" in parsed &&
        typeof parsed.message === "string"
      ) {
        message = parsed.message;
      }
    } catch {
      /* the daemon's plain-text answer is the message */
    }
    if (status === 400 && /HTTP request to an HTTPS server/i.test(message)) {
      throw new DockwardError(
        "TLS_HANDSHAKE",
        `${this.describe()} speaks TLS but dockward connected without it`,
        {
          hint: "add --tlsverify (with --tlscacert/--tlscert/--tlskey) or use a context that has TLS material",
        },
      );
    }
    throw new EngineHttpError(status, method, path, message === "" ? `HTTP ${status}` : message);
  }

  /** A buffered request; non-2xx answers become EngineHttpError with the daemon's message. */
  async request(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<EngineResponse> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const fast = this.buffered(method, path, options, timeoutMs);
    if (fast !== undefined) {
      let res: BufferedResponse;
      try {
        res = await fast;
      } catch (err) {
        throw this.connectionError(err, method, path);
      }
      if (res.status < 200 || res.status >= 300)
        return this.httpError(res.status, res.body, method, path);
      return res;
    }
    const res = await this.send(method, path, options);
    const body = await this.readBody(res, method, path, timeoutMs);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) return this.httpError(status, body, method, path);
    return { status, headers: res.headers, body };
  }

  /**
   * A plain GET through the transport's BufferedPool, when it has one: the same request on the
   * wire as node:http sends, the same timeouts and errors, at a fraction of the CPU (an audit
   * makes one such request per container). Undefined when the request needs node:http.
   */
  private buffered(
    method: string,
    path: string,
    options: RequestOptions,
    timeoutMs: number,
  ): Promise<BufferedResponse> | undefined {
    const pool = this.transport.pool;
    if (
      pool === undefined ||
      method !== "GET" ||
      options.body !== undefined ||
      options.rawBody !== undefined ||
      options.contentType !== undefined
    )
      return undefined;
    // the headers of a call without headers of its own are the same every time
    const block =
      options.headers === undefined
        ? (this.plainHeaders ??= headerBlock(this.transport.hostHeader, {
            ...this.transport.headers,
            "User-Agent": "dockward",
          }))
        : headerBlock(this.transport.hostHeader, {
            ...this.transport.headers,
            "User-Agent": "dockward",
            ...options.headers,
          });
    const head =
      block === undefined
        ? undefined
        : withRequestLine(method, this.buildPath(path, options), block);
    if (head === undefined) return undefined;
    return pool.request({
      head,
      timeoutMs,
      maxBytes: MAX_BUFFERED_BYTES,
      pipeline: options.pipeline === true,
      timeoutError: (phase) =>
        phase === "head"
          ? this.headTimeout(method, path, timeoutMs)
          : bodyTimeout(method, path, timeoutMs),
      tooLargeError: () => tooLarge(method, path),
    });
  }

  /**
   * GET (or other) a JSON document and parse it with a schema: unknown input is never cast.
   * Typed against zod's core, so a classic `zod` schema works as well as a `zod/mini` one.
   */
  async json<S extends z.core.$ZodType>(
    method: string,
    path: string,
    schema: S,
    options: RequestOptions = {},
  ): Promise<z.output<S>> {
    const res = await this.request(method, path, options);
    let data: unknown;
    try {
      data = JSON.parse(res.body.toString("utf8"));
    } catch (err) {
      throw new DockwardError(
        "ENGINE_PROTOCOL",
        `${method} ${path}: the engine's answer is not JSON: ${errorMessage(err)}`,
        {
          hint: "is the endpoint really a Docker engine?",
        },
      );
    }
    const parsed = z.safeParse(schema, data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new DockwardError(
        "ENGINE_PROTOCOL",
        `${method} ${path}: unexpected answer at /${issue?.path.map(String).join("/") ?? ""}: ${issue?.message ?? "invalid"}`,
        { hint: "is the endpoint really a Docker engine of a supported version?" },
      );
    }
    return parsed.data;
  }

  /**
   * A streaming response (logs, events, stats, pulls): resolves once the head arrives; the
   * timeout covers only that. The caller reads and eventually destroys the stream.
   */
  async stream(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<IncomingMessage> {
    const res = await this.send(method, path, options);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const body = await this.readBody(res, method, path, options.timeoutMs ?? this.timeoutMs);
      return this.httpError(status, body, method, path);
    }
    return res;
  }

  /**
   * A hijacked connection (attach, exec start): sends `Upgrade: tcp` and resolves with the raw
   * bidirectional stream once the daemon answers 101.
   */
  async hijack(method: string, path: string, options: RequestOptions = {}): Promise<Duplex> {
    let upgraded: ((socket: Duplex) => void) | undefined;
    const socketPromise = new Promise<Duplex>((resolve) => {
      upgraded = resolve;
    });
    const answer = await Promise.race([
      this.send(
        method,
        path,
        { ...options, headers: { ...options.headers, Connection: "Upgrade", Upgrade: "tcp" } },
        (_res, socket, head) => {
          if (head.length > 0) socket.unshift(head);
          upgraded?.(socket);
        },
      ).then((res) => ({ kind: "response" as const, res })),
      socketPromise.then((socket) => ({ kind: "upgraded" as const, socket })),
    ]);
    if (answer.kind === "upgraded") return answer.socket;
    const body = await this.readBody(answer.res, method, path, options.timeoutMs ?? this.timeoutMs);
    return this.httpError(answer.res.statusCode ?? 0, body, method, path);
  }
}

function bodyTimeout(method: string, path: string, timeoutMs: number): DockwardError {
  return new DockwardError(
    "TIMEOUT",
    `${method} ${path}: the response body did not finish within ${timeoutMs / 1000} s`,
    {
      hint: "use a streaming call for long-running endpoints, or raise --timeout",
    },
  );
}

function tooLarge(method: string, path: string): DockwardError {
  return new DockwardError(
    "ENGINE_PROTOCOL",
    `${method} ${path}: response larger than ${MAX_BUFFERED_BYTES} bytes`,
    {
      hint: "this is not an answer dockward expects from a Docker engine",
    },
  );
}

function tlsReason(code: string, message: string): string {
  switch (code) {
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
      return `the server's certificate is not signed by the CA dockward trusts (${code})`;
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return `the server's certificate does not name this host (${message})`;
    case "CERT_HAS_EXPIRED":
      return "the server's certificate has expired";
    case "CERT_NOT_YET_VALID":
      return "the server's certificate is not valid yet (check the clocks)";
    case "ERR_SSL_WRONG_VERSION_NUMBER":
      return "the port does not speak TLS";
    case "ECONNRESET":
      return "the server closed the connection during the handshake (it probably wants a client certificate dockward did not send)";
    default:
      if (/certificate required|bad certificate|unknown ca|handshake failure/i.test(message)) {
        return `the server refused dockward's client certificate (${message.trim()})`;
      }
      return `${code === "" ? "" : `${code}: `}${message}`;
  }
}

function tlsHint(code: string, message: string): string {
  if (code === "ERR_SSL_WRONG_VERSION_NUMBER")
    return "drop --tls/--tlsverify for this endpoint, or check the port";
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID")
    return "connect with a name the certificate lists, or reissue it with that SAN (`dockward tls`)";
  if (code === "ECONNRESET" || /certificate required|bad certificate|unknown ca/i.test(message)) {
    return "give a client certificate signed by the daemon's CA (--tlscert/--tlskey or a context with TLS material)";
  }
  return "check --tlscacert (or the context's ca.pem) against the CA that signed the daemon's certificate";
}
