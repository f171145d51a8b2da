import { PROPAGATIONS } from "../bind-mode.js";
import { isIP } from "node:net";
import { posix } from "node:path";
import { canonicalCapability, isKnownCapability } from "../capabilities.js";
import { errorMessage } from "../../errors.js";
import {
  type ContainerSpec,
  type DeviceSpec,
  emptySpec,
  type Field,
  type MountSpec,
  type MountType,
  type NamespaceKind,
  type Origin,
  type PortSpec,
  type SysctlSpec,
  type UlimitSpec,
} from "../model.js";
import { applySecurityOpts, splitSecurityOpt } from "../security-opt.js";
import type { SeccompSetting } from "../model.js";
import { parseBytes, parseNanoCpus } from "../units.js";
import { failAt } from "./errors.js";
import type { Loc, SourceFile } from "./source.js";
import { describe, get, type YMap, type YNode, type YPair, type YScalar } from "./tree.js";
import type { ComposeWarning } from "./types.js";

/**
 * One merged compose service → ContainerSpec. Each reader checks the type the Compose
 * Specification gives the field (compose-spec.json) and compose-go's conversions (a string
 * where a number or boolean is expected is cast as compose-go's interpolation casts it), and
 * every Field keeps the position of its value node (a list entry's own position).
 * Sequences keep compose-go's uniqueness rules (EnforceUnicity): the later of two entries with
 * the same key replaces the earlier one, in the earlier one's place.
 */

export interface ServiceInput {
  name: string;
  /** the service's key in `services:` */
  key: YPair;
  node: YMap;
  /** the project's top-level `volumes:` (merged) */
  volumes: YMap | undefined;
  /** the interpolation environment (process env over .env): `environment: [KEY]` reads it */
  lookup: (name: string) => string | undefined;
  home: string;
  projectDir: string;
  warn: (loc: Loc, code: ComposeWarning["code"], message: string) => void;
  /** reads an env_file or seccomp profile; throws like fs.readFileSync */
  readText: (absPath: string) => string;
  /** parses an env file into entries (KEY, value, offset) */
  readEnvFile: (src: SourceFile) => { key: string; value: string; offset: number }[];
  /** reads a file a service refers to (env_file); throws like fs.readFileSync */
  openFile: (absPath: string) => SourceFile;
}

function origin(node: Loc): Origin {
  return node.src.origin(node.offset);
}

function field<T>(value: T, at: Loc): Field<T> {
  return { value, origin: origin(at) };
}

// -------------------------------------------------------------------------------------------
// Typed readers. `what` is the path in the user's words: services.web.cap_add[2]

export function expectMap(node: YNode, what: string): YMap {
  if (node.kind !== "map") failAt(node, `${what} must be a mapping, not ${describe(node)}`);
  return node;
}

export function expectList(node: YNode, what: string): YNode[] {
  if (node.kind !== "seq") failAt(node, `${what} must be a list, not ${describe(node)}`);
  return node.items;
}

function expectScalar(node: YNode, what: string, expected: string): YScalar {
  if (node.kind !== "scalar") failAt(node, `${what} must be ${expected}, not ${describe(node)}`);
  return node;
}

export function expectString(node: YNode, what: string): string {
  const s = expectScalar(node, what, "a string");
  if (typeof s.value !== "string") {
    failAt(
      node,
      `${what} must be a string, not ${describe(node)}`,
      `quote it: "${String(s.value)}"`,
    );
  }
  return s.value;
}

/** A string or a number, as text (group_add, expose, list_or_dict values). */
function stringOrNumber(node: YNode, what: string): string {
  const s = expectScalar(node, what, "a string or a number");
  if (typeof s.value === "string") return s.value;
  if (typeof s.value === "number") return String(s.value);
  return failAt(node, `${what} must be a string or a number, not ${describe(node)}`);
}

const YAML11_TRUE = new Set(["y", "yes", "on"]);
const YAML11_FALSE = new Set(["n", "no", "off"]);

/**
 * A boolean. compose-go casts strings at boolean paths (after interpolation, so that
 * `privileged: ${PRIV:-false}` works): "true"/"false" in any case, and — with a warning —
 * the YAML 1.1 spellings y/yes/on and n/no/off. Anything else is refused.
 */
function expectBool(node: YNode, what: string, input: ServiceInput): boolean {
  const s = expectScalar(node, what, "a boolean");
  if (typeof s.value === "boolean") return s.value;
  if (typeof s.value === "string") {
    const lower = s.value.toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
    if (YAML11_TRUE.has(lower) || YAML11_FALSE.has(lower)) {
      const value = YAML11_TRUE.has(lower);
      input.warn(
        node,
        "YAML_1_1_BOOLEAN",
        `${what}: "${s.value}" for a boolean is not YAML 1.2; docker compose reads it as ${String(value)} — write ${String(value)}`,
      );
      return value;
    }
  }
  return failAt(node, `${what} must be a boolean (true or false), not ${describe(node)}`);
}

const INTEGER = /^[-+]?\d+$/;

/** An integer; compose-go casts integer strings (strconv.ParseInt). */
function expectInt(node: YNode, what: string): number {
  const s = expectScalar(node, what, "an integer");
  if (typeof s.value === "number" && Number.isInteger(s.value)) return s.value;
  if (typeof s.value === "string" && INTEGER.test(s.value)) return parseInt(s.value, 10);
  return failAt(node, `${what} must be an integer, not ${describe(node)}`);
}

