import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Command, Option } from "commander";
import type { EngineClient } from "../../engine/client.js";
import { DockwardError } from "../../errors.js";
import { serializeProfile } from "../../seccomp/profile.js";
import { realProc } from "../../seccomp/record/attribution.js";
import { Interrupted, withInterrupts } from "../../seccomp/record/interrupt.js";
import { type RestoreOutcome, realSettingsHost } from "../../seccomp/record/kernel-settings.js";
import { openKmsgDevice } from "../../seccomp/record/kmsg.js";
import { type RecordReport, recordProfile } from "../../seccomp/record/record.js";
import {
  formatRecordSummary,
  formatRecovered,
  formatSettings,
  formatWarnings,
} from "../../seccomp/record/render.js";
import { RecordingSession, refuseRemoteEngine } from "../../seccomp/record/session.js";
import {
  type ImageWorkload,
  type Workload,
  type WorkloadEngine,
  workloadEngine,
} from "../../seccomp/record/workload.js";
import { hostArch, type SyscallArch } from "../../seccomp/syscalls/index.js";
import { canonicalCapability, isKnownCapability } from "../../spec/capabilities.js";
import { writeFileAtomic } from "../../yaml-input.js";
import { connect } from "../engine-options.js";

/** Without an explicit --timeout a run may take this long before it is killed. */
const DEFAULT_RUN_TIMEOUT_S = 60;
const MAX_RUNS = 100;

export interface WorkloadFlags {
  network?: string;
  capAdd?: string[];
  user?: string;
  /** commander's name for --no-new-privileges (false when given) */
  newPrivileges: boolean;
}

/** The run flags record and test share, docker run's names. */
export function addWorkloadOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--no-new-privileges",
        "run with no-new-privileges, as the container the profile is for will (runc makes different calls with it)",
      ),
    )
    .addOption(new Option("--network <mode>", "network mode of the runs, e.g. none or host"))
    .addOption(
      new Option(
        "--cap-add <capability>",
        "add a capability (repeatable), as docker run",
      ).argParser((v: string, prev: string[] | undefined) => {
        const cap = canonicalCapability(v);
        if (!isKnownCapability(cap) || cap === "ALL") {
          throw new DockwardError("USAGE", `--cap-add ${JSON.stringify(v)}: not a capability`, {
            hint: "give one capability name per --cap-add, e.g. --cap-add SYS_ADMIN (ALL would need a privileged start)",
          });
        }
        return [...(prev ?? []), cap];
      }),
    )
    .addOption(new Option("--user <user>", "user[:group] the workload runs as"));
}

/** `IMAGE [CMD…]` after `--`. */
export function imageWorkload(
  args: readonly string[],
  flags: WorkloadFlags,
  usage: string,
): ImageWorkload {
  const [image, ...cmd] = args;
  if (image === undefined || image === "") {
    throw new DockwardError("USAGE", "no image given", {
      hint: `give the workload after --: ${usage}`,
    });
  }
  return {
    kind: "image",
    image,
    cmd,
    network: flags.network,
    capAdd: flags.capAdd ?? [],
    user: flags.user,
  };
}

/** The deadline of one run: the global --timeout when given, else DEFAULT_RUN_TIMEOUT_S. */
export function runTimeoutMs(command: Command): number {
  const source = command.getOptionValueSourceWithGlobals("timeout");
  const value = command.optsWithGlobals<{ timeout?: string }>().timeout;
  const seconds = source === "cli" || source === "env" ? Number(value) : DEFAULT_RUN_TIMEOUT_S;
  return seconds * 1000;
}

export function runArch(): SyscallArch {
  const arch = hostArch();
  if (arch === undefined) {
    throw new DockwardError(
      "KERNEL_UNSUPPORTED",
      `dockward has no syscall table for this machine's architecture (${process.arch})`,
      { hint: "seccomp record and test run on x86_64, x86, aarch64 and arm hosts" },
    );
  }
  return arch;
}

