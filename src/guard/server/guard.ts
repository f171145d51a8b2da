import type * as http from "node:http";
import { resolve } from "node:path";
import type { Duplex } from "node:stream";
import { DockwardError } from "../../errors.js";
import type { DecisionRecord } from "../decision-log.js";
import { type AdminServer, openAdmin } from "./admin.js";
import { PROXY_RULES, denialMessage, jsonMessage, rawJsonAnswer } from "./answers.js";
import { Exchange, type GuardCore } from "./core.js";
import { handleRequest } from "./forward.js";
import { finalAnswer, handleUpgrade } from "./hijack.js";
import { type Listener, openListener } from "./listeners.js";
import { GuardMetrics } from "./metrics.js";
import type { CloseOptions, Decider, GuardServer, GuardServerOptions, Identity } from "./types.js";
import { Upstream } from "./upstream.js";

/**
 * `dockward guard`'s proxy: listeners that authenticate, a Decider that judges, an upstream
 * engine that gets only what was judged. Fails closed throughout: no identity, a parse error,
 * a Decider that throws, a record that cannot be written: the request does not reach the daemon.
 */

const DEFAULT_GRACE_MS = 10_000;
const HEALTH_TIMEOUT_MS = 2_000;
/** while closing: how often connections that went idle are closed */
const DRAIN_POLL_MS = 50;

/** `METHOD TARGET` from the bytes Node's parser refused, when they start like a request line. */
function requestLine(raw: Buffer | undefined): { method: string; target: string } {
  const text = raw?.subarray(0, 8192).toString("latin1") ?? "";
  const m = /^([A-Z]{1,20}) (\/[^\s]{0,8000}) HTTP\/1\.[01]\r?\n/.exec(text);
  return m === null ? { method: "", target: "" } : { method: m[1] ?? "", target: m[2] ?? "" };
}

function onClientError(core: GuardCore, err: Error, socket: Duplex): void {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  // not a parse error (a reset, a timeout): there is no request to answer
  if (!code.startsWith("HPE_")) {
    socket.destroy();
    return;
  }
  const current = core.active.get(socket);
  const status = code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
  const raw = (err as { rawPacket?: unknown }).rawPacket;
  const line = requestLine(Buffer.isBuffer(raw) ? raw : undefined);
  // the request in progress on this connection, if any: one record per request, even then
  const ex = current ?? new Exchange(core, core.identities.get(socket), line.method, line.target);
  ex.decision = "deny";
  const message = `the request is malformed (${code}): refused`;
  ex.record({ decision: "deny", rules: [PROXY_RULES.malformed], status, reason: message });
  // an answer already under way on this connection cannot be followed by another
  if (current?.res?.headersSent === true || !socket.writable) {
    socket.destroy();
    return;
  }
  finalAnswer(socket, rawJsonAnswer(status, denialMessage([PROXY_RULES.malformed], message)));
}

function onConnect(core: GuardCore, req: http.IncomingMessage, socket: Duplex): void {
  const ex = new Exchange(
    core,
    core.identities.get(socket),
    req.method ?? "CONNECT",
    req.url ?? "",
  );
  const message = "CONNECT is not forwarded";
  ex.record({ decision: "deny", rules: [PROXY_RULES.unsupported], status: 405, reason: message });
  socket.on("error", () => socket.destroy());
  finalAnswer(socket, rawJsonAnswer(405, denialMessage([PROXY_RULES.unsupported], message)));
}

/** An Expect other than 100-continue: refused (node:http would answer 417 without a record). */
function onCheckExpectation(
  core: GuardCore,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): void {
  const ex = new Exchange(core, core.identities.get(req.socket), req.method ?? "", req.url ?? "");
  const message = `Expect "${req.headers.expect ?? ""}" is not supported`;
  ex.record({ decision: "deny", rules: [PROXY_RULES.unsupported], status: 417, reason: message });
  const body = jsonMessage(denialMessage([PROXY_RULES.unsupported], message));
  res.on("error", () => undefined);
  res.writeHead(417, {
    "Content-Type": "application/json",
    "Content-Length": body.length,
    Connection: "close",
  });
  res.end(body);
}

/**
 * Start the guard: every listener, then the admin listener. Throws a DockwardError (and leaves
 * nothing open) when one cannot start.
 *
 * @example
 * const guard = await startGuard({
 *   listeners: [{ kind: "unix", path: "/run/dockward.sock", identity: "ci", group: "docker" }],
 *   upstream: "unix:///var/run/docker.sock",
 *   decider: () => currentPolicyDecider,
 *   onDecision: (r) => log.write(r),
 * });
 * await guard.close({ graceMs: 5_000 });
 */
