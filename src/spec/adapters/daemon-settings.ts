import { isMap, isSeq, type Node, parseDocument } from "yaml";
import type { FlagOccurrence } from "../../audit/daemon/argv.js";
import { parseGoBool } from "../../audit/daemon/argv.js";
import { parseSecurityOptions } from "../../info/info.js";
import type { DaemonFact, DaemonSettings } from "../daemon.js";
import type { Origin } from "../model.js";

/**
 * A daemon's security-relevant settings from what dockward could read: the dockerd command
 * line, its daemon.json, and `GET /info`. Pure.
 *
 * Precedence, as the running daemon sees it:
 * 1. `GET /info`, where it reports the setting (live-restore, experimental, authorization
 *    plugins, insecure registries, seccomp profile, storage driver): it is what the daemon
 *    does now, even if daemon.json was edited since. The origin still points at the flag or
 *    key that set it, where one agrees, so the fix lands in the right place.
 * 2. a flag, then daemon.json (a running dockerd never has both: it refuses to start).
 * 3. dockerd's default, when the command line was read and neither says anything.
 * Without the command line and without /info, a setting stays unknown.
 */

/** The parts of `GET /info` the daemon rules use. */
export interface DaemonInfo {
  SecurityOptions?: string[] | null | undefined;
  LiveRestoreEnabled?: boolean | undefined;
  ExperimentalBuild?: boolean | undefined;
  Debug?: boolean | undefined;
  Driver?: string | undefined;
  Plugins?: { Authorization?: string[] | null | undefined } | null | undefined;
  RegistryConfig?:
    | {
        InsecureRegistryCIDRs?: string[] | null | undefined;
        IndexConfigs?: Record<string, { Name?: string; Secure?: boolean }> | null | undefined;
      }
    | null
    | undefined;
}

export interface SettingsInput {
  /** the dockerd command line's flags, when /proc was read */
  flags?: readonly FlagOccurrence[] | undefined;
  /** "/proc/PID/cmdline", for origins of flags */
  cmdlineFile?: string | undefined;
  /** the parsed daemon.json and its text (for line:column), when it parsed */
  daemonJson?: { file: string; text: string; content: Record<string, unknown> } | undefined;
  info?: DaemonInfo | undefined;
}

export interface SettingsResult {
  settings: DaemonSettings;
  /** keys of daemon.json with a type dockerd would refuse, bad flag values */
  problems: { message: string; origin: Origin }[];
}

type Kind = "bool" | "string" | "list";

interface Def<K extends keyof DaemonSettings> {
  key: K;
  flag: string;
  json: string;
  kind: Kind;
  /** undefined: no default worth claiming (the storage driver depends on the host) */
  fallback: unknown;
  /** the value /info reports, and where */
  info?: (info: DaemonInfo) => { value: unknown; pointer: string } | undefined;
  /** whether the configured value and the live one say the same (default: equal as JSON) */
  same?: (configured: unknown, live: unknown) => boolean;
}

/** Addresses dockerd always treats as insecure registries: not a choice anybody made. */
const BUILT_IN_INSECURE = new Set(["127.0.0.0/8", "::1/128"]);

const securityOption = (info: DaemonInfo, name: string) => {
  const options = info.SecurityOptions;
  if (options === null || options === undefined) return undefined;
  const parsed = parseSecurityOptions(options);
  const index = parsed.findIndex((o) => o.name === name);
  return { options: parsed, index, option: index === -1 ? undefined : parsed[index] };
};

