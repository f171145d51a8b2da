import { describe, expect, it } from "vitest";
import { AREAS } from "../../../src/guard/roles.js";
import {
  allRouteIds,
  compileTemplate,
  matchRoute,
  routeTable,
  type RouteTable,
} from "../../../src/guard/routes.js";

const V141 = routeTable("1.41");
const V151 = routeTable("1.51");

/**
 * Every operation of the API 1.41 swagger (moby v20.10.24 api/swagger.yaml): method, path,
 * operationId. Each must route to the route of that id.
 */
const SWAGGER_1_41: readonly (readonly [string, string, string])[] = [
  ["GET", "/containers/json", "ContainerList"],
  ["POST", "/containers/create", "ContainerCreate"],
  ["GET", "/containers/{id}/json", "ContainerInspect"],
  ["GET", "/containers/{id}/top", "ContainerTop"],
  ["GET", "/containers/{id}/logs", "ContainerLogs"],
  ["GET", "/containers/{id}/changes", "ContainerChanges"],
  ["GET", "/containers/{id}/export", "ContainerExport"],
  ["GET", "/containers/{id}/stats", "ContainerStats"],
  ["POST", "/containers/{id}/resize", "ContainerResize"],
  ["POST", "/containers/{id}/start", "ContainerStart"],
  ["POST", "/containers/{id}/stop", "ContainerStop"],
  ["POST", "/containers/{id}/restart", "ContainerRestart"],
  ["POST", "/containers/{id}/kill", "ContainerKill"],
  ["POST", "/containers/{id}/update", "ContainerUpdate"],
  ["POST", "/containers/{id}/rename", "ContainerRename"],
  ["POST", "/containers/{id}/pause", "ContainerPause"],
  ["POST", "/containers/{id}/unpause", "ContainerUnpause"],
  ["POST", "/containers/{id}/attach", "ContainerAttach"],
  ["GET", "/containers/{id}/attach/ws", "ContainerAttachWebsocket"],
  ["POST", "/containers/{id}/wait", "ContainerWait"],
  ["DELETE", "/containers/{id}", "ContainerDelete"],
  ["HEAD", "/containers/{id}/archive", "ContainerArchiveInfo"],
  ["GET", "/containers/{id}/archive", "ContainerArchive"],
  ["PUT", "/containers/{id}/archive", "PutContainerArchive"],
  ["POST", "/containers/prune", "ContainerPrune"],
  ["GET", "/images/json", "ImageList"],
  ["POST", "/build", "ImageBuild"],
  ["POST", "/build/prune", "BuildPrune"],
  ["POST", "/images/create", "ImageCreate"],
  ["GET", "/images/{name}/json", "ImageInspect"],
  ["GET", "/images/{name}/history", "ImageHistory"],
  ["POST", "/images/{name}/push", "ImagePush"],
  ["POST", "/images/{name}/tag", "ImageTag"],
  ["DELETE", "/images/{name}", "ImageDelete"],
  ["GET", "/images/search", "ImageSearch"],
  ["POST", "/images/prune", "ImagePrune"],
  ["POST", "/auth", "SystemAuth"],
  ["GET", "/info", "SystemInfo"],
  ["GET", "/version", "SystemVersion"],
  ["GET", "/_ping", "SystemPing"],
  ["HEAD", "/_ping", "SystemPingHead"],
  ["POST", "/commit", "ImageCommit"],
  ["GET", "/events", "SystemEvents"],
  ["GET", "/system/df", "SystemDataUsage"],
  ["GET", "/images/{name}/get", "ImageGet"],
  ["GET", "/images/get", "ImageGetAll"],
  ["POST", "/images/load", "ImageLoad"],
  ["POST", "/containers/{id}/exec", "ContainerExec"],
  ["POST", "/exec/{id}/start", "ExecStart"],
  ["POST", "/exec/{id}/resize", "ExecResize"],
  ["GET", "/exec/{id}/json", "ExecInspect"],
  ["GET", "/volumes", "VolumeList"],
  ["POST", "/volumes/create", "VolumeCreate"],
  ["GET", "/volumes/{name}", "VolumeInspect"],
  ["DELETE", "/volumes/{name}", "VolumeDelete"],
  ["POST", "/volumes/prune", "VolumePrune"],
  ["GET", "/networks", "NetworkList"],
  ["GET", "/networks/{id}", "NetworkInspect"],
  ["DELETE", "/networks/{id}", "NetworkDelete"],
  ["POST", "/networks/create", "NetworkCreate"],
  ["POST", "/networks/{id}/connect", "NetworkConnect"],
  ["POST", "/networks/{id}/disconnect", "NetworkDisconnect"],
  ["POST", "/networks/prune", "NetworkPrune"],
  ["GET", "/plugins", "PluginList"],
  ["GET", "/plugins/privileges", "GetPluginPrivileges"],
  ["POST", "/plugins/pull", "PluginPull"],
  ["GET", "/plugins/{name}/json", "PluginInspect"],
  ["DELETE", "/plugins/{name}", "PluginDelete"],
  ["POST", "/plugins/{name}/enable", "PluginEnable"],
  ["POST", "/plugins/{name}/disable", "PluginDisable"],
  ["POST", "/plugins/{name}/upgrade", "PluginUpgrade"],
  ["POST", "/plugins/create", "PluginCreate"],
  ["POST", "/plugins/{name}/push", "PluginPush"],
  ["POST", "/plugins/{name}/set", "PluginSet"],
  ["GET", "/nodes", "NodeList"],
  ["GET", "/nodes/{id}", "NodeInspect"],
  ["DELETE", "/nodes/{id}", "NodeDelete"],
  ["POST", "/nodes/{id}/update", "NodeUpdate"],
  ["GET", "/swarm", "SwarmInspect"],
  ["POST", "/swarm/init", "SwarmInit"],
  ["POST", "/swarm/join", "SwarmJoin"],
  ["POST", "/swarm/leave", "SwarmLeave"],
  ["POST", "/swarm/update", "SwarmUpdate"],
  ["GET", "/swarm/unlockkey", "SwarmUnlockkey"],
  ["POST", "/swarm/unlock", "SwarmUnlock"],
  ["GET", "/services", "ServiceList"],
  ["POST", "/services/create", "ServiceCreate"],
  ["GET", "/services/{id}", "ServiceInspect"],
  ["DELETE", "/services/{id}", "ServiceDelete"],
  ["POST", "/services/{id}/update", "ServiceUpdate"],
  ["GET", "/services/{id}/logs", "ServiceLogs"],
  ["GET", "/tasks", "TaskList"],
  ["GET", "/tasks/{id}", "TaskInspect"],
  ["GET", "/tasks/{id}/logs", "TaskLogs"],
  ["GET", "/secrets", "SecretList"],
  ["POST", "/secrets/create", "SecretCreate"],
  ["GET", "/secrets/{id}", "SecretInspect"],
  ["DELETE", "/secrets/{id}", "SecretDelete"],
  ["POST", "/secrets/{id}/update", "SecretUpdate"],
  ["GET", "/configs", "ConfigList"],
  ["POST", "/configs/create", "ConfigCreate"],
  ["GET", "/configs/{id}", "ConfigInspect"],
  ["DELETE", "/configs/{id}", "ConfigDelete"],
  ["POST", "/configs/{id}/update", "ConfigUpdate"],
  ["GET", "/distribution/{name}/json", "DistributionInspect"],
  ["POST", "/session", "Session"],
];

