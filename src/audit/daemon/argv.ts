import type { Problem, Setting } from "./types.js";

/**
 * dockerd's command line, read the way its flag parser (spf13/pflag) reads it:
 *
 * - long flags: `--host=x` or `--host x`; a bool flag takes its value only after `=`
 *   (`--tls=false`; in `--tls false` the `false` is a stray argument);
 * - short flags: `-H x`, `-Hx`, `-H=x`, and clusters like `-DH x` (bool shorthands first);
 * - `--` ends the flags; the last occurrence of a single-valued flag wins; `-H` accumulates.
 *
 * Whether a flag takes a value decides what the next argument is, so the table below lists
 * dockerd's flags (20.10 `dockerd --help` plus hidden and later ones). A flag missing from it
 * is assumed to be a bool: guessing wrong the other way would swallow a following `-H`.
 */

type FlagKind = "bool" | "value";

const BOOL_FLAGS = [
  "allow-direct-routing",
  "cri-containerd",
  "debug",
  "experimental",
  "help",
  "icc",
  "init",
  "ip-forward",
  "ip-forward-no-drop",
  "ip-masq",
  "ip6tables",
  "iptables",
  "ipv6",
  "live-restore",
  "no-new-privileges",
  "raw-logs",
  "restart",
  "rootless",
  "selinux-enabled",
  "tls",
  "tlsverify",
  "userland-proxy",
  "validate",
  "version",
] as const;

const VALUE_FLAGS = [
  "add-runtime",
  "allow-nondistributable-artifacts",
  "api-cors-header",
  "authorization-plugin",
  "bip",
  "bip6",
  "bridge",
  "cdi-spec-dir",
  "cgroup-parent",
  "cluster-advertise",
  "cluster-store",
  "cluster-store-opt",
  "config-file",
  "containerd",
  "containerd-namespace",
  "containerd-plugins-namespace",
  "cpu-rt-period",
  "cpu-rt-runtime",
  "data-root",
  "default-address-pool",
  "default-cgroupns-mode",
  "default-gateway",
  "default-gateway-v6",
  "default-ipc-mode",
  "default-network-opt",
  "default-runtime",
  "default-shm-size",
  "default-ulimit",
  "dns",
  "dns-opt",
  "dns-search",
  "exec-opt",
  "exec-root",
  "feature",
  "firewall-backend",
  "fixed-cidr",
  "fixed-cidr-v6",
  "graph",
  "group",
  "host",
  "host-gateway-ip",
  "http-proxy",
  "https-proxy",
  "init-path",
  "insecure-registry",
  "ip",
  "label",
  "log-driver",
  "log-format",
  "log-level",
  "log-opt",
  "max-concurrent-downloads",
  "max-concurrent-uploads",
  "max-download-attempts",
  "metrics-addr",
  "mtu",
  "network-control-plane-mtu",
  "network-diagnostic-port",
  "no-proxy",
  "node-generic-resource",
  "oom-score-adjust",
  "pidfile",
  "registry-mirror",
  "seccomp-profile",
  "shutdown-timeout",
  "storage-driver",
  "storage-opt",
  "swarm-default-advertise-addr",
  "tlscacert",
  "tlscert",
  "tlskey",
  "userland-proxy-path",
  "userns-remap",
] as const;

const FLAG_KINDS: ReadonlyMap<string, FlagKind> = new Map<string, FlagKind>([
  ...BOOL_FLAGS.map((f): [string, FlagKind] => [f, "bool"]),
  ...VALUE_FLAGS.map((f): [string, FlagKind] => [f, "value"]),
]);

/** dockerd's one-letter flags and the long flag each stands for. */
const SHORTHANDS: ReadonlyMap<string, string> = new Map([
  ["D", "debug"],
  ["H", "host"],
  ["G", "group"],
  ["b", "bridge"],
  ["g", "graph"],
  ["l", "log-level"],
  ["p", "pidfile"],
  ["r", "restart"],
  ["s", "storage-driver"],
  ["v", "version"],
  ["h", "help"],
]);

