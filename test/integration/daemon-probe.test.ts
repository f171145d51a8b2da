import { readFileSync } from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import { join } from "node:path";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectDaemons } from "../../src/audit/daemon/collect.js";
import { listeners } from "../../src/audit/daemon/listeners.js";
import { probe } from "../../src/audit/daemon/probe.js";
import { type DockerdProcess, findDockerdProcesses } from "../../src/audit/daemon/process.js";
import {
  EXTRA_DAEMON_VARIANTS,
  type ExtraDaemon,
  type ExtraDaemonVariant,
  freePort,
  startExtraDaemons,
  stopExtraDaemons,
} from "../harness/extra-daemons.js";
import { runCli } from "../harness/cli.js";
import { defaultPolicy } from "../../src/policy/policy.js";
import { evaluateDaemons } from "../../src/rules/evaluate.js";

/**
 * The daemon-exposure collectors against three real dockerds: one listening on TCP in clear,
 * one with TLS but no client authentication, one with client authentication.
 */

let daemons = new Map<ExtraDaemonVariant, ExtraDaemon>();

function daemon(variant: ExtraDaemonVariant): ExtraDaemon {
  const d = daemons.get(variant);
  if (d === undefined) throw new Error(`extra dockerd "${variant}" did not start`);
  return d;
}

/** The gid dockerd gives its unix socket: the `docker` group when it exists, else root. */
function dockerGid(): number {
  const line = readFileSync("/etc/group", "utf8")
    .split("\n")
    .find((l) => l.startsWith("docker:"));
  return line === undefined ? 0 : Number(line.split(":")[2]);
}

const ALL: readonly ExtraDaemonVariant[] = [...EXTRA_DAEMON_VARIANTS, "tls-only"];

beforeAll(async () => {
  daemons = await startExtraDaemons(ALL);
  for (const d of daemons.values()) {
    console.log(`extra dockerd ${d.variant}: pid ${d.pid}, /_ping after ${d.startMs} ms`);
  }
}, 180_000);

afterAll(async () => {
  await stopExtraDaemons(ALL);
}, 120_000);

describe("findDockerdProcesses", () => {
  let found: DockerdProcess[] = [];
  beforeAll(async () => {
    found = await findDockerdProcesses();
  });

  function proc(variant: ExtraDaemonVariant): DockerdProcess {
    const d = daemon(variant);
    const p = found.find((f) => f.pid === d.pid);
    if (p === undefined) throw new Error(`no dockerd with pid ${d.pid} found`);
    return p;
  }

  it("finds only dockerd processes (no containerd, shim or docker CLI), each of ours by pid", () => {
    expect(found.every((p) => p.comm === "dockerd")).toBe(true);
    for (const variant of ALL) {
      const p = proc(variant);
      expect(p.argv).toEqual(daemon(variant).argv);
      expect(p.exe).toMatch(/\/dockerd$/);
    }
  });

  it.each(ALL)("%s: hosts from argv, config file read and parsed", (variant) => {
    const d = daemon(variant);
    const p = proc(variant);
    expect(p.configFile).toMatchObject({ value: d.configFile, origin: { kind: "flag" } });
    expect(p.daemonJson).toMatchObject({
      status: "ok",
      content: { "deprecated-key-path": join(d.root, "key.json") },
    });
    expect(p.exposure.hosts.map((h) => h.address)).toEqual([
      { scheme: "unix", path: d.socketPath, url: `unix://${d.socketPath}` },
      { scheme: "tcp", host: "127.0.0.1", port: d.tcpPort, url: d.tcpHost },
    ]);
    expect(p.exposure.hosts.every((h) => h.origin.kind === "flag")).toBe(true);
    expect(p.problems).toEqual([]);
  });

  it("plain: no TLS", () => {
    const { tls } = proc("plain").exposure;
    expect(tls).toMatchObject({ enabled: false, clientAuth: false });
    expect(tls.tls).toBeUndefined();
    expect(tls.tlsVerify).toBeUndefined();
  });

  it("tls-noverify: TLS on, client auth off only because --tlsverify=false is explicit", () => {
    const d = daemon("tls-noverify");
    const { tls } = proc("tls-noverify").exposure;
    expect(tls).toMatchObject({
      enabled: true,
      clientAuth: false,
      tls: { value: true, origin: { kind: "flag", arg: "--tls" } },
      tlsVerify: { value: false, origin: { kind: "flag", arg: "--tlsverify=false" } },
      cert: { value: join(d.root, "tls-server", "server-cert.pem") },
      key: { value: join(d.root, "tls-server", "server-key.pem") },
    });
  });

  it("tls-verify: TLS on with client certificates verified against --tlscacert", () => {
    const d = daemon("tls-verify");
    const { tls } = proc("tls-verify").exposure;
    expect(tls).toMatchObject({
      enabled: true,
      clientAuth: true,
      tlsVerify: { value: true, origin: { kind: "flag", arg: "--tlsverify" } },
      caCert: { value: d.caFile, origin: { kind: "flag", arg: "--tlscacert" } },
    });
    expect(tls.tls).toBeUndefined();
  });

  it("tls-only: --tls without --tlsverify means client auth ON (dockerd 20.10+)", () => {
    const { tls } = proc("tls-only").exposure;
    expect(tls).toMatchObject({ enabled: true, clientAuth: true, tls: { value: true } });
    expect(tls.tlsVerify).toBeUndefined();
  });
});

