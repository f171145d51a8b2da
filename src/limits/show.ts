/**
 * `dockward limits show`: for each container, inspect's limits next to the kernel's, and a
 * mismatch wherever they disagree.
 */
import { DockwardError } from "../errors.js";
import type { KernelReader } from "./apply.js";
import { findLatentProblems, findMismatches, type Mismatch } from "./compare.js";
import type { ContainerState, LimitsEngine } from "./engine.js";
import type { InspectLimits, KernelLimits } from "./types.js";

export interface ShownContainer {
  id: string;
  name: string;
  status: string;
  inspect: InspectLimits;
  kernel: KernelLimits | null;
  /** why there is no kernel view */
  kernelNote: string | null;
  mismatches: Mismatch[];
  /** limits the recorded config undoes at the next start */
  warnings: string[];
}

export interface ShowReport {
  endpoint: string;
  /** set when the kernel's view is unavailable for every container (a remote engine) */
  kernelUnavailable: string | null;
  containers: ShownContainer[];
  /** listed, then removed before they could be inspected */
  vanished: string[];
}

export interface ShowOptions {
  /** names or ids; empty = every running container */
  containers: readonly string[];
  kernel: KernelReader;
  /** the reason the kernel cannot be read at all (the engine is not on this machine) */
  remote?: string | undefined;
}

export async function showLimits(engine: LimitsEngine, options: ShowOptions): Promise<ShowReport> {
  const states: ContainerState[] = [];
  const vanished: string[] = [];
  if (options.containers.length > 0) {
    const missing: string[] = [];
    for (const ref of options.containers) {
      const state = await engine.inspect(ref);
      if (state === undefined) missing.push(ref);
      else if (!states.some((s) => s.id === state.id)) states.push(state);
    }
    if (missing.length > 0) {
      throw new DockwardError("BAD_INPUT", `no such container: ${missing.join(", ")}`, {
        hint: "check the names with `docker ps`",
      });
    }
  } else {
    for (const id of await engine.listRunning()) {
      const state = await engine.inspect(id);
      if (state === undefined) vanished.push(id.slice(0, 12));
      else states.push(state);
    }
  }
  const containers: ShownContainer[] = [];
  for (const state of states) {
    const view =
      options.remote !== undefined
        ? { available: false as const, reason: options.remote }
        : await options.kernel(state);
    containers.push({
      id: state.id,
      name: state.name,
      status: state.status,
      inspect: state.limits,
      kernel: view.available ? view.limits : null,
      kernelNote: view.available ? null : view.reason,
      mismatches: view.available ? findMismatches(state.limits, view.limits) : [],
      warnings: findLatentProblems(state.limits),
    });
  }
  return {
    endpoint: engine.host,
    kernelUnavailable: options.remote ?? null,
    containers,
    vanished,
  };
}
