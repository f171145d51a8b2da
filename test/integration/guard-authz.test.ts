/**
 * dockward as dockerd's authorization plugin, against the real thing: a private dockerd 20.10
 * (the extra-daemons "authz" variant: --tlsverify on loopback plus
 * --authorization-plugin=NAME) asks the plugin about every request, and the real docker CLI 28
 * talks to that daemon over its unix socket and over mutual TLS. The decider is dockward's own
 * decision core with the baseline preset (the same the proxy uses), wrapped to fail on purpose
 * when the target names `dockward-test-fault`.
 *
 * The plugin directory /run/docker/plugins is the host's: NAME is unique per test root, and the
 * socket is removed when the plugin closes.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type AuthzPlugin, startAuthzPlugin } from "../../src/guard/authz/plugin.js";
import type { DecisionRecord } from "../../src/guard/decision-log.js";
import { createDecider } from "../../src/guard/decide.js";
import type { Decider, Pending } from "../../src/guard/server/types.js";
import { defaultPolicy } from "../../src/policy/policy.js";
import { importKeyPair, issueWithNewKey } from "../../src/pki/issue.js";
import { type CertificateProfile, clientProfile } from "../../src/pki/profiles.js";
import { run } from "../harness/cli.js";
import {
  type ExtraDaemon,
  authzPluginName,
  startExtraDaemon,
  stopExtraDaemon,
} from "../harness/extra-daemons.js";

const h = inject("harness");
const DOCKER = "/usr/local/bin/docker";
const NAME = authzPluginName();
const SOCKET = `/run/docker/plugins/${NAME}.sock`;
const MiB = 1024 * 1024;

let plugin: AuthzPlugin | undefined;
let daemon: ExtraDaemon | undefined;
let dir = "";
const records: DecisionRecord[] = [];
const seen: Pending[] = [];

// ─── the decider: dockward's own decision core, with a fault hook ─────────────────────────────

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

/** Baseline preset, no guard section: the daemon's socket clients are deployers. */
const core = createDecider({ policy: defaultPolicy("baseline") });

const testDecider: Decider = {
  admit(p) {
    seen.push(p);
    if (p.rawTarget.includes("dockward-test-fault"))
      throw new Error("the test decider fails on purpose");
    return core.admit(p);
  },
};

async function startPlugin(): Promise<AuthzPlugin> {
  return startAuthzPlugin({
    socket: SOCKET,
    decider: testDecider,
    onDecision: (r) => {
      records.push(r);
    },
  });
}

// ─── clients ─────────────────────────────────────────────────────────────────────────────────

function the(): ExtraDaemon {
  if (daemon === undefined) throw new Error("the authz dockerd did not start");
  return daemon;
}

const env = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: "/root",
  DOCKER_CONFIG: "/nonexistent",
};

function docker(args: readonly string[], host = `unix://${the().socketPath}`) {
  return run(DOCKER, ["-H", host, ...args], env);
}

interface Reply {
  status: number;
  message: string;
}

