import { mkdirSync } from "node:fs";
import * as http from "node:http";
import type * as net from "node:net";
import { dirname } from "node:path";
import { DockwardError, errorMessage } from "../../errors.js";
import type { DecisionRecord } from "../decision-log.js";
import { PROXY_RULES, denialMessage } from "../server/answers.js";
import { bindUnix } from "../server/listeners.js";
import type { GuardMetrics } from "../server/metrics.js";
import type { Decider } from "../server/types.js";
import type { IdentityOptions } from "./identity.js";
import { AUTHZ_RULES, type AuthzJudgement, judgeAuthzRequest } from "./judge.js";
import {
  ACTIVATE_ANSWER,
  type AuthzAnswer,
  DEFAULT_AUTHZ_SOCKET,
  MAX_AUTHZ_REQUEST_BYTES,
  PLUGIN_CONTENT_TYPE,
  PLUGIN_PATHS,
  encodeAuthzAnswer,
  pluginNameOf,
} from "./protocol.js";

/**
 * The guard as a Docker authorization plugin: dockerd itself asks, before it acts on each API
 * request, and refuses what the Decider denies. An HTTP server on a unix socket speaking the
 * plugin protocol (protocol.ts); the judging is judge.ts.
 */

export interface AuthzPluginOptions {
  /**
   * default /run/docker/plugins/dockward.sock. The plugin's name (for --authorization-plugin)
   * is the file name without `.sock`; outside /run/docker/plugins dockerd needs a spec file.
   */
  socket?: string;
  /** the function form is called once per request: swap what it returns to hot-reload a policy */
  decider: Decider | (() => Decider);
  /**
   * Exactly one record per AuthZReq, written before the answer goes back. If it throws, the
   * request is refused as a plugin failure (dockerd answers 500).
   */
  onDecision?: (record: DecisionRecord) => void;
  metrics?: GuardMetrics;
  /** accept client certificates without extendedKeyUsage (dockerd does); default false */
  allowCertificatesWithoutEku?: boolean;
}

export interface AuthzPlugin {
  /** the name dockerd knows the plugin by: `--authorization-plugin=NAME` */
  readonly name: string;
  readonly socket: string;
  /**
   * Stop: the socket goes at once (dockerd then refuses every request: it cannot ask), answers
   * in progress may finish for up to graceMs (default 5 000).
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

const SERVER_OPTIONS = {
  // dockerd keeps its connections to a plugin open with no idle limit, and a POST it sends on
  // one the plugin has just closed is retried with an empty body: never close idle ones
  keepAliveTimeout: 0,
  requestTimeout: 0,
  headersTimeout: 60_000,
  requireHostHeader: false,
  noDelay: true,
} satisfies http.ServerOptions;

/** only dockerd (root) has any business here */
const SOCKET_MODE = 0o600;

function send(res: http.ServerResponse, status: number, body: string): void {
  const bytes = Buffer.from(body, "utf8");
  res.writeHead(status, {
    "Content-Type": PLUGIN_CONTENT_TYPE,
    "Content-Length": String(bytes.length),
  });
  res.end(bytes);
}

/** The body, up to `limit` bytes (beyond, the rest is read and dropped: "too large"), or undefined if the peer went away. */
function readBody(
  req: http.IncomingMessage,
  limit: number,
): Promise<Buffer | "too large" | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on("end", () => {
      resolve(size > limit ? "too large" : Buffer.concat(chunks, size));
    });
    req.on("error", () => {
      resolve(undefined);
    });
    req.on("close", () => {
      if (!req.complete) resolve(undefined);
    });
  });
}

function tooLarge(): AuthzJudgement {
  const message = `the daemon's authorization request is larger than ${MAX_AUTHZ_REQUEST_BYTES} bytes`;
  const rules = [AUTHZ_RULES.malformed];
  return {
    answer: { kind: "deny", message: denialMessage(rules, message) },
    record: {
      identity: "unknown",
      method: "-",
      path: "-",
      decision: "deny",
      rules,
      reason: message,
      status: 403,
    },
  };
}

/**
 * Start the plugin. Start it before dockerd: a daemon whose plugin does not answer retries for
 * about 30 s, then refuses to start; a running daemon whose plugin is gone refuses every
 * request (after about 15 s of retries, with a 500).
 *
 * @example
 * const plugin = await startAuthzPlugin({ decider, onDecision: (r) => log.write(r) });
 * // dockerd --authorization-plugin=dockward
 */
