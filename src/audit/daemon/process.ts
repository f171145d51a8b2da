import * as fs from "node:fs/promises";
import { basename, isAbsolute, join } from "node:path";
import { type DockerdArgs, parseDockerdArgv } from "./argv.js";
import {
  DOCKERD_ENVIRONMENT_KEYS,
  type DaemonJsonSettings,
  type DockerdEnvironment,
  type ExposureConfig,
  daemonJsonSettings,
  defaultConfigFile,
  parseDaemonJson,
  resolveExposure,
} from "./config.js";
import type { ProcOptions, Problem, Setting } from "./types.js";
import { errorReason, systemErrorCode } from "../../errors.js";

/**
 * The running dockerd processes, found in /proc. This is the I/O edge: it reads comm, exe,
 * cmdline, environ and the daemon.json each daemon was started with, and hands the text to
 * the pure parsers (argv.ts, config.ts). Files the daemon names are read as the daemon sees
 * them, through /proc/PID/root (a dockerd in a container has its own /etc/docker).
 */

export type DaemonJsonFile =
  /** no --config-file and no default daemon.json: dockerd runs on flags alone */
  | { status: "absent"; path: string; readPath: string }
  /** --config-file names a file that is not there (it was there when dockerd started) */
  | { status: "missing"; path: string; readPath: string }
  | { status: "unreadable"; path: string; readPath: string; errno: string | undefined }
  | {
      status: "invalid-json";
      path: string;
      readPath: string;
      message: string;
      line: number | undefined;
      column: number | undefined;
    }
  | { status: "not-an-object"; path: string; readPath: string; found: string }
  | {
      status: "ok";
      path: string;
      readPath: string;
      content: Record<string, unknown>;
      /** the file as read, for line:column of a key */
      text: string;
    };

export interface DockerdProcess {
  pid: number;
  /** /proc/PID/comm */
  comm: string;
  /** /proc/PID/exe, when readable ("… (deleted)" after a package upgrade) */
  exe: string | undefined;
  /** /proc/PID/cmdline split on NUL */
  argv: string[];
  args: DockerdArgs;
  configFile: Setting<string>;
  daemonJson: DaemonJsonFile;
  /** the variables of its environment that change dockerd's defaults */
  env: DockerdEnvironment;
  /** the exposure-relevant keys of daemon.json, when it parsed */
  daemonJsonSettings: DaemonJsonSettings | undefined;
  /** hosts and TLS as dockerd resolves flags + daemon.json */
  exposure: ExposureConfig;
  /** argv, daemon.json and /proc problems together */
  problems: Problem[];
}

const DOCKERD = "dockerd";

function withErrno(err: unknown): { errno?: string } {
  const code = systemErrorCode(err);
  return code === undefined ? {} : { errno: code };
}

/**
 * A path as process `procDir` (/proc/PID) sees it: absolute ones through its root (a dockerd in
 * a container has its own /etc/docker), relative ones from its working directory.
 */
export function pathSeenBy(procDir: string, path: string): string {
  return isAbsolute(path) ? join(procDir, "root", path) : join(procDir, "cwd", path);
}

/** /proc/PID/cmdline → argv (the kernel ends every argument with NUL). */
export function splitCmdline(raw: string): string[] {
  if (raw === "") return [];
  const parts = raw.split("\0");
  if (parts.at(-1) === "") parts.pop();
  return parts;
}

/**
 * /proc/PID/environ → the few variables that change dockerd's defaults (nothing else is kept:
 * an environment can hold secrets).
 */
export function pickEnvironment(raw: string): DockerdEnvironment {
  const env: DockerdEnvironment = {};
  for (const entry of splitCmdline(raw)) {
    const eq = entry.indexOf("=");
    if (eq <= 0) continue;
    const key = entry.slice(0, eq);
    const value = entry.slice(eq + 1);
    const known = DOCKERD_ENVIRONMENT_KEYS.find((k) => k === key);
    if (known !== undefined) env[known] = value;
  }
  return env;
}

/**
 * Is this process a Docker daemon? comm (the kernel's name for the executable, 15 chars) or
 * the basename of /proc/PID/exe must be `dockerd`. argv[0] is not trusted: anything can call
 * itself dockerd, and the `docker` CLI, `containerd`, `containerd-shim-*` and
 * `dockerd-rootless.sh` are not daemons an audit should read.
 */
export function isDockerd(comm: string, exe: string | undefined): boolean {
  if (comm.trim() === DOCKERD) return true;
  if (exe === undefined) return false;
  return basename(exe.replace(/ \(deleted\)$/, "")) === DOCKERD;
}

async function readText(path: string): Promise<string> {
  return fs.readFile(path, "utf8");
}

