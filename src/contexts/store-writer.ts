import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { contextDirName } from "../engine/context-store.js";
import { DockwardError, errorMessage, systemErrorCode } from "../errors.js";
import { TLS_FILE_NAMES, type TlsMaterial } from "./tls-material.js";

/**
 * Writes to the docker CLI's context store, in the docker CLI's own layout and modes
 * (cli/context/store): `contexts/meta/<sha256>/meta.json` (dir 0755, file 0644) and
 * `contexts/tls/<sha256>/docker/*.pem` (dirs 0700, files 0600). Every change is staged under a
 * temporary name inside `contexts/` and renamed into place, so a failure leaves either the old
 * state or the new one, never half a context. The docker CLI only walks `contexts/meta`, so a
 * staging directory is never mistaken for a context.
 */

export interface ContextPaths {
  contextsDir: string;
  metaDir: string;
  metaFile: string;
  /** `contexts/tls/<sha256>`: docker's TLSPath in `context inspect` */
  tlsRoot: string;
  /** `contexts/tls/<sha256>/docker`: the docker endpoint's PEM files */
  tlsDockerDir: string;
}

export function contextPaths(configDir: string, name: string): ContextPaths {
  const contextsDir = join(configDir, "contexts");
  const hash = contextDirName(name);
  const metaDir = join(contextsDir, "meta", hash);
  const tlsRoot = join(contextsDir, "tls", hash);
  return {
    contextsDir,
    metaDir,
    metaFile: join(metaDir, "meta.json"),
    tlsRoot,
    tlsDockerDir: join(tlsRoot, "docker"),
  };
}

export interface NewContext {
  name: string;
  description: string | undefined;
  host: string;
  tls: TlsMaterial | undefined;
}

/** meta.json exactly as `docker context create` writes it (compact, Description only if set). */
export function metaJson(ctx: NewContext): string {
  return JSON.stringify({
    Name: ctx.name,
    Metadata: ctx.description === undefined ? {} : { Description: ctx.description },
    Endpoints: { docker: { Host: ctx.host, SkipTLSVerify: false } },
  });
}

