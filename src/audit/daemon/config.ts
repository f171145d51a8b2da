import { join } from "node:path";
import type { DockerdArgs } from "./argv.js";
import type { Problem, Setting, SettingOrigin } from "./types.js";

/**
 * daemon.json and the rules dockerd applies when it merges the file with its flags. Pure:
 * the /proc edge (process.ts) reads the file and hands the text in.
 *
 * The rules are moby v20.10.24's (cmd/dockerd/daemon.go loadDaemonCliConfig,
 * newAPIServerConfig, loadListeners; cmd/dockerd/options.go; opts/hosts.go), unchanged in
 * substance through v28:
 *
 * - giving `tlsverify` at all, true OR false, turns TLS on;
 * - TLS on with `tlsverify` not given means client certificates are REQUIRED: `--tls` alone
 *   is not "TLS without client auth"; only an explicit `tlsverify: false` is (checked on 20.10.24);
 * - with no host at all dockerd listens on unix:///var/run/docker.sock, or on
 *   tcp://localhost:2376 when TLS is on;
 * - a setting given both as a flag and in daemon.json (and `hosts` with any `-H`) makes
 *   dockerd refuse to start, so a running daemon never has both;
 * - keys are matched exactly (a key that is not a flag name makes dockerd refuse to start).
 *
 * The file on disk may have changed since the daemon read it at start; the listeners and the
 * probe say what the daemon really does.
 */

export const DEFAULT_CONFIG_FILE = "/etc/docker/daemon.json";
const DEFAULT_UNIX_SOCKET = "/var/run/docker.sock";
const DEFAULT_TLS_HOST = "tcp://localhost:2376";
const DEFAULT_TCP_HOSTNAME = "localhost";
const DEFAULT_TCP_PORT = 2375;

// ---------------------------------------------------------------------------------------------
// daemon.json text

export type DaemonJsonParse =
  | { status: "ok"; content: Record<string, unknown> }
  | {
      status: "invalid-json";
      message: string;
      /** 1-based, when the parser said where */
      line: number | undefined;
      column: number | undefined;
    }
  | { status: "not-an-object"; found: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeJsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - (before.lastIndexOf("\n") + 1) + 1;
  return { line, column };
}

/** Parse daemon.json text. A syntax error is data (with a position when V8 gives one). */
export function parseDaemonJson(text: string): DaemonJsonParse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const at = /at position (\d+)/.exec(message);
    const offset = at?.[1] === undefined ? undefined : Number(at[1]);
    const { line, column } =
      offset === undefined ? { line: undefined, column: undefined } : lineColumn(text, offset);
    return { status: "invalid-json", message, line, column };
  }
  if (!isRecord(parsed)) return { status: "not-an-object", found: describeJsonType(parsed) };
  return { status: "ok", content: parsed };
}

// ---------------------------------------------------------------------------------------------
// daemon.json settings

export interface DaemonJsonSettings {
  file: string;
  /** undefined when the key is absent */
  hosts: Setting<string>[] | undefined;
  tls: Setting<boolean> | undefined;
  tlsVerify: Setting<boolean> | undefined;
  tlsCaCert: Setting<string> | undefined;
  tlsCert: Setting<string> | undefined;
  tlsKey: Setting<string> | undefined;
  problems: Problem[];
}

function pointer(key: string, index?: number): string {
  const escaped = key.replaceAll("~", "~0").replaceAll("/", "~1");
  return index === undefined ? `/${escaped}` : `/${escaped}/${index}`;
}

