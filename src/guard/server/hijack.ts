import * as http from "node:http";
import * as net from "node:net";
import type { Duplex } from "node:stream";
import { PROXY_RULES, denialMessage, rawJsonAnswer } from "./answers.js";
import { type Allowed, type Denied, Exchange, type GuardCore, admit } from "./core.js";
import {
  connectionTokens,
  isHopByHop,
  rawResponseHead,
  requestFraming,
  upgradeProtocol,
  upstreamRequestHeaders,
} from "./headers.js";

/**
 * Hijacked connections: `docker attach`, `docker exec`/`run` (POST with `Connection: Upgrade`,
 * `Upgrade: tcp`, answered `101 UPGRADED`), BuildKit's /session and /grpc (`Upgrade: h2c`).
 * node:http hands these over raw ('upgrade'); the request is judged like any other, sent on a
 * fresh upstream connection, and once the daemon switches protocols both directions are piped
 * as bytes, half-close preserved: when the client closes its side (stdin done), the daemon's
 * side is closed for writing and the output keeps flowing back until the daemon ends it.
 *
 * A final (non-101) answer is relayed and the connection closed: bytes a client sends after
 * it never reach the daemon unjudged.
 */

/** exec start and attach send a few dozen bytes: anything near this is not a hijack body */
const MAX_UPGRADE_BODY = 1024 * 1024;
/** the body of an upgrade request must arrive within this (no parser timer covers it) */
const BODY_TIMEOUT_MS = 60_000;

/**
 * The last bytes on a connection: sent, then the connection closed (a half-open socket whose
 * client never closes its side must not linger).
 */
export function finalAnswer(socket: Duplex, bytes: Buffer): void {
  socket.once("finish", () => socket.destroy());
  socket.end(bytes);
}

function transportRefusal(rule: string, status: number, message: string): Denied {
  return {
    allow: false,
    status,
    message,
    judgement: { rules: [rule], operation: undefined, path: undefined },
  };
}

/** Exactly `n` body bytes from `head` and then the socket; what follows is kept for later. */
function readExactly(
  socket: Duplex,
  head: Buffer,
  n: number,
): Promise<{ body: Buffer; rest: Buffer } | undefined> {
  if (head.length >= n)
    return Promise.resolve({ body: head.subarray(0, n), rest: head.subarray(n) });
  return new Promise((resolve) => {
    const chunks = [head];
    let size = head.length;
    const done = (r: { body: Buffer; rest: Buffer } | undefined): void => {
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("close", onEnd);
      socket.pause();
      clearTimeout(timer);
      resolve(r);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size < n) return;
      const all = Buffer.concat(chunks);
      done({ body: all.subarray(0, n), rest: all.subarray(n) });
    };
    const onEnd = (): void => {
      done(undefined);
    };
    const timer = setTimeout(() => {
      done(undefined);
      socket.destroy();
    }, BODY_TIMEOUT_MS);
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("close", onEnd);
    socket.resume();
  });
}

export async function handleUpgrade(
  core: GuardCore,
  req: http.IncomingMessage,
  client: Duplex,
  head: Buffer,
): Promise<void> {
  client.pause();
  // half-open: the client ending stdin must not end the output coming back
  client.allowHalfOpen = true;
  if (client instanceof net.Socket) client.setTimeout(0);
  const identity = core.identities.get(client);
  const ex = new Exchange(core, identity, req.method ?? "", req.url ?? "");
  let closed = false;
  const upstream: { req?: http.ClientRequest } = {};
  client.on("error", () => {
    client.destroy();
  });
  client.once("close", () => {
    closed = true;
    if (!ex.isDone()) ex.abandoned();
    upstream.req?.destroy();
  });

  const refuse = (d: Denied): void => {
    ex.decision = "deny";
    ex.judgement = d.judgement;
    ex.record({ decision: "deny", rules: d.judgement.rules, status: d.status, reason: d.message });
    if (!closed)
      finalAnswer(client, rawJsonAnswer(d.status, denialMessage(d.judgement.rules, d.message)));
  };

  if (identity === undefined) {
    refuse(transportRefusal(PROXY_RULES.noIdentity, 403, "the connection has no identity"));
    return;
  }
  const rawTarget = req.url ?? "";
  if (!rawTarget.startsWith("/")) {
    refuse(
      transportRefusal(
        PROXY_RULES.unsupported,
        400,
        "the request target must be a path (origin-form)",
      ),
    );
    return;
  }
  const protocol = upgradeProtocol(req.headers.upgrade);
  if (!protocol.ok) {
    refuse(transportRefusal(PROXY_RULES.unsupported, 400, `unsupported upgrade: ${protocol.why}`));
    return;
  }
  const framing = requestFraming(req.headers);
  if (framing.kind === "invalid" || framing.kind === "chunked") {
    refuse(
      transportRefusal(
        PROXY_RULES.unsupported,
        400,
        framing.kind === "chunked"
          ? "an upgrade request's body must have a Content-Length"
          : `unsupported framing: ${framing.why}`,
      ),
    );
    return;
  }
  const length = framing.kind === "length" ? framing.length : 0;

  const a = await admit(core, {
    identity,
    method: req.method ?? "",
    rawTarget,
    headers: req.headers,
    upgrade: protocol.protocol,
  });
  if (ex.isDone()) return;
  if (a.action === "deny") {
    refuse(a.decided);
    return;
  }
  const limit = a.action === "buffer" ? Math.min(a.limit, MAX_UPGRADE_BODY) : MAX_UPGRADE_BODY;
  if (length > limit) {
    refuse(
      transportRefusal(
        PROXY_RULES.bodyTooLarge,
        413,
        `the request body is larger than the ${limit} bytes allowed for it`,
      ),
    );
    return;
  }
  if (a.action === "stream" && !a.decided.allow) {
    refuse(a.decided);
    return;
  }
  const read = await readExactly(client, head, length);
  if (read === undefined) {
    if (!ex.isDone()) ex.abandoned();
    client.destroy();
    return;
  }
  const d = a.action === "buffer" ? await a.judge(read.body) : a.decided;
  if (ex.isDone()) return;
  ex.judgement = d.judgement;
  if (!d.allow) {
    refuse(d);
    return;
  }
  ex.decision = "allow";
  const body = a.action === "buffer" ? (d.body ?? read.body) : read.body;
  upstream.req = relay(core, ex, req, client, body, read.rest, d, protocol.protocol);
}

