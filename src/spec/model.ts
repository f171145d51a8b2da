/**
 * ContainerSpec: what a container will be allowed to do, independent of how it was spelled.
 *
 * Every source — a `docker run` argv, a compose service, a container's inspect JSON, an Engine
 * API create request — is normalised into this one shape by an adapter in src/spec/adapters,
 * and the one rule set in src/rules judges it. Each field keeps where it came from (an Origin)
 * so a finding can point at the exact line and column, argv index, or JSON pointer.
 *
 * Conventions shared by all adapters:
 * - capability names are canonical: upper case, no `CAP_` prefix (`sys_admin`, `CAP_SYS_ADMIN`
 *   and `SYS_ADMIN` all become `SYS_ADMIN`); `ALL` stays `ALL`.
 * - sizes are bytes, CPU is nano-CPUs (1 CPU = 1e9), as the Engine API stores them.
 * - a field that the source did not set is `undefined` (the daemon's default applies);
 *   a field set to "unlimited" keeps the daemon's spelling of unlimited (0 or -1).
 * - host paths are absolute and normalised (no `..`, no trailing slash).
 */

/** `seccomp` is a seccomp profile file, as `dockward seccomp validate` judges it. */
export type TargetKind = "compose" | "run" | "container" | "request" | "daemon" | "seccomp";

/** Where a value came from. Compose: file/line/column (1-based); run: argIndex; JSON: pointer. */
export interface Origin {
  file?: string;
  line?: number;
  column?: number;
  /** index into the argv as the user gave it (0 = `docker`) */
  argIndex?: number;
  /** RFC 6901 pointer into the inspect/request JSON, e.g. `/HostConfig/Privileged` */
  pointer?: string;
}

export interface Field<T> {
  value: T;
  origin: Origin;
}

export interface Target {
  kind: TargetKind;
  /** compose service name, container name, or a label such as `docker run busybox` */
  name: string;
  /** where the target itself is declared (the service key, the argv, the inspect document) */
  origin: Origin;
  image: string | undefined;
  labels: Readonly<Record<string, string>>;
  /** compose service name (compose targets; also inspect targets made by compose) */
  service?: string | undefined;
  /** container name, where known */
  container?: string | undefined;
}

export type SeccompSetting =
  | { kind: "default" }
  | { kind: "unconfined" }
  /**
   * An inline JSON profile (the CLI and compose inline files; the daemon never reads paths).
   * DW-SEC-002 judges the profile's text, read as the daemon reads it: `text` when the adapter
   * kept it (with `file`, the profile file it read, so a finding can name it), else the raw
   * `seccomp=` entry of a request or inspect document, else `json` re-serialised (which has lost
   * duplicate keys and number spellings).
   */
  | { kind: "profile"; json: unknown; text?: string; file?: string }
  /** a profile file path not read (yet) by the adapter: lint reads it when it can */
  | { kind: "file"; path: string };

export type MountType = "bind" | "volume" | "tmpfs" | "npipe" | "cluster" | "image";

export interface MountSpec {
  type: MountType;
  /** the source as written: a host path for binds, a volume name for volumes */
  source: string | undefined;
  /**
   * The host path this mount exposes, resolved: binds' sources, and named volumes whose
   * local driver options bind a host directory (`o: bind`, `device: /path`). Undefined for
   * ordinary volumes and tmpfs.
   */
  hostPath: string | undefined;
  target: string;
  readOnly: boolean;
  /** bind propagation (rshared, …) when set */
  propagation?: string | undefined;
  origin: Origin;
}

export interface DeviceSpec {
  hostPath: string;
  containerPath: string;
  /** cgroup permissions, e.g. "rwm" */
  permissions: string;
  origin: Origin;
}

export interface PortSpec {
  /** "" means all interfaces (0.0.0.0 and ::) */
  hostIp: string;
  /** "" means an ephemeral port chosen by the daemon; may be a range "8000-8010" */
  hostPort: string;
  containerPort: string;
  protocol: "tcp" | "udp" | "sctp";
  origin: Origin;
}

export interface SysctlSpec {
  name: string;
  value: string;
  origin: Origin;
}

export interface UlimitSpec {
  name: string;
  soft: number;
  hard: number;
  origin: Origin;
}

export interface RestartSpec {
  /** "no" | "always" | "unless-stopped" | "on-failure" */
  name: string;
  maximumRetryCount: number;
}

