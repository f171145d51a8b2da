import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import { dirname, join } from "node:path";
import type * as tls from "node:tls";
import { DockwardError, errorMessage, errorReason, systemErrorCode } from "../../errors.js";
import { identityFromCertificate } from "./identity.js";
import type {
  Identity,
  ListenerAddress,
  ListenerSpec,
  TcpListenerSpec,
  UnixListenerSpec,
} from "./types.js";

/**
 * The guard's front doors. A tcp listener is mutual TLS and nothing else (TLS 1.2+, a client
 * certificate from the given CA with clientAuth); a unix listener's identity is fixed, and its
 * file mode and group decide who may connect.
 */

/** node:http settings shared by every listener. */
const HTTP_OPTIONS = {
  // X-Registry-Auth / X-Registry-Config (every registry's credentials, base64) outgrow Node's 16 KiB
  maxHeaderSize: 64 * 1024,
  // an upload (build context, image tarball) may take as long as it takes: no whole-request timer
  requestTimeout: 0,
  headersTimeout: 60_000,
  keepAliveTimeout: 5_000,
  // Host is replaced for the upstream anyway; HTTP/1.0 clients need not send one
  requireHostHeader: false,
  noDelay: true,
} satisfies http.ServerOptions;

const DEFAULT_UNIX_MODE = 0o660;
/** sun_path is 108 bytes with its NUL */
const MAX_SOCKET_PATH = 107;

export interface ListenerHooks {
  /** identities by the socket node:http hands to request and upgrade handlers */
  identities: WeakMap<object, Identity>;
  /** a TLS client refused, by reason */
  tlsRefused(reason: string): void;
  /** a connection closed (close() waits for them all) */
  connectionClosed(): void;
}

export interface Listener {
  readonly name: string;
  readonly server: http.Server;
  readonly address: ListenerAddress;
  /** every connection open on it (the raw sockets: destroying one ends its TLS too) */
  readonly connections: Set<net.Socket>;
  /** stop accepting; the unix socket file is removed */
  stopAccepting(): void;
}

function listenError(name: string, err: unknown): DockwardError {
  const code = systemErrorCode(err);
  const hint =
    code === "EADDRINUSE"
      ? "another process listens there: pick another address, or stop it"
      : code === "EACCES"
        ? "ports below 1024 and protected directories need root"
        : "check the listener's address";
  return new DockwardError("BAD_INPUT", `cannot listen on ${name}: ${errorReason(err)}`, {
    hint,
    cause: err,
  });
}

export function listen(
  server: net.Server,
  target: { port: number; host: string } | string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(err);
    };
    server.once("error", onError);
    const done = (): void => {
      server.off("error", onError);
      resolve();
    };
    if (typeof target === "string") server.listen(target, done);
    else server.listen(target.port, target.host, done);
  });
}

function track(server: net.Server, connections: Set<net.Socket>, hooks: ListenerHooks): void {
  server.on("connection", (socket: net.Socket) => {
    connections.add(socket);
    socket.once("close", () => {
      connections.delete(socket);
      hooks.connectionClosed();
    });
  });
}

function readPem(file: string, what: string, listener: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new DockwardError(
      "TLS_FILES",
      `${listener}: cannot read the ${what} ${file}: ${errorReason(err)}`,
      { hint: "make the material with `dockward tls init` (the server files and ca.pem)" },
    );
  }
}

/** Node's subject object (strings, or arrays for repeated attributes), checked rather than cast. */
function subjectOf(subject: object | undefined): Record<string, string | string[]> | undefined {
  if (subject === undefined) return undefined;
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(subject)) {
    if (typeof v === "string") out[k] = v;
    else if (Array.isArray(v) && v.every((x): x is string => typeof x === "string")) out[k] = v;
  }
  return out;
}

/**
 * A client may send its request and shut its write side at once (`curl`-like tools, scripts
 * over nc). dockerd answers such a client; node:http by default aborts the request instead —
 * after the guard may already have forwarded it, so the daemon acts and the client never hears.
 * Keep the socket open for the answer, as dockerd does.
 */