/** Bytes: an integer, or a size string (`512m`, `1g`, `-1`), as compose-go UnitBytes reads it. */
function expectBytes(node: YNode, what: string): number {
  const s = expectScalar(node, what, "a size");
  if (typeof s.value === "number" && Number.isInteger(s.value)) return s.value;
  if (typeof s.value === "string") {
    const text = s.value.trim();
    if (INTEGER.test(text)) return parseInt(text, 10);
    const bytes = parseBytes(text);
    if (bytes !== undefined) return bytes;
  }
  return failAt(
    node,
    `${what} must be a size such as 512m or 1g, not ${describe(node)}`,
    "sizes are bytes or a number with b, k, m, g (binary units)",
  );
}

/** Nano-CPUs from a CPU count (number or decimal string). */
function expectCpus(node: YNode, what: string): number {
  const s = expectScalar(node, what, "a number of CPUs");
  if (typeof s.value === "number" && Number.isFinite(s.value) && s.value >= 0)
    return Math.round(s.value * 1e9);
  if (typeof s.value === "string") {
    const nano = parseNanoCpus(s.value);
    if (nano !== undefined) return nano;
  }
  return failAt(node, `${what} must be a number of CPUs such as 0.5 or 2, not ${describe(node)}`);
}

/** Rejects keys a long-syntax mapping may not have (x-* extensions are allowed). */
function checkKeys(map: YMap, what: string, allowed: readonly string[]): void {
  for (const pair of map.pairs.values()) {
    if (!allowed.includes(pair.key) && !pair.key.startsWith("x-")) {
      failAt(pair, `${what} has an unknown key "${pair.key}"`, `allowed: ${allowed.join(", ")}`);
    }
  }
}

interface KeyValue {
  key: string;
  /** undefined for `KEY` alone (list) or `KEY:` / `KEY: null` (mapping) */
  value: string | undefined;
  at: Loc;
}

/**
 * `list_or_dict`: a mapping of keys to strings, numbers, booleans or null, or a list of
 * `KEY=VALUE` strings. The later entry for a key wins, in the earlier one's place.
 */
function listOrDict(node: YNode, what: string): KeyValue[] {
  const out = new Map<string, KeyValue>();
  if (node.kind === "map") {
    for (const pair of node.pairs.values()) {
      const v = pair.value;
      if (v.kind !== "scalar")
        failAt(
          v,
          `${what}.${pair.key} must be a string, number, boolean or null, not ${describe(v)}`,
        );
      out.set(pair.key, {
        key: pair.key,
        value: v.value === null ? undefined : String(v.value),
        at: v.value === null ? pair : v,
      });
    }
  } else if (node.kind === "seq") {
    node.items.forEach((item, i) => {
      const text = expectString(item, `${what}[${String(i)}]`);
      const eq = text.indexOf("=");
      const key = eq === -1 ? text : text.slice(0, eq);
      out.set(key, { key, value: eq === -1 ? undefined : text.slice(eq + 1), at: item });
    });
  } else
    failAt(node, `${what} must be a mapping or a list of KEY=VALUE strings, not ${describe(node)}`);
  return [...out.values()];
}

/** `string_or_list`: the strings with their nodes. */
function stringOrList(node: YNode, what: string): Field<string>[] {
  if (node.kind === "scalar") return [field(expectString(node, what), node)];
  return expectList(node, what).map((item, i) =>
    field(expectString(item, `${what}[${String(i)}]`), item),
  );
}

/** Later entries replace earlier ones with the same key, in the earlier one's place. */
function unique<T>(items: readonly T[], key: (item: T) => string): T[] {
  const index = new Map<string, number>();
  const out: T[] = [];
  for (const item of items) {
    const k = key(item);
    const at = index.get(k);
    if (at === undefined) {
      index.set(k, out.length);
      out.push(item);
    } else out[at] = item;
  }
  return out;
}

// -------------------------------------------------------------------------------------------
// Ports: docker/go-connections nat.ParsePortSpec, as compose-go uses it

interface ParsedPort {
  hostIp: string;
  hostPort: string;
  containerPort: string;
  protocol: "tcp" | "udp" | "sctp";
}

function portRange(text: string): [number, number] | undefined {
  const dash = text.indexOf("-");
  const parts = dash === -1 ? [text, text] : [text.slice(0, dash), text.slice(dash + 1)];
  const nums = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : Number.NaN));
  const [start = Number.NaN, end = Number.NaN] = nums;
  if (!(start >= 0 && start <= 65535 && end >= 0 && end <= 65535) || end < start) return undefined;
  return [start, end];
}

function protocolOf(text: string): ParsedPort["protocol"] | undefined {
  const p = text.toLowerCase();
  return p === "tcp" || p === "udp" || p === "sctp" ? p : undefined;
}

