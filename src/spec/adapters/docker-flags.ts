/**
 * The flags of `docker run` / `docker create`, and the docker CLI's global flags, as data.
 *
 * Source: docker/cli cli/command/container/{opts,run,create}.go and cli/flags/options.go,
 * read at tags v20.10.0, v23.0.0, v24.0.0, v25.0.0, v28.0.0, v28.5.0 (checked 2026-08, and
 * against `docker run --help` of CLI 28.2.2). The union over 20.10–28 is listed: a flag a newer
 * CLI added carries `since`, so a command line written for either is read.
 *
 * The value type decides the flag's arity and whether repeating it accumulates, exactly as pflag
 * does: a `bool` flag never takes the next word (`--rm false` makes `false` the image), only
 * `--rm=false`; list- and map-typed flags (`opts.ListOpts`, `MapOpts`, `MountOpt`, …) keep every
 * value; any other flag keeps the last value given.
 */

/** The value type as `docker run --help` names it, plus the CLI's special option types. */
export type FlagValueType =
  | "bool"
  | "string"
  | "list"
  | "map"
  /** go-units RAMInBytes: `512m`, `1g` */
  | "bytes"
  /** like bytes, and `-1` = unlimited swap (opts.MemSwapBytes) */
  | "mem-swap"
  /** Go strconv.ParseInt(s, 0, 64): decimal, 0x…, 0o…, 0b…, legacy 0… octal */
  | "int"
  | "uint"
  | "uint16"
  /** a CPU count with up to 9 decimals (opts.NanoCPUs) */
  | "decimal"
  /** Go time.ParseDuration: `30s`, `1m30s` */
  | "duration"
  | "ip"
  | "ulimit"
  | "mount"
  | "network"
  | "gpu-request"
  | "weight-device"
  | "throttle-device";

export type FlagArity = "bool" | "value";

export type RunCommand = "run" | "create";

export interface DockerFlag {
  /** the long name, without the leading `--` */
  readonly name: string;
  /** the one-letter shorthand, without the leading `-` */
  readonly short?: string;
  readonly type: FlagValueType;
  /** `bool` flags take a value only as `--flag=value`; the others take the next word too */
  readonly arity: FlagArity;
  /** every occurrence adds a value (lists, maps); otherwise the last occurrence wins */
  readonly repeatable: boolean;
  /** the commands that have the flag (`-d`, `--detach-keys`, `--sig-proxy` are run-only) */
  readonly commands: readonly RunCommand[];
  /** the long name this flag is a hidden alias of (`--net` → `network`) */
  readonly aliasOf?: string;
  /** the docker CLI release that added it, when after 20.10 */
  readonly since?: string;
  /** accepted, but deprecated or ignored by current daemons */
  readonly deprecated?: string;
  /** only meaningful against a Windows daemon */
  readonly windowsOnly?: boolean;
  /** the CLI prints something and creates no container (`--help`, `--version`) */
  readonly exits?: boolean;
}

const REPEATABLE: ReadonlySet<FlagValueType> = new Set<FlagValueType>([
  "list",
  "map",
  "ulimit",
  "mount",
  "network",
  "gpu-request",
  "weight-device",
  "throttle-device",
]);

type FlagExtra = Partial<
  Pick<DockerFlag, "short" | "aliasOf" | "since" | "deprecated" | "windowsOnly" | "exits">
> & { runOnly?: boolean };

function flag(name: string, type: FlagValueType, extra: FlagExtra = {}): DockerFlag {
  const { runOnly = false, ...rest } = extra;
  return {
    name,
    type,
    arity: type === "bool" ? "bool" : "value",
    repeatable: REPEATABLE.has(type),
    commands: runOnly ? ["run"] : ["run", "create"],
    ...rest,
  };
}

