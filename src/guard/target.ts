/**
 * The guard's reading of an HTTP request-target, done the way dockerd's Go stack does it, so the
 * route and parameters the guard judges are the ones the daemon's handler will see:
 *
 *   net/http `readRequest` → `url.ParseRequestURI` (origin- or absolute-form, path
 *   percent-decoded, invalid escapes refused with 400) → gorilla/mux (redirects a path that
 *   `path.Clean` would change, then matches the DECODED path, first registered route wins) →
 *   moby's version middleware (loose `/v{version:[0-9.]+}`, compared field by field) → the
 *   handler (`r.ParseForm`/`r.FormValue`: the query via `url.ParseQuery`, first value wins,
 *   and — for form content types — parameters from the BODY, ahead of the query).
 *
 * Where the daemon's reading is ambiguous or surprising the guard refuses instead of guessing,
 * and what it forwards is `target`: a fresh origin-form target that Go decodes back to exactly
 * the judged path, version and query. See docs/guard-routing.md.
 */
import {
  compareApiVersions,
  DEFAULT_DAEMON_API_VERSION,
  matchRoute,
  routeTable,
  type RouteDef,
} from "./routes.js";

/** The guard refuses older API versions (moby 25+ refuses them too; 20.10 went down to 1.12). */
export const MIN_API_VERSION = "1.24";

export type TargetDenialCode =
  /** not an origin-form or http(s) absolute-form target, or characters no client sends */
  | "malformed-target"
  /** a `%` not followed by two hex digits in the path: Go answers 400 */
  | "bad-escape"
  /** the decoded path is not UTF-8 or holds control characters */
  | "bad-path"
  /** `//`, `/./`, `/../` or a trailing `/.`: mux answers 301 to the cleaned path */
  | "unclean-path"
  /** a `;` or a bad escape in the query: Go drops that pair and handlers differ on the error */
  | "bad-query"
  /** a form content type: Go's ParseForm/FormValue would read parameters from the body */
  | "form-body"
  /** no route for this method and path: the daemon answers 404 */
  | "not-found"
  /** a version prefix that is not `major.minor` in plain decimals */
  | "odd-version"
  | "version-too-old"
  | "version-too-new";

export interface TargetDenial {
  readonly ok: false;
  /**
   * 400/404 where the daemon would refuse the request too; 403 where the daemon would act on
   * it (redirect, drop a parameter, read the body) and the guard will not.
   */
  readonly status: 400 | 403 | 404;
  readonly code: TargetDenialCode;
  readonly reason: string;
}

export interface TargetAccepted {
  readonly ok: true;
  readonly method: string;
  readonly route: RouteDef;
  /** the route's variables, decoded (`name` may hold slashes for images and plugins) */
  readonly params: Readonly<Record<string, string>>;
  /** the API version the handler sees: the prefix's, or the daemon's own without one */
  readonly version: string;
  /** the version prefix as written, undefined when there was none */
  readonly versionInPath: string | undefined;
  /** the decoded path mux routes on, version prefix included */
  readonly path: string;
  /** every value of every query key, in order; the daemon's handlers use the FIRST */
  readonly query: ReadonlyMap<string, readonly string[]>;
  /** what to forward: origin-form, explicit version prefix, re-encoded path and query */
  readonly target: string;
}

export type TargetResult = TargetAccepted | TargetDenial;

export interface TargetOptions {
  /** the request's Content-Type header value(s) */
  readonly contentType?: string | readonly string[] | undefined;
  /** the daemon's own API version (its maximum, and the default for unprefixed paths) */
  readonly daemonApiVersion?: string;
}

function deny(
  status: TargetDenial["status"],
  code: TargetDenialCode,
  reason: string,
): TargetDenial {
  return { ok: false, status, code, reason };
}

/**
 * Read `rawTarget` (Node's `req.url`) as dockerd would and find its route.
 *
 * @example
 * const t = parseTarget("GET", "/v1.41/containers/json?all=1");
 * // t.ok && t.route.id === "ContainerList" && t.query.get("all")?.[0] === "1"
 */
