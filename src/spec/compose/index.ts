import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, posix, relative, resolve } from "node:path";
import { DockwardError, errorMessage, systemErrorCode } from "../../errors.js";
import type { ContainerSpec } from "../model.js";
import { parseDotEnv } from "./dotenv.js";
import { failAt } from "./errors.js";
import {
  interpolateTree,
  type Lookup,
  UNDEFINED_HINT,
  type UndefinedVariable,
} from "./interpolate.js";
import { parseYaml } from "./load.js";
import { clean, mergeNodes } from "./merge.js";
import {
  closestKey,
  isExtensionKey,
  SERVICE_KEYS,
  SERVICE_NAME,
  TOP_LEVEL_KEYS,
} from "./schema.js";
import { type Loc, SourceFile } from "./source.js";
import { collectSuppressions } from "./suppressions.js";
import { expectList, expectMap, expectString, serviceToSpec } from "./to-spec.js";
import { describe, get, mapNode, type YMap, type YNode } from "./tree.js";
import type { ComposeWarning, Suppression } from "./types.js";
import type { ParseWarning } from "./yaml-parse.js";

export { ComposeInputError } from "./errors.js";
export type { ComposeWarning, Suppression } from "./types.js";

/**
 * The compose adapter: compose files, read the way docker compose (compose-go) reads them —
 * `.env`, interpolation, `extends`, `-f` merging, profiles — into one ContainerSpec per
 * service, every field pointing at the file, line and column it came from.
 *
 * Pipeline, per file: parse once (load.ts) → check top-level keys → interpolate (interpolate.ts)
 * → resolve `extends` (here) → merge onto the files before it (merge.ts); then: check service
 * keys, select profiles, map each service (to-spec.ts). Comments are read for inline
 * suppressions (suppressions.ts).
 */

export interface ComposeInput {
  /** -f files in order; read from disk (relative to the current directory) */
  files: readonly string[];
  /** process env; .env in the project dir (dir of the first file) is read too, process env wins. Default: process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** active profiles; default: COMPOSE_PROFILES (comma-separated). `*` activates all */
  profiles?: readonly string[];
  /** docker compose --project-directory: where relative paths and .env are; default: dir of the first file */
  projectDir?: string;
  /**
   * A variable with no value and no default (`$VAR`, `${VAR}`): "error" (default) refuses the
   * file (BAD_INPUT, exit 2); "warn" does what docker compose does — substitutes "" — and
   * reports it in `warnings`. `${VAR:?msg}` / `${VAR?msg}` unset is always an error.
   */
  undefinedVariables?: "error" | "warn";
  /**
   * Text to use instead of a file's content on disk, by absolute path: `harden` checks its
   * rewritten file before anything is written.
   */
  overrides?: ReadonlyMap<string, string>;
}

export interface ComposeResult {
  specs: ContainerSpec[];
  suppressions: Suppression[];
  warnings: ComposeWarning[];
}

interface LoadedFile {
  src: SourceFile;
  documents: YMap[];
  /** some node carries `!reset` / `!override` */
  tagged: boolean;
}

interface ExtendsFile {
  src: SourceFile;
  services: YMap;
  memo: Map<string, YMap>;
}

/** An `include:` being loaded: the including project and what compose-go gives the included one. */
interface IncludeContext {
  parent: ProjectLoader;
  /** env files for the included project (default: its project directory's .env) */
  envFiles: readonly string[];
  /** absolute paths of the files including this one, for cycle detection */
  chain: readonly string[];
}

class ProjectLoader {
  private readonly cwd = process.cwd();
  private readonly overrides: ReadonlyMap<string, string> | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  private readonly projectDir: string;
  private readonly warnings: ComposeWarning[];
  private readonly suppressions: Suppression[];
  private readonly extendsFiles = new Map<string, ExtendsFile>();
  private readonly policy: "error" | "warn";
  private readonly dotenv = new Map<string, string>();
  /** the first -f file, for errors about the whole project */
  private first: SourceFile | undefined;
  /** what variables resolve against before this project's own env files */
  private readonly outer: Lookup;
  /** the environment compose runs in, over the env files (process env over .env) */
  readonly lookup: Lookup = (name) => this.outer(name) ?? this.dotenv.get(name);

