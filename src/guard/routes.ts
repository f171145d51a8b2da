/**
 * The guard's routing table: which handler dockerd dispatches a (method, decoded path) to.
 *
 * dockerd routes with gorilla/mux. For every route of every router it registers the path twice,
 * `/v{version:[0-9.]+}` + path and the bare path, both restricted to the route's method; then
 * (before moby 28) the debug routes under `/debug` with NO method and no version; then a
 * catch-all `/v{version}/{path:.*}` answering 404. mux tries routes in registration order and
 * dispatches to the first whose path regexp AND method match; a path match with the wrong method
 * only makes it keep looking (and answer 404 if nothing else matches). `matchRoute` reproduces
 * exactly that, on the path AFTER percent-decoding (moby does not set `UseEncodedPath`).
 */
import {
  MODERN_LAYOUT_SINCE,
  ROUTER_ORDER_LEGACY,
  ROUTER_ORDER_MODERN,
  ROUTERS,
  type TableEntry,
} from "./route-table.js";

import type { Area } from "./roles.js";

export type BodyKind = "none" | "json" | "stream";

/**
 * The API areas a guard role grants (see roles.ts), plus `debug`: expvar/pprof, which no area
 * but `*` should reach.
 */
export type RouteArea = Area | "debug";

export interface RouteDef {
  /** swagger operationId, e.g. ContainerCreate; stable */
  readonly id: string;
  readonly methods: readonly string[];
  /** the mux template without the version prefix, e.g. /images/{name:.*}/json */
  readonly pattern: string;
  readonly area: RouteArea;
  /** changes nothing on the host (it may still hand out content, e.g. an export) */
  readonly readOnly: boolean;
  /** what the request body carries: nothing, a JSON document, or raw bytes (tar, binary) */
  readonly body: BodyKind;
  /** the connection is taken over (attach, exec start, websocket, h2c for /session and /grpc) */
  readonly hijack: boolean;
  /** the response can last indefinitely (follow, progress, long-poll): never buffer or time it */
  readonly streaming: boolean;
}

/** One mux registration: a route's template, with or without the version prefix. */
export interface Registration {
  readonly route: RouteDef;
  readonly versioned: boolean;
  /** undefined: any method (the debug routes of daemons before moby 28) */
  readonly methods: readonly string[] | undefined;
  readonly regexp: RegExp;
  /** the names of the regexp's groups, in order (`version` first when versioned) */
  readonly vars: readonly string[];
  /**
   * The route pattern's first segment when it is literal ("containers" for
   * `/containers/{name:.*}/json`): a path whose segment there differs cannot match, so the
   * regexp is not tried. Undefined when that segment holds a variable.
   */
  readonly firstSegment: string | undefined;
}

export interface RouteTable {
  /** the daemon's own API version this layout is for, e.g. "1.41" */
  readonly daemonApiVersion: string;
  readonly registrations: readonly Registration[];
  /** the distinct routes, in registration order */
  readonly routes: readonly RouteDef[];
}

export interface RouteMatch {
  readonly route: RouteDef;
  /** the route's variables (`name`, `id`, …), never `version` */
  readonly params: Readonly<Record<string, string>>;
  /** the `/v{version}` prefix as written, undefined when the path had none */
  readonly version: string | undefined;
}

/** The oldest and newest daemon API versions whose route layout this table knows. */
export const OLDEST_DAEMON_API_VERSION = "1.41";
export const NEWEST_DAEMON_API_VERSION = "1.51";
/** dockerd 20.10, the engine dockward is built against. */
export const DEFAULT_DAEMON_API_VERSION = "1.41";

const VERSION_MATCHER = "/v{version:[0-9.]+}";

/**
 * Go's regexp `.` matches anything but `\n` (no `s` flag); JavaScript's `.` also stops at `\r`,
 * U+2028 and U+2029. The patterns moby uses are translated one by one; anything else is a bug in
 * the table, caught when the table is built.
 */
const GO_PATTERNS: Readonly<Record<string, string>> = {
  ".*": "[^\\n]*",
  ".+": "[^\\n]+",
  "[0-9.]+": "[0-9.]+",
  "[^/]+": "[^/]+",
};

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** A mux path template as mux compiles it: `^` literal (var) literal … `$`, no strict slash. */
export function compileTemplate(template: string): { regexp: RegExp; vars: string[] } {
  let source = "^";
  const vars: string[] = [];
  let rest = template;
  while (rest.length > 0) {
    const open = rest.indexOf("{");
    if (open === -1) {
      source += escapeRegExp(rest);
      break;
    }
    const close = rest.indexOf("}", open);
    if (close === -1) throw new Error(`unbalanced braces in route template ${template}`);
    source += escapeRegExp(rest.slice(0, open));
    const inner = rest.slice(open + 1, close);
    const colon = inner.indexOf(":");
    const name = colon === -1 ? inner : inner.slice(0, colon);
    const goPattern = colon === -1 ? "[^/]+" : inner.slice(colon + 1);
    const jsPattern = GO_PATTERNS[goPattern];
    if (name === "" || jsPattern === undefined) {
      throw new Error(`unsupported variable {${inner}} in route template ${template}`);
    }
    source += `(${jsPattern})`;
    vars.push(name);
    rest = rest.slice(close + 1);
  }
  return { regexp: new RegExp(source + "$"), vars };
}

/**
 * Compare API versions the way moby's `versions.compare` does for well-formed ones. Only
 * canonical versions (see `parseApiVersion`) reach this.
 */
