import { z } from "zod/mini";
import type { EngineClient } from "../engine/client.js";
import { errorMessage, EngineHttpError, isDockwardError } from "../errors.js";
import { specFromInspect } from "../spec/adapters/inspect.js";
import type { ContainerSpec } from "../spec/model.js";

// only Id and Names are read: unknown keys are dropped rather than copied (500 containers' worth)
const listSchema = z.array(z.object({ Id: z.string(), Names: z.nullish(z.array(z.string())) }));
/** an inspect document is judged by specFromInspect, which names what is wrong in it */
const inspectSchema = z.unknown();

export interface ContainerScan {
  /** containers listed (every state: created, running, paused, exited, dead) */
  listed: number;
  specs: ContainerSpec[];
  /** containers removed between the list and their inspect: not violations, just gone */
  vanished: string[];
  /** containers that could not be inspected (timeout, engine error, unparseable answer) */
  errors: { container: string; message: string }[];
}

export interface ScanOptions {
  /**
   * inspects the daemon works on at once (connections; each may carry several pipelined
   * inspects where the transport allows, see EngineClient.pipelineDepth)
   */
  concurrency?: number;
  /** per-inspect timeout; a hung container must not hang the audit */
  timeoutMs?: number;
  /** called after each container, for progress displays */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Every container, not only running ones (a created privileged container is one `docker start`
 * from running): one list call, then inspects with bounded concurrency and a timeout each.
 */
export async function scanContainers(
  client: EngineClient,
  options: ScanOptions = {},
): Promise<ContainerScan> {
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const timeoutMs = options.timeoutMs ?? 10_000;
  await client.negotiate();
  const list = await client.json("GET", "/containers/json", listSchema, { query: { all: 1 } });
  const scan: ContainerScan = { listed: list.length, specs: [], vanished: [], errors: [] };
  const results: (ContainerSpec | undefined)[] = new Array<ContainerSpec | undefined>(list.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      const entry = list[i];
      if (entry === undefined) return;
      const label = entry.Names?.[0]?.replace(/^\//, "") ?? entry.Id.slice(0, 12);
      try {
        const doc = await client.json("GET", `/containers/${entry.Id}/json`, inspectSchema, {
          timeoutMs,
          pipeline: true,
        });
        results[i] = specFromInspect(doc);
      } catch (err) {
        if (err instanceof EngineHttpError && err.status === 404) scan.vanished.push(label);
        else
          scan.errors.push({
            container: label,
            message: isDockwardError(err) ? err.message : errorMessage(err),
          });
      }
      done += 1;
      options.onProgress?.(done, list.length);
    }
  };
  // several inspects queue on each connection where the transport pipelines: the daemon
  // still answers `concurrency` at a time, without waiting for our next request in between
  const workers = Math.min(concurrency * client.pipelineDepth, list.length);
  await Promise.all(Array.from({ length: workers }, () => worker()));
  // keep the engine's order (newest first) whatever order the inspects finished in
  scan.specs = results.filter((s): s is ContainerSpec => s !== undefined);
  return scan;
}
