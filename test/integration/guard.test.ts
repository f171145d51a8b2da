/**
 * `dockward guard` accepted end to end: the built CLI as a child process in front of the private
 * dockerd, certificates from `dockward tls`, the real docker CLI 28 as the client, and raw HTTP
 * attacks whose effect is checked ON THE DAEMON, around the guard (the answer's status alone
 * proves nothing). Then the TLS refusals, the decision log, /metrics, a hot reload and a
 * graceful SIGTERM with streams running.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import * as fs from "node:fs/promises";
import * as http from "node:http";
import { join } from "node:path";
import * as tls from "node:tls";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { executePlan, existingNames } from "../../src/pki/files.js";
import { loadCa } from "../../src/pki/material.js";
import { planClient } from "../../src/pki/operations.js";
import { resolvePlan } from "../../src/pki/plan.js";
import type { Eku } from "../../src/pki/profiles.js";
import { CLI, run, runCli } from "../harness/cli.js";
import {
  type Collecting,
  sleep,
  spawnCollecting,
  terminate,
  until as untilHolds,
} from "../harness/processes.js";

const h = inject("harness");
const DOCKER = "/usr/local/bin/docker";
/** every container, volume and image the suite makes carries this label or prefix */
const MARK = "dwa.acceptance";
const BODY_LIMIT = 65_536;

let root = "";
let pki = "";
let guard: GuardChild;
let reloadGuard: GuardChild | undefined;

// ─── the guard as a child process ────────────────────────────────────────────────────────────

class GuardChild {
  readonly child: ChildProcessWithoutNullStreams;
  stderr = "";
  port = 0;
  adminPort = 0;
  code: number | null | undefined;
  readonly exited: Promise<number | null>;

  constructor(args: readonly string[], cwd: string) {
    this.child = spawn(process.execPath, [CLI, "guard", ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: root },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stdout.resume();
    this.child.stderr.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => {
      this.child.on("close", (code) => {
        this.code = code;
        resolve(code);
      });
    });
  }

  /** Wait until stderr (from `from` on) matches; fail if the guard exits first. */
  async waitFor(re: RegExp, from = 0, timeoutMs = 60_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.stderr.slice(from));
      if (m !== null) return m;
      if (this.code !== undefined || Date.now() > deadline) {
        throw new Error(
          `the guard ${this.code !== undefined ? `exited (${String(this.code)})` : "is still silent"} before ${String(re)}; stderr:\n${this.stderr}`,
        );
      }
      await sleep(25);
    }
  }

  async started(): Promise<this> {
    this.port = Number((await this.waitFor(/listening on tcp:\/\/127\.0\.0\.1:(\d+)/))[1]);
    const admin = /admin \(\/healthz, \/metrics\) on http:\/\/127\.0\.0\.1:(\d+)/.exec(this.stderr);
    if (admin !== null) this.adminPort = Number(admin[1]);
    await this.waitFor(/upstream unix:\/\//);
    return this;
  }

  async stop(): Promise<void> {
    if (this.code === undefined && this.child.pid !== undefined)
      await terminate([this.child.pid], 10_000);
  }
}

async function startGuard(cwd: string, extra: readonly string[]): Promise<GuardChild> {
  const g = new GuardChild(
    [
      "-H",
      "tcp://127.0.0.1:0",
      "--tlsverify",
      "--tlscacert",
      join(pki, "ca.pem"),
      "--tlscert",
      join(pki, "server-cert.pem"),
      "--tlskey",
      join(pki, "server-key.pem"),
      "--upstream",
      h.unixHost,
      ...extra,
    ],
    cwd,
  );
  return g.started();
}

// ─── clients ─────────────────────────────────────────────────────────────────────────────────

function dockerEnv(who = "alice", port = guard.port): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: root,
    DOCKER_CONFIG: join(root, "docker-config"),
    DOCKER_HOST: `tcp://127.0.0.1:${port}`,
    DOCKER_TLS_VERIFY: "1",
    DOCKER_CERT_PATH: join(root, "certs", who),
  };
}

function docker(args: string[], input?: string, e: NodeJS.ProcessEnv = dockerEnv()) {
  return run(DOCKER, args, e, input);
}

function spawnDocker(args: string[], e: NodeJS.ProcessEnv = dockerEnv()): Collecting {
  return spawnCollecting(DOCKER, args, e);
}

/** What this file waits for comes within 60 s. */
const until = (what: string, check: () => boolean | Promise<boolean>): Promise<void> =>
  untilHolds(what, check, 60_000);

async function tlsMaterial(who = "alice"): Promise<tls.ConnectionOptions> {
  const d = join(root, "certs", who);
  return {
    host: "127.0.0.1",
    port: guard.port,
    ca: await fs.readFile(join(d, "ca.pem")),
    cert: await fs.readFile(join(d, "cert.pem")),
    key: await fs.readFile(join(d, "key.pem")),
  };
}