function ids(table: RouteTable): string[] {
  return table.routes.map((r) => r.id);
}

/** Fill every `{var…}` of a template with a sample value. */
function sample(pattern: string, value = "x1"): string {
  return pattern.replace(/\{[^}]+\}/g, value);
}

describe("route table meta", () => {
  it("has unique operation ids", () => {
    const all = allRouteIds();
    expect(new Set(all).size).toBe(all.length);
    for (const table of [V141, V151, routeTable("1.44"), routeTable("1.45")]) {
      expect(new Set(ids(table)).size).toBe(table.routes.length);
    }
  });

  it("has every swagger operation of API 1.41, reachable at its swagger path", () => {
    for (const [method, path, id] of SWAGGER_1_41) {
      expect(ids(V141), id).toContain(id);
      expect(matchRoute(method, sample(path), V141)?.route.id, `${method} ${path}`).toBe(id);
    }
    expect(SWAGGER_1_41).toHaveLength(106);
  });

  it.each([
    ["1.41", 121],
    ["1.44", 122],
    ["1.45", 121],
    ["1.51", 121],
  ])("daemon API %s registers %i routes", (version, count) => {
    expect(routeTable(version).routes).toHaveLength(count);
  });

  it.each(["1.41", "1.42", "1.44", "1.45", "1.47", "1.48", "1.51"])(
    "daemon API %s: every route is reachable, versioned and bare (no route shadows another)",
    (version) => {
      const table = routeTable(version);
      for (const reg of table.registrations) {
        const method = reg.route.methods[0] ?? "GET";
        const path = (reg.versioned ? "/v1.30" : "") + sample(reg.route.pattern);
        const match = matchRoute(method, path, table);
        expect(match?.route.id, `${method} ${path}`).toBe(reg.route.id);
      }
    },
  );

  it("routes only what the daemon of that version registers", () => {
    expect(ids(routeTable("1.44"))).toContain("ContainerCopy");
    expect(ids(routeTable("1.45"))).not.toContain("ContainerCopy");
    expect(ids(V141)).not.toContain("VolumeUpdate");
    expect(ids(routeTable("1.42"))).toContain("VolumeUpdate");
    expect(ids(V151)).toContain("VolumeUpdate");
  });

  it("reads only for GET/HEAD/OPTIONS, except the attach websocket and the wait long-poll", () => {
    for (const route of routeTable("1.44").routes) {
      const safeMethod = route.methods.every((m) => ["GET", "HEAD", "OPTIONS"].includes(m));
      const expected =
        route.id === "ContainerAttachWebsocket"
          ? false
          : route.id === "ContainerWait" || safeMethod;
      expect(route.readOnly, route.id).toBe(expected);
    }
  });

  it("marks the hijacked routes", () => {
    const hijacked = V141.routes.filter((r) => r.hijack).map((r) => r.id);
    expect(hijacked.sort()).toEqual(
      ["ContainerAttach", "ContainerAttachWebsocket", "ExecStart", "Grpc", "Session"].sort(),
    );
  });

  it("marks the routes whose body is raw bytes", () => {
    const streams = V151.routes.filter((r) => r.body === "stream").map((r) => r.id);
    expect(streams.sort()).toEqual(
      ["ImageBuild", "ImageCreate", "ImageLoad", "PluginCreate", "PutContainerArchive"].sort(),
    );
  });

  it("uses only the areas roles grant, plus debug (which only `*` reaches)", () => {
    const known = new Set<string>([...AREAS, "debug"]);
    for (const route of [...V141.routes, ...routeTable("1.44").routes, ...V151.routes]) {
      expect(known.has(route.area), `${route.id}: ${route.area}`).toBe(true);
    }
  });

  it("refuses to guess the layout of an unknown daemon", () => {
    for (const version of ["1.40", "1.52", "2.0", "1.041", "x"]) {
      expect(() => routeTable(version), version).toThrow(RangeError);
    }
  });
});

