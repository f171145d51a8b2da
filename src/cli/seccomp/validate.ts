import { Command, Option } from "commander";
import { choosePolicy } from "../../policy/choose.js";
import { buildReport } from "../../report/report.js";
import { evaluateSeccomp } from "../../rules/evaluate.js";
import { PRESETS, type PresetName } from "../../rules/types.js";
import {
  DEFAULT_DOCKER_VERSION,
  parseDockerVersion,
  readProfileDocument,
  readProfileText,
} from "../../seccomp/validate.js";
import type { Target } from "../../spec/model.js";
import {
  type Format,
  failOnOption,
  formatOption,
  outputOption,
  render,
  resolveFailOn,
} from "../output.js";

interface ValidateOptions {
  dockerVersion: string;
  policy?: string;
  preset?: PresetName;
  format: Format;
  output?: string;
  failOn?: string;
  showSuppressed?: boolean;
}

export function validateCommand(): Command {
  return new Command("validate")
    .description(
      "check a seccomp profile as the daemon and runc read it: what they refuse, and what they accept but run differently from what it seems to say",
    )
    .argument("<file>", "the profile, in Docker's JSON format (- reads standard input)")
    .addOption(
      new Option(
        "--docker-version <version>",
        "the engine the profile is for, MAJOR.MINOR[.PATCH] or latest: which fields it ignores",
      ).default(DEFAULT_DOCKER_VERSION),
    )
    .addOption(new Option("--policy <file>", "policy file (default: ./dockward.yaml when present)"))
    .addOption(
      new Option(
        "--preset <name>",
        "rule preset when no policy says otherwise (default restricted)",
      ).choices(PRESETS),
    )
    .addOption(formatOption())
    .addOption(outputOption())
    .addOption(failOnOption())
    .addOption(new Option("--show-suppressed", "also list findings silenced by exceptions"))
    .addHelpText(
      "after",
      `
Errors (DW-SCMP-001…006, severity high) are what the daemon or runc refuse when the container
starts: invalid JSON, wrong types, keys given twice or in two spellings, unknown actions,
architectures or operators, argument index > 5, errno ≥ 4095, a bad minKernel, name with names,
architectures with archMap. Warnings are what they accept silently: a profile that disables
seccomp ({}) or allows by default (high), SCMP_ACT_KILL as default (hangs), unknown fields,
fields the target Docker version ignores, syscall names that match nothing, rules that never
apply. Every finding gives file:line:column and the JSON pointer. See docs/seccomp.md.

--docker-version 20.10 (the default) means an up-to-date 20.10, which ignores defaultErrnoRet,
flags, listenerPath and listenerMetadata; 20.10.9 and older also ignore errnoRet.

Exit codes: 0 nothing at or above --fail-on (default high), 1 findings at or above it, 2 bad
usage or an unreadable file.

Examples:
  dockward seccomp validate profile.json
  dockward seccomp validate profile.json --docker-version 28.2 --format sarif -o seccomp.sarif
  dockward seccomp default | dockward seccomp validate - --docker-version latest`,
    )
    .action((file: string, opts: ValidateOptions) => {
      const dockerVersion = parseDockerVersion(opts.dockerVersion);
      const policy = choosePolicy(opts, process.cwd());
      const text = readProfileText(file);
      const name = file === "-" ? "<stdin>" : file;
      const document = readProfileDocument(text, name);
      const target: Target = {
        kind: "seccomp",
        name,
        origin: { file: name },
        image: undefined,
        labels: {},
      };
      const evaluation = evaluateSeccomp(document, target, policy, { dockerVersion });
      const failOn = resolveFailOn(opts.failOn, policy.failOn);
      const report = buildReport({
        mode: "lint",
        policy: { source: policy.source, preset: policy.preset },
        targets: [target],
        findings: evaluation.findings,
        expiredExceptions: evaluation.expiredExceptions,
        failOn: failOn === "none" ? "critical" : failOn,
      });
      if (failOn === "none") report.summary.failed = false;
      render(report, opts.format, {
        output: opts.output,
        showSuppressed: opts.showSuppressed === true,
      });
      process.exitCode = report.summary.failed ? 1 : 0;
    });
}
