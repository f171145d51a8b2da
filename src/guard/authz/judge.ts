import type { DecisionRecord } from "../decision-log.js";
import { PROXY_RULES, denialMessage } from "../server/answers.js";
import { connectionTokens, pathOf, upgradeProtocol } from "../server/headers.js";
import { identityLabel } from "../server/identity.js";
import type { Decider, Pending } from "../server/types.js";
import { type IdentityOptions, identityOf } from "./identity.js";
import { type AuthzAnswer, type AuthzRequest, decodeAuthzRequest } from "./protocol.js";

/**
 * One AuthZReq judged by the guard's Decider: the same decision core as the proxy, asked the
 * same questions, with what dockerd sends in place of the request itself. Pure but for the
 * injected Decider.
 *
 * Two things differ from the proxy, and both are limits of the plugin protocol:
 * - dockerd sends a body only when it is `application/json` (any parameters) and under 1 MiB,
 *   and sends nothing to say it left one out. A Decider that asks to buffer a body is refused
 *   whenever the request may have one that did not come (DW-AUTHZ-002): a Content-Length above
 *   0, or no Content-Length on a method that carries bodies (Go's server hides the
 *   Transfer-Encoding of a chunked body from the plugin). A create with a large Env or Labels
 *   is the case that matters: the daemon decodes all of it, the plugin would see nothing.
 * - The daemon decodes the bytes the client sent, not the canonical body an allowing Verdict
 *   carries: that body cannot be substituted, and is ignored. What keeps this safe is that the
 *   Decider refuses every body the daemon could read differently from it (duplicate keys,
 *   keys that differ only in case).
 */

export const AUTHZ_RULES = {
  /** the daemon's AuthZReq is not what dockerd writes, or the body and its Content-Length disagree */
  malformed: "DW-AUTHZ-001",
  /** the request may carry a body the daemon did not send to the plugin */
  bodyNotSent: "DW-AUTHZ-002",
  /** who the client is cannot be told from what the daemon sent */
  identity: "DW-AUTHZ-003",
} as const;

/** dockerd answers every `Allow: false` with 403, whatever status the rule asked for. */
const DENIED_STATUS = 403;
/** ... and every plugin failure with 500. */
const FAULT_STATUS = 500;

/** Methods that carry no body when they say nothing of one (no Content-Length). */
const BODYLESS_METHODS: ReadonlySet<string> = new Set([
  "GET",
  "HEAD",
  "DELETE",
  "OPTIONS",
  "TRACE",
]);

export interface AuthzJudgement {
  answer: AuthzAnswer;
  /** the decision record but for `time` and `latencyMs`, which the transport adds */
  record: Omit<DecisionRecord, "time" | "latencyMs">;
}

interface Subject {
  identity: string;
  method: string;
  path: string;
}

interface Judged {
  rules: string[];
  operation: string | undefined;
  path: string | undefined;
}

function recordOf(
  subject: Subject,
  judged: Judged,
): Pick<DecisionRecord, "identity" | "method" | "path" | "operation"> {
  return {
    identity: subject.identity,
    method: subject.method,
    path: judged.path ?? subject.path,
    ...(judged.operation !== undefined ? { operation: judged.operation } : {}),
  };
}

function denied(subject: Subject, judged: Judged, message: string): AuthzJudgement {
  return {
    answer: { kind: "deny", message: denialMessage(judged.rules, message) },
    record: {
      ...recordOf(subject, judged),
      decision: "deny",
      rules: judged.rules,
      reason: message,
      status: DENIED_STATUS,
    },
  };
}

/** A refusal of the plugin's own (no Decider involved). */
function refused(subject: Subject, rule: string, message: string): AuthzJudgement {
  return denied(subject, { rules: [rule], operation: undefined, path: undefined }, message);
}

function failed(subject: Subject, why: string): AuthzJudgement {
  const rules = [PROXY_RULES.decisionFailed];
  const message = `the decision failed (${why}): the request was refused`;
  return {
    answer: { kind: "fault", message: denialMessage(rules, message) },
    record: {
      ...recordOf(subject, { rules, operation: undefined, path: undefined }),
      decision: "deny",
      rules,
      reason: message,
      status: FAULT_STATUS,
    },
  };
}

