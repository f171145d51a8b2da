/**
 * The guard's transport against the real thing: the private dockerd behind it, the real docker
 * CLI 28 in front of it over mutual TLS (certificates from dockward's own pki code) and over a
 * unix listener, openssl for the TLS versions. The decider is defined here: it allows
 * everything except what it names (TEST-00x), so both sides are exercised.
 */
import * as fs from "node:fs/promises";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import { join } from "node:path";
import * as tls from "node:tls";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { resolveEndpoint } from "../../src/engine/endpoint.js";
import type { DecisionRecord } from "../../src/guard/decision-log.js";
import { PROXY_RULES } from "../../src/guard/server/answers.js";
import { startGuard } from "../../src/guard/server/guard.js";
import type {
  Admission,
  Decider,
  GuardServer,
  Pending,
  Verdict,
} from "../../src/guard/server/types.js";
import { issueWithNewKey } from "../../src/pki/issue.js";
import {
  type Eku,
  caProfile,
  clientProfile,
  serverProfile,
  withOverrides,
} from "../../src/pki/profiles.js";
import { run } from "../harness/cli.js";
import { type Collecting, spawnCollecting, until as untilHolds } from "../harness/processes.js";

const h = inject("harness");
const DOCKER = "/usr/local/bin/docker";

let dir = "";
let guard: GuardServer;
let port = 0;
let unixPath = "";
let adminPort = 0;
const records: DecisionRecord[] = [];
const seen: Pending[] = [];
const containers: string[] = [];

// ─── the test decider ────────────────────────────────────────────────────────────────────────

function operationOf(method: string, path: string): string {
  if (path.endsWith("/_ping")) return "Ping";
  if (method === "POST" && path.endsWith("/containers/create")) return "ContainerCreate";
  return "Other";
}

const testDecider: Decider = {
  admit(p: Pending): Admission {
    seen.push(p);
    const path = p.rawTarget.split("?")[0] ?? "";
    const operation = operationOf(p.method, path);
    if (path.endsWith("/volumes/create"))
      return {
        action: "deny",
        status: 403,
        message: "volumes may not be created through this guard",
        rules: ["TEST-001"],
        operation: "VolumeCreate",
      };
    if (p.upgrade === "h2c")
      return {
        action: "deny",
        status: 403,
        message: "BuildKit sessions are not relayed here",
        rules: ["TEST-003"],
      };
    if (p.method === "POST" && (p.headers["content-type"] ?? "").startsWith("application/json"))
      return {
        action: "buffer",
        limit: 64 * 1024,
        judge: (body: Buffer): Verdict => {
          const value: unknown = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
          if (typeof value !== "object" || value === null || Array.isArray(value))
            return { allow: true, rules: [], operation };
          const labels = (value as { Labels?: Record<string, string> }).Labels ?? {};
          if (labels["dockward.test"] === "deny")
            return {
              allow: false,
              status: 403,
              message: "the label dockward.test=deny is refused",
              rules: ["TEST-002"],
              operation,
            };
          if (operation !== "ContainerCreate") return { allow: true, rules: [], operation };
          // the canonical body differs from what came in: the daemon must get this one
          const canonical = { ...value, Labels: { ...labels, "dockward.canonical": "yes" } };
          return {
            allow: true,
            body: Buffer.from(JSON.stringify(canonical)),
            rules: [],
            operation,
          };
        },
      };
    return { action: "stream", verdict: { allow: true, rules: [], operation } };
  },
};

let current: Decider = testDecider;

// ─── helpers ─────────────────────────────────────────────────────────────────────────────────

interface Material {
  ca: string;
  cert: string;
  key: string;
}

async function writeClient(name: string, m: Material): Promise<string> {
  const d = join(dir, name);
  await fs.mkdir(d, { recursive: true });
  await fs.writeFile(join(d, "ca.pem"), m.ca);
  await fs.writeFile(join(d, "cert.pem"), m.cert);
  await fs.writeFile(join(d, "key.pem"), m.key, { mode: 0o600 });
  return d;
}

function env(certDir: string, host = `tcp://127.0.0.1:${port}`): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    DOCKER_CONFIG: join(dir, "docker-config"),
    DOCKER_HOST: host,
  };
  if (host.startsWith("tcp://")) {
    e.DOCKER_TLS_VERIFY = "1";
    e.DOCKER_CERT_PATH = certDir;
  }
  return e;
}

function docker(args: string[], input?: string, e: NodeJS.ProcessEnv = env(join(dir, "alice"))) {
  return run(DOCKER, args, e, input);
}

/** Plain request to the private dockerd, around the guard (to check what reached it). */
function direct(method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath: h.socketPath, method, path, headers: { Host: "docker" }, agent: false },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

