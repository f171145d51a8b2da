import { z } from "zod/mini";
import { EngineClient } from "../engine/client.js";
import type { ResolvedEndpoint } from "../engine/endpoint.js";
import { errorMessage, isDockwardError } from "../errors.js";
import { parseSecurityOptions, summariseSecurity } from "../info/info.js";
import type { HostFacts } from "../rules/types.js";
import type { DaemonSpec } from "../spec/daemon.js";
import type { ContainerSpec } from "../spec/model.js";
import type { DaemonInfo } from "../spec/adapters/daemon-settings.js";
import { type ContainerScan, scanContainers } from "./containers.js";
import { type DaemonCollection, collectDaemons } from "./daemon/collect.js";

/** The parts of GET /info that audit uses: host facts for container rules, and daemon settings. */
const infoSchema = z.looseObject({
  SecurityOptions: z.nullish(z.array(z.string())),
  LiveRestoreEnabled: z.optional(z.boolean()),
  ExperimentalBuild: z.optional(z.boolean()),
  Debug: z.optional(z.boolean()),
  Driver: z.optional(z.string()),
  Plugins: z.nullish(z.looseObject({ Authorization: z.nullish(z.array(z.string())) })),
  RegistryConfig: z.nullish(
    z.looseObject({
      InsecureRegistryCIDRs: z.nullish(z.array(z.string())),
      IndexConfigs: z.nullish(
        z.record(
          z.string(),
          z.looseObject({ Name: z.optional(z.string()), Secure: z.optional(z.boolean()) }),
        ),
      ),
    }),
  ),
});

export interface HostAudit {
  /** the context name, or the host for the default context */
  name: string;
  endpoint: string;
  /** undefined when the engine could not be reached */
  scan: ContainerScan | undefined;
  facts: HostFacts | undefined;
  /** the daemons behind the endpoint; undefined with `daemons: "none"` */
  daemons: DaemonCollection | undefined;
  error: string | undefined;
}

export interface FleetOptions {
  timeoutMs: number;
  /** which daemons to audit besides the containers (default "serving") */
  daemons?: "serving" | "all" | "none";
  concurrency: number;
  /** hosts audited at once */
  hostConcurrency?: number;
  interactive?: boolean;
  onProgress?: (progress: {
    hostsDone: number;
    hosts: number;
    containersDone: number;
    containers: number;
  }) => void;
}

/**
 * Audit several engines at once (local, TLS, ssh alike). An engine that cannot be reached is a
 * result with its error, not a failure of the whole audit.
 */
export async function auditHosts(
  endpoints: readonly ResolvedEndpoint[],
  options: FleetOptions,
): Promise<HostAudit[]> {
  const results: HostAudit[] = new Array<HostAudit>(endpoints.length);
  const perHost = endpoints.map(() => ({ done: 0, total: 0 }));
  let hostsDone = 0;
  const report = (): void => {
    options.onProgress?.({
      hostsDone,
      hosts: endpoints.length,
      containersDone: perHost.reduce((n, h) => n + h.done, 0),
      containers: perHost.reduce((n, h) => n + h.total, 0),
    });
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      const endpoint = endpoints[i];
      if (endpoint === undefined) return;
      const name = endpoint.context === "default" ? endpoint.host : endpoint.context;
      const client = new EngineClient(endpoint, {
        timeoutMs: options.timeoutMs,
        interactive: options.interactive ?? false,
      });
      const collect = (info: DaemonInfo | undefined): Promise<DaemonCollection | undefined> =>
        options.daemons === "none"
          ? Promise.resolve(undefined)
          : collectDaemons({
              host: endpoint.host,
              info,
              daemons: options.daemons ?? "serving",
              probeTimeoutMs: Math.min(options.timeoutMs, 5_000),
            });
      try {
        const info = await client.json("GET", "/info", infoSchema);
        const daemons = collect(info as DaemonInfo);
        const facts: HostFacts = {
          apparmor: summariseSecurity(parseSecurityOptions(info.SecurityOptions ?? [])).apparmor,
        };
        const scan = await scanContainers(client, {
          concurrency: options.concurrency,
          timeoutMs: options.timeoutMs,
          onProgress: (done, total) => {
            const h = perHost[i];
            if (h !== undefined) {
              h.done = done;
              h.total = total;
            }
            report();
          },
        });
        results[i] = {
          name,
          endpoint: endpoint.host,
          scan,
          facts,
          daemons: await daemons,
          error: undefined,
        };
      } catch (err) {
        results[i] = {
          name,
          endpoint: endpoint.host,
          scan: undefined,
          facts: undefined,
          // an engine that does not answer may still be probed and read from /proc
          daemons: await collect(undefined).catch(() => undefined),
          error: isDockwardError(err)
            ? `${err.message}${err.hint !== undefined ? ` (fix: ${err.hint})` : ""}`
            : errorMessage(err),
        };
      } finally {
        client.close();
        hostsDone += 1;
        report();
      }
    }
  };
  const width = Math.max(1, Math.min(options.hostConcurrency ?? 4, endpoints.length));
  await Promise.all(Array.from({ length: width }, () => worker()));
  return results;
}

/** With several hosts, a container's name carries its host: `prod-1/web`. */
export function qualify(spec: ContainerSpec, host: string): ContainerSpec {
  return { ...spec, target: { ...spec.target, name: `${host}/${spec.target.name}` } };
}

/** With several hosts, a daemon's name carries its host too: `prod-1/unix:///var/run/docker.sock`. */
export function qualifyDaemon(spec: DaemonSpec, host: string): DaemonSpec {
  return { ...spec, target: { ...spec.target, name: `${host}/${spec.target.name}` } };
}