async function readDaemonJson(
  procDir: string,
  path: string,
  explicit: boolean,
): Promise<DaemonJsonFile> {
  const readPath = pathSeenBy(procDir, path);
  let text: string;
  try {
    text = await readText(readPath);
  } catch (err) {
    const code = systemErrorCode(err);
    if (code === "ENOENT") return { status: explicit ? "missing" : "absent", path, readPath };
    return { status: "unreadable", path, readPath, errno: code };
  }
  const parsed = parseDaemonJson(text);
  switch (parsed.status) {
    case "ok":
      return { status: "ok", path, readPath, content: parsed.content, text };
    case "invalid-json":
      return {
        status: "invalid-json",
        path,
        readPath,
        message: parsed.message,
        line: parsed.line,
        column: parsed.column,
      };
    case "not-an-object":
      return { status: "not-an-object", path, readPath, found: parsed.found };
  }
}

function daemonJsonProblems(file: DaemonJsonFile): Problem[] {
  const origin = { kind: "daemon.json" as const, file: file.path, pointer: "" };
  switch (file.status) {
    case "absent":
    case "ok":
      return [];
    case "missing":
      return [
        {
          code: "CONFIG_UNREADABLE",
          message: `${file.path} (from --config-file) does not exist now; the daemon read it at start`,
          path: file.readPath,
          errno: "ENOENT",
          origin,
        },
      ];
    case "unreadable":
      return [
        {
          code: "CONFIG_UNREADABLE",
          message: `cannot read ${file.path} (${file.errno ?? "error"})`,
          path: file.readPath,
          ...(file.errno === undefined ? {} : { errno: file.errno }),
          origin,
        },
      ];
    case "invalid-json": {
      const at = file.line === undefined ? "" : `:${file.line}:${file.column ?? 0}`;
      return [
        {
          code: "CONFIG_INVALID_JSON",
          message: `${file.path}${at}: ${file.message} (dockerd refuses to start with it)`,
          origin,
        },
      ];
    }
    case "not-an-object":
      return [
        {
          code: "CONFIG_INVALID",
          message: `${file.path}: the top level must be an object, found ${file.found}`,
          origin,
        },
      ];
  }
}

/**
 * Read one process; undefined when it is not a dockerd or has gone away. Exposed for tests
 * and for auditing a known pid.
 */
export async function readDockerdProcess(
  pid: number,
  options: ProcOptions = {},
): Promise<DockerdProcess | undefined> {
  const procDir = join(options.procRoot ?? "/proc", String(pid));
  let comm: string;
  let cmdline: string;
  try {
    comm = (await readText(join(procDir, "comm"))).replace(/\n$/, "");
  } catch {
    return undefined;
  }
  const exe = await fs.readlink(join(procDir, "exe")).catch(() => undefined);
  if (!isDockerd(comm, exe)) return undefined;
  const problems: Problem[] = [];
  try {
    cmdline = await readText(join(procDir, "cmdline"));
  } catch {
    return undefined; // exited between the two reads
  }
  const argv = splitCmdline(cmdline);
  // A zombie (or a kernel thread) has no command line: nothing to audit.
  if (argv.length === 0) return undefined;
  let env: DockerdEnvironment = {};
  try {
    env = pickEnvironment(await readText(join(procDir, "environ")));
  } catch (err) {
    problems.push({
      code: "PROC_UNREADABLE",
      message: `cannot read ${join(procDir, "environ")} (${errorReason(err)}): TLS file defaults assume HOME=/root`,
      path: join(procDir, "environ"),
      ...withErrno(err),
    });
  }

  const args = parseDockerdArgv(argv);
  const configFile: Setting<string> = args.configFile ?? {
    value: defaultConfigFile(env),
    origin: { kind: "default", why: "no --config-file flag" },
  };
  const daemonJson = await readDaemonJson(procDir, configFile.value, args.configFile !== undefined);
  const settings =
    daemonJson.status === "ok"
      ? daemonJsonSettings(daemonJson.content, daemonJson.path)
      : undefined;
  const exposure = resolveExposure({ args, daemonJson: settings, env });
  problems.push(
    ...args.problems,
    ...daemonJsonProblems(daemonJson),
    ...(settings?.problems ?? []),
    ...exposure.problems,
  );
  return {
    pid,
    comm,
    exe,
    argv,
    args,
    configFile,
    daemonJson,
    env,
    daemonJsonSettings: settings,
    exposure,
    problems,
  };
}

/**
 * Every dockerd on this machine (in this pid namespace), by pid. Processes that exit during
 * the scan are skipped.
 *
 * @example
 * for (const d of await findDockerdProcesses()) {
 *   console.log(d.pid, d.exposure.hosts.map((h) => h.raw), d.exposure.tls.clientAuth);
 * }
 */
export async function findDockerdProcesses(options: ProcOptions = {}): Promise<DockerdProcess[]> {
  const procRoot = options.procRoot ?? "/proc";
  const entries = await fs.readdir(procRoot);
  const pids = entries
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .sort((a, b) => a - b);
  const found = await Promise.all(pids.map((pid) => readDockerdProcess(pid, options)));
  return found.filter((p): p is DockerdProcess => p !== undefined);
}
