/**
 * Every route dockerd registers, as data, router by router in the order the daemon adds them.
 *
 * Source: moby/moby `api/server/router/{checkpoint,container,image,system,volume,build,session,
 * swarm,plugin,distribution,grpc,network,debug}/*.go` (`initRoutes`), `api/server/server.go`
 * (`createMux` / `CreateMux`) and `cmd/dockerd/daemon.go` (`initRouter` / `buildRouters`), read
 * at tags v20.10.24 (API 1.41), v23.0.0 … v27.5.1 (1.42 … 1.47) and v28.0.0 … v28.5.2 (1.48 …
 * 1.51); operation ids from `api/swagger.yaml` of the same tags. Read 2025-06.
 *
 * Patterns are gorilla/mux templates exactly as moby writes them: `{name:.*}` lets a name hold
 * slashes (image references), `{id}` is mux's default `[^/]+`. Order matters: mux dispatches to
 * the FIRST registered route whose path and method match, so the routes of a router stay in
 * moby's order and `routes.ts` lays the routers out in the daemon's order.
 *
 * Operation ids are the swagger `operationId`s; routes swagger does not describe get an id in
 * the same style (`CheckpointCreate`, `BuildCancel`, `Grpc`, `SystemOptions`, `Debug*`,
 * `ContainerCopy`, and `NetworkListSlash` for the second list route `/networks/`).
 */
import type { RouteDef } from "./routes.js";

/** The routers of `api/server/router`, by the name of their package. */
export type RouterName =
  | "checkpoint"
  | "container"
  | "image"
  | "system"
  | "volume"
  | "build"
  | "session"
  | "swarm"
  | "plugin"
  | "distribution"
  | "grpc"
  | "network"
  | "debug";

/**
 * A route as registered by some daemons only, bounded by the daemon's own (maximum) API
 * version: `POST /containers/{name}/copy` went in moby 26 (API 1.45), `PUT /volumes/{name}`
 * came with moby 23 (API 1.42).
 */
export interface TableEntry extends RouteDef {
  readonly daemonSince?: string;
  readonly daemonUntil?: string;
}

type Options = Partial<
  Pick<TableEntry, "readOnly" | "body" | "hijack" | "streaming" | "daemonSince" | "daemonUntil">
>;

function route(
  method: string,
  pattern: string,
  id: string,
  area: RouteDef["area"],
  options: Options = {},
): TableEntry {
  return {
    id,
    methods: [method],
    pattern,
    area,
    readOnly: options.readOnly ?? (method === "GET" || method === "HEAD"),
    body: options.body ?? "none",
    hijack: options.hijack ?? false,
    streaming: options.streaming ?? false,
    ...(options.daemonSince === undefined ? {} : { daemonSince: options.daemonSince }),
    ...(options.daemonUntil === undefined ? {} : { daemonUntil: options.daemonUntil }),
  };
}

