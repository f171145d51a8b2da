/**
 * The workload as the engine runs it: one container per run, created with the profile inline in
 * HostConfig.SecurityOpt (as the docker CLI sends `--security-opt seccomp=FILE`), started,
 * waited for (killed at the deadline), its exit code and last lines of output read, removed.
 *
 * Behind an interface so record and test can be driven by a scripted engine in unit tests; the
 * real one is `workloadEngine(client)`.
 */
import * as z from "zod/mini";
import type { EngineClient } from "../../engine/client.js";
import { DockwardError, EngineHttpError } from "../../errors.js";

/** The label on every container record and test create, so a leftover is recognisable. */
export const WORKLOAD_LABEL = "io.dockward.seccomp-workload";

/** A workload given as `-- IMAGE [CMD…]` plus the few run flags record and test take. */
export interface ImageWorkload {
  kind: "image";
  image: string;
  /** empty: the image's own command */
  cmd: string[];
  network: string | undefined;
  capAdd: string[];
  user: string | undefined;
}

/** A created, never started container: each run is a copy of it (see cloneBody). */
export interface ContainerWorkload {
  kind: "container";
  /** the id or name the user gave */
  ref: string;
  id: string;
  name: string;
  /** the container's own create body (Config + HostConfig + networks), from inspect */
  body: Record<string, unknown>;
  /** networks beyond the first, connected before start (an API < 1.44 create takes one) */
  extraNetworks: [string, Record<string, unknown>][];
  /** whether its own SecurityOpt has no-new-privileges */
  noNewPrivileges: boolean;
  /** PidMode host or container:…: the copies share a pid namespace */
  sharedPidNamespace: boolean;
}

export type Workload = ImageWorkload | ContainerWorkload;

export interface RunOutcome {
  /** undefined when the container could not start (the engine's message is in startError) */
  exitCode: number | undefined;
  timedOut: boolean;
  startError: string | undefined;
  /** last lines of stdout+stderr, in order */
  output: string[];
}

export interface StartedRun {
  id: string;
  /** the init's host pid right after start; 0 when it already exited */
  pid: number;
}

export type WaitResult =
  { kind: "exited"; exitCode: number } | { kind: "timeout" } | { kind: "aborted" };

export interface WorkloadEngine {
  readonly host: string;
  /** undefined when the image is not on the engine */
  imageId(ref: string): Promise<string | undefined>;
  /** undefined when there is no such container */
  inspectForCopy(ref: string): Promise<ContainerWorkload | undefined>;
  create(workload: Workload, securityOpt: string[]): Promise<string>;
  /** throws EngineHttpError when the runtime refuses to start it */
  start(id: string): Promise<StartedRun>;
  /** the exit code; at the deadline or on abort the container is killed first */
  wait(id: string, deadlineMs: number, signal?: AbortSignal): Promise<WaitResult>;
  kill(id: string): Promise<void>;
  output(id: string, lines: number): Promise<string[]>;
  remove(id: string): Promise<void>;
}

const idSchema = z.looseObject({ Id: z.string() });
const createSchema = z.looseObject({ Id: z.string(), Warnings: z.nullish(z.array(z.string())) });
const waitSchema = z.looseObject({ StatusCode: z.number() });
const stateSchema = z.looseObject({
  State: z.optional(z.looseObject({ Pid: z.nullish(z.number()) })),
});
const copySchema = z.looseObject({
  Id: z.string(),
  Name: z.optional(z.string()),
  Image: z.string(),
  State: z.looseObject({ Status: z.string() }),
  Config: z.record(z.string(), z.unknown()),
  HostConfig: z.record(z.string(), z.unknown()),
  NetworkSettings: z.optional(
    z.looseObject({
      Networks: z.nullish(z.record(z.string(), z.record(z.string(), z.unknown()))),
    }),
  ),
});

/** What inspect says about a created container, as far as a copy needs it. */
export type CreatedContainer = z.output<typeof copySchema>;

/** The SecurityOpt entries that set seccomp, in either separator (`seccomp=`, `seccomp:`). */
export function isSeccompOpt(opt: string): boolean {
  return /^seccomp[=:]/i.test(opt);
}