/** Short syntax: `[[ip:]host:]container[/proto]`, ranges, `[::1]:80:80`. */
export function parsePortSpec(raw: string): ParsedPort[] | string {
  const parts = raw.split(":");
  const n = parts.length;
  const containerPart = parts[n - 1] ?? "";
  let ip = n >= 3 ? parts.slice(0, n - 2).join(":") : "";
  const hostPort = n >= 2 ? (parts[n - 2] ?? "") : "";
  const slash = containerPart.split("/");
  let proto = "tcp";
  let containerPort = slash[0] ?? "";
  if (slash.length > 1 && (slash[1] ?? "") !== "") proto = slash[1] ?? "tcp";
  if (containerPart === "" || containerPort === "") containerPort = "";
  if (ip.startsWith("[")) {
    if (!ip.endsWith("]")) return `invalid IP address ${ip}`;
    ip = ip.slice(1, -1);
  }
  if (ip !== "" && isIP(ip) === 0) return `invalid IP address: ${ip}`;
  if (containerPort === "") return `no port specified: ${raw}<empty>`;
  const range = portRange(containerPort);
  if (range === undefined) return `invalid containerPort: ${containerPort}`;
  let hostRange: [number, number] = [0, 0];
  if (hostPort !== "") {
    const r = portRange(hostPort);
    if (r === undefined) return `invalid hostPort: ${hostPort}`;
    hostRange = r;
  }
  const [start, end] = range;
  const [hostStart, hostEnd] = hostRange;
  if (hostPort !== "" && end - start !== hostEnd - hostStart && end !== start) {
    return `invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`;
  }
  const protocol = protocolOf(proto);
  if (protocol === undefined) return `invalid proto: ${proto}`;
  const out: ParsedPort[] = [];
  for (let i = 0; i <= end - start; i++) {
    let host = hostPort === "" ? "" : String(hostStart + i);
    // a single container port with a host range: the daemon picks one port in the range
    if (start === end && hostStart !== hostEnd) host = `${host}-${String(hostEnd)}`;
    out.push({ hostIp: ip, hostPort: host, containerPort: String(start + i), protocol });
  }
  return out;
}

function readPorts(node: YNode, what: string): PortSpec[] {
  const out: PortSpec[] = [];
  expectList(node, what).forEach((item, i) => {
    const itemWhat = `${what}[${String(i)}]`;
    const o = origin(item);
    if (item.kind === "map") {
      checkKeys(item, itemWhat, [
        "name",
        "mode",
        "host_ip",
        "target",
        "published",
        "protocol",
        "app_protocol",
      ]);
      const targetNode = get(item, "target");
      if (targetNode === undefined) failAt(item, `${itemWhat} needs a target port`);
      const target = expectInt(targetNode, `${itemWhat}.target`);
      if (target < 1 || target > 65535)
        failAt(targetNode, `${itemWhat}.target must be a port between 1 and 65535`);
      const publishedNode = get(item, "published");
      let published = "";
      if (
        publishedNode !== undefined &&
        !(publishedNode.kind === "scalar" && publishedNode.value === null)
      ) {
        published = stringOrNumber(publishedNode, `${itemWhat}.published`);
        if (portRange(published) === undefined)
          failAt(
            publishedNode,
            `${itemWhat}.published must be a port or a range such as 8000-8010, not "${published}"`,
          );
      }
      const hostIpNode = get(item, "host_ip");
      const hostIp =
        hostIpNode === undefined ? "" : expectString(hostIpNode, `${itemWhat}.host_ip`);
      if (hostIp !== "" && isIP(hostIp) === 0 && hostIpNode !== undefined)
        failAt(hostIpNode, `${itemWhat}.host_ip must be an IP address, not "${hostIp}"`);
      const protocolNode = get(item, "protocol");
      let protocol: PortSpec["protocol"] = "tcp";
      if (protocolNode !== undefined) {
        const p = protocolOf(expectString(protocolNode, `${itemWhat}.protocol`));
        if (p === undefined) failAt(protocolNode, `${itemWhat}.protocol must be tcp, udp or sctp`);
        protocol = p;
      }
      const modeNode = get(item, "mode");
      if (modeNode !== undefined) {
        const mode = expectString(modeNode, `${itemWhat}.mode`);
        if (mode !== "host" && mode !== "ingress")
          failAt(modeNode, `${itemWhat}.mode must be host or ingress, not "${mode}"`);
      }
      out.push({ hostIp, hostPort: published, containerPort: String(target), protocol, origin: o });
      return;
    }
    const s = expectScalar(item, itemWhat, "a port mapping such as 8080:80");
    let raw: string;
    if (typeof s.value === "number" && Number.isInteger(s.value)) raw = String(s.value);
    else if (typeof s.value === "string") raw = s.value;
    else
      return failAt(
        item,
        `${itemWhat} must be a port mapping such as "8080:80", not ${describe(item)}`,
      );
    const parsed = parsePortSpec(raw);
    if (typeof parsed === "string")
      failAt(
        item,
        `${itemWhat}: ${parsed}`,
        'write [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], e.g. "127.0.0.1:8080:80/tcp"',
      );
    for (const p of parsed) out.push({ ...p, origin: o });
  });
  // compose-go portIndexer (on the canonical form): host IP, published, target, protocol
  return unique(
    out,
    (p) =>
      `${p.hostIp === "" ? "0.0.0.0" : p.hostIp}:${p.hostPort}:${p.containerPort}/${p.protocol}`,
  );
}

// -------------------------------------------------------------------------------------------
// Volumes: compose-go format.ParseVolume and the long syntax

interface ShortVolume {
  source: string;
  target: string;
  readOnly: boolean;
  propagation: string | undefined;
  unknownOptions: string[];
}