  constructor(
    private readonly input: ComposeInput,
    private readonly include?: IncludeContext,
  ) {
    this.env = include?.parent.env ?? input.env ?? process.env;
    this.overrides = input.overrides;
    this.outer = include?.parent.lookup ?? ((name) => this.env[name]);
    this.warnings = include?.parent.warnings ?? [];
    this.suppressions = include?.parent.suppressions ?? [];
    this.policy = input.undefinedVariables ?? "error";
    const first = input.files[0];
    if (first === undefined)
      throw new DockwardError("USAGE", "no compose file given", { hint: "name one with -f FILE" });
    this.projectDir = resolve(
      this.cwd,
      input.projectDir ?? posix.dirname(resolve(this.cwd, first)),
    );
  }

  private warn(loc: Loc, code: ComposeWarning["code"], text: string): void {
    const { line, column } = loc.src.position(loc.offset);
    this.warnings.push({
      code,
      message: `${loc.src.path}:${line}:${column}: ${text}`,
      file: loc.src.path,
      line,
      column,
    });
  }

  private readonly onUndefined = (v: UndefinedVariable): void => {
    if (this.policy === "error")
      failAt(v.loc, `variable ${v.name} is not set and has no default`, UNDEFINED_HINT);
    this.warn(
      v.loc,
      "UNDEFINED_VARIABLE",
      `variable ${v.name} is not set; docker compose substitutes an empty string`,
    );
  };

  /** A path for messages and origins: relative to the current directory when inside it. */
  private display(abs: string): string {
    const rel = relative(this.cwd, abs);
    return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? abs : rel;
  }

  private read(abs: string, display: string, baseDir: string, from?: Loc): SourceFile {
    let text: string;
    try {
      text = this.overrides?.get(abs) ?? readFileSync(abs, "utf8");
    } catch (err) {
      const what = systemErrorCode(err) === "ENOENT" ? "no such file" : errorMessage(err);
      if (from !== undefined) failAt(from, `cannot read ${display}: ${what}`);
      throw new DockwardError("BAD_INPUT", `cannot read compose file ${display}: ${what}`, {
        hint: "check the path given with -f",
        cause: err,
      });
    }
    return new SourceFile(display, abs, text, baseDir);
  }

  /** Parse, collect suppressions, check the top level and interpolate every document. */
  private loadFile(src: SourceFile, checkKeys: boolean): LoadedFile {
    const parseWarnings: ParseWarning[] = [];
    const parsed = parseYaml(src, parseWarnings);
    for (const w of parseWarnings) this.warn(w.loc, "YAML_WARNING", w.message);
    this.suppressions.push(...collectSuppressions(src, parsed.comments, parsed.documents));
    const documents: YMap[] = [];
    for (const root of parsed.documents) {
      if (root === undefined) continue;
      if (root.kind !== "map") {
        failAt(
          root,
          `not a compose file: the top level must be a mapping (services:, volumes:, …), not ${describe(root)}`,
        );
      }
      if (checkKeys) {
        for (const pair of root.pairs.values()) {
          if (TOP_LEVEL_KEYS.has(pair.key) || isExtensionKey(pair.key)) continue;
          const near = closestKey(pair.key, TOP_LEVEL_KEYS);
          failAt(
            pair,
            `unknown top-level key "${pair.key}"`,
            near === undefined
              ? `allowed: ${[...TOP_LEVEL_KEYS].join(", ")}, and x-* extensions`
              : `did you mean "${near}"?`,
          );
        }
      }
      interpolateTree(root, this.lookup, this.onUndefined);
      const services = get(root, "services");
      if (services !== undefined) {
        if (services.kind !== "map") {
          failAt(
            services,
            `not a compose file: services must be a mapping of service names to services, not ${describe(services)}`,
          );
        }
        for (const pair of services.pairs.values()) {
          if (!SERVICE_NAME.test(pair.key)) {
            failAt(
              pair,
              `"${pair.key}" is not a valid service name`,
              "service names use letters, digits, '.', '_' and '-'",
            );
          }
          // null is allowed here: in an override file it changes nothing (compose-go validates
          // the merged model); a service that stays null is refused with the merged model
          const v = pair.value;
          if (v.kind !== "map" && v.tag !== "reset" && !(v.kind === "scalar" && v.value === null)) {
            failAt(v, `services.${pair.key} must be a mapping, not ${describe(v)}`);
          }
        }
      }
      // compose-go: includes first, so that extends sees the included services (extended
      // files' includes are not followed)
      if (checkKeys) this.applyInclude(root, src);
      documents.push(root);
    }
    return { src, documents, tagged: parsed.tagged };
  }

