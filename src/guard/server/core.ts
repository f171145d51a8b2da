import type { ServerResponse } from "node:http";
import type { DecisionRecord } from "../decision-log.js";
import { PROXY_RULES, denialStatus } from "./answers.js";
import { pathOf } from "./headers.js";
import { identityLabel } from "./identity.js";
import type { GuardMetrics } from "./metrics.js";
import type { Admission, Decider, Identity, Pending, Verdict } from "./types.js";
import type { Upstream } from "./upstream.js";

/** What the request and upgrade handlers share: the upstream, the Decider, the records. */
export interface GuardCore {
  readonly upstream: Upstream;
  readonly metrics: GuardMetrics;
  readonly identities: WeakMap<object, Identity>;
  /** the exchange a socket is in the middle of (a parse error is charged to it) */
  readonly active: WeakMap<object, Exchange>;
  /** set once close() began: answers carry `Connection: close` */
  readonly closing: boolean;
  decider(): Decider;
  onDecision: ((record: DecisionRecord) => void) | undefined;
  /** a response finished while closing: its connection may be idle now */
  responseDone(): void;
}

/** What the Decider said, kept for the record. */
export interface Judgement {
  rules: string[];
  operation: string | undefined;
  path: string | undefined;
}

export interface Outcome {
  decision: "allow" | "deny";
  rules: string[];
  status?: number;
  reason?: string;
  operation?: string | undefined;
  path?: string | undefined;
}

/** One request, from its head to its record: exactly one record, whatever happens. */
export class Exchange {
  readonly time = new Date().toISOString();
  private readonly started = performance.now();
  private recorded = false;
  judgement: Judgement | undefined;
  /** the decision once made (a client that goes away is recorded with it) */
  decision: "allow" | "deny" | undefined;
  /** the response, when node:http owns the socket */
  res: ServerResponse | undefined;

  constructor(
    private readonly core: GuardCore,
    readonly identity: Identity | undefined,
    readonly method: string,
    readonly rawTarget: string,
  ) {}

  /** recorded already (a method, not a getter: it changes across awaits) */
  isDone(): boolean {
    return this.recorded;
  }

  /**
   * Write the record (once; later calls are ignored and return true). False when onDecision
   * threw: the caller withholds an allowed answer.
   */
  record(o: Outcome): boolean {
    if (this.recorded) return true;
    this.recorded = true;
    const j = this.judgement;
    const operation = o.operation ?? j?.operation;
    const record: DecisionRecord = {
      time: this.time,
      identity: this.identity === undefined ? "unknown" : identityLabel(this.identity),
      method: this.method,
      path: o.path ?? j?.path ?? pathOf(this.rawTarget),
      ...(operation !== undefined ? { operation } : {}),
      decision: o.decision,
      rules: o.rules,
      ...(o.reason !== undefined ? { reason: o.reason } : {}),
      ...(o.status !== undefined ? { status: o.status } : {}),
      latencyMs: Math.round((performance.now() - this.started) * 1000) / 1000,
    };
    this.core.metrics.observe(record);
    try {
      this.core.onDecision?.(record);
    } catch {
      this.core.metrics.recordFailures += 1;
      return false;
    }
    return true;
  }

  /**
   * Recorded when the upstream could not be reached for an allowed request; returns the
   * message for the client's 502.
   */
  unreachable(rules: string[], err: NodeJS.ErrnoException): string {
    this.core.metrics.upstreamErrors += 1;
    const why = err.code ?? err.message;
    this.record({
      decision: "allow",
      rules,
      status: 502,
      reason: `the Docker engine cannot be reached: ${why}`,
    });
    return `dockward: the Docker engine cannot be reached (${why})`;
  }

  /** Recorded when the client went away before an answer. */
  abandoned(): void {
    this.record({
      decision: this.decision ?? "deny",
      rules: this.judgement?.rules ?? [],
      reason: "the client went away before the answer",
    });
  }
}

export interface Allowed {
  allow: true;
  /** the canonical body to forward instead of what came in; undefined = what came in */
  body: Buffer | undefined;
  judgement: Judgement;
}

export interface Denied {
  allow: false;
  status: number;
  message: string;
  judgement: Judgement;
}

export type Decided = Allowed | Denied;

function judgementOf(v: {
  rules: readonly string[];
  operation?: string;
  path?: string;
}): Judgement {
  return { rules: [...v.rules], operation: v.operation, path: v.path };
}

function failed(err: unknown): Denied {
  const why = err instanceof Error ? err.message : String(err);
  return {
    allow: false,
    status: 500,
    message: `the decision failed (${why}): the request was refused`,
    judgement: { rules: [PROXY_RULES.decisionFailed], operation: undefined, path: undefined },
  };
}

/** A Verdict as the transport acts on it: only an explicit `allow: true` allows. */
export function decided(v: Verdict): Decided {
  const judgement = judgementOf(v);
  if (v.allow) return { allow: true, body: v.body, judgement };
  return { allow: false, status: denialStatus(v.status), message: v.message, judgement };
}

export type Admitted =
  | { action: "deny"; decided: Denied }
  | { action: "buffer"; limit: number; judge: (body: Buffer) => Promise<Decided> }
  | { action: "stream"; decided: Decided };

/** Ask the Decider, fail closed: a throw, a rejection or a malformed answer is a 500 denial. */
export async function admit(core: GuardCore, pending: Pending): Promise<Admitted> {
  let a: Admission;
  try {
    a = await core.decider().admit(pending);
  } catch (err) {
    return { action: "deny", decided: failed(err) };
  }
  switch (a.action) {
    case "deny":
      return {
        action: "deny",
        decided: {
          allow: false,
          status: denialStatus(a.status),
          message: a.message,
          judgement: judgementOf(a),
        },
      };
    case "buffer": {
      const { limit, judge } = a;
      if (!Number.isSafeInteger(limit) || limit < 0)
        return { action: "deny", decided: failed(`invalid body limit ${String(limit)}`) };
      return {
        action: "buffer",
        limit,
        judge: async (body) => {
          try {
            return decided(await judge(body));
          } catch (err) {
            return failed(err);
          }
        },
      };
    }
    case "stream":
      try {
        return { action: "stream", decided: decided(a.verdict) };
      } catch (err) {
        return { action: "deny", decided: failed(err) };
      }
  }
}