const DEFS: readonly Def<keyof DaemonSettings>[] = [
  { key: "icc", flag: "icc", json: "icc", kind: "bool", fallback: true },
  { key: "iptables", flag: "iptables", json: "iptables", kind: "bool", fallback: true },
  {
    key: "userlandProxy",
    flag: "userland-proxy",
    json: "userland-proxy",
    kind: "bool",
    fallback: true,
  },
  {
    key: "liveRestore",
    flag: "live-restore",
    json: "live-restore",
    kind: "bool",
    fallback: false,
    info: (i) =>
      typeof i.LiveRestoreEnabled === "boolean"
        ? { value: i.LiveRestoreEnabled, pointer: "/LiveRestoreEnabled" }
        : undefined,
  },
  {
    key: "experimental",
    flag: "experimental",
    json: "experimental",
    kind: "bool",
    fallback: false,
    info: (i) =>
      typeof i.ExperimentalBuild === "boolean"
        ? { value: i.ExperimentalBuild, pointer: "/ExperimentalBuild" }
        : undefined,
  },
  {
    key: "noNewPrivileges",
    flag: "no-new-privileges",
    json: "no-new-privileges",
    kind: "bool",
    fallback: false,
  },
  {
    key: "debug",
    flag: "debug",
    json: "debug",
    kind: "bool",
    fallback: false,
    info: (i) => (typeof i.Debug === "boolean" ? { value: i.Debug, pointer: "/Debug" } : undefined),
  },
  { key: "logLevel", flag: "log-level", json: "log-level", kind: "string", fallback: "info" },
  {
    key: "usernsRemap",
    flag: "userns-remap",
    json: "userns-remap",
    kind: "string",
    fallback: "",
    // /info says only whether remapping is on ("name=userns"), not to whom
    info: (i) => {
      const found = securityOption(i, "userns");
      if (found === undefined) return undefined;
      return found.index === -1
        ? { value: "", pointer: "/SecurityOptions" }
        : { value: "(on)", pointer: `/SecurityOptions/${found.index}` };
    },
    same: (a, b) => (a !== "") === (b !== ""),
  },
  {
    key: "rootless",
    flag: "rootless",
    json: "rootless",
    kind: "bool",
    fallback: false,
    info: (i) => {
      const found = securityOption(i, "rootless");
      if (found === undefined) return undefined;
      return {
        value: found.index !== -1,
        pointer: found.index === -1 ? "/SecurityOptions" : `/SecurityOptions/${found.index}`,
      };
    },
  },
  {
    key: "seccompProfile",
    flag: "seccomp-profile",
    json: "seccomp-profile",
    kind: "string",
    fallback: "",
    info: (i) => {
      const found = securityOption(i, "seccomp");
      if (found?.option === undefined) return undefined;
      const profile = found.option.profile ?? "default";
      // 20.10 says "default", later daemons "builtin", for the built-in profile
      const value = profile === "default" || profile === "builtin" ? "" : profile;
      return { value, pointer: `/SecurityOptions/${found.index}` };
    },
  },
  {
    key: "authorizationPlugins",
    flag: "authorization-plugin",
    json: "authorization-plugins",
    kind: "list",
    fallback: [],
    info: (i) => {
      if (i.Plugins === null || i.Plugins === undefined) return undefined;
      return { value: i.Plugins.Authorization ?? [], pointer: "/Plugins/Authorization" };
    },
  },
  {
    key: "insecureRegistries",
    flag: "insecure-registry",
    json: "insecure-registries",
    kind: "list",
    fallback: [],
    info: (i) => {
      const r = i.RegistryConfig;
      if (r === null || r === undefined) return undefined;
      const cidrs = (r.InsecureRegistryCIDRs ?? []).filter((c) => !BUILT_IN_INSECURE.has(c));
      const names = Object.values(r.IndexConfigs ?? {})
        .filter((c) => c.Secure === false && c.Name !== undefined)
        .map((c) => c.Name ?? "");
      return { value: [...cidrs, ...names], pointer: "/RegistryConfig" };
    },
  },
  {
    key: "defaultUlimits",
    flag: "default-ulimit",
    json: "default-ulimits",
    kind: "list",
    fallback: [],
  },
  {
    key: "cgroupParent",
    flag: "cgroup-parent",
    json: "cgroup-parent",
    kind: "string",
    fallback: "",
  },
  {
    key: "storageDriver",
    flag: "storage-driver",
    json: "storage-driver",
    kind: "string",
    fallback: undefined,
    info: (i) =>
      typeof i.Driver === "string" && i.Driver !== ""
        ? { value: i.Driver, pointer: "/Driver" }
        : undefined,
  },
];

function escapePointer(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** Line and column (1-based) of the value at `path` in JSON text, when it can be found. */
export function jsonPosition(
  text: string,
  path: readonly (string | number)[],
): { line: number; column: number } | undefined {
  let node: Node | null | undefined;
  try {
    const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false });
    node = doc.contents;
    for (const step of path) {
      if (isMap(node)) node = node.get(step, true);
      else if (isSeq(node) && typeof step === "number") node = node.get(step, true);
      else return undefined;
    }
  } catch {
    return undefined;
  }
  const offset = node?.range?.[0];
  if (offset === undefined) return undefined;
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - (before.lastIndexOf("\n") + 1) + 1 };
}

/** "nofile=1024:2048" from daemon.json's { "nofile": { "Name": "nofile", "Soft": 1024, "Hard": 2048 } } */
function ulimitText(name: string, value: unknown): string {
  const num = (v: unknown): string =>
    typeof v === "number" || typeof v === "string" ? String(v) : "?";
  if (typeof value === "object" && value !== null) {
    const v = value as { Soft?: unknown; Hard?: unknown };
    return `${name}=${num(v.Soft)}:${num(v.Hard)}`;
  }
  return `${name}=${num(value)}`;
}

