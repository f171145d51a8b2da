import { describe, expect, it } from "vitest";
import { judgeAuthzRequest } from "../../../../src/guard/authz/judge.js";
import type { Admission, Decider, Pending, Verdict } from "../../../../src/guard/server/types.js";
import { type ReqShape, authzReq } from "./fixtures.js";

/** A Decider that buffers every request and remembers what it was asked and given. */
function buffering(verdict: Verdict = { allow: true, rules: [] }, limit = 1024) {
  const seen: { pending: Pending[]; bodies: Buffer[] } = { pending: [], bodies: [] };
  const decider: Decider = {
    admit(pending) {
      seen.pending.push(pending);
      return {
        action: "buffer",
        limit,
        judge: (body) => {
          seen.bodies.push(body);
          return verdict;
        },
      };
    },
  };
  return { decider: () => decider, seen };
}

const create = (shape: Partial<ReqShape>): Buffer =>
  authzReq({ RequestMethod: "POST", RequestUri: "/v1.41/containers/create", ...shape });

describe("judging an AuthZReq", () => {
  it("gives the Decider the request as dockerd described it", async () => {
    const { decider, seen } = buffering();
    const j = await judgeAuthzRequest(
      create({
        RequestUri: "/v1.41/containers/create?name=web",
        body: "{}",
        RequestHeaders: { "Content-Length": "2", "Content-Type": "application/json" },
      }),
      decider,
    );
    expect(j.answer).toEqual({ kind: "allow" });
    expect(seen.pending).toEqual([
      {
        identity: { kind: "unix", name: "dockerd-socket", groups: [], listener: "authz" },
        method: "POST",
        rawTarget: "/v1.41/containers/create?name=web",
        headers: { "content-length": "2", "content-type": "application/json" },
        upgrade: undefined,
      },
    ]);
    expect(seen.bodies).toEqual([Buffer.from("{}")]);
    expect(j.record).toEqual({
      identity: "unix:dockerd-socket",
      method: "POST",
      path: "/v1.41/containers/create",
      decision: "allow",
      rules: [],
    });
  });

  // what the request carries, what dockerd sent, and whether the Decider's judge sees a body
  it.each<[string, Partial<ReqShape>, string | undefined, RegExp | undefined]>([
    [
      "a JSON body dockerd sent",
      { body: "{}", RequestHeaders: { "Content-Length": "2" } },
      "{}",
      undefined,
    ],
    ["Content-Length 0", { RequestHeaders: { "Content-Length": "0" } }, "", undefined],
    [
      "a chunked body dockerd sent (no Content-Length)",
      { body: "{}", RequestHeaders: { "Content-Type": "application/json" } },
      "{}",
      undefined,
    ],
    [
      "a body dockerd did not send (over 1 MiB, or not JSON)",
      { RequestHeaders: { "Content-Length": "2000000", "Content-Type": "application/json" } },
      undefined,
      /^dockward: denied by DW-AUTHZ-002 — the daemon did not send the body to the plugin \(over 1 MiB, or not JSON\): it cannot be judged \(Content-Length 2000000\)$/,
    ],
    [
      "a POST without Content-Length and no body (it may have been chunked)",
      {},
      undefined,
      /DW-AUTHZ-002 .*no Content-Length, so it may have a chunked body/,
    ],
    [
      "a Transfer-Encoding and no body",
      { RequestHeaders: { "Transfer-Encoding": "chunked" } },
      undefined,
      /DW-AUTHZ-002/,
    ],
    [
      "a body shorter than its Content-Length",
      { body: "{}", RequestHeaders: { "Content-Length": "3" } },
      undefined,
      /DW-AUTHZ-001 — the daemon sent 2 bytes of a body whose Content-Length is 3/,
    ],
    [
      "a body with Content-Length 0",
      { body: "{}", RequestHeaders: { "Content-Length": "0" } },
      undefined,
      /DW-AUTHZ-001 — the daemon sent 2 bytes of a body whose Content-Length is 0/,
    ],
    [
      "a Content-Length that is no number",
      { RequestHeaders: { "Content-Length": "-1" } },
      undefined,
      /DW-AUTHZ-001 — the request's Content-Length "-1" is not valid/,
    ],
    [
      "a body over the Decider's limit",
      { body: "x".repeat(1025), RequestHeaders: { "Content-Length": "1025" } },
      undefined,
      /DW-PROXY-002 — the body is larger than 1024 bytes/,
    ],
  ])("%s", async (_what, shape, judged, denial) => {
    const { decider, seen } = buffering();
    const j = await judgeAuthzRequest(create(shape), decider);
    expect(seen.bodies.map((b) => b.toString())).toEqual(judged === undefined ? [] : [judged]);
    if (denial === undefined) expect(j.answer).toEqual({ kind: "allow" });
    else {
      expect(j.answer.kind).toBe("deny");
      if (j.answer.kind === "deny") expect(j.answer.message).toMatch(denial);
      expect(j.record).toMatchObject({ decision: "deny", status: 403 });
    }
  });

  it("judges an empty body for a GET without Content-Length", async () => {
    const { decider, seen } = buffering();
    const j = await judgeAuthzRequest(authzReq({ RequestUri: "/v1.41/info" }), decider);
    expect(j.answer).toEqual({ kind: "allow" });
    expect(seen.bodies).toEqual([Buffer.alloc(0)]);
  });

  it("denies with the proxy's text, and records the rule, reason and operation", async () => {
    const denial: Verdict = {
      allow: false,
      status: 400,
      rules: ["DW-CAP-001", "DW-PRIV-001"],
      message: "privileged containers are not allowed",
      operation: "ContainerCreate",
      path: "/containers/create",
    };
    const { decider } = buffering(denial);
    const j = await judgeAuthzRequest(
      create({ body: "{}", RequestHeaders: { "Content-Length": "2" } }),
      decider,
    );
    expect(j.answer).toEqual({
      kind: "deny",
      message:
        "dockward: denied by DW-CAP-001, DW-PRIV-001 — privileged containers are not allowed",
    });
    // dockerd answers every Allow:false with 403: that is the status the client gets
    expect(j.record).toEqual({
      identity: "unix:dockerd-socket",
      method: "POST",
      path: "/containers/create",
      operation: "ContainerCreate",
      decision: "deny",
      rules: ["DW-CAP-001", "DW-PRIV-001"],
      reason: "privileged containers are not allowed",
      status: 403,
    });
  });

  it("takes a deny admission and a streamed verdict as they are", async () => {
    const admit =
      (a: Admission): (() => Decider) =>
      () => ({ admit: () => a });
    const deny = await judgeAuthzRequest(
      authzReq({}),
      admit({ action: "deny", status: 403, rules: ["R"], message: "no" }),
    );
    expect(deny.answer).toEqual({ kind: "deny", message: "dockward: denied by R — no" });
    const stream = await judgeAuthzRequest(
      create({ RequestHeaders: { "Content-Length": "5000000" } }),
      admit({ action: "stream", verdict: { allow: true, rules: [], operation: "ImageLoad" } }),
    );
    expect(stream.answer).toEqual({ kind: "allow" });
    expect(stream.record.operation).toBe("ImageLoad");
  });

  it("ignores an allowing verdict's canonical body: the daemon decodes the client's", async () => {
    const { decider } = buffering({ allow: true, rules: [], body: Buffer.from('{"x":1}') });
    const j = await judgeAuthzRequest(
      create({ body: "{}", RequestHeaders: { "Content-Length": "2" } }),
      decider,
    );
    expect(j.answer).toEqual({ kind: "allow" });
  });

  it("passes the protocol of an upgrade, and refuses one the guard does not know", async () => {
    const { decider, seen } = buffering();
    await judgeAuthzRequest(
      authzReq({
        RequestMethod: "POST",
        RequestUri: "/v1.41/exec/abc/start",
        RequestHeaders: { Connection: "Upgrade", Upgrade: "tcp", "Content-Length": "0" },
      }),
      decider,
    );
    expect(seen.pending[0]?.upgrade).toBe("tcp");
    const j = await judgeAuthzRequest(
      authzReq({ RequestHeaders: { Connection: "Upgrade", Upgrade: "irc" } }),
      decider,
    );
    expect(j.answer).toMatchObject({ kind: "deny", message: /DW-PROXY-004 — unsupported upgrade/ });
  });

  it("refuses a target that is not a path", async () => {
    const { decider, seen } = buffering();
    const j = await judgeAuthzRequest(
      authzReq({ RequestUri: "http://docker/v1.41/containers/json" }),
      decider,
    );
    expect(j.answer).toMatchObject({ kind: "deny", message: /DW-PROXY-004 .*not a path/ });
    expect(seen.pending).toEqual([]);
  });

  it("refuses what it cannot read, before asking the Decider", async () => {
    const { decider, seen } = buffering();
    const j = await judgeAuthzRequest(Buffer.from("{not json"), decider);
    expect(j.answer).toMatchObject({
      kind: "deny",
      message:
        /^dockward: denied by DW-AUTHZ-001 — the daemon's authorization request cannot be read: not JSON/,
    });
    expect(j.record).toMatchObject({ identity: "unknown", decision: "deny", status: 403 });
    expect(seen.pending).toEqual([]);
  });

  it("refuses a client whose identity is unclear", async () => {
    const { decider, seen } = buffering();
    const j = await judgeAuthzRequest(authzReq({ User: "root" }), decider);
    expect(j.answer).toMatchObject({ kind: "deny", message: /DW-AUTHZ-003/ });
    expect(j.record.identity).toBe("unknown");
    expect(seen.pending).toEqual([]);
  });

  const broken: [string, () => Decider][] = [
    ["admit throws", () => ({ admit: () => Promise.reject(new Error("policy gone")) })],
    [
      "judge throws",
      () => ({
        admit: () => ({
          action: "buffer",
          limit: 10,
          judge: () => {
            throw new Error("policy gone");
          },
        }),
      }),
    ],
    [
      "the decider getter throws",
      () => {
        throw new Error("policy gone");
      },
    ],
    ["an unknown action", () => ({ admit: () => ({ action: "forward" }) as unknown as Admission })],
    ["no admission", () => ({ admit: () => undefined as unknown as Admission })],
    [
      "a negative limit",
      () => ({
        admit: () => ({ action: "buffer", limit: -1, judge: () => ({ allow: true, rules: [] }) }),
      }),
    ],
    [
      "a verdict without rules",
      () => ({
        admit: () => ({ action: "stream", verdict: { allow: true } as unknown as Verdict }),
      }),
    ],
    [
      "a denial without a message",
      () => ({
        admit: () => ({
          action: "stream",
          verdict: { allow: false, rules: [] } as unknown as Verdict,
        }),
      }),
    ],
  ];
  it.each(broken)("fails closed, as a plugin fault, when %s", async (_what, decider) => {
    const j = await judgeAuthzRequest(
      authzReq({ RequestHeaders: { "Content-Length": "0" } }),
      decider,
    );
    expect(j.answer).toMatchObject({
      kind: "fault",
      message:
        /^dockward: denied by DW-PROXY-003 — the decision failed \(.+\): the request was refused$/,
    });
    expect(j.record).toMatchObject({ decision: "deny", rules: ["DW-PROXY-003"], status: 500 });
  });

  it("allows only an explicit allow: true", async () => {
    const j = await judgeAuthzRequest(authzReq({}), () => ({
      admit: () => ({
        action: "stream",
        verdict: { allow: "yes", rules: [], message: "truthy is not true" } as unknown as Verdict,
      }),
    }));
    expect(j.answer).toEqual({ kind: "deny", message: "dockward: denied — truthy is not true" });
  });
});