/** Every flag of `docker run` and `docker create`, CLI 20.10 to 28, sorted by long name. */
export const RUN_FLAGS: readonly DockerFlag[] = [
  flag("add-host", "list"),
  flag("annotation", "map", { since: "24.0" }),
  flag("attach", "list", { short: "a" }),
  flag("blkio-weight", "uint16"),
  flag("blkio-weight-device", "weight-device"),
  flag("cap-add", "list"),
  flag("cap-drop", "list"),
  flag("cgroup-parent", "string"),
  flag("cgroupns", "string"),
  flag("cidfile", "string"),
  flag("cpu-count", "int", { windowsOnly: true }),
  flag("cpu-percent", "int", { windowsOnly: true }),
  flag("cpu-period", "int"),
  flag("cpu-quota", "int"),
  flag("cpu-rt-period", "int"),
  flag("cpu-rt-runtime", "int"),
  flag("cpu-shares", "int", { short: "c" }),
  flag("cpus", "decimal"),
  flag("cpuset-cpus", "string"),
  flag("cpuset-mems", "string"),
  flag("detach", "bool", { short: "d", runOnly: true }),
  flag("detach-keys", "string", { runOnly: true }),
  flag("device", "list"),
  flag("device-cgroup-rule", "list"),
  flag("device-read-bps", "throttle-device"),
  flag("device-read-iops", "throttle-device"),
  flag("device-write-bps", "throttle-device"),
  flag("device-write-iops", "throttle-device"),
  flag("disable-content-trust", "bool", { deprecated: "content trust was removed in CLI 29" }),
  flag("dns", "list"),
  flag("dns-opt", "list", { aliasOf: "dns-option" }),
  flag("dns-option", "list"),
  flag("dns-search", "list"),
  flag("domainname", "string"),
  flag("entrypoint", "string"),
  flag("env", "list", { short: "e" }),
  flag("env-file", "list"),
  flag("expose", "list"),
  flag("gpus", "gpu-request"),
  flag("group-add", "list"),
  flag("health-cmd", "string"),
  flag("health-interval", "duration"),
  flag("health-retries", "int"),
  flag("health-start-interval", "duration", { since: "25.0" }),
  flag("health-start-period", "duration"),
  flag("health-timeout", "duration"),
  flag("help", "bool", { exits: true }),
  flag("hostname", "string", { short: "h" }),
  flag("init", "bool"),
  flag("interactive", "bool", { short: "i" }),
  flag("io-maxbandwidth", "bytes", { windowsOnly: true }),
  flag("io-maxiops", "uint", { windowsOnly: true }),
  flag("ip", "ip"),
  flag("ip6", "ip"),
  flag("ipc", "string"),
  flag("isolation", "string"),
  flag("kernel-memory", "bytes", {
    deprecated: "kernel memory limits are not supported by the kernel",
  }),
  flag("label", "list", { short: "l" }),
  flag("label-file", "list"),
  flag("link", "list"),
  flag("link-local-ip", "list"),
  flag("log-driver", "string"),
  flag("log-opt", "list"),
  flag("mac-address", "string"),
  flag("memory", "bytes", { short: "m" }),
  flag("memory-reservation", "bytes"),
  flag("memory-swap", "mem-swap"),
  flag("memory-swappiness", "int"),
  flag("mount", "mount"),
  flag("name", "string"),
  flag("net", "network", { aliasOf: "network" }),
  flag("net-alias", "list", { aliasOf: "network-alias" }),
  flag("network", "network"),
  flag("network-alias", "list"),
  flag("no-healthcheck", "bool"),
  flag("oom-kill-disable", "bool"),
  flag("oom-score-adj", "int"),
  flag("pid", "string"),
  flag("pids-limit", "int"),
  flag("platform", "string"),
  flag("privileged", "bool"),
  flag("publish", "list", { short: "p" }),
  flag("publish-all", "bool", { short: "P" }),
  flag("pull", "string"),
  flag("quiet", "bool", { short: "q", since: "23.0" }),
  flag("read-only", "bool"),
  flag("restart", "string"),
  flag("rm", "bool"),
  flag("runtime", "string"),
  flag("security-opt", "list"),
  flag("shm-size", "bytes"),
  flag("sig-proxy", "bool", { runOnly: true }),
  flag("stop-signal", "string"),
  flag("stop-timeout", "int"),
  flag("storage-opt", "list"),
  flag("sysctl", "map"),
  flag("tmpfs", "list"),
  flag("tty", "bool", { short: "t" }),
  flag("ulimit", "ulimit"),
  flag("use-api-socket", "bool", { since: "28.1" }),
  flag("user", "string", { short: "u" }),
  flag("userns", "string"),
  flag("uts", "string"),
  flag("volume", "list", { short: "v" }),
  flag("volume-driver", "string"),
  flag("volumes-from", "list"),
  flag("workdir", "string", { short: "w" }),
];

/** The docker CLI's own flags, which go before the subcommand (`docker -H ssh://x run …`). */
export const GLOBAL_FLAGS: readonly DockerFlag[] = [
  flag("config", "string"),
  flag("context", "string", { short: "c" }),
  flag("debug", "bool", { short: "D" }),
  flag("help", "bool", { short: "h", exits: true }),
  flag("host", "list", { short: "H" }),
  flag("log-level", "string", { short: "l" }),
  flag("tls", "bool"),
  flag("tlscacert", "string"),
  flag("tlscert", "string"),
  flag("tlskey", "string"),
  flag("tlsverify", "bool"),
  flag("version", "bool", { short: "v", exits: true }),
];

/** Lookup by long name and by shorthand, for one command. */
export interface FlagTable {
  readonly flags: readonly DockerFlag[];
  readonly long: ReadonlyMap<string, DockerFlag>;
  readonly short: ReadonlyMap<string, DockerFlag>;
}

export function flagTable(flags: readonly DockerFlag[]): FlagTable {
  const long = new Map<string, DockerFlag>();
  const short = new Map<string, DockerFlag>();
  for (const f of flags) {
    long.set(f.name, f);
    if (f.short !== undefined) short.set(f.short, f);
  }
  return { flags, long, short };
}

export const RUN_TABLE: FlagTable = flagTable(RUN_FLAGS.filter((f) => f.commands.includes("run")));
export const CREATE_TABLE: FlagTable = flagTable(
  RUN_FLAGS.filter((f) => f.commands.includes("create")),
);
export const GLOBAL_TABLE: FlagTable = flagTable(GLOBAL_FLAGS);

/** The long name a flag stands for: `net` → `network`, `dns-opt` → `dns-option`. */
export function canonicalFlagName(f: DockerFlag): string {
  return f.aliasOf ?? f.name;
}