  private loadExtendsFile(path: string, at: YNode, from: SourceFile): ExtendsFile {
    const abs = resolve(from.baseDir, path);
    const cached = this.extendsFiles.get(abs);
    if (cached !== undefined) return cached;
    // compose-go loads an extended file with its own directory as working directory
    const src = this.read(abs, this.display(abs), posix.dirname(abs), at);
    const { documents } = this.loadFile(src, false);
    let root: YNode = mapNode(src, 0);
    for (const doc of documents) root = mergeNodes(root, doc, []);
    const services = root.kind === "map" ? get(root, "services") : undefined;
    if (services?.kind !== "map")
      failAt(at, `cannot extend from ${src.path}: it has no services section`);
    const file: ExtendsFile = { src, services, memo: new Map() };
    this.extendsFiles.set(abs, file);
    for (const name of [...services.pairs.keys()]) this.resolveService(file, name, [], new Set());
    return file;
  }

  /** Resolve `extends` for one service (recursively, memoised), replacing it in `file.services`. */
  private resolveService(
    file: ExtendsFile,
    name: string,
    chain: readonly string[],
    keys: ReadonlySet<string>,
  ): YMap | undefined {
    const done = file.memo.get(name);
    if (done !== undefined) return done;
    const pair = file.services.pairs.get(name);
    if (pair?.value.kind !== "map") return undefined;
    const service = pair.value;
    const ext = service.pairs.get("extends");
    if (ext === undefined) {
      file.memo.set(name, service);
      return service;
    }
    const what = `services.${name}.extends`;
    let ref: string;
    let fileNode: YNode | undefined;
    const v = ext.value;
    if (v.kind === "map") {
      for (const k of v.pairs.values()) {
        if (k.key !== "service" && k.key !== "file")
          failAt(k, `${what} has an unknown key "${k.key}"`, "extends takes service and file");
      }
      const s = get(v, "service");
      if (s === undefined) failAt(v, `${what}.service is required`);
      ref = expectString(s, `${what}.service`);
      fileNode = get(v, "file");
    } else ref = expectString(v, what);
    const here = `${file.src.absPath}\u0000${name}`;
    const nextChain = [...chain, `${name} (${file.src.path})`];
    const nextKeys = new Set(keys).add(here);
    const base =
      fileNode === undefined
        ? file
        : this.loadExtendsFile(expectString(fileNode, `${what}.file`), fileNode, file.src);
    if (nextKeys.has(`${base.src.absPath}\u0000${ref}`)) {
      failAt(
        v,
        `extends cycle: ${[...nextChain, `${ref} (${base.src.path})`].join(" → ")}`,
        "a service cannot extend itself, directly or through others",
      );
    }
    if (!base.services.pairs.has(ref)) {
      failAt(v, `cannot extend service "${name}": service "${ref}" not found in ${base.src.path}`);
    }
    const resolved = this.resolveService(base, ref, nextChain, nextKeys);
    if (resolved === undefined)
      failAt(
        v,
        `cannot extend service "${name}": services.${ref} in ${base.src.path} is not a mapping`,
      );
    const own = mapNode(service.src, service.offset);
    for (const [k, p] of service.pairs) if (k !== "extends") own.pairs.set(k, p);
    const merged = mergeNodes(resolved, own, ["services", name]);
    const out = expectMap(merged, `services.${name}`);
    file.services.pairs.set(name, { ...pair, value: out });
    file.memo.set(name, out);
    return out;
  }

  private readDotEnv(): void {
    const dotenv = posix.join(this.projectDir, ".env");
    const files = this.include?.envFiles ?? (existsSync(dotenv) ? [dotenv] : []);
    for (const abs of files) {
      const src = this.read(abs, this.display(abs), this.projectDir);
      // compose-go Mapping.Merge: what is already set (process env, the including project) wins
      for (const entry of parseDotEnv(src, this.outer, this.onUndefined)) {
        if (!this.dotenv.has(entry.key)) this.dotenv.set(entry.key, entry.value);
      }
    }
  }

