import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { DockwardError, errorMessage, systemErrorCode } from "../errors.js";

/**
 * The docker CLI's configuration directory and context store, read exactly where the CLI
 * keeps them: `$DOCKER_CONFIG` (default `~/.docker`), `config.json` for `currentContext`,
 * `contexts/meta/<sha256(name)>/meta.json` and `contexts/tls/<sha256(name)>/docker/*.pem`.
 */

export const DEFAULT_CONTEXT = "default";
const CONTEXT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$/;

export function configDir(
  env: Readonly<Record<string, string | undefined>>,
  home = homedir(),
): string {
  const fromEnv = env.DOCKER_CONFIG;
  return fromEnv !== undefined && fromEnv !== "" ? fromEnv : join(home, ".docker");
}

export function contextDirName(name: string): string {
  return createHash("sha256").update(name).digest("hex");
}

export interface TlsFiles {
  ca: string | undefined;
  cert: string | undefined;
  key: string | undefined;
}

export interface StoredContext {
  name: string;
  description: string | undefined;
  host: string;
  skipTLSVerify: boolean;
  /** Paths of the TLS files the store holds for the docker endpoint (undefined when absent). */
  tls: TlsFiles;
  metaPath: string;
}

// zod/mini ships no messages of its own; the English locale keeps the ones quoted in errors.
z.config(en());

const metaSchema = z.object({
  Name: z.string(),
  Metadata: z.nullish(z.looseObject({ Description: z.optional(z.string()) })),
  Endpoints: z.record(
    z.string(),
    z.looseObject({ Host: z.optional(z.string()), SkipTLSVerify: z.optional(z.boolean()) }),
  ),
});

const configSchema = z.looseObject({ currentContext: z.optional(z.string()) });

/** Where a file lookup reads from: the real file system by default, a map in unit tests. */
export interface FileReader {
  read(path: string): string | undefined;
  exists(path: string): boolean;
}

export const realFiles: FileReader = {
  read(path) {
    try {
      return readFileSync(path, "utf8");
    } catch (err) {
      if (systemErrorCode(err) === "ENOENT" || systemErrorCode(err) === "ENOTDIR") return undefined;
      throw new DockwardError("CONFIG_INVALID", `cannot read ${path}: ${errorMessage(err)}`, {
        hint: "check the file's permissions",
        cause: err,
      });
    }
  },
  exists(path) {
    try {
      statSync(path);
      return true;
    } catch {
      return false;
    }
  },
};

function jsonError(path: string, err: unknown): string {
  return `${path} is not valid JSON: ${errorMessage(err)}`;
}

export class ContextStore {
  constructor(
    readonly dir: string,
    private readonly files: FileReader = realFiles,
  ) {}

  get configPath(): string {
    return join(this.dir, "config.json");
  }

  /** `currentContext` from config.json, or undefined when unset or the file is absent. */
  currentContext(): string | undefined {
    const text = this.files.read(this.configPath);
    if (text === undefined || text.trim() === "") return undefined;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new DockwardError("CONFIG_INVALID", jsonError(this.configPath, err), {
        hint: "fix or remove the file (the docker CLI refuses it too)",
      });
    }
    const parsed = configSchema.safeParse(data);
    if (!parsed.success) {
      throw new DockwardError(
        "CONFIG_INVALID",
        `${this.configPath}: "currentContext" must be a string`,
        { hint: "set it with `docker context use NAME`" },
      );
    }
    const name = parsed.data.currentContext;
    return name === undefined || name === "" ? undefined : name;
  }

  metaPath(name: string): string {
    return join(this.dir, "contexts", "meta", contextDirName(name), "meta.json");
  }

  tlsDir(name: string): string {
    return join(this.dir, "contexts", "tls", contextDirName(name), "docker");
  }

  /** Load a stored context; `via` says how it was named (for the error message). */
  /**
   * Names of the stored contexts, sorted (the docker CLI's `context ls` without `default`). A
   * meta.json that cannot be read or has no Name is skipped: `load` reports it when used.
   */
  list(): string[] {
    const dir = join(this.dir, "contexts", "meta");
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return [];
    }
    const names: string[] = [];
    for (const entry of entries) {
      try {
        const data: unknown = JSON.parse(this.files.read(join(dir, entry, "meta.json")) ?? "null");
        if (
          typeof data === "object" &&
          data !== null &&
          "Name" in data &&
          typeof data.Name === "string"
        )
          names.push(data.Name);
      } catch {
        /* unreadable: skipped here, reported by load() */
      }
    }
    return names.sort();
  }

  load(name: string, via: string): StoredContext {
    if (!CONTEXT_NAME.test(name)) {
      throw new DockwardError(
        "CONTEXT_NOT_FOUND",
        `context "${name}" (from ${via}) is not a valid context name`,
        { hint: "names match ^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$; list them with `docker context ls`" },
      );
    }
    const metaPath = this.metaPath(name);
    const text = this.files.read(metaPath);
    if (text === undefined) {
      throw new DockwardError(
        "CONTEXT_NOT_FOUND",
        `context "${name}" (from ${via}) does not exist in ${join(this.dir, "contexts")}`,
        {
          hint: "list contexts with `docker context ls` or create it with `dockward context create`",
        },
      );
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new DockwardError("CONTEXT_INVALID", `context "${name}": ${jsonError(metaPath, err)}`, {
        hint: `recreate the context (docker context rm ${name} && docker context create ...)`,
      });
    }
    const parsed = metaSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const pointer = issue ? `/${issue.path.map(String).join("/")}` : "";
      throw new DockwardError(
        "CONTEXT_INVALID",
        `context "${name}": ${metaPath} at ${pointer}: ${issue?.message ?? "unexpected shape"}`,
        { hint: `recreate the context (docker context rm ${name} && docker context create ...)` },
      );
    }
    const docker = parsed.data.Endpoints.docker;
    if (docker?.Host === undefined || docker.Host === "") {
      throw new DockwardError(
        "CONTEXT_INVALID",
        `context "${name}": ${metaPath} has no docker endpoint host (/Endpoints/docker/Host)`,
        { hint: `set one with \`docker context update ${name} --docker host=...\`` },
      );
    }
    const tlsDir = this.tlsDir(name);
    const file = (base: string): string | undefined => {
      const p = join(tlsDir, base);
      return this.files.exists(p) ? p : undefined;
    };
    return {
      name,
      description: parsed.data.Metadata?.Description,
      host: docker.Host,
      skipTLSVerify: docker.SkipTLSVerify ?? false,
      tls: { ca: file("ca.pem"), cert: file("cert.pem"), key: file("key.pem") },
      metaPath,
    };
  }
}