function answerHalfClosedClients(server: http.Server): void {
  Object.assign(server, { httpAllowHalfOpen: true });
}

async function openTcp(spec: TcpListenerSpec, hooks: ListenerHooks): Promise<Listener> {
  const host = spec.host.includes(":") ? `[${spec.host}]` : spec.host;
  let name = spec.name ?? `tcp://${host}:${spec.port}`;
  const server = https.createServer({
    ...HTTP_OPTIONS,
    ca: readPem(spec.tls.ca, "CA certificate", name),
    cert: readPem(spec.tls.cert, "server certificate", name),
    key: readPem(spec.tls.key, "server key", name),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: "TLSv1.2",
  });
  answerHalfClosedClients(server);
  const connections = new Set<net.Socket>();
  track(server, connections, hooks);
  const options =
    spec.allowCertificatesWithoutEku === true ? { allowCertificatesWithoutEku: true } : {};
  // before node:http attaches its parser: a refused client never gets a byte read
  server.prependListener("secureConnection", (socket: tls.TLSSocket) => {
    socket.disableRenegotiation();
    const x509 = socket.getPeerX509Certificate();
    const eku: readonly string[] | undefined = x509?.keyUsage;
    const check =
      socket.authorized && x509 !== undefined
        ? identityFromCertificate(
            {
              subject: subjectOf(socket.getPeerCertificate().subject),
              extendedKeyUsage: eku,
              ca: x509.ca,
            },
            name,
            options,
          )
        : identityFromCertificate(undefined, name);
    if (!check.ok) {
      hooks.tlsRefused(check.reason);
      socket.destroy();
      return;
    }
    hooks.identities.set(socket, check.identity);
  });
  server.on("tlsClientError", () => {
    hooks.tlsRefused("handshake");
  });
  try {
    await listen(server, { port: spec.port, host: spec.host });
  } catch (err) {
    throw listenError(name, err);
  }
  const bound = server.address();
  const port = typeof bound === "object" && bound !== null ? bound.port : spec.port;
  if (spec.name === undefined) name = `tcp://${host}:${port}`;
  return {
    name,
    server,
    address: { kind: "tcp", name, host: spec.host, port },
    connections,
    stopAccepting: () => {
      server.close();
    },
  };
}

/** A group name (from /etc/group) or number, as a gid. */
export function resolveGroup(group: string | number, groupFile = "/etc/group"): number {
  if (typeof group === "number" || /^\d+$/.test(group)) {
    const gid = Number(group);
    if (!Number.isSafeInteger(gid) || gid < 0)
      throw new DockwardError("BAD_INPUT", `invalid group id ${String(group)}`);
    return gid;
  }
  let text: string;
  try {
    text = fs.readFileSync(groupFile, "utf8");
  } catch (err) {
    throw new DockwardError(
      "BAD_INPUT",
      `cannot read ${groupFile} to look up group "${group}": ${errorReason(err)}`,
      { hint: "give the group as a number" },
    );
  }
  for (const line of text.split("\n")) {
    const [name, , gid] = line.split(":");
    if (name === group && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  throw new DockwardError("BAD_INPUT", `no group "${group}" in ${groupFile}`, {
    hint: "create the group first (groupadd), or give its number",
  });
}

/** Something answers on this socket path: true; a stale socket file: false. */
function socketLive(path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = net.connect({ path });
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", (err) => {
      const code = systemErrorCode(err);
      if (code === "ECONNREFUSED" || code === "ENOENT") resolve(false);
      else reject(err);
    });
  });
}

/** Refuse a path that is anything but absent or a stale socket; remove a stale one. */
async function clearSocketPath(path: string, name: string): Promise<void> {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(path);
  } catch (err) {
    if (systemErrorCode(err) === "ENOENT") return;
    throw listenError(name, err);
  }
  if (!st.isSocket())
    throw new DockwardError(
      "BAD_INPUT",
      `cannot listen on ${name}: ${path} exists and is not a socket`,
      {
        hint: "move it away, or choose another path (the guard never replaces a file)",
      },
    );
  let live: boolean;
  try {
    live = await socketLive(path);
  } catch (err) {
    throw listenError(name, err);
  }
  if (live)
    throw new DockwardError(
      "BAD_INPUT",
      `cannot listen on ${name}: another process answers on ${path}`,
      {
        hint: "stop it (a guard already running?), or choose another path",
      },
    );
  fs.unlinkSync(path);
}

