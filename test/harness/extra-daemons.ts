/**
 * Extra private dockerds for the daemon-exposure tests, one per variant of TCP exposure:
 *
 * - "plain":        `-H tcp://127.0.0.1:P`, no TLS at all (anyone who reaches it is root);
 * - "tls-noverify": TLS with NO client authentication. On dockerd 20.10+ `--tls` alone is
 *                   NOT that: without `--tlsverify` given, client certificates are required
 *                   (and without --tlscacert the daemon dies: ~/.docker/ca.pem not found). Only
 *                   an explicit `--tlsverify=false` turns client authentication off;
 * - "tls-verify":   `--tlsverify --tlscacert …`: client certificates required;
 * - "tls-only":     `--tls --tlscacert …` and no --tlsverify, to show that this too requires
 *                   client certificates (not in EXTRA_DAEMON_VARIANTS; start it by name).
 * - "authz":        like "tls-verify", plus `--authorization-plugin=NAME` (authzPluginName()).
 *                   Not in EXTRA_DAEMON_VARIANTS: the plugin must listen on
 *                   /run/docker/plugins/NAME.sock BEFORE the daemon starts (dockerd looks for it
 *                   for ~15 s, then exits), and its test owns it. /run/docker/plugins is shared
 *                   by every dockerd on the host, so NAME, and this variant's ROOT with it, are
 *                   derived from the test root: parallel runs with their own
 *                   DOCKWARD_TEST_ROOT do not meet.
 *
 * Each daemon owns ROOT = /tmp/dwp-<variant>: data-root, exec-root, pidfile, its own
 * daemon.json (with its own trust key, so daemon IDs differ), a unix socket, certificates
 * (made with the openssl CLI) and its log. Nothing outside ROOT is touched, and a later run
 * cleans up what a crashed one left (processes that name ROOT, mounts under ROOT).
 *
 * The flags are spelled differently per variant (`-H x`, `--host=x`, `-Hx`, `--tlsverify=false`)
 * on purpose: the audit reads real command lines.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, openSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as http from "node:http";
import * as path from "node:path";
import {
  errorMessage,
  exists,
  freePort,
  killLeftovers as killProcesses,
  mentionsRoot,
  readProc,
  sleep,
  tail,
  terminate,
  unmountUnder as unmountAll,
} from "./processes.js";

export type ExtraDaemonVariant = "plain" | "tls-noverify" | "tls-verify" | "tls-only" | "authz";

export const EXTRA_DAEMON_VARIANTS: readonly ExtraDaemonVariant[] = [
  "plain",
  "tls-noverify",
  "tls-verify",
];

export interface ExtraDaemon {
  variant: ExtraDaemonVariant;
  root: string;
  pid: number;
  /** dockerd's argv as started (argv[0] included) */
  argv: string[];
  configFile: string;
  socketPath: string;
  tcpPort: number;
  /** "tcp://127.0.0.1:<port>" */
  tcpHost: string;
  logFile: string;
  /** the server certificate's SANs as openssl was asked for them (TLS variants) */
  serverSans: string[];
  /** server key algorithm: "rsa" (2048) for tls-noverify, "ec" (P-256) for the others */
  serverKeyType: "rsa" | "ec" | undefined;
  /** the CA that signed the server certificate (TLS variants) */
  caFile: string | undefined;
  /** ca.pem, cert.pem, key.pem of a client certificate the daemon accepts (tls-verify) */
  clientTlsDir: string | undefined;
  /** ms from spawn until GET /_ping answered 200 on the unix socket */
  startMs: number;
}

const DOCKERD = "/usr/sbin/dockerd";
const OPENSSL = "openssl";
const START_DEADLINE_MS = 60_000;
const STOP_GRACE_MS = 20_000;
/** /proc/PID/comm values the sweep may kill when their command line names ROOT. */
const SWEEP_COMMS = ["dockerd", "containerd", "runc", "docker-proxy"];

export function extraDaemonRoot(variant: ExtraDaemonVariant): string {
  if (variant === "authz") return `/tmp/dwp-${authzPluginName()}`;
  return `/tmp/dwp-${variant}`;
}

/** The authorization plugin the "authz" variant names: one per test root (see the top). */
export function authzPluginName(): string {
  const override = process.env.DOCKWARD_TEST_ROOT;
  const root = path.resolve(
    override !== undefined && override !== "" ? override : `/tmp/dwt-${process.getuid?.() ?? 0}`,
  );
  return `dwt-authz-${createHash("sha256").update(root).digest("hex").slice(0, 10)}`;
}

interface Layout {
  root: string;
  dataRoot: string;
  execRoot: string;
  pidFile: string;
  socketPath: string;
  configFile: string;
  trustKey: string;
  logFile: string;
  ownerFile: string;
  tlsDir: string;
  clientTlsDir: string;
}

