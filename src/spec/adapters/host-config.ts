/**
 * The one HostConfig (and Config) → ContainerSpec mapping, shared by the inspect adapter and the
 * create-request adapter, plus the small JSON decoder both use.
 *
 * Decoding follows Go `encoding/json` as the daemon applies it to these structs:
 * - `null` for any field is the same as the field being absent (Go leaves the zero value or nil);
 * - a wrong JSON type is an error (the daemon answers `json: cannot unmarshal …`), reported as
 *   BAD_INPUT naming the RFC 6901 pointer of the offending value;
 * - unknown keys are ignored (newer daemons add fields; old clients send removed ones);
 * - `null` inside a list of strings decodes to "" (Go's zero value); `null` inside a list of
 *   structs is refused: the daemon turns it into a zero or nil struct, and `Ulimits: [null]`
 *   panics dockerd 20.10 while it holds the container's lock (checked: the container can then
 *   be neither inspected nor removed until the daemon restarts).
 * - integers must be exact: a JS number outside ±2^53 cannot say which int64 the daemon reads.
 *
 * Unset versus zero. The spec keeps what the source SAYS, and leaves the meaning to the rules:
 * - a number is recorded whenever the key is present, 0 and -1 included (`Memory: 0`,
 *   `PidsLimit: 0`, `CpuQuota: -1` all mean "unlimited" to the daemon, and rules read them so).
 *   Inspect output always carries every resource field, so an inspected container has
 *   `memory = 0` where a request that never mentioned memory has `memory = undefined`; rules
 *   must treat the two alike. `PidsLimit` and `OomKillDisable` are pointers in Go: `null` is
 *   undefined.
 * - booleans are recorded when present (`Privileged: false` is a Field with value false).
 * - an empty string means "not set" to the daemon for every string field read here (namespace
 *   modes, User, CgroupParent, CpusetCpus, Image), so "" is undefined.
 * - an empty MaskedPaths or ReadonlyPaths list (not null) removes the masks: it is recorded as
 *   the list AND as `systemPathsUnconfined`. In inspect output the daemon has already filled in
 *   its defaults, so there too `[]` means unconfined and `null` means no masks were computed
 *   (privileged containers, containers from older daemons).
 */

import { posix as path } from "node:path";

import { canonicalCapability } from "../capabilities.js";
import type {
  ContainerSpec,
  DeviceSpec,
  Field,
  MountSpec,
  MountType,
  Origin,
  PortSpec,
} from "../model.js";
import { PROPAGATIONS, validBindMode } from "../bind-mode.js";
import { applySecurityOpts, splitSecurityOpt } from "../security-opt.js";
import { DockwardError } from "../../errors.js";
import { escapePointerToken } from "../../json/fold.js";

// ─── errors ───────────────────────────────────────────────────────────────────────────────────

/** BAD_INPUT with the JSON pointer of the value that is wrong, as data. */
export class JsonInputError extends DockwardError {
  readonly pointer: string;
  constructor(label: string, pointer: string, problem: string, hint: string) {
    super("BAD_INPUT", `${label}: ${pointer === "" ? "(document root)" : pointer}: ${problem}`, {
      hint,
    });
    this.pointer = pointer;
  }
}

// ─── JSON pointers and paths ──────────────────────────────────────────────────────────────────

/** One RFC 6901 reference token (the JSON decoder's, shared). */
export { escapePointerToken };

export function childPointer(pointer: string, token: string | number): string {
  return `${pointer}/${typeof token === "number" ? String(token) : escapePointerToken(token)}`;
}

/** Go's path.Clean for slash paths: no `.`/`..` elements, no doubled or trailing slash. */
export function cleanPath(p: string): string {
  if (p === "") return ".";
  const normal = path.normalize(p);
  return normal.length > 1 && normal.endsWith("/") ? normal.slice(0, -1) : normal;
}

// ─── decoding ─────────────────────────────────────────────────────────────────────────────────

export interface DecodeContext {
  /** names the input in messages: a file name, "container create request", … */
  label: string;
  hint: string;
  /**
   * Refuse a key that is not spelled exactly like a field but that Go would match to it
   * case-insensitively (`privileged`, `ſecurityOpt` with U+017F). The create-request adapter
   * judges an already canonicalised body; a spelling that survived canonicalisation means the
   * canonicaliser and the daemon disagree, so fail closed.
   */
  strictKeys: boolean;
}