/** Test seams: called between staging and committing, to simulate a crash or a full disk. */
export interface WriteHooks {
  beforeCommit?: () => void;
  /** after the TLS directory is renamed in, before meta.json is */
  afterTlsCommit?: () => void;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function mkdirMode(path: string, mode: number): void {
  mkdirSync(path, { recursive: true, mode });
  chmodSync(path, mode); // the umask trims mkdir's mode; docker's modes are exact
}

function writeFileMode(path: string, data: string | Buffer, mode: number): void {
  const fd = openSync(path, "wx", mode);
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(path, mode);
}

function stagingDir(contextsDir: string, what: string): string {
  const dir = join(contextsDir, `.dockward-${what}-${randomBytes(6).toString("hex")}`);
  mkdirMode(dir, 0o700);
  return dir;
}

function storeError(configDir: string, err: unknown): DockwardError {
  if (err instanceof DockwardError) return err;
  return new DockwardError(
    "CONFIG_INVALID",
    `cannot write the context store in ${configDir}: ${errorMessage(err)}`,
    { hint: "check that the directory is writable (DOCKER_CONFIG or ~/.docker)", cause: err },
  );
}

export function contextExists(configDir: string, name: string): boolean {
  return exists(contextPaths(configDir, name).metaFile);
}

/**
 * Create (or with `force`, replace) a context. A replaced context's old directories are moved
 * aside first and put back if the new ones cannot be renamed in.
 */
export function writeContext(
  configDir: string,
  ctx: NewContext,
  options: { force: boolean; hooks?: WriteHooks } = { force: false },
): ContextPaths {
  const paths = contextPaths(configDir, ctx.name);
  if (!options.force && exists(paths.metaFile)) {
    throw new DockwardError("BAD_INPUT", `context "${ctx.name}" already exists`, {
      hint: `pick another name, or replace it with --force (docker context rm ${ctx.name} removes it)`,
    });
  }
  let stage: string | undefined;
  const movedAside: { from: string; to: string }[] = [];
  const committed: string[] = [];
  try {
    if (!exists(configDir)) mkdirMode(configDir, 0o700);
    mkdirSync(join(paths.contextsDir, "meta"), { recursive: true, mode: 0o755 });
    mkdirSync(join(paths.contextsDir, "tls"), { recursive: true, mode: 0o700 });
    stage = stagingDir(paths.contextsDir, "new");
    const stagedMeta = join(stage, "meta");
    mkdirMode(stagedMeta, 0o755);
    writeFileMode(join(stagedMeta, "meta.json"), metaJson(ctx), 0o644);
    const stagedTls = join(stage, "tls");
    if (ctx.tls !== undefined) {
      mkdirMode(stagedTls, 0o700);
      mkdirMode(join(stagedTls, "docker"), 0o700);
      for (const file of TLS_FILE_NAMES) {
        writeFileMode(join(stagedTls, "docker", file), ctx.tls[file], 0o600);
      }
    }
    options.hooks?.beforeCommit?.();
    // Move the old context aside (with --force; without it, only leftovers such as a TLS
    // directory whose meta.json is gone, which docker would otherwise pick up as this
    // context's TLS material), then rename the new one in: TLS first, meta.json last, because
    // meta.json is what makes a context visible.
    for (const [from, label] of [
      [paths.metaDir, "old-meta"],
      [paths.tlsRoot, "old-tls"],
    ] as const) {
      if (exists(from)) {
        const to = join(stage, label);
        renameSync(from, to);
        movedAside.push({ from, to });
      }
    }
    if (ctx.tls !== undefined) {
      renameSync(stagedTls, paths.tlsRoot);
      committed.push(paths.tlsRoot);
    }
    options.hooks?.afterTlsCommit?.();
    renameSync(stagedMeta, paths.metaDir);
    committed.push(paths.metaDir);
    rmSync(stage, { recursive: true, force: true });
    return paths;
  } catch (err) {
    for (const dir of committed.reverse()) rmSync(dir, { recursive: true, force: true });
    for (const { from, to } of movedAside.reverse()) {
      try {
        renameSync(to, from);
      } catch {
        /* reported below: the original error is what the user needs */
      }
    }
    if (stage !== undefined) rmSync(stage, { recursive: true, force: true });
    throw storeError(configDir, err);
  }
}

/** Remove a context: meta first (it disappears from `docker context ls`), then its TLS files. */
export function removeContext(configDir: string, name: string): void {
  const paths = contextPaths(configDir, name);
  let stage: string | undefined;
  try {
    stage = stagingDir(paths.contextsDir, "rm");
    if (exists(paths.metaDir)) renameSync(paths.metaDir, join(stage, "meta"));
    if (exists(paths.tlsRoot)) renameSync(paths.tlsRoot, join(stage, "tls"));
    rmSync(stage, { recursive: true, force: true });
  } catch (err) {
    if (stage !== undefined) rmSync(stage, { recursive: true, force: true });
    throw storeError(configDir, err);
  }
}

/**
 * Read config.json as a JSON object, keeping every key (auths, credsStore, plugins, proxies...):
 * dockward owns only `currentContext` in it.
 */
function readConfigObject(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (systemErrorCode(err) === "ENOENT") return {};
    throw storeError(dirname(path), err);
  }
  if (text.trim() === "") return {};
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new DockwardError("CONFIG_INVALID", `${path} is not valid JSON: ${errorMessage(err)}`, {
      hint: "fix or remove the file (the docker CLI refuses it too)",
    });
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new DockwardError("CONFIG_INVALID", `${path} is not a JSON object`, {
      hint: "fix or remove the file (the docker CLI refuses it too)",
    });
  }
  return data as Record<string, unknown>;
}

/**
 * Set (or with undefined, remove) `currentContext` in config.json, keeping every other key and
 * the file's mode; written to a temporary file in the same directory and renamed over it. A
 * symlinked config.json (dotfile managers) is followed, as the docker CLI does.
 */
export function setCurrentContext(configDir: string, name: string | undefined): void {
  let path = join(configDir, "config.json");
  try {
    path = realpathSync(path);
  } catch {
    /* absent: created below */
  }
  const config = readConfigObject(path);
  if (name === undefined) delete config.currentContext;
  else config.currentContext = name;
  let mode = 0o600;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    /* new file: docker creates it 0600 */
  }
  const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    if (!exists(dirname(path))) mkdirMode(dirname(path), 0o700);
    // docker writes config.json indented with tabs
    writeFileMode(tmp, `${JSON.stringify(config, null, "\t")}\n`, mode);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw storeError(configDir, err);
  }
}