function isNoNewPrivileges(opt: string): boolean {
  // `no-new-privileges`, `no-new-privileges=true`, `no-new-privileges:true` (the last one wins)
  return /^no-new-privileges([=:]true)?$/i.test(opt);
}

/** Whether the SecurityOpt list leaves no-new-privileges on: the LAST such entry decides. */
export function noNewPrivilegesOf(opts: readonly string[]): boolean {
  let on = false;
  for (const o of opts) {
    if (isNoNewPrivileges(o)) on = true;
    else if (/^no-new-privileges[=:]false$/i.test(o)) on = false;
  }
  return on;
}

/** Only what an endpoint is created with; the rest of inspect's entry is runtime state. */
function endpointConfig(entry: Record<string, unknown>): Record<string, unknown> {
  const keep = ["IPAMConfig", "Links", "Aliases", "DriverOpts", "MacAddress"];
  return Object.fromEntries(
    Object.entries(entry).filter(([k, v]) => keep.includes(k) && v !== null && v !== ""),
  );
}

/**
 * A copy of a created container: its Config and HostConfig as inspect shows them (the create
 * API takes the same shapes), the image it was created from by id (a tag may have moved since),
 * no stdin (a recorded run is not interactive), no AutoRemove (the exit code is read after).
 */
export function copyOf(doc: CreatedContainer, ref: string): ContainerWorkload {
  const hostConfig: Record<string, unknown> = { ...doc.HostConfig, AutoRemove: false };
  const opts = Array.isArray(hostConfig.SecurityOpt)
    ? hostConfig.SecurityOpt.filter((o): o is string => typeof o === "string")
    : [];
  const networks = Object.entries(doc.NetworkSettings?.Networks ?? {}).map(
    ([name, entry]): [string, Record<string, unknown>] => [name, endpointConfig(entry)],
  );
  const [first, ...rest] = networks;
  const pidMode = typeof hostConfig.PidMode === "string" ? hostConfig.PidMode : "";
  return {
    kind: "container",
    ref,
    id: doc.Id,
    name: (doc.Name ?? "").replace(/^\//, "") || doc.Id.slice(0, 12),
    body: {
      ...doc.Config,
      Image: doc.Image,
      AttachStdin: false,
      OpenStdin: false,
      StdinOnce: false,
      HostConfig: hostConfig,
      ...(first !== undefined
        ? { NetworkingConfig: { EndpointsConfig: { [first[0]]: first[1] } } }
        : {}),
    },
    extraNetworks: rest,
    noNewPrivileges: noNewPrivilegesOf(opts),
    sharedPidNamespace: pidMode === "host" || pidMode.startsWith("container:"),
  };
}

/** The create body of one run: the workload with `securityOpt` instead of its own seccomp. */
export function createBody(workload: Workload, securityOpt: string[]): Record<string, unknown> {
  if (workload.kind === "container") {
    const hostConfig = workload.body.HostConfig as Record<string, unknown>;
    const own = Array.isArray(hostConfig.SecurityOpt)
      ? hostConfig.SecurityOpt.filter(
          (o): o is string =>
            typeof o === "string" && !isSeccompOpt(o) && !/^no-new-privileges/i.test(o),
        )
      : [];
    const labels =
      typeof workload.body.Labels === "object" && workload.body.Labels !== null
        ? (workload.body.Labels as Record<string, unknown>)
        : {};
    return {
      ...workload.body,
      Labels: { ...labels, [WORKLOAD_LABEL]: workload.id },
      HostConfig: { ...hostConfig, SecurityOpt: [...own, ...securityOpt] },
    };
  }
  return {
    Image: workload.image,
    ...(workload.cmd.length > 0 ? { Cmd: workload.cmd } : {}),
    ...(workload.user !== undefined ? { User: workload.user } : {}),
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    Labels: { [WORKLOAD_LABEL]: "image" },
    HostConfig: {
      SecurityOpt: securityOpt,
      ...(workload.network !== undefined ? { NetworkMode: workload.network } : {}),
      ...(workload.capAdd.length > 0 ? { CapAdd: workload.capAdd } : {}),
    },
  };
}

/** Docker's log stream without a TTY: frames of [stream, 0, 0, 0, size (u32 BE)] + payload. */
export function demultiplex(body: Buffer): string {
  const parts: Buffer[] = [];
  let off = 0;
  while (off + 8 <= body.length) {
    const stream = body[off];
    const size = body.readUInt32BE(off + 4);
    if ((stream !== 0 && stream !== 1 && stream !== 2) || off + 8 + size > body.length) {
      // not framed after all (a TTY container): the whole body is the text
      return body.toString("utf8");
    }
    parts.push(body.subarray(off + 8, off + 8 + size));
    off += 8 + size;
  }
  return off === body.length ? Buffer.concat(parts).toString("utf8") : body.toString("utf8");
}

const seg = (ref: string): string => encodeURIComponent(ref);

export function workloadEngine(client: EngineClient): WorkloadEngine {
  return {
    host: client.endpoint.host,
    async imageId(ref) {
      try {
        return (await client.json("GET", `/images/${seg(ref)}/json`, idSchema)).Id;
      } catch (err) {
        if (err instanceof EngineHttpError && err.status === 404) return undefined;
        throw err;
      }
    },
    async inspectForCopy(ref) {
      let doc: CreatedContainer;
      try {
        doc = await client.json("GET", `/containers/${seg(ref)}/json`, copySchema);
      } catch (err) {
        if (err instanceof EngineHttpError && err.status === 404) return undefined;
        throw err;
      }
      if (doc.State.Status !== "created") {
        throw new DockwardError(
          "BAD_INPUT",
          `container ${ref} is ${doc.State.Status}: --container records a created container that has never started`,
          {
            hint: `create it without starting it (docker create …, or docker compose create), then run dockward seccomp record --container ${ref}`,
          },
        );
      }
      return copyOf(doc, ref);
    },
    async create(workload, securityOpt) {
      const res = await client.json("POST", "/containers/create", createSchema, {
        body: createBody(workload, securityOpt),
      });
      if (workload.kind === "container") {
        for (const [network, endpoint] of workload.extraNetworks) {
          await client.request("POST", `/networks/${seg(network)}/connect`, {
            body: { Container: res.Id, EndpointConfig: endpoint },
          });
        }
      }
      return res.Id;
    },
    async start(id) {
      await client.request("POST", `/containers/${seg(id)}/start`);
      const doc = await client.json("GET", `/containers/${seg(id)}/json`, stateSchema);
      return { id, pid: doc.State?.Pid ?? 0 };
    },
    async wait(id, deadlineMs, signal) {
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      const stop = new Promise<WaitResult>((resolve) => {
        timer = setTimeout(resolve, deadlineMs, { kind: "timeout" });
        onAbort = () => {
          resolve({ kind: "aborted" });
        };
        if (signal?.aborted === true) onAbort();
        signal?.addEventListener("abort", onAbort, { once: true });
      });
      // the wait holds its connection until the container stops: no request timeout
      const waited = client
        .json("POST", `/containers/${seg(id)}/wait`, waitSchema, { timeoutMs: 0 })
        .then((w): WaitResult => ({ kind: "exited", exitCode: w.StatusCode }));
      try {
        const result = await Promise.race([waited, stop]);
        if (result.kind === "exited") return result;
        await this.kill(id);
        await waited.catch(() => undefined);
        return result;
      } finally {
        clearTimeout(timer);
        if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
      }
    },
    async kill(id) {
      try {
        await client.request("POST", `/containers/${seg(id)}/kill`);
      } catch (err) {
        // 409: not running any more
        if (!(err instanceof EngineHttpError && (err.status === 409 || err.status === 404)))
          throw err;
      }
    },
    async output(id, lines) {
      const res = await client.request("GET", `/containers/${seg(id)}/logs`, {
        query: { stdout: 1, stderr: 1, tail: lines },
      });
      return demultiplex(res.body)
        .split("\n")
        .filter((l, i, all) => !(l === "" && i === all.length - 1));
    },
    async remove(id) {
      try {
        await client.request("DELETE", `/containers/${seg(id)}`, { query: { force: 1, v: 1 } });
      } catch (err) {
        if (!(err instanceof EngineHttpError && err.status === 404)) throw err;
      }
    },
  };
}