/** One flag occurrence: `value` is undefined for a bare bool flag. */
export interface FlagOccurrence {
  name: string;
  /** the value as given (for a bare bool flag: undefined) */
  value: string | undefined;
  argvIndex: number;
  /** the argument the flag was spelled in (`--host=x`, `-H`, `-DH`) */
  arg: string;
}

/** What dockerd's argv says about where and how it listens. */
export interface DockerdArgs {
  /** every flag, in order (names are long names, without dashes) */
  flags: FlagOccurrence[];
  /** arguments that are not flags (dockerd itself refuses to start with any) */
  positional: { argvIndex: number; arg: string }[];
  hosts: Setting<string>[];
  tls: Setting<boolean> | undefined;
  tlsVerify: Setting<boolean> | undefined;
  tlsCaCert: Setting<string> | undefined;
  tlsCert: Setting<string> | undefined;
  tlsKey: Setting<string> | undefined;
  configFile: Setting<string> | undefined;
  rootless: Setting<boolean> | undefined;
  problems: Problem[];
}

/** Go's strconv.ParseBool, which pflag uses for bool flags. */
export function parseGoBool(text: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return false;
  return undefined;
}

/**
 * `--tlscacert` and friends are opts.QuotedString in dockerd 20.10: one pair of matching
 * surrounding quotes is removed (systemd units often carry them).
 */
function trimQuotes(value: string): string {
  if (value.length >= 2) {
    const first = value[0];
    if ((first === '"' || first === "'") && value.endsWith(first)) return value.slice(1, -1);
  }
  return value;
}

/** Split dockerd's argv (argv[0] = the program) into flag occurrences, like pflag. */
export function tokenizeDockerdArgv(argv: readonly string[]): {
  flags: FlagOccurrence[];
  positional: { argvIndex: number; arg: string }[];
  problems: Problem[];
} {
  const flags: FlagOccurrence[] = [];
  const positional: { argvIndex: number; arg: string }[] = [];
  const problems: Problem[] = [];
  const flagOrigin = (argvIndex: number, arg: string) => ({
    kind: "flag" as const,
    argvIndex,
    arg,
  });

  let i = 1;
  while (i < argv.length) {
    const arg = argv[i] ?? "";
    const index = i;
    i += 1;
    if (arg.length < 2 || !arg.startsWith("-")) {
      positional.push({ argvIndex: index, arg });
      continue;
    }
    if (arg === "--") {
      for (; i < argv.length; i++) positional.push({ argvIndex: i, arg: argv[i] ?? "" });
      break;
    }
    if (arg.startsWith("--")) {
      const body = arg.slice(2);
      const eq = body.indexOf("=");
      const name = eq === -1 ? body : body.slice(0, eq);
      const kind = FLAG_KINDS.get(name);
      if (kind === undefined) {
        problems.push({
          code: "ARGV_UNKNOWN_FLAG",
          message: `argv[${index}] ${arg}: not a dockerd flag this audit knows; assumed to take no separate value`,
          origin: flagOrigin(index, arg),
        });
      }
      if (eq !== -1) {
        flags.push({ name, value: body.slice(eq + 1), argvIndex: index, arg });
      } else if (kind === "value") {
        const next = argv[i];
        if (next === undefined) {
          problems.push({
            code: "ARGV_INVALID",
            message: `argv[${index}] ${arg}: flag needs an argument`,
            origin: flagOrigin(index, arg),
          });
          flags.push({ name, value: undefined, argvIndex: index, arg });
        } else {
          flags.push({ name, value: next, argvIndex: index, arg });
          i += 1;
        }
      } else {
        flags.push({ name, value: undefined, argvIndex: index, arg });
      }
      continue;
    }
    // A cluster of shorthands: `-DH tcp://x`, `-Htcp://x`, `-H=tcp://x`.
    let rest = arg.slice(1);
    while (rest.length > 0) {
      const letter = rest[0] ?? "";
      const name = SHORTHANDS.get(letter);
      if (name === undefined) {
        problems.push({
          code: "ARGV_UNKNOWN_FLAG",
          message: `argv[${index}] ${arg}: -${letter} is not a dockerd shorthand this audit knows; the rest of the argument is ignored`,
          origin: flagOrigin(index, arg),
        });
        break;
      }
      const kind = FLAG_KINDS.get(name) ?? "bool";
      if (rest.length > 2 && rest[1] === "=") {
        flags.push({ name, value: rest.slice(2), argvIndex: index, arg });
        rest = "";
      } else if (kind === "bool") {
        flags.push({ name, value: undefined, argvIndex: index, arg });
        rest = rest.slice(1);
      } else if (rest.length > 1) {
        flags.push({ name, value: rest.slice(1), argvIndex: index, arg });
        rest = "";
      } else {
        const next = argv[i];
        if (next === undefined) {
          problems.push({
            code: "ARGV_INVALID",
            message: `argv[${index}] ${arg}: flag -${letter} needs an argument`,
            origin: flagOrigin(index, arg),
          });
          flags.push({ name, value: undefined, argvIndex: index, arg });
        } else {
          flags.push({ name, value: next, argvIndex: index, arg });
          i += 1;
        }
        rest = "";
      }
    }
  }
  return { flags, positional, problems };
}

