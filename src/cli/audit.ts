import { Command, Option } from "commander";
import { auditHosts, type HostAudit, qualify, qualifyDaemon } from "../audit/fleet.js";
import { ContextStore, configDir } from "../engine/context-store.js";
import { type ResolvedEndpoint, resolveEndpoint } from "../engine/endpoint.js";
import { DockwardError } from "../errors.js";
import { choosePolicy } from "../policy/choose.js";
import { buildReport } from "../report/report.js";
import { evaluate, evaluateDaemons } from "../rules/evaluate.js";
import { type Finding, PRESETS, type PresetName } from "../rules/types.js";
import type { DaemonSpec, DaemonSettings } from "../spec/daemon.js";
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
  daemons: "serving" | "all" | "none";
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
      new Option(
        "--concurrency <n>",
        "container inspects the daemon works on at once, per engine",
      ).default("8"),
    )
    .addOption(
      new Option(
        "--daemons <which>",
        "daemon checks: the daemon behind the endpoint (serving), every dockerd on this machine (all), or none",
      )
        .choices(["serving", "all", "none"])
        .default("serving"),
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

The daemon is audited too (rules DW-DMN, DW-TLS, DW-CFG). On this machine dockward finds the
dockerd process that serves the endpoint and reads its flags, daemon.json, the sockets it
really listens on (/proc) and its TLS files, and probes every TCP listener as an outsider
would: an answer without TLS, or over TLS without a client certificate, is critical. Run it
as root to read another user's /proc entries. A remote endpoint (-H tcp://…, ssh://…) is
judged from its API and, for TCP, a probe of its port.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad usage, 3 an engine could not be
reached, some containers could not be inspected, or some daemon file could not be read or
parsed (everything else is still reported).

Examples:
  dockward audit
  dockward --context prod-1,prod-2,build audit --format html -o fleet.html
  dockward audit --all-contexts --fail-on critical
  dockward -H ssh://admin@build-1 audit --preset baseline
  dockward -H tcp://10.0.0.5:2375 audit --daemons serving   # is that port open to anyone?
  sudo dockward audit --daemons all                         # every dockerd on this machine`,
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
        daemons: opts.daemons,
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
      const judgedFromOutside =
        only?.daemons?.specs.some((d) => d.seen.process || d.tcp.length > 0) === true;
      if (!fleet && only?.error !== undefined && !judgedFromOutside) {
        // one engine, it cannot be reached, and nothing else could be learned: that is the answer
        throw new DockwardError("ENGINE_UNREACHABLE", only.error.replace(/ \(fix: .*\)$/, ""), {
          hint: /\(fix: (.*)\)$/.exec(only.error)?.[1] ?? "check the endpoint with `dockward info`",
        });
      }
      const findings: Finding[] = [];
      const targets: Target[] = [];
      const expired = new Set<(typeof policy.exceptions)[number]>();
      const warnings: string[] = [];
      const now = new Date();
      for (const h of hosts) {
        const where = fleet ? `${h.name}: ` : "";
        if (h.daemons !== undefined) {
          const daemons = fleet
            ? h.daemons.specs.map((d) => qualifyDaemon(d, h.name))
            : h.daemons.specs;
          const evaluation = evaluateDaemons(daemons, policy, { now });
          findings.push(...evaluation.findings);
          targets.push(...daemons.map((d) => d.target));
          for (const e of evaluation.expiredExceptions) expired.add(e);
          warnings.push(...h.daemons.warnings.map((w) => `${where}${w}`));
          for (const d of daemons) {
            warnings.push(
              ...d.problems.map((p) => `${where}daemon ${d.target.name}: ${p.message}`),
            );
            const unknown = uncheckedSettings(d);
            if (unknown.length > 0 && d.seen.api)
              warnings.push(
                `${where}daemon ${d.target.name}: not visible from here, so not checked: ${unknown.join(", ")}`,
              );
          }
        }
        if (h.scan === undefined) {
          warnings.push(
            `engine ${h.name} (${h.endpoint}) could not be audited: ${h.error ?? "unknown error"}`,
          );
          continue;
        }
        const specs = fleet ? h.scan.specs.map((s) => qualify(s, h.name)) : h.scan.specs;
        const evaluation = evaluate(specs, policy, { host: h.facts, now });
        findings.push(...evaluation.findings);
        targets.push(...specs.map((s) => s.target));
        for (const e of evaluation.expiredExceptions) expired.add(e);
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
        (h) =>
          h.error !== undefined ||
          (h.scan?.errors.length ?? 0) > 0 ||
          h.daemons?.specs.some((d) => d.problems.some((p) => p.incomplete === true)) === true,
      );
      process.exitCode = report.summary.failed ? 1 : incomplete ? 3 : 0;
    });
}

/** The daemon.json keys of settings the audit could not learn (a daemon seen from outside). */
const SETTING_NAMES: Record<keyof DaemonSettings, string> = {
  icc: "icc",
  iptables: "iptables",
  userlandProxy: "userland-proxy",
  liveRestore: "live-restore",
  experimental: "experimental",
  noNewPrivileges: "no-new-privileges",
  debug: "debug",
  logLevel: "log-level",
  usernsRemap: "userns-remap",
  rootless: "rootless",
  seccompProfile: "seccomp-profile",
  seccompAvailable: "seccomp support",
  authorizationPlugins: "authorization-plugins",
  insecureRegistries: "insecure-registries",
  defaultUlimits: "default-ulimits",
  cgroupParent: "cgroup-parent",
  storageDriver: "storage-driver",
};

function uncheckedSettings(d: DaemonSpec): string[] {
  const names = Object.entries(SETTING_NAMES)
    .filter(([key]) => d.settings[key as keyof DaemonSettings] === undefined)
    .map(([, name]) => name);
  if (!d.seen.process) names.push("socket and file permissions", "TLS files");
  return names;
}
