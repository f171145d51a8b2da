/**
 * `dockward tls` against the real thing: a private dockerd started with the files `tls init`
 * wrote (its daemon.json, --tlsverify), the real docker CLIs (28.x and 20.10) and `dockward
 * info` with the same material; the refusals; and a CA rotation whose overlap lets clients of
 * both CAs in. The daemon owns ROOT = /tmp/dwp-pki (the extra-daemons naming); a later run
 * cleans up what a crashed one left.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as http from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executePlan, existingNames } from "../../src/pki/files.js";
import { loadCa } from "../../src/pki/material.js";
import { planClient } from "../../src/pki/operations.js";
import { resolvePlan } from "../../src/pki/plan.js";
import { runCli, run } from "../harness/cli.js";
import {
  freePort,
  killLeftovers,
  readProc,
  sleep,
  tail,
  terminate,
  unmountUnder,
} from "../harness/processes.js";

const ROOT = "/tmp/dwp-pki";
const TLS = join(ROOT, "tls");
const SOCKET = join(ROOT, "docker.sock");
const PIDFILE = join(ROOT, "dockerd.pid");
const LOG = join(ROOT, "dockerd.log");
const DOCKERS = ["/usr/local/bin/docker", "/usr/bin/docker"];
const SWEEP_COMMS = ["dockerd", "containerd", "runc", "docker-proxy"];

let port = 0;
let tcp = "";
let child: ChildProcess | undefined;

const env = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: "/root",
  DOCKER_CONFIG: "/nonexistent",
};

function unixPing(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath: SOCKET,
        path: "/_ping",
        headers: { Host: "docker" },
        agent: false,
        timeout: 2_000,
      },
      (res) => {
        res.resume();
        res.on("end", () => {
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

async function sweep(): Promise<void> {
  try {
    const pid = Number((await fs.readFile(PIDFILE, "utf8")).trim());
    const info = Number.isInteger(pid) && pid > 1 ? await readProc(pid) : undefined;
    if (info?.comm === "dockerd" && info.cmdline.includes(`${ROOT}/`))
      await terminate([pid], 20_000);
  } catch {
    // no pid file
  }
  await killLeftovers(ROOT, SWEEP_COMMS);
  const stuck = await unmountUnder(ROOT);
  if (stuck.length > 0) throw new Error(`could not unmount under ${ROOT}: ${stuck.join(", ")}`);
}

async function startDockerd(configFile: string): Promise<void> {
  const argv = [
    ...[
      "--config-file",
      configFile,
      "--data-root",
      join(ROOT, "data"),
      "--exec-root",
      join(ROOT, "exec"),
    ],
    ...["--pidfile", PIDFILE, "--bridge=none", "--iptables=false", "--ip-masq=false"],
  ];
  const fd = openSync(LOG, "a", 0o644);
  try {
    child = spawn("/usr/sbin/dockerd", argv, {
      stdio: ["ignore", fd, fd],
      env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
    });
  } finally {
    closeSync(fd);
  }
  child.unref();
  let exited: string | undefined;
  child.once("exit", (code, sig) => {
    exited = sig ?? String(code);
  });
  const started = Date.now();
  while (Date.now() - started < 60_000 && exited === undefined) {
    try {
      if ((await unixPing()) === 200) return;
    } catch {
      // not yet
    }
    await sleep(50);
  }
  throw new Error(
    `dockerd with ${configFile} did not start (${exited ?? "timeout"}):\n${await tail(LOG, 30)}`,
  );
}

async function stopDockerd(): Promise<void> {
  if (child?.pid !== undefined) await terminate([child.pid], 20_000);
  child = undefined;
  await sweep();
  await fs.rm(SOCKET, { force: true });
}

/** `docker info` with a client directory's material; `ps -q` for refusals (20.10's `info --format` hides the error). */
function dockerInfo(
  docker: string,
  dir: string,
  ca = join(dir, "ca.pem"),
  args = ["info", "--format", "{{.ID}}"],
) {
  return run(
    docker,
    [
      "--tlsverify",
      "--tlscacert",
      ca,
      "--tlscert",
      join(dir, "cert.pem"),
      "--tlskey",
      join(dir, "key.pem"),
      "-H",
      tcp,
      ...args,
    ],
    env,
  );
}