/** compose-go format.ParseVolume, character by character (Windows drive letters included). */
export function parseVolumeSpec(spec: string): ShortVolume | string {
  const volume: ShortVolume = {
    source: "",
    target: "",
    readOnly: false,
    propagation: undefined,
    unknownOptions: [],
  };
  if (spec.length === 0) return "invalid empty volume spec";
  if (spec.length <= 2) {
    volume.target = spec;
    return volume;
  }
  let buffer = "";
  let depth = 0;
  // Go ranges over runes (code points), as the spread does
  // eslint-disable-next-line @typescript-eslint/no-misused-spread
  const chars = [...spec];
  for (let i = 0; i <= chars.length; i++) {
    const ch = chars[i];
    const atEnd = ch === undefined;
    if (ch === "$" && chars[i + 1] === "{") {
      depth++;
      buffer += ch;
      continue;
    }
    if (ch === "}" && depth > 0) {
      depth--;
      buffer += ch;
      continue;
    }
    if (ch === ":" && buffer.length === 1 && /\p{L}/u.test(buffer)) {
      buffer += ch; // a Windows drive letter (compose-go isWindowsDrive)
      continue;
    }
    if ((ch === ":" || atEnd) && depth === 0) {
      if (buffer.length === 0) return "empty section between colons";
      if (volume.source === "" && atEnd) volume.target = buffer;
      else if (volume.source === "") volume.source = buffer;
      else if (volume.target === "") volume.target = buffer;
      else if (!atEnd) return "too many colons";
      else {
        for (const option of buffer.split(",")) {
          if (option === "ro") volume.readOnly = true;
          else if (option === "rw") volume.readOnly = false;
          else if (PROPAGATIONS.has(option)) volume.propagation = option;
          else if (option !== "nocopy" && option !== "z" && option !== "Z")
            volume.unknownOptions.push(option);
        }
      }
      buffer = "";
      continue;
    }
    buffer += ch ?? "";
  }
  return volume;
}

/** compose-go isFilePath: a short-syntax source that is a host path (else a volume name). */
function isFilePath(source: string): boolean {
  const c = source[0];
  if (c === undefined) return false;
  if (c === "." || c === "/" || c === "~" || source.startsWith("\\\\")) return true;
  return /^\p{L}:/u.test(source);
}

/** Go path.Clean for container paths. */
function cleanTarget(target: string): string {
  if (target === "") return "";
  const normal = posix.normalize(target);
  return normal.length > 1 && normal.endsWith("/") ? normal.slice(0, -1) : normal;
}

function hostPath(source: string, baseDir: string, home: string): string {
  if (source.startsWith("~")) return posix.join(home, source.slice(1));
  return posix.resolve(baseDir, source);
}

const MOUNT_TYPES: readonly MountType[] = ["bind", "volume", "tmpfs", "npipe", "cluster", "image"];

function isMountType(text: string): text is MountType {
  return (MOUNT_TYPES as readonly string[]).includes(text);
}

/**
 * The host directory a named volume exposes: a local-driver volume whose options bind-mount a
 * device (`type: none`, `o: bind`, `device: /path`), which the daemon's local driver mounts
 * with mount(2) — a bind in disguise. Undefined for anything else.
 */
function volumeHostPath(
  name: string,
  at: Loc,
  input: ServiceInput,
  what: string,
): string | undefined {
  const pair = input.volumes?.pairs.get(name);
  if (pair === undefined) {
    failAt(
      at,
      `${what} refers to undefined volume ${name}`,
      `declare it under the top-level volumes: key, or use ./${name} for a bind mount`,
    );
  }
  const def = pair.value;
  if (def.kind === "scalar" && def.value === null) return undefined;
  const map = expectMap(def, `volumes.${name}`);
  const external = get(map, "external");
  if (
    external !== undefined &&
    !(external.kind === "scalar" && (external.value === false || external.value === "false"))
  )
    return undefined;
  const driver = get(map, "driver");
  if (driver !== undefined && expectString(driver, `volumes.${name}.driver`) !== "local")
    return undefined;
  const optsNode = get(map, "driver_opts");
  if (optsNode === undefined) return undefined;
  const opts = expectMap(optsNode, `volumes.${name}.driver_opts`);
  const text = (key: string): string | undefined => {
    const n = get(opts, key);
    return n === undefined ? undefined : stringOrNumber(n, `volumes.${name}.driver_opts.${key}`);
  };
  const o = text("o");
  const device = text("device");
  const type = text("type");
  const binds = o?.split(",").some((opt) => opt === "bind" || opt === "rbind") === true;
  if (!binds || device === undefined || (type !== undefined && type !== "none")) return undefined;
  const deviceNode = get(opts, "device");
  return posix.resolve(deviceNode?.src.baseDir ?? input.projectDir, device);
}