/** Raw bytes over mutual TLS: everything the guard sends back until it closes. */
async function rawTls(bytes: string | Buffer, who = "alice"): Promise<string> {
  const o = await tlsMaterial(who);
  return new Promise((resolve) => {
    let text = "";
    // no half-close: every request says `Connection: close`, and the guard closes after it
    const s = tls.connect(o, () => {
      s.write(bytes);
    });
    const timer = setTimeout(() => s.destroy(), 60_000);
    s.on("data", (c: Buffer) => (text += c.toString("utf8")));
    // a guard that answers early (413, 400) may reset while the rest is still being written
    s.on("error", () => undefined);
    s.on("close", () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

/** One HTTP/1.1 request, Content-Length framed, `Connection: close`. */
function request(
  method: string,
  target: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Buffer {
  const data = body === undefined ? undefined : Buffer.from(body);
  const all: Record<string, string> = {
    Host: "docker",
    Connection: "close",
    ...(data !== undefined
      ? { "Content-Type": "application/json", "Content-Length": String(data.length) }
      : {}),
    ...headers,
  };
  const head =
    `${method} ${target} HTTP/1.1\r\n` +
    Object.entries(all)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("") +
    "\r\n";
  return Buffer.concat([Buffer.from(head, "latin1"), data ?? Buffer.alloc(0)]);
}

function statuses(answer: string): number[] {
  // a pipelined answer follows the last body byte directly, with no line break
  return [...answer.matchAll(/HTTP\/1\.1 (\d{3}) [A-Z]/g)].map((m) => Number(m[1]));
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

// ─── the daemon, directly ────────────────────────────────────────────────────────────────────

function direct(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        socketPath: h.socketPath,
        method,
        path,
        headers: {
          Host: "docker",
          ...(data !== undefined
            ? { "Content-Type": "application/json", "Content-Length": String(data.length) }
            : {}),
        },
        agent: false,
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body: text });
        });
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

interface Inspect {
  Id: string;
  State: { Running: boolean };
  ExecIDs: string[] | null;
  Config: { Labels: Record<string, string> | null };
  Mounts: { Type: string; Source: string }[];
  HostConfig: {
    Privileged: boolean;
    PidMode: string;
    NetworkMode: string;
    CapAdd: string[] | null;
    Binds: string[] | null;
    SecurityOpt: string[] | null;
    MaskedPaths: string[] | null;
    DeviceRequests: unknown[] | null;
    Memory: number;
    MemorySwap: number;
    CpuQuota: number;
    PidsLimit: number | null;
  };
}

async function inspect(id: string): Promise<Inspect> {
  const r = await direct("GET", `/containers/${id}/json`);
  if (r.status !== 200) throw new Error(`inspect ${id}: ${String(r.status)} ${r.body}`);
  return JSON.parse(r.body) as Inspect;
}

/** Ids of all containers (running or not) with this label. */
async function labelled(label: string): Promise<string[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
  const r = await direct("GET", `/containers/json?all=1&filters=${filters}`);
  return (JSON.parse(r.body) as { Id: string }[]).map((c) => c.Id);
}

async function createDirect(name: string, body: Record<string, unknown>): Promise<string> {
  const r = await direct("POST", `/containers/create?name=${name}`, {
    Image: h.image,
    Labels: { [MARK]: "1", "dwa.case": name },
    ...body,
  });
  if (r.status !== 201) throw new Error(`create ${name}: ${String(r.status)} ${r.body}`);
  return (JSON.parse(r.body) as { Id: string }).Id;
}

/** Run a command in a container, around the guard (to release a container waiting for it). */
async function execDirect(id: string, cmd: string[]): Promise<void> {
  const e = await direct("POST", `/containers/${id}/exec`, { Cmd: cmd });
  const execId = (JSON.parse(e.body) as { Id: string }).Id;
  const s = await direct("POST", `/exec/${execId}/start`, { Detach: true });
  expect(s.status).toBe(200);
}

const FORBIDDEN_SECURITY = /unconfined|seccomp[=:]\s*\{\s*\}/;

/**
 * Whatever was asked of the guard so far, the daemon holds nothing it should have refused: no
 * container of this suite is privileged, in the host PID namespace, with SYS_ADMIN, a bind of
 * /, seccomp off or the system paths unmasked; no volume binds /.
 */
async function expectDaemonClean(): Promise<void> {
  for (const id of await labelled(MARK)) {
    const c = await inspect(id);
    const where = `container ${c.Id.slice(0, 12)} ${JSON.stringify(c.Config.Labels)}`;
    expect(c.HostConfig.Privileged, where).toBe(false);
    expect(c.HostConfig.PidMode, where).not.toBe("host");
    expect(c.HostConfig.NetworkMode, where).not.toBe("host");
    expect(c.HostConfig.CapAdd ?? [], where).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/^(CAP_)?(SYS_ADMIN|ALL)$/i)]),
    );
    expect(
      (c.HostConfig.Binds ?? []).filter((b) => b.split(":")[0] === "/"),
      where,
    ).toEqual([]);
    expect(
      c.Mounts.filter((m) => m.Source === "/"),
      where,
    ).toEqual([]);
    expect(
      (c.HostConfig.SecurityOpt ?? []).filter((o) => FORBIDDEN_SECURITY.test(o)),
      where,
    ).toEqual([]);
    expect(c.HostConfig.MaskedPaths, where).not.toEqual([]);
    expect(c.HostConfig.DeviceRequests ?? [], where).toEqual([]);
  }
  const volumes = JSON.parse((await direct("GET", "/volumes")).body) as {
    Volumes: { Name: string; Options: Record<string, string> | null }[] | null;
  };
  for (const v of volumes.Volumes ?? []) expect(v.Options?.device, v.Name).not.toBe("/");
}

// ─── admin ───────────────────────────────────────────────────────────────────────────────────

function adminGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port: guard.adminPort, path, agent: false }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      })
      .on("error", reject);
  });
}

function metric(text: string, name: string): number {
  for (const l of text.split("\n"))
    if (l.startsWith(`${name} `)) return Number(l.slice(name.length + 1));
  return 0;
}

