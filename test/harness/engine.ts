/**
 * Real-engine test harness: one private dockerd (unix socket + TLS tcp listener on loopback),
 * a private sshd on loopback with an `ssh` wrapper, and a busybox image imported from the
 * busybox-static binary. Used from vitest globalSetup and from the harness self-test.
 *
 * Everything lives under ROOT (default `/tmp/dwt-<uid>`, override with DOCKWARD_TEST_ROOT) so a
 * later run can find and clean up what a crashed run left behind.
 */
import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, openSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as http from "node:http";
import * as net from "node:net";
import * as path from "node:path";
import {
  errorMessage,
  exists,
  freePort,
  killLeftovers as killProcesses,
  mentionsRoot,
  type ProcInfo,
  readProc,
  sleep,
  tail,
  terminate,
  unmountUnder,
} from "./processes.js";

export interface EngineHarness {
  /** Short private directory, e.g. /tmp/dwt-0. */
  root: string;
  /** Private dockerd unix socket. */
  socketPath: string;
  /** "unix://" + socketPath. */
  unixHost: string;
  /** "tcp://127.0.0.1:<port>": the same dockerd with --tlsverify. */
  tlsHost: string;
  /** Directory with ca.pem, cert.pem, key.pem (client cert, EKU clientAuth, CN dockward-test). */
  tlsDir: string;
  /** "ssh://root@dwt-sshd": alias defined in the ssh config used by the wrapper in binDir. */
  sshHost: string;
  /** sshHost + socketPath: the remote `docker system dial-stdio` targets the private socket. */
  sshRemoteSocketHost: string;
  /** Directory holding the `ssh` wrapper script; prepend it to PATH. */
  binDir: string;
  /** The wrapper appends one line per ssh process started: "<epoch.ns> <args>". */
  sshLog: string;
  /** "dockward-busybox:test". */
  image: string;
  /** ID from GET /info. */
  daemonId: string;
}

const DOCKERD = "/usr/sbin/dockerd";
const SSHD = "/usr/sbin/sshd";
const SSH = "/usr/bin/ssh";
const SSH_KEYGEN = "/usr/bin/ssh-keygen";
const OPENSSL = "openssl";
const BUSYBOX = "/bin/busybox";
const IMAGE_REPO = "dockward-busybox";
const IMAGE_TAG = "test";
const SSH_ALIAS = "dwt-sshd";
const BUSYBOX_APPLETS = ["sh", "ls", "cat", "echo", "sleep", "id", "nc", "wget", "ps", "true"];
/** Process names (from /proc/PID/comm) the stale-process sweep may kill. */
const SWEEP_COMMS = ["dockerd", "containerd", "containerd-shim", "sshd", "docker", "runc", "ssh"];

const DOCKERD_START_DEADLINE_MS = 60_000;
const SSHD_START_DEADLINE_MS = 15_000;
const STOP_GRACE_MS = 20_000;

// ---------------------------------------------------------------------------------------------
// Layout

interface Layout {
  root: string;
  dataRoot: string;
  execRoot: string;
  socketPath: string;
  dockerdPid: string;
  dockerdLog: string;
  daemonJson: string;
  trustKey: string;
  caDir: string;
  serverTlsDir: string;
  clientTlsDir: string;
  sshDir: string;
  sshdConfig: string;
  sshdPid: string;
  sshdLog: string;
  hostKey: string;
  clientKey: string;
  authorizedKeys: string;
  sshConfig: string;
  knownHosts: string;
  binDir: string;
  sshWrapper: string;
  sshLog: string;
  dockerConfigDir: string;
  rootfsDir: string;
  ownerFile: string;
}