export function daemonSettings(input: SettingsInput): SettingsResult {
  const settings: DaemonSettings = {};
  const problems: SettingsResult["problems"] = [];
  const json = input.daemonJson;
  const jsonOrigin = (key: string, index?: number): Origin => {
    const path = index === undefined ? [key] : [key, index];
    const at = json === undefined ? undefined : jsonPosition(json.text, path);
    return {
      ...(json === undefined ? {} : { file: json.file }),
      pointer: `/${escapePointer(key)}${index === undefined ? "" : `/${index}`}`,
      ...(at ?? {}),
    };
  };
  const flagOrigin = (f: FlagOccurrence): Origin => ({
    ...(input.cmdlineFile === undefined ? {} : { file: input.cmdlineFile }),
    argIndex: f.argvIndex,
  });

  for (const def of DEFS) {
    let configured: { value: unknown; origin: Origin; source: "flag" | "daemon.json" } | undefined;
    const occurrences = (input.flags ?? []).filter((f) => f.name === def.flag);
    if (occurrences.length > 0) {
      if (def.kind === "list") {
        const first = occurrences[0];
        if (first !== undefined)
          configured = {
            value: occurrences.map((f) => f.value ?? ""),
            origin: flagOrigin(first),
            source: "flag",
          };
      } else {
        const last = occurrences[occurrences.length - 1];
        if (last !== undefined) {
          if (def.kind === "bool") {
            const value = last.value === undefined ? true : parseGoBool(last.value);
            if (value === undefined) {
              problems.push({
                message: `${last.arg}: ${JSON.stringify(last.value)} is not true or false`,
                origin: flagOrigin(last),
              });
            } else configured = { value, origin: flagOrigin(last), source: "flag" };
          } else {
            configured = { value: last.value ?? "", origin: flagOrigin(last), source: "flag" };
          }
        }
      }
    } else if (json !== undefined && Object.hasOwn(json.content, def.json)) {
      const raw = json.content[def.json];
      const origin = jsonOrigin(def.json);
      const wrong = (want: string): void => {
        problems.push({
          message: `${json.file}: "${def.json}" must be ${want} (dockerd refuses to start with it)`,
          origin,
        });
      };
      if (def.kind === "bool") {
        if (typeof raw === "boolean") configured = { value: raw, origin, source: "daemon.json" };
        else wrong("true or false");
      } else if (def.kind === "string") {
        if (typeof raw === "string") configured = { value: raw, origin, source: "daemon.json" };
        else wrong("a string");
      } else if (def.key === "defaultUlimits") {
        if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) {
          configured = {
            value: Object.entries(raw).map(([k, v]) => ulimitText(k, v)),
            origin,
            source: "daemon.json",
          };
        } else wrong("an object of ulimits");
      } else if (Array.isArray(raw) && raw.every((x) => typeof x === "string")) {
        configured = { value: raw, origin, source: "daemon.json" };
      } else wrong("an array of strings");
    }

    const live = input.info === undefined ? undefined : def.info?.(input.info);
    const same = def.same ?? ((a, b) => JSON.stringify(a) === JSON.stringify(b));
    const fallback: DaemonFact<unknown> | undefined =
      input.flags === undefined || def.fallback === undefined
        ? undefined
        : {
            value: def.fallback,
            origin: json === undefined ? {} : { file: json.file, pointer: "" },
            source: "default",
          };
    let fact: DaemonFact<unknown> | undefined;
    if (
      live !== undefined &&
      configured === undefined &&
      fallback !== undefined &&
      same(fallback.value, live.value)
    ) {
      // nothing sets it and the daemon does the default: the fix goes where settings go
      fact = fallback;
    } else if (live !== undefined) {
      fact =
        configured !== undefined && same(configured.value, live.value)
          ? configured
          : {
              value: live.value,
              origin: { file: "GET /info", pointer: live.pointer },
              source: "info",
            };
    } else if (configured !== undefined) {
      fact = configured;
    } else {
      fact = fallback;
    }
    if (fact !== undefined) (settings as Record<string, DaemonFact<unknown>>)[def.key] = fact;
  }

  if (input.info?.SecurityOptions !== undefined && input.info.SecurityOptions !== null) {
    const found = securityOption(input.info, "seccomp");
    settings.seccompAvailable = {
      value: found?.option !== undefined,
      origin: {
        file: "GET /info",
        pointer:
          found === undefined || found.index === -1
            ? "/SecurityOptions"
            : `/SecurityOptions/${found.index}`,
      },
      source: "info",
    };
  }
  return { settings, problems };
}