function requestsTotal(text: string): number {
  return text
    .split("\n")
    .filter((l) => l.startsWith("dockward_guard_requests_total{"))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

async function logLines(): Promise<string[]> {
  return (await fs.readFile(join(root, "decisions.log"), "utf8"))
    .split("\n")
    .filter((l) => l !== "");
}

// ─── setup ───────────────────────────────────────────────────────────────────────────────────

async function issueClient(
  name: string,
  overrides: { notBefore?: Date; notAfter?: Date; extendedKeyUsage?: Eku[] | undefined },
): Promise<void> {
  const out = join(root, "certs", name);
  const files = await planClient({
    name,
    groups: [],
    keyType: "ecdsa-p256",
    days: 90,
    ca: loadCa(pki),
    now: new Date(),
    outHoldsCa: false,
    overwrite: "refuse",
    overrides,
  });
  executePlan(out, resolvePlan(out, files, existingNames(out), { force: false, stamp: "T" }));
}

beforeAll(async () => {
  root = await fs.mkdtemp("/tmp/dwa-");
  pki = join(root, "pki");
  await fs.mkdir(join(root, "docker-config"));
  await fs.mkdir(join(root, "certs"));
  await fs.mkdir(join(root, "run"));
  // the CA and the guard's server certificate (SANs localhost and 127.0.0.1), then clients
  const init = await runCli([
    "tls",
    "init",
    "--out",
    pki,
    "--no-client",
    "--listen",
    "tcp://127.0.0.1:2376",
  ]);
  expect(init.stderr).toBe("");
  expect(init.code).toBe(0);
  const alice = await runCli([
    "tls",
    "client",
    "alice",
    "--ca",
    pki,
    "--out",
    join(root, "certs", "alice"),
  ]);
  expect(alice.code).toBe(0);
  // a certificate from another CA, presented with the guard's CA to verify the server
  const other = await runCli([
    "tls",
    "init",
    "--out",
    join(root, "other-ca"),
    "--client-name",
    "alice",
    "--listen",
    "tcp://127.0.0.1:2376",
  ]);
  expect(other.code).toBe(0);
  await fs.mkdir(join(root, "certs", "foreign"));
  await fs.copyFile(join(pki, "ca.pem"), join(root, "certs", "foreign", "ca.pem"));
  await fs.copyFile(join(root, "other-ca", "cert.pem"), join(root, "certs", "foreign", "cert.pem"));
  await fs.copyFile(join(root, "other-ca", "key.pem"), join(root, "certs", "foreign", "key.pem"));
  await issueClient("expired", {
    notBefore: new Date(Date.now() - 10 * 86_400_000),
    notAfter: new Date(Date.now() - 86_400_000),
  });
  await issueClient("serveronly", { extendedKeyUsage: ["serverAuth"] });
  await issueClient("noeku", { extendedKeyUsage: undefined });

  guard = await startGuard(join(root, "run"), [
    "--preset",
    "baseline",
    "--log",
    join(root, "decisions.log"),
    "--admin",
    "127.0.0.1:0",
    "--body-limit",
    String(BODY_LIMIT),
  ]);
  expect(guard.adminPort).toBeGreaterThan(0);
}, 180_000);

afterAll(async () => {
  await guard.stop();
  await reloadGuard?.stop();
  for (const id of await labelled(MARK)) await direct("DELETE", `/containers/${id}?force=1`);
  const volumes = JSON.parse((await direct("GET", "/volumes")).body) as {
    Volumes: { Name: string }[] | null;
  };
  for (const v of volumes.Volumes ?? [])
    if (v.Name.startsWith("dwa-")) await direct("DELETE", `/volumes/${v.Name}?force=1`);
  for (const image of ["dwa-built:1", "dwa-hostnet:1"]) await direct("DELETE", `/images/${image}`);
  if (root !== "") await fs.rm(root, { recursive: true, force: true });
}, 120_000);

// ─── the docker CLI through the guard ────────────────────────────────────────────────────────

describe("the docker CLI through dockward guard", () => {
  it("docker run --rm echo ok", async () => {
    const r = await docker([
      "run",
      "--rm",
      "--network",
      "none",
      "--label",
      `${MARK}=1`,
      h.image,
      "echo",
      "ok",
    ]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("ok\n");
    expect(r.code).toBe(0);
  });

  it("docker run -i with stdin piped", async () => {
    const r = await docker(
      ["run", "--rm", "-i", "--network", "none", "--label", `${MARK}=1`, h.image, "cat"],
      "hi\n",
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("hi\n");
    expect(r.code).toBe(0);
  });

  it("docker exec -it in a terminal", async () => {
    const c = await docker([
      "run",
      "-d",
      "--network",
      "none",
      "--label",
      `${MARK}=1`,
      h.image,
      "sleep",
      "300",
    ]);
    expect(c.code).toBe(0);
    const id = c.stdout.trim();
    const r = await run(
      "script",
      [
        "-qec",
        `${DOCKER} exec -it ${id} sh -c 'echo tty-ok; test -t 0 && echo is-a-tty'`,
        "/dev/null",
      ],
      dockerEnv(),
    );
    expect(r.stdout).toContain("tty-ok");
    expect(r.stdout).toContain("is-a-tty");
    expect(r.code).toBe(0);
    await direct("DELETE", `/containers/${id}?force=1`);
  });

  it("docker logs -f on a container that prints lines, then exits", async () => {
    const c = await docker([
      "run",
      "-d",
      "--network",
      "none",
      "--label",
      `${MARK}=1`,
      h.image,
      "sh",
      "-c",
      "echo one; echo two; sleep 1; echo three",
    ]);
    expect(c.code).toBe(0);
    const r = await docker(["logs", "-f", c.stdout.trim()]);
    expect(r.stdout).toBe("one\ntwo\nthree\n");
    expect(r.code).toBe(0);
  });

  it("docker attach to a detached container prints what it says next", async () => {
    const c = await docker([
      "run",
      "-d",
      "--network",
      "none",
      "--label",
      `${MARK}=1`,
      h.image,
      "sh",
      "-c",
      "while [ ! -e /tmp/go ]; do sleep 0.1; done; echo attached",
    ]);
    expect(c.code).toBe(0);
    const id = c.stdout.trim();
    const attach = spawnDocker(["attach", id]);
    attach.child.stdin.end();
    // attach shows only what comes after it: release the container once the session is up (its
    // record is written when the daemon's 101 goes back)
    await until("the attach session", async () =>
      (await logLines()).some((l) => l.includes(`/containers/${id}/attach"`)),
    );
    await execDirect(id, ["sh", "-c", "echo > /tmp/go"]);
    expect(await attach.exit).toBe(0);
    expect(attach.out()).toBe("attached\n");
  });

  it.each([
    ["--privileged", ["--privileged"], "DW-PRIV-001"],
    ["--pid=host", ["--pid=host"], "DW-NS-001"],
    ["--cap-add SYS_ADMIN", ["--cap-add", "SYS_ADMIN"], "DW-CAP-001"],
    ["-v /:/host", ["-v", "/:/host"], "DW-MNT-002"],
    ["--security-opt seccomp=unconfined", ["--security-opt", "seccomp=unconfined"], "DW-SEC-002"],
    ["--gpus all", ["--gpus", "all"], "DW-DEV-001"],
  ])("docker run %s: exit 125, denied by its rule, nothing created", async (what, flags, rule) => {
    const slug = `cli-${what.replace(/[^a-z0-9]+/gi, "-")}`;
    const r = await docker([
      "run",
      "--rm",
      "--network",
      "none",
      "--label",
      `${MARK}=1`,
      "--label",
      `dwa.case=${slug}`,
      ...flags,
      h.image,
      "true",
    ]);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(
      new RegExp(`Error response from daemon: dockward: denied by [^—]*\\b${rule}\\b`),
    );
    expect(await labelled(`dwa.case=${slug}`)).toEqual([]);
    await expectDaemonClean();
  });
});

// ─── raw HTTP attacks ────────────────────────────────────────────────────────────────────────

/** A create body carrying the suite's label and the case's. */
function createBody(
  slug: string,
  hostConfig: Record<string, unknown>,
  top: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    Image: h.image,
    Cmd: ["true"],
    Labels: { [MARK]: "1", "dwa.case": slug },
    ...top,
    HostConfig: { NetworkMode: "none", ...hostConfig },
  });
}

/** Hand-written JSON (duplicate keys cannot be built with JSON.stringify). */
function createText(slug: string, rest: string): string {
  return `{"Image":${JSON.stringify(h.image)},"Cmd":["true"],"Labels":{"${MARK}":"1","dwa.case":"${slug}"},${rest}}`;
}

function chunked(text: string): string {
  const data = Buffer.from(text);
  const half = Math.floor(data.length / 2);
  const chunk = (b: Buffer): string => `${b.length.toString(16)}\r\n${b.toString("latin1")}\r\n`;
  return chunk(data.subarray(0, half)) + chunk(data.subarray(half)) + "0\r\n\r\n";
}

interface Attack {
  name: string;
  /** the dwa.case label its bodies carry: no container with it may exist afterwards */
  slug: string;
  bytes: () => Buffer | string;
  /** the status of each answer, in order */
  status: number[];
  /** a rule id the answer must name */
  rule: string;
}

const CREATE = "/v1.41/containers/create";

const attacks: Attack[] = [
  {
    name: "key case variants: hostconfig.privileged",
    slug: "case-variant",
    bytes: () =>
      request(
        "POST",
        CREATE,
        createText("case-variant", '"hostconfig":{"networkmode":"none","privileged":true}'),
      ),
    status: [403],
    rule: "DW-PRIV-001",
  },
  {
    name: "a key written with a JSON escape: Privil\\u0065ged",
    slug: "escaped-key",
    bytes: () =>
      request(
        "POST",
        CREATE,
        createText("escaped-key", '"HostConfig":{"NetworkMode":"none","Privil\\u0065ged":true}'),
      ),
    status: [403],
    rule: "DW-PRIV-001",
  },
  {
    name: "Unicode folding: ſecurityOpt",
    slug: "long-s",
    bytes: () =>
      request(
        "POST",
        CREATE,
        createText(
          "long-s",
          '"HostConfig":{"NetworkMode":"none","ſecurityOpt":["seccomp=unconfined"]}',
        ),
      ),
    status: [400],
    rule: "DW-GRD-003",
  },
  {
    name: "duplicate keys: Privileged false, then true",
    slug: "duplicate",
    bytes: () =>
      request(
        "POST",
        CREATE,
        createText(
          "duplicate",
          '"HostConfig":{"NetworkMode":"none","Privileged":false,"Privileged":true}',
        ),
      ),
    status: [400],
    rule: "DW-GRD-003",
  },
  {
    name: "duplicate keys in two spellings: Privileged, privileged",
    slug: "duplicate-case",
    bytes: () =>
      request(
        "POST",
        CREATE,
        createText(
          "duplicate-case",
          '"HostConfig":{"NetworkMode":"none","Privileged":false,"privileged":true}',
        ),
      ),
    status: [400],
    rule: "DW-GRD-003",
  },
  {
    name: "duplicate HostConfig objects (Go merges them)",
    slug: "duplicate-object",
    bytes: () =>
      request(
        "POST",
        CREATE,
        createText(
          "duplicate-object",
          '"HostConfig":{"NetworkMode":"none"},"HostConfig":{"PidMode":"host"}',
        ),
      ),
    status: [400],
    rule: "DW-GRD-003",
  },
  {
    name: "legacy top-level Privileged without HostConfig",
    slug: "legacy-privileged",
    bytes: () =>
      request(
        "POST",
        CREATE,
        createText("legacy-privileged", '"NetworkMode":"none","Privileged":true'),
      ),
    status: [403],
    rule: "DW-PRIV-001",
  },
  {
    name: "legacy top-level Binds without HostConfig",
    slug: "legacy-binds",
    bytes: () =>
      request(
        "POST",
        CREATE,
        createText("legacy-binds", '"NetworkMode":"none","Binds":["/:/host"]'),
      ),
    status: [403],
    rule: "DW-MNT-002",
  },
  {
    name: "a percent-encoded path: /v1.41/containers/%63reate",
    slug: "percent-path",
    bytes: () =>
      request(
        "POST",
        "/v1.41/containers/%63reate",
        createBody("percent-path", { Privileged: true }),
      ),
    status: [403],
    rule: "DW-PRIV-001",
  },
  {
    name: "a dot segment: /v1.41/images/../containers/create",
    slug: "dot-segment",
    bytes: () =>
      request(
        "POST",
        "/v1.41/images/../containers/create",
        createBody("dot-segment", { Privileged: true }),
      ),
    status: [403],
    rule: "DW-GRD-001",
  },
  {
    name: "an absolute-form target: POST http://x/v1.41/containers/create",
    slug: "absolute-form",
    bytes: () =>
      request(
        "POST",
        "http://x/v1.41/containers/create",
        createBody("absolute-form", { Privileged: true }),
      ),
    status: [400],
    rule: "DW-PROXY-004",
  },
  {
    name: "API 1.23 (top-level HostConfig fields were still read then)",
    slug: "old-api",
    bytes: () =>
      request("POST", "/v1.23/containers/create", createBody("old-api", { Privileged: true })),
    status: [400],
    rule: "DW-GRD-001",
  },
  {
    name: "a chunked body with a privileged create",
    slug: "chunked",
    bytes: () =>
      `POST ${CREATE} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
      chunked(createBody("chunked", { Privileged: true })),
    status: [403],
    rule: "DW-PRIV-001",
  },
  {
    name: "a body over the limit (a privileged create padded out)",
    slug: "oversized",
    bytes: () =>
      request(
        "POST",
        CREATE,
        createBody("oversized", { Privileged: true }, { Env: [`PAD=${"a".repeat(BODY_LIMIT)}`] }),
      ),
    status: [413],
    rule: "DW-PROXY-002",
  },
  {
    name: "Transfer-Encoding and Content-Length together, smuggling a second request",
    slug: "te-cl",
    bytes: () => {
      const smuggled = request("POST", CREATE, createBody("te-cl", { Privileged: true })).toString(
        "latin1",
      );
      const body = `0\r\n\r\n${smuggled}`;
      return `POST ${CREATE} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: ${String(body.length)}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`;
    },
    status: [400],
    rule: "DW-PROXY-001",
  },
  {
    name: "a pipelined second request after an allowed one",
    slug: "pipelined",
    bytes: () =>
      "GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n" +
      request("POST", CREATE, createBody("pipelined", { Privileged: true })).toString("latin1"),
    status: [200, 403],
    rule: "DW-PRIV-001",
  },
  {
    name: "last-wins security options: a profile, then unconfined",
    slug: "last-wins",
    bytes: () =>
      request(
        "POST",
        CREATE,
        createBody("last-wins", { SecurityOpt: ["seccomp=default.json", "seccomp=unconfined"] }),
      ),
    status: [403],
    rule: "DW-SEC-002",
  },
  {
    name: "an inline seccomp profile {} (disables seccomp)",
    slug: "seccomp-empty",
    bytes: () =>
      request("POST", CREATE, createBody("seccomp-empty", { SecurityOpt: ["seccomp={}"] })),
    status: [403],
    rule: "DW-SEC-002",
  },
  {
    name: "inline volume options in Mounts that bind /",
    slug: "inline-volume",
    bytes: () =>
      request(
        "POST",
        CREATE,
        createBody("inline-volume", {
          Mounts: [
            {
              Type: "volume",
              Target: "/host",
              VolumeOptions: {
                DriverConfig: { Name: "local", Options: { type: "none", o: "bind", device: "/" } },
              },
            },
          ],
        }),
      ),
    status: [403],
    rule: "DW-MNT-002",
  },
  {
    name: "a GPU request: DeviceRequests (what --gpus sends)",
    slug: "device-request",
    bytes: () =>
      request(
        "POST",
        CREATE,
        createBody("device-request", {
          DeviceRequests: [{ Driver: "", Count: -1, DeviceIDs: null, Capabilities: [["gpu"]] }],
        }),
      ),
    status: [403],
    rule: "DW-DEV-001",
  },
  {
    name: "a CDI device request by driver name, as a legacy top-level field",
    slug: "device-request-legacy",
    bytes: () =>
      request(
        "POST",
        CREATE,
        createText(
          "device-request-legacy",
          '"NetworkMode":"none","DeviceRequests":[{"Driver":"cdi","DeviceIDs":["vendor.com/gpu=all"]}]',
        ),
      ),
    status: [403],
    rule: "DW-DEV-001",
  },
  {
    name: "a form content type (the daemon would read the query from the body)",
    slug: "form",
    bytes: () =>
      request("POST", CREATE, createBody("form", { Privileged: true }), {
        "Content-Type": "application/x-www-form-urlencoded",
      }),
    status: [403],
    rule: "DW-GRD-001",
  },
];

describe("raw HTTP attacks over mutual TLS, checked on the daemon", () => {
  it("the check on the daemon is not vacuous: it sees a privileged container made around the guard", async () => {
    const id = await createDirect("dwa-self-check", {
      Cmd: ["true"],
      HostConfig: { NetworkMode: "none", Privileged: true },
    });
    try {
      await expect(expectDaemonClean()).rejects.toThrow(/dwa-self-check/);
    } finally {
      await direct("DELETE", `/containers/${id}?force=1`);
    }
    await expectDaemonClean();
  });

  it("the check on the daemon is not vacuous: dockerd keeps a GPU request made around the guard", async () => {
    const id = await createDirect("dwa-self-check-gpu", {
      Cmd: ["true"],
      HostConfig: {
        NetworkMode: "none",
        DeviceRequests: [{ Driver: "", Count: -1, Capabilities: [["gpu"]] }],
      },
    });
    try {
      await expect(expectDaemonClean()).rejects.toThrow(/dwa-self-check-gpu/);
    } finally {
      await direct("DELETE", `/containers/${id}?force=1`);
    }
    await expectDaemonClean();
  });

  it.each(attacks)("$name", async (a) => {
    const answer = await rawTls(a.bytes());
    expect(statuses(answer), answer).toEqual(a.status);
    expect(answer).toMatch(new RegExp(`dockward: denied by [^—]*\\b${a.rule}\\b`));
    expect(await labelled(`dwa.case=${a.slug}`)).toEqual([]);
    await expectDaemonClean();
  });

  it("control: a harmless chunked create is re-framed and reaches the daemon", async () => {
    const answer = await rawTls(
      `POST ${CREATE} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
        chunked(createBody("chunked-ok", {})),
    );
    expect(statuses(answer)).toEqual([201]);
    const ids = await labelled("dwa.case=chunked-ok");
    expect(ids).toHaveLength(1);
    expect(answer).toContain(ids[0]);
  });

  describe("on existing containers", () => {
    let stopped = "";
    let limited = "";
    let limits: Pick<Inspect["HostConfig"], "Memory" | "MemorySwap" | "CpuQuota" | "PidsLimit">;

    const limitsOf = async (id: string) => {
      const c = (await inspect(id)).HostConfig;
      return {
        Memory: c.Memory,
        MemorySwap: c.MemorySwap,
        CpuQuota: c.CpuQuota,
        PidsLimit: c.PidsLimit,
      };
    };

    beforeAll(async () => {
      stopped = await createDirect("dwa-stopped", {
        Cmd: ["sleep", "300"],
        HostConfig: { NetworkMode: "none" },
      });
      limited = await createDirect("dwa-limited", {
        Cmd: ["sleep", "3600"],
        HostConfig: {
          NetworkMode: "none",
          Memory: 64 * 1024 * 1024,
          MemorySwap: 128 * 1024 * 1024,
          CpuPeriod: 100_000,
          CpuQuota: 50_000,
          PidsLimit: 100,
        },
      });
      expect((await direct("POST", `/containers/${limited}/start`)).status).toBe(204);
      limits = await limitsOf(limited);
      expect(limits).toMatchObject({ Memory: 64 * 1024 * 1024, CpuQuota: 50_000, PidsLimit: 100 });
    }, 60_000);

    it.each([
      ["API 1.23", "/v1.23", 400, "DW-GRD-001"],
      ["API 1.41", "/v1.41", 400, "DW-GRD-003"],
      ["no version prefix", "", 400, "DW-GRD-003"],
    ])(
      "start with a HostConfig body (%s): refused, the container unchanged",
      async (_what, prefix, status, rule) => {
        const answer = await rawTls(
          request(
            "POST",
            `${prefix}/containers/${stopped}/start`,
            '{"Privileged":true,"PidMode":"host","Binds":["/:/host"]}',
          ),
        );
        expect(statuses(answer)).toEqual([status]);
        expect(answer).toMatch(new RegExp(`denied by [^—]*\\b${rule}\\b`));
        const c = await inspect(stopped);
        expect(c.State.Running).toBe(false);
        expect(c.HostConfig.Privileged).toBe(false);
        expect(c.HostConfig.PidMode).not.toBe("host");
        expect(c.HostConfig.Binds ?? []).toEqual([]);
      },
    );

    it.each([
      ['{"PidsLimit":-1}'],
      ['{"PidsLimit":0}'],
      ['{"pidslimit":-1}'],
      ['{"CpuQuota":-1}'],
      ['{"MemorySwap":-1}'],
      ['{"Memory":-1}'],
      ['{"PidsLimit":-1,"CpuQuota":-1}'],
    ])("update %s: refused, the limits stay", async (body) => {
      const answer = await rawTls(request("POST", `/v1.41/containers/${limited}/update`, body));
      expect(statuses(answer)).toEqual([403]);
      expect(answer).toMatch(/denied by DW-GRD-006\b/);
      expect(await limitsOf(limited)).toEqual(limits);
    });

    it("control: an update to positive limits is allowed and applied", async () => {
      const answer = await rawTls(
        request("POST", `/v1.41/containers/${limited}/update`, '{"PidsLimit":200}'),
      );
      expect(statuses(answer)).toEqual([200]);
      expect((await limitsOf(limited)).PidsLimit).toBe(200);
      limits = await limitsOf(limited);
    });

    it.each([
      ['{"Cmd":["id"],"Privileged":true}'],
      ['{"Cmd":["id"],"PRIVILEGED":true}'],
      ['{"Cmd":["id"],"privileged":true,"Privileged":false}'],
    ])("privileged exec %s: refused, no exec exists", async (body) => {
      const answer = await rawTls(request("POST", `/v1.41/containers/${limited}/exec`, body));
      expect(statuses(answer)[0]).toBeGreaterThanOrEqual(400);
      expect(answer).toMatch(/denied by (DW-PRIV-001|DW-GRD-003)\b/);
      expect((await inspect(limited)).ExecIDs ?? []).toEqual([]);
    });
  });

  describe("build, image import and volumes", () => {
    let context: Buffer;

    beforeAll(async () => {
      const dir = join(root, "context");
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(join(dir, "Dockerfile"), `FROM ${h.image}\nRUN true\n`);
      const tar = await run("tar", ["-C", dir, "-cf", join(root, "context.tar"), "Dockerfile"], {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
      });
      expect(tar.code).toBe(0);
      context = await fs.readFile(join(root, "context.tar"));
    });

    const build = (query: string) =>
      rawTls(
        request("POST", `/v1.41/build?${query}`, context, { "Content-Type": "application/x-tar" }),
      );

    it("build on the host network: refused, no image", async () => {
      const answer = await build("networkmode=host&t=dwa-hostnet%3A1");
      expect(statuses(answer)).toEqual([403]);
      expect(answer).toMatch(/denied by DW-NS-003\b/);
      expect((await direct("GET", "/images/dwa-hostnet:1/json")).status).toBe(404);
    });

    it("build with networkmode given twice (the daemon reads the first): refused", async () => {
      const answer = await build("networkmode=host&networkmode=none&t=dwa-hostnet%3A1");
      expect(statuses(answer)).toEqual([400]);
      expect(answer).toMatch(/denied by DW-GRD-007\b/);
      expect((await direct("GET", "/images/dwa-hostnet:1/json")).status).toBe(404);
    });

    it("build from a remote URL: refused", async () => {
      const answer = await rawTls(
        request(
          "POST",
          "/v1.41/build?remote=http%3A%2F%2F127.0.0.1%3A9%2Fctx.tar&t=dwa-hostnet%3A1",
        ),
      );
      expect(statuses(answer)).toEqual([403]);
      expect(answer).toMatch(/denied by DW-GRD-005\b/);
    });

    it("control: the same build with no network runs its RUN step", async () => {
      const answer = await build("networkmode=none&t=dwa-built%3A1");
      expect(statuses(answer)).toEqual([200]);
      expect(answer).toContain("Successfully tagged dwa-built:1");
      expect((await direct("GET", "/images/dwa-built:1/json")).status).toBe(200);
    }, 120_000);

    it("image import from a URL: refused", async () => {
      const answer = await rawTls(
        request(
          "POST",
          "/v1.41/images/create?fromSrc=http%3A%2F%2F127.0.0.1%3A9%2Froot.tar&repo=dwa-imported",
          "",
        ),
      );
      expect(statuses(answer)).toEqual([403]);
      expect(answer).toMatch(/denied by DW-GRD-005\b/);
      expect((await direct("GET", "/images/dwa-imported/json")).status).toBe(404);
    });

    it("volume create with the local driver binding / (o=bind,type=none,device=/): refused", async () => {
      const answer = await rawTls(
        request(
          "POST",
          "/v1.41/volumes/create",
          JSON.stringify({
            Name: "dwa-rootfs",
            Driver: "local",
            DriverOpts: { type: "none", o: "bind", device: "/" },
            Labels: { [MARK]: "1" },
          }),
        ),
      );
      expect(statuses(answer)).toEqual([403]);
      expect(answer).toMatch(/denied by [^—]*\bDW-MNT-002\b/);
      const volumes = JSON.parse((await direct("GET", "/volumes")).body) as {
        Volumes: { Name: string }[] | null;
      };
      expect((volumes.Volumes ?? []).map((v) => v.Name)).not.toContain("dwa-rootfs");
      await expectDaemonClean();
    });

    it("control: an ordinary named volume is created", async () => {
      const answer = await rawTls(
        request(
          "POST",
          "/v1.41/volumes/create",
          JSON.stringify({ Name: "dwa-plain", Driver: "local" }),
        ),
      );
      expect(statuses(answer)).toEqual([201]);
      const volumes = JSON.parse((await direct("GET", "/volumes")).body) as {
        Volumes: { Name: string }[] | null;
      };
      expect((volumes.Volumes ?? []).map((v) => v.Name)).toContain("dwa-plain");
    });
  });
});