function resolveRoot(): string {
  const override = process.env.DOCKWARD_TEST_ROOT;
  const uid = process.getuid?.() ?? 0;
  const root = override !== undefined && override !== "" ? override : `/tmp/dwt-${uid}`;
  const normalized = path.resolve(root);
  if (!/^\/[A-Za-z0-9._/-]+$/.test(normalized)) {
    throw new Error(
      `test harness root ${JSON.stringify(root)} must be an absolute path of [A-Za-z0-9._/-]`,
    );
  }
  // The root is swept (processes killed, mounts detached, exec-root deleted): refuse obvious
  // system directories.
  if (normalized.split("/").filter((s) => s !== "").length < 2) {
    throw new Error(`test harness root ${normalized} is too shallow; use e.g. /tmp/dwt-0`);
  }
  // sun_path is 108 bytes; containerd adds its own sockets below exec-root.
  if ((normalized + "/exec/containerd/containerd.sock.ttrpc").length >= 100) {
    throw new Error(`test harness root ${normalized} is too long for unix socket paths`);
  }
  return normalized;
}

function layout(root: string): Layout {
  const j = (...p: string[]): string => path.join(root, ...p);
  return {
    root,
    dataRoot: j("data"),
    execRoot: j("exec"),
    socketPath: j("docker.sock"),
    dockerdPid: j("dockerd.pid"),
    dockerdLog: j("dockerd.log"),
    daemonJson: j("daemon.json"),
    trustKey: j("key.json"),
    caDir: j("tls-ca"),
    serverTlsDir: j("tls-server"),
    clientTlsDir: j("tls"),
    sshDir: j("ssh"),
    sshdConfig: j("sshd_config"),
    sshdPid: j("sshd.pid"),
    sshdLog: j("sshd.log"),
    hostKey: j("ssh", "ssh_host_ed25519_key"),
    clientKey: j("ssh", "id_ed25519"),
    authorizedKeys: j("authorized_keys"),
    sshConfig: j("ssh", "config"),
    knownHosts: j("ssh", "known_hosts"),
    binDir: j("bin"),
    sshWrapper: j("bin", "ssh"),
    sshLog: j("ssh.log"),
    dockerConfigDir: j("docker-config"),
    rootfsDir: j("rootfs"),
    ownerFile: j("owner"),
  };
}

interface RunResult {
  stdout: string;
  stderr: string;
}

interface RunOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  input?: string;
}

/** execFile with a readable error (command line, exit status, stderr). */
function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      {
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: "utf8",
      },
      (err, stdout, stderr) => {
        if (err) {
          const status =
            err.killed || err.signal ? `signal ${String(err.signal)}` : `exit ${String(err.code)}`;
          reject(
            new Error(
              `\`${[file, ...args].join(" ")}\` failed (${status}): ${stderr.trim() || err.message}`,
            ),
          );
          return;
        }
        resolve({ stdout, stderr });
      },
    );
    if (options.input !== undefined) {
      child.stdin?.end(options.input);
    }
  });
}

function runBuffer(file: string, args: readonly string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { encoding: "buffer", maxBuffer: 256 * 1024 * 1024, timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`\`${[file, ...args].join(" ")}\` failed: ${stderr.toString().trim()}`));
          return;
        }
        resolve(stdout);
      },
    );
  });
}

interface HttpResult {
  status: number;
  body: Buffer;
}