export type NamespaceKind = "pid" | "ipc" | "network" | "uts" | "userns" | "cgroupns";

export interface ContainerSpec {
  target: Target;

  privileged: Field<boolean> | undefined;
  capAdd: Field<string>[];
  capDrop: Field<string>[];

  /** the LAST `seccomp=` entry of security options (the daemon's rule) */
  seccomp: Field<SeccompSetting> | undefined;
  /** the LAST `apparmor=` entry: "unconfined" or a profile name */
  apparmor: Field<string> | undefined;
  /** the LAST `no-new-privileges` entry (`no-new-privileges`, `=true`, `:true`, `=false`) */
  noNewPrivileges: Field<boolean> | undefined;
  /** `systempaths=unconfined`: masked and read-only /proc, /sys paths are removed */
  systemPathsUnconfined: Field<boolean> | undefined;
  /** every security option as written, for rules that need the raw list */
  securityOpt: Field<string>[];

  /** `host`, `container:<id>`, `private`, `shareable`, a network name, … as written */
  namespaces: Partial<Record<NamespaceKind, Field<string>>>;

  mounts: MountSpec[];
  volumesFrom: Field<string>[];
  devices: DeviceSpec[];
  /**
   * Devices granted through a device driver rather than by path: `--gpus`, CDI names
   * (`--device vendor.com/class=name`), API `DeviceRequests`, compose `gpus` and
   * `deploy.resources.reservations.devices`. The value says what was asked, as written.
   */
  deviceRequests: Field<string>[];
  deviceCgroupRules: Field<string>[];

  resources: {
    /** bytes; 0 = unlimited */
    memory: Field<number> | undefined;
    /** bytes; -1 = unlimited swap; 0/undefined = same as memory (twice memory in total) */
    memorySwap: Field<number> | undefined;
    memoryReservation: Field<number> | undefined;
    /** 1 CPU = 1e9 */
    nanoCpus: Field<number> | undefined;
    cpuQuota: Field<number> | undefined;
    cpuPeriod: Field<number> | undefined;
    cpuShares: Field<number> | undefined;
    cpusetCpus: Field<string> | undefined;
    /** 0 or -1 = unlimited */
    pidsLimit: Field<number> | undefined;
    oomKillDisable: Field<boolean> | undefined;
    shmSize: Field<number> | undefined;
    ulimits: UlimitSpec[];
  };

  /** `uid[:gid]` or `name[:group]` as written; undefined = the image's user (often root) */
  user: Field<string> | undefined;
  groupAdd: Field<string>[];
  readOnlyRootfs: Field<boolean> | undefined;
  /** explicit MaskedPaths / ReadonlyPaths (inspect and API requests only) */
  maskedPaths: Field<string[]> | undefined;
  readonlyPaths: Field<string[]> | undefined;
  sysctls: SysctlSpec[];
  cgroupParent: Field<string> | undefined;
  ports: PortSpec[];
  publishAll: Field<boolean> | undefined;
  restart: Field<RestartSpec> | undefined;
  tmpfs: Field<string>[];
  env: Field<string>[];
}

/** A spec with nothing set: adapters start from this and fill in what the source says. */
export function emptySpec(target: Target): ContainerSpec {
  return {
    target,
    privileged: undefined,
    capAdd: [],
    capDrop: [],
    seccomp: undefined,
    apparmor: undefined,
    noNewPrivileges: undefined,
    systemPathsUnconfined: undefined,
    securityOpt: [],
    namespaces: {},
    mounts: [],
    volumesFrom: [],
    devices: [],
    deviceRequests: [],
    deviceCgroupRules: [],
    resources: {
      memory: undefined,
      memorySwap: undefined,
      memoryReservation: undefined,
      nanoCpus: undefined,
      cpuQuota: undefined,
      cpuPeriod: undefined,
      cpuShares: undefined,
      cpusetCpus: undefined,
      pidsLimit: undefined,
      oomKillDisable: undefined,
      shmSize: undefined,
      ulimits: [],
    },
    user: undefined,
    groupAdd: [],
    readOnlyRootfs: undefined,
    maskedPaths: undefined,
    readonlyPaths: undefined,
    sysctls: [],
    cgroupParent: undefined,
    ports: [],
    publishAll: undefined,
    restart: undefined,
    tmpfs: [],
    env: [],
  };
}
