import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { homedir } from "node:os";
import { posix } from "node:path";
import { DockwardError } from "../../errors.js";
import { ALL_CAPABILITIES, canonicalCapability, isKnownCapability } from "../capabilities.js";
import {
  emptySpec,
  type ContainerSpec,
  type Field,
  type MountSpec,
  type MountType,
  type NamespaceKind,
  type Origin,
  type PortSpec,
} from "../model.js";
import { PROPAGATIONS, validBindMode } from "../bind-mode.js";
import { applySecurityOpts, splitSecurityOpt } from "../security-opt.js";
import { parseBytes, parseNanoCpus } from "../units.js";
import {
  CREATE_TABLE,
  GLOBAL_TABLE,
  RUN_TABLE,
  canonicalFlagName,
  type DockerFlag,
  type FlagTable,
  type RunCommand,
} from "./docker-flags.js";

/**
 * The `docker run` / `docker create` adapter: an argv, as the docker CLI would receive it, to a
 * ContainerSpec. Flags are read with pflag's rules (the CLI's flag library) and values with the
 * CLI's and the daemon's own checks, so a command the real CLI or daemon refuses is refused here
 * too (BAD_INPUT, naming the word and its argv index) instead of being judged as something else.
 */

export interface RunArgvInput {
  argv: readonly string[];
  /** original positions if the argv came from a string (see splitShellWords), else index */
  positions?: readonly Origin[];
  file?: string;
  /** what relative paths (`-v ./data:/data`, `seccomp=profile.json`) resolve against; default process.cwd() */
  cwd?: string;
  /** what `~`, `$HOME` mean at the start of a bind source; default os.homedir() */
  home?: string;
  /** reads a seccomp profile file (absolute path); default fs.readFileSync(path, "utf8") */
  readFile?: (absolutePath: string) => string;
}

// ---------------------------------------------------------------------------------------------
// Context: origins and errors

class Ctx {
  readonly cwd: string;
  readonly home: string;
  readonly readFile: (absolutePath: string) => string;

  constructor(readonly input: RunArgvInput) {
    this.cwd = posix.resolve(input.cwd ?? process.cwd());
    this.home = input.home ?? homedir();
    this.readFile = input.readFile ?? ((p) => readFileSync(p, "utf8"));
  }

  origin(index: number): Origin {
    const { file, positions } = this.input;
    return { ...(file === undefined ? {} : { file }), ...positions?.[index], argIndex: index };
  }

  /** `(at argv[3])`, plus `file:line:col` when the argv came from text */
  at(index: number): string {
    const o = this.origin(index);
    if (o.line === undefined) return `(at argv[${index}])`;
    return `(at argv[${index}], ${o.file ?? "<command>"}:${o.line}:${o.column ?? 0})`;
  }

