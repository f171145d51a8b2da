import type { ClientRequest, IncomingMessage, ServerResponse } from "node:http";
import { PROXY_RULES, denialMessage, jsonMessage } from "./answers.js";
import { type Allowed, type Denied, Exchange, type GuardCore, admit } from "./core.js";
import {
  type RequestFraming,
  relayedResponseHeaders,
  requestFraming,
  upstreamRequestHeaders,
} from "./headers.js";

/**
 * The ordinary request path: authenticate (the listener already did), ask the Decider before
 * reading a byte of the body, then buffer-and-judge or stream, forward with fresh framing over
 * the pooled keep-alive agent, and stream the answer back as it comes.
 */

/** Send a JSON answer; `close` when the request's body was not read (it must not be taken for a next request). */
function answer(
  core: GuardCore,
  res: ServerResponse,
  status: number,
  message: string,
  close: boolean,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = jsonMessage(message);
  res.statusCode = status;
  // exactly application/json: the docker CLI prints the message only then
  res.setHeader("Content-Type", "application/json");
  res.setHeader("Content-Length", body.length);
  if (close || core.closing) res.setHeader("Connection", "close");
  res.end(body);
}

function refuse(
  core: GuardCore,
  ex: Exchange,
  res: ServerResponse,
  d: Denied,
  close: boolean,
): void {
  ex.decision = "deny";
  ex.judgement = d.judgement;
  ex.record({ decision: "deny", rules: d.judgement.rules, status: d.status, reason: d.message });
  answer(core, res, d.status, denialMessage(d.judgement.rules, d.message), close);
}

function transportRefusal(rule: string, status: number, message: string): Denied {
  return {
    allow: false,
    status,
    message,
    judgement: { rules: [rule], operation: undefined, path: undefined },
  };
}

type BodyRead = { ok: true; body: Buffer } | { ok: false; why: "too-large" | "gone" };

/** Read the whole body, up to `limit` bytes: beyond it, stop reading and say so. */
function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (r: BodyRead): void => {
      if (settled) return;
      settled = true;
      req.off("data", onData);
      if (!r.ok) req.pause();
      resolve(r);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        settle({ ok: false, why: "too-large" });
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => {
      settle({
        ok: true,
        body: chunks.length === 1 ? (chunks[0] ?? Buffer.alloc(0)) : Buffer.concat(chunks),
      });
    });
    req.once("error", () => {
      settle({ ok: false, why: "gone" });
    });
    req.once("close", () => {
      if (!req.complete) settle({ ok: false, why: "gone" });
    });
  });
}

const SAFE_RETRY_CODES = new Set(["ECONNRESET", "EPIPE"]);

/**
 * Forward and relay. `body` is the judged body (buffered) or "stream" (piped from the client
 * with backpressure) or undefined (no body).
 */
function forward(
  core: GuardCore,
  ex: Exchange,
  req: IncomingMessage,
  res: ServerResponse,
  allowed: Allowed,
  body: Buffer | "stream" | undefined,
  framing: RequestFraming,
): void {
  const { judgement } = allowed;
  const t = core.upstream.transport;
  const contentLength =
    body === "stream" ? (framing.kind === "length" ? framing.length : undefined) : body?.length;
  const headers = upstreamRequestHeaders(req.headers, {
    host: t.hostHeader,
    contentLength,
    upgrade: undefined,
  });
  const method = req.method ?? "GET";
  let upReq: ClientRequest | undefined;
  let answered = false;

  res.once("close", () => {
    // the client went away mid-answer (`logs -f` interrupted): the daemon stops following too
    if (!res.writableFinished) upReq?.destroy();
  });

  const send = (attempt: number): void => {
    const r = core.upstream.request(core.upstream.options(method, req.url ?? "/", headers));
    upReq = r;
    r.on("response", (upRes) => {
      answered = true;
      const status = upRes.statusCode ?? 502;
      const recorded = ex.record({ decision: "allow", rules: judgement.rules, status });
      if (!recorded) {
        upRes.destroy();
        r.destroy();
        answer(
          core,
          res,
          500,
          denialMessage([PROXY_RULES.recordFailed], "the decision could not be recorded"),
          true,
        );
        return;
      }
      if (res.destroyed) {
        upRes.destroy();
        return;
      }
      try {
        for (const [name, value] of relayedResponseHeaders(upRes.headers))
          res.setHeader(name, value);
        if (
          upRes.headers["content-length"] === undefined &&
          upRes.headers["transfer-encoding"] === undefined
        ) {
          // a close-delimited answer (a raw stream to a client that did not upgrade) is relayed
          // as one: node:http neither chunks it nor keeps the connection
          res.removeHeader("content-length");
          res.removeHeader("transfer-encoding");
        }
        if (core.closing) res.setHeader("Connection", "close");
        res.writeHead(status, upRes.statusMessage);
      } catch {
        // a field node:http will not write (it parsed it, but refuses to send it on)
        upRes.destroy();
        core.metrics.upstreamErrors += 1;
        res.destroy();
        return;
      }
      // The head leaves with the first piece of the body, one write instead of two, when that
      // piece came in with it (an ordinary answer); events, logs -f and pull progress may send
      // nothing for a long while, so whatever head is still unsent goes on its own at the end
      // of this turn of the event loop, after the pieces already read were passed on.
      // (res.headersSent cannot tell: it is true from writeHead on, before anything is sent)
      let bodyStarted = false;
      upRes.once("data", () => {
        bodyStarted = true;
      });
      upRes.pipe(res);
      setImmediate(() => {
        if (!bodyStarted && !res.writableEnded && !res.destroyed) res.flushHeaders();
      });
      upRes.on("error", () => {
        core.metrics.upstreamErrors += 1;
        res.destroy();
      });
      upRes.once("aborted", () => {
        core.metrics.upstreamErrors += 1;
        res.destroy();
      });
    });
    r.on("error", (err: NodeJS.ErrnoException) => {
      if (answered) {
        res.destroy();
        return;
      }
      // a kept-alive connection the daemon closed just as it was reused: the request never got
      // there. Sent again once, when its body is still at hand.
      if (
        attempt === 0 &&
        r.reusedSocket &&
        body !== "stream" &&
        SAFE_RETRY_CODES.has(err.code ?? "")
      ) {
        send(1);
        return;
      }
      if (res.destroyed || res.headersSent) {
        res.destroy();
        return;
      }
      answer(core, res, 502, ex.unreachable(judgement.rules, err), body === "stream");
    });
    if (body === "stream") {
      req.pipe(r);
      req.once("error", () => r.destroy());
    } else r.end(body);
  };
  send(0);
}

