import { createPrivateKey } from "node:crypto";
import * as fs from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseHost } from "../../engine/host.js";
import {
  type DaemonInfo,
  daemonSettings,
  jsonPosition,
} from "../../spec/adapters/daemon-settings.js";
import type {
  DaemonFile,
  DaemonSpec,
  FileFacts,
  TcpEndpoint,
  TlsCertificateFile,
  TlsKeyFile,
  UnixEndpoint,
} from "../../spec/daemon.js";
import type { Origin } from "../../spec/model.js";
import { describeKeyObject, summariseCertificate } from "./certificate.js";
import { type DockerdProcess, findDockerdProcesses, pathSeenBy } from "./process.js";
import { type ProcessListeners, listeners } from "./listeners.js";
import { probe } from "./probe.js";
import type { Problem, Setting, SettingOrigin } from "./types.js";
import { errorReason } from "../../errors.js";
import { canonicalHostPath } from "../../rules/util.js";

/**
 * Collect DaemonSpecs for an audit: the I/O edge that ties the /proc readers, the probe and
 * `GET /info` together. The judging is done by the daemon rules, elsewhere.
 *
 * Which daemons: an endpoint on this machine (a unix socket, or TCP on loopback) is matched
 * to the dockerd process that listens on it, and that process is read in full (flags,
 * daemon.json, listeners, files) and every TCP listener it has is probed. `daemons: "all"`
 * adds every other dockerd on the machine. A remote endpoint, or a local one whose process
 * cannot be seen, gives what the API and (for TCP) a probe from here show.
 */

export interface CollectOptions {
  /** the endpoint the audit talks to, as resolved (`unix:///…`, `tcp://…`, `ssh://…`) */
  host: string;
  /** `GET /info` of that endpoint, when it answered */
  info: DaemonInfo | undefined;
  daemons: "serving" | "all";
  probeTimeoutMs: number;
  procRoot?: string;
}

export interface DaemonCollection {
  specs: DaemonSpec[];
  /** sentences for the report: daemons not audited, what could not be checked */
  warnings: string[];
}

/** Problems that mean a check could not run: what could not be read, or did not parse. */
const INCOMPLETE = new Set<Problem["code"]>([
  "CONFIG_UNREADABLE",
  "CONFIG_INVALID_JSON",
  "CONFIG_INVALID",
  "PROC_UNREADABLE",
  "SOCKET_FILE",
]);

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

function isLoopback(hostname: string): boolean {
  return LOOPBACK_NAMES.has(hostname) || hostname.startsWith("127.");
}

/** /var/run is /run on every current distribution: compare sockets with that in mind. */
function samePath(a: string, b: string): boolean {
  return canonicalHostPath(a) === canonicalHostPath(b);
}

// ---------------------------------------------------------------------------------------------
// users and groups, as the daemon's file system names them

interface Accounts {
  users: Map<number, string>;
  groups: Map<number, string>;
  /** group id → members: the group's member list plus users whose primary group it is */
  members: Map<number, string[]>;
}

async function readAccounts(rootDir: string): Promise<Accounts> {
  const read = (f: string): Promise<string> =>
    fs.readFile(join(rootDir, "etc", f), "utf8").catch(() => "");
  const [passwd, group] = await Promise.all([read("passwd"), read("group")]);
  const accounts: Accounts = { users: new Map(), groups: new Map(), members: new Map() };
  const add = (gid: number, name: string): void => {
    const list = accounts.members.get(gid) ?? [];
    if (name !== "" && !list.includes(name)) list.push(name);
    accounts.members.set(gid, list);
  };
  for (const line of group.split("\n")) {
    const [name, , gidText, memberText] = line.split(":");
    const gid = Number(gidText);
    if (name === undefined || name === "" || !Number.isInteger(gid)) continue;
    accounts.groups.set(gid, name);
    for (const m of (memberText ?? "").split(",")) add(gid, m.trim());
  }
  for (const line of passwd.split("\n")) {
    const [name, , uidText, gidText] = line.split(":");
    const uid = Number(uidText);
    const gid = Number(gidText);
    if (name === undefined || name === "" || !Number.isInteger(uid)) continue;
    accounts.users.set(uid, name);
    if (Number.isInteger(gid)) add(gid, name);
  }
  return accounts;
}

function facts(
  path: string,
  st: { mode: number; uid: number; gid: number; isDirectory(): boolean },
  accounts: Accounts,
): FileFacts {
  return {
    path,
    permissions: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    owner: accounts.users.get(st.uid),
    group: accounts.groups.get(st.gid),
    isDirectory: st.isDirectory(),
  };
}

