/**
 * DaemonSpec: what one Docker daemon exposes and how it is configured, independent of how
 * dockward learned it. Audit builds it from the daemon's process (/proc: argv, daemon.json,
 * listeners, files), from `GET /info`, and from probing its TCP listeners as an outsider; a
 * daemon seen only from outside (ssh, a remote -H) has the parts the API and the probe show.
 * The daemon rules in src/rules/daemon judge it, as the container rules judge a ContainerSpec.
 *
 * Conventions:
 * - a setting is `undefined` when dockward could not learn it (a remote daemon's `icc`): the
 *   rules say nothing about it and the audit lists what it could not check. When the process
 *   was read and the setting was not given, the value is dockerd's default with a "default"
 *   origin, because the default is what the daemon does.
 * - origins point where a fix goes: `file` + `pointer` into daemon.json, `argIndex` into the
 *   dockerd command line (`file` is then "/proc/PID/cmdline"), or a pointer into `GET /info`.
 */
import type { CertificateSummary } from "../audit/daemon/certificate.js";
import type { ProbeResult } from "../audit/daemon/probe.js";
import type { Origin, Target } from "./model.js";

export interface DaemonFact<T> {
  value: T;
  origin: Origin;
  /** how it was learned: a flag, daemon.json, `GET /info`, or dockerd's default */
  source: "flag" | "daemon.json" | "info" | "default" | "environment";
}

/** A file's owner and mode, as stat(2) gave them (through /proc/PID/root). */
export interface FileFacts {
  path: string;
  /** mode & 0o7777 */
  permissions: number;
  uid: number;
  gid: number;
  /** names from the daemon's /etc/passwd and /etc/group, when they list the ids */
  owner: string | undefined;
  group: string | undefined;
  isDirectory: boolean;
}

/** A file the daemon uses, which may not have been readable. */
export interface DaemonFile {
  path: string;
  /** where the daemon was told about it (or why it is the default) */
  origin: Origin;
  file: FileFacts | undefined;
  /** why it could not be stat'ed or read (ENOENT, EACCES, not PEM, ...) */
  error: string | undefined;
}

export interface TlsCertificateFile extends DaemonFile {
  /** the first certificate in the PEM file, when it parsed */
  certificate: CertificateSummary | undefined;
}

export interface TlsKeyFile extends DaemonFile {
  key: { type: string; bits: number | undefined; curve: string | undefined } | undefined;
}

export interface DaemonTls {
  /** the API listeners speak TLS (as configured) */
  enabled: boolean;
  /** clients must present a certificate (as configured; the probe says what really happens) */
  clientAuth: boolean;
  /** where TLS / client auth was decided (`--tlsverify=false`, `"tls": true`, ...) */
  origin: Origin;
  caCert: TlsCertificateFile | undefined;
  cert: TlsCertificateFile | undefined;
  key: TlsKeyFile | undefined;
}

export interface TcpEndpoint {
  /** as dialled: "127.0.0.1", "::1", a host name for a remote endpoint */
  host: string;
  port: number;
  /** where it listens: all interfaces, loopback only, or one address */
  scope: "any" | "loopback" | "specific" | "remote";
  /** the -H / "hosts" entry that asked for it, or the /proc row that shows it */
  origin: Origin;
  /**
   * a -H / "hosts" entry names it (an API listener); false for another socket the process
   * holds (e.g. --metrics-addr), true for an endpoint dialled from outside
   */
  configured: boolean;
  /** the probe's answer; undefined when it was not probed */
  probe: ProbeResult | undefined;
}

export interface UnixEndpoint {
  path: string;
  origin: Origin;
  file: FileFacts | undefined;
  /** members of the socket's group (from /etc/group, plus users whose primary group it is) */
  groupMembers: string[] | undefined;
  error: string | undefined;
}

export interface DaemonSettings {
  icc?: DaemonFact<boolean>;
  iptables?: DaemonFact<boolean>;
  userlandProxy?: DaemonFact<boolean>;
  liveRestore?: DaemonFact<boolean>;
  experimental?: DaemonFact<boolean>;
  noNewPrivileges?: DaemonFact<boolean>;
  debug?: DaemonFact<boolean>;
  logLevel?: DaemonFact<string>;
  /** "" when off */
  usernsRemap?: DaemonFact<string>;
  rootless?: DaemonFact<boolean>;
  /** "" for the built-in default profile, "unconfined", or a path */
  seccompProfile?: DaemonFact<string>;
  /** the kernel and daemon support seccomp at all (from GET /info) */
  seccompAvailable?: DaemonFact<boolean>;
  authorizationPlugins?: DaemonFact<string[]>;
  /** registries and CIDRs reached without TLS verification, beyond the built-in 127.0.0.0/8 */
  insecureRegistries?: DaemonFact<string[]>;
  /** "nofile=1024:2048" style entries; empty when none */
  defaultUlimits?: DaemonFact<string[]>;
  /** "" when dockerd's default */
  cgroupParent?: DaemonFact<string>;
  storageDriver?: DaemonFact<string>;
}

export interface DaemonSpec {
  target: Target;
  /** what dockward could see: the process (flags, files, listeners) and/or the API */
  seen: { process: boolean; api: boolean };
  pid: number | undefined;
  /** daemon.json (absent is fine: dockerd runs on flags and defaults) */
  configFile: (DaemonFile & { status: "ok" | "absent" | "unreadable" | "invalid" }) | undefined;
  /** the directory that holds daemon.json (CIS 3.5/3.6) */
  configDir: DaemonFile | undefined;
  settings: DaemonSettings;
  tcp: TcpEndpoint[];
  unix: UnixEndpoint[];
  tls: DaemonTls | undefined;
  /** containerd's socket, as the daemon names it (`--containerd`) or the default */
  containerdSocket: DaemonFile | undefined;
  /**
   * things that went wrong collecting, each a sentence naming the file or value; `incomplete`
   * when something could not be read, so some checks could not run (the audit exits 3)
   */
  problems: { message: string; origin: Origin; incomplete?: boolean }[];
}