function readVolumes(node: YNode, what: string, input: ServiceInput): MountSpec[] {
  const out: MountSpec[] = [];
  expectList(node, what).forEach((item, i) => {
    const itemWhat = `${what}[${String(i)}]`;
    const o = origin(item);
    const baseDir = item.src.baseDir;
    if (item.kind === "map") {
      checkKeys(item, itemWhat, [
        "type",
        "source",
        "target",
        "read_only",
        "consistency",
        "bind",
        "volume",
        "tmpfs",
        "image",
      ]);
      const typeNode = get(item, "type");
      if (typeNode === undefined)
        failAt(item, `${itemWhat} needs a type (bind, volume, tmpfs, npipe, cluster or image)`);
      const type = expectString(typeNode, `${itemWhat}.type`);
      if (!isMountType(type))
        failAt(
          typeNode,
          `${itemWhat}.type must be one of ${MOUNT_TYPES.join(", ")}, not "${type}"`,
        );
      const targetNode = get(item, "target");
      if (targetNode === undefined) failAt(item, `${itemWhat} is missing a mount target`);
      const target = cleanTarget(expectString(targetNode, `${itemWhat}.target`));
      const sourceNode = get(item, "source");
      const source =
        sourceNode === undefined ? undefined : expectString(sourceNode, `${itemWhat}.source`);
      const roNode = get(item, "read_only");
      const readOnly =
        roNode === undefined ? false : expectBool(roNode, `${itemWhat}.read_only`, input);
      let propagation: string | undefined;
      const bind = get(item, "bind");
      if (bind !== undefined) {
        const b = expectMap(bind, `${itemWhat}.bind`);
        checkKeys(b, `${itemWhat}.bind`, [
          "propagation",
          "create_host_path",
          "recursive",
          "selinux",
        ]);
        const p = get(b, "propagation");
        if (p !== undefined) {
          propagation = expectString(p, `${itemWhat}.bind.propagation`);
          if (!PROPAGATIONS.has(propagation))
            failAt(
              p,
              `${itemWhat}.bind.propagation must be one of ${[...PROPAGATIONS].join(", ")}`,
            );
        }
      }
      for (const sub of ["volume", "tmpfs", "image"] as const) {
        const s = get(item, sub);
        if (s !== undefined) expectMap(s, `${itemWhat}.${sub}`);
      }
      let resolved: string | undefined;
      if (type === "bind") {
        if (source === undefined || source === "")
          failAt(item, `${itemWhat}: a bind mount needs a source`);
        resolved = hostPath(source, baseDir, input.home);
      } else if (type === "volume" && source !== undefined && source !== "") {
        resolved = volumeHostPath(source, sourceNode ?? item, input, `service "${input.name}"`);
      }
      out.push({
        type,
        source: type === "tmpfs" ? undefined : source,
        hostPath: resolved,
        target,
        readOnly,
        propagation,
        origin: o,
      });
      return;
    }
    const spec = expectString(item, itemWhat);
    const parsed = parseVolumeSpec(spec);
    if (typeof parsed === "string")
      failAt(
        item,
        `${itemWhat}: invalid volume "${spec}": ${parsed}`,
        "write SOURCE:TARGET[:ro|rw], e.g. ./data:/data:ro",
      );
    for (const option of parsed.unknownOptions) {
      input.warn(
        item,
        "UNKNOWN_VOLUME_OPTION",
        `${itemWhat}: docker compose ignores the unknown volume option "${option}"`,
      );
    }
    const target = cleanTarget(parsed.target);
    if (parsed.source === "") {
      out.push({
        type: "volume",
        source: undefined,
        hostPath: undefined,
        target,
        readOnly: parsed.readOnly,
        propagation: undefined,
        origin: o,
      });
    } else if (isFilePath(parsed.source)) {
      out.push({
        type: "bind",
        source: parsed.source,
        hostPath: hostPath(parsed.source, baseDir, input.home),
        target,
        readOnly: parsed.readOnly,
        propagation: parsed.propagation,
        origin: o,
      });
    } else {
      out.push({
        type: "volume",
        source: parsed.source,
        hostPath: volumeHostPath(parsed.source, item, input, `service "${input.name}"`),
        target,
        readOnly: parsed.readOnly,
        propagation: undefined,
        origin: o,
      });
    }
  });
  return unique(out, (m) => m.target);
}

// -------------------------------------------------------------------------------------------

function readDevices(node: YNode, what: string): DeviceSpec[] {
  const out: DeviceSpec[] = [];
  expectList(node, what).forEach((item, i) => {
    const itemWhat = `${what}[${String(i)}]`;
    const o = origin(item);
    if (item.kind === "map") {
      checkKeys(item, itemWhat, ["source", "target", "permissions"]);
      const sourceNode = get(item, "source");
      if (sourceNode === undefined) failAt(item, `${itemWhat} needs a source`);
      const source = expectString(sourceNode, `${itemWhat}.source`);
      const targetNode = get(item, "target");
      const permsNode = get(item, "permissions");
      out.push({
        hostPath: source,
        containerPath:
          targetNode === undefined ? source : expectString(targetNode, `${itemWhat}.target`),
        permissions:
          permsNode === undefined ? "rwm" : expectString(permsNode, `${itemWhat}.permissions`),
        origin: o,
      });
      return;
    }
    // compose-go transformDeviceMapping: SRC[:DST[:PERMS]]; a CDI name is SRC alone
    const spec = expectString(item, itemWhat);
    const parts = spec.split(":");
    if (parts.length > 3)
      failAt(
        item,
        `${itemWhat}: confusing device mapping "${spec}"`,
        "use the long syntax {source, target, permissions}",
      );
    const [source = "", target = "", permissions = "rwm"] = parts;
    out.push({
      hostPath: source,
      containerPath: target === "" ? source : target,
      permissions,
      origin: o,
    });
  });
  return unique(out, (d) => d.containerPath);
}

const RESTART = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/;

function readUlimits(node: YNode, what: string): UlimitSpec[] {
  const out: UlimitSpec[] = [];
  for (const pair of expectMap(node, what).pairs.values()) {
    const name = pair.key;
    const w = `${what}.${name}`;
    if (!/^[a-z]+$/.test(name))
      failAt(
        pair,
        `${w}: "${name}" is not a ulimit name`,
        "ulimit names are lower case: nofile, nproc, memlock, …",
      );
    const v = pair.value;
    if (v.kind === "map") {
      checkKeys(v, w, ["soft", "hard"]);
      const soft = get(v, "soft");
      const hard = get(v, "hard");
      if (soft === undefined || hard === undefined) failAt(v, `${w} needs both soft and hard`);
      out.push({
        name,
        soft: expectInt(soft, `${w}.soft`),
        hard: expectInt(hard, `${w}.hard`),
        origin: origin(v),
      });
    } else {
      const n = expectInt(v, w);
      out.push({ name, soft: n, hard: n, origin: origin(v) });
    }
  }
  return out;
}