/** The image must be on the engine already: record and test never pull. */
export async function requireImage(engine: WorkloadEngine, image: string): Promise<void> {
  if ((await engine.imageId(image)) === undefined) {
    throw new DockwardError("BAD_INPUT", `image ${image} is not on the engine at ${engine.host}`, {
      hint: `pull or build it first (docker pull ${image}): the runs use the engine's local images only`,
    });
  }
}

export function openSession(): RecordingSession {
  return RecordingSession.open({
    openKmsg: () => openKmsgDevice(),
    settingsHost: realSettingsHost(),
    proc: realProc,
  });
}

/** Fail before recording for a minute, not after: the profile's directory must take a file. */
function checkWritable(out: string): void {
  const dir = dirname(resolve(out));
  try {
    if (!statSync(dir).isDirectory()) throw new Error("not a directory");
    accessSync(dir, constants.W_OK);
  } catch {
    throw new DockwardError("BAD_INPUT", `--out ${out}: cannot write in ${dir}`, {
      hint: "give a file in an existing, writable directory",
    });
  }
}

function parseRuns(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_RUNS) {
    throw new DockwardError(
      "USAGE",
      `--runs ${JSON.stringify(value)}: expected a whole number from 1 to ${MAX_RUNS}`,
      {
        hint: "for example --runs 5: more runs catch more of what a workload does only sometimes",
      },
    );
  }
  return n;
}

interface RecordOptions extends WorkloadFlags {
  out: string;
  runs: string;
  container?: string;
  keepPartial?: boolean;
  format: "text" | "json";
}

const USAGE = "dockward seccomp record --out FILE -- IMAGE [CMD…]";

async function resolveWorkload(
  engine: WorkloadEngine,
  args: string[],
  opts: RecordOptions,
): Promise<{ workload: Workload; noNewPrivileges: boolean }> {
  if (opts.container === undefined) {
    const workload = imageWorkload(args, opts, USAGE);
    await requireImage(engine, workload.image);
    return { workload, noNewPrivileges: !opts.newPrivileges };
  }
  const copy = await engine.inspectForCopy(opts.container);
  if (copy === undefined) {
    throw new DockwardError(
      "BAD_INPUT",
      `no container ${opts.container} on the engine at ${engine.host}`,
      {
        hint: "give the id or name of a created, not yet started container (docker ps -a --filter status=created)",
      },
    );
  }
  return { workload: copy, noNewPrivileges: copy.noNewPrivileges };
}

function checkFlags(args: string[], opts: RecordOptions): void {
  if (opts.container === undefined) return;
  const given = [
    args.length > 0 ? "an image after --" : undefined,
    opts.newPrivileges ? undefined : "--no-new-privileges",
    opts.network !== undefined ? "--network" : undefined,
    opts.capAdd !== undefined ? "--cap-add" : undefined,
    opts.user !== undefined ? "--user" : undefined,
  ].filter((g) => g !== undefined);
  if (given.length > 0) {
    throw new DockwardError(
      "USAGE",
      `--container takes the container's own settings; ${given.join(", ")} cannot change them`,
      {
        hint: "record the container as it was created (its no-new-privileges, network, capabilities and user), or record an image with those flags instead",
      },
    );
  }
}

