import { Command, Option } from "commander";
import { z } from "zod/mini";
import { scanContainers } from "../audit/containers.js";
import { parseSecurityOptions, summariseSecurity } from "../info/info.js";
import { choosePolicy } from "../policy/choose.js";
import { buildReport } from "../report/report.js";
import { evaluate } from "../rules/evaluate.js";
import { PRESETS, type PresetName } from "../rules/types.js";
import { connect } from "./engine-options.js";
import {
  type Format,
  failOnOption,
  formatOption,
  outputOption,
  render,
  resolveFailOn,
} from "./output.js";

interface AuditOptions {
  policy?: string;
  preset?: PresetName;
  format: Format;
  output?: string;
  failOn?: string;
  showSuppressed?: boolean;
  concurrency: string;
}

const infoSchema = z.looseObject({
  SecurityOptions: z.nullish(z.array(z.string())),
  Name: z.optional(z.string()),
});

export function auditCommand(): Command {
  return new Command("audit")
    .description(
      "audit a live Docker engine: every container (running or not) judged by the same rules as lint",
    )
    .addOption(new Option("--policy <file>", "policy file (default: ./dockward.yaml when present)"))
    .addOption(
      new Option(
        "--preset <name>",
        "rule preset when no policy says otherwise (default restricted)",
      ).choices(PRESETS),
    )
    .addOption(new Option("--concurrency <n>", "container inspects in flight at once").default("8"))
    .addOption(formatOption())
    .addOption(outputOption())
    .addOption(failOnOption())
    .addOption(new Option("--show-suppressed", "also list findings silenced by exceptions"))
    .addHelpText(
      "after",
      `
The engine is chosen like the docker CLI chooses it (see dockward info): -H, --context,
DOCKER_HOST, DOCKER_CONTEXT, currentContext. Every container is audited, including created
and stopped ones: a created privileged container is one \`docker start\` away from running.
Each inspect has its own timeout (--timeout), so one hung container cannot stall the audit.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad usage, 3 the engine could not be
reached or some containers could not be inspected (the rest are still reported).

Examples:
  dockward audit
  dockward --context prod audit --format sarif -o prod.sarif
  dockward -H ssh://admin@build-1 audit --preset baseline --fail-on critical`,
    )
    .action(async (opts: AuditOptions, command: Command) => {
      const policy = choosePolicy(opts, process.cwd());
      const concurrency = Number(opts.concurrency);
      const client = connect(command);
      try {
        const info = await client.json("GET", "/info", infoSchema);
        const security = summariseSecurity(parseSecurityOptions(info.SecurityOptions ?? []));
        const scan = await scanContainers(client, {
          concurrency: Number.isInteger(concurrency) && concurrency > 0 ? concurrency : 8,
        });
        const evaluation = evaluate(scan.specs, policy, { host: { apparmor: security.apparmor } });
        const failOn = resolveFailOn(opts.failOn, policy.failOn);
        const warnings = [
          ...scan.errors.map(
            (e) => `container ${e.container} could not be inspected: ${e.message}`,
          ),
          ...(scan.vanished.length > 0
            ? [
                `${scan.vanished.length} container(s) were removed during the audit and skipped: ${scan.vanished.join(", ")}`,
              ]
            : []),
          ...(security.apparmor
            ? []
            : [
                "this kernel has no AppArmor: apparmor options are ignored, and AppArmor findings are reported as not applicable",
              ]),
        ];
        const report = buildReport({
          mode: "audit",
          policy: { source: policy.source, preset: policy.preset },
          targets: scan.specs.map((s) => s.target),
          findings: evaluation.findings,
          expiredExceptions: evaluation.expiredExceptions,
          failOn: failOn === "none" ? "critical" : failOn,
          warnings,
        });
        if (failOn === "none") report.summary.failed = false;
        render(report, opts.format, {
          output: opts.output,
          showSuppressed: opts.showSuppressed === true,
        });
        process.exitCode = report.summary.failed ? 1 : scan.errors.length > 0 ? 3 : 0;
      } finally {
        client.close();
      }
    });
}