describe("matchRoute", () => {
  type Case = [
    method: string,
    path: string,
    id: string | undefined,
    params?: Record<string, string>,
    version?: string,
  ];
  const cases141: readonly Case[] = [
    // literal routes registered before {name:.*} ones win
    ["GET", "/images/json", "ImageList", {}],
    ["GET", "/images//json", "ImageInspect", { name: "" }],
    ["GET", "/images/library/alpine/json", "ImageInspect", { name: "library/alpine" }],
    ["GET", "/images/a/json/json", "ImageInspect", { name: "a/json" }],
    ["GET", "/images/get", "ImageGetAll", {}],
    ["GET", "/images/get/get", "ImageGet", { name: "get" }],
    ["GET", "/images/search/json", "ImageInspect", { name: "search" }],
    ["POST", "/images/create", "ImageCreate", {}],
    ["POST", "/images/create/tag", "ImageTag", { name: "create" }],
    ["DELETE", "/images/json", "ImageDelete", { name: "json" }],
    ["DELETE", "/images/a/b:c", "ImageDelete", { name: "a/b:c" }],
    ["GET", "/containers/json", "ContainerList", {}],
    ["GET", "/containers/json/json", "ContainerInspect", { name: "json" }],
    ["GET", "/containers/a/logs/json", "ContainerInspect", { name: "a/logs" }],
    ["GET", "/containers/create", undefined],
    ["DELETE", "/containers/json", "ContainerDelete", { name: "json" }],
    ["POST", "/containers/create", "ContainerCreate", {}],
    ["POST", "/containers/create/start", "ContainerStart", { name: "create" }],
    // the checkpoint router comes first so its DELETE is not masked by DELETE /containers/{name:.*}
    ["DELETE", "/containers/c/checkpoints/k", "CheckpointDelete", { name: "c", checkpoint: "k" }],
    ["DELETE", "/containers/c/checkpoints/k/z", "ContainerDelete", { name: "c/checkpoints/k/z" }],
    ["GET", "/containers/a/b/checkpoints", "CheckpointList", { name: "a/b" }],
    ["POST", "/containers/c/copy", "ContainerCopy", { name: "c" }],
    ["GET", "/exec/a/b/json", "ExecInspect", { id: "a/b" }],
    ["POST", "/exec/e/start", "ExecStart", { name: "e" }],
    ["GET", "/plugins/privileges", "GetPluginPrivileges", {}],
    ["GET", "/plugins/privileges/json", "PluginInspect", { name: "privileges" }],
    ["POST", "/plugins/pull", "PluginPull", {}],
    ["POST", "/plugins/pull/push", "PluginPush", { name: "pull" }],
    ["DELETE", "/plugins/vieux/sshfs:latest", "PluginDelete", { name: "vieux/sshfs:latest" }],
    ["GET", "/networks", "NetworkList", {}],
    ["GET", "/networks/", "NetworkListSlash", {}],
    ["GET", "/networks/a/b", "NetworkInspect", { id: "a/b" }],
    ["POST", "/networks/create", "NetworkCreate", {}],
    ["DELETE", "/networks/", "NetworkDelete", { id: "" }],
    ["GET", "/volumes/", "VolumeInspect", { name: "" }],
    ["PUT", "/volumes/v", undefined],
    ["GET", "/services/a/b", undefined],
    ["GET", "/services/s/logs", "ServiceLogs", { id: "s" }],
    ["GET", "/secrets/s", "SecretInspect", { id: "s" }],
    [
      "GET",
      "/distribution/docker.io/library/alpine/json",
      "DistributionInspect",
      {
        name: "docker.io/library/alpine",
      },
    ],
    // methods are exact: HEAD exists only where registered
    ["HEAD", "/_ping", "SystemPingHead", {}],
    ["GET", "/_ping", "SystemPing", {}],
    ["POST", "/_ping", undefined],
    ["HEAD", "/containers/json", undefined],
    ["HEAD", "/containers/c/archive", "ContainerArchiveInfo", { name: "c" }],
    ["get", "/_ping", undefined],
    ["PATCH", "/containers/c/update", undefined],
    ["OPTIONS", "/containers/create", "SystemOptions", { anyroute: "containers/create" }],
    ["OPTIONS", "/v1.41/anything/at/all", "SystemOptions", { anyroute: "anything/at/all" }, "1.41"],
    // no strict slash
    ["GET", "/containers/json/", undefined],
    ["GET", "/info/", undefined],
    ["GET", "/_ping/", undefined],
    // the version prefix is loose: the regexp takes it, the version middleware judges it
    ["GET", "/v1.41/info", "SystemInfo", {}, "1.41"],
    ["GET", "/v1..41/info", "SystemInfo", {}, "1..41"],
    ["GET", "/v./info", "SystemInfo", {}, "."],
    ["GET", "/V1.41/info", undefined],
    ["GET", "/v/info", undefined],
    ["GET", "/v1.41", undefined],
    ["GET", "/v1.41/v1.41/info", undefined],
    ["GET", "/v1.41/images/v1.41/json", "ImageInspect", { name: "v1.41" }, "1.41"],
    // before moby 28 the debug routes take any method and no version prefix
    ["GET", "/debug/vars", "DebugVars", {}],
    ["POST", "/debug/vars", "DebugVars", {}],
    ["GET", "/v1.41/debug/vars", undefined],
    ["GET", "/debug/pprof/heap", "DebugPprofLookup", { name: "heap" }],
    ["GET", "/debug/pprof", undefined],
    ["OPTIONS", "/debug/vars", "SystemOptions", { anyroute: "debug/vars" }],
    // Go's `.` stops at \n but not at U+2028
    ["GET", "/containers/a\nb/json", undefined],
    ["GET", "/containers/a\u2028b/json", "ContainerInspect", { name: "a\u2028b" }],
    ["GET", "/services/a\nb", "ServiceInspect", { id: "a\nb" }],
  ];

  it.each<Case>(cases141)("1.41: %s %j → %s", (method, path, id, params, version) => {
    const match = matchRoute(method, path, V141);
    expect(match?.route.id).toBe(id);
    if (match !== undefined) {
      expect(match.params).toEqual(params);
      expect(match.version).toBe(version);
    }
  });

  const cases151: readonly Case[] = [
    ["GET", "/debug/vars", "DebugVars", {}],
    ["POST", "/debug/vars", undefined],
    ["GET", "/v1.51/debug/vars", "DebugVars", {}, "1.51"],
    ["PUT", "/volumes/a/b", "VolumeUpdate", { name: "a/b" }],
    ["POST", "/containers/c/copy", undefined],
    ["GET", "/networks/n", "NetworkInspect", { id: "n" }],
    ["POST", "/grpc", "Grpc", {}],
  ];

  it.each<Case>(cases151)("1.51: %s %j → %s", (method, path, id, params, version) => {
    const match = matchRoute(method, path, V151);
    expect(match?.route.id).toBe(id);
    if (match !== undefined) {
      expect(match.params).toEqual(params);
      expect(match.version).toBe(version);
    }
  });

  it("uses the 20.10 layout by default", () => {
    expect(matchRoute("POST", "/debug/vars")?.route.id).toBe("DebugVars");
  });
});

