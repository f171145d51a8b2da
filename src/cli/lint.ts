import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { DockwardError, errorMessage } from "../errors.js";
import { choosePolicy } from "../policy/choose.js";
import { buildReport } from "../report/report.js";
import { evaluate, type InlineSuppression } from "../rules/evaluate.js";
import { PRESETS, type PresetName } from "../rules/types.js";
import { parseRunArgv } from "../spec/adapters/run.js";
import { findDefaultComposeFile, loadCompose } from "../spec/compose/index.js";
import type { ContainerSpec } from "../spec/model.js";
import { splitShellWords } from "../spec/shell-words.js";
import {
  type Format,
  failOnOption,
  formatOption,
  outputOption,
  render,
  resolveFailOn,
} from "./output.js";

interface LintOptions {
  file?: string[];
  runFile?: string;
  policy?: string;
  preset?: PresetName;
  profile?: string[];
  format: Format;
  output?: string;
  failOn?: string;
  showSuppressed?: boolean;
}

const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

export function lintCommand(): Command {
  return new Command("lint")
    .description("lint compose files or a `docker run` command line before they are deployed")
    .argument("[command...]", "a docker run/create command line, after --")
    .addOption(
      new Option(
        "-f, --file <file>",
        "compose file (repeatable, merged in order like docker compose -f)",
      ).argParser(collect),
    )
    .addOption(
      new Option(
        "--run-file <file>",
        "a file holding one docker run/create command (backslash continuations allowed)",
      ),
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
        "--profile <name>",
        "judge only services with no profile or this one (repeatable; COMPOSE_PROFILES too); default: all profiles",
      ).argParser(collect),
    )
    .addOption(formatOption())
    .addOption(outputOption())
    .addOption(failOnOption())
    .addOption(
      new Option(
        "--show-suppressed",
        "also list findings silenced by exceptions or dockward-ignore comments",
      ),
    )
    .addHelpText(
      "after",
      `
With no -f and no command, lints the compose file in the current directory, found as
docker compose finds it (compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml).

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 bad usage or input.

Examples:
  dockward lint
  dockward lint -f compose.yaml -f compose.prod.yaml --format sarif -o dockward.sarif
  dockward lint --preset baseline --fail-on critical
  dockward lint -- docker run --privileged -v /:/host busybox sh
  dockward lint --run-file deploy/run.sh --format json`,
    )
    .action((command: string[], opts: LintOptions) => {
      const cwd = process.cwd();
      const policy = choosePolicy(opts, cwd);
      const specs: ContainerSpec[] = [];
      const suppressions: InlineSuppression[] = [];
      const warnings: string[] = [];
      if (command.length > 0 && (opts.file !== undefined || opts.runFile !== undefined)) {
        throw new DockwardError(
          "USAGE",
          "give a command after -- or files with -f/--run-file, not both",
          {
            hint: "run dockward lint twice, once per input",
          },
        );
      }
      if (command.length > 0) {
        specs.push(parseRunArgv({ argv: command, cwd }));
      } else if (opts.runFile !== undefined) {
        let text: string;
        try {
          text = readFileSync(opts.runFile, "utf8");
        } catch (err) {
          throw new DockwardError(
            "BAD_INPUT",
            `cannot read --run-file ${opts.runFile}: ${errorMessage(err)}`,
            {
              hint: "check the path",
            },
          );
        }
        const words = splitShellWords(text, opts.runFile);
        specs.push(
          parseRunArgv({ argv: words.words, positions: words.positions, file: opts.runFile, cwd }),
        );
      } else {
        const files = opts.file ?? [];
        if (files.length === 0) {
          const found = findDefaultComposeFile(cwd);
          if (found === undefined) {
            throw new DockwardError("USAGE", `no compose file in ${cwd} or its parents`, {
              hint: "name one with -f FILE, or lint a command: dockward lint -- docker run ...",
            });
          }
          files.push(found);
        }
        // Unlike `docker compose up`, lint judges every profile unless told which: a privileged
        // service in a `debug` profile is still one `--profile debug` away from running.
        const profiles = opts.profile ?? (process.env.COMPOSE_PROFILES ? undefined : ["*"]);
        const result = loadCompose({
          files,
          env: process.env,
          ...(profiles !== undefined ? { profiles } : {}),
        });
        specs.push(...result.specs);
        suppressions.push(...result.suppressions);
        warnings.push(...result.warnings.map((w) => w.message));
      }
      const evaluation = evaluate(specs, policy, { suppressions });
      const failOn = resolveFailOn(opts.failOn, policy.failOn);
      const report = buildReport({
        mode: "lint",
        policy: { source: policy.source, preset: policy.preset },
        targets: specs.map((s) => s.target),
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
      process.exitCode = report.summary.failed ? 1 : 0;
    });
}