async function tlsOptions(name = "alice"): Promise<tls.ConnectionOptions> {
  const d = join(dir, name);
  return {
    host: "127.0.0.1",
    port,
    ca: await fs.readFile(join(d, "ca.pem")),
    cert: await fs.readFile(join(d, "cert.pem")),
    key: await fs.readFile(join(d, "key.pem")),
  };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function guarded(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer | string,
): Promise<Answer> {
  const o = await tlsOptions();
  return new Promise((resolve, reject) => {
    const req = https.request({ ...o, method, path, headers, agent: false }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Raw bytes over mutual TLS; everything the guard sends until it closes (or `until` matches). */
async function raw(bytes: string, until?: RegExp): Promise<string> {
  const o = await tlsOptions();
  return new Promise((resolve, reject) => {
    const s = tls.connect(o, () => {
      s.write(bytes);
    });
    let text = "";
    s.on("data", (c: Buffer) => {
      text += c.toString("utf8");
      if (until?.test(text) === true) s.destroy();
    });
    s.on("error", reject);
    s.on("close", () => {
      resolve(text);
    });
  });
}

/** What a TLS client with this material gets: the error, or whatever bytes came back. */
function handshake(o: tls.ConnectionOptions): Promise<{ error: string | undefined; data: string }> {
  return new Promise((resolve) => {
    const s = tls.connect(o, () => {
      s.write("GET /_ping HTTP/1.1\r\nHost: guard\r\nConnection: close\r\n\r\n");
    });
    let data = "";
    let error: string | undefined;
    s.on("data", (c: Buffer) => (data += c.toString("latin1")));
    s.on("error", (e: Error) => {
      error = e.message;
    });
    s.on("close", () => {
      resolve({ error, data });
    });
  });
}

async function adminGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port: adminPort, path, agent: false }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      })
      .on("error", reject);
  });
}

function metric(text: string, line: string): number {
  for (const l of text.split("\n")) {
    if (l.startsWith(`${line} `)) return Number(l.slice(line.length + 1));
  }
  return 0;
}

function spawnDocker(args: string[], e: NodeJS.ProcessEnv): Collecting {
  return spawnCollecting(DOCKER, args, e);
}

/** What this file waits for comes within 30 s. */
const until = (what: string, check: () => boolean | Promise<boolean>): Promise<void> =>
  untilHolds(what, check, 30_000);

// ─── setup ───────────────────────────────────────────────────────────────────────────────────

beforeAll(async () => {
  // names a crashed run may have left behind
  for (const name of ["dwg-events", "dwg-smuggled", "dwg-continue", "dwg-big", "dwg-big2"])
    await direct("DELETE", `/containers/${name}?force=1`);
  dir = await fs.mkdtemp("/tmp/dwg-");
  await fs.mkdir(join(dir, "docker-config"));
  const now = new Date();
  const ca = await issueWithNewKey(caProfile({ name: "guard test CA", now }), "ecdsa-p256", "self");
  const issuer = { certificatePem: ca.certificatePem, keys: ca.keys };
  const other = await issueWithNewKey(caProfile({ name: "other CA", now }), "ecdsa-p256", "self");
  const server = await issueWithNewKey(
    serverProfile({
      sans: [
        { type: "ip", value: "127.0.0.1" },
        { type: "dns", value: "localhost" },
      ],
      key: "ecdsa-p256",
      now,
    }),
    "ecdsa-p256",
    issuer,
  );
  await fs.mkdir(join(dir, "server"));
  await fs.writeFile(join(dir, "server", "ca.pem"), ca.certificatePem);
  await fs.writeFile(join(dir, "server", "server-cert.pem"), server.certificatePem);
  await fs.writeFile(join(dir, "server", "server-key.pem"), server.keyPem, { mode: 0o600 });

  const client = async (
    name: string,
    o: {
      groups?: string[];
      eku?: Eku[] | undefined;
      expired?: boolean;
      by?: typeof issuer;
    } = {},
  ): Promise<void> => {
    let profile = clientProfile({ name, groups: o.groups ?? [], key: "ecdsa-p256", now });
    if ("eku" in o) profile = withOverrides(profile, { extendedKeyUsage: o.eku });
    if (o.expired === true)
      profile = withOverrides(profile, {
        notBefore: new Date(now.getTime() - 10 * 86_400_000),
        notAfter: new Date(now.getTime() - 86_400_000),
      });
    const c = await issueWithNewKey(profile, "ecdsa-p256", o.by ?? issuer);
    // every client trusts the guard's CA: only its own certificate differs
    await writeClient(name, { ca: ca.certificatePem, cert: c.certificatePem, key: c.keyPem });
  };
  await client("alice", { groups: ["ops", "dev"] });
  await client("foreign", { by: { certificatePem: other.certificatePem, keys: other.keys } });
  await client("expired", { expired: true });
  await client("noeku", { eku: undefined });
  await client("serveronly", { eku: ["serverAuth"] });

  unixPath = join(dir, "guard.sock");
  guard = await startGuard({
    listeners: [
      {
        kind: "tcp",
        host: "127.0.0.1",
        port: 0,
        tls: {
          ca: join(dir, "server", "ca.pem"),
          cert: join(dir, "server", "server-cert.pem"),
          key: join(dir, "server", "server-key.pem"),
        },
      },
      { kind: "unix", path: unixPath, mode: 0o600, identity: "local-admin", groups: ["admin"] },
    ],
    upstream: h.unixHost,
    decider: () => current,
    onDecision: (r) => records.push(r),
    admin: { address: "127.0.0.1:0" },
  });
  const tcp = guard.addresses.find((a) => a.kind === "tcp");
  if (tcp?.kind !== "tcp") throw new Error("no tcp listener");
  port = tcp.port;
  const admin = guard.admin;
  if (admin?.kind !== "tcp") throw new Error("no admin listener");
  adminPort = admin.port;
}, 120_000);

