import { existsSync, readFileSync, readdirSync } from "node:fs";
import { ContextStore, DEFAULT_CONTEXT } from "../engine/context-store.js";
import { DEFAULT_UNIX_HOST, normaliseHost } from "../engine/host.js";
import { DockwardError, errorMessage } from "../errors.js";
import { contextPaths } from "./store-writer.js";

/**
 * What `context ls` and `context inspect` show, computed from the store and the environment
 * the way the docker CLI computes it.
 */

export type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_DESCRIPTION = "Current DOCKER_HOST based configuration";

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/**
 * The context the docker CLI would use with no -H: --context > DOCKER_HOST (the default
 * context) > DOCKER_CONTEXT > currentContext > default.
 */
export function currentContextName(store: ContextStore, env: Env, flag?: string): string {
  if (flag !== undefined) return flag;
  if (nonEmpty(env.DOCKER_HOST) !== undefined) return DEFAULT_CONTEXT;
  return nonEmpty(env.DOCKER_CONTEXT) ?? store.currentContext() ?? DEFAULT_CONTEXT;
}

function defaultHost(env: Env): string {
  const fromEnv = nonEmpty(env.DOCKER_HOST);
  if (fromEnv === undefined) return DEFAULT_UNIX_HOST;
  try {
    return normaliseHost(fromEnv, nonEmpty(env.DOCKER_TLS_VERIFY) !== undefined, "DOCKER_HOST");
  } catch {
    return fromEnv;
  }
}

export interface ContextRow {
  Name: string;
  Description: string;
  DockerEndpoint: string;
  Current: boolean;
  /** why a stored context cannot be used, as `docker context ls` shows in its ERROR column */
  Error: string;
}

export function listContexts(store: ContextStore, env: Env, flag?: string): ContextRow[] {
  const current = currentContextName(store, env, flag);
  const rows: ContextRow[] = [
    {
      Name: DEFAULT_CONTEXT,
      Description: DEFAULT_DESCRIPTION,
      DockerEndpoint: defaultHost(env),
      Current: current === DEFAULT_CONTEXT,
      Error: "",
    },
  ];
  for (const name of store.list()) {
    if (name === DEFAULT_CONTEXT) continue;
    try {
      const ctx = store.load(name, "the context store");
      rows.push({
        Name: name,
        Description: ctx.description ?? "",
        DockerEndpoint: ctx.host,
        Current: current === name,
        Error: "",
      });
    } catch (err) {
      rows.push({
        Name: name,
        Description: "",
        DockerEndpoint: "",
        Current: current === name,
        Error: errorMessage(err),
      });
    }
  }
  return rows;
}

export function formatContextRows(rows: readonly ContextRow[]): string {
  const table = [
    ["NAME", "DESCRIPTION", "DOCKER ENDPOINT", "ERROR"],
    ...rows.map((r) => [
      `${r.Name}${r.Current ? " *" : ""}`,
      r.Description,
      r.DockerEndpoint,
      r.Error,
    ]),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...table.map((row) => (row[i] ?? "").length)));
  return table
    .map((row) =>
      row
        .map((cell, i) => (i < 3 ? cell.padEnd((widths[i] ?? 0) + 3) : cell))
        .join("")
        .trimEnd(),
    )
    .join("\n")
    .concat("\n");
}

/** `docker context inspect`'s shape. */
export interface ContextInspect {
  Name: string;
  Metadata: unknown;
  Endpoints: unknown;
  TLSMaterial: Record<string, string[]>;
  Storage: { MetadataPath: string; TLSPath: string };
}

export function notFound(name: string, configDir: string): DockwardError {
  return new DockwardError(
    "CONTEXT_NOT_FOUND",
    `context "${name}" does not exist in ${configDir}`,
    {
      hint: "list contexts with `dockward context ls`",
      kind: "usage",
    },
  );
}

export function inspectContext(store: ContextStore, name: string, env: Env): ContextInspect {
  if (name === DEFAULT_CONTEXT) {
    return {
      Name: DEFAULT_CONTEXT,
      Metadata: {},
      Endpoints: { docker: { Host: defaultHost(env), SkipTLSVerify: false } },
      TLSMaterial: {},
      Storage: { MetadataPath: "<IN MEMORY>", TLSPath: "<IN MEMORY>" },
    };
  }
  const paths = contextPaths(store.dir, name);
  if (!existsSync(paths.metaFile)) throw notFound(name, store.dir);
  // load() checks the shape and reports a broken meta.json with its path and JSON pointer
  store.load(name, "context inspect");
  // ...then the raw file is echoed, so keys other tools wrote (other endpoints, fields) show too
  const raw = JSON.parse(readFileSync(paths.metaFile, "utf8")) as {
    Metadata?: unknown;
    Endpoints?: unknown;
  };
  const tlsMaterial: Record<string, string[]> = {};
  let endpoints: string[] = [];
  try {
    endpoints = readdirSync(paths.tlsRoot);
  } catch {
    /* no TLS material */
  }
  for (const endpoint of endpoints.sort()) {
    try {
      const files = readdirSync(`${paths.tlsRoot}/${endpoint}`).sort();
      if (files.length > 0) tlsMaterial[endpoint] = files;
    } catch {
      /* not a directory */
    }
  }
  return {
    Name: name,
    Metadata: raw.Metadata ?? {},
    Endpoints: raw.Endpoints ?? {},
    TLSMaterial: tlsMaterial,
    Storage: { MetadataPath: paths.metaDir, TLSPath: paths.tlsRoot },
  };
}