async function issueClient(
  out: string,
  overrides: Parameters<typeof planClient>[0]["overrides"],
): Promise<void> {
  const files = await planClient({
    name: "edge",
    groups: [],
    keyType: "ecdsa-p256",
    days: 90,
    ca: loadCa(TLS),
    now: new Date(),
    outHoldsCa: false,
    overwrite: "refuse",
    ...(overrides !== undefined ? { overrides } : {}),
  });
  executePlan(out, resolvePlan(out, files, existingNames(out), { force: false, stamp: "T" }));
}

beforeAll(async () => {
  await fs.mkdir(ROOT, { recursive: true });
  await sweep();
  await fs.rm(ROOT, { recursive: true, force: true });
  await fs.mkdir(join(ROOT, "data"), { recursive: true, mode: 0o710 });
  await fs.mkdir(join(ROOT, "exec"), { recursive: true, mode: 0o700 });
  port = await freePort();
  tcp = `tcp://127.0.0.1:${port}`;
  const init = await runCli([
    "tls",
    "init",
    "--out",
    TLS,
    "--san",
    "DNS:dwp-pki.test",
    "--listen",
    tcp,
    "--listen",
    `unix://${SOCKET}`,
  ]);
  expect(init.stderr).toBe("");
  expect(init.code).toBe(0);
  const other = await runCli(["tls", "init", "--out", join(ROOT, "other"), "--listen", tcp]);
  expect(other.code).toBe(0);
  await issueClient(join(ROOT, "expired"), {
    notBefore: new Date(Date.now() - 10 * 86_400_000),
    notAfter: new Date(Date.now() - 86_400_000),
  });
  await issueClient(join(ROOT, "server-only"), { extendedKeyUsage: ["serverAuth"] });
  await startDockerd(join(TLS, "daemon.json"));
}, 180_000);

afterAll(async () => {
  await stopDockerd();
  await fs.rm(ROOT, { recursive: true, force: true });
}, 60_000);

describe("tls init material", () => {
  it("lists what it wrote with the modes", async () => {
    const st = await fs.stat(join(TLS, "ca-key.pem"));
    expect(st.mode & 0o777).toBe(0o400);
    expect((await fs.stat(join(TLS, "server-cert.pem"))).mode & 0o777).toBe(0o444);
  });

  it("chains, as openssl verify sees it", async () => {
    const v = await run(
      "openssl",
      [
        "verify",
        "-CAfile",
        join(TLS, "ca.pem"),
        join(TLS, "server-cert.pem"),
        join(TLS, "cert.pem"),
      ],
      env,
    );
    expect(v.stdout).toContain(`${join(TLS, "server-cert.pem")}: OK`);
    expect(v.stdout).toContain(`${join(TLS, "cert.pem")}: OK`);
    expect(v.code).toBe(0);
    const foreign = await run(
      "openssl",
      ["verify", "-CAfile", join(TLS, "ca.pem"), join(ROOT, "other", "cert.pem")],
      env,
    );
    expect(foreign.code).not.toBe(0);
  });

  it("has the profiles, as openssl x509 -text prints them", async () => {
    const text = async (f: string): Promise<string> =>
      (await run("openssl", ["x509", "-noout", "-text", "-in", join(TLS, f)], env)).stdout;
    const ca = await text("ca.pem");
    expect(ca).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(ca).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    const server = await text("server-cert.pem");
    expect(server).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(server).toMatch(/Key Usage: critical\s+Digital Signature\n/);
    expect(server).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication\n/);
    expect(server).toMatch(
      /Subject Alternative Name:\s+DNS:localhost, IP Address:127\.0\.0\.1, DNS:dwp-pki\.test\n/,
    );
    expect(server).toMatch(/Subject Key Identifier/);
    expect(server).toMatch(/Authority Key Identifier/);
    expect(server).toMatch(/Public-Key: \(256 bit\)/);
    expect(await text("cert.pem")).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication\n/);
  });
});

