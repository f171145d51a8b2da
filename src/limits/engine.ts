/**
 * The engine calls `dockward limits` makes, behind a small interface so the apply and show
 * logic can be tested with a scripted engine (a container that vanishes between its inspect
 * and its update) as well as against the real one.
 */
import * as z from "zod/mini";
import type { EngineClient } from "../engine/client.js";
import { EngineHttpError } from "../errors.js";
import { workingSet } from "./cgroup.js";
import type { InspectLimits, UpdateBody } from "./types.js";

export interface ContainerState {
  id: string;
  /** without the leading slash */
  name: string;
  running: boolean;
  /** created, running, paused, exited, … */
  status: string;
  /** the init process on the engine's host; 0 when not running */
  pid: number;
  limits: InspectLimits;
}

export interface LimitsEngine {
  /** the endpoint, for messages */
  readonly host: string;
  /** undefined when the engine has no such container (404) */
  inspect(ref: string): Promise<ContainerState | undefined>;
  /** ids of the running containers, newest first */
  listRunning(): Promise<string[]>;
  /** throws EngineHttpError (404 when the container is gone); resolves with the daemon's warnings */
  update(id: string, body: UpdateBody): Promise<string[]>;
  /** memory in use minus inactive page cache, from the stats API; undefined if not reported */
  memoryUsage(id: string): Promise<number | undefined>;
  /** CPUs the engine's host has (GET /info NCPU) */
  cpuCount(): Promise<number | undefined>;
}

const num = z.nullish(z.number());

const inspectSchema = z.looseObject({
  Id: z.string(),
  Name: z.optional(z.string()),
  State: z.optional(
    z.looseObject({
      Running: z.optional(z.boolean()),
      Status: z.optional(z.string()),
      Pid: num,
    }),
  ),
  HostConfig: z.optional(
    z.looseObject({
      Memory: num,
      MemorySwap: num,
      NanoCpus: num,
      CpuQuota: num,
      CpuPeriod: num,
      PidsLimit: num,
    }),
  ),
});

const listSchema = z.array(z.looseObject({ Id: z.string() }));

const statsSchema = z.looseObject({
  memory_stats: z.optional(
    z.looseObject({
      usage: num,
      stats: z.optional(z.record(z.string(), z.unknown())),
    }),
  ),
});

const updateSchema = z.looseObject({ Warnings: z.nullish(z.array(z.string())) });
const infoSchema = z.looseObject({ NCPU: num });

/** The inspect document's limits and state, as the rest of the module uses them. */
export function containerState(doc: z.output<typeof inspectSchema>): ContainerState {
  const hc = doc.HostConfig;
  return {
    id: doc.Id,
    name: (doc.Name ?? "").replace(/^\//, "") || doc.Id.slice(0, 12),
    running: doc.State?.Running === true,
    status: doc.State?.Status ?? "unknown",
    pid: doc.State?.Pid ?? 0,
    limits: {
      memory: hc?.Memory ?? 0,
      memorySwap: hc?.MemorySwap ?? 0,
      nanoCpus: hc?.NanoCpus ?? 0,
      cpuQuota: hc?.CpuQuota ?? 0,
      cpuPeriod: hc?.CpuPeriod ?? 0,
      pidsLimit: hc?.PidsLimit ?? 0,
    },
  };
}

export function engineFromClient(client: EngineClient): LimitsEngine {
  return {
    host: client.endpoint.host,
    async inspect(ref) {
      try {
        const doc = await client.json(
          "GET",
          `/containers/${encodeURIComponent(ref)}/json`,
          inspectSchema,
        );
        return containerState(doc);
      } catch (err) {
        if (err instanceof EngineHttpError && err.status === 404) return undefined;
        throw err;
      }
    },
    async listRunning() {
      const list = await client.json("GET", "/containers/json", listSchema);
      return list.map((c) => c.Id);
    },
    async update(id, body) {
      const res = await client.json(
        "POST",
        `/containers/${encodeURIComponent(id)}/update`,
        updateSchema,
        {
          body,
        },
      );
      return res.Warnings ?? [];
    },
    async memoryUsage(id) {
      // one-shot (API 1.41+) skips the second sample stream=false otherwise waits a second for
      const stats = await client.json(
        "GET",
        `/containers/${encodeURIComponent(id)}/stats`,
        statsSchema,
        {
          query: { stream: false, "one-shot": true },
        },
      );
      const usage = stats.memory_stats?.usage;
      if (usage === undefined || usage === null) return undefined;
      const s = stats.memory_stats?.stats ?? {};
      // cgroup v1 reports total_inactive_file, v2 inactive_file (as the docker CLI reads them)
      const inactive = s.total_inactive_file ?? s.inactive_file;
      return workingSet(usage, typeof inactive === "number" ? inactive : undefined);
    },
    async cpuCount() {
      const info = await client.json("GET", "/info", infoSchema);
      return info.NCPU ?? undefined;
    },
  };
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?|0\.0\.0\.0)$/i;

/**
 * Why the kernel's view cannot be read from here, or undefined when the engine may be on this
 * machine (a unix socket, or tcp/ssh to a loopback address). The cgroup reader still checks
 * that each pid really is in the container's cgroup.
 */
export function remoteReason(host: string): string | undefined {
  const m = /^(tcp|ssh|http|https):\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/]*)/i.exec(host);
  if (m === null) return undefined;
  const name = m[2] ?? "";
  if (LOOPBACK.test(name)) return undefined;
  return `the engine at ${host} is not on this machine, and the limits the kernel enforces can only be read on the engine's host (run dockward there)`;
}