export function parseTarget(
  method: string,
  rawTarget: string,
  options: TargetOptions = {},
): TargetResult {
  const daemonApiVersion = options.daemonApiVersion ?? DEFAULT_DAEMON_API_VERSION;
  const table = routeTable(daemonApiVersion);

  const split = splitTarget(method, rawTarget);
  if (!split.ok) return split;

  const path = decodePath(split.rawPath);
  if (typeof path !== "string") return path;
  if (cleanPath(path) !== path) {
    return deny(
      403,
      "unclean-path",
      `the daemon would redirect ${quote(path)} to ${quote(cleanPath(path))}`,
    );
  }

  const query = parseQuery(split.rawQuery);
  if (!(query instanceof Map)) return query;

  const form = formContentType(options.contentType);
  if (form !== undefined) {
    return deny(
      403,
      "form-body",
      `Content-Type ${quote(form)}: the daemon would read request parameters from the body`,
    );
  }

  const match = matchRoute(method, path, table);
  if (match === undefined) {
    return deny(404, "not-found", `no route for ${method} ${quote(path)}`);
  }

  let version = daemonApiVersion;
  if (match.version !== undefined) {
    if (!isCanonicalVersion(match.version)) {
      return deny(
        403,
        "odd-version",
        `API version ${quote(match.version)} is not of the form 1.41`,
      );
    }
    if (compareApiVersions(match.version, MIN_API_VERSION) < 0) {
      return deny(
        400,
        "version-too-old",
        `client version ${match.version} is too old: the guard needs API ${MIN_API_VERSION} or newer`,
      );
    }
    if (compareApiVersions(match.version, daemonApiVersion) > 0) {
      return deny(
        400,
        "version-too-new",
        `client version ${match.version} is too new: the daemon speaks API ${daemonApiVersion}`,
      );
    }
    version = match.version;
  }

  const unversioned = match.version === undefined ? path : path.slice(`/v${match.version}`.length);
  // Pin the version the guard judged by (a bare path would get whatever the daemon speaks by
  // then). The debug routes of older daemons exist only without a prefix.
  const prefixed = table.registrations.some((r) => r.route === match.route && r.versioned);
  const target =
    (prefixed ? `/v${version}` : "") +
    encodePath(unversioned) +
    (query.size > 0 ? `?${encodeQuery(query)}` : "");

  return {
    ok: true,
    method,
    route: match.route,
    params: match.params,
    version,
    versionInPath: match.version,
    path,
    query,
    target,
  };
}

/** The value `r.Form.Get(key)` would return from the query: the first, or "". */
export function firstValue(query: ReadonlyMap<string, readonly string[]>, key: string): string {
  return query.get(key)?.[0] ?? "";
}

/** Query keys given more than once (a handler reads only the first value). */
export function repeatedKeys(query: ReadonlyMap<string, readonly string[]>): string[] {
  return [...query].filter(([, values]) => values.length > 1).map(([key]) => key);
}

// ---------------------------------------------------------------------------------------------
// request-target forms

type Split = { ok: true; rawPath: string; rawQuery: string } | TargetDenial;

/** Printable ASCII; a `#` is not a fragment to Go's ParseRequestURI, so refuse it. */
const TARGET_CHARS = /^[\x21-\x22\x24-\x7e]+$/;
const ABSOLUTE_FORM = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s;
/** a host name, IPv4 or bracketed IPv6 literal, and an optional port; no userinfo */
const AUTHORITY = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

function splitTarget(method: string, raw: string): Split {
  if (method === "CONNECT" || raw === "*") {
    return deny(
      400,
      "malformed-target",
      `${method} ${quote(cutQuery(raw)[0])} is not a request for the API`,
    );
  }
  if (!TARGET_CHARS.test(raw)) {
    return deny(
      400,
      "malformed-target",
      `request target ${quote(cutQuery(raw)[0])} has characters outside printable ASCII, or a #`,
    );
  }
  if (raw.startsWith("/")) {
    const [rawPath, rawQuery] = cutQuery(raw);
    return { ok: true, rawPath, rawQuery };
  }
  // absolute-form: Go accepts any scheme and routes on the path; Go cuts the query off
  // before it looks for the authority
  const abs = ABSOLUTE_FORM.exec(raw);
  const scheme = abs?.[1]?.toLowerCase();
  if (abs === null || (scheme !== "http" && scheme !== "https")) {
    return deny(
      400,
      "malformed-target",
      `request target ${quote(cutQuery(raw)[0])} is neither a path nor an http(s) URL`,
    );
  }
  const [rest, rawQuery] = cutQuery(abs[2] ?? "");
  if (!rest.startsWith("//")) {
    return deny(
      400,
      "malformed-target",
      `request target ${quote(cutQuery(raw)[0])} has no authority`,
    );
  }
  const slash = rest.indexOf("/", 2);
  const authority = slash === -1 ? rest.slice(2) : rest.slice(2, slash);
  if (!AUTHORITY.test(authority)) {
    return deny(
      400,
      "malformed-target",
      `request target ${quote(cutQuery(raw)[0])} has an unusual authority`,
    );
  }
  if (slash === -1) {
    // Go leaves the path empty and mux redirects it to "/"
    return deny(403, "unclean-path", `request target ${quote(cutQuery(raw)[0])} has no path`);
  }
  return { ok: true, rawPath: rest.slice(slash), rawQuery };
}

function cutQuery(text: string): [string, string] {
  const q = text.indexOf("?");
  return q === -1 ? [text, ""] : [text.slice(0, q), text.slice(q + 1)];
}

// ---------------------------------------------------------------------------------------------
// percent-decoding

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const HEX = /^[0-9A-Fa-f]{2}$/;

/** Go's `unescape`: `%XX` → byte, `+` → space in query mode; undefined for a bad escape. */
function unescape(text: string, plusIsSpace: boolean): Uint8Array | undefined {
  const bytes = new Uint8Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25) {
      const hex = text.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return undefined;
      bytes[n++] = parseInt(hex, 16);
      i += 2;
    } else if (c === 0x2b && plusIsSpace) {
      bytes[n++] = 0x20;
    } else {
      bytes[n++] = c; // TARGET_CHARS: ASCII only
    }
  }
  return bytes.subarray(0, n);
}

