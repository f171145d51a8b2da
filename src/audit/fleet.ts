import { z } from "zod/mini";
import { EngineClient } from "../engine/client.js";
import type { ResolvedEndpoint } from "../engine/endpoint.js";
import { errorMessage, isDockwardError } from "../errors.js";
import { parseSecurityOptions, summariseSecurity } from "../info/info.js";
import type { HostFacts } from "../rules/types.js";
import type { ContainerSpec } from "../spec/model.js";
import { type ContainerScan, scanContainers } from "./containers.js";

const infoSchema = z.looseObject({ SecurityOptions: z.nullish(z.array(z.string())) });

export interface HostAudit {
  /** the context name, or the host for the default context */
  name: string;
  endpoint: string;
  /** undefined when the engine could not be reached */
  scan: ContainerScan | undefined;
  facts: HostFacts | undefined;
  error: string | undefined;
}

export interface FleetOptions {
  timeoutMs: number;
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
      try {
        const info = await client.json("GET", "/info", infoSchema);
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
        results[i] = { name, endpoint: endpoint.host, scan, facts, error: undefined };
      } catch (err) {
        results[i] = {
          name,
          endpoint: endpoint.host,
          scan: undefined,
          facts: undefined,
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