export const ROUTERS: Readonly<Record<RouterName, readonly TableEntry[]>> = {
  // Experimental: a daemon without --experimental still routes here and answers 501, which is
  // why these come first (moby: "or the DELETE gets masked" by DELETE /containers/{name:.*}).
  checkpoint: [
    route("GET", "/containers/{name:.*}/checkpoints", "CheckpointList", "containers"),
    route("POST", "/containers/{name:.*}/checkpoints", "CheckpointCreate", "containers", {
      body: "json",
    }),
    route(
      "DELETE",
      "/containers/{name}/checkpoints/{checkpoint}",
      "CheckpointDelete",
      "containers",
    ),
  ],
  container: [
    route("HEAD", "/containers/{name:.*}/archive", "ContainerArchiveInfo", "containers"),
    route("GET", "/containers/json", "ContainerList", "containers"),
    route("GET", "/containers/{name:.*}/export", "ContainerExport", "containers", {
      streaming: true,
    }),
    route("GET", "/containers/{name:.*}/changes", "ContainerChanges", "containers"),
    route("GET", "/containers/{name:.*}/json", "ContainerInspect", "containers"),
    route("GET", "/containers/{name:.*}/top", "ContainerTop", "containers"),
    route("GET", "/containers/{name:.*}/logs", "ContainerLogs", "containers", { streaming: true }),
    route("GET", "/containers/{name:.*}/stats", "ContainerStats", "containers", {
      streaming: true,
    }),
    // a websocket: the client writes to the container's stdin, so it is not a read
    route("GET", "/containers/{name:.*}/attach/ws", "ContainerAttachWebsocket", "containers", {
      readOnly: false,
      hijack: true,
      streaming: true,
    }),
    route("GET", "/exec/{id:.*}/json", "ExecInspect", "exec"),
    route("GET", "/containers/{name:.*}/archive", "ContainerArchive", "containers", {
      streaming: true,
    }),
    route("POST", "/containers/create", "ContainerCreate", "containers", { body: "json" }),
    route("POST", "/containers/{name:.*}/kill", "ContainerKill", "containers"),
    route("POST", "/containers/{name:.*}/pause", "ContainerPause", "containers"),
    route("POST", "/containers/{name:.*}/unpause", "ContainerUnpause", "containers"),
    route("POST", "/containers/{name:.*}/restart", "ContainerRestart", "containers"),
    // API >= 1.24 refuses a start body over 7 bytes; the guard refuses older API versions
    route("POST", "/containers/{name:.*}/start", "ContainerStart", "containers"),
    route("POST", "/containers/{name:.*}/stop", "ContainerStop", "containers"),
    // long-poll until the container stops; changes nothing
    route("POST", "/containers/{name:.*}/wait", "ContainerWait", "containers", {
      readOnly: true,
      streaming: true,
    }),
    route("POST", "/containers/{name:.*}/resize", "ContainerResize", "containers"),
    route("POST", "/containers/{name:.*}/attach", "ContainerAttach", "containers", {
      hijack: true,
      streaming: true,
    }),
    // answers 404 for every API version >= 1.24; gone from moby 26 (API 1.45)
    route("POST", "/containers/{name:.*}/copy", "ContainerCopy", "containers", {
      body: "json",
      daemonUntil: "1.44",
    }),
    route("POST", "/containers/{name:.*}/exec", "ContainerExec", "exec", { body: "json" }),
    // hijacked unless the body says Detach
    route("POST", "/exec/{name:.*}/start", "ExecStart", "exec", {
      body: "json",
      hijack: true,
      streaming: true,
    }),
    route("POST", "/exec/{name:.*}/resize", "ExecResize", "exec"),
    route("POST", "/containers/{name:.*}/rename", "ContainerRename", "containers"),
    route("POST", "/containers/{name:.*}/update", "ContainerUpdate", "containers", {
      body: "json",
    }),
    route("POST", "/containers/prune", "ContainerPrune", "containers"),
    route("POST", "/commit", "ImageCommit", "images", { body: "json" }),
    route("PUT", "/containers/{name:.*}/archive", "PutContainerArchive", "containers", {
      body: "stream",
    }),
    route("DELETE", "/containers/{name:.*}", "ContainerDelete", "containers"),
  ],
  image: [
    route("GET", "/images/json", "ImageList", "images"),
    // contacts the registry, changes nothing here
    route("GET", "/images/search", "ImageSearch", "images"),
    route("GET", "/images/get", "ImageGetAll", "images", { streaming: true }),
    route("GET", "/images/{name:.*}/get", "ImageGet", "images", { streaming: true }),
    route("GET", "/images/{name:.*}/history", "ImageHistory", "images"),
    route("GET", "/images/{name:.*}/json", "ImageInspect", "images"),
    route("POST", "/images/load", "ImageLoad", "images", { body: "stream", streaming: true }),
    // pull (fromImage) or import (fromSrc: a URL, or "-" and the tarball as the body)
    route("POST", "/images/create", "ImageCreate", "images", { body: "stream", streaming: true }),
    route("POST", "/images/{name:.*}/push", "ImagePush", "images", { streaming: true }),
    route("POST", "/images/{name:.*}/tag", "ImageTag", "images"),
    route("POST", "/images/prune", "ImagePrune", "images"),
    route("DELETE", "/images/{name:.*}", "ImageDelete", "images"),
  ],
  system: [
    // CORS preflight for every path; answers 200 and does nothing
    route("OPTIONS", "/{anyroute:.*}", "SystemOptions", "system", { readOnly: true }),
    route("GET", "/_ping", "SystemPing", "system"),
    route("HEAD", "/_ping", "SystemPingHead", "system"),
    route("GET", "/events", "SystemEvents", "system", { streaming: true }),
    route("GET", "/info", "SystemInfo", "system"),
    route("GET", "/version", "SystemVersion", "system"),
    route("GET", "/system/df", "SystemDataUsage", "system"),
    // sends credentials to a registry
    route("POST", "/auth", "SystemAuth", "system", { body: "json" }),
  ],
  volume: [
    route("GET", "/volumes", "VolumeList", "volumes"),
    route("GET", "/volumes/{name:.*}", "VolumeInspect", "volumes"),
    route("POST", "/volumes/create", "VolumeCreate", "volumes", { body: "json" }),
    route("POST", "/volumes/prune", "VolumePrune", "volumes"),
    route("PUT", "/volumes/{name:.*}", "VolumeUpdate", "volumes", {
      body: "json",
      daemonSince: "1.42",
    }),
    route("DELETE", "/volumes/{name:.*}", "VolumeDelete", "volumes"),
  ],
  build: [
    route("POST", "/build", "ImageBuild", "build", { body: "stream", streaming: true }),
    route("POST", "/build/prune", "BuildPrune", "build"),
    route("POST", "/build/cancel", "BuildCancel", "build"),
  ],
  session: [
    // upgraded to h2c for BuildKit's session (file sync, secrets, ssh forwarding)
    route("POST", "/session", "Session", "session", { hijack: true, streaming: true }),
  ],
  swarm: [
    route("POST", "/swarm/init", "SwarmInit", "swarm", { body: "json" }),
    route("POST", "/swarm/join", "SwarmJoin", "swarm", { body: "json" }),
    route("POST", "/swarm/leave", "SwarmLeave", "swarm"),
    route("GET", "/swarm", "SwarmInspect", "swarm"),
    route("GET", "/swarm/unlockkey", "SwarmUnlockkey", "swarm"),
    route("POST", "/swarm/update", "SwarmUpdate", "swarm", { body: "json" }),
    route("POST", "/swarm/unlock", "SwarmUnlock", "swarm", { body: "json" }),

    route("GET", "/services", "ServiceList", "services"),
    route("GET", "/services/{id}", "ServiceInspect", "services"),
    route("POST", "/services/create", "ServiceCreate", "services", { body: "json" }),
    route("POST", "/services/{id}/update", "ServiceUpdate", "services", { body: "json" }),
    route("DELETE", "/services/{id}", "ServiceDelete", "services"),
    route("GET", "/services/{id}/logs", "ServiceLogs", "services", { streaming: true }),

    route("GET", "/nodes", "NodeList", "nodes"),
    route("GET", "/nodes/{id}", "NodeInspect", "nodes"),
    route("DELETE", "/nodes/{id}", "NodeDelete", "nodes"),
    route("POST", "/nodes/{id}/update", "NodeUpdate", "nodes", { body: "json" }),

    route("GET", "/tasks", "TaskList", "tasks"),
    route("GET", "/tasks/{id}", "TaskInspect", "tasks"),
    route("GET", "/tasks/{id}/logs", "TaskLogs", "tasks", { streaming: true }),

    route("GET", "/secrets", "SecretList", "secrets"),
    route("POST", "/secrets/create", "SecretCreate", "secrets", { body: "json" }),
    route("DELETE", "/secrets/{id}", "SecretDelete", "secrets"),
    route("GET", "/secrets/{id}", "SecretInspect", "secrets"),
    route("POST", "/secrets/{id}/update", "SecretUpdate", "secrets", { body: "json" }),

    route("GET", "/configs", "ConfigList", "configs"),
    route("POST", "/configs/create", "ConfigCreate", "configs", { body: "json" }),
    route("DELETE", "/configs/{id}", "ConfigDelete", "configs"),
    route("GET", "/configs/{id}", "ConfigInspect", "configs"),
    route("POST", "/configs/{id}/update", "ConfigUpdate", "configs", { body: "json" }),
  ],
  plugin: [
    route("GET", "/plugins", "PluginList", "plugins"),
    route("GET", "/plugins/{name:.*}/json", "PluginInspect", "plugins"),
    route("GET", "/plugins/privileges", "GetPluginPrivileges", "plugins"),
    route("DELETE", "/plugins/{name:.*}", "PluginDelete", "plugins"),
    route("POST", "/plugins/{name:.*}/enable", "PluginEnable", "plugins"),
    route("POST", "/plugins/{name:.*}/disable", "PluginDisable", "plugins"),
    route("POST", "/plugins/pull", "PluginPull", "plugins", { body: "json", streaming: true }),
    route("POST", "/plugins/{name:.*}/push", "PluginPush", "plugins", { streaming: true }),
    route("POST", "/plugins/{name:.*}/upgrade", "PluginUpgrade", "plugins", {
      body: "json",
      streaming: true,
    }),
    route("POST", "/plugins/{name:.*}/set", "PluginSet", "plugins", { body: "json" }),
    route("POST", "/plugins/create", "PluginCreate", "plugins", { body: "stream" }),
  ],
  distribution: [
    route("GET", "/distribution/{name:.*}/json", "DistributionInspect", "distribution"),
  ],
  grpc: [
    // upgraded to h2c: BuildKit's control API (buildx talks to the daemon's builder here)
    route("POST", "/grpc", "Grpc", "build", { hijack: true, streaming: true }),
  ],
  network: [
    route("GET", "/networks", "NetworkList", "networks"),
    route("GET", "/networks/", "NetworkListSlash", "networks"),
    route("GET", "/networks/{id:.+}", "NetworkInspect", "networks"),
    route("POST", "/networks/create", "NetworkCreate", "networks", { body: "json" }),
    route("POST", "/networks/{id:.*}/connect", "NetworkConnect", "networks", { body: "json" }),
    route("POST", "/networks/{id:.*}/disconnect", "NetworkDisconnect", "networks", {
      body: "json",
    }),
    route("POST", "/networks/prune", "NetworkPrune", "networks"),
    route("DELETE", "/networks/{id:.*}", "NetworkDelete", "networks"),
  ],
  // expvar and pprof: process internals (command line, heap), so an area of their own that only
  // `*` grants. Daemons before moby 28 (API < 1.48) mount these without a method and without the
  // version prefix; routes.ts lays them out that way.
  debug: [
    route("GET", "/debug/vars", "DebugVars", "debug"),
    route("GET", "/debug/pprof/", "DebugPprofIndex", "debug"),
    route("GET", "/debug/pprof/cmdline", "DebugPprofCmdline", "debug"),
    route("GET", "/debug/pprof/profile", "DebugPprofProfile", "debug", { streaming: true }),
    route("GET", "/debug/pprof/symbol", "DebugPprofSymbol", "debug"),
    route("GET", "/debug/pprof/trace", "DebugPprofTrace", "debug", { streaming: true }),
    route("GET", "/debug/pprof/{name}", "DebugPprofLookup", "debug"),
  ],
};

/**
 * The order `initRouter` (moby 20.10 … 27) and `buildRouters` (moby 28) add the routers in.
 * Before moby 28 the network router came after grpc and the debug routes were mounted apart,
 * after every router.
 */
export const ROUTER_ORDER_LEGACY: readonly RouterName[] = [
  "checkpoint",
  "container",
  "image",
  "system",
  "volume",
  "build",
  "session",
  "swarm",
  "plugin",
  "distribution",
  "grpc",
  "network",
];
export const ROUTER_ORDER_MODERN: readonly RouterName[] = [
  "checkpoint",
  "container",
  "image",
  "system",
  "volume",
  "build",
  "session",
  "swarm",
  "plugin",
  "distribution",
  "network",
  "debug",
  "grpc",
];

/** The first daemon API version (moby 28.0) that registers the debug routes like any other. */
export const MODERN_LAYOUT_SINCE = "1.48";