function layout(variant: ExtraDaemonVariant): Layout {
  const root = extraDaemonRoot(variant);
  const j = (...p: string[]): string => path.join(root, ...p);
  return {
    root,
    dataRoot: j("data"),
    execRoot: j("exec"),
    pidFile: j("dockerd.pid"),
    socketPath: j("docker.sock"),
    configFile: j("daemon.json"),
    trustKey: j("key.json"),
    logFile: j("dockerd.log"),
    ownerFile: j("owner"),
    tlsDir: j("tls-server"),
    clientTlsDir: j("tls-client"),
  };
}

function run(file: string, args: readonly string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          reject(
            new Error(`\`${[file, ...args].join(" ")}\` failed: ${stderr.trim() || err.message}`),
          );
          return;
        }
        resolve(stdout);
      },
    );
  });
}

function unixPing(socketPath: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, path: "/_ping", headers: { Host: "docker" }, agent: false, timeout: timeoutMs },
      (res) => {
        res.resume();
        res.on("end", () => {
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout on GET /_ping via ${socketPath}`)));
    req.on("error", reject);
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// Processes

// ---------------------------------------------------------------------------------------------
// Ownership: one live test process per ROOT

async function claimRoot(l: Layout): Promise<void> {
  let recorded = "";
  try {
    recorded = (await fs.readFile(l.ownerFile, "utf8")).trim();
  } catch {
    // no owner yet
  }
  const [pidText, start] = recorded.split(" ");
  const pid = Number(pidText);
  if (Number.isInteger(pid) && pid > 1 && pid !== process.pid) {
    const info = await readProc(pid);
    if (info !== undefined && info.startTime === start) {
      throw new Error(
        `${l.root} is in use by another live process (pid ${pid}: ${info.cmdline.slice(0, 200)})`,
      );
    }
  }
}

async function recordOwner(l: Layout): Promise<void> {
  const self = await readProc(process.pid);
  await fs.writeFile(l.ownerFile, `${process.pid} ${self?.startTime ?? ""}\n`);
}

/** Stop the dockerd of ROOT's pid file (gracefully), then anything else left under ROOT. */
async function sweep(l: Layout, graceMs: number): Promise<void> {
  const pids: number[] = [];
  try {
    const pid = Number((await fs.readFile(l.pidFile, "utf8")).trim());
    const info = Number.isInteger(pid) && pid > 1 ? await readProc(pid) : undefined;
    if (info?.comm === "dockerd" && mentionsRoot(info, l.root)) pids.push(pid);
  } catch {
    // no pid file
  }
  const survivors = await terminate(pids, graceMs);
  if (survivors.length > 0) throw new Error(`dockerd ${survivors.join(", ")} survived SIGKILL`);
  await killLeftovers(l.root);
  await unmountUnder(l.root);
}

// ---------------------------------------------------------------------------------------------
// Certificates (openssl CLI)

const OPENSSL_CNF = `[req]
distinguished_name = dn
prompt = no

[dn]
CN = dwp-test

[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $ENV::DWP_SANS
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[client_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

async function genKey(file: string, type: "rsa" | "ec"): Promise<void> {
  const algorithm =
    type === "rsa"
      ? ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
      : ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
  await run(OPENSSL, ["genpkey", ...algorithm, "-out", file]);
  await fs.chmod(file, 0o400);
}

function openssl(args: readonly string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      OPENSSL,
      args,
      { env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) {
          reject(
            new Error(`\`openssl ${args.join(" ")}\` failed: ${stderr.trim() || err.message}`),
          );
          return;
        }
        resolve(stdout);
      },
    );
  });
}

/**
 * A CA, a server certificate with `sans`, and (optionally) a client certificate, with Docker's
 * file names: ca.pem, server-cert.pem, server-key.pem; client: ca.pem, cert.pem, key.pem.
 */
async function makeCertificates(
  l: Layout,
  variant: ExtraDaemonVariant,
  keyType: "rsa" | "ec",
  sans: readonly string[],
  withClient: boolean,
): Promise<void> {
  await fs.mkdir(l.tlsDir, { recursive: true, mode: 0o700 });
  const cnf = path.join(l.tlsDir, "openssl.cnf");
  await fs.writeFile(cnf, OPENSSL_CNF);
  const env = { DWP_SANS: sans.join(",") };
  const caKey = path.join(l.tlsDir, "ca-key.pem");
  const ca = path.join(l.tlsDir, "ca.pem");
  const serverKey = path.join(l.tlsDir, "server-key.pem");
  const serverCsr = path.join(l.tlsDir, "server.csr");
  await Promise.all([genKey(caKey, keyType), genKey(serverKey, keyType)]);
  await openssl(
    [
      ...["req", "-new", "-x509", "-config", cnf, "-extensions", "v3_ca", "-key", caKey],
      ...["-subj", `/CN=dwp-${variant}-ca`, "-days", "7", "-sha256", "-out", ca],
    ],
    env,
  );
  const sign = async (csr: string, out: string, extensions: string): Promise<void> => {
    await openssl(
      [
        ...["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", caKey, "-CAcreateserial"],
        ...["-days", "7", "-sha256", "-extfile", cnf, "-extensions", extensions, "-out", out],
      ],
      env,
    );
    await fs.chmod(out, 0o444);
  };
  await openssl(
    ["req", "-new", "-config", cnf, "-key", serverKey, "-subj", "/CN=localhost", "-out", serverCsr],
    env,
  );
  await sign(serverCsr, path.join(l.tlsDir, "server-cert.pem"), "server_ext");
  if (!withClient) return;
  await fs.mkdir(l.clientTlsDir, { recursive: true, mode: 0o700 });
  const clientKey = path.join(l.clientTlsDir, "key.pem");
  const clientCsr = path.join(l.clientTlsDir, "client.csr");
  await genKey(clientKey, keyType);
  await openssl(
    [
      "req",
      "-new",
      "-config",
      cnf,
      "-key",
      clientKey,
      "-subj",
      "/CN=dwp-client",
      "-out",
      clientCsr,
    ],
    env,
  );
  await sign(clientCsr, path.join(l.clientTlsDir, "cert.pem"), "client_ext");
  await fs.copyFile(ca, path.join(l.clientTlsDir, "ca.pem"));
}

// ---------------------------------------------------------------------------------------------
// dockerd

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith("DOCKER_") || k === "NOTIFY_SOCKET") continue;
    env[k] = v;
  }
  const parts = (env.PATH ?? "").split(":").filter((s) => s !== "");
  for (const p of ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]) {
    if (!parts.includes(p)) parts.push(p);
  }
  env.PATH = parts.join(":");
  return env;
}