// ---------------------------------------------------------------------------------------------
// one local dockerd

interface ProcessContext {
  proc: DockerdProcess;
  procDir: string;
  accounts: Accounts;
  cmdline: string;
}

/** A path as the daemon sees it, read through /proc/PID/root (or cwd for a relative one). */
function through(ctx: ProcessContext, path: string): string {
  return pathSeenBy(ctx.procDir, path);
}

function originOf(ctx: ProcessContext, o: SettingOrigin): Origin {
  switch (o.kind) {
    case "flag":
      return { file: ctx.cmdline, argIndex: o.argvIndex };
    case "daemon.json": {
      const json = ctx.proc.daemonJson;
      const path = o.pointer
        .split("/")
        .slice(1)
        .map((p) => {
          const key = p.replaceAll("~1", "/").replaceAll("~0", "~");
          return /^\d+$/.test(key) ? Number(key) : key;
        });
      const at =
        json.status === "ok" && path.length > 0 ? jsonPosition(json.text, path) : undefined;
      return { file: o.file, pointer: o.pointer, ...(at ?? {}) };
    }
    case "default":
      return json(ctx) === undefined ? {} : { file: ctx.proc.configFile.value, pointer: "" };
  }
}

function json(ctx: ProcessContext): string | undefined {
  return ctx.proc.daemonJson.status === "ok" ? ctx.proc.daemonJson.path : undefined;
}

async function statFile(ctx: ProcessContext, path: string, origin: Origin): Promise<DaemonFile> {
  try {
    const st = await fs.stat(through(ctx, path));
    return { path, origin, file: facts(path, st, ctx.accounts), error: undefined };
  } catch (err) {
    return { path, origin, file: undefined, error: errorReason(err) };
  }
}

async function certificateFile(
  ctx: ProcessContext,
  setting: Setting<string>,
): Promise<TlsCertificateFile> {
  const base = await statFile(ctx, setting.value, originOf(ctx, setting.origin));
  if (base.file === undefined) return { ...base, certificate: undefined };
  try {
    const text = await fs.readFile(through(ctx, setting.value), "utf8");
    return { ...base, certificate: summariseCertificate(text) };
  } catch (err) {
    return {
      ...base,
      certificate: undefined,
      error: `not a readable PEM certificate (${errorReason(err)})`,
    };
  }
}

async function keyFile(ctx: ProcessContext, setting: Setting<string>): Promise<TlsKeyFile> {
  const base = await statFile(ctx, setting.value, originOf(ctx, setting.origin));
  if (base.file === undefined) return { ...base, key: undefined };
  try {
    const key = createPrivateKey(await fs.readFile(through(ctx, setting.value), "utf8"));
    return { ...base, key: describeKeyObject(key) };
  } catch (err) {
    return {
      ...base,
      key: undefined,
      error: `not a readable private key (${errorReason(err)})`,
    };
  }
}

/** The address to dial for a listener: a wildcard (0.0.0.0, or Go's dual-stack ::) on loopback. */
function dialAddress(l: ProcessListeners["tcp"][number]): string {
  if (l.scope === "any") return l.family === 6 && l.address !== "::" ? "::1" : "127.0.0.1";
  return l.ipv4Mapped ?? l.address;
}

/** A value flag's last value, else the daemon.json string of the same name. */
function settingText(proc: DockerdProcess, name: string): string | undefined {
  const flag = [...proc.args.flags].reverse().find((f) => f.name === name);
  if (flag?.value !== undefined) return flag.value;
  const value = proc.daemonJson.status === "ok" ? proc.daemonJson.content[name] : undefined;
  return typeof value === "string" ? value : undefined;
}

function containerdPath(proc: DockerdProcess): { path: string; origin: SettingOrigin } {
  const flag = [...proc.args.flags].reverse().find((f) => f.name === "containerd");
  if (flag?.value !== undefined)
    return { path: flag.value, origin: { kind: "flag", argvIndex: flag.argvIndex, arg: flag.arg } };
  if (proc.daemonJson.status === "ok" && typeof proc.daemonJson.content.containerd === "string")
    return {
      path: proc.daemonJson.content.containerd,
      origin: { kind: "daemon.json", file: proc.daemonJson.path, pointer: "/containerd" },
    };
  return {
    path: "/run/containerd/containerd.sock",
    origin: { kind: "default", why: "no --containerd: the system containerd's socket" },
  };
}