describe("compileTemplate", () => {
  it.each([
    ["/containers/{name:.*}/json", "^\\/containers\\/([^\\n]*)\\/json$", ["name"]],
    ["/services/{id}", "^\\/services\\/([^/]+)$", ["id"]],
    ["/networks/{id:.+}", "^\\/networks\\/([^\\n]+)$", ["id"]],
    ["/v{version:[0-9.]+}/_ping", "^\\/v([0-9.]+)\\/_ping$", ["version"]],
  ])("%s", (template, source, vars) => {
    const compiled = compileTemplate(template);
    expect(compiled.regexp.source).toBe(source);
    expect(compiled.vars).toEqual(vars);
  });

  it.each(["/a/{x:[a-z]+}", "/a/{:.*}", "/a/{x"])("refuses %s", (template) => {
    expect(() => compileTemplate(template)).toThrow();
  });
});

describe("matchRoute's first-segment shortcut", () => {
  /** The mux's own rule, without the shortcut: the first registration whose method and regexp match. */
  function reference(method: string, path: string, table: RouteTable): string | undefined {
    return table.registrations.find(
      (r) => (r.methods === undefined || r.methods.includes(method)) && r.regexp.test(path),
    )?.route.id;
  }
  // every pattern with sample values in its variables, bare and versioned, plus near misses
  const fill = (pattern: string, value: string): string => pattern.replace(/\{[^}]*\}/g, value);
  const odd = [
    "/",
    "//",
    "/v1.41",
    "/v1.41/",
    "/v/_ping",
    "/v1.41/v1.41/_ping",
    "/_ping/",
    "/_pingx",
    "/containers",
    "/containers/",
    "/v1.41/containers",
    "/debug/pprof/heap",
    "/v1.41/debug/vars",
    "/grpc",
    "/session",
  ];
  const methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"];

  it.each(["1.41", "1.44", "1.51"])("gives what trying every regexp gives (daemon %s)", (v) => {
    const table = routeTable(v);
    const paths = new Set(odd);
    for (const r of table.routes)
      for (const value of ["abc", "a/b", "x.json", "1"]) {
        const p = fill(r.pattern, value);
        paths.add(p);
        paths.add(`/v1.41${p}`);
        paths.add(`/v1.5${p}`);
        paths.add(`/x${p}`);
      }
    const reached = new Set<string>();
    for (const path of paths)
      for (const method of methods) {
        const want = reference(method, path, table);
        if (want !== undefined) reached.add(want);
        expect(matchRoute(method, path, table)?.route.id, `${method} ${path}`).toBe(want);
      }
    // the corpus reaches every route
    expect([...reached].sort()).toEqual([...new Set(table.routes.map((r) => r.id))].sort());
  });
});