function allowed(subject: Subject, judged: Judged): AuthzJudgement {
  return {
    answer: { kind: "allow" },
    record: { ...recordOf(subject, judged), decision: "allow", rules: judged.rules },
  };
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// --- What the Decider said, checked: it is code of someone else's, and this is security code.

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

function judgedOf(v: Record<string, unknown>): Judged | string {
  const { rules, operation, path } = v;
  if (!Array.isArray(rules) || !rules.every((r): r is string => typeof r === "string"))
    return "its rules are not a list of rule ids";
  if (operation !== undefined && typeof operation !== "string") return "its operation is not text";
  if (path !== undefined && typeof path !== "string") return "its path is not text";
  return { rules: [...rules], operation, path };
}

/** A Verdict as the plugin acts on it: only an explicit `allow: true` allows. */
function fromVerdict(subject: Subject, v: unknown): AuthzJudgement {
  if (!isObject(v)) return failed(subject, "the verdict is not an object");
  const judged = judgedOf(v);
  if (typeof judged === "string") return failed(subject, `the verdict is malformed: ${judged}`);
  // an allowing verdict's canonical `body` is ignored: dockerd decodes the client's own bytes
  if (v.allow === true) return allowed(subject, judged);
  if (typeof v.message !== "string") return failed(subject, "the denial has no message");
  return denied(subject, judged, v.message);
}

type Framing =
  | { kind: "length"; length: number }
  | { kind: "empty" }
  /** no Content-Length: nothing, or a chunked body (Go's server hides Transfer-Encoding) */
  | { kind: "unstated" }
  | { kind: "invalid"; why: string };

function framingOf(request: AuthzRequest): Framing {
  if (request.headers["transfer-encoding"] !== undefined) return { kind: "unstated" };
  const cl = request.headers["content-length"];
  if (cl === undefined) return { kind: "unstated" };
  if (!/^\d{1,15}$/.test(cl))
    return { kind: "invalid", why: `Content-Length ${JSON.stringify(cl)}` };
  const length = Number(cl);
  return length === 0 ? { kind: "empty" } : { kind: "length", length };
}

const NOT_SENT =
  "the daemon did not send the body to the plugin (over 1 MiB, or not JSON): it cannot be judged";

/** The body to judge, or the refusal when the daemon did not send the one the request has. */
function bodyToJudge(subject: Subject, request: AuthzRequest): Buffer | AuthzJudgement {
  const framing = framingOf(request);
  const { body } = request;
  switch (framing.kind) {
    case "invalid":
      return refused(subject, AUTHZ_RULES.malformed, `the request's ${framing.why} is not valid`);
    case "length":
      if (body === undefined)
        return refused(
          subject,
          AUTHZ_RULES.bodyNotSent,
          `${NOT_SENT} (Content-Length ${framing.length})`,
        );
      if (body.length !== framing.length)
        return refused(
          subject,
          AUTHZ_RULES.malformed,
          `the daemon sent ${body.length} bytes of a body whose Content-Length is ${framing.length}`,
        );
      return body;
    case "empty":
      if (body !== undefined)
        return refused(
          subject,
          AUTHZ_RULES.malformed,
          `the daemon sent ${body.length} bytes of a body whose Content-Length is 0`,
        );
      return Buffer.alloc(0);
    case "unstated":
      if (body !== undefined) return body;
      if (BODYLESS_METHODS.has(request.method)) return Buffer.alloc(0);
      return refused(
        subject,
        AUTHZ_RULES.bodyNotSent,
        `${NOT_SENT} (the request has no Content-Length, so it may have a chunked body)`,
      );
  }
}

/** Judge one decoded AuthZReq. */
export async function judgeRequest(
  request: AuthzRequest,
  decider: () => Decider,
  options: IdentityOptions = {},
): Promise<AuthzJudgement> {
  const anonymous: Subject = {
    identity: "unknown",
    method: request.method,
    path: pathOf(request.uri),
  };
  const who = identityOf(request, options);
  if (!who.ok)
    return refused(anonymous, AUTHZ_RULES.identity, `who the client is is unclear: ${who.message}`);
  const subject: Subject = { ...anonymous, identity: identityLabel(who.identity) };
  if (!request.uri.startsWith("/"))
    return refused(
      subject,
      PROXY_RULES.unsupported,
      `the request target ${JSON.stringify(request.uri)} is not a path (origin-form)`,
    );
  let upgrade: string | undefined;
  if (connectionTokens(request.headers.connection).has("upgrade")) {
    const protocol = upgradeProtocol(request.headers.upgrade);
    if (!protocol.ok)
      return refused(subject, PROXY_RULES.unsupported, `unsupported upgrade: ${protocol.why}`);
    upgrade = protocol.protocol;
  }
  const pending: Pending = {
    identity: who.identity,
    method: request.method,
    rawTarget: request.uri,
    headers: Object.assign(Object.create(null) as Record<string, string>, request.headers),
    upgrade,
  };

  let admission: unknown;
  try {
    admission = await decider().admit(pending);
  } catch (err) {
    return failed(subject, reason(err));
  }
  if (!isObject(admission)) return failed(subject, "the admission is not an object");
  switch (admission.action) {
    case "deny": {
      const judged = judgedOf(admission);
      if (typeof judged === "string") return failed(subject, `the denial is malformed: ${judged}`);
      if (typeof admission.message !== "string")
        return failed(subject, "the denial has no message");
      return denied(subject, judged, admission.message);
    }
    case "stream":
      return fromVerdict(subject, admission.verdict);
    case "buffer": {
      const { limit, judge } = admission;
      if (typeof limit !== "number" || !Number.isSafeInteger(limit) || limit < 0)
        return failed(subject, `invalid body limit ${String(limit)}`);
      if (typeof judge !== "function") return failed(subject, "the admission has no judge");
      const body = bodyToJudge(subject, request);
      if (!Buffer.isBuffer(body)) return body;
      if (body.length > limit)
        return refused(
          subject,
          PROXY_RULES.bodyTooLarge,
          `the body is larger than ${limit} bytes, the most this request may carry`,
        );
      let verdict: unknown;
      try {
        verdict = await (judge as (body: Buffer) => unknown)(body);
      } catch (err) {
        return failed(subject, reason(err));
      }
      return fromVerdict(subject, verdict);
    }
    default:
      return failed(subject, `unknown admission ${JSON.stringify(String(admission.action))}`);
  }
}

/** Judge the raw body of an AuthZReq: decode it, then judgeRequest. */
export async function judgeAuthzRequest(
  raw: Uint8Array,
  decider: () => Decider,
  options: IdentityOptions = {},
): Promise<AuthzJudgement> {
  const decoded = decodeAuthzRequest(raw);
  if (!decoded.ok)
    return refused(
      { identity: "unknown", method: "-", path: "-" },
      AUTHZ_RULES.malformed,
      `the daemon's authorization request cannot be read: ${decoded.problem}`,
    );
  return judgeRequest(decoded.request, decider, options);
}
