/**
 * `dockward limits apply`: pick the containers, plan one update body each, refuse the whole run
 * if any plan is refused (nothing is half-written), then send one update per container. The
 * daemon applies an update whole or rolls it back, so each container ends either with all the
 * new limits or with none of them. A container removed mid-run is reported; the others go on.
 */
import { DockwardError, EngineHttpError, errorMessage } from "../errors.js";
import type { ContainerState, LimitsEngine } from "./engine.js";
import { missingLimits, planUpdate } from "./plan.js";
import type {
  InspectLimits,
  KernelLimits,
  KernelView,
  LimitName,
  LimitRequest,
  UpdateBody,
} from "./types.js";
import { formatCpus } from "./values.js";

export type KernelReader = (container: ContainerState) => Promise<KernelView>;

export interface ApplyOptions {
  request: LimitRequest;
  /** container names or ids; "all-unlimited" = every running container lacking a requested limit */
  targets: readonly string[] | "all-unlimited";
  force: boolean;
  dryRun: boolean;
  kernel: KernelReader;
}

export type ApplyStatus = "updated" | "planned" | "vanished" | "failed";

export interface AppliedContainer {
  id: string;
  name: string;
  status: ApplyStatus;
  /** for --all-unlimited: the requested limits it lacked */
  missing: LimitName[];
  /** what was (or, with --dry-run, would be) sent */
  body: UpdateBody;
  notes: string[];
  before: InspectLimits;
  /** inspect re-read after the update; with --dry-run the predicted limits; null when gone */
  after: InspectLimits | null;
  /** the cgroup files after the update (with --dry-run: now) */
  kernel: KernelLimits | null;
  /** why there is no kernel view */
  kernelNote: string | null;
  error: string | null;
}

export interface ApplyReport {
  endpoint: string;
  dryRun: boolean;
  request: LimitRequest;
  selection: "named" | "all-unlimited";
  /** running containers looked at (--all-unlimited) */
  examined: number;
  containers: AppliedContainer[];
}

function isGone(err: unknown): boolean {
  return err instanceof EngineHttpError && err.status === 404;
}

const GONE = "the container was removed during the run";

/** The daemon's own words, on one line, without the request line that precedes them. */
function refusal(err: unknown): string {
  const text = errorMessage(err)
    .replace(/\s*\n\s*/g, " ")
    .trim();
  if (!(err instanceof EngineHttpError)) return text;
  const said = /the engine answered \d+: (.*)$/.exec(text)?.[1] ?? text;
  return `the engine refused the update (HTTP ${err.status}): ${said}`;
}

interface Target {
  state: ContainerState;
  kernel: KernelView;
  missing: LimitName[];
}

async function checkCpus(engine: LimitsEngine, request: LimitRequest): Promise<void> {
  if (request.nanoCpus === undefined) return;
  const ncpu = await engine.cpuCount();
  if (ncpu !== undefined && ncpu > 0 && request.nanoCpus > ncpu * 1e9) {
    throw new DockwardError(
      "USAGE",
      `--cpus ${formatCpus(request.nanoCpus)}: the engine's host has only ${ncpu} CPU${ncpu === 1 ? "" : "s"}`,
      { hint: `give --cpus between 0.01 and ${ncpu}` },
    );
  }
}

async function namedTargets(
  engine: LimitsEngine,
  refs: readonly string[],
  kernel: KernelReader,
): Promise<Target[]> {
  const targets: Target[] = [];
  const missing: string[] = [];
  const stopped: string[] = [];
  for (const ref of refs) {
    const state = await engine.inspect(ref);
    if (state === undefined) missing.push(ref);
    else if (!state.running) stopped.push(`${ref} (${state.status})`);
    else if (!targets.some((t) => t.state.id === state.id))
      targets.push({ state, kernel: { available: false, reason: "" }, missing: [] });
  }
  if (missing.length > 0 || stopped.length > 0) {
    const parts = [
      ...(missing.length > 0 ? [`no such container: ${missing.join(", ")}`] : []),
      ...(stopped.length > 0 ? [`not running: ${stopped.join(", ")}`] : []),
    ];
    throw new DockwardError("BAD_INPUT", `${parts.join("; ")}: nothing was changed`, {
      hint:
        stopped.length > 0
          ? "dockward limits sets the limits of running containers (`docker update` changes stopped ones); check the names with `docker ps`"
          : "check the names with `docker ps`",
    });
  }
  for (const t of targets) t.kernel = await kernel(t.state);
  return targets;
}

async function unlimitedTargets(
  engine: LimitsEngine,
  request: LimitRequest,
  kernel: KernelReader,
): Promise<{ targets: Target[]; examined: number }> {
  const targets: Target[] = [];
  let examined = 0;
  for (const id of await engine.listRunning()) {
    const state = await engine.inspect(id);
    // stopped or removed since the list: nothing to limit
    if (state?.running !== true) continue;
    examined += 1;
    const view = await kernel(state);
    const missing = missingLimits(request, state.limits, view.available ? view.limits : null);
    if (missing.length > 0) targets.push({ state, kernel: view, missing });
  }
  return { targets, examined };
}