afterAll(async () => {
  for (const id of containers) await direct("DELETE", `/containers/${id}?force=1`).catch(() => 0);
  await guard.close({ graceMs: 1_000 });
  await fs.rm(dir, { recursive: true, force: true });
}, 60_000);

// ─── the docker CLI through the guard ────────────────────────────────────────────────────────

describe("the docker CLI over mutual TLS", () => {
  it("docker version: the client is authenticated as its certificate says", async () => {
    const before = seen.length;
    const r = await docker(["version", "--format", "{{.Server.Version}}"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+/);
    const mine = seen.slice(before);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine[0]?.identity).toEqual({
      kind: "tls",
      name: "alice",
      groups: ["ops", "dev"],
      listener: `tcp://127.0.0.1:${port}`,
    });
    expect(records.some((x) => x.identity === "tls:alice" && x.status === 200)).toBe(true);
  });

  it("docker ps", async () => {
    const r = await docker(["ps", "-a"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("CONTAINER ID");
  });

  it("docker run … echo ok (create, attach, start, wait, remove)", async () => {
    const r = await docker(["run", "--rm", "--network", "none", h.image, "echo", "ok"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("ok\n");
    expect(r.code).toBe(0);
  });

  it("forwards the canonical body, not the one that came in", async () => {
    const r = await docker(["create", "--network", "none", "--label", "mine=1", h.image, "true"]);
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    containers.push(id);
    const inspect = await direct("GET", `/containers/${id}/json`);
    const labels = (JSON.parse(inspect.body) as { Config: { Labels: Record<string, string> } })
      .Config.Labels;
    expect(labels).toEqual({ mine: "1", "dockward.canonical": "yes" });
  });

  it("docker run -i with stdin piped: the client's half-close reaches the daemon", async () => {
    const r = await docker(
      ["run", "--rm", "-i", "--network", "none", h.image, "cat"],
      "hello\nworld\n",
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("hello\nworld\n");
    expect(r.code).toBe(0);
  });

  it("docker exec -it in a terminal (script)", async () => {
    const c = await docker(["run", "-d", "--network", "none", h.image, "sleep", "300"]);
    expect(c.code).toBe(0);
    const id = c.stdout.trim();
    containers.push(id);
    const r = await run(
      "script",
      [
        "-qec",
        `${DOCKER} exec -it ${id} sh -c 'echo tty-ok; test -t 0 && echo is-a-tty'`,
        "/dev/null",
      ],
      env(join(dir, "alice")),
    );
    expect(r.stdout).toContain("tty-ok");
    expect(r.stdout).toContain("is-a-tty");
    expect(r.code).toBe(0);
  });

  it("docker run -it in a terminal (script)", async () => {
    const r = await run(
      "script",
      [
        "-qec",
        `${DOCKER} run --rm -it --network none ${h.image} sh -c 'test -t 1 && echo run-tty-ok'`,
        "/dev/null",
      ],
      env(join(dir, "alice")),
    );
    expect(r.stdout).toContain("run-tty-ok");
    expect(r.code).toBe(0);
  });

  it("docker logs -f streams lines as they come, and ends when the container does", async () => {
    const c = await docker([
      "run",
      "-d",
      "--network",
      "none",
      h.image,
      "sh",
      "-c",
      "echo first; while [ ! -e /tmp/go ]; do sleep 0.2; done; echo second",
    ]);
    expect(c.code).toBe(0);
    const id = c.stdout.trim();
    containers.push(id);
    const logs = spawnDocker(["logs", "-f", id], env(join(dir, "alice")));
    logs.child.stdin.end();
    // the first line arrives while the answer is still open: nothing is held back
    await until("the first line", () => logs.out().includes("first"));
    expect(logs.out()).not.toContain("second");
    const go = await docker(["exec", id, "sh", "-c", "echo > /tmp/go"]);
    expect(go.code).toBe(0);
    expect(await logs.exit).toBe(0);
    expect(logs.out()).toBe("first\nsecond\n");
  });

  it("docker attach relays stdin and output", async () => {
    const c = await docker([
      "run",
      "-di",
      "--network",
      "none",
      h.image,
      "sh",
      "-c",
      "read x; echo got-$x",
    ]);
    expect(c.code).toBe(0);
    const id = c.stdout.trim();
    containers.push(id);
    // stdin stays open until the answer is back: with StdinOnce off (run -di), dockerd ends the
    // attach when its stdin ends, output or not
    const attach = spawnDocker(["attach", id], env(join(dir, "alice")));
    attach.child.stdin.write("hi\n");
    await until("the answer", () => attach.out().includes("got-hi"));
    attach.child.stdin.end();
    expect(await attach.exit).toBe(0);
    expect(attach.out()).toBe("got-hi\n");
  });

  it("docker events --since --until", async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const c = await docker([
      "create",
      "--network",
      "none",
      "--name",
      "dwg-events",
      h.image,
      "true",
    ]);
    expect(c.code).toBe(0);
    expect((await docker(["rm", "dwg-events"])).code).toBe(0);
    const untilTime = Math.floor(Date.now() / 1000) + 1;
    const r = await docker([
      "events",
      "--since",
      String(since),
      "--until",
      String(untilTime),
      "--filter",
      "container=dwg-events",
      "--format",
      "{{.Action}}",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")).toEqual(expect.arrayContaining(["create", "destroy"]));
  });

  it("an idle stream's head reaches the client while the daemon sends nothing yet", async () => {
    // GET /events with no filters: dockerd answers 200 and then waits for events. The head must
    // not wait for a first piece of body that may never come.
    const head = await raw(
      "GET /v1.41/events?filters=%7B%22label%22%3A%5B%22dwg-never%3D1%22%5D%7D HTTP/1.1\r\nHost: docker\r\n\r\n",
      /\r\n\r\n/,
    );
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head.toLowerCase()).toContain("transfer-encoding: chunked");
  });

  it("docker build (legacy builder): the context is streamed to the daemon", async () => {
    const r = await docker(
      ["build", "-t", "dwg-built:test", "-"],
      `FROM ${h.image}\nLABEL built=through-the-guard\n`,
      { ...env(join(dir, "alice")), DOCKER_BUILDKIT: "0" },
    );
    expect(r.code).toBe(0);
    const image = await direct("GET", "/images/dwg-built:test/json");
    expect(image.status).toBe(200);
    expect(
      (JSON.parse(image.body) as { Config: { Labels: Record<string, string> } }).Config.Labels,
    ).toEqual({ built: "through-the-guard" });
    await direct("DELETE", "/images/dwg-built:test");
  });

  it("a denial reads as the daemon's error and the CLI fails", async () => {
    const r = await docker(["volume", "create", "dwg-denied"]);
    expect(r.stderr).toContain(
      "Error response from daemon: dockward: denied by TEST-001 — volumes may not be created through this guard",
    );
    expect(r.code).not.toBe(0);
    // (the list: dockerd asks volume plugins for 15 s about a name it does not know)
    const volumes = JSON.parse((await direct("GET", "/volumes")).body) as {
      Volumes: { Name: string }[] | null;
    };
    expect((volumes.Volumes ?? []).map((v) => v.Name)).not.toContain("dwg-denied");
    expect(records.at(-1)).toMatchObject({
      identity: "tls:alice",
      method: "POST",
      operation: "VolumeCreate",
      decision: "deny",
      rules: ["TEST-001"],
      status: 403,
    });
    expect(records.at(-1)?.path).toMatch(/\/volumes\/create$/);
  });

  it("a denial of the body: docker run exits 125 and nothing is created", async () => {
    const r = await docker([
      "run",
      "--rm",
      "--network",
      "none",
      "--name",
      "dwg-body-denied",
      "--label",
      "dockward.test=deny",
      h.image,
      "true",
    ]);
    expect(r.stderr).toContain(
      "Error response from daemon: dockward: denied by TEST-002 — the label dockward.test=deny is refused",
    );
    expect(r.code).toBe(125);
    expect((await direct("GET", "/containers/dwg-body-denied/json")).status).toBe(404);
  });

  it("the decider can be swapped while running (the function form is asked per request)", async () => {
    current = {
      admit: (p) =>
        (p.rawTarget.split("?")[0] ?? "").endsWith("/containers/json")
          ? { action: "deny", status: 403, message: "listing is off", rules: ["TEST-009"] }
          : testDecider.admit(p),
    };
    try {
      const denied = await docker(["ps"]);
      expect(denied.stderr).toContain("dockward: denied by TEST-009 — listing is off");
      expect(denied.code).not.toBe(0);
    } finally {
      current = testDecider;
    }
    expect((await docker(["ps"])).code).toBe(0);
  });
});

// ─── the wire ────────────────────────────────────────────────────────────────────────────────

describe("answers on the wire", () => {
  it("a denial is 403 application/json exactly, with the message", async () => {
    const a = await guarded(
      "POST",
      "/volumes/create",
      { "Content-Type": "application/json" },
      '{"Name":"dwg-raw"}',
    );
    expect(a.status).toBe(403);
    expect(a.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(a.body)).toEqual({
      message: "dockward: denied by TEST-001 — volumes may not be created through this guard",
    });
  });

  it("a denial comes before the body: no 100 Continue for a request that is refused", async () => {
    const text = await raw(
      "POST /volumes/create HTTP/1.1\r\nHost: guard\r\nContent-Type: application/json\r\n" +
        "Content-Length: 18\r\nExpect: 100-continue\r\n\r\n",
      /\r\n\r\n[\s\S]*\}/,
    );
    expect(text).toMatch(/^HTTP\/1\.1 403 /);
    expect(text).not.toContain("100 Continue");
  });

  it("an Expect the guard does not know is refused with a record", async () => {
    const before = records.length;
    const text = await raw("GET /_ping HTTP/1.1\r\nHost: guard\r\nExpect: something-else\r\n\r\n");
    expect(text).toMatch(/^HTTP\/1\.1 417 /);
    expect(text).toContain(`dockward: denied by ${PROXY_RULES.unsupported}`);
    expect(records.slice(before)).toEqual([
      expect.objectContaining({ method: "GET", path: "/_ping", decision: "deny", status: 417 }),
    ]);
  });

  it("an oversized body is 413 without being read (Content-Length) …", async () => {
    const before = records.length;
    const a = await guarded(
      "POST",
      "/containers/create?name=dwg-big",
      { "Content-Type": "application/json" },
      JSON.stringify({ Image: h.image, Labels: { big: "x".repeat(100_000) } }),
    );
    expect(a.status).toBe(413);
    expect(a.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(a.body)).toEqual({
      message: `dockward: denied by ${PROXY_RULES.bodyTooLarge} — the request body is larger than the 65536 bytes allowed for it`,
    });
    expect(records.length - before).toBe(1);
    expect(records.at(-1)).toMatchObject({ decision: "deny", status: 413 });
    expect((await direct("GET", "/containers/dwg-big/json")).status).toBe(404);
  });

  it("… and when chunked, at the limit", async () => {
    const body = JSON.stringify({ Image: h.image, Labels: { big: "x".repeat(100_000) } });
    const chunks = body.match(/[\s\S]{1,8192}/g) ?? [];
    const chunked =
      chunks.map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join("") + "0\r\n\r\n";
    const text = await raw(
      "POST /containers/create?name=dwg-big2 HTTP/1.1\r\nHost: guard\r\n" +
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
        chunked,
    );
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect((await direct("GET", "/containers/dwg-big2/json")).status).toBe(404);
  });

  it("the CLI shows the 413 too", async () => {
    const r = await docker([
      "create",
      "--network",
      "none",
      "--label",
      `big=${"y".repeat(70_000)}`,
      h.image,
      "true",
    ]);
    expect(r.stderr).toContain(
      `Error response from daemon: dockward: denied by ${PROXY_RULES.bodyTooLarge}`,
    );
    expect(r.code).not.toBe(0);
  });

  it("Transfer-Encoding with Content-Length is 400, and nothing reaches the daemon", async () => {
    const body = JSON.stringify({ Image: h.image, Cmd: ["true"] });
    const chunked = `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const seenBefore = seen.length;
    const before = records.length;
    const text = await raw(
      "POST /containers/create?name=dwg-smuggled HTTP/1.1\r\nHost: guard\r\n" +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        "Transfer-Encoding: chunked\r\n\r\n" +
        chunked,
    );
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toMatch(/\r\nContent-Type: application\/json\r\n/);
    expect(text).toContain(`dockward: denied by ${PROXY_RULES.malformed}`);
    expect(seen.length).toBe(seenBefore);
    expect(records.length - before).toBe(1);
    expect(records.at(-1)).toMatchObject({
      method: "POST",
      path: "/containers/create",
      decision: "deny",
      rules: [PROXY_RULES.malformed],
      status: 400,
    });
    expect((await direct("GET", "/containers/dwg-smuggled/json")).status).toBe(404);

    // the same request framed once is created: the check above could have failed
    const ok = await raw(
      "POST /containers/create?name=dwg-smuggled HTTP/1.1\r\nHost: guard\r\nConnection: close\r\n" +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
        body,
    );
    expect(ok).toMatch(/^HTTP\/1\.1 201 /);
    containers.push("dwg-smuggled");
    expect((await direct("GET", "/containers/dwg-smuggled/json")).status).toBe(200);
  });

  it("an h2c upgrade (/session) is judged: denied here", async () => {
    const text = await raw(
      "POST /session HTTP/1.1\r\nHost: guard\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 0\r\n\r\n",
    );
    expect(text).toMatch(/^HTTP\/1\.1 403 /);
    expect(text).toMatch(/\r\nContent-Type: application\/json\r\n/);
    expect(text).toContain("dockward: denied by TEST-003 — BuildKit sessions are not relayed here");
    expect(seen.at(-1)?.upgrade).toBe("h2c");
  });

  it("an allowed request with Expect: 100-continue gets its 100 first, then the answer", async () => {
    const body = JSON.stringify({ Image: h.image, Cmd: ["true"] });
    const o = await tlsOptions();
    const text = await new Promise<string>((resolve, reject) => {
      let got = "";
      const s = tls.connect(o, () => {
        s.write(
          "POST /containers/create?name=dwg-continue HTTP/1.1\r\nHost: guard\r\nConnection: close\r\n" +
            `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
            "Expect: 100-continue\r\n\r\n",
        );
      });
      let sent = false;
      s.on("data", (c: Buffer) => {
        got += c.toString("utf8");
        // the body goes only once the guard asked for it
        if (!sent && got.startsWith("HTTP/1.1 100 Continue\r\n\r\n")) {
          sent = true;
          s.write(body);
        }
      });
      s.on("error", reject);
      s.on("close", () => {
        resolve(got);
      });
    });
    containers.push("dwg-continue");
    expect(text).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 Created\r\n/);
    expect((await direct("GET", "/containers/dwg-continue/json")).status).toBe(200);
  });

  it("a hijack the daemon answers without switching is relayed, then the connection is closed", async () => {
    const text = await raw(
      "POST /containers/dwg-no-such/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: guard\r\n" +
        "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n" +
        // a second request on the same connection: must never reach the daemon unjudged
        "POST /volumes/create HTTP/1.1\r\nHost: guard\r\nContent-Length: 0\r\n\r\n",
    );
    expect(text).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    expect(text).toMatch(/\r\nConnection: close\r\n/);
    expect(text).toContain("No such container: dwg-no-such");
    expect(text.match(/HTTP\/1\.1 /g)).toHaveLength(1);
  });

  it("an attach without Upgrade (old clients): the daemon's raw stream is relayed as it comes", async () => {
    const c = await docker([
      "run",
      "-d",
      "--network",
      "none",
      h.image,
      "sh",
      "-c",
      "while [ ! -e /tmp/go ]; do sleep 0.2; done; echo late-output",
    ]);
    expect(c.code).toBe(0);
    const id = c.stdout.trim();
    containers.push(id);
    const o = await tlsOptions();
    let got = "";
    const closed = new Promise<void>((resolve, reject) => {
      const s = tls.connect(o, () => {
        s.write(
          `POST /containers/${id}/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: guard\r\nContent-Length: 0\r\n\r\n`,
        );
      });
      s.on("data", (d: Buffer) => (got += d.toString("latin1")));
      s.on("error", reject);
      s.on("close", () => {
        resolve();
      });
    });
    await until("the answer head", () => got.includes("\r\n\r\n"));
    expect((await docker(["exec", id, "sh", "-c", "echo > /tmp/go"])).code).toBe(0);
    await closed;
    const [head = "", rest = ""] = got.split("\r\n\r\n");
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head).toMatch(/\r\nContent-Type: application\/vnd\.docker\.raw-stream/i);
    expect(head).not.toMatch(/Transfer-Encoding/i);
    // one stdout frame (stream 1, 12 bytes), unchunked
    expect(rest).toBe("\x01\x00\x00\x00\x00\x00\x00\x0clate-output\n");
  });

  it("an upgrade to an unknown protocol is refused before the decider", async () => {
    const seenBefore = seen.length;
    const text = await raw(
      "POST /containers/x/attach HTTP/1.1\r\nHost: guard\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n",
    );
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toContain(PROXY_RULES.unsupported);
    expect(seen.length).toBe(seenBefore);
  });
});

