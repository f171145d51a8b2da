import { DockwardError } from "../errors.js";

/**
 * Docker host strings, parsed the way the docker CLI parses `-H` and `DOCKER_HOST`
 * (docker/cli opts/hosts.go): a bare `host:port` means tcp, `tcp://` without a port gets 2375
 * (also with TLS on: the CLI only picks 2376 when no host is given at all), `unix://` without a
 * path is /var/run/docker.sock, and `ssh://` is taken as written and checked when dialled.
 */

export const DEFAULT_UNIX_SOCKET = "/var/run/docker.sock";
export const DEFAULT_UNIX_HOST = `unix://${DEFAULT_UNIX_SOCKET}`;
export const DEFAULT_TLS_HOST = "tcp://localhost:2376";
const DEFAULT_TCP_HOSTNAME = "localhost";
const DEFAULT_TCP_PORT = "2375";

export type ParsedHost =
  | { scheme: "unix"; host: string; socketPath: string }
  | { scheme: "tcp"; host: string; hostname: string; port: number; basePath: string }
  | {
      scheme: "ssh";
      host: string;
      user: string | undefined;
      hostname: string;
      port: number | undefined;
      remoteSocket: string | undefined;
    };

function invalid(input: string, source: string, why: string): DockwardError {
  return new DockwardError("ENDPOINT_INVALID", `${source} ${JSON.stringify(input)}: ${why}`, {
    hint: "write it as unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://[USER@]HOST[:PORT][/SOCKET]",
  });
}

/**
 * Normalise a host string like the docker CLI's `ParseHost`. Returns the canonical form, e.g.
 * `127.0.0.1:2376` → `tcp://127.0.0.1:2376`. `source` names where it came from, for errors.
 */
export function normaliseHost(raw: string, defaultToTLS: boolean, source = "host"): string {
  const value = raw.trim();
  if (value === "") return defaultToTLS ? DEFAULT_TLS_HOST : DEFAULT_UNIX_HOST;
  const sep = value.indexOf("://");
  const scheme = sep === -1 ? "tcp" : value.slice(0, sep);
  const rest = sep === -1 ? value : value.slice(sep + 3);
  switch (scheme) {
    case "tcp":
      return normaliseTcp(rest, value, source);
    case "unix": {
      if (rest.includes("://")) throw invalid(value, source, "expected one unix:// prefix");
      return `unix://${rest === "" ? DEFAULT_UNIX_SOCKET : rest}`;
    }
    case "ssh":
      return value;
    case "npipe":
      throw invalid(value, source, "named pipes exist only on Windows");
    case "fd":
      throw invalid(value, source, "fd:// is a daemon listener, not an address a client can dial");
    default:
      throw invalid(value, source, `unknown scheme "${scheme}://"`);
  }
}

function normaliseTcp(rest: string, original: string, source: string): string {
  if (rest.includes("://") || (rest === "" && original !== "tcp://")) {
    throw invalid(original, source, "expected tcp://HOST:PORT");
  }
  if (rest === "") return `tcp://${DEFAULT_TCP_HOSTNAME}:${DEFAULT_TCP_PORT}`;
  const slash = rest.indexOf("/");
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? "" : rest.slice(slash);
  let hostname: string;
  let port: string;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close === -1) throw invalid(original, source, "unclosed [ in an IPv6 address");
    hostname = authority.slice(1, close);
    const after = authority.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) throw invalid(original, source, "junk after ]");
    port = after.slice(1);
  } else {
    const parts = authority.split(":");
    if (parts.length > 2)
      throw invalid(original, source, "too many colons (write IPv6 as [addr]:port)");
    hostname = parts[0] ?? "";
    port = parts[1] ?? "";
  }
  if (hostname === "") hostname = DEFAULT_TCP_HOSTNAME;
  if (port === "") port = DEFAULT_TCP_PORT;
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    throw invalid(original, source, `port "${port}" is not a number from 1 to 65535`);
  }
  if (!/^[A-Za-z0-9._:%-]+$/.test(hostname)) {
    throw invalid(original, source, `"${hostname}" is not a host name or IP address`);
  }
  const joined = hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
  return `tcp://${joined}${path}`;
}

/** Split a normalised host into what a transport needs. */
export function parseHost(host: string, source = "host"): ParsedHost {
  if (host.startsWith("unix://")) {
    return { scheme: "unix", host, socketPath: host.slice("unix://".length) };
  }
  if (host.startsWith("tcp://")) {
    const url = new URL(`http://${host.slice("tcp://".length)}`);
    const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
    return {
      scheme: "tcp",
      host,
      hostname,
      port: Number(url.port === "" ? DEFAULT_TCP_PORT : url.port),
      basePath: url.pathname === "/" ? "" : url.pathname.replace(/\/$/, ""),
    };
  }
  if (host.startsWith("ssh://")) return parseSshHost(host, source);
  throw invalid(host, source, "unknown scheme");
}

/** The docker CLI's connhelper/ssh rules: user and port optional, no password, query or fragment. */
function parseSshHost(host: string, source: string): ParsedHost {
  let url: URL;
  try {
    url = new URL(host);
  } catch (cause) {
    throw invalid(host, source, `not a valid URL (${String(cause)})`);
  }
  if (url.password !== "")
    throw invalid(host, source, "a password in the URL is not supported; use a key or ssh-agent");
  if (url.hostname === "") throw invalid(host, source, "no host given");
  if (url.search !== "") throw invalid(host, source, `unexpected query "${url.search}"`);
  if (url.hash !== "") throw invalid(host, source, `unexpected fragment "${url.hash}"`);
  const path = decodeURIComponent(url.pathname);
  return {
    scheme: "ssh",
    host,
    user: url.username === "" ? undefined : decodeURIComponent(url.username),
    hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port === "" ? undefined : Number(url.port),
    remoteSocket: path === "" || path === "/" ? undefined : path,
  };
}