export function recordCommand(): Command {
  const cmd = new Command("record")
    .description(
      "record the syscalls a workload makes (runs it under a logging profile, reads the kernel's audit records) and write a least-privilege profile allowing just those",
    )
    .argument("[workload...]", "after --: IMAGE [CMD…]")
    .addOption(new Option("-o, --out <file>", "write the profile here").makeOptionMandatory())
    .addOption(
      new Option(
        "--runs <n>",
        "how many times to run the workload; the calls of all runs are merged",
      ).default("3"),
    )
    .addOption(
      new Option(
        "--container <id>",
        "record a created, never started container: each run is a copy of it (its own settings) under the logging profile",
      ),
    )
    .addOption(
      new Option(
        "--keep-partial",
        "keep what a run killed at the deadline (--timeout) did, e.g. a server that never exits; without it such a run is an error",
      ),
    )
    .addOption(
      new Option("--format <format>", "summary format (the profile goes to --out)")
        .choices(["text", "json"])
        .default("text"),
    );
  addWorkloadOptions(cmd);
  return cmd
    .addHelpText(
      "after",
      `
Each run creates a container from IMAGE with a profile whose default action is SCMP_ACT_LOG
(every call allowed and logged by the kernel), reads the audit records of that container's
processes from /dev/kmsg while it runs, and removes it. The calls of all runs are merged into a
profile that refuses everything else with EPERM. kernel.printk_ratelimit is 0 while recording
(else the kernel drops most records) and is put back afterwards, also on Ctrl-C.

Needs root on the engine's host (the kernel log and the sysctl are local to it). A run ends
when the workload exits, or is killed after --timeout seconds (default ${DEFAULT_RUN_TIMEOUT_S}): give
--keep-partial to keep what it did then. A run that exits non-zero is kept with a warning.
--timeout is the global flag: it bounds each engine call too.

Exit codes: 0 profile written (warnings included), 2 bad usage, an image or container that does
not exist, a workload that does not start or outlives --timeout, 3 not root, a remote engine, no
records in this machine's kernel log, 130/143 interrupted (settings restored, container removed).

Examples:
  dockward seccomp record --out web.json -- nginx:1.27
  dockward seccomp record --runs 5 --no-new-privileges --network none --out job.json -- busybox sh -c 'ls /'
  dockward --timeout 30 seccomp record --keep-partial --out api.json -- my/api:2.1
  dockward seccomp record --container web-1 --out web.json

See docs/seccomp-record.md.`,
    )
    .action(async (args: string[], opts: RecordOptions, command: Command) => {
      const runs = parseRuns(opts.runs);
      checkFlags(args, opts);
      if (opts.container === undefined) imageWorkload(args, opts, USAGE);
      checkWritable(opts.out);
      const arch = runArch();
      const timeoutMs = runTimeoutMs(command);
      const client = connect(command);
      let session: RecordingSession | undefined;
      let restored: RestoreOutcome | undefined;
      const restore = (): void => {
        if (session !== undefined) restored ??= session.close();
      };
      let report: RecordReport;
      try {
        refuseRemoteEngine(client.endpoint.host);
        session = openSession();
        if (session.acquired.recovered !== undefined)
          process.stderr.write(formatRecovered(session.acquired.recovered));
        const open = session;
        report = await withInterrupts(restore, async (signal) => {
          const engine = await negotiated(client);
          const { workload, noNewPrivileges } = await resolveWorkload(engine, args, opts);
          return recordProfile(
            {
              workload,
              runs,
              noNewPrivileges,
              timeoutMs,
              keepPartial: opts.keepPartial === true,
              arch,
            },
            {
              engine,
              session: open,
              signal,
              progress: (line) => process.stderr.write(`dockward: ${line}\n`),
            },
          );
        });
      } catch (err) {
        if (err instanceof Interrupted) {
          process.stderr.write(
            `dockward: interrupted (${err.signal}): the run's container was removed and no profile was written\n`,
          );
          process.exitCode = err.exitCode;
          return;
        }
        throw err;
      } finally {
        restore();
        client.close();
        // on every path: the user must know the kernel is as it was (or what to put back)
        if (session !== undefined && restored !== undefined)
          process.stderr.write(formatSettings(session.changedSettings, restored));
      }
      writeFileAtomic(opts.out, serializeProfile(report.profile), {
        mode: 0o644,
        hint: "check that the directory exists and is writable",
      });
      process.stderr.write(formatWarnings(report.warnings));
      if (opts.format === "json")
        process.stdout.write(`${JSON.stringify({ ...report, out: opts.out }, null, 2)}\n`);
      else process.stderr.write(formatRecordSummary(report, opts.out));
    });
}

async function negotiated(client: EngineClient): Promise<WorkloadEngine> {
  await client.negotiate();
  return workloadEngine(client);
}
