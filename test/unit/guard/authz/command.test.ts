import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as http from "node:http";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runAuthzPlugin, setupHints } from "../../../../src/guard/authz/command.js";
import { verifyLogText } from "../../../../src/guard/decision-log.js";
import { authzReq } from "./fixtures.js";

const dir = mkdtempSync("/tmp/dw-azc-");
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function ask(socketPath: string, body: Buffer): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, path: "/AuthZPlugin.AuthZReq", method: "POST", agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          resolve(JSON.parse(Buffer.concat(chunks).toString()));
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("dockward authz-plugin", () => {
  it("runs until stopped, logging each decision in the hash chain", async () => {
    const socket = join(dir, "dw-cmd.sock");
    const log = join(dir, "decisions.log");
    const lines: string[] = [];
    const stop = new AbortController();
    let started: () => void = () => undefined;
    const up = new Promise<void>((resolve) => {
      started = resolve;
    });
    const running = runAuthzPlugin({
      socket,
      log,
      decider: {
        admit: (p) =>
          p.rawTarget === "/_ping"
            ? { action: "stream", verdict: { allow: true, rules: [] } }
            : { action: "deny", status: 403, rules: ["DW-T-9"], message: "not here" },
      },
      print: (line) => lines.push(line),
      signal: stop.signal,
      onStarted: () => {
        started();
      },
    });
    try {
      await Promise.race([up, running]);
      expect(await ask(socket, authzReq({}))).toMatchObject({ Allow: true });
      expect(await ask(socket, authzReq({ RequestUri: "/v1.41/info" }))).toMatchObject({
        Allow: false,
        Msg: "dockward: denied by DW-T-9 — not here",
      });
    } finally {
      stop.abort();
      await running;
    }
    const text = readFileSync(log, "utf8");
    const check = verifyLogText(text);
    expect(check).toMatchObject({ ok: true, lines: 2 });
    expect(text).toContain('"rules":["DW-T-9"]');
    expect(lines[0]).toBe(`dockward: authz plugin "dw-cmd" listening on ${socket}`);
    expect(lines.join("\n")).toContain(`/etc/docker/plugins/dw-cmd.spec`);
    expect(lines.at(-1)).toBe(`dockward: decision log head ${check.head}`);
  });

  it("needs no spec file in /run/docker/plugins", () => {
    expect(setupHints("/run/docker/plugins/dockward.sock", "dockward")).toEqual([
      'start dockerd with --authorization-plugin=dockward (or "authorization-plugins": ["dockward"] in daemon.json), after this plugin is up',
    ]);
  });
});
