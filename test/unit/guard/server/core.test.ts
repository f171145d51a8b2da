import { describe, expect, it } from "vitest";
import type { DecisionRecord } from "../../../../src/guard/decision-log.js";
import { PROXY_RULES } from "../../../../src/guard/server/answers.js";
import { Exchange, type GuardCore, admit } from "../../../../src/guard/server/core.js";
import { GuardMetrics } from "../../../../src/guard/server/metrics.js";
import type { Admission, Decider, Pending } from "../../../../src/guard/server/types.js";
import type { Upstream } from "../../../../src/guard/server/upstream.js";

function core(decider: Decider, onDecision?: (r: DecisionRecord) => void): GuardCore {
  return {
    // never reached by these tests: admit() and Exchange do not forward
    upstream: undefined as unknown as Upstream,
    metrics: new GuardMetrics(),
    identities: new WeakMap(),
    active: new WeakMap(),
    closing: false,
    decider: () => decider,
    onDecision,
    responseDone: () => undefined,
  };
}

const pending: Pending = {
  identity: { kind: "tls", name: "alice", groups: [], listener: "l" },
  method: "POST",
  rawTarget: "/v1.41/containers/create?name=x",
  headers: {},
  upgrade: undefined,
};

const decider = (f: (p: Pending) => Admission | Promise<Admission>): Decider => ({ admit: f });

describe("admit fails closed", () => {
  it("a Decider that throws is a 500 denial", async () => {
    const a = await admit(
      core(
        decider(() => {
          throw new Error("boom");
        }),
      ),
      pending,
    );
    expect(a).toMatchObject({
      action: "deny",
      decided: { allow: false, status: 500, judgement: { rules: [PROXY_RULES.decisionFailed] } },
    });
    if (a.action === "deny") expect(a.decided.message).toContain("boom");
  });

  it("a Decider that rejects is a 500 denial", async () => {
    const a = await admit(core(decider(() => Promise.reject(new Error("late")))), pending);
    expect(a).toMatchObject({ action: "deny", decided: { status: 500 } });
  });

  it("an invalid body limit is a 500 denial", async () => {
    for (const limit of [-1, 1.5, Number.NaN, Infinity]) {
      const a = await admit(
        core(
          decider(() => ({ action: "buffer", limit, judge: () => ({ allow: true, rules: [] }) })),
        ),
        pending,
      );
      expect(a.action).toBe("deny");
    }
  });

  it("a judge that throws, or answers nothing, denies", async () => {
    for (const judge of [
      () => {
        throw new Error("bad body");
      },
      () => undefined as never,
    ]) {
      const a = await admit(core(decider(() => ({ action: "buffer", limit: 10, judge }))), pending);
      expect(a.action).toBe("buffer");
      if (a.action === "buffer")
        expect(await a.judge(Buffer.from("{}"))).toMatchObject({ allow: false, status: 500 });
    }
  });

  it("a denial's status outside 4xx/5xx is sent as 403; its judgement is kept", async () => {
    const a = await admit(
      core(
        decider(() => ({
          action: "deny",
          status: 200,
          message: "no",
          rules: ["R"],
          operation: "ContainerCreate",
          path: "/containers/create",
        })),
      ),
      pending,
    );
    expect(a).toEqual({
      action: "deny",
      decided: {
        allow: false,
        status: 403,
        message: "no",
        judgement: { rules: ["R"], operation: "ContainerCreate", path: "/containers/create" },
      },
    });
  });

  it("only allow: true allows; the canonical body is carried", async () => {
    const body = Buffer.from('{"Image":"x"}');
    const a = await admit(
      core(
        decider(() => ({
          action: "buffer",
          limit: 100,
          judge: () => ({ allow: true, body, rules: [] }),
        })),
      ),
      pending,
    );
    if (a.action !== "buffer") throw new Error("expected buffer");
    const d = await a.judge(Buffer.from("{}"));
    expect(d).toMatchObject({ allow: true });
    if (d.allow) expect(d.body).toBe(body);
  });
});

describe("Exchange", () => {
  it("records exactly once, the path without the query unless the Decider gave one", () => {
    const got: DecisionRecord[] = [];
    const c = core(
      decider(() => ({ action: "stream", verdict: { allow: true, rules: [] } })),
      (r) => got.push(r),
    );
    const ex = new Exchange(c, pending.identity, "POST", pending.rawTarget);
    expect(ex.record({ decision: "allow", rules: [], status: 201 })).toBe(true);
    expect(ex.record({ decision: "deny", rules: ["X"], status: 403 })).toBe(true);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      identity: "tls:alice",
      method: "POST",
      path: "/v1.41/containers/create",
      decision: "allow",
      rules: [],
      status: 201,
    });
    expect(got[0]?.latencyMs).toBeGreaterThanOrEqual(0);
    expect(got[0]).not.toHaveProperty("operation");

    const ex2 = new Exchange(c, undefined, "GET", "/x?secret=1");
    ex2.judgement = { rules: ["R"], operation: "Op", path: "/normalised" };
    ex2.abandoned();
    expect(got[1]).toMatchObject({
      identity: "unknown",
      path: "/normalised",
      operation: "Op",
      decision: "deny",
      rules: ["R"],
      reason: "the client went away before the answer",
    });
    expect(got[1]).not.toHaveProperty("status");
  });

  it("says so when the record cannot be written", () => {
    const c = core(
      decider(() => ({ action: "stream", verdict: { allow: true, rules: [] } })),
      () => {
        throw new Error("disk full");
      },
    );
    const ex = new Exchange(c, pending.identity, "GET", "/_ping");
    expect(ex.record({ decision: "allow", rules: [], status: 200 })).toBe(false);
    expect(c.metrics.recordFailures).toBe(1);
  });
});