  /**
   * `include:` (compose-go ApplyInclude): each entry is loaded as a project of its own — its
   * project directory (default: the first file's directory) for relative paths, its env files
   * (default: that directory's .env) under this project's environment — and its services,
   * volumes, networks, secrets, configs and models are imported; a resource this file also
   * defines is merged, this file's definition winning.
   */
  private applyInclude(root: YMap, src: SourceFile): void {
    const pair = root.pairs.get("include");
    if (pair === undefined) return;
    root.pairs.delete("include");
    if (pair.value.kind === "scalar" && pair.value.value === null) return;
    const strings = (node: YNode): YNode[] => (node.kind === "seq" ? node.items : [node]);
    expectList(pair.value, "include").forEach((entry, i) => {
      const what = `include[${String(i)}]`;
      let paths: YNode[];
      let projectDirNode: YNode | undefined;
      let envFileNode: YNode | undefined;
      if (entry.kind === "map") {
        for (const k of entry.pairs.values()) {
          if (k.key !== "path" && k.key !== "project_directory" && k.key !== "env_file") {
            failAt(
              k,
              `${what} has an unknown key "${k.key}"`,
              "include takes path, project_directory and env_file",
            );
          }
        }
        const p = get(entry, "path");
        if (p === undefined) failAt(entry, `${what}.path is required`);
        paths = strings(p);
        projectDirNode = get(entry, "project_directory");
        envFileNode = get(entry, "env_file");
      } else paths = [entry];
      const files = paths.map((p, j) =>
        resolve(this.projectDir, expectString(p, `${what}.path[${String(j)}]`)),
      );
      const main = files[0];
      const mainNode = paths[0];
      if (main === undefined || mainNode === undefined) failAt(entry, `${what}.path names no file`);
      const chain = [...(this.include?.chain ?? []), src.absPath];
      if (chain.includes(main)) {
        failAt(
          mainNode,
          `include cycle: ${[...chain, main].map((f) => this.display(f)).join(" → ")}`,
        );
      }
      const projectDir =
        projectDirNode === undefined
          ? posix.dirname(main)
          : resolve(this.projectDir, expectString(projectDirNode, `${what}.project_directory`));
      let envFiles: string[];
      if (envFileNode === undefined) {
        const dotenv = posix.join(projectDir, ".env");
        envFiles = existsSync(dotenv) ? [dotenv] : [];
      } else {
        envFiles = strings(envFileNode)
          .map((n, j) => expectString(n, `${what}.env_file[${String(j)}]`))
          .filter((f) => f !== "/dev/null")
          .map((f) => resolve(this.projectDir, f));
      }
      const child = new ProjectLoader(
        { files: files.map((f) => this.display(f)), projectDir, undefinedVariables: this.policy },
        { parent: this, envFiles, chain },
      );
      const imported = child.loadTree();
      if (imported === undefined) return;
      for (const key of ["services", "volumes", "networks", "secrets", "configs", "models"]) {
        const from = get(imported, key);
        if (from?.kind !== "map") continue;
        const existing = root.pairs.get(key);
        const to = existing?.value.kind === "map" ? existing.value : mapNode(pair.src, pair.offset);
        if (existing === undefined)
          root.pairs.set(key, { key, src: pair.src, offset: pair.offset, value: to });
        for (const [name, resource] of from.pairs) {
          const local = to.pairs.get(name);
          if (local === undefined) to.pairs.set(name, resource);
          else
            to.pairs.set(name, {
              ...local,
              value: mergeNodes(resource.value, local.value, [key, name]),
            });
        }
      }
    });
  }

  private activeProfiles(): Set<string> {
    const given = this.input.profiles;
    if (given !== undefined && given.length > 0) return new Set(given);
    const fromEnv = this.lookup("COMPOSE_PROFILES");
    return new Set(
      (fromEnv ?? "")
        .split(",")
        .map((p) => p.trim())
        .filter((p) => p !== ""),
    );
  }

  /** Read the env files and every -f file: the merged project, before profiles and mapping. */
  loadTree(): YMap | undefined {
    this.readDotEnv();
    let project: YNode | undefined;
    for (const file of this.input.files) {
      const abs = resolve(this.cwd, file);
      const src = this.read(abs, file, this.projectDir);
      this.first ??= src;
      const loaded = this.loadFile(src, true);
      for (const doc of loaded.documents) {
        const services = get(doc, "services");
        if (services?.kind === "map") {
          const ctx: ExtendsFile = { src, services, memo: new Map() };
          for (const name of [...services.pairs.keys()])
            this.resolveService(ctx, name, [], new Set());
        }
        // the first document has nothing to merge with: drop its `!reset` keys and tags
        if (project === undefined) project = loaded.tagged ? clean(doc) : doc;
        else project = mergeNodes(project, doc, []);
      }
    }
    return project === undefined ? undefined : expectMap(project, "the compose file");
  }

