import { Command, Option } from "commander";
import { auditHosts, type HostAudit, qualify } from "../audit/fleet.js";
import { ContextStore, configDir } from "../engine/context-store.js";
import { type ResolvedEndpoint, resolveEndpoint } from "../engine/endpoint.js";
import { DockwardError } from "../errors.js";
import { choosePolicy } from "../policy/choose.js";
import { buildReport } from "../report/report.js";
import { evaluate } from "../rules/evaluate.js";
import { type Finding, PRESETS, type PresetName } from "../rules/types.js";
import type { Target } from "../spec/model.js";
import { endpointFlags, type GlobalOptions } from "./engine-options.js";
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
  allContexts?: boolean;
}

/** One endpoint, several contexts (`--context a,b,c`), or every stored context. */
function endpointsFor(global: GlobalOptions, all: boolean): ResolvedEndpoint[] {
  const env = process.env;
  if (all) {
    if (global.context !== undefined || global.host !== undefined) {
      throw new DockwardError("USAGE", "--all-contexts cannot be combined with --context or -H", {
        hint: "give --all-contexts alone, or name the contexts: --context a,b,c",
      });
    }
    const names = new ContextStore(configDir(env)).list();
    return ["default", ...names].map((context) => resolveEndpoint({ flags: { context }, env }));
  }
  const contexts = global.context
    ?.split(",")
    .map((c) => c.trim())
    .filter((c) => c !== "");
  if (contexts !== undefined && contexts.length > 1) {
    return contexts.map((context) =>
      resolveEndpoint({ flags: { ...endpointFlags(global), context }, env }),
    );
  }
  return [resolveEndpoint({ flags: endpointFlags(global), env })];
}

export function auditCommand(): Command {
  return new Command("audit")
    .description(
      "audit live Docker engines: every container (running or not) judged by the same rules as lint",
    )
    .addOption(new Option("--policy <file>", "policy file (default: ./dockward.yaml when present)"))
    .addOption(
      new Option(
        "--preset <name>",
        "rule preset when no policy says otherwise (default restricted)",
      ).choices(PRESETS),
    )
    .addOption(
      new Option(
        "--all-contexts",
        "audit the default engine and every docker context, concurrently",
      ),
    )
    .addOption(
      new Option("--concurrency <n>", "container inspects in flight at once, per engine").default(
        "8",
      ),
    )
    .addOption(formatOption())
    .addOption(outputOption())
    .addOption(failOnOption())
    .addOption(new Option("--show-suppressed", "also list findings silenced by exceptions"))
    .addHelpText(
      "after",
      `
The engine is chosen like the docker CLI chooses it (see dockward info): -H, --context,
DOCKER_HOST, DOCKER_CONTEXT, currentContext. --context a,b,c audits several at once, and
--all-contexts audits them all; an engine that cannot be reached is reported, not fatal.
Every container is audited, including created and stopped ones: a created privileged
container is one \`docker start\` away from running. Each inspect has its own timeout
(--timeout), so one hung container cannot stall the audit.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad usage, 3 an engine could not be
reached or some containers could not be inspected (everything else is still reported).

Examples:
  dockward audit
  dockward --context prod-1,prod-2,build audit --format html -o fleet.html
  dockward audit --all-contexts --fail-on critical
  dockward -H ssh://admin@build-1 audit --preset baseline`,
    )
    .action(async (opts: AuditOptions, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const policy = choosePolicy(opts, process.cwd());
      const concurrency = Number(opts.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new DockwardError(
          "USAGE",
          `--concurrency ${JSON.stringify(opts.concurrency)} is not a whole number ≥ 1`,
          {
            hint: "for example --concurrency 8",
          },
        );
      }
      const endpoints = endpointsFor(global, opts.allContexts === true);
      const fleet = endpoints.length > 1;
      const progress = fleet && process.stderr.isTTY;
      const hosts: HostAudit[] = await auditHosts(endpoints, {
        timeoutMs: Number(global.timeout ?? "30") * 1000,
        concurrency,
        interactive: process.stdin.isTTY,
        ...(progress
          ? {
              onProgress: (p) => {
                process.stderr.write(
                  `\raudit: ${p.hostsDone}/${p.hosts} engines, ${p.containersDone}/${p.containers} containers inspected`,
                );
              },
            }
          : {}),
      });
      if (progress) process.stderr.write("\n");
      const only = hosts[0];
      if (!fleet && only?.error !== undefined) {
        // one engine and it cannot be reached: that is the whole answer
        throw new DockwardError("ENGINE_UNREACHABLE", only.error.replace(/ \(fix: .*\)$/, ""), {
          hint: /\(fix: (.*)\)$/.exec(only.error)?.[1] ?? "check the endpoint with `dockward info`",
        });
      }
      const findings: Finding[] = [];
      const targets: Target[] = [];
      const expired = new Set<(typeof policy.exceptions)[number]>();
      const warnings: string[] = [];
      for (const h of hosts) {
        if (h.scan === undefined) {
          warnings.push(
            `engine ${h.name} (${h.endpoint}) could not be audited: ${h.error ?? "unknown error"}`,
          );
          continue;
        }
        const specs = fleet ? h.scan.specs.map((s) => qualify(s, h.name)) : h.scan.specs;
        const evaluation = evaluate(specs, policy, { host: h.facts });
        findings.push(...evaluation.findings);
        targets.push(...specs.map((s) => s.target));
        for (const e of evaluation.expiredExceptions) expired.add(e);
        const where = fleet ? `${h.name}: ` : "";
        warnings.push(
          ...h.scan.errors.map(
            (e) => `${where}container ${e.container} could not be inspected: ${e.message}`,
          ),
        );
        if (h.scan.vanished.length > 0) {
          warnings.push(
            `${where}${h.scan.vanished.length} container(s) were removed during the audit and skipped: ${h.scan.vanished.join(", ")}`,
          );
        }
        if (h.facts?.apparmor === false) {
          warnings.push(
            `${where}the kernel has no AppArmor: apparmor options are ignored there, and AppArmor findings are reported as not applicable`,
          );
        }
      }
      const failOn = resolveFailOn(opts.failOn, policy.failOn);
      const report = buildReport({
        mode: "audit",
        policy: { source: policy.source, preset: policy.preset },
        targets,
        findings,
        expiredExceptions: [...expired],
        failOn: failOn === "none" ? "critical" : failOn,
        warnings,
        ...(fleet
          ? {
              hosts: hosts.map((h) => ({
                name: h.name,
                endpoint: h.endpoint,
                ...(h.error !== undefined ? { error: h.error } : {}),
              })),
            }
          : {}),
      });
      if (failOn === "none") report.summary.failed = false;
      render(report, opts.format, {
        output: opts.output,
        showSuppressed: opts.showSuppressed === true,
      });
      const incomplete = hosts.some(
        (h) => h.error !== undefined || (h.scan?.errors.length ?? 0) > 0,
      );
      process.exitCode = report.summary.failed ? 1 : incomplete ? 3 : 0;
    });
}