export async function startGuard(options: GuardServerOptions): Promise<GuardServer> {
  if (options.listeners.length === 0)
    throw new DockwardError("USAGE", "the guard needs at least one listener", {
      hint: "give a tcp (mutual TLS) or a unix listener",
    });
  const upstream = Upstream.from(options.upstream, options.upstreamMaxSockets ?? Infinity);
  const upstreamSocket = upstream.socketPath;
  for (const spec of options.listeners) {
    if (
      spec.kind === "unix" &&
      upstreamSocket !== undefined &&
      resolve(spec.path) === resolve(upstreamSocket)
    ) {
      upstream.close();
      throw new DockwardError(
        "USAGE",
        `the guard cannot listen on ${spec.path}: it is the upstream engine's own socket`,
        {
          hint: "move dockerd to another socket (-H unix:///run/docker-real.sock) and point --upstream at it",
        },
      );
    }
  }

  const metrics = new GuardMetrics();
  const listeners: Listener[] = [];
  let closing = false;
  let drainCheck: (() => void) | undefined;
  const fixed = options.decider;
  const deciderOf: () => Decider = typeof fixed === "function" ? fixed : () => fixed;
  const onDecision: ((record: DecisionRecord) => void) | undefined = options.onDecision;
  const identities = new WeakMap<object, Identity>();

  const core: GuardCore = {
    upstream,
    metrics,
    identities,
    active: new WeakMap(),
    get closing() {
      return closing;
    },
    decider: deciderOf,
    onDecision,
    responseDone: () => {
      if (closing) setImmediate(() => drainCheck?.());
    },
  };

  const hooks = {
    identities,
    tlsRefused: (reason: string) => {
      metrics.tlsRefused(reason);
    },
    connectionClosed: () => drainCheck?.(),
  };

  const metricsText = (): string => {
    const head = options.decisionLogHead?.();
    return metrics.render(head !== undefined ? { decisionLogHead: head } : {});
  };

  let admin: AdminServer | undefined;
  try {
    for (const spec of options.listeners) {
      const l = await openListener(spec, hooks);
      listeners.push(l);
      const server = l.server;
      server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
        handleRequest(core, req, res, false).catch(() => res.destroy());
      });
      server.on("checkContinue", (req: http.IncomingMessage, res: http.ServerResponse) => {
        handleRequest(core, req, res, true).catch(() => res.destroy());
      });
      server.on("checkExpectation", (req: http.IncomingMessage, res: http.ServerResponse) => {
        onCheckExpectation(core, req, res);
      });
      server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
        handleUpgrade(core, req, socket, head).catch(() => socket.destroy());
      });
      server.on("connect", (req: http.IncomingMessage, socket: Duplex) => {
        onConnect(core, req, socket);
      });
      server.on("clientError", (err: Error, socket: Duplex) => {
        onClientError(core, err, socket);
      });
    }
    if (options.admin !== undefined)
      admin = await openAdmin(options.admin.address, {
        health: () => upstream.ping(HEALTH_TIMEOUT_MS),
        metrics: () => metricsText(),
      });
  } catch (err) {
    for (const l of listeners) l.stopAccepting();
    upstream.close();
    throw err;
  }

  let closed: Promise<void> | undefined;
  const close = (o: CloseOptions = {}): Promise<void> => {
    if (closed !== undefined) return closed;
    closing = true;
    const graceMs = o.graceMs ?? DEFAULT_GRACE_MS;
    closed = (async () => {
      for (const l of listeners) l.stopAccepting();
      await new Promise<void>((done) => {
        const open = (): boolean => listeners.some((l) => l.connections.size > 0);
        const finish = (): void => {
          clearInterval(poll);
          clearTimeout(timer);
          drainCheck = undefined;
          done();
        };
        drainCheck = () => {
          for (const l of listeners) l.server.closeIdleConnections();
          if (!open()) finish();
        };
        const poll = setInterval(() => drainCheck?.(), DRAIN_POLL_MS);
        const timer = setTimeout(finish, graceMs);
        drainCheck();
      });
      // what is still running after the grace period is cut
      const left = listeners.flatMap((l) => [...l.connections]);
      await Promise.all(
        left.map(
          (socket) =>
            new Promise<void>((done) => {
              if (socket.destroyed && socket.closed) {
                done();
                return;
              }
              socket.once("close", () => {
                done();
              });
              socket.destroy();
            }),
        ),
      );
      upstream.close();
      await admin?.close();
    })();
    return closed;
  };

  return {
    addresses: listeners.map((l) => l.address),
    admin: admin?.address,
    metricsText,
    close,
  };
}