function relay(
  core: GuardCore,
  ex: Exchange,
  req: http.IncomingMessage,
  client: Duplex,
  body: Buffer,
  rest: Buffer,
  allowed: Allowed,
  protocol: string,
): http.ClientRequest {
  const rules = allowed.judgement.rules;
  const t = core.upstream.transport;
  const upReq = http.request({
    createConnection: () => core.upstream.connect(),
    method: req.method ?? "POST",
    path: t.basePath + (req.url ?? "/"),
    headers: upstreamRequestHeaders(req.headers, {
      host: t.hostHeader,
      contentLength: body.length,
      upgrade: protocol,
    }),
    setHost: false,
  });
  let relayed = false;

  upReq.on("upgrade", (upRes: http.IncomingMessage, up: Duplex, upHead: Buffer) => {
    relayed = true;
    if (!ex.record({ decision: "allow", rules, status: upRes.statusCode ?? 101 })) {
      up.destroy();
      client.destroy();
      return;
    }
    if (client.destroyed) {
      up.destroy();
      return;
    }
    client.write(
      rawResponseHead(
        upRes.statusCode ?? 101,
        upRes.statusMessage ?? "Switching Protocols",
        upRes.rawHeaders,
      ),
    );
    if (upHead.length > 0) client.write(upHead);
    if (rest.length > 0) up.write(rest);
    splice(core, client, up);
  });

  upReq.on("response", (upRes: http.IncomingMessage) => {
    // a final answer (an error, or a daemon that did not switch): relay it, then close
    relayed = true;
    const status = upRes.statusCode ?? 502;
    if (!ex.record({ decision: "allow", rules, status })) {
      upRes.destroy();
      finalAnswer(
        client,
        rawJsonAnswer(
          500,
          denialMessage([PROXY_RULES.recordFailed], "the decision could not be recorded"),
        ),
      );
      return;
    }
    const listed = connectionTokens(upRes.headers.connection);
    client.write(
      rawResponseHead(
        status,
        upRes.statusMessage ?? "",
        upRes.rawHeaders,
        (name) => !isHopByHop(name, listed) && name !== "content-length",
        ["Connection: close"],
      ),
    );
    // closed once the answer is out: nothing after it is read
    client.once("finish", () => client.destroy());
    upRes.pipe(client);
    upRes.on("error", () => client.destroy());
  });

  upReq.on("error", (err: NodeJS.ErrnoException) => {
    if (relayed) {
      client.destroy();
      return;
    }
    const message = ex.unreachable(rules, err);
    if (!client.destroyed) finalAnswer(client, rawJsonAnswer(502, message));
  });
  upReq.end(body);
  return upReq;
}

/** Both directions as bytes until both are done; either side breaking off ends the other. */
function splice(core: GuardCore, client: Duplex, up: Duplex): void {
  core.metrics.hijackedSessions += 1;
  let over = false;
  const finish = (): void => {
    if (over) return;
    over = true;
    core.metrics.hijackedSessions -= 1;
  };
  up.on("error", () => {
    up.destroy();
    client.destroy();
  });
  // pipe ends the other side's writing when one side's reading ends: the half-close
  client.pipe(up);
  up.pipe(client);
  client.once("close", () => {
    // nothing can reach the client any more
    up.destroy();
    finish();
  });
  up.once("close", () => {
    // broken off (not a clean end after which the client is ended in order): cut the client too
    if (!up.readableEnded) client.destroy();
  });
}
