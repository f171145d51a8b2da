import { execFile } from "node:child_process";
import * as fs from "node:fs/promises";
import * as http from "node:http";
import * as https from "node:https";
import * as path from "node:path";
import * as tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, stopHarness } from "../harness/engine.js";
import type { EngineHarness } from "../harness/engine.js";

function cliEnv(h: EngineHarness): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("DOCKER_")) env[k] = v;
  }
  env.PATH = `${h.binDir}:${env.PATH ?? "/usr/local/bin:/usr/bin:/bin"}`;
  env.DOCKER_CONFIG = path.join(h.root, "docker-config");
  return env;
}

function docker(h: EngineHarness, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "docker",
      args,
      { env: cliEnv(h), timeout: 60_000, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`docker ${args.join(" ")}: ${stderr.trim() || err.message}`));
          return;
        }
        resolve(stdout.trim());
      },
    );
  });
}

function unixGet(socketPath: string, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, path: urlPath, agent: false, headers: { Host: "docker" }, timeout: 5_000 },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

function tlsPort(h: EngineHarness): number {
  const port = Number(new URL(h.tlsHost).port);
  expect(port).toBeGreaterThan(0);
  return port;
}

async function readPid(file: string): Promise<number> {
  const pid = Number((await fs.readFile(file, "utf8")).trim());
  expect(Number.isInteger(pid) && pid > 1).toBe(true);
  return pid;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitDead(pid: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (alive(pid) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
}

function infoId(body: string): string {
  const parsed = JSON.parse(body) as { ID?: unknown };
  expect(typeof parsed.ID).toBe("string");
  return String(parsed.ID);
}

// This file starts, crashes and stops an engine of its own. It must not touch the engine that
// vitest globalSetup shares with the other integration tests, so it uses a ROOT of its own.
const savedRoot = process.env.DOCKWARD_TEST_ROOT;
const baseRoot =
  savedRoot !== undefined && savedRoot !== ""
    ? savedRoot
    : `/tmp/dwt-${String(process.getuid?.() ?? 0)}`;
const selfRoot = `${baseRoot}-self`;

describe("real-engine harness", () => {
  let h: EngineHarness;

  beforeAll(async () => {
    process.env.DOCKWARD_TEST_ROOT = selfRoot;
    h = await startHarness();
  }, 120_000);

  afterAll(async () => {
    try {
      await stopHarness();
    } finally {
      if (savedRoot === undefined) delete process.env.DOCKWARD_TEST_ROOT;
      else process.env.DOCKWARD_TEST_ROOT = savedRoot;
    }
  }, 60_000);

  it("uses its own root", () => {
    expect(h.root).toBe(selfRoot);
  });

  it("answers /_ping on the private unix socket", async () => {
    expect(h.unixHost).toBe(`unix://${h.socketPath}`);
    expect(h.socketPath.length).toBeLessThan(100);
    const res = await unixGet(h.socketPath, "/_ping");
    expect(res.status).toBe(200);
    expect(res.body).toBe("OK");
  });

  it("refuses a TLS client without a certificate", async () => {
    const ca = await fs.readFile(path.join(h.tlsDir, "ca.pem"));
    const outcome = await new Promise<{ error: string; data: string }>((resolve) => {
      let data = "";
      let error = "";
      const socket = tls.connect({
        host: "127.0.0.1",
        port: tlsPort(h),
        ca,
        servername: "localhost",
      });
      socket.setEncoding("utf8");
      socket.on("secureConnect", () => {
        socket.write("GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n");
      });
      socket.on("data", (c: string) => (data += c));
      socket.on("error", (e: Error) => {
        error = e.message;
      });
      socket.on("close", () => {
        resolve({ error, data });
      });
      socket.setTimeout(10_000, () => socket.destroy(new Error("timeout")));
    });
    expect(outcome.data).not.toContain("200 OK");
    expect(outcome.error).not.toBe("");
    expect(outcome.error).not.toBe("timeout");
  });

  it("accepts the client certificate and sees the same daemon over TLS", async () => {
    const [ca, cert, key] = await Promise.all(
      ["ca.pem", "cert.pem", "key.pem"].map((f) => fs.readFile(path.join(h.tlsDir, f))),
    );
    for (const f of ["key.pem"]) {
      const st = await fs.stat(path.join(h.tlsDir, f));
      expect(st.mode & 0o777).toBe(0o600);
    }
    const body = await new Promise<string>((resolve, reject) => {
      const req = https.request(
        {
          host: "127.0.0.1",
          port: tlsPort(h),
          path: "/info",
          ca,
          cert,
          key,
          agent: false,
          timeout: 10_000,
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (text += c));
          res.on("end", () => {
            if (res.statusCode === 200) resolve(text);
            else reject(new Error(`HTTP ${String(res.statusCode)}: ${text}`));
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", reject);
      req.end();
    });
    expect(infoId(body)).toBe(h.daemonId);
  });

  it("reaches the same daemon with the docker CLI over ssh through the wrapper", async () => {
    const before = (await fs.readFile(h.sshLog, "utf8")).split("\n").length;
    const id = await docker(h, ["-H", h.sshRemoteSocketHost, "info", "--format", "{{.ID}}"]);
    expect(id).toBe(h.daemonId);
    const lines = (await fs.readFile(h.sshLog, "utf8")).split("\n").filter((s) => s !== "");
    expect(lines.length).toBeGreaterThanOrEqual(before);
    expect(lines.at(-1)).toContain("dwt-sshd");
    expect(lines.at(-1)).toContain("system dial-stdio");
  }, 60_000);

  it("has the busybox image and runs a container as root", async () => {
    expect(h.image).toBe("dockward-busybox:test");
    const res = await unixGet(h.socketPath, `/images/${h.image}/json`);
    expect(res.status).toBe(200);
    const uid = await docker(h, [
      "-H",
      h.unixHost,
      "run",
      "--rm",
      "--network",
      "none",
      h.image,
      "id",
      "-u",
    ]);
    expect(uid).toBe("0");
  }, 60_000);

  it("starts again after dockerd and sshd were SIGKILLed (with a running container)", async () => {
    const cid = await docker(h, [
      "-H",
      h.unixHost,
      "run",
      "-d",
      "--network",
      "none",
      h.image,
      "sleep",
      "1000",
    ]);
    expect(cid).toMatch(/^[0-9a-f]{64}$/);

    const dockerdPid = await readPid(path.join(h.root, "dockerd.pid"));
    const sshdPid = await readPid(path.join(h.root, "sshd.pid"));
    process.kill(dockerdPid, "SIGKILL");
    process.kill(sshdPid, "SIGKILL");
    await waitDead(dockerdPid);
    await waitDead(sshdPid);

    const oldId = h.daemonId;
    h = await startHarness();
    const ping = await unixGet(h.socketPath, "/_ping");
    expect(ping.status).toBe(200);
    expect(h.daemonId).toBe(oldId);

    // The container from before the crash is no longer running.
    const inspect = await unixGet(h.socketPath, `/containers/${cid}/json`);
    expect(inspect.status).toBe(200);
    const state = (JSON.parse(inspect.body) as { State: { Running: boolean } }).State;
    expect(state.Running).toBe(false);
    await docker(h, ["-H", h.unixHost, "rm", "-f", cid]);

    // And the ssh route works again.
    const id = await docker(h, ["-H", h.sshRemoteSocketHost, "info", "--format", "{{.ID}}"]);
    expect(id).toBe(h.daemonId);
  }, 180_000);
});