// ─── TLS ─────────────────────────────────────────────────────────────────────────────────────

describe("mutual TLS refusals", () => {
  it.each([
    ["foreign", "a certificate from another CA"],
    ["expired", "an expired certificate"],
    ["noeku", "a certificate without extendedKeyUsage"],
    ["serveronly", "a certificate for serverAuth only"],
  ])("refuses %s (%s) at the handshake: no request is read", async (name) => {
    const seenBefore = seen.length;
    const recordsBefore = records.length;
    const cli = await docker(
      ["version", "--format", "{{.Server.Version}}"],
      undefined,
      env(join(dir, name)),
    );
    expect(cli.code).not.toBe(0);
    expect(cli.stdout).not.toMatch(/\d+\.\d+/);
    const r = await handshake(await tlsOptions(name));
    expect(r.data).not.toContain("HTTP/1.1");
    expect(seen.length).toBe(seenBefore);
    expect(records.length).toBe(recordsBefore);
  });

  it("refuses a client without a certificate", async () => {
    const o = await tlsOptions();
    const r = await handshake({ host: o.host, port: o.port, ca: o.ca });
    expect(r.data).not.toContain("HTTP/1.1");
    expect(r.error).toBeDefined();
  });

  it("counts refusals by reason on /metrics", async () => {
    const m = await adminGet("/metrics");
    expect(
      metric(m.body, 'dockward_guard_tls_refusals_total{reason="no-extended-key-usage"}'),
    ).toBeGreaterThan(0);
    expect(metric(m.body, 'dockward_guard_tls_refusals_total{reason="handshake"}')).toBeGreaterThan(
      0,
    );
  });

  it("refuses TLS 1.1 and accepts 1.2 (openssl s_client)", async () => {
    const d = join(dir, "alice");
    const args = (v: string): string[] => [
      "s_client",
      v,
      "-cipher",
      "DEFAULT@SECLEVEL=0",
      "-connect",
      `127.0.0.1:${port}`,
      "-ign_eof",
      "-CAfile",
      join(d, "ca.pem"),
      "-cert",
      join(d, "cert.pem"),
      "-key",
      join(d, "key.pem"),
    ];
    const old = await run("openssl", args("-tls1_1"), {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
    });
    // the client offered 1.1 and the guard answered with an alert: not a client-side refusal
    expect(old.stderr + old.stdout).toMatch(/alert protocol version/);
    expect(old.code).not.toBe(0);
    const ok = await run(
      "openssl",
      args("-tls1_2"),
      { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      "GET /_ping HTTP/1.1\r\nHost: guard\r\nConnection: close\r\n\r\n",
    );
    expect(ok.stdout).toMatch(/Protocol\s*: TLSv1\.2/);
    expect(ok.stdout).toContain("HTTP/1.1 200 OK");
  });
});

// ─── unix listeners ──────────────────────────────────────────────────────────────────────────

describe("unix listeners", () => {
  it("has the mode asked for, and its clients the listener's identity", async () => {
    const st = await fs.stat(unixPath);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    const before = seen.length;
    const r = await docker(
      ["version", "--format", "{{.Server.Version}}"],
      undefined,
      env("", `unix://${unixPath}`),
    );
    expect(r.code).toBe(0);
    expect(seen[before]?.identity).toEqual({
      kind: "unix",
      name: "local-admin",
      groups: ["admin"],
      listener: `unix://${unixPath}`,
    });
    expect(records.at(-1)?.identity).toBe("unix:local-admin");
  });

  it("answers a client that half-closes right after its request, as dockerd does", async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(unixPath, () => {
        socket.end("GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n");
      });
      let text = "";
      socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
      socket.on("end", () => {
        resolve(text);
      });
      socket.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer.endsWith("OK")).toBe(true);
  });

  it("sets the group, replaces a stale socket, refuses a file or a live socket, and removes its socket on close", async () => {
    // a stale socket: a second name for a bound socket whose server then went away (closing
    // a server unlinks the name it bound, not the other)
    const path = join(dir, "bound.sock");
    const stalePath = join(dir, "stale.sock");
    const stale = net.createServer();
    await new Promise<void>((r) => stale.listen(path, r));
    await fs.link(path, stalePath);
    await new Promise<void>((r) =>
      stale.close(() => {
        r();
      }),
    );
    expect((await fs.lstat(stalePath)).isSocket()).toBe(true);

    const g = await startGuard({
      listeners: [{ kind: "unix", path: stalePath, identity: "ops", group: "daemon" }],
      upstream: h.unixHost,
      decider: testDecider,
    });
    const st = await fs.stat(stalePath);
    expect(st.mode & 0o777).toBe(0o660);
    expect(st.gid).toBe(1);
    // a live socket is refused
    await expect(
      startGuard({
        listeners: [{ kind: "unix", path: stalePath, identity: "x" }],
        upstream: h.unixHost,
        decider: testDecider,
      }),
    ).rejects.toThrow(/another process answers/);
    await g.close({ graceMs: 1_000 });
    await expect(fs.lstat(stalePath)).rejects.toThrow(/ENOENT/);

    // a file is never replaced
    const file = join(dir, "a-file");
    await fs.writeFile(file, "keep me");
    await expect(
      startGuard({
        listeners: [{ kind: "unix", path: file, identity: "x" }],
        upstream: h.unixHost,
        decider: testDecider,
      }),
    ).rejects.toThrow(/exists and is not a socket/);
    expect(await fs.readFile(file, "utf8")).toBe("keep me");
  });
});