// -------------------------------------------------------------------------------------------

const NAMESPACE_KEYS: readonly [string, NamespaceKind][] = [
  ["pid", "pid"],
  ["ipc", "ipc"],
  ["network_mode", "network"],
  ["userns_mode", "userns"],
  ["uts", "uts"],
  ["cgroup", "cgroupns"],
];

/**
 * compose-spec.json refuses null for the fields read here (`key:` with nothing after it),
 * except these; the readers say so at the key.
 */
const NULLABLE: ReadonlySet<string> = new Set(["pid", "deploy"]);

export function serviceToSpec(input: ServiceInput): ContainerSpec {
  const { name, node } = input;
  const at = `services.${name}`;
  const value = (key: string): YNode | undefined => {
    const v = get(node, key);
    return v === undefined || (NULLABLE.has(key) && v.kind === "scalar" && v.value === null)
      ? undefined
      : v;
  };

  const imageNode = value("image");
  const labels: Record<string, string> = {};
  const labelsNode = value("labels");
  if (labelsNode !== undefined)
    for (const kv of listOrDict(labelsNode, `${at}.labels`)) labels[kv.key] = kv.value ?? "";
  const containerNode = value("container_name");
  const spec = emptySpec({
    kind: "compose",
    name,
    origin: origin(input.key),
    image: imageNode === undefined ? undefined : expectString(imageNode, `${at}.image`),
    labels,
    service: name,
    container:
      containerNode === undefined ? undefined : expectString(containerNode, `${at}.container_name`),
  });

  const bool = (key: string): Field<boolean> | undefined => {
    const v = value(key);
    return v === undefined ? undefined : field(expectBool(v, `${at}.${key}`, input), v);
  };
  const int = (key: string): Field<number> | undefined => {
    const v = value(key);
    return v === undefined ? undefined : field(expectInt(v, `${at}.${key}`), v);
  };
  const bytes = (key: string): Field<number> | undefined => {
    const v = value(key);
    return v === undefined ? undefined : field(expectBytes(v, `${at}.${key}`), v);
  };
  const str = (key: string): Field<string> | undefined => {
    const v = value(key);
    return v === undefined ? undefined : field(expectString(v, `${at}.${key}`), v);
  };
  const strings = (key: string): { f: Field<string>; node: YNode }[] => {
    const v = value(key);
    if (v === undefined) return [];
    return expectList(v, `${at}.${key}`).map((item, i) => ({
      f: field(expectString(item, `${at}.${key}[${String(i)}]`), item),
      node: item,
    }));
  };

  spec.privileged = bool("privileged");
  for (const key of ["cap_add", "cap_drop"] as const) {
    const caps = unique(strings(key), (c) => c.f.value).map(({ f, node: item }) => {
      const canonical = canonicalCapability(f.value);
      if (!isKnownCapability(canonical)) {
        failAt(
          item,
          `${at}.${key}: unknown capability "${f.value}"`,
          "see capabilities(7); names such as NET_ADMIN or CAP_NET_ADMIN",
        );
      }
      return { value: canonical, origin: f.origin };
    });
    if (key === "cap_add") spec.capAdd = caps;
    else spec.capDrop = caps;
  }

  readSecurityOpts(spec, value("security_opt"), at, input);

  for (const [key, kind] of NAMESPACE_KEYS) {
    const f = str(key);
    if (f === undefined) continue;
    if (key === "cgroup" && f.value !== "host" && f.value !== "private") {
      failAt(value(key) ?? node, `${at}.cgroup must be host or private, not "${f.value}"`);
    }
    spec.namespaces[kind] = f;
  }

  const devices = value("devices");
  if (devices !== undefined) spec.devices = readDevices(devices, `${at}.devices`);
  const gpus = value("gpus");
  if (gpus !== undefined) spec.deviceRequests.push(...readDeviceRequests(gpus, `${at}.gpus`));
  spec.deviceCgroupRules = strings("device_cgroup_rules").map((s) => s.f);
  const sysctls = value("sysctls");
  if (sysctls !== undefined) {
    spec.sysctls = listOrDict(sysctls, `${at}.sysctls`).map((kv): SysctlSpec => ({
      name: kv.key,
      value: kv.value ?? "",
      origin: origin(kv.at),
    }));
  }
  spec.readOnlyRootfs = bool("read_only");
  spec.user = str("user");
  const groupAdd = value("group_add");
  if (groupAdd !== undefined) {
    spec.groupAdd = expectList(groupAdd, `${at}.group_add`).map((item, i) =>
      field(stringOrNumber(item, `${at}.group_add[${String(i)}]`), item),
    );
  }

  const r = spec.resources;
  r.pidsLimit = int("pids_limit");
  r.memory = bytes("mem_limit");
  r.memorySwap = bytes("memswap_limit");
  r.memoryReservation = bytes("mem_reservation");
  r.shmSize = bytes("shm_size");
  const cpus = value("cpus");
  r.nanoCpus = cpus === undefined ? undefined : field(expectCpus(cpus, `${at}.cpus`), cpus);
  r.cpuShares = int("cpu_shares");
  r.cpuQuota = int("cpu_quota");
  r.cpuPeriod = int("cpu_period");
  r.cpusetCpus = str("cpuset");
  r.oomKillDisable = bool("oom_kill_disable");
  const ulimits = value("ulimits");
  if (ulimits !== undefined) r.ulimits = readUlimits(ulimits, `${at}.ulimits`);
  applyDeployResources(spec, value("deploy"), at, input);

  spec.cgroupParent = str("cgroup_parent");
  const restart = value("restart");
  if (restart !== undefined) {
    const text = expectString(restart, `${at}.restart`);
    const m = RESTART.exec(text);
    if (m === null || (m[2] !== undefined && m[1] !== "on-failure")) {
      failAt(
        restart,
        `${at}.restart must be no, always, unless-stopped or on-failure[:max-retries], not "${text}"`,
      );
    }
    spec.restart = field(
      { name: m[1] ?? "no", maximumRetryCount: m[2] === undefined ? 0 : Number(m[2]) },
      restart,
    );
  }
  const tmpfs = value("tmpfs");
  if (tmpfs !== undefined) {
    // compose-go keyValueIndexer: the text before the first `=`
    spec.tmpfs = unique(
      stringOrList(tmpfs, `${at}.tmpfs`),
      (f) => f.value.split("=")[0] ?? f.value,
    );
  }
  spec.env = readEnvironment(node, at, input);
  const ports = value("ports");
  if (ports !== undefined) spec.ports = readPorts(ports, `${at}.ports`);
  const volumes = value("volumes");
  if (volumes !== undefined) spec.mounts = readVolumes(volumes, `${at}.volumes`, input);
  spec.volumesFrom = strings("volumes_from").map((s) => s.f);

  const apiSocket = bool("use_api_socket");
  if (apiSocket?.value === true) {
    // `use_api_socket: true` bind-mounts the engine's API socket (docker compose and
    // `docker run --use-api-socket`): full control of the daemon, so rules must see the mount.
    spec.mounts.push({
      type: "bind",
      source: "/var/run/docker.sock",
      hostPath: "/var/run/docker.sock",
      target: "/var/run/docker.sock",
      readOnly: false,
      origin: apiSocket.origin,
    });
  }
  return spec;
}