describe("a dockerd started with the tls init daemon.json", () => {
  it.each(DOCKERS)("accepts %s with the client material", async (docker) => {
    const res = await dockerInfo(docker, TLS);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).not.toBe("");
  });

  it("accepts dockward info with the same material", async () => {
    const res = await runCli([
      "-H",
      tcp,
      "--tlsverify",
      "--tlscacert",
      join(TLS, "ca.pem"),
      "--tlscert",
      join(TLS, "cert.pem"),
      "--tlskey",
      join(TLS, "key.pem"),
      "info",
      "--format",
      "json",
    ]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ endpoint: { transport: "tls" } });
  });

  it.each(DOCKERS)("%s without a client certificate is refused", async (docker) => {
    const res = await run(
      docker,
      ["--tlsverify", "--tlscacert", join(TLS, "ca.pem"), "-H", tcp, "ps", "-q"],
      env,
    );
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/certificate|tls/i);
  });

  it.each([
    ["a client certificate from another tls init", join(ROOT, "other")],
    ["an expired client certificate", join(ROOT, "expired")],
    ["a client certificate with serverAuth only", join(ROOT, "server-only")],
  ])("refuses %s", async (_what, dir) => {
    for (const docker of DOCKERS) {
      const res = await dockerInfo(docker, dir, join(TLS, "ca.pem"), ["ps", "-q"]);
      expect(res.code, `${docker}: ${res.stdout}`).not.toBe(0);
      expect(res.stderr, docker).toMatch(
        /remote error: tls: (bad|expired|unknown) certificate|certificate|connection reset by peer|broken pipe/i,
      );
    }
  });

  it("tls inspect reports the expired and the serverAuth-only client", async () => {
    const expired = await runCli(["tls", "inspect", join(ROOT, "expired", "cert.pem")]);
    expect(expired.code).toBe(1);
    expect(expired.stdout).toMatch(/DW-PKI-005/);
    const serverOnly = await runCli([
      "tls",
      "inspect",
      join(ROOT, "server-only"),
      "--format",
      "json",
    ]);
    expect(serverOnly.code).toBe(1);
    const report = JSON.parse(serverOnly.stdout) as { findings: { ruleId: string }[] };
    expect(report.findings.map((f) => f.ruleId)).toEqual(["DW-PKI-004"]);
    const clean = await runCli(["tls", "inspect", TLS]);
    expect(clean.stdout).toMatch(/chains to\s+ca\.pem/);
    expect(clean.code).toBe(0);
  });
});

describe("tls rotate ca: the overlap", () => {
  beforeAll(async () => {
    const rotated = await runCli(["tls", "rotate", "ca", "--out", TLS]);
    expect(rotated.stderr).toBe("");
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/1\. Point the daemon's tlscacert at .*ca-bundle\.pem/);
    const client = await runCli([
      "tls",
      "client",
      "bob",
      "--ca",
      TLS,
      "--out",
      join(ROOT, "bob"),
      "--group",
      "ops",
    ]);
    expect(client.code).toBe(0);
    // step 1: tlscacert -> the bundle, restart
    const config = JSON.parse(await fs.readFile(join(TLS, "daemon.json"), "utf8")) as Record<
      string,
      unknown
    >;
    await fs.writeFile(
      join(ROOT, "daemon-overlap.json"),
      JSON.stringify({ ...config, tlscacert: join(TLS, "ca-bundle.pem") }),
    );
    await stopDockerd();
    await startDockerd(join(ROOT, "daemon-overlap.json"));
  }, 120_000);

  it("openssl verifies old and new clients against the bundle", async () => {
    const v = await run(
      "openssl",
      [
        "verify",
        "-CAfile",
        join(TLS, "ca-bundle.pem"),
        join(TLS, "cert.pem"),
        join(ROOT, "bob", "cert.pem"),
        join(TLS, "server-cert.pem"),
      ],
      env,
    );
    expect(v.code).toBe(0);
    const newOnly = await run(
      "openssl",
      ["verify", "-CAfile", join(TLS, "ca.pem"), join(TLS, "cert.pem")],
      env,
    );
    expect(newOnly.code).not.toBe(0);
  });

  it.each(DOCKERS)(
    "%s: a client with an old-CA certificate and one with a new-CA certificate both get in",
    async (docker) => {
      const old = await dockerInfo(docker, TLS, join(TLS, "ca-bundle.pem"));
      expect(old.stderr).toBe("");
      expect(old.code).toBe(0);
      const fresh = await dockerInfo(docker, join(ROOT, "bob"));
      expect(fresh.stderr).toBe("");
      expect(fresh.code).toBe(0);
      const foreign = await dockerInfo(docker, join(ROOT, "other"), join(TLS, "ca-bundle.pem"));
      expect(foreign.code).not.toBe(0);
    },
  );
});