export function compareApiVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function registeredBy(entry: TableEntry, daemonApiVersion: string): boolean {
  if (
    entry.daemonSince !== undefined &&
    compareApiVersions(daemonApiVersion, entry.daemonSince) < 0
  ) {
    return false;
  }
  return (
    entry.daemonUntil === undefined || compareApiVersions(daemonApiVersion, entry.daemonUntil) <= 0
  );
}

function publicDef(entry: TableEntry): RouteDef {
  const { id, methods, pattern, area, readOnly, body, hijack, streaming } = entry;
  return Object.freeze({ id, methods, pattern, area, readOnly, body, hijack, streaming });
}

function register(
  route: RouteDef,
  template: string,
  versioned: boolean,
  methods: readonly string[] | undefined,
): Registration {
  const { regexp, vars } = compileTemplate(template);
  const first = route.pattern.split("/")[1];
  const firstSegment = first === undefined || first.includes("{") ? undefined : first;
  return { route, versioned, methods, regexp, vars, firstSegment };
}

function buildTable(daemonApiVersion: string): RouteTable {
  const modern = compareApiVersions(daemonApiVersion, MODERN_LAYOUT_SINCE) >= 0;
  const order = modern ? ROUTER_ORDER_MODERN : ROUTER_ORDER_LEGACY;
  const registrations: Registration[] = [];
  const routes: RouteDef[] = [];
  for (const router of order) {
    for (const entry of ROUTERS[router]) {
      if (!registeredBy(entry, daemonApiVersion)) continue;
      const route = publicDef(entry);
      routes.push(route);
      registrations.push(register(route, VERSION_MATCHER + route.pattern, true, route.methods));
      registrations.push(register(route, route.pattern, false, route.methods));
    }
  }
  if (!modern) {
    // createMux: m.Path("/debug" + r.Path()).Handler(f) — any method, no version prefix
    for (const entry of ROUTERS.debug) {
      const route = publicDef(entry);
      routes.push(route);
      registrations.push(register(route, route.pattern, false, undefined));
    }
  }
  // The catch-all `/v{version}/{path:.*}` and the NotFound/MethodNotAllowed handlers all answer
  // 404 "page not found": no registration needed, a miss is a miss.
  return { daemonApiVersion, registrations, routes };
}

const tables = new Map<string, RouteTable>();

const CANONICAL_VERSION = /^(?:0|[1-9][0-9]{0,8})\.(?:0|[1-9][0-9]{0,8})$/;

/** Is `version` a daemon API version whose route layout this table knows? */
export function isKnownDaemonApiVersion(version: string): boolean {
  return (
    CANONICAL_VERSION.test(version) &&
    compareApiVersions(version, OLDEST_DAEMON_API_VERSION) >= 0 &&
    compareApiVersions(version, NEWEST_DAEMON_API_VERSION) <= 0
  );
}

/**
 * The routes of a daemon whose own API version is `daemonApiVersion` ("1.41" … "1.51"), in the
 * order its mux tries them. Throws for a version outside that range: the guard must not guess
 * the layout of a daemon it was not built for.
 */
export function routeTable(daemonApiVersion: string = DEFAULT_DAEMON_API_VERSION): RouteTable {
  let table = tables.get(daemonApiVersion);
  if (table === undefined) {
    if (!isKnownDaemonApiVersion(daemonApiVersion)) {
      throw new RangeError(
        `no route table for daemon API version ${JSON.stringify(daemonApiVersion)} ` +
          `(known: ${OLDEST_DAEMON_API_VERSION} to ${NEWEST_DAEMON_API_VERSION})`,
      );
    }
    table = buildTable(daemonApiVersion);
    tables.set(daemonApiVersion, table);
  }
  return table;
}

/**
 * The route dockerd dispatches `method` and the DECODED, clean `path` to, as mux picks it: the
 * first registration whose path regexp and method both match. `undefined` is a 404 from the
 * daemon (unknown path, or a known path with another method).
 *
 * @example
 * matchRoute("GET", "/v1.41/images/library/alpine/json")
 * // → { route: { id: "ImageInspect", … }, params: { name: "library/alpine" }, version: "1.41" }
 */
export function matchRoute(
  method: string,
  path: string,
  table: RouteTable = routeTable(),
): RouteMatch | undefined {
  // the path's first two segments: a versioned pattern starts at the second
  const cut1 = path.indexOf("/", 1);
  const seg1 = cut1 === -1 ? path.slice(1) : path.slice(1, cut1);
  const cut2 = cut1 === -1 ? -1 : path.indexOf("/", cut1 + 1);
  const seg2 = cut1 === -1 ? undefined : path.slice(cut1 + 1, cut2 === -1 ? undefined : cut2);
  for (const reg of table.registrations) {
    if (reg.methods !== undefined && !reg.methods.includes(method)) continue;
    if (reg.firstSegment !== undefined && reg.firstSegment !== (reg.versioned ? seg2 : seg1))
      continue;
    const m = reg.regexp.exec(path);
    if (m === null) continue;
    const params: Record<string, string> = {};
    let version: string | undefined;
    reg.vars.forEach((name, i) => {
      const value = m[i + 1] ?? "";
      if (reg.versioned && i === 0) version = value;
      else params[name] = value;
    });
    return { route: reg.route, params: Object.freeze(params), version };
  }
  return undefined;
}

/** Every route id of every layout, for tests and docs. */
export function allRouteIds(): string[] {
  return Object.values(ROUTERS).flatMap((entries) => entries.map((e) => e.id));
}