export async function startAuthzPlugin(options: AuthzPluginOptions): Promise<AuthzPlugin> {
  const socket = options.socket ?? DEFAULT_AUTHZ_SOCKET;
  if (!socket.startsWith("/"))
    throw new DockwardError("BAD_INPUT", `the plugin socket ${socket} is not an absolute path`, {
      hint: `dockerd looks for plugins in /run/docker/plugins: e.g. --socket ${DEFAULT_AUTHZ_SOCKET}`,
    });
  const name = pluginNameOf(socket);
  if (name === undefined)
    throw new DockwardError(
      "BAD_INPUT",
      `the plugin socket ${socket} does not give a plugin name (NAME.sock, NAME of letters, digits, _ . -)`,
      { hint: `e.g. --socket ${DEFAULT_AUTHZ_SOCKET} for the plugin "dockward"` },
    );
  const { decider } = options;
  const current = typeof decider === "function" ? decider : (): Decider => decider;
  const identityOptions: IdentityOptions =
    options.allowCertificatesWithoutEku === true ? { allowCertificatesWithoutEku: true } : {};

  const answer = (res: http.ServerResponse, a: AuthzAnswer): void => {
    const { status, body } = encodeAuthzAnswer(a);
    send(res, status, body);
  };

  const authorize = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const time = new Date().toISOString();
    const started = performance.now();
    const raw = await readBody(req, MAX_AUTHZ_REQUEST_BYTES);
    // dockerd went away before its question was complete: there is nothing to decide
    if (raw === undefined) return;
    let judgement: AuthzJudgement;
    try {
      judgement =
        raw === "too large" ? tooLarge() : await judgeAuthzRequest(raw, current, identityOptions);
    } catch (err) {
      // a bug here, not in the Decider (judge.ts catches those): refuse, and say so
      answer(res, {
        kind: "fault",
        message: denialMessage(
          [PROXY_RULES.decisionFailed],
          `the plugin failed (${errorMessage(err)}): the request was refused`,
        ),
      });
      return;
    }
    const record: DecisionRecord = {
      time,
      ...judgement.record,
      latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
    };
    options.metrics?.observe(record);
    try {
      options.onDecision?.(record);
    } catch {
      if (options.metrics !== undefined) options.metrics.recordFailures += 1;
      answer(res, {
        kind: "fault",
        message: denialMessage([PROXY_RULES.recordFailed], "the decision could not be recorded"),
      });
      return;
    }
    answer(res, judgement.answer);
  };

  /** Read and drop a body, then answer. */
  const drained = (req: http.IncomingMessage, then: () => void): void => {
    req.resume();
    req.on("end", then);
  };

  const inFlight = new Set<http.ServerResponse>();
  const server = http.createServer(SERVER_OPTIONS, (req, res) => {
    inFlight.add(res);
    res.on("close", () => {
      inFlight.delete(res);
    });
    if (req.method !== "POST") {
      drained(req, () => {
        send(
          res,
          405,
          JSON.stringify({ Err: `${String(req.method)}: the plugin API is POST only` }),
        );
      });
      return;
    }
    switch (req.url) {
      case PLUGIN_PATHS.activate:
        drained(req, () => {
          send(res, 200, ACTIVATE_ANSWER);
        });
        return;
      case PLUGIN_PATHS.request:
        void authorize(req, res);
        return;
      case PLUGIN_PATHS.response:
        // responses are not judged: the decision was made on the request
        drained(req, () => {
          answer(res, { kind: "allow" });
        });
        return;
      default:
        drained(req, () => {
          send(
            res,
            404,
            JSON.stringify({ Err: `${String(req.url)}: not a method of an authz plugin` }),
          );
        });
    }
  });
  const connections = new Set<net.Socket>();
  server.on("connection", (c: net.Socket) => {
    connections.add(c);
    c.on("close", () => {
      connections.delete(c);
    });
  });

  try {
    mkdirSync(dirname(socket), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new DockwardError("BAD_INPUT", `cannot create ${dirname(socket)}: ${errorMessage(err)}`, {
      hint: "run as root (dockerd's plugin directory is root's)",
      cause: err,
    });
  }
  const remove = await bindUnix(server, socket, {
    mode: SOCKET_MODE,
    gid: undefined,
    name: `the authz plugin socket ${socket}`,
  });

  let closing: Promise<void> | undefined;
  return {
    name,
    socket,
    close: (closeOptions = {}) => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        remove();
        server.closeIdleConnections();
        const cut = setTimeout(() => {
          for (const c of connections) c.destroy();
        }, closeOptions.graceMs ?? 5_000);
        cut.unref();
        const idle = (): void => {
          if (inFlight.size === 0) {
            for (const c of connections) c.destroy();
            clearTimeout(cut);
          }
        };
        idle();
        for (const res of inFlight) res.on("close", idle);
      });
      return closing;
    },
  };
}