function readSecurityOpts(
  spec: ContainerSpec,
  node: YNode | undefined,
  at: string,
  input: ServiceInput,
): void {
  if (node === undefined) return;
  const what = `${at}.security_opt`;
  const items = expectList(node, what);
  const entries = items.map((item, i) => field(expectString(item, `${what}[${String(i)}]`), item));
  const problems = applySecurityOpts(spec, entries);
  const first = problems[0];
  if (first !== undefined) {
    const item = items[entries.indexOf(first.entry)] ?? node;
    failAt(
      item,
      `${what}: ${first.reason}`,
      "see docker run --security-opt: seccomp=, apparmor=, label=, no-new-privileges[=true|false], systempaths=unconfined",
    );
  }
  // docker compose reads every seccomp profile file (relative to the project directory) and
  // sends its JSON; the daemon keeps the last seccomp= entry
  let last: Field<SeccompSetting> | undefined;
  entries.forEach((entry, i) => {
    const kv = splitSecurityOpt(entry.value);
    if (kv?.[0] !== "seccomp") return;
    const path = kv[1];
    last = undefined;
    if (
      path === "unconfined" ||
      path === "builtin" ||
      path === "" ||
      path.trimStart().startsWith("{")
    )
      return;
    const item = items[i] ?? node;
    const abs = posix.resolve(item.src.baseDir, path);
    let text: string;
    try {
      text = input.readText(abs);
    } catch (err) {
      failAt(
        item,
        `${what}: cannot read the seccomp profile ${abs}`,
        "seccomp profile paths are relative to the project directory",
        err,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text) as unknown;
    } catch (err) {
      failAt(
        item,
        `${what}: the seccomp profile ${abs} is not valid JSON: ${errorMessage(err)}`,
        undefined,
        err,
      );
    }
    last = { value: { kind: "profile", json }, origin: entry.origin };
  });
  if (last !== undefined) spec.seccomp = last;
}

/**
 * `deploy.resources`: docker compose applies limits.{cpus,memory,pids} and
 * reservations.memory over the service-level fields — and since compose-go 2.x (March 2024,
 * docker compose ≥ 2.26) refuses a service that sets `cpus`, `mem_limit`, `pids_limit` or
 * `mem_reservation` next to a `deploy.resources.limits` (`reservations`) that does not set the
 * same value ("can't set distinct values on …"). We refuse what compose refuses.
 */