function toText(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL = /[\x00-\x1f\x7f]/;

function decodePath(rawPath: string): string | TargetDenial {
  const bytes = unescape(rawPath, false);
  if (bytes === undefined) {
    return deny(400, "bad-escape", `path ${quote(rawPath)} has a % not followed by two hex digits`);
  }
  const path = toText(bytes);
  if (path === undefined) {
    return deny(400, "bad-path", `path ${quote(rawPath)} does not decode to UTF-8`);
  }
  // Go routes them, but `.*` in a mux template stops at \n: no name legitimately holds one
  if (CONTROL.test(path)) {
    return deny(400, "bad-path", `path ${quote(rawPath)} decodes to control characters`);
  }
  return path;
}

/** Go's `url.ParseQuery`, refusing where Go would drop a pair and report an error. */
function parseQuery(rawQuery: string): Map<string, string[]> | TargetDenial {
  const query = new Map<string, string[]>();
  for (const pair of rawQuery.split("&")) {
    if (pair.includes(";")) {
      return deny(
        403,
        "bad-query",
        "the query has a ';': Go drops that parameter (and some handlers then fail, others not)",
      );
    }
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? "" : pair.slice(eq + 1);
    const keyBytes = unescape(rawKey, true);
    const valueBytes = unescape(rawValue, true);
    if (keyBytes === undefined || valueBytes === undefined) {
      return deny(
        403,
        "bad-query",
        `query parameter ${quote(rawKey)} has a bad % escape: Go drops it`,
      );
    }
    const key = toText(keyBytes);
    const value = toText(valueBytes);
    if (key === undefined || value === undefined) {
      return deny(400, "bad-query", `query parameter ${quote(rawKey)} does not decode to UTF-8`);
    }
    const values = query.get(key);
    if (values === undefined) query.set(key, [value]);
    else values.push(value);
  }
  return query;
}

// ---------------------------------------------------------------------------------------------
// mux's path cleaning

/** Go's `path.Clean` for a rooted path. */
function goPathClean(path: string): string {
  const out: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  return "/" + out.join("/");
}

/** gorilla/mux `cleanPath`: path.Clean, keeping a trailing slash. */
export function cleanPath(path: string): string {
  if (path === "") return "/";
  const rooted = path.startsWith("/") ? path : "/" + path;
  const clean = goPathClean(rooted);
  return rooted.endsWith("/") && clean !== "/" ? clean + "/" : clean;
}

// ---------------------------------------------------------------------------------------------
// version and content type

/** `major.minor` in plain decimals, nothing moby's loose comparison could read another way. */
const CANONICAL_VERSION = /^(?:0|[1-9][0-9]{0,8})\.(?:0|[1-9][0-9]{0,8})$/;

function isCanonicalVersion(version: string): boolean {
  return CANONICAL_VERSION.test(version);
}

/**
 * The offending value when a Content-Type would make Go read the body as a form: ParseForm
 * parses `application/x-www-form-urlencoded` bodies of POST/PUT/PATCH ahead of the query, and
 * FormValue also parses `multipart/form-data` bodies of ANY method. Go lower-cases with Unicode
 * rules (`İ` becomes `i`), so a non-ASCII value counts as a form too.
 */
function formContentType(contentType: string | readonly string[] | undefined): string | undefined {
  const values = typeof contentType === "string" ? [contentType] : (contentType ?? []);
  return values.find((value) => {
    if (/[^\x20-\x7e\t]/.test(value)) return true;
    const lower = value.toLowerCase();
    return lower.includes("x-www-form-urlencoded") || lower.includes("multipart");
  });
}

// ---------------------------------------------------------------------------------------------
// the forwarded target

const PATH_SAFE = /[A-Za-z0-9\-._~/:@!$&'()*+,=]/;
const QUERY_SAFE = /[A-Za-z0-9\-._~]/;
const utf8Encoder = new TextEncoder();

function percentEncode(text: string, safe: RegExp): string {
  let out = "";
  for (const ch of text) {
    if (safe.test(ch)) {
      out += ch;
    } else {
      for (const byte of utf8Encoder.encode(ch)) {
        out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
      }
    }
  }
  return out;
}

function encodePath(path: string): string {
  return percentEncode(path, PATH_SAFE);
}

function encodeQuery(query: ReadonlyMap<string, readonly string[]>): string {
  const pairs: string[] = [];
  for (const [key, values] of query) {
    for (const value of values) {
      pairs.push(`${percentEncode(key, QUERY_SAFE)}=${percentEncode(value, QUERY_SAFE)}`);
    }
  }
  return pairs.join("&");
}

/** For reasons, which are logged: a path or key, never a query value (it may hold a secret). */
function quote(text: string): string {
  return JSON.stringify(text.length > 200 ? text.slice(0, 200) + "…" : text);
}