export async function handleRequest(
  core: GuardCore,
  req: IncomingMessage,
  res: ServerResponse,
  expectContinue: boolean,
): Promise<void> {
  const socket = req.socket;
  const identity = core.identities.get(socket);
  const ex = new Exchange(core, identity, req.method ?? "", req.url ?? "");
  ex.res = res;
  core.active.set(socket, ex);
  // both only mean that the client went away: handled by 'close'
  req.on("error", () => undefined);
  res.on("error", () => undefined);
  res.once("finish", () => {
    core.responseDone();
  });
  res.once("close", () => {
    if (core.active.get(socket) === ex) core.active.delete(socket);
    if (!ex.isDone()) ex.abandoned();
  });

  const framing = requestFraming(req.headers);
  const hasBody = framing.kind !== "none";
  if (identity === undefined) {
    refuse(
      core,
      ex,
      res,
      transportRefusal(PROXY_RULES.noIdentity, 403, "the connection has no identity"),
      true,
    );
    return;
  }
  const rawTarget = req.url ?? "";
  if (!rawTarget.startsWith("/")) {
    refuse(
      core,
      ex,
      res,
      transportRefusal(
        PROXY_RULES.unsupported,
        400,
        "the request target must be a path (origin-form)",
      ),
      hasBody,
    );
    return;
  }
  if (framing.kind === "invalid") {
    refuse(
      core,
      ex,
      res,
      transportRefusal(PROXY_RULES.unsupported, 400, `unsupported framing: ${framing.why}`),
      true,
    );
    return;
  }

  const a = await admit(core, {
    identity,
    method: req.method ?? "",
    rawTarget,
    headers: req.headers,
    upgrade: undefined,
  });
  // the client went away meanwhile: recorded as abandoned
  if (ex.isDone()) return;
  switch (a.action) {
    case "deny":
      refuse(core, ex, res, a.decided, hasBody);
      return;
    case "stream": {
      const d = a.decided;
      ex.judgement = d.judgement;
      if (!d.allow) {
        refuse(core, ex, res, d, hasBody);
        return;
      }
      ex.decision = "allow";
      if (expectContinue && hasBody) res.writeContinue();
      forward(core, ex, req, res, d, hasBody ? "stream" : undefined, framing);
      return;
    }
    case "buffer": {
      if (framing.kind === "length" && framing.length > a.limit) {
        refuse(core, ex, res, tooLarge(a.limit), true);
        return;
      }
      if (expectContinue && hasBody) res.writeContinue();
      const read = hasBody
        ? await readBody(req, a.limit)
        : { ok: true as const, body: Buffer.alloc(0) };
      if (!read.ok) {
        if (read.why === "too-large") refuse(core, ex, res, tooLarge(a.limit), true);
        else ex.abandoned();
        return;
      }
      const d = await a.judge(read.body);
      if (ex.isDone()) return;
      ex.judgement = d.judgement;
      if (!d.allow) {
        refuse(core, ex, res, d, false);
        return;
      }
      ex.decision = "allow";
      const canonical = d.body ?? read.body;
      forward(
        core,
        ex,
        req,
        res,
        d,
        hasBody || canonical.length > 0 ? canonical : undefined,
        framing,
      );
      return;
    }
  }
}

function tooLarge(limit: number): Denied {
  return transportRefusal(
    PROXY_RULES.bodyTooLarge,
    413,
    `the request body is larger than the ${limit} bytes allowed for it`,
  );
}