function variantArgs(
  variant: ExtraDaemonVariant,
  l: Layout,
  port: number,
): { args: string[]; sans: string[]; keyType: "rsa" | "ec" | undefined } {
  const tcp = `tcp://127.0.0.1:${port}`;
  const cert = path.join(l.tlsDir, "server-cert.pem");
  const key = path.join(l.tlsDir, "server-key.pem");
  switch (variant) {
    case "plain":
      return { args: ["-H", tcp], sans: [], keyType: undefined };
    case "tls-noverify":
      return {
        args: [
          `--host=${tcp}`,
          "--tls",
          "--tlsverify=false",
          `--tlscert=${cert}`,
          `--tlskey=${key}`,
        ],
        sans: ["DNS:localhost", "DNS:dwp-tls-noverify.test", "IP:127.0.0.1"],
        keyType: "rsa",
      };
    case "tls-verify":
      return {
        args: [
          `-H${tcp}`,
          "--tlsverify",
          ...["--tlscacert", path.join(l.tlsDir, "ca.pem"), "--tlscert", cert, "--tlskey", key],
        ],
        sans: ["DNS:localhost", "DNS:dwp-tls-verify.test", "IP:127.0.0.1", "IP:::1"],
        keyType: "ec",
      };
    case "authz":
      return {
        args: [
          ...["-H", tcp, "--tlsverify", "--tlscacert", path.join(l.tlsDir, "ca.pem")],
          ...["--tlscert", cert, "--tlskey", key, `--authorization-plugin=${authzPluginName()}`],
        ],
        sans: ["DNS:localhost", "IP:127.0.0.1"],
        keyType: "ec",
      };
    case "tls-only":
      return {
        args: [
          ...["-H", tcp, "--tls", "--tlscacert", path.join(l.tlsDir, "ca.pem")],
          ...["--tlscert", cert, "--tlskey", key],
        ],
        sans: ["DNS:localhost", "IP:127.0.0.1"],
        keyType: "ec",
      };
  }
}

