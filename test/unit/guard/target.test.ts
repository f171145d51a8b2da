import { describe, expect, it } from "vitest";
import {
  cleanPath,
  firstValue,
  parseTarget,
  repeatedKeys,
  type TargetDenialCode,
  type TargetOptions,
} from "../../../src/guard/target.js";

interface Routed {
  id: string;
  params?: Record<string, string>;
  version?: string;
  versionInPath?: string | undefined;
  path?: string;
  target?: string;
}
interface Denied {
  deny: TargetDenialCode;
  status: 400 | 403 | 404;
}
type Case = [method: string, raw: string, expected: Routed | Denied, options?: TargetOptions];

/**
 * What dockerd 20.10 (API 1.41) does with each target, and what the guard makes of it. The
 * routed cases were checked against gorilla/mux v1.8.0 on Go 1.19 net/http and against
 * dockerd 20.10.24 itself.
 */
const CASES: readonly Case[] = [
  // --- plain targets
  [
    "GET",
    "/v1.41/containers/json?all=1",
    {
      id: "ContainerList",
      params: {},
      version: "1.41",
      versionInPath: "1.41",
      target: "/v1.41/containers/json?all=1",
    },
  ],
  // no prefix: the daemon's own version, pinned in the forwarded target
  [
    "GET",
    "/containers/json",
    {
      id: "ContainerList",
      version: "1.41",
      versionInPath: undefined,
      target: "/v1.41/containers/json",
    },
  ],
  ["GET", "/_ping", { id: "SystemPing", target: "/v1.41/_ping" }],
  ["HEAD", "/_ping", { id: "SystemPingHead" }],
  [
    "HEAD",
    "/v1.41/containers/c1/archive?path=%2Fetc",
    {
      id: "ContainerArchiveInfo",
      params: { name: "c1" },
      target: "/v1.41/containers/c1/archive?path=%2Fetc",
    },
  ],

  // --- the daemon routes on the DECODED path
  ["POST", "/containers/%63reate", { id: "ContainerCreate", target: "/v1.41/containers/create" }],
  [
    "POST",
    "/v1.41/containers/%63reate?name=web",
    { id: "ContainerCreate", path: "/v1.41/containers/create" },
  ],
  ["POST", "/v1.41/containers/create%3Fname=x", { deny: "not-found", status: 404 }],
  [
    "POST",
    "/v1.41/containers/x%2Fkill%3F/start",
    {
      id: "ContainerStart",
      params: { name: "x/kill?" },
      target: "/v1.41/containers/x/kill%3F/start",
    },
  ],
  [
    "GET",
    "/v1.41/images/library%2Falpine/json",
    {
      id: "ImageInspect",
      params: { name: "library/alpine" },
      target: "/v1.41/images/library/alpine/json",
    },
  ],
  [
    "GET",
    "/v1.41/images/localhost:5000%2Fa%2Fb:1.0/json",
    {
      id: "ImageInspect",
      params: { name: "localhost:5000/a/b:1.0" },
    },
  ],
  ["GET", "/v1%2E41/version", { id: "SystemVersion", version: "1.41", versionInPath: "1.41" }],
  ["GET", "/containers/a+b/json", { id: "ContainerInspect", params: { name: "a+b" } }],
  [
    "GET",
    "/containers/a%20b/json",
    {
      id: "ContainerInspect",
      params: { name: "a b" },
      target: "/v1.41/containers/a%20b/json",
    },
  ],
  [
    "GET",
    "/containers/%E2%9C%93/json",
    {
      id: "ContainerInspect",
      params: { name: "✓" },
      target: "/v1.41/containers/%E2%9C%93/json",
    },
  ],
  // a BOM is a character like any other to Go
  ["GET", "/containers/%EF%BB%BFc/json", { id: "ContainerInspect", params: { name: "\uFEFFc" } }],
  ["GET", "/containers/json%", { deny: "bad-escape", status: 400 }],
  ["GET", "/containers/%zzjson", { deny: "bad-escape", status: 400 }],
  ["GET", "/containers/%4/json", { deny: "bad-escape", status: 400 }],
  ["GET", "/containers/a%0Ab/json", { deny: "bad-path", status: 400 }],
  ["GET", "/containers/a%00b/json", { deny: "bad-path", status: 400 }],
  ["GET", "/containers/%FF/json", { deny: "bad-path", status: 400 }],
  ["GET", "/containers/%C3/json", { deny: "bad-path", status: 400 }],

  // --- mux redirects (301) what path.Clean would change
  ["GET", "//containers/json", { deny: "unclean-path", status: 403 }],
  ["GET", "/containers//json", { deny: "unclean-path", status: 403 }],
  ["GET", "/v1.41//containers/json", { deny: "unclean-path", status: 403 }],
  ["GET", "/v1.41/containers/./json", { deny: "unclean-path", status: 403 }],
  ["GET", "/v1.41/images/../containers/json", { deny: "unclean-path", status: 403 }],
  ["GET", "/v1.41/images/%2e%2e/json", { deny: "unclean-path", status: 403 }],
  ["GET", "/v1.41/images/a%2F%2Fb/json", { deny: "unclean-path", status: 403 }],
  ["GET", "/v1.41/images/a%2F.%2Fb/json", { deny: "unclean-path", status: 403 }],
  ["GET", "/containers/json/.", { deny: "unclean-path", status: 403 }],
  ["GET", "/containers/json/..", { deny: "unclean-path", status: 403 }],
  ["GET", "/..", { deny: "unclean-path", status: 403 }],
  // dots that are not whole segments are names
  ["GET", "/v1.41/images/..x/json", { id: "ImageInspect", params: { name: "..x" } }],
  ["GET", "/v1.41/images/x.../json", { id: "ImageInspect", params: { name: "x..." } }],

  // --- trailing slashes: no StrictSlash, so only routes written with one match
  ["GET", "/containers/json/", { deny: "not-found", status: 404 }],
  ["GET", "/v1.41/info/", { deny: "not-found", status: 404 }],
  ["GET", "/networks/", { id: "NetworkListSlash", target: "/v1.41/networks/" }],
  ["GET", "/volumes/", { id: "VolumeInspect", params: { name: "" } }],
  ["DELETE", "/v1.41/images/", { id: "ImageDelete", params: { name: "" } }],

  // --- absolute-form: Go routes on its path
  [
    "GET",
    "http://localhost/v1.41/containers/json?all=1",
    {
      id: "ContainerList",
      path: "/v1.41/containers/json",
      target: "/v1.41/containers/json?all=1",
    },
  ],
  ["GET", "HTTPS://docker.example:2376/info", { id: "SystemInfo", target: "/v1.41/info" }],
  ["GET", "http://[::1]:2375/_ping", { id: "SystemPing" }],
  ["GET", "http://h?x=/containers/json", { deny: "unclean-path", status: 403 }],
  ["GET", "http://h", { deny: "unclean-path", status: 403 }],
  ["GET", "http://h//containers/json", { deny: "unclean-path", status: 403 }],
  ["GET", "http://user@h/containers/json", { deny: "malformed-target", status: 400 }],
  ["GET", "http:///containers/json", { deny: "malformed-target", status: 400 }],
  // Go routes these two; no client sends them
  ["GET", "http:/containers/json", { deny: "malformed-target", status: 400 }],
  ["GET", "x:/containers/json", { deny: "malformed-target", status: 400 }],
  ["GET", "ftp://h/containers/json", { deny: "malformed-target", status: 400 }],
  ["GET", "containers/json", { deny: "malformed-target", status: 400 }],
  ["OPTIONS", "*", { deny: "malformed-target", status: 400 }],
  ["CONNECT", "docker:2375", { deny: "malformed-target", status: 400 }],
  ["CONNECT", "/containers/json", { deny: "malformed-target", status: 400 }],
  ["GET", "", { deny: "malformed-target", status: 400 }],
  // Go keeps "#…" in the path or query (no fragments in a request); refused
  ["GET", "/containers/json#x", { deny: "malformed-target", status: 400 }],
  ["POST", "/containers/c/kill?signal=KILL#x", { deny: "malformed-target", status: 400 }],
  ["GET", "/containers/a b/json", { deny: "malformed-target", status: 400 }],
  ["GET", "/containers/\u00e9/json", { deny: "malformed-target", status: 400 }],
  ["GET", "/containers/\tx/json", { deny: "malformed-target", status: 400 }],

  // --- versions
  ["GET", "/v1.24/info", { id: "SystemInfo", version: "1.24", target: "/v1.24/info" }],
  ["GET", "/v1.40/info", { id: "SystemInfo", version: "1.40", versionInPath: "1.40" }],
  ["GET", "/v1.23/info", { deny: "version-too-old", status: 400 }],
  ["GET", "/v1.12/containers/json", { deny: "version-too-old", status: 400 }],
  ["GET", "/v0.9/info", { deny: "version-too-old", status: 400 }],
  ["GET", "/v1.42/info", { deny: "version-too-new", status: 400 }],
  ["GET", "/v2.0/info", { deny: "version-too-new", status: 400 }],
  ["GET", "/v1.42/info", { id: "SystemInfo", version: "1.42" }, { daemonApiVersion: "1.51" }],
  [
    "GET",
    "/info",
    { id: "SystemInfo", version: "1.51", target: "/v1.51/info" },
    {
      daemonApiVersion: "1.51",
    },
  ],
  // 20.10 accepts all of these (1..41 and 1.4.1 as "too old", 01.41 and 1.041 as 1.41, 1.41.0
  // as 1.41): a handler comparing versions could read them as it likes; refused
  ["GET", "/v1..41/info", { deny: "odd-version", status: 403 }],
  ["GET", "/v01.41/info", { deny: "odd-version", status: 403 }],
  ["GET", "/v1.041/info", { deny: "odd-version", status: 403 }],
  ["GET", "/v1.4.1/info", { deny: "odd-version", status: 403 }],
  ["GET", "/v1.41.0/info", { deny: "odd-version", status: 403 }],
  ["GET", "/v1/info", { deny: "odd-version", status: 403 }],
  ["GET", "/v./info", { deny: "odd-version", status: 403 }],
  ["GET", "/v.41/info", { deny: "odd-version", status: 403 }],
  ["GET", "/v1.41./info", { deny: "odd-version", status: 403 }],
  ["GET", "/v1.9999999999/info", { deny: "odd-version", status: 403 }],
  // mux's prefix is a lowercase v
  ["GET", "/V1.41/info", { deny: "not-found", status: 404 }],
  ["GET", "/v1.41", { deny: "not-found", status: 404 }],
  ["GET", "/v1.41/", { deny: "not-found", status: 404 }],
  ["GET", "/v1.41/v1.41/info", { deny: "not-found", status: 404 }],

  // --- unknown paths and method mismatches: the daemon answers 404
  ["GET", "/", { deny: "not-found", status: 404 }],
  ["GET", "/v1.41/foo", { deny: "not-found", status: 404 }],
  ["GET", "/containers/create", { deny: "not-found", status: 404 }],
  ["POST", "/containers/json", { deny: "not-found", status: 404 }],
  ["PATCH", "/containers/c/update", { deny: "not-found", status: 404 }],
  ["HEAD", "/containers/json", { deny: "not-found", status: 404 }],
  ["PUT", "/volumes/v", { deny: "not-found", status: 404 }],
  ["get", "/_ping", { deny: "not-found", status: 404 }],
  ["GET", "/_PING", { deny: "not-found", status: 404 }],
  // …but a known path with another method can be a different route
  ["DELETE", "/containers/json", { id: "ContainerDelete", params: { name: "json" } }],
  [
    "OPTIONS",
    "/containers/create",
    { id: "SystemOptions", params: { anyroute: "containers/create" } },
  ],

  // --- debug routes of 20.10: any method, no version prefix (so none is added)
  ["POST", "/debug/vars", { id: "DebugVars", target: "/debug/vars" }],
  ["GET", "/v1.41/debug/vars", { deny: "not-found", status: 404 }],
  [
    "GET",
    "/v1.51/debug/vars",
    { id: "DebugVars", target: "/v1.51/debug/vars" },
    {
      daemonApiVersion: "1.51",
    },
  ],
  [
    "GET",
    "/debug/vars",
    { id: "DebugVars", target: "/v1.51/debug/vars" },
    { daemonApiVersion: "1.51" },
  ],
  ["POST", "/debug/vars", { deny: "not-found", status: 404 }, { daemonApiVersion: "1.51" }],

  // --- the query, as url.ParseQuery reads it
  ["GET", "/containers/json?all=1;size=1", { deny: "bad-query", status: 403 }],
  ["GET", "/containers/json?all=1&;", { deny: "bad-query", status: 403 }],
  ["GET", "/containers/json?a=%zz", { deny: "bad-query", status: 403 }],
  ["GET", "/containers/json?%=1", { deny: "bad-query", status: 403 }],
  ["GET", "/containers/json?a=%FF", { deny: "bad-query", status: 400 }],
  [
    "GET",
    "/containers/json?a=%3B",
    { id: "ContainerList", target: "/v1.41/containers/json?a=%3B" },
  ],
  [
    "POST",
    "/commit?container=c&comment=a+b%2Bc%0Ad",
    {
      id: "ImageCommit",
      target: "/v1.41/commit?container=c&comment=a%20b%2Bc%0Ad",
    },
  ],
  ["GET", "/containers/json?", { id: "ContainerList", target: "/v1.41/containers/json" }],
  [
    "GET",
    "/containers/json?&&all&=x",
    { id: "ContainerList", target: "/v1.41/containers/json?all=&=x" },
  ],
  [
    "GET",
    "/containers/json?filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D",
    {
      id: "ContainerList",
      target: "/v1.41/containers/json?filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D",
    },
  ],
  [
    "GET",
    "/containers/json?x=a?b",
    { id: "ContainerList", target: "/v1.41/containers/json?x=a%3Fb" },
  ],

  // --- form content types: Go would take parameters from the body (ahead of the query)
  [
    "POST",
    "/build?networkmode=default",
    { deny: "form-body", status: 403 },
    {
      contentType: "application/x-www-form-urlencoded",
    },
  ],
  [
    "POST",
    "/containers/c/kill?signal=KILL",
    { deny: "form-body", status: 403 },
    {
      contentType: "Application/X-WWW-Form-Urlencoded; charset=utf-8",
    },
  ],
  [
    "POST",
    "/build",
    { deny: "form-body", status: 403 },
    {
      contentType: "multipart/form-data; boundary=x",
    },
  ],
  // FormValue parses multipart bodies whatever the method
  [
    "GET",
    "/containers/json",
    { deny: "form-body", status: 403 },
    {
      contentType: "multipart/form-data; boundary=x",
    },
  ],
  // Go lower-cases İ (U+0130) to i: "applİcation/…" is a form to Go
  [
    "POST",
    "/build",
    { deny: "form-body", status: 403 },
    {
      contentType: "appl\u0130cation/x-www-form-urlencoded",
    },
  ],
  [
    "POST",
    "/build",
    { deny: "form-body", status: 403 },
    {
      contentType: ["application/x-tar", "application/x-www-form-urlencoded"],
    },
  ],
  ["POST", "/build?networkmode=host", { id: "ImageBuild" }, { contentType: "application/x-tar" }],
  [
    "POST",
    "/containers/create",
    { id: "ContainerCreate" },
    {
      contentType: "application/json; charset=utf-8",
    },
  ],
  ["POST", "/containers/c/start", { id: "ContainerStart" }, { contentType: "text/plain" }],
  ["POST", "/session", { id: "Session" }, { contentType: undefined }],
];

