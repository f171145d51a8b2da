import { Command, Option } from "commander";
import { DockwardError } from "../errors.js";
import {
  type ApplyReport,
  applyExitCode,
  applyLimits,
  type KernelReader,
} from "../limits/apply.js";
import { readKernelLimits } from "../limits/cgroup.js";
import { engineFromClient, remoteReason } from "../limits/engine.js";
import { formatApply, formatShow } from "../limits/render.js";
import { parseLimitFlags } from "../limits/request.js";
import { showLimits } from "../limits/show.js";
import { connect } from "./engine-options.js";

interface ApplyOptions {
  memory?: string;
  memorySwap?: string;
  cpus?: string;
  pids?: string;
  allUnlimited?: boolean;
  force?: boolean;
  dryRun?: boolean;
  format: "text" | "json";
}

const formatOption = (): Option =>
  new Option("--format <format>", "output format").choices(["text", "json"]).default("text");

function kernelReader(remote: string | undefined): KernelReader {
  return async (c) =>
    remote !== undefined ? { available: false, reason: remote } : readKernelLimits(c.pid, c.id);
}

function print(text: string): void {
  process.stdout.write(text);
}

function applyCommand(): Command {
  return new Command("apply")
    .description(
      "set cgroup limits on running containers (the Engine API's update, as `docker update`), showing before, after and what the kernel enforces",
    )
    .argument("[containers...]", "names or ids of running containers")
    .addOption(new Option("--memory <size>", "memory limit, e.g. 512m or 2g (at least 6m)"))
    .addOption(
      new Option(
        "--memory-swap <size>",
        "memory plus swap, e.g. 1g; equal to --memory for no swap, -1 for unlimited swap",
      ),
    )
    .addOption(new Option("--cpus <n>", "CPU limit, e.g. 0.5 or 2"))
    .addOption(new Option("--pids <n>", "maximum number of processes, e.g. 128"))
    .addOption(
      new Option(
        "--all-unlimited",
        "every running container that lacks one of the requested limits (in inspect or in the kernel)",
      ),
    )
    .addOption(new Option("--force", "set memory below the container's current usage anyway"))
    .addOption(new Option("--dry-run", "print what would be sent, and send nothing"))
    .addOption(formatOption())
    .addHelpText(
      "after",
      `
Every container is planned before anything is sent: a bad value, a missing container or a
memory limit below a container's usage stops the run with nothing changed. Each container
then gets ONE update, which the daemon applies whole or not at all.

Swap: Docker refuses memory above the container's memory-swap (memory plus swap), so memory is
sent with memory-swap: unchanged when it is already at least the new memory, -1 kept as -1,
otherwise equal to the memory (no swap) unless --memory-swap says otherwise.
CPUs: --cpus is sent as NanoCpus, or as CpuPeriod 100000 + CpuQuota when the container's CPU
limit is already a quota (Docker will not mix the two).

Exit codes: 0 all updated (or planned), 2 bad usage or a refused plan (nothing changed),
3 the engine could not be reached, or a container was removed or refused during the run.

Examples:
  dockward limits apply --memory 256m --cpus 0.5 --pids 128 web worker
  dockward limits apply --memory 1g --memory-swap 2g db
  dockward limits apply --pids 256 --all-unlimited --dry-run
  dockward limits apply --memory 512m --all-unlimited --format json`,
    )
    .action(async (containers: string[], opts: ApplyOptions, command: Command) => {
      const request = parseLimitFlags(opts);
      const all = opts.allUnlimited === true;
      if (all && containers.length > 0) {
        throw new DockwardError("USAGE", "give containers or --all-unlimited, not both", {
          hint: "dockward limits apply --pids 128 web   or   dockward limits apply --pids 128 --all-unlimited",
        });
      }
      if (!all && containers.length === 0) {
        throw new DockwardError("USAGE", "no container given", {
          hint: "name the containers, or give --all-unlimited for every running container that lacks a limit",
        });
      }
      const client = connect(command);
      let report: ApplyReport;
      try {
        await client.negotiate();
        report = await applyLimits(engineFromClient(client), {
          request,
          targets: all ? "all-unlimited" : containers,
          force: opts.force === true,
          dryRun: opts.dryRun === true,
          kernel: kernelReader(remoteReason(client.endpoint.host)),
        });
      } finally {
        client.close();
      }
      print(opts.format === "json" ? `${JSON.stringify(report, null, 2)}\n` : formatApply(report));
      process.exitCode = applyExitCode(report);
    });
}

function showCommand(): Command {
  return new Command("show")
    .description(
      "print containers' limits as the kernel enforces them (their cgroup files) next to what inspect claims",
    )
    .argument("[containers...]", "names or ids (default: every running container)")
    .addOption(formatOption())
    .addHelpText(
      "after",
      `
The kernel's view comes from the container's cgroup on this machine (/proc/<pid>/cgroup, then
/sys/fs/cgroup; cgroup v1 and v2), so it needs dockward on the engine's host, usually as root.
For a remote engine only inspect is shown. A MISMATCH line says where the two disagree: an
update with CpuQuota -1 on a --cpus container leaves NanoCpus in inspect while the kernel has
no CPU quota at all.

Exit codes: 0 shown (mismatches included), 2 no such container, 3 the engine could not be reached.

Examples:
  dockward limits show
  dockward limits show web db --format json`,
    )
    .action(async (containers: string[], opts: { format: "text" | "json" }, command: Command) => {
      const client = connect(command);
      try {
        await client.negotiate();
        const remote = remoteReason(client.endpoint.host);
        const report = await showLimits(engineFromClient(client), {
          containers,
          kernel: kernelReader(remote),
          remote,
        });
        print(opts.format === "json" ? `${JSON.stringify(report, null, 2)}\n` : formatShow(report));
      } finally {
        client.close();
      }
    });
}

export function limitsCommand(): Command {
  const cmd = new Command("limits")
    .description(
      "cgroup limits of running containers: set them (apply), and compare inspect with what the kernel enforces (show)",
    )
    .addHelpText(
      "after",
      `
Examples:
  dockward limits show
  dockward limits apply --memory 64m --cpus 0.5 --pids 64 web
  dockward limits apply --pids 256 --all-unlimited --dry-run

See docs/limits.md.`,
    );
  // commander errors must reach main()'s handler from the subcommands too (as for apparmor)
  cmd.addCommand(applyCommand().exitOverride());
  cmd.addCommand(showCommand().exitOverride());
  return cmd;
}