/**
 * Listen on a unix socket path with the given mode (and group). Bound in a private directory,
 * given its mode and group there, then linked into place: nobody can connect while it still has
 * the umask's mode, and link() never replaces a file that appeared meanwhile. Returns a
 * function that removes the socket file, if it is still the one made here.
 */
export async function bindUnix(
  server: net.Server,
  path: string,
  o: { mode: number; gid: number | undefined; name: string },
): Promise<() => void> {
  const { name } = o;
  if (!Number.isInteger(o.mode) || o.mode < 0 || o.mode > 0o777)
    throw new DockwardError("BAD_INPUT", `${name}: invalid socket mode ${String(o.mode)}`, {
      hint: "give permission bits such as 0o660",
    });
  await clearSocketPath(path, name);
  const dir = dirname(path);
  const tmpDir = join(dir, `.dw-${randomBytes(4).toString("hex")}`);
  const tmpPath = join(tmpDir, "s");
  if (Buffer.byteLength(tmpPath) > MAX_SOCKET_PATH)
    throw new DockwardError(
      "BAD_INPUT",
      `cannot listen on ${name}: the path is too long for a unix socket`,
      { hint: `keep it under ${MAX_SOCKET_PATH - 12} bytes` },
    );
  let st: fs.Stats;
  try {
    fs.mkdirSync(tmpDir, { mode: 0o700 });
    try {
      await listen(server, tmpPath);
      fs.chmodSync(tmpPath, o.mode);
      if (o.gid !== undefined) fs.chownSync(tmpPath, -1, o.gid);
      fs.linkSync(tmpPath, path);
      st = fs.lstatSync(path);
    } finally {
      fs.rmSync(tmpPath, { force: true });
      fs.rmdirSync(tmpDir);
    }
  } catch (err) {
    server.close();
    if (err instanceof DockwardError) throw err;
    if (systemErrorCode(err) === "EEXIST")
      throw new DockwardError(
        "BAD_INPUT",
        `cannot listen on ${name}: ${path} appeared while the guard started`,
        { hint: "another process is creating it: stop it, or choose another path" },
      );
    throw listenError(name, err);
  }
  const { ino, dev } = st;
  return () => {
    try {
      const now = fs.lstatSync(path);
      // only the socket made here: a successor may have replaced it already
      if (now.ino === ino && now.dev === dev) fs.unlinkSync(path);
    } catch {
      // gone already
    }
  };
}

async function openUnix(spec: UnixListenerSpec, hooks: ListenerHooks): Promise<Listener> {
  const name = spec.name ?? `unix://${spec.path}`;
  const gid = spec.group === undefined ? undefined : resolveGroup(spec.group);
  const identity: Identity = {
    kind: "unix",
    name: spec.identity,
    groups: [...(spec.groups ?? [])],
    listener: name,
  };
  const server = http.createServer(HTTP_OPTIONS);
  answerHalfClosedClients(server);
  const connections = new Set<net.Socket>();
  track(server, connections, hooks);
  server.on("connection", (socket: net.Socket) => {
    hooks.identities.set(socket, identity);
  });
  const remove = await bindUnix(server, spec.path, {
    mode: spec.mode ?? DEFAULT_UNIX_MODE,
    gid,
    name,
  });
  return {
    name,
    server,
    address: { kind: "unix", name, path: spec.path },
    connections,
    stopAccepting: () => {
      server.close();
      remove();
    },
  };
}

export async function openListener(spec: ListenerSpec, hooks: ListenerHooks): Promise<Listener> {
  try {
    return spec.kind === "tcp" ? await openTcp(spec, hooks) : await openUnix(spec, hooks);
  } catch (err) {
    if (err instanceof DockwardError) throw err;
    throw new DockwardError("BAD_INPUT", `cannot open listener: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}