/** One request to the authz daemon's unix socket; `chunked` leaves out Content-Length. */
function request(
  method: string,
  path: string,
  o: { body?: Buffer; chunked?: boolean; contentType?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: "docker" };
    if (o.body !== undefined) {
      headers["Content-Type"] = o.contentType ?? "application/json";
      if (o.chunked !== true) headers["Content-Length"] = String(o.body.length);
    }
    const req = http.request(
      // dockerd retries an absent plugin for ~15 s before it answers: time enough
      { socketPath: the().socketPath, method, path, headers, agent: false, timeout: 90_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let message = text;
          try {
            const parsed: unknown = JSON.parse(text);
            if (isObject(parsed) && typeof parsed.message === "string") message = parsed.message;
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, message });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout on ${method} ${path}`)));
    req.on("error", reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

/** A create body of about `bytes` bytes (its Labels), not privileged. */
function bigCreate(bytes: number): Buffer {
  const labels: Record<string, string> = {};
  const value = "v".repeat(1000);
  for (let i = 0; i * 1010 < bytes; i++) labels[`dockward.test.${i}`] = value;
  return Buffer.from(
    JSON.stringify({
      Image: h.image,
      Cmd: ["true"],
      Labels: labels,
      HostConfig: { NetworkMode: "none" },
    }),
  );
}

// ─── set-up ──────────────────────────────────────────────────────────────────────────────────

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dw-authz-"));
  // the plugin first: dockerd looks for it at start-up, and exits when it is not there
  plugin = await startPlugin();
  daemon = await startExtraDaemon("authz");
  // the test image, from the harness's engine (a tarball is streamed: the decider allows it)
  const tar = join(dir, "busybox.tar");
  const saved = await run(DOCKER, ["-H", h.unixHost, "save", "-o", tar, h.image], env);
  if (saved.code !== 0) throw new Error(`docker save failed: ${saved.stderr}`);
  const loaded = await docker(["load", "-i", tar]);
  if (loaded.code !== 0)
    throw new Error(`docker load into the authz daemon failed: ${loaded.stderr}`);
}, 240_000);

afterAll(async () => {
  await stopExtraDaemon("authz");
  await plugin?.close();
  await rm(SOCKET, { force: true });
  if (dir !== "") await rm(dir, { recursive: true, force: true });
}, 120_000);

// ─── the tests ───────────────────────────────────────────────────────────────────────────────

describe("dockward as dockerd's authorization plugin", () => {
  it("denies `docker run --privileged` with the guard's message, and records it", async () => {
    const before = records.length;
    const r = await docker(["run", "--rm", "--privileged", "--network", "none", h.image, "true"]);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(
      `authorization denied by plugin ${NAME}: dockward: denied by DW-PRIV-001 — privileged:`,
    );
    const denial = records.slice(before).find((x) => x.decision === "deny");
    expect(denial).toMatchObject({
      identity: "unix:dockerd-socket",
      method: "POST",
      operation: "ContainerCreate",
      rules: ["DW-PRIV-001"],
      status: 403,
    });
    expect(denial?.path).toMatch(/^\/v[\d.]+\/containers\/create$/);
  });

  it("lets a plain `docker run --rm` and `docker ps` through", async () => {
    const before = seen.length;
    const ran = await docker(["run", "--rm", "--network", "none", h.image, "true"]);
    expect(ran.stderr).toBe("");
    expect(ran.code).toBe(0);
    // the attach was a hijack, and dockerd passed its Connection/Upgrade headers on
    const attach = seen.slice(before).find((p) => /\/containers\/[^/]+\/attach/.test(p.rawTarget));
    expect(attach?.upgrade).toBe("tcp");
    const ps = await docker(["ps", "-a", "--format", "{{.ID}}"]);
    expect(ps.code).toBe(0);
    expect(ps.stdout).toBe("");
  });

  it("sees the unix socket's clients as one identity, on listener authz", () => {
    const identities = new Set(seen.map((p) => JSON.stringify(p.identity)));
    expect(identities).toContain(
      JSON.stringify({ kind: "unix", name: "dockerd-socket", groups: [], listener: "authz" }),
    );
  });

  it("denies a create whose body the daemon did not send (over 1 MiB), and judges it when small", async () => {
    const small = await request("POST", "/v1.41/containers/create", { body: bigCreate(4096) });
    expect(small).toEqual({ status: 201, message: expect.stringContaining(`"Id"`) as unknown });
    const id = (JSON.parse(small.message) as { Id: string }).Id;
    expect((await request("DELETE", `/v1.41/containers/${id}?force=1`)).status).toBe(204);

    const body = bigCreate(MiB + 64 * 1024);
    expect(body.length).toBeGreaterThan(MiB);
    for (const chunked of [false, true]) {
      const big = await request("POST", "/v1.41/containers/create", { body, chunked });
      expect(big.status).toBe(403);
      expect(big.message).toContain(
        `authorization denied by plugin ${NAME}: dockward: denied by DW-AUTHZ-002 — the daemon did not send the body to the plugin (over 1 MiB, or not JSON)`,
      );
    }
    // the daemon created nothing
    expect((await docker(["ps", "-aq"])).stdout).toBe("");
  });

  it("refuses, as a plugin failure (500), when the decider fails", async () => {
    const r = await request("GET", "/v1.41/containers/json?dockward-test-fault=1");
    expect(r.status).toBe(500);
    expect(r.message).toContain(`plugin ${NAME} failed with error`);
    expect(r.message).toContain("dockward: denied by DW-PROXY-003 — the decision failed");
    expect(records.at(-1)).toMatchObject({
      decision: "deny",
      rules: ["DW-PROXY-003"],
      status: 500,
    });
  });

  it("sees a TLS client as its certificate's CN, with its O and OU as groups", async () => {
    const d = the();
    const tlsDir = dirname(d.caFile ?? "");
    const caPem = await readFile(join(tlsDir, "ca.pem"), "utf8");
    const caKey = join(tlsDir, "ca-key.pem");
    const keys = await importKeyPair(await readFile(caKey, "utf8"), caKey);
    const base = clientProfile({
      name: "alice",
      groups: ["admins"],
      key: "ecdsa-p256",
      now: new Date(),
    });
    const profile: CertificateProfile = {
      ...base,
      subject: [...base.subject, { type: "OU", value: "ops" }],
    };
    const alice = await issueWithNewKey(profile, "ecdsa-p256", { certificatePem: caPem, keys });
    const certDir = join(dir, "alice");
    await mkdir(certDir, { mode: 0o700 });
    await writeFile(join(certDir, "ca.pem"), caPem);
    await writeFile(join(certDir, "cert.pem"), alice.certificatePem);
    await writeFile(join(certDir, "key.pem"), alice.keyPem, { mode: 0o600 });

    const before = seen.length;
    const r = await run(DOCKER, ["--tlsverify", "-H", d.tcpHost, "ps", "--format", "{{.ID}}"], {
      ...env,
      DOCKER_CERT_PATH: certDir,
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const list = seen.slice(before).find((p) => p.rawTarget.includes("/containers/json"));
    expect(list?.identity).toEqual({
      kind: "tls",
      name: "alice",
      groups: ["admins", "ops"],
      listener: "authz-tls",
    });
    expect(
      records.some((x) => x.identity === "tls:alice" && x.path.endsWith("/containers/json")),
    ).toBe(true);
  });

  it("leaves the daemon refusing every request while the plugin is gone (fail closed)", async () => {
    await plugin?.close();
    plugin = undefined;
    const r = await request("GET", "/_ping");
    expect(r.status).toBe(500);
    expect(r.message).toContain(`plugin ${NAME} failed with error`);
    expect(r.message).toContain(SOCKET);
    // back again on the same socket: the daemon asks it again, no restart needed
    plugin = await startPlugin();
    expect((await request("GET", "/_ping")).status).toBe(200);
  }, 120_000);
});