function result(t: Target, fields: Partial<AppliedContainer>): AppliedContainer {
  return {
    id: t.state.id,
    name: t.state.name,
    status: "planned",
    missing: t.missing,
    body: {},
    notes: [],
    before: t.state.limits,
    after: null,
    kernel: t.kernel.available ? t.kernel.limits : null,
    kernelNote: t.kernel.available ? null : t.kernel.reason,
    error: null,
    ...fields,
  };
}

export async function applyLimits(
  engine: LimitsEngine,
  options: ApplyOptions,
): Promise<ApplyReport> {
  const { request } = options;
  await checkCpus(engine, request);
  const selection = options.targets === "all-unlimited" ? "all-unlimited" : "named";
  const { targets, examined } =
    options.targets === "all-unlimited"
      ? await unlimitedTargets(engine, request, options.kernel)
      : {
          targets: await namedTargets(engine, options.targets, options.kernel),
          examined: options.targets.length,
        };

  // plan every container before sending anything
  const results: AppliedContainer[] = [];
  const planned: { target: Target; body: UpdateBody; after: InspectLimits; notes: string[] }[] = [];
  const refused: string[] = [];
  let usageRefused = false;
  for (const t of targets) {
    let usage: number | undefined;
    const notes: string[] = [];
    if (request.memory !== undefined) {
      const fromKernel = t.kernel.available ? t.kernel.limits.memoryUsage : null;
      if (fromKernel !== null) {
        usage = fromKernel;
      } else {
        try {
          usage = await engine.memoryUsage(t.state.id);
        } catch (err) {
          if (isGone(err)) {
            results.push(result(t, { status: "vanished", error: GONE }));
            continue;
          }
          notes.push(`memory usage could not be read: ${errorMessage(err)}`);
        }
      }
    }
    const plan = planUpdate({
      current: t.state.limits,
      request,
      memoryUsage: usage,
      force: options.force,
    });
    if (!plan.ok) {
      refused.push(...plan.problems.map((p) => `${t.state.name}: ${p.message}`));
      usageRefused ||= plan.problems.some((p) => p.forceable);
      continue;
    }
    planned.push({
      target: t,
      body: plan.body,
      after: plan.after,
      notes: [...notes, ...plan.notes],
    });
  }
  if (refused.length > 0) {
    throw new DockwardError(
      "BAD_INPUT",
      `nothing was changed: ${refused.length === 1 ? "a container cannot" : "some containers cannot"} take these limits:\n  ${refused.join("\n  ")}`,
      {
        hint: usageRefused
          ? "give limits above the usage, leave those containers out, or add --force to set them anyway"
          : "change the limits, or leave those containers out",
      },
    );
  }

  for (const p of planned) {
    const t = p.target;
    if (options.dryRun) {
      results.push(result(t, { status: "planned", body: p.body, after: p.after, notes: p.notes }));
      continue;
    }
    let warnings: string[];
    try {
      warnings = await engine.update(t.state.id, p.body);
    } catch (err) {
      results.push(
        result(t, {
          status: isGone(err) ? "vanished" : "failed",
          body: p.body,
          notes: p.notes,
          kernel: null,
          kernelNote: null,
          error: isGone(err) ? GONE : refusal(err),
        }),
      );
      continue;
    }
    const notes = [...p.notes, ...warnings.map((w) => `the engine warns: ${w}`)];
    let after: ContainerState | undefined;
    try {
      after = await engine.inspect(t.state.id);
    } catch (err) {
      notes.push(`could not re-read inspect after the update: ${errorMessage(err)}`);
    }
    if (after === undefined) {
      results.push(
        result(t, {
          status: "updated",
          body: p.body,
          notes: [...notes, "the container was removed right after its update"],
          kernel: null,
          kernelNote: "the container is gone",
        }),
      );
      continue;
    }
    const view = await options.kernel(after);
    results.push(
      result(t, {
        status: "updated",
        body: p.body,
        notes,
        after: after.limits,
        kernel: view.available ? view.limits : null,
        kernelNote: view.available ? null : view.reason,
      }),
    );
  }
  // keep the order containers were named or listed in
  const order = new Map(targets.map((t, i) => [t.state.id, i]));
  results.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  return {
    endpoint: engine.host,
    dryRun: options.dryRun,
    request,
    selection,
    examined,
    containers: results,
  };
}

/** 3 when a container could not be updated (gone, or refused by the engine), else 0. */
export function applyExitCode(report: ApplyReport): 0 | 3 {
  return report.containers.some((c) => c.status === "vanished" || c.status === "failed") ? 3 : 0;
}