/**
 * Parse a dockerd argv into the settings that decide its exposure. Pure: give it
 * `/proc/PID/cmdline` split on NUL.
 *
 * @example
 * parseDockerdArgv(["dockerd", "-H", "tcp://0.0.0.0:2375", "--tls=false"]).hosts[0]?.value
 * // → "tcp://0.0.0.0:2375"
 */
export function parseDockerdArgv(argv: readonly string[]): DockerdArgs {
  const { flags, positional, problems } = tokenizeDockerdArgv(argv);
  const result: DockerdArgs = {
    flags,
    positional,
    hosts: [],
    tls: undefined,
    tlsVerify: undefined,
    tlsCaCert: undefined,
    tlsCert: undefined,
    tlsKey: undefined,
    configFile: undefined,
    rootless: undefined,
    problems,
  };
  for (const f of flags) {
    const origin = { kind: "flag" as const, argvIndex: f.argvIndex, arg: f.arg };
    const bool = (): Setting<boolean> | undefined => {
      if (f.value === undefined) return { value: true, origin };
      const value = parseGoBool(f.value);
      if (value === undefined) {
        problems.push({
          code: "ARGV_INVALID",
          message: `argv[${f.argvIndex}] ${f.arg}: ${JSON.stringify(f.value)} is not a boolean (dockerd refuses it)`,
          origin,
        });
        return undefined;
      }
      return { value, origin };
    };
    const text = (quoted: boolean): Setting<string> | undefined =>
      f.value === undefined ? undefined : { value: quoted ? trimQuotes(f.value) : f.value, origin };
    switch (f.name) {
      case "host": {
        const host = text(false);
        if (host !== undefined) result.hosts.push(host);
        break;
      }
      case "tls":
        result.tls = bool() ?? result.tls;
        break;
      case "tlsverify":
        result.tlsVerify = bool() ?? result.tlsVerify;
        break;
      case "tlscacert":
        result.tlsCaCert = text(true) ?? result.tlsCaCert;
        break;
      case "tlscert":
        result.tlsCert = text(true) ?? result.tlsCert;
        break;
      case "tlskey":
        result.tlsKey = text(true) ?? result.tlsKey;
        break;
      case "config-file":
        result.configFile = text(false) ?? result.configFile;
        break;
      case "rootless":
        result.rootless = bool() ?? result.rootless;
        break;
      default:
        break;
    }
  }
  return result;
}