describe("listeners", () => {
  it.each(EXTRA_DAEMON_VARIANTS)(
    "%s: its TCP port on loopback and its unix socket",
    async (variant) => {
      const d = daemon(variant);
      const l = await listeners(d.pid);
      expect(l.problems).toEqual([]);
      expect(
        l.tcp.map(({ family, address, port, scope }) => ({ family, address, port, scope })),
      ).toEqual([{ family: 4, address: "127.0.0.1", port: d.tcpPort, scope: "loopback" }]);
      // the API socket, plus metrics.sock and libnetwork's socket under exec-root: all in ROOT
      expect(l.unix.every((u) => u.path?.startsWith(`${d.root}/`))).toBe(true);
      const api = l.unix.find((u) => u.path === d.socketPath);
      expect(api).toMatchObject({
        type: "stream",
        abstract: false,
        file: { permissions: 0o660, mode: 0o140660, uid: 0, gid: dockerGid(), isSocket: true },
      });
      // nothing listens on another daemon's socket
      for (const other of daemons.values()) {
        if (other.variant !== variant) {
          expect(l.unix.some((u) => u.path === other.socketPath)).toBe(false);
          expect(l.tcp.some((t) => t.port === other.tcpPort)).toBe(false);
        }
      }
    },
  );
});

describe("probe", () => {
  it("plain: open, with the daemon's API version", async () => {
    const r = await probe("127.0.0.1", daemon("plain").tcpPort);
    expect(r).toMatchObject({ exposure: "open", ping: { status: 200, osType: "linux" } });
    if (r.exposure !== "open") return;
    expect(r.ping.apiVersion).toMatch(/^1\.\d+$/);
    expect(r.ping.server).toMatch(/^Docker\//);
  });

  it("tls-noverify: TLS without client auth, with the server certificate", async () => {
    const d = daemon("tls-noverify");
    const r = await probe("127.0.0.1", d.tcpPort);
    expect(r.exposure).toBe("tls-no-client-auth");
    if (r.exposure !== "tls-no-client-auth") return;
    expect(r.ping.apiVersion).toMatch(/^1\.\d+$/);
    expect(r.tls.protocol).toBe("TLSv1.3");
    expect(r.tls.certificate).toMatchObject({
      subject: "CN=localhost",
      issuer: "CN=dwp-tls-noverify-ca",
      subjectAltNames: d.serverSans,
      key: { type: "rsa", bits: 2048 },
      extendedKeyUsage: ["serverAuth"],
      isCa: false,
      selfSigned: false,
    });
    // not signed by a public CA: a client that verifies would refuse it
    expect(r.tls.authorizationError).toBeDefined();
  });

  it("tls-verify: the daemon demands a client certificate (TLS 1.3)", async () => {
    const d = daemon("tls-verify");
    const r = await probe("127.0.0.1", d.tcpPort);
    expect(r.exposure).toBe("tls-client-auth");
    if (r.exposure !== "tls-client-auth") return;
    // Go before 1.21 (dockerd 20.10) answers bad_certificate in TLS 1.3 too; newer Go sends
    // certificate_required.
    expect(r.evidence).toMatch(/bad_certificate|certificate_required/);
    expect(r.tls.protocol).toBe("TLSv1.3");
    expect(r.tls.certificate).toMatchObject({
      subject: "CN=localhost",
      issuer: "CN=dwp-tls-verify-ca",
      subjectAltNames: [
        "DNS:localhost",
        "DNS:dwp-tls-verify.test",
        "IP:127.0.0.1",
        "IP:0:0:0:0:0:0:0:1",
      ],
      key: { type: "ec", bits: 256, curve: "prime256v1" },
    });
    const notAfter = Date.parse(r.tls.certificate?.notAfter ?? "");
    expect(notAfter - Date.now()).toBeGreaterThan(6 * 86_400_000);
    expect(notAfter - Date.now()).toBeLessThan(8 * 86_400_000);
  });

  it("tls-verify: the same verdict when the handshake is TLS 1.2 (Go sends bad_certificate)", async () => {
    const r = await probe("127.0.0.1", daemon("tls-verify").tcpPort, { tlsMaxVersion: "TLSv1.2" });
    expect(r.exposure).toBe("tls-client-auth");
    if (r.exposure !== "tls-client-auth") return;
    expect(r.evidence).toMatch(/bad_certificate/);
    expect(r.tls.protocol).toBe("TLSv1.2");
    expect(r.tls.certificate?.issuer).toBe("CN=dwp-tls-verify-ca");
  });

  it("tls-only: the probe agrees that --tls alone demands a client certificate", async () => {
    const r = await probe("127.0.0.1", daemon("tls-only").tcpPort);
    expect(r).toMatchObject({
      exposure: "tls-client-auth",
      tls: { certificate: { issuer: "CN=dwp-tls-only-ca" } },
    });
  });

  it("tls-verify: a client with the right certificate does get in (the daemon is healthy)", async () => {
    const d = daemon("tls-verify");
    const dir = d.clientTlsDir ?? "";
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request(
        {
          host: "127.0.0.1",
          port: d.tcpPort,
          path: "/_ping",
          agent: false,
          ca: readFileSync(join(dir, "ca.pem")),
          cert: readFileSync(join(dir, "cert.pem")),
          key: readFileSync(join(dir, "key.pem")),
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(200);
  });

  it("a closed port: refused, as data", async () => {
    const port = await freePort();
    const r = await probe("127.0.0.1", port, { timeoutMs: 2_000 });
    expect(r).toMatchObject({ exposure: "unknown", reason: "refused", host: "127.0.0.1", port });
  });

  it("a port that accepts and never answers: timeout, as data", async () => {
    const held: net.Socket[] = [];
    const server = net.createServer((socket) => {
      held.push(socket);
      socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    try {
      const r = await probe("127.0.0.1", port, { timeoutMs: 500 });
      expect(r).toMatchObject({ exposure: "unknown", reason: "timeout" });
      if (r.exposure !== "unknown") return;
      expect(r.detail).toMatch(/connected, but no answer within 500 ms/);
      expect(r.elapsedMs).toBeGreaterThanOrEqual(450);
      expect(r.elapsedMs).toBeLessThan(2_000);
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    }
  });
});

interface AuditJson {
  findings: {
    ruleId: string;
    severity: string;
    cis: string[];
    target: { kind: string; name: string; file?: string; argIndex?: number; pointer?: string };
    message: string;
  }[];
  targets: { kind: string; name: string }[];
  warnings: string[];
}

async function auditDaemon(
  global: string[],
  auditArgs: string[] = [],
): Promise<{ code: number; json: AuditJson; stderr: string }> {
  const res = await runCli([
    ...global,
    "audit",
    "--format",
    "json",
    "--preset",
    "baseline",
    ...auditArgs,
  ]);
  let json: AuditJson;
  try {
    json = JSON.parse(res.stdout) as AuditJson;
  } catch {
    throw new Error(`audit printed no JSON (exit ${res.code}): ${res.stderr}`);
  }
  return { code: res.code, json, stderr: res.stderr };
}

const exposureRules = (j: AuditJson) =>
  j.findings.filter((f) => f.ruleId === "DW-DMN-001" || f.ruleId === "DW-DMN-002");

describe("dockward audit judges the daemon behind the endpoint", () => {
  it("plain TCP: critical DW-DMN-001 (CIS 2.7), pointing at the -H flag on dockerd's command line", async () => {
    const d = daemon("plain");
    const { code, json } = await auditDaemon(["-H", `unix://${d.socketPath}`]);
    expect(code).toBe(1);
    const hits = exposureRules(json);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({
      ruleId: "DW-DMN-001",
      severity: "critical",
      cis: ["2.7"],
      target: { kind: "daemon", name: `unix://${d.socketPath}`, file: `/proc/${d.pid}/cmdline` },
    });
    expect(hits[0]?.message).toContain(`tcp://127.0.0.1:${d.tcpPort}`);
    // the argv index is the -H flag that asked for the TCP listener
    const at = hits[0]?.target.argIndex ?? -1;
    expect(d.argv[at]).toMatch(/^(-H|--host)/);
    expect(d.argv.slice(at, at + 2).join(" ")).toContain(String(d.tcpPort));
  });

  it("TLS without client verification: critical DW-DMN-002", async () => {
    const d = daemon("tls-noverify");
    const { code, json } = await auditDaemon(["-H", `unix://${d.socketPath}`]);
    expect(code).toBe(1);
    const hits = exposureRules(json);
    expect(hits.map((f) => [f.ruleId, f.severity])).toEqual([["DW-DMN-002", "critical"]]);
    expect(hits[0]?.message).toMatch(/TLS handshake with no client certificate/);
  });

  it.each(["tls-verify", "tls-only"] as const)(
    "%s: client certificates required, so no exposure finding and no failure",
    async (variant) => {
      const d = daemon(variant);
      const { code, json } = await auditDaemon(["-H", `unix://${d.socketPath}`]);
      expect(exposureRules(json)).toEqual([]);
      expect(json.findings.filter((f) => ["critical", "high"].includes(f.severity))).toEqual([]);
      expect(code).toBe(0);
      // the TLS material was read: its files are judged (the harness makes 0644 certificates)
      expect(json.findings.some((f) => f.ruleId === "DW-TLS-004")).toBe(true);
    },
  );

  it("the same verdicts when the audit reaches each daemon over its TCP port", async () => {
    const plain = daemon("plain");
    const r1 = await auditDaemon(["-H", plain.tcpHost]);
    expect(exposureRules(r1.json).map((f) => f.ruleId)).toEqual(["DW-DMN-001"]);
    const noverify = daemon("tls-noverify");
    // TLS without a CA: what a client of a daemon that checks nobody would do
    const r2 = await auditDaemon(["-H", noverify.tcpHost, "--tls"]);
    expect(exposureRules(r2.json).map((f) => f.ruleId)).toEqual(["DW-DMN-002"]);
    const verify = daemon("tls-verify");
    const r3 = await runCli(
      ["-H", verify.tcpHost, "--tlsverify", "audit", "--format", "json", "--preset", "baseline"],
      {
        DOCKER_CERT_PATH: verify.clientTlsDir ?? "",
      },
    );
    expect(exposureRules(JSON.parse(r3.stdout) as AuditJson)).toEqual([]);
  });

  it("a TLS port reached without TLS: the engine error is reported and the daemon is still judged", async () => {
    const d = daemon("tls-noverify");
    const { code, json } = await auditDaemon(["-H", d.tcpHost]);
    expect(code).toBe(1);
    expect(exposureRules(json).map((f) => f.ruleId)).toEqual(["DW-DMN-002"]);
    expect(json.warnings.join("\n")).toMatch(/could not be audited: .*speaks TLS/);
  });

  it("--daemons all audits every dockerd on the machine; the default names the others", async () => {
    const all = await auditDaemon(
      ["-H", `unix://${daemon("tls-verify").socketPath}`],
      ["--daemons", "all"],
    );
    const names = all.json.targets.filter((t) => t.kind === "daemon").map((t) => t.name);
    for (const v of ALL) expect(names).toContain(`unix://${daemon(v).socketPath}`);
    // the plain daemon's open port is found from another daemon's audit
    expect(
      exposureRules(all.json).some((f) => f.target.name === `unix://${daemon("plain").socketPath}`),
    ).toBe(true);
    expect(all.code).toBe(1);
    const one = await auditDaemon(["-H", `unix://${daemon("tls-verify").socketPath}`]);
    expect(one.json.warnings.join("\n")).toMatch(
      new RegExp(
        `pid ${daemon("plain").pid} on .*tcp://127\\.0\\.0\\.1:${daemon("plain").tcpPort}.*--daemons all`,
      ),
    );
  });

  it("--daemons none leaves the daemon out", async () => {
    const { json } = await auditDaemon(
      ["-H", `unix://${daemon("plain").socketPath}`],
      ["--daemons", "none"],
    );
    expect(json.targets.filter((t) => t.kind === "daemon")).toEqual([]);
  });
});

describe("a daemon.json edited into nonsense after the daemon started", () => {
  it("is reported with file:line:col, the rest is audited, and the exit code says incomplete", async () => {
    const d = daemon("tls-only");
    const original = readFileSync(d.configFile, "utf8");
    await writeFile(d.configFile, '{\n  "icc": false,\n  oops\n}\n');
    try {
      const { code, json } = await auditDaemon(["-H", `unix://${d.socketPath}`]);
      expect(json.warnings.join("\n")).toMatch(
        new RegExp(
          `${d.configFile.replaceAll(".", "\\.")}:3:\\d+: .*dockerd refuses to start with it`,
        ),
      );
      // the daemon and its containers are still judged
      expect(json.targets.some((t) => t.kind === "daemon")).toBe(true);
      expect(json.findings.filter((f) => ["critical", "high"].includes(f.severity))).toEqual([]);
      expect(code).toBe(3);
    } finally {
      await writeFile(d.configFile, original);
    }
  });
});

describe("a daemon seen only from outside", () => {
  let emptyProc = "";
  beforeAll(async () => {
    emptyProc = await mkdtemp(join(tmpdir(), "dw-noproc-"));
  });
  afterAll(async () => {
    await rm(emptyProc, { recursive: true, force: true });
  });

  it("is judged by probing its port: open → DW-DMN-001, mTLS → nothing", async () => {
    const plain = await collectDaemons({
      host: daemon("plain").tcpHost,
      info: undefined,
      daemons: "serving",
      probeTimeoutMs: 5_000,
      procRoot: emptyProc,
    });
    expect(plain.specs).toHaveLength(1);
    expect(plain.specs[0]?.seen).toEqual({ process: false, api: false });
    expect(plain.warnings.join("\n")).toMatch(/no dockerd process visible here serves/);
    const verdict = evaluateDaemons(plain.specs, defaultPolicy("baseline"));
    expect(verdict.findings.map((f) => f.ruleId)).toEqual(["DW-DMN-001"]);

    const verify = await collectDaemons({
      host: daemon("tls-verify").tcpHost,
      info: undefined,
      daemons: "serving",
      probeTimeoutMs: 5_000,
      procRoot: emptyProc,
    });
    expect(verify.specs[0]?.tcp[0]?.probe?.exposure).toBe("tls-client-auth");
    expect(evaluateDaemons(verify.specs, defaultPolicy("baseline")).findings).toEqual([]);
  });
});