function isDenied(expected: Routed | Denied): expected is Denied {
  return "deny" in expected;
}

describe("parseTarget", () => {
  it.each<Case>(CASES)("%s %j", (method, raw, expected, options) => {
    const result = parseTarget(method, raw, options);
    if (isDenied(expected)) {
      expect(result).toMatchObject({ ok: false, code: expected.deny, status: expected.status });
      if (!result.ok) expect(result.reason.length).toBeGreaterThan(10);
      return;
    }
    if (!result.ok) throw new Error(`denied ${result.code}: ${result.reason}`);
    expect(result.route.id).toBe(expected.id);
    if (expected.params !== undefined) expect(result.params).toEqual(expected.params);
    if (expected.version !== undefined) expect(result.version).toBe(expected.version);
    if ("versionInPath" in expected) expect(result.versionInPath).toBe(expected.versionInPath);
    if (expected.path !== undefined) expect(result.path).toBe(expected.path);
    if (expected.target !== undefined) expect(result.target).toBe(expected.target);
  });

  it("routes the forwarded target to the same route, params, version and query", () => {
    for (const [method, raw, expected, options] of CASES) {
      if (isDenied(expected)) continue;
      const first = parseTarget(method, raw, options);
      if (!first.ok) throw new Error(raw);
      const again = parseTarget(method, first.target, options);
      if (!again.ok) throw new Error(`${raw} → ${first.target}: ${again.reason}`);
      expect(again.route, raw).toBe(first.route);
      expect(again.params, raw).toEqual(first.params);
      expect(again.version, raw).toBe(first.version);
      expect([...again.query], raw).toEqual([...first.query]);
      expect(again.target, raw).toBe(first.target);
    }
  });

  it("keeps every value of a repeated key, in order (handlers read the first)", () => {
    const result = parseTarget(
      "POST",
      "/build?networkmode=default&t=a&networkmode=host&networkmode",
    );
    if (!result.ok) throw new Error(result.reason);
    expect(result.query.get("networkmode")).toEqual(["default", "host", ""]);
    expect(firstValue(result.query, "networkmode")).toBe("default");
    expect(firstValue(result.query, "nothere")).toBe("");
    expect(repeatedKeys(result.query)).toEqual(["networkmode"]);
    expect(result.target).toBe(
      "/v1.41/build?networkmode=default&networkmode=host&networkmode=&t=a",
    );
  });

  it("decodes + as a space and %2B as + in the query, keys too", () => {
    const result = parseTarget("GET", "/images/json?a+b=c+d%2B&%61=1");
    if (!result.ok) throw new Error(result.reason);
    expect([...result.query]).toEqual([
      ["a b", ["c d+"]],
      ["a", ["1"]],
    ]);
  });

  it.each([
    "/containers/json?a=1;auth=s3cret",
    "/containers/json?auth=s3cret%zz",
    "/containers/json?auth=s3cret%FF",
    "/containers/json#?auth=s3cret",
    "ftp://h/containers/json?auth=s3cret",
    "http://h?auth=s3cret",
    "/v1.41/nothere?auth=s3cret",
  ])("keeps query values out of the reason: %s", (raw) => {
    const result = parseTarget("GET", raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).not.toContain("s3cret");
  });

  it("throws for a daemon API version it has no table for", () => {
    expect(() => parseTarget("GET", "/_ping", { daemonApiVersion: "1.60" })).toThrow(RangeError);
  });
});

describe("cleanPath (gorilla/mux)", () => {
  it.each([
    ["/containers/json", "/containers/json"],
    ["/containers/json/", "/containers/json/"],
    ["//containers/json", "/containers/json"],
    ["/a/./b", "/a/b"],
    ["/a/../b", "/b"],
    ["/../a", "/a"],
    ["/a/..", "/"],
    ["/a/b/../", "/a/"],
    ["/", "/"],
    ["", "/"],
    ["a/b", "/a/b"],
    ["/a//", "/a/"],
    ["/.../a", "/.../a"],
  ])("%j → %j", (path, clean) => {
    expect(cleanPath(path)).toBe(clean);
  });
});
