import { Command, Option } from "commander";
import { Interrupted, withInterrupts } from "../../seccomp/record/interrupt.js";
import type { RestoreOutcome } from "../../seccomp/record/kernel-settings.js";
import { inlineProfileText } from "../../seccomp/record/inline.js";
import { describeWorkload } from "../../seccomp/record/record.js";
import { formatSettings } from "../../seccomp/record/render.js";
import { type RecordingSession, refuseRemoteEngine } from "../../seccomp/record/session.js";
import { workloadEngine } from "../../seccomp/record/workload.js";
import { type TestReport, testProfile } from "../../seccomp/run-test.js";
import { profileFromText, readProfileText } from "../../seccomp/validate.js";
import { connect } from "../engine-options.js";
import {
  type WorkloadFlags,
  addWorkloadOptions,
  imageWorkload,
  openSession,
  requireImage,
  runArch,
  runTimeoutMs,
} from "./record.js";

interface TestOptions extends WorkloadFlags {
  format: "text" | "json";
}

const USAGE = "dockward seccomp test PROFILE -- IMAGE [CMD…]";

function formatReport(r: TestReport, profile: string, workload: string): string {
  const lines: string[] = [];
  if (r.passed) {
    lines.push(`PASS  ${workload} under ${profile}: exit 0`);
  } else {
    const why =
      r.startError !== undefined
        ? `did not start: ${r.startError}`
        : r.timedOut
          ? "did not finish before --timeout and was killed"
          : `exit ${r.exitCode ?? "?"}`;
    lines.push(`FAIL  ${workload} under ${profile}: ${why}`);
  }
  if (r.output.length > 0) {
    lines.push(
      r.output.length === 1 ? "  output (last line):" : `  output (last ${r.output.length} lines):`,
    );
    for (const l of r.output) lines.push(`    | ${l}`);
  }
  const d = r.firstDenied;
  if (d !== undefined) {
    lines.push(
      `  first refused syscall: ${d.name ?? "(no name)"} (${d.arch} ${d.number}), called by ${d.comm} (pid ${d.pid})`,
      `    ${d.explanation}`,
    );
    if (r.denied.length > 1) lines.push(`  all refused in the rerun: ${r.denied.join(", ")}`);
    if (r.rerunExitCode === 0)
      lines.push("  with these calls allowed the workload succeeded (rerun exit 0)");
  }
  if (r.diagnosisUnavailable !== undefined) lines.push(`  ${r.diagnosisUnavailable}`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return `${lines.join("\n")}\n`;
}

export function testCommand(): Command {
  const cmd = new Command("test")
    .description(
      "run a workload under a profile: pass or fail, and for a failure the first syscall the profile refused and which rule refused it",
    )
    .argument("<profile>", "the seccomp profile (JSON) to test")
    .argument("[workload...]", "after --: IMAGE [CMD…]")
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "json"]).default("text"),
    );
  addWorkloadOptions(cmd);
  return cmd
    .addHelpText(
      "after",
      `
The workload runs once under PROFILE, sent inline as the docker CLI sends --security-opt
seccomp=FILE. When it fails (non-zero exit, no start, --timeout reached), it runs again under the
same profile with every refusing action (the default and each ERRNO, KILL, TRAP… rule) turned
into SCMP_ACT_LOG; the first call the kernel logs from its container is the first call PROFILE
refused. That rerun reads /dev/kmsg as \`seccomp record\` does: root, on the engine's host.

Exit codes: 0 the workload succeeded, 1 it failed under the profile, 2 bad usage, a profile the
daemon or runc would refuse (as \`seccomp validate\` reads it) or an image that is not there,
3 the engine could not be reached.

Examples:
  dockward seccomp test web.json -- nginx:1.27 nginx -t
  dockward seccomp test job.json --network none -- busybox sh -c 'mkdir /tmp/x'
  dockward seccomp test admin.json --cap-add SYS_ADMIN -- busybox mount -t tmpfs none /mnt`,
    )
    .action(async (file: string, args: string[], opts: TestOptions, command: Command) => {
      // the model as the daemon and runc read the file: a profile they refuse is exit 2 here
      const text = readProfileText(file);
      const profile = profileFromText(text, file);
      const workload = imageWorkload(args, opts, USAGE);
      const arch = runArch();
      const timeoutMs = runTimeoutMs(command);
      const client = connect(command);
      let session: RecordingSession | undefined;
      let restored: RestoreOutcome | undefined;
      const restore = (): void => {
        if (session !== undefined) restored ??= session.close();
      };
      let report: TestReport;
      try {
        await client.negotiate();
        const engine = workloadEngine(client);
        await requireImage(engine, workload.image);
        report = await withInterrupts(restore, (signal) =>
          testProfile(
            {
              profileText: inlineProfileText(text),
              profile,
              workload,
              noNewPrivileges: !opts.newPrivileges,
              timeoutMs,
              arch,
            },
            {
              engine,
              signal,
              openSession: () => {
                refuseRemoteEngine(client.endpoint.host);
                session = openSession();
                return session;
              },
              progress: (line) => process.stderr.write(`dockward: ${line}\n`),
            },
          ),
        );
      } catch (err) {
        if (err instanceof Interrupted) {
          process.stderr.write(
            `dockward: interrupted (${err.signal}): the container was removed\n`,
          );
          process.exitCode = err.exitCode;
          return;
        }
        throw err;
      } finally {
        restore();
        client.close();
        if (session !== undefined && restored !== undefined)
          process.stderr.write(formatSettings(session.changedSettings, restored));
      }
      const label = describeWorkload(workload);
      process.stdout.write(
        opts.format === "json"
          ? `${JSON.stringify(report, null, 2)}\n`
          : formatReport(report, file, label),
      );
      process.exitCode = report.passed ? 0 : 1;
    });
}
