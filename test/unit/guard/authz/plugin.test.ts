import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type AuthzPlugin, startAuthzPlugin } from "../../../../src/guard/authz/plugin.js";
import type { DecisionRecord } from "../../../../src/guard/decision-log.js";
import { GuardMetrics } from "../../../../src/guard/server/metrics.js";
import type { Decider } from "../../../../src/guard/server/types.js";
import { authzReq } from "./fixtures.js";

const dir = mkdtempSync("/tmp/dw-azu-");
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  contentType: string | undefined;
  json: unknown;
}

function post(socketPath: string, path: string, body: Buffer | string = "", method = "POST") {
  return new Promise<Answer>((resolve, reject) => {
    const req = http.request({ socketPath, path, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers["content-type"],
          json: text === "" ? undefined : JSON.parse(text),
        });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Allows everything but a create whose body has "Privileged":true; counts calls. */
function testDecider() {
  const calls = { admit: 0 };
  const decider: Decider = {
    admit(p) {
      calls.admit += 1;
      if (p.rawTarget.startsWith("/v1.41/containers/create"))
        return {
          action: "buffer",
          limit: 1 << 20,
          judge: (body) =>
            body.includes('"Privileged":true')
              ? {
                  allow: false,
                  status: 403,
                  rules: ["DW-T-1"],
                  message: "privileged",
                  operation: "ContainerCreate",
                }
              : { allow: true, rules: [], operation: "ContainerCreate" },
        };
      return { action: "stream", verdict: { allow: true, rules: [] } };
    },
  };
  return { decider, calls };
}

let plugin: AuthzPlugin | undefined;
afterEach(async () => {
  await plugin?.close();
  plugin = undefined;
});

async function start(options: {
  decider?: Decider | (() => Decider);
  onDecision?: (r: DecisionRecord) => void;
  metrics?: GuardMetrics;
  name?: string;
}): Promise<AuthzPlugin> {
  plugin = await startAuthzPlugin({
    socket: join(dir, `${options.name ?? "dockward-unit"}.sock`),
    decider: options.decider ?? testDecider().decider,
    ...(options.onDecision !== undefined ? { onDecision: options.onDecision } : {}),
    ...(options.metrics !== undefined ? { metrics: options.metrics } : {}),
  });
  return plugin;
}

const privileged = authzReq({
  RequestMethod: "POST",
  RequestUri: "/v1.41/containers/create",
  body: '{"Image":"busybox","HostConfig":{"Privileged":true}}',
  RequestHeaders: { "Content-Length": "52", "Content-Type": "application/json" },
});

describe("the authz plugin server", () => {
  it("activates as an authz plugin, named after its socket, on a 0600 socket", async () => {
    const p = await start({ name: "dw-unit-a" });
    expect(p.name).toBe("dw-unit-a");
    expect(statSync(p.socket).mode & 0o777).toBe(0o600);
    expect(await post(p.socket, "/Plugin.Activate")).toEqual({
      status: 200,
      contentType: "application/vnd.docker.plugins.v1.2+json",
      json: { Implements: ["authz"] },
    });
  });

  it("allows, denies, and writes one record per AuthZReq", async () => {
    const records: DecisionRecord[] = [];
    const metrics = new GuardMetrics();
    const p = await start({ onDecision: (r) => records.push(r), metrics });
    expect((await post(p.socket, "/AuthZPlugin.AuthZReq", authzReq({}))).json).toEqual({
      Allow: true,
      Msg: "",
      Err: "",
    });
    expect(await post(p.socket, "/AuthZPlugin.AuthZReq", privileged)).toEqual({
      status: 200,
      contentType: "application/vnd.docker.plugins.v1.2+json",
      json: { Allow: false, Msg: "dockward: denied by DW-T-1 — privileged", Err: "" },
    });
    expect(records.map((r) => [r.decision, r.method, r.path, r.identity])).toEqual([
      ["allow", "GET", "/_ping", "unix:dockerd-socket"],
      ["deny", "POST", "/v1.41/containers/create", "unix:dockerd-socket"],
    ]);
    expect(records[1]).toMatchObject({
      operation: "ContainerCreate",
      rules: ["DW-T-1"],
      reason: "privileged",
      status: 403,
    });
    expect(typeof records[1]?.latencyMs).toBe("number");
    expect(metrics.render()).toContain('dockward_guard_denials_total{rule="DW-T-1"} 1');
  });

  it("answers AuthZRes with allow, without asking the Decider or recording", async () => {
    const { decider, calls } = testDecider();
    const records: DecisionRecord[] = [];
    const p = await start({ decider, onDecision: (r) => records.push(r) });
    const res = await post(p.socket, "/AuthZPlugin.AuthZRes", privileged);
    expect(res.json).toEqual({ Allow: true, Msg: "", Err: "" });
    expect(calls.admit).toBe(0);
    expect(records).toEqual([]);
  });

  it("refuses a request it cannot read with Allow:false, and keeps serving", async () => {
    const p = await start({});
    const bad = await post(p.socket, "/AuthZPlugin.AuthZReq", '{"RequestMethod":');
    expect(bad.status).toBe(200);
    expect(bad.json).toMatchObject({ Allow: false, Msg: /^dockward: denied by DW-AUTHZ-001 — / });
    const empty = await post(p.socket, "/AuthZPlugin.AuthZReq", "");
    expect(empty.json).toMatchObject({ Allow: false, Msg: /DW-AUTHZ-001/ });
    expect((await post(p.socket, "/AuthZPlugin.AuthZReq", authzReq({}))).json).toMatchObject({
      Allow: true,
    });
  });

  it("refuses an AuthZReq over its size limit after reading it whole", async () => {
    const records: DecisionRecord[] = [];
    const p = await start({ onDecision: (r) => records.push(r) });
    const huge = authzReq({ RequestHeaders: { "X-Big": "x".repeat(5 * 1024 * 1024) } });
    const res = await post(p.socket, "/AuthZPlugin.AuthZReq", huge);
    expect(res.json).toMatchObject({
      Allow: false,
      Msg: /DW-AUTHZ-001 — .*larger than 4194304 bytes/,
    });
    expect(records).toHaveLength(1);
  });

  it("answers a Decider failure as a plugin fault: non-200 with Err", async () => {
    const p = await start({
      decider: () => {
        throw new Error("no policy");
      },
    });
    const res = await post(p.socket, "/AuthZPlugin.AuthZReq", authzReq({}));
    expect(res.status).toBe(500);
    expect(res.json).toMatchObject({
      Allow: false,
      Err: "dockward: denied by DW-PROXY-003 — the decision failed (no policy): the request was refused",
    });
  });

  it("refuses even an allowed request when its record cannot be written", async () => {
    const metrics = new GuardMetrics();
    const p = await start({
      metrics,
      onDecision: () => {
        throw new Error("disk full");
      },
    });
    const res = await post(p.socket, "/AuthZPlugin.AuthZReq", authzReq({}));
    expect(res.status).toBe(500);
    expect(res.json).toMatchObject({
      Allow: false,
      Err: "dockward: denied by DW-PROXY-006 — the decision could not be recorded",
    });
    expect(metrics.recordFailures).toBe(1);
  });

  it("calls the function form of the Decider once per request", async () => {
    let made = 0;
    const { decider } = testDecider();
    const p = await start({
      decider: () => {
        made += 1;
        return decider;
      },
    });
    await post(p.socket, "/AuthZPlugin.AuthZReq", authzReq({}));
    await post(p.socket, "/AuthZPlugin.AuthZReq", authzReq({}));
    expect(made).toBe(2);
  });

  it("says what it does not serve", async () => {
    const p = await start({});
    expect(await post(p.socket, "/VolumeDriver.Create", "{}")).toMatchObject({
      status: 404,
      json: { Err: /not a method of an authz plugin/ },
    });
    expect(await post(p.socket, "/Plugin.Activate", "", "GET")).toMatchObject({
      status: 405,
      json: { Err: /POST only/ },
    });
  });

  it("removes its socket on close, and never replaces a file that is not a socket", async () => {
    const p = await start({ name: "dw-unit-close" });
    expect(existsSync(p.socket)).toBe(true);
    await p.close();
    plugin = undefined;
    expect(existsSync(p.socket)).toBe(false);
    const file = join(dir, "dw-unit-file.sock");
    writeFileSync(file, "not a socket");
    await expect(start({ name: "dw-unit-file" })).rejects.toThrow(/exists and is not a socket/);
  });

  it("refuses a second plugin on a live socket", async () => {
    await start({ name: "dw-unit-twice" });
    await expect(
      startAuthzPlugin({ socket: join(dir, "dw-unit-twice.sock"), decider: testDecider().decider }),
    ).rejects.toThrow(/another process answers/);
  });

  it.each(["relative.sock", join(dir, "bad name.sock")])(
    "refuses the socket %s",
    async (socket) => {
      await expect(startAuthzPlugin({ socket, decider: testDecider().decider })).rejects.toThrow(
        /absolute path|plugin name/,
      );
    },
  );
});