  load(): ComposeResult {
    const project = this.loadTree();
    const first = this.first;
    if (first === undefined) throw new DockwardError("USAGE", "no compose file given");
    if (project === undefined)
      failAt(
        { src: first, offset: 0 },
        "empty compose file",
        "a compose file has a services: mapping",
      );
    const root = project;
    const servicesNode = get(root, "services");
    if (servicesNode === undefined) {
      failAt(
        { src: first, offset: 0 },
        "not a compose file: there is no services: mapping",
        "a compose file lists its containers under services:",
      );
    }
    const services = expectMap(servicesNode, "services");
    const volumesNode = get(root, "volumes");
    const volumes =
      volumesNode === undefined || (volumesNode.kind === "scalar" && volumesNode.value === null)
        ? undefined
        : expectMap(volumesNode, "volumes");

    const active = this.activeProfiles();
    const home = this.env.HOME ?? homedir();
    const specs: ContainerSpec[] = [];
    for (const pair of services.pairs.values()) {
      const name = pair.key;
      const node = expectMap(pair.value, `services.${name}`);
      for (const key of node.pairs.values()) {
        if (SERVICE_KEYS.has(key.key) || isExtensionKey(key.key)) continue;
        const near = closestKey(key.key, SERVICE_KEYS);
        failAt(
          key,
          `services.${name}: unknown key "${key.key}"`,
          near === undefined
            ? "see the Compose Specification's service attributes; x-* keys are free"
            : `did you mean "${near}"?`,
        );
      }
      const profilesNode = get(node, "profiles");
      if (profilesNode !== undefined) {
        const profiles =
          profilesNode.kind === "seq"
            ? profilesNode.items.map((p, i) =>
                expectString(p, `services.${name}.profiles[${String(i)}]`),
              )
            : undefined;
        if (profiles === undefined)
          failAt(
            profilesNode,
            `services.${name}.profiles must be a list, not ${describe(profilesNode)}`,
          );
        if (profiles.length > 0 && !active.has("*") && !profiles.some((p) => active.has(p)))
          continue;
      }
      specs.push(
        serviceToSpec({
          name,
          key: pair,
          node,
          volumes,
          lookup: this.lookup,
          home,
          projectDir: this.projectDir,
          warn: (loc, code, message) => {
            this.warn(loc, code, message);
          },
          readText: (abs) => readFileSync(abs, "utf8"),
          openFile: (abs) => this.read(abs, this.display(abs), posix.dirname(abs)),
          readEnvFile: (src) => parseDotEnv(src, this.lookup, this.onUndefined),
        }),
      );
    }
    return { specs, suppressions: this.suppressions, warnings: this.warnings };
  }
}

/**
 * Load compose files like `docker compose -f a -f b` and map every active service.
 * Throws DockwardError BAD_INPUT (exit 2) — a ComposeInputError with file, line and column —
 * for anything docker compose would refuse, and for unset variables without a default.
 *
 * @example
 * const { specs, suppressions, warnings } = loadCompose({ files: ["compose.yaml"], env: process.env });
 */
export function loadCompose(input: ComposeInput): ComposeResult {
  try {
    return new ProjectLoader(input).load();
  } catch (err) {
    // the readers (and the yaml package) recurse once per nesting level
    if (err instanceof RangeError && err.message.includes("call stack")) {
      throw new DockwardError(
        "BAD_INPUT",
        `${input.files.join(", ")}: the YAML is nested too deeply to read`,
        {
          hint: "compose files nest a few levels; this one nests thousands",
          cause: err,
        },
      );
    }
    throw err;
  }
}

const DEFAULT_NAMES = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"];

/**
 * The compose file `docker compose` would pick without -f: the first of compose.yaml,
 * compose.yml, docker-compose.yaml, docker-compose.yml in `cwd`, else in its parents.
 * An absolute path, or undefined.
 */
export function findDefaultComposeFile(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    for (const name of DEFAULT_NAMES) {
      const candidate = posix.join(dir, name);
      try {
        if (statSync(candidate).isFile()) return candidate;
      } catch {
        // not there: try the next name
      }
    }
    const parent = posix.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