/** Start one extra dockerd; a previous run's leftovers under its ROOT are cleaned first. */
export async function startExtraDaemon(variant: ExtraDaemonVariant): Promise<ExtraDaemon> {
  const l = layout(variant);
  await fs.mkdir(l.root, { recursive: true, mode: 0o755 });
  await claimRoot(l);
  await sweep(l, 5_000);
  await fs.rm(l.root, { recursive: true, force: true });
  await fs.mkdir(l.root, { recursive: true, mode: 0o755 });
  await recordOwner(l);
  await fs.mkdir(l.dataRoot, { recursive: true, mode: 0o710 });
  await fs.mkdir(l.execRoot, { recursive: true, mode: 0o700 });

  const port = await freePort();
  const { args: exposure, sans, keyType } = variantArgs(variant, l, port);
  if (keyType !== undefined) {
    const withClient = variant === "tls-verify" || variant === "authz";
    await makeCertificates(l, variant, keyType, sans, withClient);
  }
  // 20.10 derives the daemon ID from this trust key; the default /etc/docker/key.json would
  // give every private daemon the same ID.
  await fs.writeFile(l.configFile, JSON.stringify({ "deprecated-key-path": l.trustKey }) + "\n");
  const argv = [
    DOCKERD,
    "--config-file",
    l.configFile,
    "--data-root",
    l.dataRoot,
    "--exec-root",
    l.execRoot,
    "--pidfile",
    l.pidFile,
    "--host",
    `unix://${l.socketPath}`,
    ...exposure,
    "--bridge=none",
    "--iptables=false",
    "--ip-masq=false",
  ];

  const fd = openSync(l.logFile, "a", 0o644);
  const started = Date.now();
  let child: ChildProcess;
  try {
    child = spawn(DOCKERD, argv.slice(1), { stdio: ["ignore", fd, fd], env: cleanEnv() });
  } finally {
    closeSync(fd);
  }
  child.unref();
  let exited: string | undefined;
  child.once("exit", (code, sig) => {
    exited = sig !== null ? `killed by ${sig}` : `exit code ${String(code)}`;
  });
  child.once("error", (err) => {
    exited = `could not start: ${err.message}`;
  });

  let lastError = "no attempt yet";
  while (Date.now() - started < START_DEADLINE_MS && exited === undefined) {
    try {
      const status = await unixPing(l.socketPath, 2_000);
      if (status === 200 && child.pid !== undefined) {
        return {
          variant,
          root: l.root,
          pid: child.pid,
          argv,
          configFile: l.configFile,
          socketPath: l.socketPath,
          tcpPort: port,
          tcpHost: `tcp://127.0.0.1:${port}`,
          logFile: l.logFile,
          serverSans: sans,
          serverKeyType: keyType,
          caFile: keyType === undefined ? undefined : path.join(l.tlsDir, "ca.pem"),
          clientTlsDir:
            variant === "tls-verify" || variant === "authz" ? l.clientTlsDir : undefined,
          startMs: Date.now() - started,
        };
      }
      lastError = `HTTP ${status}`;
    } catch (err) {
      lastError = errorMessage(err);
    }
    await sleep(50);
  }
  const state = exited ?? `still running after ${START_DEADLINE_MS / 1000} s`;
  await stopExtraDaemon(variant).catch(() => undefined);
  throw new Error(
    `extra dockerd "${variant}" did not answer GET /_ping on ${l.socketPath} (${state}; last error: ${lastError}).\n` +
      `argv: ${argv.join(" ")}\nLast 30 lines of ${l.logFile}:\n${await tail(l.logFile, 30)}`,
  );
}

/**
 * Stop one extra dockerd: SIGTERM, wait, SIGKILL; then kill what is left under ROOT
 * (containerd, shims) and unmount whatever is still mounted there. Safe to call twice.
 */
export async function stopExtraDaemon(variant: ExtraDaemonVariant): Promise<void> {
  const l = layout(variant);
  if (!(await exists(l.root))) return;
  await sweep(l, STOP_GRACE_MS);
  await Promise.all([l.socketPath, l.pidFile, l.ownerFile].map((f) => fs.rm(f, { force: true })));
}

/** Start several variants in parallel; if one fails, the others are stopped again. */
export async function startExtraDaemons(
  variants: readonly ExtraDaemonVariant[] = EXTRA_DAEMON_VARIANTS,
): Promise<Map<ExtraDaemonVariant, ExtraDaemon>> {
  const results = await Promise.allSettled(variants.map((v) => startExtraDaemon(v)));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed.length > 0) {
    await stopExtraDaemons(variants);
    throw new Error(failed.map((f) => errorMessage(f.reason)).join("\n\n"));
  }
  const daemons = new Map<ExtraDaemonVariant, ExtraDaemon>();
  for (const r of results) if (r.status === "fulfilled") daemons.set(r.value.variant, r.value);
  return daemons;
}

export async function stopExtraDaemons(
  variants: readonly ExtraDaemonVariant[] = EXTRA_DAEMON_VARIANTS,
): Promise<void> {
  const results = await Promise.allSettled(variants.map((v) => stopExtraDaemon(v)));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed.length > 0) throw new Error(failed.map((f) => errorMessage(f.reason)).join("\n"));
}

async function killLeftovers(root: string): Promise<void> {
  await killProcesses(root, SWEEP_COMMS);
}

async function unmountUnder(root: string): Promise<void> {
  const stuck = await unmountAll(root);
  if (stuck.length > 0) throw new Error(`could not unmount under ${root}: ${stuck.join(", ")}`);
}

export { freePort };