// ─── operations ──────────────────────────────────────────────────────────────────────────────

describe("operations", () => {
  it("/metrics counts the requests made, each with one record", async () => {
    const line = 'dockward_guard_requests_total{decision="allow",operation="Ping"}';
    const before = metric((await adminGet("/metrics")).body, line);
    const recordsBefore = records.length;
    for (let i = 0; i < 3; i++) expect((await guarded("GET", "/_ping")).status).toBe(200);
    const after = (await adminGet("/metrics")).body;
    expect(metric(after, line) - before).toBe(3);
    const mine = records.slice(recordsBefore);
    expect(mine).toHaveLength(3);
    for (const r of mine)
      expect(r).toMatchObject({
        identity: "tls:alice",
        method: "GET",
        path: "/_ping",
        operation: "Ping",
        decision: "allow",
        rules: [],
        status: 200,
      });
    expect(metric(after, 'dockward_guard_denials_total{rule="TEST-001"}')).toBeGreaterThan(0);
    expect(after).toContain("# TYPE dockward_guard_request_duration_seconds histogram");
    expect(metric(after, 'dockward_guard_request_duration_seconds_bucket{le="+Inf"}')).toBe(
      metric(after, "dockward_guard_request_duration_seconds_count"),
    );
    expect(after).toMatch(/^dockward_guard_hijacked_sessions 0$/m);
  });

  it("keeps connections alive: on the client side, and to the engine", async () => {
    // a counting pass-through in front of the real engine
    let upstreamConnections = 0;
    const counter = net.createServer((c) => {
      upstreamConnections += 1;
      const u = net.connect(h.socketPath);
      c.pipe(u);
      u.pipe(c);
      c.on("error", () => u.destroy());
      u.on("error", () => c.destroy());
    });
    const countSock = join(dir, "count.sock");
    await new Promise<void>((r) => counter.listen(countSock, r));
    const sock = join(dir, "keep.sock");
    const g = await startGuard({
      listeners: [{ kind: "unix", path: sock, identity: "keeper" }],
      upstream: `unix://${countSock}`,
      decider: testDecider,
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const reused: boolean[] = [];
      for (let i = 0; i < 5; i++) {
        await new Promise<void>((resolve, reject) => {
          const req = http.get({ socketPath: sock, path: "/_ping", agent }, (res) => {
            res.resume();
            res.on("end", () => {
              resolve();
            });
          });
          req.on("socket", () => reused.push(req.reusedSocket));
          req.on("error", reject);
        });
      }
      expect(reused).toEqual([false, true, true, true, true]);
      expect(upstreamConnections).toBe(1);
    } finally {
      agent.destroy();
      await g.close({ graceMs: 1_000 });
      await new Promise<void>((r) =>
        counter.close(() => {
          r();
        }),
      );
    }
  });

  it.each([
    ["the engine's mutual-TLS tcp port", "tls"],
    ["ssh (docker system dial-stdio)", "ssh"],
  ] as const)("forwards to an upstream over %s, hijacks included", async (_what, kind) => {
    const savedPath = process.env.PATH;
    // the ssh transport runs `ssh` from PATH, like the docker CLI: the harness's wrapper first
    if (kind === "ssh") process.env.PATH = `${h.binDir}:${savedPath ?? ""}`;
    const sock = join(dir, `up-${kind}.sock`);
    const upstream =
      kind === "tls"
        ? resolveEndpoint({
            flags: {
              hosts: [h.tlsHost],
              tlsVerify: true,
              tlsCaCert: join(h.tlsDir, "ca.pem"),
              tlsCert: join(h.tlsDir, "cert.pem"),
              tlsKey: join(h.tlsDir, "key.pem"),
            },
            env: {},
          })
        : h.sshRemoteSocketHost;
    const g = await startGuard({
      listeners: [{ kind: "unix", path: sock, identity: kind }],
      upstream,
      decider: testDecider,
    });
    try {
      const e = env("", `unix://${sock}`);
      const v = await run(DOCKER, ["info", "--format", "{{.ID}}"], e);
      expect(v.stdout.trim()).toBe(h.daemonId);
      const r = await run(
        DOCKER,
        ["run", "--rm", "-i", "--network", "none", h.image, "cat"],
        e,
        "over the wire\n",
      );
      expect(r.stdout).toBe("over the wire\n");
      expect(r.code).toBe(0);
    } finally {
      await g.close({ graceMs: 1_000 });
      process.env.PATH = savedPath;
    }
  });

  it("/healthz is ok while the engine answers", async () => {
    expect(await adminGet("/healthz")).toEqual({ status: 200, body: "ok\n" });
  });

  it("an unreachable engine: 502 with a JSON message, 503 on /healthz", async () => {
    const sock = join(dir, "down.sock");
    const got: DecisionRecord[] = [];
    const g = await startGuard({
      listeners: [{ kind: "unix", path: sock, identity: "x" }],
      upstream: `unix://${join(dir, "no-such-engine.sock")}`,
      decider: testDecider,
      onDecision: (r) => got.push(r),
      admin: { address: `unix://${join(dir, "down-admin.sock")}` },
    });
    try {
      const answer = await new Promise<Answer>((resolve, reject) => {
        http
          .get({ socketPath: sock, path: "/_ping", agent: false }, (res) => {
            let body = "";
            res.on("data", (c: Buffer) => (body += c.toString()));
            res.on("end", () => {
              resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
            });
          })
          .on("error", reject);
      });
      expect(answer.status).toBe(502);
      expect(answer.headers["content-type"]).toBe("application/json");
      expect(JSON.parse(answer.body)).toEqual({
        message: "dockward: the Docker engine cannot be reached (ENOENT)",
      });
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ decision: "allow", status: 502 });
      const health = await new Promise<number>((resolve, reject) => {
        http
          .get(
            { socketPath: join(dir, "down-admin.sock"), path: "/healthz", agent: false },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          )
          .on("error", reject);
      });
      expect(health).toBe(503);
      expect(g.metricsText()).toMatch(/^dockward_guard_upstream_errors_total 1$/m);
    } finally {
      await g.close({ graceMs: 1_000 });
    }
  });

  it("close() waits for a hijacked session (docker attach) to finish", async () => {
    const sock = join(dir, "closing.sock");
    const g = await startGuard({
      listeners: [{ kind: "unix", path: sock, identity: "closer" }],
      upstream: h.unixHost,
      decider: testDecider,
    });
    const c = await run(
      DOCKER,
      ["run", "-di", "--network", "none", h.image, "sh", "-c", "read x; echo got-$x"],
      env("", h.unixHost),
    );
    expect(c.code).toBe(0);
    const id = c.stdout.trim();
    containers.push(id);
    const attach = spawnDocker(["attach", id], env("", `unix://${sock}`));
    await until("the attach session", () =>
      /^dockward_guard_hijacked_sessions 1$/m.test(g.metricsText()),
    );
    let closed = false;
    const closing = g.close({ graceMs: 60_000 }).then(() => {
      closed = true;
    });
    // no new clients: the socket is gone
    const refused = await run(DOCKER, ["version"], env("", `unix://${sock}`));
    expect(refused.code).not.toBe(0);
    expect(closed).toBe(false);
    attach.child.stdin.write("bye\n");
    await until("the answer", () => attach.out().includes("got-bye"));
    attach.child.stdin.end();
    expect(await attach.exit).toBe(0);
    expect(attach.out()).toBe("got-bye\n");
    await closing;
    expect(closed).toBe(true);
    expect(g.metricsText()).toMatch(/^dockward_guard_hijacked_sessions 0$/m);
  });

  it("close() cuts a session that outlives the grace period", async () => {
    const sock = join(dir, "cut.sock");
    const g = await startGuard({
      listeners: [{ kind: "unix", path: sock, identity: "cutter" }],
      upstream: h.unixHost,
      decider: testDecider,
    });
    const c = await run(
      DOCKER,
      ["run", "-di", "--network", "none", h.image, "sh", "-c", "read x; echo got-$x"],
      env("", h.unixHost),
    );
    expect(c.code).toBe(0);
    const id = c.stdout.trim();
    containers.push(id);
    const attach = spawnDocker(["attach", id], env("", `unix://${sock}`));
    await until("the attach session", () =>
      /^dockward_guard_hijacked_sessions 1$/m.test(g.metricsText()),
    );
    await g.close({ graceMs: 200 });
    attach.child.stdin.end("late\n");
    await attach.exit;
    expect(attach.out()).not.toContain("got-late");
    expect(g.metricsText()).toMatch(/^dockward_guard_hijacked_sessions 0$/m);
  });
});