// ─── TLS ─────────────────────────────────────────────────────────────────────────────────────

describe("mutual TLS refusals: the daemon sees nothing", () => {
  const refusedBy = async (attempt: () => Promise<void>): Promise<void> => {
    const logBefore = (await logLines()).length;
    const requestsBefore = requestsTotal((await adminGet("/metrics")).body);
    await attempt();
    expect((await logLines()).length).toBe(logBefore);
    expect(requestsTotal((await adminGet("/metrics")).body)).toBe(requestsBefore);
  };

  it.each([
    ["foreign", "a certificate from another CA"],
    ["expired", "an expired certificate"],
    ["serveronly", "a certificate without the clientAuth EKU (serverAuth only)"],
    ["noeku", "a certificate without any extendedKeyUsage"],
  ])("refuses %s (%s)", async (who) => {
    await refusedBy(async () => {
      const cli = await docker(
        ["version", "--format", "{{.Server.Version}}"],
        undefined,
        dockerEnv(who),
      );
      expect(cli.code).not.toBe(0);
      expect(cli.stdout.trim()).toBe("");
      const r = await handshake(await tlsMaterial(who));
      expect(r.data).not.toContain("HTTP/1.1");
    });
  });

  it("refuses a client without a certificate", async () => {
    await refusedBy(async () => {
      const cli = await run(
        DOCKER,
        [
          "--tlsverify",
          "--tlscacert",
          join(pki, "ca.pem"),
          "-H",
          `tcp://127.0.0.1:${guard.port}`,
          "ps",
          "-q",
        ],
        {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: root,
          DOCKER_CONFIG: join(root, "docker-config"),
        },
      );
      expect(cli.code).not.toBe(0);
      expect(cli.stderr).toMatch(/certificate|tls/i);
      const o = await tlsMaterial();
      const r = await handshake({ host: o.host, port: o.port, ca: o.ca });
      expect(r.data).not.toContain("HTTP/1.1");
    });
  });

  it("refuses TLS 1.1 with a protocol alert, and speaks TLS 1.2", async () => {
    const d = join(root, "certs", "alice");
    const args = (v: string): string[] => [
      "s_client",
      v,
      "-cipher",
      "DEFAULT@SECLEVEL=0",
      "-connect",
      `127.0.0.1:${guard.port}`,
      "-ign_eof",
      "-CAfile",
      join(d, "ca.pem"),
      "-cert",
      join(d, "cert.pem"),
      "-key",
      join(d, "key.pem"),
    ];
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
    await refusedBy(async () => {
      const old = await run(
        "openssl",
        args("-tls1_1"),
        env,
        "GET /_ping HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n",
      );
      // the guard answered the 1.1 offer with an alert: not a client-side refusal
      expect(old.stderr + old.stdout).toMatch(/alert protocol version/);
      expect(old.stdout).not.toContain("HTTP/1.1");
      expect(old.code).not.toBe(0);
    });
    const ok = await run(
      "openssl",
      args("-tls1_2"),
      env,
      "GET /_ping HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n",
    );
    expect(ok.stdout).toMatch(/Protocol\s*: TLSv1\.2/);
    expect(ok.stdout).toContain("HTTP/1.1 200 OK");
  });
});