export interface Located<T> {
  value: T;
  pointer: string;
}

export type Decoder<T> = (value: unknown, pointer: string, ctx: DecodeContext) => T;

type Shape = Record<string, Decoder<unknown>>;
type Output<D> = D extends Decoder<infer T> ? T : never;
/** A decoded object: every key that was present and not null, with where it was. */
export type Decoded<S extends Shape> = { [K in keyof S]?: Located<Output<S[K]>> };

function fail(ctx: DecodeContext, pointer: string, problem: string): never {
  throw new JsonInputError(ctx.label, pointer, problem, ctx.hint);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `a string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === "number" || typeof value === "boolean") {
    return `${typeof value} ${String(value)}`;
  }
  return typeof value;
}

/**
 * The case folding Go's encoding/json applies when matching a key to a field name. Field names
 * here are ASCII, and the only non-ASCII characters that fold onto ASCII letters are U+017F
 * (ſ → s) and U+212A (Kelvin sign → k).
 */
export function foldKey(key: string): string {
  let out = "";
  for (const ch of key) {
    if (ch === "\u017f") out += "s";
    else if (ch === "\u212a") out += "k";
    else out += ch < "\u0080" ? ch.toLowerCase() : ch;
  }
  return out;
}

export const bool: Decoder<boolean> = (value, pointer, ctx) =>
  typeof value === "boolean"
    ? value
    : fail(ctx, pointer, `expected a boolean, got ${describe(value)}`);

export const str: Decoder<string> = (value, pointer, ctx) =>
  typeof value === "string"
    ? value
    : fail(ctx, pointer, `expected a string, got ${describe(value)}`);

/** Go int / int64: an integer JSON number, exactly representable here. */
export const int64: Decoder<number> = (value, pointer, ctx) => {
  if (typeof value !== "number")
    return fail(ctx, pointer, `expected an integer, got ${describe(value)}`);
  if (!Number.isInteger(value))
    return fail(ctx, pointer, `expected an integer, got ${String(value)}`);
  if (!Number.isSafeInteger(value)) {
    return fail(ctx, pointer, `${String(value)} is too large to read exactly`);
  }
  return value;
};

/** A JSON array; `null` elements are refused (see the header). */
export function array<T>(element: Decoder<T>): Decoder<Located<T>[]> {
  return (value, pointer, ctx) => {
    if (!Array.isArray(value))
      return fail(ctx, pointer, `expected an array, got ${describe(value)}`);
    return value.map((item: unknown, i) => {
      const at = `${pointer}/${i}`;
      if (item === null) return fail(ctx, at, "null is not allowed here");
      return { value: element(item, at, ctx), pointer: at };
    });
  };
}

/** Go []string: `null` elements decode to "". */
export const strList: Decoder<Located<string>[]> = (value, pointer, ctx) => {
  if (!Array.isArray(value))
    return fail(ctx, pointer, `expected an array of strings, got ${describe(value)}`);
  return value.map((item: unknown, i) => {
    const at = `${pointer}/${i}`;
    return { value: item === null ? "" : str(item, at, ctx), pointer: at };
  });
};

/** Docker's strslice.StrSlice (CapAdd, CapDrop): a list of strings, or one string. */
export const strSlice: Decoder<Located<string>[]> = (value, pointer, ctx) =>
  typeof value === "string" ? [{ value, pointer }] : strList(value, pointer, ctx);

export interface Entry<T> {
  key: string;
  value: T;
  pointer: string;
}

/** A Go map[string]T, in the order the keys were given. */
export function record<T>(valueDecoder: Decoder<T>): Decoder<Entry<T>[]> {
  return (value, pointer, ctx) => {
    if (!isRecord(value)) return fail(ctx, pointer, `expected an object, got ${describe(value)}`);
    return Object.entries(value).map(([key, item]) => {
      const at = childPointer(pointer, key);
      return { key, value: valueDecoder(item, at, ctx), pointer: at };
    });
  };
}

/** map[string]string: `null` values decode to "". */
export const strMap: Decoder<Entry<string>[]> = record((value, pointer, ctx) =>
  value === null ? "" : str(value, pointer, ctx),
);

/** A value that may be JSON null (inside maps, where null is kept apart from absent). */
export function orNull<T>(decoder: Decoder<T>): Decoder<T | null> {
  return (value, pointer, ctx) => (value === null ? null : decoder(value, pointer, ctx));
}

/** A Go struct: the listed keys are decoded, others ignored; null means absent. */
export function object<S extends Shape>(shape: S): Decoder<Decoded<S>> {
  const keys = Object.keys(shape);
  const folded = new Map(keys.map((k) => [foldKey(k), k]));
  // parallel arrays and an indexed loop below: this runs for every object of every inspect,
  // mostly before the JIT has seen it, where for-of and destructuring cost the most
  const tokens = keys.map((key) => `/${escapePointerToken(key)}`);
  const decoders = Object.values(shape);
  /** Every key of the value, in document order: the first wrong value is the one reported. */
  const walk = (
    value: Record<string, unknown>,
    pointer: string,
    ctx: DecodeContext,
  ): Decoded<S> => {
    const out: Record<string, Located<unknown>> = {};
    for (const key of Object.keys(value)) {
      const decoder = Object.hasOwn(shape, key) ? shape[key] : undefined;
      if (decoder === undefined) {
        // inspect output is mostly keys no rule reads: fold and point only when it can matter
        if (!ctx.strictKeys) continue;
        const meant = folded.get(foldKey(key));
        if (meant !== undefined) {
          fail(
            ctx,
            childPointer(pointer, key),
            `"${key}" is not spelled "${meant}"; the daemon would read it as ${meant}`,
          );
        }
        continue;
      }
      const item = value[key];
      if (item === null || item === undefined) continue;
      const at = childPointer(pointer, key);
      out[key] = { value: decoder(item, at, ctx), pointer: at };
    }
    // Sound: each key present in `out` holds what that key's decoder returned.
    return out as Decoded<S>;
  };
  return (value, pointer, ctx) => {
    if (!isRecord(value)) return fail(ctx, pointer, `expected an object, got ${describe(value)}`);
    if (ctx.strictKeys) return walk(value, pointer, ctx);
    // Not strict, unknown keys are skipped unread (an inspect document is mostly keys no rule
    // reads): look up the shape's keys instead of walking the document's.
    const out: Record<string, Located<unknown>> = {};
    try {
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        const token = tokens[i];
        const decoder = decoders[i];
        if (key === undefined || token === undefined || decoder === undefined) continue;
        const item = value[key];
        // an own enumerable key, as Object.keys would have listed it
        if (
          item === null ||
          item === undefined ||
          !Object.prototype.propertyIsEnumerable.call(value, key)
        )
          continue;
        const at = pointer + token;
        out[key] = { value: decoder(item, at, ctx), pointer: at };
      }
    } catch (err) {
      // several wrong values: report the first in document order, as the walk does
      if (err instanceof JsonInputError) return walk(value, pointer, ctx);
      throw err;
    }
    return out as Decoded<S>;
  };
}

// ─── the shapes read ──────────────────────────────────────────────────────────────────────────

const portBinding = object({ HostIp: str, HostPort: str });
const ulimit = object({ Name: str, Soft: int64, Hard: int64 });
const device = object({ PathOnHost: str, PathInContainer: str, CgroupPermissions: str });
const deviceRequest = object({
  Driver: str,
  Count: int64,
  DeviceIDs: strList,
  Capabilities: array(strList),
});
const mount = object({
  Type: str,
  Source: str,
  Target: str,
  ReadOnly: bool,
  BindOptions: object({ Propagation: str }),
  VolumeOptions: object({ DriverConfig: object({ Name: str, Options: strMap }) }),
});

/** The HostConfig fields dockward reads (moby api/types/container.HostConfig, API 1.41). */
export const hostConfigShape = {
  Privileged: bool,
  CapAdd: strSlice,
  CapDrop: strSlice,
  SecurityOpt: strList,
  MaskedPaths: strList,
  ReadonlyPaths: strList,
  PidMode: str,
  IpcMode: str,
  NetworkMode: str,
  UTSMode: str,
  UsernsMode: str,
  CgroupnsMode: str,
  Binds: strList,
  Mounts: array(mount),
  VolumesFrom: strList,
  Devices: array(device),
  DeviceRequests: array(deviceRequest),
  DeviceCgroupRules: strList,
  Memory: int64,
  MemorySwap: int64,
  MemoryReservation: int64,
  NanoCpus: int64,
  CpuQuota: int64,
  CpuPeriod: int64,
  CpuShares: int64,
  CpusetCpus: str,
  PidsLimit: int64,
  OomKillDisable: bool,
  ShmSize: int64,
  Ulimits: array(ulimit),
  ReadonlyRootfs: bool,
  GroupAdd: strList,
  Sysctls: strMap,
  CgroupParent: str,
  PortBindings: record(orNull(array(portBinding))),
  PublishAllPorts: bool,
  RestartPolicy: object({ Name: str, MaximumRetryCount: int64 }),
  Tmpfs: strMap,
} satisfies Shape;

/** The Config fields dockward reads (moby api/types/container.Config). */
export const containerConfigShape = {
  User: str,
  Env: strList,
  Image: str,
  Labels: strMap,
} satisfies Shape;

export type DecodedHostConfig = Decoded<typeof hostConfigShape>;
export type DecodedContainerConfig = Decoded<typeof containerConfigShape>;

export const decodeHostConfig = object(hostConfigShape);
export const decodeContainerConfig = object(containerConfigShape);

// ─── mapping ──────────────────────────────────────────────────────────────────────────────────

export interface MappingContext extends DecodeContext {
  /**
   * "request": refuse what the daemon refuses at create time (bad security options, bind
   * specs, mount types, port protocols). "inspect": the daemon already accepted the
   * container; skip bind strings this Linux parser cannot read (the record in the top-level
   * Mounts still covers them).
   */
  source: "inspect" | "request";
  /** the file the JSON came from, copied into every origin */
  file?: string;
}

export function originAt(ctx: MappingContext, pointer: string): Origin {
  return ctx.file === undefined ? { pointer } : { file: ctx.file, pointer };
}

function field<T>(ctx: MappingContext, located: Located<T>): Field<T> {
  return { value: located.value, origin: originAt(ctx, located.pointer) };
}

function optional<T>(ctx: MappingContext, located: Located<T> | undefined): Field<T> | undefined {
  return located === undefined ? undefined : field(ctx, located);
}

/** "" is "not set" for the daemon's string options. */
function nonEmpty(
  ctx: MappingContext,
  located: Located<string> | undefined,
): Field<string> | undefined {
  return located === undefined || located.value === "" ? undefined : field(ctx, located);
}

function fields(
  ctx: MappingContext,
  located: Located<Located<string>[]> | undefined,
): Field<string>[] {
  return (located?.value ?? []).map((item) => field(ctx, item));
}

/** Labels, Sysctls, Tmpfs … as a plain map (keys are unique in a decoded JSON object). */
export function entriesToRecord(
  entries: readonly Entry<string>[] | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries ?? []) out[e.key] = e.value;
  return out;
}

/** Config.User and Config.Env (Config.Image and Labels belong to the target). */
export function applyContainerConfig(
  spec: ContainerSpec,
  config: DecodedContainerConfig,
  ctx: MappingContext,
): void {
  spec.user = nonEmpty(ctx, config.User);
  spec.env = fields(ctx, config.Env);
}

const NAMESPACE_MODES = [
  ["pid", "PidMode"],
  ["ipc", "IpcMode"],
  ["network", "NetworkMode"],
  ["uts", "UTSMode"],
  ["userns", "UsernsMode"],
  ["cgroupns", "CgroupnsMode"],
] as const;

export function applyHostConfig(
  spec: ContainerSpec,
  hc: DecodedHostConfig,
  ctx: MappingContext,
): void {
  spec.privileged = optional(ctx, hc.Privileged);
  spec.capAdd = fields(ctx, hc.CapAdd).map((f) => ({ ...f, value: canonicalCapability(f.value) }));
  spec.capDrop = fields(ctx, hc.CapDrop).map((f) => ({
    ...f,
    value: canonicalCapability(f.value),
  }));

  applySecurity(spec, hc, ctx);

  for (const [kind, key] of NAMESPACE_MODES) {
    const f = nonEmpty(ctx, hc[key]);
    if (f !== undefined) spec.namespaces[kind] = f;
  }

  for (const bind of hc.Binds?.value ?? []) {
    const m = bindMount(bind, ctx);
    if (m !== undefined) spec.mounts.push(m);
  }
  for (const m of hc.Mounts?.value ?? []) spec.mounts.push(apiMount(m, ctx));
  spec.volumesFrom = fields(ctx, hc.VolumesFrom);

  spec.devices = (hc.Devices?.value ?? []).map((d) => deviceSpec(d, ctx));
  spec.deviceRequests = (hc.DeviceRequests?.value ?? []).map((d) => ({
    value: describeDeviceRequest(d.value),
    origin: originAt(ctx, d.pointer),
  }));
  spec.deviceCgroupRules = fields(ctx, hc.DeviceCgroupRules);

  const r = spec.resources;
  r.memory = optional(ctx, hc.Memory);
  r.memorySwap = optional(ctx, hc.MemorySwap);
  r.memoryReservation = optional(ctx, hc.MemoryReservation);
  r.nanoCpus = optional(ctx, hc.NanoCpus);
  r.cpuQuota = optional(ctx, hc.CpuQuota);
  r.cpuPeriod = optional(ctx, hc.CpuPeriod);
  r.cpuShares = optional(ctx, hc.CpuShares);
  r.cpusetCpus = nonEmpty(ctx, hc.CpusetCpus);
  r.pidsLimit = optional(ctx, hc.PidsLimit);
  r.oomKillDisable = optional(ctx, hc.OomKillDisable);
  r.shmSize = optional(ctx, hc.ShmSize);
  r.ulimits = (hc.Ulimits?.value ?? []).map(({ value: u, pointer }) => ({
    name: u.Name?.value ?? "",
    soft: u.Soft?.value ?? 0,
    hard: u.Hard?.value ?? 0,
    origin: originAt(ctx, pointer),
  }));

  spec.groupAdd = fields(ctx, hc.GroupAdd);
  spec.readOnlyRootfs = optional(ctx, hc.ReadonlyRootfs);
  spec.sysctls = (hc.Sysctls?.value ?? []).map((e) => ({
    name: e.key,
    value: e.value,
    origin: originAt(ctx, e.pointer),
  }));
  spec.cgroupParent = nonEmpty(ctx, hc.CgroupParent);
  spec.ports = portSpecs(hc.PortBindings, ctx);
  spec.publishAll = optional(ctx, hc.PublishAllPorts);
  if (hc.RestartPolicy !== undefined) {
    const rp = hc.RestartPolicy.value;
    const name = rp.Name?.value ?? "";
    spec.restart = {
      // the daemon reads an empty name as "no" (RestartPolicy.IsNone)
      value: {
        name: name === "" ? "no" : name,
        maximumRetryCount: rp.MaximumRetryCount?.value ?? 0,
      },
      origin: originAt(ctx, hc.RestartPolicy.pointer),
    };
  }
  // Recorded in the `--tmpfs` spelling, PATH or PATH:OPTIONS, like the run and compose adapters.
  spec.tmpfs = (hc.Tmpfs?.value ?? []).map((e) => ({
    value: e.value === "" ? e.key : `${e.key}:${e.value}`,
    origin: originAt(ctx, e.pointer),
  }));
}

function applySecurity(spec: ContainerSpec, hc: DecodedHostConfig, ctx: MappingContext): void {
  const entries = fields(ctx, hc.SecurityOpt);
  if (ctx.source === "request") {
    // `systempaths=unconfined` is the CLI's and compose's spelling: they turn it into empty
    // MaskedPaths/ReadonlyPaths. The daemon itself answers `invalid --security-opt 2`.
    for (const e of entries) {
      if (splitSecurityOpt(e.value)?.[0] === "systempaths") {
        fail(
          ctx,
          e.origin.pointer ?? "",
          `"${e.value}" is a client option; the daemon refuses it (send MaskedPaths: [] and ReadonlyPaths: [] instead)`,
        );
      }
    }
  }
  const problems = applySecurityOpts(spec, entries);
  const first = problems[0];
  if (ctx.source === "request" && first !== undefined) {
    fail(
      ctx,
      first.entry.origin.pointer ?? "",
      `the daemon refuses this security option: ${first.reason}`,
    );
  }

  // The daemon never reads a profile path: a seccomp= value that is not JSON is an invalid
  // inline profile there, not a file (only the CLI and compose read files).
  const seccomp = spec.seccomp;
  if (seccomp?.value.kind === "file") {
    if (ctx.source === "request") {
      fail(
        ctx,
        seccomp.origin.pointer ?? "",
        `seccomp profile "${seccomp.value.path}" is not JSON: the daemon does not read files`,
      );
    }
    spec.seccomp = { value: { kind: "profile", json: undefined }, origin: seccomp.origin };
  }

  spec.maskedPaths = pathList(ctx, hc.MaskedPaths);
  spec.readonlyPaths = pathList(ctx, hc.ReadonlyPaths);
  const emptied = [hc.MaskedPaths, hc.ReadonlyPaths].find((l) => l?.value.length === 0);
  if (emptied !== undefined && spec.systemPathsUnconfined === undefined) {
    spec.systemPathsUnconfined = { value: true, origin: originAt(ctx, emptied.pointer) };
  }
}

function pathList(
  ctx: MappingContext,
  located: Located<Located<string>[]> | undefined,
): Field<string[]> | undefined {
  if (located === undefined) return undefined;
  return { value: located.value.map((p) => p.value), origin: originAt(ctx, located.pointer) };
}

// ─── mounts ───────────────────────────────────────────────────────────────────────────────────

const MOUNT_TYPES: ReadonlySet<string> = new Set<MountType>([
  "bind",
  "volume",
  "tmpfs",
  "npipe",
  "cluster",
  "image",
]);

export function isMountType(t: string): t is MountType {
  return MOUNT_TYPES.has(t);
}

interface ParsedBind {
  source: string | undefined;
  target: string;
  options: string[];
}

/**
 * A `Binds` entry, parsed like moby's Linux ParseMountRaw: `dst`, `src:dst`, `src:dst:mode`.
 * Returns why the daemon would refuse it, or the parts.
 */
function parseBind(spec: string): ParsedBind | string {
  const parts = spec.split(":");
  if (parts.length > 3 || parts[0] === "") return "expected [SOURCE:]TARGET[:MODE]";
  let source: string | undefined;
  let target: string;
  let mode = "";
  if (parts.length === 1) {
    target = parts[0] ?? "";
  } else if (parts.length === 2) {
    // `/data:ro` is a target with a mode, which volumes cannot have
    if (validBindMode(parts[1] ?? "", { recursiveReadOnly: false })) return "a mode needs a source";
    [source = "", target = ""] = parts;
  } else {
    [source = "", target = "", mode = ""] = parts;
  }
  if (!validBindMode(mode, { recursiveReadOnly: false })) return `invalid mode "${mode}"`;
  if (!target.startsWith("/") || cleanPath(target) === "/") {
    return "the target must be an absolute path other than /";
  }
  return { source, target, options: mode === "" ? [] : mode.split(",") };
}

/** An absolute source is a bind; anything else names a volume (anonymous without a source). */
function bindMount(bind: Located<string>, ctx: MappingContext): MountSpec | undefined {
  const parsed = parseBind(bind.value);
  if (typeof parsed === "string") {
    if (ctx.source === "request")
      fail(ctx, bind.pointer, `invalid bind "${bind.value}": ${parsed}`);
    return undefined;
  }
  const { source, target, options } = parsed;
  const isBind = source?.startsWith("/") === true;
  return {
    type: isBind ? "bind" : "volume",
    source,
    hostPath: isBind ? cleanPath(source) : undefined,
    target: cleanPath(target),
    readOnly: options.includes("ro"),
    propagation: options.find((o) => PROPAGATIONS.has(o)),
    origin: originAt(ctx, bind.pointer),
  };
}

type DecodedMount = Output<typeof mount>;

function apiMount({ value: m, pointer }: Located<DecodedMount>, ctx: MappingContext): MountSpec {
  const type = m.Type?.value ?? "";
  if (!isMountType(type)) {
    fail(ctx, childPointer(pointer, "Type"), `unknown mount type "${type}"`);
  }
  const target = m.Target?.value ?? "";
  if (!target.startsWith("/")) {
    fail(ctx, childPointer(pointer, "Target"), "the target must be an absolute path");
  }
  const source = m.Source?.value === "" ? undefined : m.Source?.value;
  let hostPath: string | undefined;
  if (type === "bind" && source !== undefined) hostPath = cleanPath(source);
  if (type === "volume") hostPath = localBindDevice(m.VolumeOptions?.value.DriverConfig?.value);
  const propagation = m.BindOptions?.value.Propagation?.value;
  return {
    type,
    source,
    hostPath,
    target: cleanPath(target),
    readOnly: m.ReadOnly?.value ?? false,
    propagation: propagation === "" ? undefined : propagation,
    origin: originAt(ctx, pointer),
  };
}

/**
 * A volume of the `local` driver (an empty driver name means the default, local) whose options
 * say `o: bind` (or rbind) mounts `device` from the host: it is a bind mount in disguise.
 * dockerd runs with `/` as its working directory, so a relative device is taken from `/`.
 */
export function localBindDevice(
  driver: Decoded<{ Name: Decoder<string>; Options: Decoder<Entry<string>[]> }> | undefined,
): string | undefined {
  if (driver === undefined) return undefined;
  const name = driver.Name?.value ?? "";
  if (name !== "" && name !== "local") return undefined;
  const options = entriesToRecord(driver.Options?.value);
  const device = options.device;
  const flags = (options.o ?? "").split(",");
  if (
    device === undefined ||
    device === "" ||
    !(flags.includes("bind") || flags.includes("rbind"))
  ) {
    return undefined;
  }
  return cleanPath(device.startsWith("/") ? device : `/${device}`);
}

function deviceSpec(
  { value: d, pointer }: Located<Output<typeof device>>,
  ctx: MappingContext,
): DeviceSpec {
  const onHost = d.PathOnHost?.value ?? "";
  if (onHost === "") fail(ctx, childPointer(pointer, "PathOnHost"), "a device needs PathOnHost");
  const inContainer = d.PathInContainer?.value ?? "";
  const permissions = d.CgroupPermissions?.value ?? "";
  return {
    hostPath: onHost.startsWith("/") ? cleanPath(onHost) : onHost,
    // the daemon's defaults for empty values (daemon/oci_linux.go WithDevices)
    containerPath: inContainer === "" ? onHost : inContainer,
    permissions: permissions === "" ? "rwm" : permissions,
    origin: originAt(ctx, pointer),
  };
}

/** A DeviceRequest as the docker CLI's --gpus would say it: driver, count or IDs, capabilities. */
function describeDeviceRequest(d: Output<typeof deviceRequest>): string {
  const parts: string[] = [];
  const driver = d.Driver?.value ?? "";
  if (driver !== "") parts.push(`driver=${driver}`);
  const ids = (d.DeviceIDs?.value ?? []).map((i) => i.value);
  const count = d.Count?.value ?? 0;
  if (ids.length > 0) parts.push(`device=${ids.join(",")}`);
  else parts.push(count === -1 ? "count=all" : `count=${String(count)}`);
  const caps = (d.Capabilities?.value ?? []).map((set) => set.value.map((c) => c.value).join("+"));
  if (caps.length > 0) parts.push(`capabilities=${caps.join(" or ")}`);
  return `DeviceRequests ${parts.join(" ")}`;
}

// ─── ports ────────────────────────────────────────────────────────────────────────────────────

const PROTOCOLS = ["tcp", "udp", "sctp"] as const;

function isProtocol(p: string): p is PortSpec["protocol"] {
  return (PROTOCOLS as readonly string[]).includes(p);
}

/**
 * `{"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}`. A missing protocol is tcp (go-connections
 * nat.SplitProtoPort); a protocol the daemon does not map exactly is refused rather than guessed.
 * An empty or null list publishes nothing (unless PublishAllPorts, which is its own field).
 */
function portSpecs(
  bindings: Located<Entry<Located<Output<typeof portBinding>>[] | null>[]> | undefined,
  ctx: MappingContext,
): PortSpec[] {
  const out: PortSpec[] = [];
  for (const { key, value: list, pointer } of bindings?.value ?? []) {
    const slash = key.indexOf("/");
    const containerPort = slash === -1 ? key : key.slice(0, slash);
    const protocol = slash === -1 || slash === key.length - 1 ? "tcp" : key.slice(slash + 1);
    if (containerPort === "" || !isProtocol(protocol)) {
      fail(ctx, pointer, `"${key}" is not PORT[/tcp|udp|sctp]`);
    }
    for (const { value: b, pointer: at } of list ?? []) {
      out.push({
        hostIp: b.HostIp?.value ?? "",
        hostPort: b.HostPort?.value ?? "",
        containerPort,
        protocol,
        origin: originAt(ctx, at),
      });
    }
  }
  return out;
}