async function processSpec(
  proc: DockerdProcess,
  found: ProcessListeners,
  info: DaemonInfo | undefined,
  probeTimeoutMs: number,
  procRoot: string,
): Promise<DaemonSpec> {
  const procDir = join(procRoot, String(proc.pid));
  const ctx: ProcessContext = {
    proc,
    procDir,
    accounts: await readAccounts(join(procDir, "root")),
    cmdline: `/proc/${proc.pid}/cmdline`,
  };
  const exposure = proc.exposure;
  const problems: DaemonSpec["problems"] = [];
  const problem = (p: Problem): void => {
    problems.push({
      message: p.message,
      origin: p.origin === undefined ? {} : originOf(ctx, p.origin),
      ...(INCOMPLETE.has(p.code) ? { incomplete: true } : {}),
    });
  };
  proc.problems.forEach(problem);
  found.problems.forEach(problem);

  const configured = exposure.hosts;
  const tcp = await Promise.all(
    found.tcp.map(async (l): Promise<TcpEndpoint> => {
      const host = configured.find((h) => h.address.scheme === "tcp" && h.address.port === l.port);
      const dial = dialAddress(l);
      return {
        host: l.ipv4Mapped ?? l.address,
        port: l.port,
        scope: l.scope,
        configured: host !== undefined,
        origin:
          host === undefined ? { file: `/proc/${proc.pid}/net/tcp` } : originOf(ctx, host.origin),
        probe: await probe(dial, l.port, { timeoutMs: probeTimeoutMs }),
      };
    }),
  );

  // The API sockets: the unix listeners a host setting names (fd:// means systemd handed them
  // over: then every listener outside dockerd's own run directories).
  const unixHosts = configured.flatMap((h) =>
    h.address.scheme === "unix" ? [{ h, path: h.address.path }] : [],
  );
  const socketActivated = configured.some((h) => h.address.scheme === "fd");
  const unix: UnixEndpoint[] = [];
  for (const l of found.unix) {
    if (l.path === undefined || l.abstract) continue;
    const path = l.path;
    const host = unixHosts.find((u) => samePath(u.path, path));
    if (host === undefined && !(socketActivated && !/^\/(var\/)?run\/docker\//.test(path)))
      continue;
    const file =
      l.file === undefined
        ? undefined
        : facts(
            path,
            { mode: l.file.mode, uid: l.file.uid, gid: l.file.gid, isDirectory: () => false },
            ctx.accounts,
          );
    unix.push({
      path,
      origin:
        host === undefined ? { file: `/proc/${proc.pid}/net/unix` } : originOf(ctx, host.h.origin),
      file,
      groupMembers: file === undefined ? undefined : (ctx.accounts.members.get(file.gid) ?? []),
      error: l.file === undefined ? "the socket file could not be stat'ed" : undefined,
    });
  }
  for (const u of unixHosts) {
    if (
      !found.unix.some((l) => l.path !== undefined && samePath(l.path, u.path)) &&
      found.problems.length === 0
    )
      problems.push({
        message: `the daemon was told to listen on unix://${u.path}, but it does not (or the file was replaced)`,
        origin: originOf(ctx, u.h.origin),
      });
  }

  const t = exposure.tls;
  const tlsOrigin = t.tlsVerify?.origin ?? t.tls?.origin;
  const tls: DaemonSpec["tls"] = t.enabled
    ? {
        enabled: true,
        clientAuth: t.clientAuth,
        origin: tlsOrigin === undefined ? {} : originOf(ctx, tlsOrigin),
        // without client authentication the CA is not used: a default path means nothing
        caCert:
          t.caCert === undefined || (!t.clientAuth && t.caCert.origin.kind === "default")
            ? undefined
            : await certificateFile(ctx, t.caCert),
        cert: t.cert === undefined ? undefined : await certificateFile(ctx, t.cert),
        key: t.key === undefined ? undefined : await keyFile(ctx, t.key),
      }
    : undefined;
  for (const f of [tls?.caCert, tls?.cert, tls?.key]) {
    if (f?.error !== undefined)
      problems.push({
        message: `TLS file ${f.path}: ${f.error}`,
        origin: f.origin,
        incomplete: true,
      });
  }

  const dj = proc.daemonJson;
  const configStatus =
    dj.status === "ok"
      ? "ok"
      : dj.status === "absent"
        ? "absent"
        : dj.status === "invalid-json" || dj.status === "not-an-object"
          ? "invalid"
          : "unreadable";
  const configOrigin: Origin = { file: dj.path };
  const configFile: DaemonSpec["configFile"] =
    configStatus === "absent"
      ? { path: dj.path, origin: configOrigin, file: undefined, error: undefined, status: "absent" }
      : { ...(await statFile(ctx, dj.path, configOrigin)), status: configStatus };
  const dir = dirname(dj.path);
  const configDirFile = await statFile(ctx, dir, { file: dir });
  const containerd = containerdPath(proc);
  let containerdSocket = await statFile(ctx, containerd.path, originOf(ctx, containerd.origin));
  if (containerdSocket.error === "ENOENT" && containerd.origin.kind === "default") {
    // no system containerd: dockerd started its own, below its exec-root
    const execRoot = settingText(proc, "exec-root") ?? "/var/run/docker";
    const own = join(execRoot, "containerd", "containerd.sock");
    containerdSocket = await statFile(ctx, own, { file: own });
  }

  const { settings, problems: settingProblems } = daemonSettings({
    flags: proc.args.flags,
    cmdlineFile: ctx.cmdline,
    daemonJson:
      dj.status === "ok" ? { file: dj.path, text: dj.text, content: dj.content } : undefined,
    info,
  });
  problems.push(...settingProblems);
  // dockerd-rootless.sh runs dockerd inside RootlessKit, which sets ROOTLESSKIT_STATE_DIR;
  // without GET /info that is the only sign of rootless mode
  if (settings.rootless?.source === "default" && (proc.env.ROOTLESSKIT_STATE_DIR ?? "") !== "")
    settings.rootless = {
      value: true,
      origin: { file: `/proc/${proc.pid}/environ` },
      source: "environment",
    };

  const primary =
    unix[0] !== undefined
      ? `unix://${unix[0].path}`
      : configured[0]?.address.scheme === "invalid"
        ? configured[0].raw
        : (configured[0]?.address.url ?? `dockerd ${proc.pid}`);
  return {
    target: {
      kind: "daemon",
      name: primary,
      origin: dj.status === "ok" ? { file: dj.path } : { file: ctx.cmdline },
      image: undefined,
      labels: {},
    },
    seen: { process: true, api: info !== undefined },
    pid: proc.pid,
    configFile,
    configDir: configDirFile.error === "ENOENT" ? undefined : configDirFile,
    settings,
    tcp,
    unix,
    tls,
    containerdSocket: containerdSocket.error === "ENOENT" ? undefined : containerdSocket,
    problems,
  };
}

/** A daemon seen only from outside: its API's /info, and a probe of a TCP endpoint. */
async function remoteSpec(
  host: string,
  info: DaemonInfo | undefined,
  probeTimeoutMs: number,
): Promise<DaemonSpec> {
  let tcp: TcpEndpoint[] = [];
  try {
    const parsed = parseHost(host);
    if (parsed.scheme === "tcp") {
      tcp = [
        {
          host: parsed.hostname,
          port: parsed.port,
          scope: isLoopback(parsed.hostname) ? "loopback" : "remote",
          configured: true,
          origin: {},
          probe: await probe(parsed.hostname.replace(/^\[(.*)\]$/, "$1"), parsed.port, {
            timeoutMs: probeTimeoutMs,
          }),
        },
      ];
      // Nothing there, or no route: the engine error already says so; there is nothing to judge.
      const p = tcp[0]?.probe;
      if (p?.exposure === "unknown" && ["refused", "timeout", "unreachable"].includes(p.reason))
        tcp = [];
    }
  } catch {
    // an endpoint that does not parse never got this far: the engine client refused it
  }
  const { settings, problems } = daemonSettings({ info });
  return {
    target: { kind: "daemon", name: host, origin: {}, image: undefined, labels: {} },
    seen: { process: false, api: info !== undefined },
    pid: undefined,
    configFile: undefined,
    configDir: undefined,
    settings,
    tcp,
    unix: [],
    tls: undefined,
    containerdSocket: undefined,
    problems,
  };
}

function describe(proc: DockerdProcess): string {
  const hosts = proc.exposure.hosts.map((h) =>
    h.address.scheme === "invalid" ? h.raw : h.address.url,
  );
  return `pid ${proc.pid}${hosts.length > 0 ? ` on ${hosts.join(", ")}` : ""}`;
}

/**
 * The daemons behind an endpoint (and, with `daemons: "all"`, every dockerd on this machine),
 * as DaemonSpecs. Never throws for what it finds: unreadable /proc entries, files and
 * listeners become problems on the spec or warnings.
 */
export async function collectDaemons(options: CollectOptions): Promise<DaemonCollection> {
  const warnings: string[] = [];
  const procRoot = options.procRoot ?? "/proc";
  let parsed: ReturnType<typeof parseHost> | undefined;
  try {
    parsed = parseHost(options.host);
  } catch {
    parsed = undefined;
  }
  const local =
    parsed !== undefined &&
    (parsed.scheme === "unix" || (parsed.scheme === "tcp" && isLoopback(parsed.hostname)));
  if (!local || parsed === undefined) {
    return {
      specs: [await remoteSpec(options.host, options.info, options.probeTimeoutMs)],
      warnings: [
        `daemon ${options.host} is audited from outside (API${parsed?.scheme === "tcp" ? " and a probe of its port" : ""}): its flags, files and sockets are checked only when dockward runs on that host`,
      ],
    };
  }

  let processes: DockerdProcess[] = [];
  try {
    processes = await findDockerdProcesses({ procRoot });
  } catch (err) {
    warnings.push(
      `cannot list processes in ${procRoot} (${errorReason(err)}): the daemon is audited from its API only`,
    );
  }
  // Reading a process's listeners walks its fds and its network tables: do it for the
  // daemons whose settings name the endpoint first, and for the rest only when none of
  // those really listens there (the listeners, not the settings, decide).
  const found = new Map<number, ProcessListeners>();
  const read = async (indexes: readonly number[]): Promise<void> => {
    const got = await Promise.all(
      indexes.map((i) => listeners(processes[i]?.pid ?? -1, { procRoot })),
    );
    indexes.forEach((i, k) => {
      const l = got[k];
      if (l !== undefined) found.set(i, l);
    });
  };
  const claims = (p: DockerdProcess): boolean =>
    p.exposure.hosts.some(
      (h) =>
        h.address.scheme === "fd" ||
        (parsed.scheme === "unix" &&
          h.address.scheme === "unix" &&
          samePath(h.address.path, parsed.socketPath)) ||
        (parsed.scheme === "tcp" && h.address.scheme === "tcp" && h.address.port === parsed.port),
    );
  const servingAmong = (indexes: readonly number[]): number[] =>
    indexes.filter((i) => {
      const l = found.get(i);
      if (l === undefined) return false;
      return parsed.scheme === "unix"
        ? l.unix.some((u) => u.path !== undefined && samePath(u.path, parsed.socketPath))
        : parsed.scheme === "tcp"
          ? l.tcp.some((t) => t.port === parsed.port)
          : false;
    });
  const all = processes.map((_, i) => i);
  const likely =
    options.daemons === "all"
      ? all
      : all.filter((i) => {
          const p = processes[i];
          return p !== undefined && claims(p);
        });
  await read(likely);
  let serving = servingAmong(likely);
  if (serving.length === 0 && likely.length < all.length) {
    const rest = all.filter((i) => !likely.includes(i));
    await read(rest);
    serving = servingAmong(rest);
  }
  const chosen = options.daemons === "all" ? processes.map((_, i) => i) : serving;
  const specs: DaemonSpec[] = [];
  for (const i of chosen) {
    const proc = processes[i];
    const l = found.get(i);
    if (proc === undefined || l === undefined) continue;
    const info = serving.includes(i) ? options.info : undefined;
    specs.push(await processSpec(proc, l, info, options.probeTimeoutMs, procRoot));
  }
  if (serving.length === 0) {
    const unreadable = [...found.values()].some((l) =>
      l.problems.some((p) => p.code === "PROC_UNREADABLE"),
    );
    warnings.push(
      `no dockerd process visible here serves ${options.host}${unreadable ? " (some /proc entries could not be read: run the audit as root)" : ""}: that daemon is audited from its API only`,
    );
    specs.unshift(await remoteSpec(options.host, options.info, options.probeTimeoutMs));
  }
  const others = processes.filter((_, i) => !chosen.includes(i));
  if (others.length > 0) {
    warnings.push(
      `${others.length} other dockerd process${others.length === 1 ? "" : "es"} run${others.length === 1 ? "s" : ""} on this host (${others.map(describe).join("; ")}): audit ${others.length === 1 ? "it" : "them"} too with --daemons all`,
    );
  }
  return { specs, warnings };
}