// ─── the decision log and /metrics ───────────────────────────────────────────────────────────

describe("decision log, /metrics, /healthz", () => {
  it("/metrics counts a denial by its rule, and the request by decision and operation", async () => {
    const before = (await adminGet("/metrics")).body;
    const r = await docker([
      "create",
      "--network",
      "none",
      "--label",
      `${MARK}=1`,
      "--privileged",
      h.image,
      "true",
    ]);
    expect(r.code).not.toBe(0);
    const after = (await adminGet("/metrics")).body;
    const delta = (name: string): number => metric(after, name) - metric(before, name);
    expect(delta('dockward_guard_denials_total{rule="DW-PRIV-001"}')).toBe(1);
    expect(
      delta('dockward_guard_requests_total{decision="deny",operation="ContainerCreate"}'),
    ).toBe(1);
    expect(requestsTotal(after) - requestsTotal(before)).toBeGreaterThanOrEqual(2); // ping + create
    expect(metric(after, 'dockward_guard_denials_total{rule="DW-GRD-003"}')).toBeGreaterThan(0);
    expect(metric(after, 'dockward_guard_tls_refusals_total{reason="handshake"}')).toBeGreaterThan(
      0,
    );
  });

  it("/healthz answers ok", async () => {
    expect(await adminGet("/healthz")).toEqual({ status: 200, body: "ok\n" });
  });

  it("the log holds one record per request, with who, what and why", async () => {
    const records = (await logLines()).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.length).toBeGreaterThan(50);
    expect(records).toContainEqual(
      expect.objectContaining({
        identity: "tls:alice",
        method: "POST",
        operation: "ContainerCreate",
        decision: "deny",
        rules: ["DW-SEC-002"],
        status: 403,
      }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({
        identity: "tls:alice",
        operation: "ContainerUpdate",
        rules: ["DW-GRD-006"],
      }),
    );
  });

  it("verify-log: the chain holds, up to the head /metrics serves", async () => {
    const head = /dockward_guard_decision_log_head_info\{head="([0-9a-f]{64})"\}/.exec(
      (await adminGet("/metrics")).body,
    )?.[1];
    expect(head).toBeDefined();
    const copy = join(root, "decisions-copy.log");
    await fs.copyFile(join(root, "decisions.log"), copy);
    const ok = await runCli(["guard", "verify-log", copy, "--head", head ?? ""]);
    expect(ok.stdout).toMatch(/chain intact/);
    expect(ok.code).toBe(0);
    // a line cut off the end is seen with --head only
    const lines = (await fs.readFile(copy, "utf8")).split("\n").filter((l) => l !== "");
    await fs.writeFile(copy, lines.slice(0, -1).join("\n") + "\n");
    expect((await runCli(["guard", "verify-log", copy])).code).toBe(0);
    expect((await runCli(["guard", "verify-log", copy, "--head", head ?? ""])).code).toBe(1);
  });

  it("verify-log: an edited line breaks the chain at that line", async () => {
    const lines = await logLines();
    const at = lines.findIndex((l) => l.includes('"decision":"deny"'));
    expect(at).toBeGreaterThan(0);
    const edited = [...lines];
    edited[at] = (edited[at] ?? "").replace('"decision":"deny"', '"decision":"allow"');
    const file = join(root, "decisions-edited.log");
    await fs.writeFile(file, edited.join("\n") + "\n");
    const r = await runCli(["guard", "verify-log", file]);
    expect(r.stdout).toContain(`${file}:${String(at + 1)}: chain broken`);
    expect(r.code).toBe(1);
  });
});