interface UnixRequestOptions {
  method?: string;
  body?: Buffer;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** One HTTP request over a unix socket, no keep-alive. */
function unixRequest(
  socketPath: string,
  urlPath: string,
  options: UnixRequestOptions = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: "docker", ...options.headers };
    if (options.body !== undefined) headers["Content-Length"] = String(options.body.length);
    const req = http.request(
      {
        socketPath,
        path: urlPath,
        method: options.method ?? "GET",
        headers,
        agent: false,
        timeout: options.timeoutMs ?? 5_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => {
      req.destroy(new Error(`timeout on ${options.method ?? "GET"} ${urlPath} via ${socketPath}`));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

function parseJsonObject(body: Buffer, what: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(body.toString("utf8"));
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${what}: expected a JSON object, got ${body.toString("utf8").slice(0, 200)}`);
  }
  return parsed as Record<string, unknown>;
}

function waitForTcp(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Processes

async function readPidFile(file: string): Promise<number | undefined> {
  try {
    const pid = Number((await fs.readFile(file, "utf8")).trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A containerd 1.6 shim listens on /run/containerd/s/<sha256(address/namespace/id)>, outside
 * ROOT; a SIGKILLed shim leaves that socket behind.
 */
/**
 * A containerd 1.6 shim listens on /run/containerd/s/<sha256(address/namespace/id)>, outside
 * ROOT; a SIGKILLed shim leaves that socket behind.
 */
function shimSocket(info: ProcInfo, root: string): string | undefined {
  if (!info.comm.startsWith("containerd-shim")) return undefined;
  const args = info.cmdline.split(" ");
  const flag = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const ns = flag("-namespace");
  const id = flag("-id");
  const address = flag("-address");
  if (ns === undefined || id === undefined || address === undefined) return undefined;
  if (!address.startsWith(root + "/")) return undefined;
  const digest = createHash("sha256")
    .update(path.join(address, ns, id))
    .digest("hex");
  return path.join("/run/containerd/s", digest);
}

async function killLeftovers(root: string): Promise<void> {
  for (const p of await killProcesses(root, SWEEP_COMMS)) {
    const socket = shimSocket(p, root);
    if (socket !== undefined) await fs.rm(socket, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Cleanup of a previous (possibly crashed) run

async function cleanStale(l: Layout): Promise<void> {
  // Pid files first: a process that still runs with a matching command line is ours.
  const pidFiles = [l.dockerdPid, l.sshdPid, path.join(l.execRoot, "containerd", "containerd.pid")];
  const fromFiles: number[] = [];
  for (const file of pidFiles) {
    const pid = await readPidFile(file);
    if (pid === undefined || pid === process.pid) continue;
    const info = await readProc(pid);
    if (info !== undefined && mentionsRoot(info, l.root)) fromFiles.push(pid);
  }
  // A dockerd that still runs gets a chance to stop its containers and unmount.
  if (fromFiles.length > 0) await killContainers(l.socketPath);
  const survivors = await terminate(fromFiles, fromFiles.length > 0 ? 5_000 : 0);
  if (survivors.length > 0) {
    throw new Error(`stale processes under ${l.root} survived SIGKILL: ${survivors.join(", ")}`);
  }
  await killLeftovers(l.root);

  const stuck = await unmountUnder(l.root);
  if (stuck.length > 0) {
    throw new Error(
      `could not unmount under ${l.root}: ${stuck.join(", ")} (check \`grep ${l.root} /proc/self/mountinfo\`)`,
    );
  }
  // Runtime state only: sockets, pid files, the whole exec-root. data-root is kept.
  await Promise.all([l.socketPath, l.dockerdPid, l.sshdPid].map((f) => fs.rm(f, { force: true })));
  await fs.rm(l.execRoot, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// Certificates

const OPENSSL_CNF = `[req]
distinguished_name = dn
prompt = no

[dn]
CN = dockward-test

[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[client_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

async function genKey(file: string): Promise<void> {
  await run(OPENSSL, [
    "genpkey",
    "-algorithm",
    "EC",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-out",
    file,
  ]);
  await fs.chmod(file, 0o600);
}

async function signLeaf(
  cnf: string,
  caCert: string,
  caKey: string,
  key: string,
  cert: string,
  subject: string,
  extensions: string,
): Promise<void> {
  const csr = cert + ".csr";
  await run(OPENSSL, ["req", "-new", "-config", cnf, "-key", key, "-subj", subject, "-out", csr]);
  await run(OPENSSL, [
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    caCert,
    "-CAkey",
    caKey,
    "-set_serial",
    "0x" + randomBytes(12).toString("hex"),
    "-days",
    "30",
    "-sha256",
    "-extfile",
    cnf,
    "-extensions",
    extensions,
    "-out",
    cert,
  ]);
  await fs.rm(csr, { force: true });
  await fs.chmod(cert, 0o644);
}

/** Fresh CA, server and client certificates every run (ECDSA P-256, a few ms each). */
async function makeCertificates(l: Layout): Promise<void> {
  for (const dir of [l.caDir, l.serverTlsDir, l.clientTlsDir]) {
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  }
  const cnf = path.join(l.caDir, "openssl.cnf");
  await fs.writeFile(cnf, OPENSSL_CNF);
  const caKey = path.join(l.caDir, "ca-key.pem");
  const caCert = path.join(l.caDir, "ca.pem");
  const serverKey = path.join(l.serverTlsDir, "server-key.pem");
  const clientKey = path.join(l.clientTlsDir, "key.pem");
  await Promise.all([genKey(caKey), genKey(serverKey), genKey(clientKey)]);
  await run(OPENSSL, [
    "req",
    "-new",
    "-x509",
    "-config",
    cnf,
    "-extensions",
    "v3_ca",
    "-key",
    caKey,
    "-subj",
    "/CN=dockward-test-ca",
    "-days",
    "30",
    "-sha256",
    "-out",
    caCert,
  ]);
  await fs.chmod(caCert, 0o644);
  await Promise.all([
    signLeaf(
      cnf,
      caCert,
      caKey,
      serverKey,
      path.join(l.serverTlsDir, "server-cert.pem"),
      "/CN=localhost",
      "server_ext",
    ),
    signLeaf(
      cnf,
      caCert,
      caKey,
      clientKey,
      path.join(l.clientTlsDir, "cert.pem"),
      "/CN=dockward-test",
      "client_ext",
    ),
  ]);
  for (const dir of [l.serverTlsDir, l.clientTlsDir]) {
    await fs.copyFile(caCert, path.join(dir, "ca.pem"));
    await fs.chmod(path.join(dir, "ca.pem"), 0o644);
  }
}

// ---------------------------------------------------------------------------------------------
// dockerd

let dockerdChild: ChildProcess | undefined;
let sshdChild: ChildProcess | undefined;

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith("DOCKER_") || k === "NOTIFY_SOCKET") continue;
    env[k] = v;
  }
  const basePath = env.PATH ?? "";
  const parts = basePath.split(":").filter((s) => s !== "");
  for (const p of ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]) {
    if (!parts.includes(p)) parts.push(p);
  }
  env.PATH = parts.join(":");
  return { ...env, ...extra };
}

async function rotateLog(file: string): Promise<void> {
  try {
    await fs.rename(file, file + ".prev");
  } catch {
    // no previous log
  }
}

interface ExitInfo {
  exited: boolean;
  description: string;
}

function spawnLogged(file: string, args: readonly string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, "a", 0o644);
  try {
    const child = spawn(file, args, {
      stdio: ["ignore", fd, fd],
      env: cleanEnv(),
      detached: false,
    });
    child.unref();
    return child;
  } finally {
    closeSync(fd);
  }
}

function watchExit(child: ChildProcess): ExitInfo {
  const info: ExitInfo = { exited: false, description: "" };
  child.once("exit", (code, sig) => {
    info.exited = true;
    info.description = sig !== null ? `killed by ${sig}` : `exit code ${String(code)}`;
  });
  child.once("error", (err) => {
    info.exited = true;
    info.description = `could not start: ${err.message}`;
  });
  return info;
}

async function startDockerd(l: Layout, tlsPort: number): Promise<void> {
  await fs.mkdir(l.dataRoot, { recursive: true, mode: 0o710 });
  await fs.mkdir(l.execRoot, { recursive: true, mode: 0o700 });
  // Our own daemon.json so /etc/docker/daemon.json cannot interfere. 20.10 derives the daemon
  // ID from the trust key; its default /etc/docker/key.json would be shared with any other
  // dockerd on the machine (same ID for different daemons). The key path has no CLI flag in
  // 20.10, only this daemon.json key.
  await fs.writeFile(l.daemonJson, JSON.stringify({ "deprecated-key-path": l.trustKey }) + "\n");
  await rotateLog(l.dockerdLog);
  const args = [
    "--config-file",
    l.daemonJson,
    "--data-root",
    l.dataRoot,
    "--exec-root",
    l.execRoot,
    "--pidfile",
    l.dockerdPid,
    "-H",
    `unix://${l.socketPath}`,
    "-H",
    `tcp://127.0.0.1:${tlsPort}`,
    "--tlsverify",
    "--tlscacert",
    path.join(l.serverTlsDir, "ca.pem"),
    "--tlscert",
    path.join(l.serverTlsDir, "server-cert.pem"),
    "--tlskey",
    path.join(l.serverTlsDir, "server-key.pem"),
    "--bridge=none",
    "--iptables=false",
    "--ip-masq=false",
  ];
  const child = spawnLogged(DOCKERD, args, l.dockerdLog);
  dockerdChild = child;
  const exit = watchExit(child);

  const deadline = Date.now() + DOCKERD_START_DEADLINE_MS;
  let lastError = "no attempt yet";
  while (Date.now() < deadline) {
    if (exit.exited) break;
    try {
      const res = await unixRequest(l.socketPath, "/_ping", { timeoutMs: 2_000 });
      if (res.status === 200) return;
      lastError = `HTTP ${res.status}: ${res.body.toString("utf8").slice(0, 200)}`;
    } catch (err) {
      lastError = errorMessage(err);
    }
    await sleep(100);
  }
  const state = exit.exited
    ? `dockerd ${exit.description}`
    : `dockerd still running after ${DOCKERD_START_DEADLINE_MS / 1000} s`;
  if (child.pid !== undefined) await terminate([child.pid], 2_000);
  throw new Error(
    `private dockerd did not answer GET /_ping on unix://${l.socketPath} (${state}; last error: ${lastError}).\n` +
      `Check: ${DOCKERD} exists and runs as root, containerd/runc are on PATH, nothing else uses ` +
      `--data-root ${l.dataRoot} (delete it to start from scratch), TCP port ${tlsPort} was free; ` +
      `full log: ${l.dockerdLog}.\n` +
      `Last 30 lines of ${l.dockerdLog}:\n${await tail(l.dockerdLog, 30)}`,
  );
}

async function stopDockerd(l: Layout, graceMs: number): Promise<void> {
  const pids = new Set<number>();
  const fromFile = await readPidFile(l.dockerdPid);
  if (fromFile !== undefined) {
    const info = await readProc(fromFile);
    if (info !== undefined && mentionsRoot(info, l.root)) pids.add(fromFile);
  }
  if (dockerdChild?.pid !== undefined && dockerdChild.exitCode === null) {
    pids.add(dockerdChild.pid);
  }
  dockerdChild = undefined;
  await terminate([...pids], graceMs);
}

// ---------------------------------------------------------------------------------------------
// Image

async function imageExists(socketPath: string): Promise<boolean> {
  const res = await unixRequest(socketPath, `/images/${IMAGE_REPO}:${IMAGE_TAG}/json`);
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw new Error(`GET /images/${IMAGE_REPO}:${IMAGE_TAG}/json: HTTP ${res.status}`);
}

async function importBusybox(l: Layout): Promise<void> {
  await fs.rm(l.rootfsDir, { recursive: true, force: true });
  const bin = path.join(l.rootfsDir, "bin");
  await fs.mkdir(bin, { recursive: true });
  for (const dir of ["etc", "tmp", "proc", "sys", "dev"]) {
    await fs.mkdir(path.join(l.rootfsDir, dir), { recursive: true });
  }
  await fs.chmod(path.join(l.rootfsDir, "tmp"), 0o1777);
  await fs.copyFile(BUSYBOX, path.join(bin, "busybox"));
  await fs.chmod(path.join(bin, "busybox"), 0o755);
  for (const applet of BUSYBOX_APPLETS) {
    await fs.symlink("busybox", path.join(bin, applet));
  }
  const tarball = await runBuffer("tar", [
    "-C",
    l.rootfsDir,
    "--numeric-owner",
    "--owner=0",
    "--group=0",
    "-c",
    ".",
  ]);
  await fs.rm(l.rootfsDir, { recursive: true, force: true });
  const res = await unixRequest(
    l.socketPath,
    `/images/create?fromSrc=-&repo=${IMAGE_REPO}&tag=${IMAGE_TAG}`,
    {
      method: "POST",
      body: tarball,
      headers: { "Content-Type": "application/x-tar" },
      timeoutMs: 60_000,
    },
  );
  const text = res.body.toString("utf8");
  if (res.status !== 200 || text.includes('"error"')) {
    throw new Error(`importing ${IMAGE_REPO}:${IMAGE_TAG} failed: HTTP ${res.status} ${text}`);
  }
  if (!(await imageExists(l.socketPath))) {
    throw new Error(`imported ${IMAGE_REPO}:${IMAGE_TAG} but GET /images/…/json says 404: ${text}`);
  }
}

// ---------------------------------------------------------------------------------------------
// sshd and the ssh wrapper

async function ensureKey(file: string, comment: string): Promise<void> {
  if ((await exists(file)) && (await exists(file + ".pub"))) return;
  await fs.rm(file, { force: true });
  await fs.rm(file + ".pub", { force: true });
  await run(SSH_KEYGEN, ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
  await fs.chmod(file, 0o600);
}

async function writeSshFiles(l: Layout, sshPort: number): Promise<void> {
  await fs.mkdir(l.sshDir, { recursive: true, mode: 0o700 });
  await fs.chmod(l.sshDir, 0o700);
  await fs.mkdir(l.binDir, { recursive: true, mode: 0o755 });
  // sshd's privilege separation directory.
  await fs.mkdir("/run/sshd", { recursive: true, mode: 0o755 });

  await ensureKey(l.hostKey, "dwt-sshd-host");
  await ensureKey(l.clientKey, "dockward-test");
  const hostPub = (await fs.readFile(l.hostKey + ".pub", "utf8")).trim().split(" ");
  const clientPub = (await fs.readFile(l.clientKey + ".pub", "utf8")).trim();

  await fs.writeFile(l.authorizedKeys, clientPub + "\n", { mode: 0o600 });
  await fs.writeFile(
    l.knownHosts,
    `[127.0.0.1]:${sshPort} ${hostPub[0] ?? ""} ${hostPub[1] ?? ""}\n`,
    { mode: 0o600 },
  );
  await fs.writeFile(
    l.sshdConfig,
    [
      `Port ${sshPort}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${l.hostKey}`,
      `PidFile ${l.sshdPid}`,
      `AuthorizedKeysFile ${l.authorizedKeys}`,
      "PubkeyAuthentication yes",
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "PermitUserEnvironment no",
      "X11Forwarding no",
      "AllowAgentForwarding no",
      "PrintMotd no",
      "LogLevel VERBOSE",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  await fs.writeFile(
    l.sshConfig,
    [
      `Host ${SSH_ALIAS}`,
      "  HostName 127.0.0.1",
      `  Port ${sshPort}`,
      "  User root",
      `  IdentityFile ${l.clientKey}`,
      "  IdentitiesOnly yes",
      `  UserKnownHostsFile ${l.knownHosts}`,
      "  GlobalKnownHostsFile /dev/null",
      "  StrictHostKeyChecking yes",
      "  UpdateHostKeys no",
      "  BatchMode yes",
      "  LogLevel ERROR",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  // The paths are validated to [A-Za-z0-9._/-], so single quotes are safe.
  await fs.writeFile(
    l.sshWrapper,
    [
      "#!/bin/bash",
      `printf '%s %s\\n' "$(date +%s.%N)" "$*" >> '${l.sshLog}'`,
      `exec ${SSH} -F '${l.sshConfig}' "$@"`,
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  await fs.chmod(l.sshWrapper, 0o755);
  await fs.writeFile(l.sshLog, "", { flag: "a" });
}

async function startSshd(l: Layout, sshPort: number): Promise<void> {
  await writeSshFiles(l, sshPort);
  try {
    await run(SSHD, ["-t", "-f", l.sshdConfig]);
  } catch (err) {
    throw new Error(
      `sshd rejected ${l.sshdConfig}: ${errorMessage(err)}\nConfig:\n${await fs.readFile(l.sshdConfig, "utf8")}`,
    );
  }
  await rotateLog(l.sshdLog);
  const child = spawnLogged(SSHD, ["-D", "-e", "-f", l.sshdConfig], l.sshdLog);
  sshdChild = child;
  const exit = watchExit(child);
  const deadline = Date.now() + SSHD_START_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (exit.exited) break;
    if (await waitForTcp(sshPort, 1_000)) return;
    await sleep(50);
  }
  const state = exit.exited ? `sshd ${exit.description}` : "sshd still running";
  if (child.pid !== undefined) await terminate([child.pid], 2_000);
  throw new Error(
    `private sshd did not accept TCP on 127.0.0.1:${sshPort} (${state}). ` +
      `Check ${SSHD}, /run/sshd, the port. Last 30 lines of ${l.sshdLog}:\n${await tail(l.sshdLog, 30)}`,
  );
}

async function stopSshd(l: Layout, graceMs: number): Promise<void> {
  const pids = new Set<number>();
  const fromFile = await readPidFile(l.sshdPid);
  if (fromFile !== undefined) {
    const info = await readProc(fromFile);
    if (info !== undefined && mentionsRoot(info, l.root)) pids.add(fromFile);
  }
  if (sshdChild?.pid !== undefined && sshdChild.exitCode === null) pids.add(sshdChild.pid);
  sshdChild = undefined;
  await terminate([...pids], graceMs);
}

async function verifySshRoute(l: Layout, sshRemoteSocketHost: string, want: string): Promise<void> {
  const env = cleanEnv({ DOCKER_CONFIG: l.dockerConfigDir });
  env.PATH = `${l.binDir}:${env.PATH ?? ""}`;
  await fs.mkdir(l.dockerConfigDir, { recursive: true, mode: 0o700 });
  let out: string;
  try {
    out = (
      await run(
        "docker",
        ["-H", sshRemoteSocketHost, "version", "--format", "{{.Server.Version}}"],
        { env, timeoutMs: 60_000 },
      )
    ).stdout.trim();
  } catch (err) {
    throw new Error(
      `docker over ssh (${sshRemoteSocketHost}) failed: ${errorMessage(err)}\n` +
        `Check ${l.sshConfig}, ${l.knownHosts}, ${l.sshLog}. Last 30 lines of ${l.sshdLog}:\n` +
        (await tail(l.sshdLog, 30)),
    );
  }
  if (out !== want) {
    throw new Error(
      `docker over ssh (${sshRemoteSocketHost}) printed server version ${JSON.stringify(out)}, ` +
        `expected ${JSON.stringify(want)}. Last 30 lines of ${l.sshdLog}:\n${await tail(l.sshdLog, 30)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Ownership: one live test process per ROOT

/** "pid starttime": the start time tells a live owner from a recycled pid. */
async function processIdentity(pid: number): Promise<string | undefined> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Field 22 of /proc/PID/stat (starttime) is index 19 after "pid (comm)".
    const start = fields[19];
    return start === undefined ? undefined : `${pid} ${start}`;
  } catch {
    return undefined;
  }
}

/**
 * Refuse to sweep a ROOT that another live process is using (two concurrent test runs would
 * otherwise kill each other's engine), then record this process as the owner.
 */
async function claimRoot(l: Layout): Promise<void> {
  let recorded = "";
  try {
    recorded = (await fs.readFile(l.ownerFile, "utf8")).trim();
  } catch {
    // no owner yet
  }
  const pid = Number(recorded.split(" ")[0]);
  if (Number.isInteger(pid) && pid > 1 && pid !== process.pid) {
    const current = await processIdentity(pid);
    if (current !== undefined && current === recorded) {
      const cmdline = (await readProc(pid))?.cmdline ?? "?";
      throw new Error(
        `${l.root} is in use by another live test process (pid ${pid}: ${cmdline.slice(0, 200)}). ` +
          `Wait for it to finish, or set DOCKWARD_TEST_ROOT to another short directory.`,
      );
    }
  }
  const self = await processIdentity(process.pid);
  await fs.writeFile(l.ownerFile, (self ?? String(process.pid)) + "\n");
}

// ---------------------------------------------------------------------------------------------
// Public API

export async function startHarness(): Promise<EngineHarness> {
  const l = layout(resolveRoot());
  await fs.mkdir(l.root, { recursive: true, mode: 0o755 });
  await claimRoot(l);
  await cleanStale(l);

  const [tlsPort, sshPort] = await Promise.all([freePort(), freePort()]);
  await makeCertificates(l);

  try {
    await startDockerd(l, tlsPort);
  } catch (first) {
    // A data-root damaged by a crash can keep dockerd from starting: start once more from an
    // empty one before giving up.
    if (!(await exists(l.dataRoot))) throw first;
    await cleanStale(l);
    await fs.rm(l.dataRoot, { recursive: true, force: true });
    try {
      await startDockerd(l, tlsPort);
    } catch (second) {
      throw new Error(
        `${errorMessage(second)}\n(A first attempt with the old data-root failed too: ${errorMessage(first)})`,
      );
    }
  }

  try {
    if (!(await imageExists(l.socketPath))) await importBusybox(l);

    const info = parseJsonObject((await unixRequest(l.socketPath, "/info")).body, "GET /info");
    const daemonId = info.ID;
    if (typeof daemonId !== "string" || daemonId === "") {
      throw new Error(`GET /info has no ID`);
    }
    const version = parseJsonObject(
      (await unixRequest(l.socketPath, "/version")).body,
      "GET /version",
    );
    const serverVersion = typeof version.Version === "string" ? version.Version : "";

    await startSshd(l, sshPort);
    const sshHost = `ssh://root@${SSH_ALIAS}`;
    const sshRemoteSocketHost = sshHost + l.socketPath;
    await verifySshRoute(l, sshRemoteSocketHost, serverVersion);

    return {
      root: l.root,
      socketPath: l.socketPath,
      unixHost: `unix://${l.socketPath}`,
      tlsHost: `tcp://127.0.0.1:${tlsPort}`,
      tlsDir: l.clientTlsDir,
      sshHost,
      sshRemoteSocketHost,
      binDir: l.binDir,
      sshLog: l.sshLog,
      image: `${IMAGE_REPO}:${IMAGE_TAG}`,
      daemonId,
    };
  } catch (err) {
    await stopHarness().catch(() => undefined);
    throw err;
  }
}

/**
 * SIGKILL running containers through the API so dockerd's own shutdown does not wait its
 * default 10 s stop timeout per container (busybox `sleep` as PID 1 ignores SIGTERM).
 */
async function killContainers(socketPath: string): Promise<void> {
  let ids: string[];
  try {
    const res = await unixRequest(socketPath, "/containers/json", { timeoutMs: 5_000 });
    if (res.status !== 200) return;
    const list: unknown = JSON.parse(res.body.toString("utf8"));
    if (!Array.isArray(list)) return;
    ids = list
      .map((c: unknown) =>
        typeof c === "object" && c !== null && "Id" in c && typeof c.Id === "string" ? c.Id : "",
      )
      .filter((id) => /^[0-9a-f]{64}$/.test(id));
  } catch {
    return; // no daemon answering: nothing to do here
  }
  await Promise.all(
    ids.map((id) =>
      unixRequest(socketPath, `/containers/${id}/kill`, {
        method: "POST",
        timeoutMs: 10_000,
      }).catch(() => undefined),
    ),
  );
}

export async function stopHarness(): Promise<void> {
  const l = layout(resolveRoot());
  if (!(await exists(l.root))) return;
  await killContainers(l.socketPath);
  await Promise.all([stopSshd(l, STOP_GRACE_MS), stopDockerd(l, STOP_GRACE_MS)]);
  await killLeftovers(l.root);
  await unmountUnder(l.root);
  await Promise.all(
    [l.socketPath, l.dockerdPid, l.sshdPid, l.ownerFile].map((f) => fs.rm(f, { force: true })),
  );
}