/** Pick the exposure-relevant keys out of a parsed daemon.json; wrong types are problems. */
export function daemonJsonSettings(
  content: Readonly<Record<string, unknown>>,
  file: string,
): DaemonJsonSettings {
  const problems: Problem[] = [];
  const origin = (key: string, index?: number): SettingOrigin => ({
    kind: "daemon.json",
    file,
    pointer: pointer(key, index),
  });
  const wrongType = (key: string, want: string, value: unknown): void => {
    problems.push({
      code: "CONFIG_INVALID",
      message: `${file}: "${key}" must be ${want}, found ${describeJsonType(value)} (dockerd refuses to start with it)`,
      origin: origin(key),
    });
  };
  const bool = (key: string): Setting<boolean> | undefined => {
    if (!Object.hasOwn(content, key)) return undefined;
    const value = content[key];
    if (typeof value === "boolean") return { value, origin: origin(key) };
    wrongType(key, "true or false", value);
    return undefined;
  };
  const text = (key: string): Setting<string> | undefined => {
    if (!Object.hasOwn(content, key)) return undefined;
    const value = content[key];
    if (typeof value === "string") return { value, origin: origin(key) };
    wrongType(key, "a string", value);
    return undefined;
  };
  let hosts: Setting<string>[] | undefined;
  if (Object.hasOwn(content, "hosts")) {
    const value = content.hosts;
    if (Array.isArray(value)) {
      hosts = [];
      value.forEach((item: unknown, index) => {
        if (typeof item === "string") hosts?.push({ value: item, origin: origin("hosts", index) });
        else {
          problems.push({
            code: "CONFIG_INVALID",
            message: `${file}: "hosts"[${index}] must be a string, found ${describeJsonType(item)}`,
            origin: origin("hosts", index),
          });
        }
      });
    } else {
      wrongType("hosts", "an array of strings", value);
    }
  }
  return {
    file,
    hosts,
    tls: bool("tls"),
    tlsVerify: bool("tlsverify"),
    tlsCaCert: text("tlscacert"),
    tlsCert: text("tlscert"),
    tlsKey: text("tlskey"),
    problems,
  };
}

// ---------------------------------------------------------------------------------------------
// Host strings, as dockerd reads them (opts.ParseHost)

export type DaemonAddress =
  | {
      scheme: "tcp";
      /** host name or IP as written ("localhost" when empty) */
      host: string;
      port: number;
      /** what dockerd makes of it, e.g. tcp://0.0.0.0:2375 */
      url: string;
    }
  | { scheme: "unix"; path: string; url: string }
  /** systemd socket activation: the listening sockets come from systemd */
  | { scheme: "fd"; url: string }
  | { scheme: "npipe"; url: string }
  | { scheme: "invalid"; reason: string };

function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function parseTcpAddress(raw: string): DaemonAddress {
  if (raw === "" || raw === "tcp://") {
    return {
      scheme: "tcp",
      host: DEFAULT_TCP_HOSTNAME,
      port: DEFAULT_TCP_PORT,
      url: `tcp://${DEFAULT_TCP_HOSTNAME}:${DEFAULT_TCP_PORT}`,
    };
  }
  const address = raw.startsWith("tcp://") ? raw.slice("tcp://".length) : raw;
  if (address === "" || address.includes("://")) {
    return { scheme: "invalid", reason: `expected tcp://HOST:PORT, got ${JSON.stringify(raw)}` };
  }
  const slash = address.indexOf("/");
  const authority = slash === -1 ? address : address.slice(0, slash);
  const path = slash === -1 ? "" : address.slice(slash);
  let host: string;
  let portText: string;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close === -1) return { scheme: "invalid", reason: `unclosed [ in ${JSON.stringify(raw)}` };
    host = authority.slice(1, close);
    const after = authority.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) {
      return { scheme: "invalid", reason: `junk after ] in ${JSON.stringify(raw)}` };
    }
    portText = after.slice(1);
  } else {
    const colon = authority.lastIndexOf(":");
    if (colon !== authority.indexOf(":")) {
      return {
        scheme: "invalid",
        reason: `an IPv6 address needs [brackets]: ${JSON.stringify(raw)}`,
      };
    }
    host = colon === -1 ? authority : authority.slice(0, colon);
    portText = colon === -1 ? "" : authority.slice(colon + 1);
  }
  if (host === "") host = DEFAULT_TCP_HOSTNAME;
  const port = portText === "" ? DEFAULT_TCP_PORT : Number(portText);
  if (!/^\d*$/.test(portText) || !Number.isInteger(port) || port > 65535) {
    return {
      scheme: "invalid",
      reason: `bad port ${JSON.stringify(portText)} in ${JSON.stringify(raw)}`,
    };
  }
  return { scheme: "tcp", host, port, url: `tcp://${joinHostPort(host, port)}${path}` };
}

/**
 * A `-H` / "hosts" value as dockerd reads it: bare `host:port` is tcp, `tcp://` without a port
 * is 2375 (also with TLS on), an empty tcp host is `localhost`, `unix://` alone is
 * /var/run/docker.sock, and an empty value is the default host.
 */