function applyDeployResources(
  spec: ContainerSpec,
  node: YNode | undefined,
  at: string,
  input: ServiceInput,
): void {
  if (node === undefined) return;
  const deploy = expectMap(node, `${at}.deploy`);
  const resourcesNode = get(deploy, "resources");
  if (
    resourcesNode === undefined ||
    (resourcesNode.kind === "scalar" && resourcesNode.value === null)
  )
    return;
  const resources = expectMap(resourcesNode, `${at}.deploy.resources`);
  checkKeys(resources, `${at}.deploy.resources`, ["limits", "reservations"]);
  const r = spec.resources;
  const section = (name: "limits" | "reservations"): YMap | undefined => {
    const n = get(resources, name);
    if (n === undefined || (n.kind === "scalar" && n.value === null)) return undefined;
    const m = expectMap(n, `${at}.deploy.resources.${name}`);
    checkKeys(
      m,
      `${at}.deploy.resources.${name}`,
      name === "limits"
        ? ["cpus", "memory", "pids"]
        : ["cpus", "memory", "devices", "generic_resources"],
    );
    return m;
  };
  const reconcile = (
    current: Field<number> | undefined,
    sectionName: "limits" | "reservations",
    sectionNode: YMap | undefined,
    key: string,
    serviceKey: string,
    read: (n: YNode, what: string) => number,
  ): Field<number> | undefined => {
    if (sectionNode === undefined) return current;
    const n = get(sectionNode, key);
    const deployPath = `deploy.resources.${sectionName}.${key}`;
    const deployValue = n === undefined ? undefined : field(read(n, `${at}.${deployPath}`), n);
    if (current !== undefined && current.value !== 0 && deployValue?.value !== current.value) {
      failAt(
        get(input.node, serviceKey) ?? input.node,
        deployValue === undefined
          ? `${at}: can't set distinct values on '${serviceKey}' and '${deployPath}' (docker compose refuses ${serviceKey} next to a deploy.resources.${sectionName} that does not set the same value)`
          : `${at}: can't set distinct values on '${serviceKey}' and '${deployPath}'`,
        `set it once, in ${deployPath}`,
      );
    }
    return deployValue ?? current;
  };
  const limits = section("limits");
  const reservations = section("reservations");
  r.nanoCpus = reconcile(r.nanoCpus, "limits", limits, "cpus", "cpus", expectCpus);
  r.memory = reconcile(r.memory, "limits", limits, "memory", "mem_limit", expectBytes);
  r.pidsLimit = reconcile(r.pidsLimit, "limits", limits, "pids", "pids_limit", expectInt);
  r.memoryReservation = reconcile(
    r.memoryReservation,
    "reservations",
    reservations,
    "memory",
    "mem_reservation",
    expectBytes,
  );
  if (reservations !== undefined) {
    const cpus = get(reservations, "cpus");
    if (cpus !== undefined) expectCpus(cpus, `${at}.deploy.resources.reservations.cpus`);
    const devices = get(reservations, "devices");
    if (devices !== undefined) {
      spec.deviceRequests.push(
        ...readDeviceRequests(devices, `${at}.deploy.resources.reservations.devices`),
      );
    }
  }
}

/**
 * Devices a driver grants (`gpus: all`, or a list of {driver, count, device_ids, capabilities}
 * entries in `gpus` and `deploy.resources.reservations.devices`), each said as it is written.
 */
function readDeviceRequests(node: YNode, what: string): Field<string>[] {
  if (node.kind === "scalar") {
    return [{ value: `${what}: ${expectString(node, what)}`, origin: origin(node) }];
  }
  return expectList(node, what).map((item, i) => ({
    value: `${what}[${String(i)}] ${flowText(item)}`,
    origin: origin(item),
  }));
}

/** A short one-line rendering of a small YAML value, for messages. */
function flowText(node: YNode): string {
  switch (node.kind) {
    case "scalar":
      return String(node.value);
    case "seq":
      return `[${node.items.map(flowText).join(", ")}]`;
    case "map":
      return `{${[...node.pairs.values()].map((p) => `${p.key}: ${flowText(p.value)}`).join(", ")}}`;
  }
}

/**
 * `env_file` (in order, later files win) then `environment` (wins over files). `KEY` alone
 * (or `KEY:` with no value) takes the value from the environment compose runs in, or is left
 * out, as docker compose does. Values from an env file point into that file.
 */
function readEnvironment(node: YMap, at: string, input: ServiceInput): Field<string>[] {
  const env = new Map<string, Field<string>>();
  const envFile = get(node, "env_file");
  if (envFile !== undefined) {
    const items = envFile.kind === "seq" ? envFile.items : [envFile];
    items.forEach((item, i) => {
      const what = envFile.kind === "seq" ? `${at}.env_file[${String(i)}]` : `${at}.env_file`;
      let path: string;
      let required = true;
      let pathNode: YNode = item;
      if (item.kind === "map") {
        checkKeys(item, what, ["path", "required", "format"]);
        const p = get(item, "path");
        if (p === undefined) failAt(item, `${what} needs a path`);
        path = expectString(p, `${what}.path`);
        pathNode = p;
        const req = get(item, "required");
        if (req !== undefined) required = expectBool(req, `${what}.required`, input);
      } else path = expectString(item, what);
      const abs = posix.resolve(pathNode.src.baseDir, path);
      let src: SourceFile;
      try {
        src = input.openFile(abs);
      } catch (err) {
        if (!required) return;
        return failAt(
          pathNode,
          `${what}: cannot read env file ${abs}`,
          "create it, or mark it optional: {path: …, required: false}",
          err,
        );
      }
      for (const entry of input.readEnvFile(src))
        env.set(entry.key, field(`${entry.key}=${entry.value}`, { src, offset: entry.offset }));
    });
  }
  const environment = get(node, "environment");
  if (environment !== undefined) {
    for (const kv of listOrDict(environment, `${at}.environment`)) {
      const v = kv.value ?? input.lookup(kv.key);
      if (v !== undefined) env.set(kv.key, field(`${kv.key}=${v}`, kv.at));
    }
  }
  return [...env.values()];
}