  fail(message: string, index: number, hint?: string, cause?: unknown): never {
    throw new DockwardError("BAD_INPUT", `${message} ${this.at(index)}`, {
      ...(hint === undefined ? {} : { hint }),
      ...(cause === undefined ? {} : { cause }),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// pflag: the docker CLI's flag syntax

interface Occurrence {
  flag: DockerFlag;
  /** the canonical long name (`net` → `network`) */
  name: string;
  /** as the user spelled the flag: `--memory`, `-m` */
  spelling: string;
  /** the value; for bool flags "true" or "false" */
  value: string;
  /** index of the flag's own word in argv */
  index: number;
}

/** strconv.ParseBool, which pflag uses for `--flag=value` on bool flags */
const GO_TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const GO_FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

interface FlagScope {
  table: FlagTable;
  /** `docker run`, `docker create`, or `docker` for the global flags */
  label: string;
  /** other scopes, to tell the user that a flag belongs there instead */
  others: readonly { table: FlagTable; label: string; where: string }[];
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, sub));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = levenshtein(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function unknownFlag(ctx: Ctx, scope: FlagScope, spelling: string, index: number): never {
  const isLong = spelling.startsWith("--");
  const key = isLong ? spelling.slice(2) : spelling.slice(1);
  const elsewhere = scope.others.find((other) =>
    isLong ? other.table.long.has(key) : other.table.short.has(key),
  );
  let hint: string;
  if (elsewhere !== undefined) {
    hint = `${spelling} is a ${elsewhere.label} flag: ${elsewhere.where}`;
  } else {
    const near = isLong ? closest(key, scope.table.long.keys()) : undefined;
    hint =
      near === undefined
        ? `see "${scope.label} --help" for the flags it takes`
        : `did you mean --${near}?`;
  }
  ctx.fail(`unknown flag ${spelling} for ${scope.label}`, index, hint);
}

function flagValue(
  ctx: Ctx,
  f: DockerFlag,
  spelling: string,
  raw: string,
  index: number,
): Occurrence {
  let value = raw;
  if (f.arity === "bool") {
    if (GO_TRUE.has(raw)) value = "true";
    else if (GO_FALSE.has(raw)) value = "false";
    else ctx.fail(`${spelling} takes true or false, not "${raw}"`, index);
  }
  return { flag: f, name: canonicalFlagName(f), spelling, value, index };
}

/**
 * Read flags from argv[from] on, with pflag's rules and interspersed parsing off (as docker
 * sets it): the first word that is not a flag ends the flags, and so does `--`.
 * Returns the flags and the index of that first word.
 */
function parseFlags(
  ctx: Ctx,
  argv: readonly string[],
  from: number,
  scope: FlagScope,
): { occurrences: Occurrence[]; next: number } {
  const occurrences: Occurrence[] = [];
  let i = from;
  while (i < argv.length) {
    const word = argv[i] ?? "";
    if (word === "--") return { occurrences, next: i + 1 };
    if (word.length < 2 || !word.startsWith("-")) return { occurrences, next: i };

    if (word.startsWith("--")) {
      const body = word.slice(2);
      if (body.startsWith("-") || body.startsWith("=")) {
        ctx.fail(`bad flag syntax ${word}`, i, "a long flag is --name or --name=value");
      }
      const eq = body.indexOf("=");
      const name = eq === -1 ? body : body.slice(0, eq);
      const f = scope.table.long.get(name);
      if (f === undefined) unknownFlag(ctx, scope, `--${name}`, i);
      const spelling = `--${name}`;
      if (eq !== -1) {
        occurrences.push(flagValue(ctx, f, spelling, body.slice(eq + 1), i));
        i += 1;
      } else if (f.arity === "bool") {
        occurrences.push(flagValue(ctx, f, spelling, "true", i));
        i += 1;
      } else if (i + 1 < argv.length) {
        occurrences.push(flagValue(ctx, f, spelling, argv[i + 1] ?? "", i));
        i += 2;
      } else {
        ctx.fail(
          `flag ${spelling} needs a value`,
          i,
          `give one: ${spelling} VALUE or ${spelling}=VALUE`,
        );
      }
      continue;
    }

    // Shorthands: `-it`, `-v/a:/b`, `-e=X` (pflag drops the `=`), `-m 512m`.
    let shorthands = word.slice(1);
    let consumedNext = false;
    while (shorthands.length > 0) {
      const c = shorthands.charAt(0);
      const f = scope.table.short.get(c);
      const spelling = `-${c}`;
      if (f === undefined) unknownFlag(ctx, scope, spelling, i);
      if (shorthands.length > 2 && shorthands[1] === "=") {
        occurrences.push(flagValue(ctx, f, spelling, shorthands.slice(2), i));
        shorthands = "";
      } else if (f.arity === "bool") {
        occurrences.push(flagValue(ctx, f, spelling, "true", i));
        shorthands = shorthands.slice(1);
      } else if (shorthands.length > 1) {
        occurrences.push(flagValue(ctx, f, spelling, shorthands.slice(1), i));
        shorthands = "";
      } else if (i + 1 < argv.length) {
        occurrences.push(flagValue(ctx, f, spelling, argv[i + 1] ?? "", i));
        consumedNext = true;
        shorthands = "";
      } else {
        ctx.fail(`flag ${spelling} needs a value`, i, `give one: ${spelling} VALUE`);
      }
    }
    i += consumedNext ? 2 : 1;
  }
  return { occurrences, next: i };
}

function refuseExitFlags(ctx: Ctx, occurrences: readonly Occurrence[], label: string): void {
  for (const o of occurrences) {
    if (o.flag.exits === true && o.value === "true") {
      ctx.fail(
        `${label} ${o.spelling} prints ${o.name === "version" ? "the version" : "usage"} and creates no container`,
        o.index,
        `remove ${o.spelling} to check the container it would run`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Value parsers (Go's, where the CLI uses Go's)

type GoBase = 2 | 8 | 10 | 16;
const BASE_DIGITS: Readonly<Record<GoBase, RegExp>> = {
  2: /^[01]+$/,
  8: /^[0-7]+$/,
  10: /^\d+$/,
  16: /^[0-9a-f]+$/i,
};
const BASE_PREFIX: Readonly<Record<GoBase, string>> = { 2: "0b", 8: "0o", 10: "", 16: "0x" };

/** strconv.ParseInt/ParseUint with base 0: 42, -1, 0x2a, 0o52, 052, 0b101010, 1_000 */
function parseGoInteger(text: string, unsigned: boolean, bits: 16 | 64): number | undefined {
  let s = text;
  let negative = false;
  if (s.startsWith("+") || s.startsWith("-")) {
    if (unsigned) return undefined;
    negative = s.startsWith("-");
    s = s.slice(1);
  }
  let base: GoBase = 10;
  let digits = s;
  let prefixed = false;
  const head = s.slice(0, 2).toLowerCase();
  if (head === "0x" || head === "0o" || head === "0b") {
    base = head === "0x" ? 16 : head === "0o" ? 8 : 2;
    digits = s.slice(2);
    prefixed = true;
  } else if (s.length > 1 && s.startsWith("0")) {
    base = 8; // legacy octal: 0755
    digits = s.slice(1);
    prefixed = true;
  }
  // Go: an underscore only between digits, or right after a base prefix.
  if (digits.includes("__") || digits.endsWith("_")) return undefined;
  if (digits.startsWith("_") && !prefixed) return undefined;
  const clean = digits.replace(/_/g, "");
  if (!BASE_DIGITS[base].test(clean)) return undefined;
  const radix = BASE_PREFIX[base];
  const n = negative ? -BigInt(`${radix}${clean}`) : BigInt(`${radix}${clean}`);
  const width = BigInt(bits);
  const max = unsigned ? (1n << width) - 1n : (1n << (width - 1n)) - 1n;
  const min = unsigned ? 0n : -(1n << (width - 1n));
  if (n > max || n < min) return undefined;
  return Number(n);
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  "\u00b5s": 1e3,
  "\u03bcs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** time.ParseDuration, in nanoseconds: `30s`, `1m30s`, `1.5h`, `0` */
function parseGoDuration(text: string): number | undefined {
  const m = /^([+-]?)(.*)$/.exec(text);
  const sign = m?.[1] ?? "";
  const body = m?.[2] ?? "";
  if (body === "0") return 0;
  if (body === "") return undefined;
  const part = /(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < body.length) {
    part.lastIndex = at;
    const p = part.exec(body);
    if (p === null) return undefined;
    total += Number(p[1]) * (DURATION_UNITS[p[2] ?? ""] ?? Number.NaN);
    at = part.lastIndex;
  }
  return sign === "-" ? -total : total;
}

const SIZE_HINT = "a size is a number with an optional unit b, k, m, g, t, p (e.g. 512m, 1g)";

/** Validate a value by its flag's type, as pflag's Set would when the flag is read. */
function checkTypedValue(ctx: Ctx, o: Occurrence): void {
  const { value, spelling, index } = o;
  switch (o.flag.type) {
    case "bytes":
      if (parseBytes(value) === undefined)
        ctx.fail(`${spelling} "${value}" is not a size`, index, SIZE_HINT);
      break;
    case "mem-swap":
      if (value !== "-1" && parseBytes(value) === undefined)
        ctx.fail(
          `${spelling} "${value}" is not a size`,
          index,
          `${SIZE_HINT}, or -1 for unlimited swap`,
        );
      break;
    case "int":
      if (parseGoInteger(value, false, 64) === undefined)
        ctx.fail(`${spelling} "${value}" is not an integer`, index);
      break;
    case "uint":
      if (parseGoInteger(value, true, 64) === undefined)
        ctx.fail(`${spelling} "${value}" is not a non-negative integer`, index);
      break;
    case "uint16":
      if (parseGoInteger(value, true, 16) === undefined)
        ctx.fail(`${spelling} "${value}" is not an integer from 0 to 65535`, index);
      break;
    case "decimal":
      if (parseNanoCpus(value) === undefined)
        ctx.fail(
          `${spelling} "${value}" is not a CPU count`,
          index,
          "a CPU count is a decimal number with at most 9 decimals, e.g. 1.5",
        );
      break;
    case "duration":
      if (parseGoDuration(value) === undefined)
        ctx.fail(`${spelling} "${value}" is not a duration`, index, "e.g. 30s, 1m30s, 500ms");
      break;
    case "ip":
      if (value !== "" && isIP(value) === 0)
        ctx.fail(`${spelling} "${value}" is not an IP address`, index);
      break;
    default:
      break;
  }
}

function intOf(o: Occurrence): number {
  return parseGoInteger(o.value, false, 64) ?? 0;
}

function bytesOf(o: Occurrence): number {
  if (o.flag.type === "mem-swap" && o.value === "-1") return -1;
  return parseBytes(o.value) ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Host paths

/** `$PWD/x`, `$(pwd)/x`: the shell expands these before docker sees them; dockward does it here. */
const CWD_PREFIXES = ["$PWD", "${PWD}", "$(pwd)", "`pwd`"];
const HOME_PREFIXES = ["$HOME", "${HOME}"];

function stripPrefix(text: string, prefixes: readonly string[]): string | undefined {
  for (const p of prefixes) {
    if (text === p) return ".";
    if (text.startsWith(`${p}/`)) return `.${text.slice(p.length)}`;
  }
  return undefined;
}

/**
 * The absolute host path a source names, or undefined when it is not a path.
 * `~` is expanded only where the shell would (a word's start: `-v ~/x:/y`).
 */
function hostPathOf(ctx: Ctx, source: string, tilde: boolean): string | undefined {
  const fromCwd = stripPrefix(source, CWD_PREFIXES);
  if (fromCwd !== undefined) return posix.resolve(ctx.cwd, fromCwd);
  const fromHome = stripPrefix(source, HOME_PREFIXES);
  if (fromHome !== undefined) return posix.resolve(ctx.home, fromHome);
  if (tilde && (source === "~" || source.startsWith("~/")))
    return posix.resolve(ctx.home, `.${source.slice(1)}`);
  if (source.startsWith("/")) return posix.resolve(source);
  if (source.startsWith(".")) return posix.resolve(ctx.cwd, source);
  return undefined;
}

function expansionHint(text: string): string | undefined {
  return /[$`]/.test(text)
    ? "dockward does not expand shell variables or commands (other than $PWD, $(pwd), $HOME): write the path out"
    : undefined;
}

// ---------------------------------------------------------------------------------------------
// -v / --volume (the daemon's linux parser: volume/mounts/linux_parser.go)

/** moby's local volume driver: names of at least 2 characters from this set */
const LOCAL_VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

function checkTarget(ctx: Ctx, o: Occurrence, target: string): void {
  if (!target.startsWith("/"))
    ctx.fail(`${o.spelling} "${o.value}": the container path "${target}" is not absolute`, o.index);
  if (posix.resolve(target) === "/")
    ctx.fail(`${o.spelling} "${o.value}": a mount cannot replace the container's /`, o.index);
}

function parseVolume(ctx: Ctx, o: Occurrence, volumeDriver: string | undefined): MountSpec {
  const raw = o.value;
  const parts = raw.split(":");
  function invalid(why: string, hint?: string): never {
    return ctx.fail(`${o.spelling} "${raw}" is not a valid volume: ${why}`, o.index, hint);
  }
  if (raw === "" || parts[0] === "") invalid("it has no source or path");
  if (parts.length > 3) invalid("too many colons", "the form is [SOURCE:]CONTAINER_PATH[:OPTIONS]");

  let source: string | undefined;
  let target: string;
  let mode = "";
  if (parts.length === 1) {
    target = parts[0] ?? "";
  } else {
    source = parts[0] ?? "";
    target = parts[1] ?? "";
    mode = parts[2] ?? "";
    if (parts.length === 2 && validBindMode(target, { recursiveReadOnly: true }))
      invalid(`"${target}" is an option, and a volume needs a container path`);
  }
  if (!validBindMode(mode, { recursiveReadOnly: true })) {
    invalid(
      `invalid option "${mode}"`,
      mode.split(",").includes("readonly")
        ? '-v takes "ro"; "readonly" is a --mount option'
        : "options are ro|rw, z|Z, a propagation (rprivate, rshared, …), nocopy, consistent|cached|delegated",
    );
  }
  checkTarget(ctx, o, target);

  const options = mode === "" ? [] : mode.split(",");
  const propagation = options.find((opt) => PROPAGATIONS.has(opt));
  const mount: MountSpec = {
    type: "volume",
    source,
    hostPath: undefined,
    target,
    readOnly: options.some((opt) => opt === "ro" || opt === "rro" || opt.startsWith("ro-")),
    origin: ctx.origin(o.index),
  };
  if (propagation !== undefined) mount.propagation = propagation;
  const recursiveReadOnly = options.find((opt) => opt === "rro" || opt.startsWith("ro-"));
  if (source === undefined) {
    if (recursiveReadOnly !== undefined) invalid(`"${recursiveReadOnly}" needs a bind mount`);
    return mount; // anonymous volume
  }

  if (source.startsWith("~") && source !== "~" && !source.startsWith("~/")) {
    invalid(`"${source.split("/")[0] ?? source}" names another user's home`, "write the path out");
  }
  const hostPath = hostPathOf(ctx, source, true);
  if (hostPath !== undefined) return { ...mount, type: "bind", hostPath };
  if (recursiveReadOnly !== undefined) invalid(`"${recursiveReadOnly}" needs a bind mount`);

  const local = volumeDriver === undefined || volumeDriver === "" || volumeDriver === "local";
  if (local && !LOCAL_VOLUME_NAME.test(source)) {
    invalid(
      `"${source}" is neither an absolute path nor a volume name`,
      expansionHint(source) ??
        "a bind source starts with /, ./ or ~/; a volume name is [a-zA-Z0-9][a-zA-Z0-9_.-]+",
    );
  }
  return mount;
}

// ---------------------------------------------------------------------------------------------
// --mount (docker/cli opts/mount.go, then the daemon's checks)

/** encoding/csv, one record, default options */
function parseCsvRecord(text: string): string[] | string {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (text[i] === '"') {
      i += 1;
      for (;;) {
        if (i >= text.length) return 'extraneous or missing " in quoted-field';
        const c = text.charAt(i);
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        field += c;
        i += 1;
      }
      if (i < text.length && text[i] !== ",") return 'extraneous or missing " in quoted-field';
    } else {
      const end = text.indexOf(",", i);
      field = text.slice(i, end === -1 ? text.length : end);
      if (field.includes('"')) return 'bare " in non-quoted-field';
      i = end === -1 ? text.length : end;
    }
    fields.push(field);
    if (i >= text.length) return fields;
    i += 1; // the comma
  }
}

const MOUNT_TYPES: ReadonlySet<string> = new Set<MountType>([
  "bind",
  "volume",
  "tmpfs",
  "npipe",
  "cluster",
  "image",
]);

function isMountType(type: string): type is MountType {
  return MOUNT_TYPES.has(type);
}
const MOUNT_BOOL_KEYS = new Set([
  "readonly",
  "ro",
  "volume-nocopy",
  "bind-nonrecursive",
  "bind-create-src",
]);

function mountBool(ctx: Ctx, o: Occurrence, key: string, value: string | undefined): boolean {
  if (value === undefined || value === "1" || value === "true") return true;
  if (value === "0" || value === "false") return false;
  return ctx.fail(
    `${o.spelling} "${o.value}": ${key} takes true, 1, false or 0, not "${value}"`,
    o.index,
  );
}

function parseMount(ctx: Ctx, o: Occurrence): MountSpec {
  const raw = o.value.trim();
  function bad(why: string, hint?: string): never {
    return ctx.fail(`${o.spelling} "${o.value}": ${why}`, o.index, hint);
  }
  if (raw === "") bad("the value is empty");
  const fields = parseCsvRecord(raw);
  if (typeof fields === "string") bad(fields);

  let type = "volume";
  let source: string | undefined;
  let target: string | undefined;
  let readOnly = false;
  let propagation: string | undefined;
  let volumeDriver: string | undefined;
  const driverOptions = new Map<string, string>();
  const families = new Set<string>(); // bind / volume / tmpfs / image options given

  for (const field of fields) {
    const eq = field.indexOf("=");
    const rawKey = eq === -1 ? field : field.slice(0, eq);
    const value = eq === -1 ? undefined : field.slice(eq + 1);
    if (rawKey.trim() !== rawKey) bad(`option "${rawKey.trim()}" should not have whitespace`);
    if (value !== undefined) {
      if (value.trim() === "") bad(`the value for "${rawKey}" is empty`);
      if (value.trim() !== value) bad(`the value for "${rawKey}" should not have whitespace`);
    }
    const key = rawKey.toLowerCase();
    if (value === undefined && !MOUNT_BOOL_KEYS.has(key))
      bad(`"${field}" must be a key=value pair`);
    const family = /^(bind|volume|tmpfs|image)-/.exec(key)?.[1];
    // bind-recursive=enabled is the default: the CLI sets no bind options for it.
    if (family !== undefined && !(key === "bind-recursive" && value === "enabled"))
      families.add(family);
    const v = value ?? "";
    switch (key) {
      case "type":
        type = v.toLowerCase();
        break;
      case "source":
      case "src":
        source = v;
        break;
      case "target":
      case "dst":
      case "destination":
        target = v;
        break;
      case "readonly":
      case "ro":
        readOnly = mountBool(ctx, o, key, value);
        break;
      case "bind-propagation":
        propagation = v.toLowerCase();
        if (!PROPAGATIONS.has(propagation))
          bad(`bind-propagation "${v}" is not one of ${[...PROPAGATIONS].join(", ")}`);
        break;
      case "bind-recursive":
        if (!["enabled", "disabled", "writable", "readonly"].includes(v))
          bad(`bind-recursive takes enabled, disabled, writable or readonly, not "${v}"`);
        break;
      case "bind-nonrecursive":
      case "bind-create-src":
      case "volume-nocopy":
        mountBool(ctx, o, key, value);
        break;
      case "volume-driver":
        volumeDriver = v;
        break;
      case "volume-opt": {
        const optEq = v.indexOf("=");
        const optKey = optEq === -1 ? v : v.slice(0, optEq);
        if (optKey !== "") driverOptions.set(optKey, optEq === -1 ? "" : v.slice(optEq + 1));
        break;
      }
      case "tmpfs-size":
        if (parseBytes(v) === undefined) bad(`tmpfs-size "${v}" is not a size`, SIZE_HINT);
        break;
      case "tmpfs-mode":
        if (!/^[0-7]+$/.test(v)) bad(`tmpfs-mode "${v}" is not an octal mode`);
        break;
      case "consistency":
      case "volume-subpath":
      case "volume-label":
      case "image-subpath":
        break;
      default:
        bad(`unknown option "${key}"`);
    }
  }

  if (!isMountType(type))
    bad(`unknown mount type "${type}"`, `types are ${[...MOUNT_TYPES].join(", ")}`);
  for (const family of families) {
    if (family !== type) bad(`${family}-* options do not apply to a ${type} mount`);
  }
  if (target === undefined) bad("it has no target", "add target=/path/in/container");
  checkTarget(ctx, o, target);

  const mount: MountSpec = {
    type,
    source,
    hostPath: undefined,
    target,
    readOnly,
    origin: ctx.origin(o.index),
  };
  if (propagation !== undefined) mount.propagation = propagation;

  switch (type) {
    case "bind": {
      if (source === undefined) bad("a bind mount needs a source");
      // The CLI makes `.`-relative sources absolute; the shell has expanded $PWD and $(pwd).
      const hostPath = source.startsWith("~") ? undefined : hostPathOf(ctx, source, false);
      if (hostPath === undefined) {
        bad(
          `the bind source "${source}" is not an absolute path`,
          expansionHint(source) ?? "write the host path out (/…) or relative to here (./…)",
        );
      }
      mount.hostPath = hostPath;
      break;
    }
    case "volume": {
      if (source === undefined && readOnly) bad("an anonymous volume cannot be read-only");
      // The local driver's bind: type=none,o=bind,device=/host/path mounts a host directory.
      const local = volumeDriver === undefined || volumeDriver === "local";
      const o2 = driverOptions.get("o")?.split(",") ?? [];
      const device = driverOptions.get("device");
      if (
        local &&
        (o2.includes("bind") || o2.includes("rbind")) &&
        device?.startsWith("/") === true
      )
        mount.hostPath = posix.resolve(device);
      break;
    }
    case "tmpfs":
      if (source !== undefined) bad("a tmpfs mount takes no source");
      break;
    default:
      break;
  }
  return mount;
}

// ---------------------------------------------------------------------------------------------
// -p / --publish (go-connections nat.ParsePortSpec, and the CLI's long syntax)

function parsePortRange(text: string): [number, number] | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (m === null) return undefined;
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start > 65535 || end > 65535 || end < start) return undefined;
  return [start, end];
}

function formatRange([start, end]: [number, number]): string {
  return start === end ? String(start) : `${start}-${end}`;
}

/** nat.SplitProtoPort: `80/udp` → ["udp", "80"]; `80` → ["tcp", "80"] */
function splitProtoPort(raw: string): [string, string] {
  const parts = raw.split("/");
  const [port = "", proto] = parts;
  if (raw === "" || port === "") return ["", ""];
  if (proto === undefined || proto === "") return ["tcp", port];
  return [proto, port];
}

function parsePublish(ctx: Ctx, o: Occurrence): PortSpec {
  function bad(why: string, hint?: string): never {
    return ctx.fail(`${o.spelling} "${o.value}": ${why}`, o.index, hint);
  }
  let spec = o.value;
  if (spec.includes("=")) {
    // Long syntax: published=8080,target=80,protocol=udp
    const params = new Map<string, string>([["protocol", "tcp"]]);
    for (const param of spec.split(",")) {
      const eq = param.indexOf("=");
      if (eq <= 0) bad(`"${param}" is not name=value`);
      params.set(param.slice(0, eq), param.slice(eq + 1));
    }
    spec = `${params.get("published") ?? ""}:${params.get("target") ?? ""}/${params.get("protocol") ?? ""}`;
  }

  const parts = spec.split(":");
  const n = parts.length;
  const last = parts[n - 1] ?? "";
  let ip = "";
  let hostPort = "";
  if (n === 2) hostPort = parts[0] ?? "";
  else if (n >= 3) {
    ip = parts.slice(0, n - 2).join(":");
    hostPort = parts[n - 2] ?? "";
  }
  const [proto, containerPort] = splitProtoPort(last);
  if (ip.startsWith("[")) {
    if (!ip.endsWith("]")) bad(`invalid IP address ${ip}`);
    ip = ip.slice(1, -1);
  }
  if (ip !== "" && isIP(ip) === 0) bad(`invalid IP address ${ip}`);
  if (containerPort === "")
    bad("no container port", "the form is [IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]");
  const containerRange = parsePortRange(containerPort);
  if (containerRange === undefined) bad(`invalid container port "${containerPort}"`);
  let hostRange: [number, number] | undefined;
  if (hostPort !== "") {
    hostRange = parsePortRange(hostPort);
    if (hostRange === undefined) bad(`invalid host port "${hostPort}"`);
    const containerSpan = containerRange[1] - containerRange[0];
    if (containerSpan !== 0 && containerSpan !== hostRange[1] - hostRange[0])
      bad(`the ranges ${hostPort} and ${containerPort} differ in length`);
  }
  const protocol = proto.toLowerCase();
  if (protocol !== "tcp" && protocol !== "udp" && protocol !== "sctp")
    bad(`invalid protocol "${proto}"`, "protocols are tcp, udp and sctp");
  return {
    hostIp: ip,
    hostPort: hostRange === undefined ? "" : formatRange(hostRange),
    containerPort: formatRange(containerRange),
    protocol,
    origin: ctx.origin(o.index),
  };
}

// ---------------------------------------------------------------------------------------------
// smaller values

const ULIMIT_NAMES = new Set([
  "core",
  "cpu",
  "data",
  "fsize",
  "locks",
  "memlock",
  "msgqueue",
  "nice",
  "nofile",
  "nproc",
  "rss",
  "rtprio",
  "rttime",
  "sigpending",
  "stack",
]);

/** docker/cli opts.ValidateSysctl: only namespaced sysctls are accepted by the CLI */
const SYSCTL_NAMES = new Set([
  "kernel.msgmax",
  "kernel.msgmnb",
  "kernel.msgmni",
  "kernel.sem",
  "kernel.shmall",
  "kernel.shmmax",
  "kernel.shmmni",
  "kernel.shm_rmid_forced",
]);
const SYSCTL_PREFIXES = ["net.", "fs.mqueue."];

const DEVICE_CGROUP_RULE = /^[acb] ([0-9]+|\*):([0-9]+|\*) [rwm]{1,3}$/;

function validDeviceMode(mode: string): boolean {
  return mode !== "" && /^[rwm]+$/.test(mode) && new Set(mode).size === mode.length;
}

/** a Container Device Interface name (`nvidia.com/gpu=all`), not a path */
function isCdiName(device: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*\/[A-Za-z0-9][A-Za-z0-9_.-]*=\S+$/.test(device);
}

const RESTART_POLICIES = new Set(["no", "always", "unless-stopped", "on-failure"]);

/** `host`, `container:<name>`, … as the CLI (pid, uts, userns, cgroupns) and daemon (ipc) accept */
function validNamespaceMode(kind: NamespaceKind, value: string): boolean {
  const [mode = "", ...rest] = value.split(":");
  const ref = rest.join(":");
  switch (kind) {
    case "pid":
      return value === "" || value === "host" || (mode === "container" && ref !== "");
    case "uts":
    case "userns":
      return mode === "" || mode === "host";
    case "cgroupns":
      return value === "" || value === "host" || value === "private";
    case "ipc":
      return ["", "none", "private", "host", "shareable"].includes(value) || mode === "container";
    case "network":
      return true;
  }
}

/** The first `--network`'s network: plain `host`, or the long syntax `name=host,alias=x`. */
function networkTarget(ctx: Ctx, o: Occurrence): string {
  // The CLI's own (unanchored) test for the long syntax.
  if (!/\w+=\w+(,\w+=\w+)*/.test(o.value)) return o.value;
  const fields = parseCsvRecord(o.value);
  if (typeof fields === "string") ctx.fail(`${o.spelling} "${o.value}": ${fields}`, o.index);
  let target = "";
  for (const field of fields) {
    const [key = "", ...rest] = field.toLowerCase().split("=");
    if (rest.length === 0 || key === "")
      ctx.fail(`${o.spelling} "${o.value}": invalid field "${field}"`, o.index);
    if (key.trim() === "name") target = rest.join("=").trim();
  }
  if (target === "")
    ctx.fail(
      `${o.spelling} "${o.value}": the network name is not given`,
      o.index,
      "add name=NETWORK",
    );
  return target;
}

function checkCapability(ctx: Ctx, o: Occurrence): string {
  const raw = o.value;
  const canonical = canonicalCapability(raw);
  if (raw.trim() === raw && raw !== "" && isKnownCapability(canonical)) return canonical;
  const shown = canonical === "ALL" || canonical === "" ? canonical : `CAP_${canonical}`;
  let hint: string;
  if (raw.includes(",")) {
    const [first = "", second = ""] = raw.split(",");
    hint = `docker does not split capabilities on commas: repeat the flag, ${o.spelling} ${first.trim()} ${o.spelling} ${second.trim()}`;
  } else {
    const near = closest(canonical, ALL_CAPABILITIES);
    hint =
      near === undefined
        ? "capability names are listed in capabilities(7), e.g. NET_ADMIN"
        : `did you mean ${near}?`;
  }
  return ctx.fail(
    `unknown capability "${shown}" in ${o.spelling} "${raw}" (the daemon refuses it)`,
    o.index,
    hint,
  );
}

// ---------------------------------------------------------------------------------------------
// The command word(s)

const SUPPORTED =
  'docker run, docker create, docker container run|create, or just "run …"/"create …"';

function isDockerBinary(word: string): boolean {
  const base = posix.basename(word);
  return base === "docker" || base === "docker.exe";
}

function locateCommand(ctx: Ctx, argv: readonly string[]): { command: RunCommand; next: number } {
  if (argv.length === 0) {
    throw new DockwardError("BAD_INPUT", "the docker command is empty", {
      hint: `give a command such as: docker run --read-only alpine`,
    });
  }
  let i = 0;
  if (isDockerBinary(argv[0] ?? "")) {
    const scope: FlagScope = {
      table: GLOBAL_TABLE,
      label: "docker",
      others: [{ table: RUN_TABLE, label: "docker run", where: 'it goes after "run"' }],
    };
    const global = parseFlags(ctx, argv, 1, scope);
    refuseExitFlags(ctx, global.occurrences, "docker");
    i = global.next;
  }
  let word = argv[i];
  if (word === "container") {
    i += 1;
    word = argv[i];
  }
  if (word === "run" || word === "create") return { command: word, next: i + 1 };
  if (word === undefined) {
    ctx.fail(
      `no command after "${argv.slice(0, i).join(" ")}"`,
      i - 1,
      `dockward reads ${SUPPORTED}`,
    );
  }
  const hint =
    word === "sudo" || word === "$"
      ? `drop "${word}" and start at docker`
      : `dockward reads ${SUPPORTED}`;
  return ctx.fail(`unsupported command "${word}"`, i, hint);
}

// ---------------------------------------------------------------------------------------------
// The adapter

const MIN_MEMORY = 6 * 1024 * 1024; // moby linuxMinMemory

/**
 * Normalise a `docker run` / `docker create` argv into a ContainerSpec.
 *
 * @example
 * parseRunArgv({ argv: ["docker", "run", "--cap-add=sys_admin", "alpine"] }).capAdd
 * // [{ value: "SYS_ADMIN", origin: { argIndex: 2 } }]
 * @throws DockwardError BAD_INPUT (exit 2) when the docker CLI or daemon would refuse the command
 */
/** Where a run/create command's flags and image are: the first pass of parseRunArgv. */
function scanRunArgv(
  ctx: Ctx,
  argv: readonly string[],
): {
  command: string;
  label: string;
  occurrences: Occurrence[];
  imageIndex: number;
} {
  const { command, next } = locateCommand(ctx, argv);
  const label = `docker ${command}`;
  const table = command === "run" ? RUN_TABLE : CREATE_TABLE;
  const global = {
    table: GLOBAL_TABLE,
    label: "docker global",
    where: `it goes before "${command}" (docker [GLOBAL FLAGS] ${command} …)`,
  };
  // -d, --detach-keys, --sig-proxy exist only on run: say so rather than just "unknown".
  const runOnly = {
    table: RUN_TABLE,
    label: "docker run",
    where: "docker create has no such flag",
  };
  const scope: FlagScope = {
    table,
    label,
    others: command === "run" ? [global] : [runOnly, global],
  };
  const { occurrences, next: imageIndex } = parseFlags(ctx, argv, next, scope);
  return { command, label, occurrences, imageIndex };
}

/**
 * The layout of a `docker run`/`create` argv, for tools that rewrite it (harden): each flag's
 * canonical name, value and the argv words it spans, and where the image is.
 */
export function runArgvLayout(input: RunArgvInput): {
  imageIndex: number;
  flags: { name: string; value: string; index: number; words: number }[];
} {
  const ctx = new Ctx(input);
  const { occurrences, imageIndex } = scanRunArgv(ctx, input.argv);
  const starts = occurrences.map((o) => o.index);
  return {
    imageIndex,
    flags: occurrences.map((o, i) => {
      const nextStart = starts[i + 1] ?? imageIndex;
      return {
        name: o.name,
        value: o.value,
        index: o.index,
        words: Math.max(1, nextStart - o.index),
      };
    }),
  };
}

export function parseRunArgv(input: RunArgvInput): ContainerSpec {
  const ctx: Ctx = new Ctx(input);
  const { argv } = input;
  const { label, occurrences, imageIndex } = scanRunArgv(ctx, argv);
  refuseExitFlags(ctx, occurrences, label);
  for (const o of occurrences) checkTypedValue(ctx, o);
  const image = argv[imageIndex];
  if (image === undefined) {
    ctx.fail(
      `${label} has no IMAGE`,
      Math.max(0, argv.length - 1),
      `usage: ${label} [OPTIONS] IMAGE [COMMAND] [ARG...]`,
    );
  }
  if (image.trim() === "" || /\s/.test(image))
    ctx.fail(`"${image}" is not an image reference`, imageIndex);

  const last = (name: string): Occurrence | undefined =>
    occurrences.findLast((o) => o.name === name);
  const named = last("name")?.value;
  const containerName = named === "" ? undefined : named; // `--name=` leaves it unnamed
  const volumeDriver = last("volume-driver")?.value;

  const labels: Record<string, string> = {};
  const spec = emptySpec({
    kind: "run",
    name: containerName ?? `${label} ${image}`,
    origin: ctx.origin(0),
    image,
    labels,
    container: containerName,
  });
  const r = spec.resources;
  const field = <T>(value: T, o: Occurrence): Field<T> => ({ value, origin: ctx.origin(o.index) });
  const securityOpts: Field<string>[] = [];
  let autoRemove = false;
  let healthSettings: Occurrence | undefined;
  let noHealthcheck: Occurrence | undefined;

  for (const o of occurrences) {
    const { value, spelling, index } = o;
    switch (o.name) {
      case "privileged":
        spec.privileged = field(value === "true", o);
        break;
      case "cap-add":
        spec.capAdd.push(field(checkCapability(ctx, o), o));
        break;
      case "cap-drop":
        spec.capDrop.push(field(checkCapability(ctx, o), o));
        break;
      case "security-opt":
        securityOpts.push(field(value, o));
        break;

      case "memory":
        r.memory = field(bytesOf(o), o);
        break;
      case "memory-swap":
        r.memorySwap = field(bytesOf(o), o);
        break;
      case "memory-reservation":
        r.memoryReservation = field(bytesOf(o), o);
        break;
      case "shm-size":
        r.shmSize = field(bytesOf(o), o);
        break;
      case "cpus":
        r.nanoCpus = field(parseNanoCpus(value) ?? 0, o);
        break;
      case "cpu-shares":
        r.cpuShares = field(intOf(o), o);
        break;
      case "cpu-quota":
        r.cpuQuota = field(intOf(o), o);
        break;
      case "cpu-period":
        r.cpuPeriod = field(intOf(o), o);
        break;
      case "cpuset-cpus":
        r.cpusetCpus = field(value, o);
        break;
      case "pids-limit":
        r.pidsLimit = field(intOf(o), o);
        break;
      case "oom-kill-disable":
        r.oomKillDisable = field(value === "true", o);
        break;
      case "memory-swappiness": {
        const n = intOf(o);
        if (n !== -1 && (n < 0 || n > 100))
          ctx.fail(`${spelling} ${value} is out of range`, index, "swappiness is 0 to 100 (or -1)");
        break;
      }
      case "oom-score-adj": {
        const n = intOf(o);
        if (n < -1000 || n > 1000)
          ctx.fail(`${spelling} ${value} is out of range`, index, "the range is -1000 to 1000");
        break;
      }
      case "ulimit": {
        const eq = value.indexOf("=");
        const name = eq === -1 ? value : value.slice(0, eq);
        if (eq === -1) ctx.fail(`${spelling} "${value}" is not NAME=SOFT[:HARD]`, index);
        if (!ULIMIT_NAMES.has(name))
          ctx.fail(
            `${spelling} "${value}": unknown ulimit "${name}"`,
            index,
            `ulimits are ${[...ULIMIT_NAMES].join(", ")}`,
          );
        const limits = value.slice(eq + 1).split(":");
        if (limits.length > 2) ctx.fail(`${spelling} "${value}": at most SOFT:HARD`, index);
        const [soft, hard] = limits.map((l) => (/^[+-]?\d+$/.test(l) ? Number(l) : undefined));
        if (soft === undefined || (limits.length === 2 && hard === undefined))
          ctx.fail(`${spelling} "${value}": a limit is an integer`, index);
        const hardValue = hard ?? soft;
        if (hardValue !== -1 && soft > hardValue)
          ctx.fail(`${spelling} "${value}": the soft limit is above the hard limit`, index);
        const at = r.ulimits.findIndex((u) => u.name === name);
        if (at !== -1) r.ulimits.splice(at, 1); // the CLI keeps the last per name
        r.ulimits.push({ name, soft, hard: hardValue, origin: ctx.origin(index) });
        break;
      }

      case "user":
        spec.user = field(value, o);
        break;
      case "group-add":
        spec.groupAdd.push(field(value, o));
        break;
      case "read-only":
        spec.readOnlyRootfs = field(value === "true", o);
        break;
      case "sysctl": {
        const eq = value.indexOf("=");
        const name = eq === -1 ? value : value.slice(0, eq);
        const allowed =
          eq > 0 && (SYSCTL_NAMES.has(name) || SYSCTL_PREFIXES.some((p) => name.startsWith(p)));
        if (!allowed) {
          ctx.fail(
            `${spelling} "${value}" is not allowed`,
            index,
            eq === -1
              ? "the form is NAME=VALUE"
              : "docker accepts only namespaced sysctls: net.*, fs.mqueue.*, kernel.msg*, kernel.sem, kernel.shm*",
          );
        }
        const at = spec.sysctls.findIndex((s) => s.name === name);
        if (at !== -1) spec.sysctls.splice(at, 1);
        spec.sysctls.push({ name, value: value.slice(eq + 1), origin: ctx.origin(index) });
        break;
      }
      case "cgroup-parent":
        spec.cgroupParent = field(value, o);
        break;
      case "gpus":
        // the CLI makes it a DeviceRequest for the nvidia driver (opts.GpuOpts)
        spec.deviceRequests.push({ value: `${spelling} ${value}`, origin: ctx.origin(index) });
        break;
      case "restart": {
        if (value === "") {
          spec.restart = field({ name: "no", maximumRetryCount: 0 }, o);
          break;
        }
        const colon = value.indexOf(":");
        const name = colon === -1 ? value : value.slice(0, colon);
        const count = colon === -1 ? "" : value.slice(colon + 1);
        const policies = "no, always, unless-stopped, on-failure[:MAX_RETRIES]";
        if (!RESTART_POLICIES.has(name))
          ctx.fail(`${spelling} "${value}" is not a restart policy`, index, `use ${policies}`);
        if (count !== "" && !/^[+-]?\d+$/.test(count))
          ctx.fail(`${spelling} "${value}": the retry count must be an integer`, index);
        const retries = count === "" ? 0 : Number(count);
        if (retries !== 0 && name !== "on-failure")
          ctx.fail(`${spelling} "${value}": a retry count goes only with on-failure`, index);
        if (retries < 0) ctx.fail(`${spelling} "${value}": the retry count is negative`, index);
        spec.restart = field({ name, maximumRetryCount: retries }, o);
        break;
      }
      case "rm":
        autoRemove = value === "true";
        break;
      case "tmpfs": {
        const colon = value.indexOf(":");
        const path = colon === -1 ? value : value.slice(0, colon);
        if (!path.startsWith("/"))
          ctx.fail(`${spelling} "${value}": the container path "${path}" is not absolute`, index);
        spec.tmpfs.push(field(value, o));
        break;
      }
      case "env":
        if (value.startsWith("=") || value === "")
          ctx.fail(`${spelling} "${value}" has no variable name`, index);
        spec.env.push(field(value, o));
        break;
      case "volumes-from":
        spec.volumesFrom.push(field(value, o));
        break;

      case "pid":
      case "ipc":
      case "uts":
      case "userns":
      case "cgroupns": {
        const kind = o.name;
        if (!validNamespaceMode(kind, value))
          ctx.fail(`${spelling} "${value}" is not a valid ${kind} mode`, index);
        spec.namespaces[kind] = field(value, o);
        break;
      }
      case "network":
        // Several --network flags connect several networks; the first is the container's mode.
        spec.namespaces.network ??= field(networkTarget(ctx, o), o);
        break;

      case "volume":
        spec.mounts.push(parseVolume(ctx, o, volumeDriver));
        break;
      case "mount":
        spec.mounts.push(parseMount(ctx, o));
        break;
      case "use-api-socket":
        if (value === "true") {
          // The CLI bind-mounts the engine socket, writable (cli/command/container/create.go).
          spec.mounts.push({
            type: "bind",
            source: "/var/run/docker.sock",
            hostPath: "/var/run/docker.sock",
            target: "/var/run/docker.sock",
            readOnly: false,
            origin: ctx.origin(index),
          });
        }
        break;

      case "device": {
        if (isCdiName(value)) {
          // a CDI device: granted by the driver's spec on the host, not by a path given here
          spec.deviceRequests.push({ value: `${spelling} ${value}`, origin: ctx.origin(index) });
          break;
        }
        const parts = value.split(":");
        const [host = "", second, third] = parts;
        if (parts.length > 3 || host === "")
          ctx.fail(`${spelling} "${value}" is not HOST[:CONTAINER][:PERMISSIONS]`, index);
        let containerPath = host;
        let permissions = "rwm";
        if (third !== undefined) {
          containerPath = second ?? "";
          permissions = third;
          if (!validDeviceMode(third))
            ctx.fail(
              `${spelling} "${value}": bad permissions "${third}"`,
              index,
              "permissions are r, w, m",
            );
        } else if (second !== undefined) {
          if (validDeviceMode(second)) permissions = second;
          else containerPath = second;
        }
        if (!containerPath.startsWith("/"))
          ctx.fail(`${spelling} "${value}": "${containerPath}" is not an absolute path`, index);
        if (!host.startsWith("/"))
          ctx.fail(
            `${spelling} "${value}": the host device "${host}" is not an absolute path`,
            index,
            expansionHint(host),
          );
        spec.devices.push({
          hostPath: posix.resolve(host),
          containerPath: posix.resolve(containerPath),
          permissions,
          origin: ctx.origin(index),
        });
        break;
      }
      case "device-cgroup-rule":
        if (!DEVICE_CGROUP_RULE.test(value))
          ctx.fail(
            `${spelling} "${value}" is not a device cgroup rule`,
            index,
            'the form is "TYPE MAJOR:MINOR PERMS", e.g. "c 1:3 mr"',
          );
        spec.deviceCgroupRules.push(field(value, o));
        break;

      case "publish":
        spec.ports.push(parsePublish(ctx, o));
        break;
      case "publish-all":
        spec.publishAll = field(value === "true", o);
        break;
      case "expose": {
        const [proto, port] = splitProtoPort(value);
        if (
          parsePortRange(port) === undefined ||
          !["tcp", "udp", "sctp"].includes(proto.toLowerCase())
        )
          ctx.fail(`${spelling} "${value}" is not PORT[-PORT][/PROTOCOL]`, index);
        break;
      }

      case "label": {
        const eq = value.indexOf("=");
        const key = (eq === -1 ? value : value.slice(0, eq)).replace(/^[ \t]+/, "");
        if (key === "") ctx.fail(`${spelling} "${value}": the label has no name`, index);
        if (/[ \t]/.test(key))
          ctx.fail(`${spelling} "${value}": the label name has whitespace`, index);
        labels[key] = eq === -1 ? "" : value.slice(eq + 1);
        break;
      }
      case "attach":
        if (!["stdin", "stdout", "stderr"].includes(value.toLowerCase()))
          ctx.fail(`${spelling} "${value}": streams are stdin, stdout and stderr`, index);
        break;
      case "dns":
        if (isIP(value.trim()) === 0)
          ctx.fail(`${spelling} "${value}" is not an IP address`, index);
        break;
      case "storage-opt":
        if (!value.includes("=")) ctx.fail(`${spelling} "${value}" is not KEY=VALUE`, index);
        break;
      case "no-healthcheck":
        if (value === "true") noHealthcheck = o;
        break;
      case "health-cmd":
      case "health-interval":
      case "health-timeout":
      case "health-retries":
      case "health-start-period":
      case "health-start-interval": {
        let numeric = value === "" ? 0 : 1; // --health-cmd
        if (o.flag.type === "duration") numeric = parseGoDuration(value) ?? 0;
        if (o.flag.type === "int") numeric = intOf(o);
        if (numeric < 0) ctx.fail(`${spelling} ${value} cannot be negative`, index);
        if (numeric !== 0) healthSettings ??= o; // the CLI's haveHealthSettings
        break;
      }
      default:
        // Accepted and checked for type above, but nothing the rules judge.
        break;
    }
  }

  applySecurity(ctx, spec, securityOpts);

  // Conflicts the CLI or the daemon refuses.
  if (autoRemove && spec.restart !== undefined && spec.restart.value.name !== "no") {
    ctx.fail(
      "conflicting options: --rm and --restart",
      spec.restart.origin.argIndex ?? 0,
      "a container removed on exit cannot be restarted: drop one of them",
    );
  }
  if (noHealthcheck !== undefined && healthSettings !== undefined) {
    ctx.fail(
      `--no-healthcheck conflicts with ${healthSettings.spelling}`,
      healthSettings.index,
      "drop one of them",
    );
  }
  const nano = r.nanoCpus?.value ?? 0;
  for (const cfs of [r.cpuPeriod, r.cpuQuota]) {
    if (nano > 0 && cfs !== undefined && cfs.value > 0) {
      ctx.fail(
        "conflicting options: --cpus and --cpu-period/--cpu-quota (the daemon refuses both)",
        cfs.origin.argIndex ?? 0,
        "use --cpus alone",
      );
    }
  }
  const memory = r.memory?.value ?? 0;
  if (r.memory !== undefined && memory !== 0 && memory < MIN_MEMORY) {
    ctx.fail(
      `${r.memory.value} bytes is below the daemon's minimum memory limit (6m)`,
      r.memory.origin.argIndex ?? 0,
    );
  }
  const swap = r.memorySwap;
  if (swap !== undefined && swap.value > 0) {
    if (memory === 0)
      ctx.fail(
        "--memory-swap needs --memory (the daemon refuses it alone)",
        swap.origin.argIndex ?? 0,
        "set --memory too; --memory-swap is memory plus swap",
      );
    if (swap.value < memory)
      ctx.fail(
        "--memory-swap is below --memory (it is memory plus swap)",
        swap.origin.argIndex ?? 0,
        "set --memory-swap to at least --memory, or -1 for unlimited swap",
      );
  }

  return spec;
}

/**
 * Security options: the CLI's own checks, seccomp files read as the CLI reads them (relative to
 * the working directory, every one of them, not only the last), then the daemon's reading.
 */
function applySecurity(ctx: Ctx, spec: ContainerSpec, entries: readonly Field<string>[]): void {
  const profiles = new Map<string, unknown>();
  for (const entry of entries) {
    const opt = entry.value;
    const index = entry.origin.argIndex ?? 0;
    const kv = splitSecurityOpt(opt);
    // The CLI: every option but a bare no-new-privileges is KEY=VALUE (or KEY:VALUE), VALUE ≠ "".
    if (opt !== "no-new-privileges" && (kv?.[1] ?? "") === "") {
      ctx.fail(
        `invalid --security-opt "${opt}"`,
        index,
        "the form is KEY=VALUE, e.g. seccomp=unconfined, apparmor=PROFILE, no-new-privileges=true",
      );
    }
    if (kv?.[0] !== "seccomp") continue;
    const value = kv[1];
    if (value === "unconfined" || value === "builtin" || profiles.has(value)) continue;
    const file = posix.resolve(ctx.cwd, stripPrefix(value, CWD_PREFIXES) ?? value);
    let text: string;
    try {
      text = ctx.readFile(file);
    } catch (err) {
      ctx.fail(
        `seccomp profile ${value} not readable`,
        index,
        `the docker CLI reads the profile from ${file} and fails without it`,
        err,
      );
    }
    try {
      profiles.set(value, JSON.parse(text));
    } catch (err) {
      ctx.fail(`seccomp profile ${value} is not JSON`, index, "the docker CLI refuses it", err);
    }
  }

  const problems = applySecurityOpts(spec, entries);
  const first = problems[0];
  if (first !== undefined) {
    ctx.fail(
      `invalid --security-opt "${first.entry.value}": ${first.reason}`,
      first.entry.origin.argIndex ?? 0,
    );
  }
  const seccomp = spec.seccomp;
  if (seccomp?.value.kind === "file") {
    spec.seccomp = {
      value: { kind: "profile", json: profiles.get(seccomp.value.path) },
      origin: seccomp.origin,
    };
  }
}