export function parseDaemonHost(raw: string, tlsEnabled: boolean): DaemonAddress {
  const value = raw.trim();
  if (value === "")
    return parseDaemonHost(tlsEnabled ? DEFAULT_TLS_HOST : `unix://${DEFAULT_UNIX_SOCKET}`, false);
  const sep = value.indexOf("://");
  const scheme = sep === -1 ? "tcp" : value.slice(0, sep);
  const rest = sep === -1 ? value : value.slice(sep + 3);
  switch (scheme) {
    case "tcp":
      return parseTcpAddress(sep === -1 ? rest : value);
    case "unix": {
      if (rest.includes("://"))
        return { scheme: "invalid", reason: `expected one unix:// in ${JSON.stringify(raw)}` };
      const path = rest === "" ? DEFAULT_UNIX_SOCKET : rest;
      return { scheme: "unix", path, url: `unix://${path}` };
    }
    case "fd":
      return { scheme: "fd", url: value };
    case "npipe":
      return { scheme: "npipe", url: value };
    default:
      return { scheme: "invalid", reason: `unknown scheme ${JSON.stringify(`${scheme}://`)}` };
  }
}

// ---------------------------------------------------------------------------------------------
// Merging flags and daemon.json

/** The variables of dockerd's own environment that change its defaults. */
export interface DockerdEnvironment {
  DOCKER_CERT_PATH?: string | undefined;
  DOCKER_CONFIG?: string | undefined;
  HOME?: string | undefined;
  /** set by RootlessKit: dockerd then follows XDG for its socket and daemon.json */
  ROOTLESSKIT_STATE_DIR?: string | undefined;
  XDG_CONFIG_HOME?: string | undefined;
  XDG_RUNTIME_DIR?: string | undefined;
}

/** The names pickEnvironment keeps from /proc/PID/environ. */
export const DOCKERD_ENVIRONMENT_KEYS = [
  "DOCKER_CERT_PATH",
  "DOCKER_CONFIG",
  "HOME",
  "ROOTLESSKIT_STATE_DIR",
  "XDG_CONFIG_HOME",
  "XDG_RUNTIME_DIR",
] as const satisfies readonly (keyof DockerdEnvironment)[];

/** Under RootlessKit, dockerd follows XDG (cmd/dockerd: honorXDG), not its --rootless flag. */
function honorsXdg(env: DockerdEnvironment): boolean {
  return nonEmpty(env.ROOTLESSKIT_STATE_DIR) !== undefined;
}

/**
 * The daemon.json dockerd reads without --config-file: /etc/docker/daemon.json, or under
 * RootlessKit $XDG_CONFIG_HOME/docker/daemon.json (~/.config/docker/daemon.json).
 */
export function defaultConfigFile(env: DockerdEnvironment = {}): string {
  if (!honorsXdg(env)) return DEFAULT_CONFIG_FILE;
  const configHome =
    nonEmpty(env.XDG_CONFIG_HOME) ?? join(nonEmpty(env.HOME) ?? "/root", ".config");
  return join(configHome, "docker", "daemon.json");
}

export interface DaemonHost {
  /** the value as written ("" for the built-in default) */
  raw: string;
  address: DaemonAddress;
  origin: SettingOrigin;
}

export interface EffectiveTls {
  /** the API listeners speak TLS */
  enabled: boolean;
  /** clients must present a certificate signed by `caCert` (tls.RequireAndVerifyClientCert) */
  clientAuth: boolean;
  /** the settings as written, flag or daemon.json */
  tls: Setting<boolean> | undefined;
  tlsVerify: Setting<boolean> | undefined;
  /**
   * The files dockerd uses. A default (`~/.docker/ca.pem`, ...) applies only when TLS was
   * turned on by a flag. With client auth on and no CA file, Go verifies client certificates
   * against the system's public roots.
   */
  caCert: Setting<string> | undefined;
  cert: Setting<string> | undefined;
  key: Setting<string> | undefined;
}

export interface ExposureConfig {
  /** where the API listens: -H flags, else daemon.json "hosts", else the default */
  hosts: DaemonHost[];
  tls: EffectiveTls;
  problems: Problem[];
}

export interface ResolveExposureInput {
  args: DockerdArgs;
  /** undefined when no daemon.json was read (absent, unreadable or invalid) */
  daemonJson: DaemonJsonSettings | undefined;
  env?: DockerdEnvironment;
}

function conflict<T>(
  flag: Setting<T> | undefined,
  file: Setting<T> | undefined,
  name: string,
  problems: Problem[],
): void {
  if (flag === undefined || file === undefined) return;
  problems.push({
    code: "CONFIG_CONFLICT",
    message: `"${name}" is set both as a flag (${flag.origin.kind === "flag" ? flag.origin.arg : "?"}) and in daemon.json: dockerd refuses to start like this, so the file changed after the daemon started`,
    origin: file.origin,
  });
}

/** Flags and daemon.json merged the way dockerd merges them (see the module comment). */
export function resolveExposure(input: ResolveExposureInput): ExposureConfig {
  const { args } = input;
  const json = input.daemonJson;
  const env = input.env ?? {};
  const problems: Problem[] = [];

  conflict(args.tls, json?.tls, "tls", problems);
  conflict(args.tlsVerify, json?.tlsVerify, "tlsverify", problems);
  conflict(args.tlsCaCert, json?.tlsCaCert, "tlscacert", problems);
  conflict(args.tlsCert, json?.tlsCert, "tlscert", problems);
  conflict(args.tlsKey, json?.tlsKey, "tlskey", problems);
  if (args.hosts.length > 0 && json?.hosts !== undefined) {
    problems.push({
      code: "CONFIG_CONFLICT",
      message: `-H/--host flags and "hosts" in ${json.file} together: dockerd refuses to start like this, so the file changed after the daemon started (the flags are what it uses)`,
      origin: { kind: "daemon.json", file: json.file, pointer: "/hosts" },
    });
  }

  const tls = json?.tls ?? args.tls;
  const tlsVerify = json?.tlsVerify ?? args.tlsVerify;
  const enabled = tlsVerify !== undefined ? true : (tls?.value ?? false);
  const clientAuth = enabled && (tlsVerify?.value ?? true);

  // dockerd keeps its flag defaults for the TLS files only when the flags turned TLS on.
  const flagsTurnedTlsOn = args.tlsVerify !== undefined || args.tls?.value === true;
  const certDir =
    nonEmpty(env.DOCKER_CERT_PATH) ??
    nonEmpty(env.DOCKER_CONFIG) ??
    join(nonEmpty(env.HOME) ?? "/root", ".docker");
  const file = (
    fromJson: Setting<string> | undefined,
    fromFlag: Setting<string> | undefined,
    name: string,
  ): Setting<string> | undefined => {
    const explicit = fromJson ?? fromFlag;
    if (explicit !== undefined || !enabled || !flagsTurnedTlsOn) return explicit;
    return {
      value: join(certDir, name),
      origin: {
        kind: "default",
        why: "TLS is on and no path was given: DOCKER_CERT_PATH, else DOCKER_CONFIG, else ~/.docker",
      },
    };
  };

  const fromFlags = args.hosts;
  const fromJson = json?.hosts ?? [];
  let hostSettings: Setting<string>[];
  if (fromFlags.length > 0) hostSettings = fromFlags;
  else if (fromJson.length > 0) hostSettings = fromJson;
  else {
    const runtimeDir = honorsXdg(env) ? nonEmpty(env.XDG_RUNTIME_DIR) : undefined;
    const value = enabled
      ? DEFAULT_TLS_HOST
      : runtimeDir !== undefined
        ? `unix://${join(runtimeDir, "docker.sock")}`
        : `unix://${DEFAULT_UNIX_SOCKET}`;
    hostSettings = [
      {
        value,
        origin: {
          kind: "default",
          why: enabled
            ? 'no -H and no "hosts": with TLS on dockerd listens on tcp://localhost:2376'
            : 'no -H and no "hosts": dockerd listens on its default unix socket',
        },
      },
    ];
  }
  const hosts = hostSettings.map((h): DaemonHost => {
    const address = parseDaemonHost(h.value, enabled);
    if (address.scheme === "invalid") {
      problems.push({
        code: "HOST_INVALID",
        message: `host ${JSON.stringify(h.value)}: ${address.reason}`,
        origin: h.origin,
      });
    }
    return { raw: h.value, address, origin: h.origin };
  });

  return {
    hosts,
    tls: {
      enabled,
      clientAuth,
      tls,
      tlsVerify,
      caCert: file(json?.tlsCaCert, args.tlsCaCert, "ca.pem"),
      cert: file(json?.tlsCert, args.tlsCert, "cert.pem"),
      key: file(json?.tlsKey, args.tlsKey, "key.pem"),
    },
    problems,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