// ─── hot reload and graceful shutdown ────────────────────────────────────────────────────────

describe("a guard with a policy file: hot reload, then SIGTERM", () => {
  const dir = (): string => join(root, "reload");
  const policy = (role: string): string =>
    `preset: baseline\nguard:\n  identities:\n    - match: { cn: alice }\n      role: ${role}\n`;
  const env = (): NodeJS.ProcessEnv => dockerEnv("alice", reloadGuard?.port ?? 0);
  const runOk = () =>
    docker(
      ["run", "--rm", "--network", "none", "--label", `${MARK}=1`, h.image, "echo", "ok"],
      undefined,
      env(),
    );

  beforeAll(async () => {
    await fs.mkdir(dir(), { recursive: true });
    await fs.writeFile(join(dir(), "dockward.yaml"), policy("readonly"));
    reloadGuard = await startGuard(dir(), [
      "--policy",
      "dockward.yaml",
      "--grace-seconds",
      "120",
      "--log",
      join(dir(), "decisions.log"),
    ]);
    expect(reloadGuard.stderr).toMatch(/policy dockward\.yaml \(preset baseline, 1 identities\)/);
  }, 120_000);

  it("readonly: docker ps works, docker run is denied by DW-GRD-002", async () => {
    const ps = await docker(["ps", "-q"], undefined, env());
    expect(ps.stderr).toBe("");
    expect(ps.code).toBe(0);
    const r = await runOk();
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(
      /dockward: denied by DW-GRD-002 — role readonly may not use ContainerCreate/,
    );
  });

  it("SIGHUP after the file maps the CN to deployer: docker run works", async () => {
    const g = reloadGuard;
    if (g === undefined) throw new Error("no guard");
    const from = g.stderr.length;
    await fs.writeFile(join(dir(), "dockward.yaml"), policy("deployer"));
    g.child.kill("SIGHUP");
    await g.waitFor(/policy reloaded \(SIGHUP\)/, from);
    const r = await runOk();
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("ok\n");
    expect(r.code).toBe(0);
  });

  it("an invalid policy is refused, by the file watch and by SIGHUP: the old one stays", async () => {
    const g = reloadGuard;
    if (g === undefined) throw new Error("no guard");
    const from = g.stderr.length;
    await fs.writeFile(join(dir(), "dockward.yaml"), policy("no-such-role"));
    await g.waitFor(
      /policy NOT reloaded \(file changed\), the previous one stays: .*unknown role "no-such-role"/,
      from,
    );
    g.child.kill("SIGHUP");
    await g.waitFor(/policy NOT reloaded \(SIGHUP\)/, from);
    const r = await runOk();
    expect(r.stdout).toBe("ok\n");
    expect(r.code).toBe(0);
  });

  it("SIGTERM with docker logs -f and docker attach running: the guard waits for both, then exits 0", async () => {
    const g = reloadGuard;
    if (g === undefined) throw new Error("no guard");
    const wait = "while [ ! -e /tmp/go ]; do sleep 0.1; done";
    const ids: string[] = [];
    // logs -f shows a first line (so its stream is known to be open); attach only what follows
    for (const script of [`echo first; ${wait}; echo second`, `${wait}; echo second`]) {
      const c = await docker(
        ["run", "-d", "--network", "none", "--label", `${MARK}=1`, h.image, "sh", "-c", script],
        undefined,
        env(),
      );
      expect(c.code).toBe(0);
      ids.push(c.stdout.trim());
    }
    const [logsId = "", attachId = ""] = ids;
    const logs = spawnDocker(["logs", "-f", logsId], env());
    logs.child.stdin.end();
    const attach = spawnDocker(["attach", attachId], env());
    attach.child.stdin.end();
    await until("the first log line", () => logs.out().includes("first"));
    // the attach session is up once its record is in the log (written when the 101 goes back)
    await until("the attach session", async () =>
      (await fs.readFile(join(dir(), "decisions.log"), "utf8")).includes(
        `/containers/${attachId}/attach"`,
      ),
    );

    const from = g.stderr.length;
    g.child.kill("SIGTERM");
    await g.waitFor(/SIGTERM: closing \(up to 120s/, from);
    // no new clients
    const refused = await docker(["ps", "-q"], undefined, env());
    expect(refused.code).not.toBe(0);
    expect(g.code).toBeUndefined();

    for (const id of ids) await execDirect(id, ["sh", "-c", "echo > /tmp/go"]);
    expect(await logs.exit).toBe(0);
    expect(logs.out()).toBe("first\nsecond\n");
    expect(await attach.exit).toBe(0);
    expect(attach.out()).toBe("second\n");
    expect(await g.exited).toBe(0);
    expect(g.stderr.slice(from)).toMatch(/decision log head [0-9a-f]{64}/);
    const verify = await runCli(["guard", "verify-log", join(dir(), "decisions.log")]);
    expect(verify.code).toBe(0);
  }, 120_000);
});
