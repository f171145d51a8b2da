import { copyFileSync } from "node:fs";
import { resolve } from "node:path";
import { Command, Option } from "commander";
import { createTwoFilesPatch } from "diff";
import { DockwardError } from "../errors.js";
import type { HardenChange, HardenComposeOptions } from "../harden/compose.js";
import { hardenProject } from "../harden/project.js";
import { hardenRunArgv, shellQuote } from "../harden/run.js";
import { choosePolicy } from "../policy/choose.js";
import {
  type Finding,
  fixText,
  PRESETS,
  type PresetName,
  SEVERITIES,
  severityRank,
} from "../rules/types.js";
import { findDefaultComposeFile } from "../spec/compose/index.js";
import { parseBytes } from "../spec/units.js";
import { readInputFile, writeFileAtomic } from "../yaml-input.js";

interface HardenFlags {
  memory?: string;
  cpus?: string;
  pids?: string;
  seccomp?: string;
  apparmor?: string;
  user?: string;
}

/** --memory / --cpus / --pids checked, with the flag named in the error. */
export function hardenOptions(flags: HardenFlags): HardenComposeOptions {
  if (flags.memory !== undefined && (parseBytes(flags.memory) ?? 0) <= 0) {
    throw new DockwardError(
      "USAGE",
      `--memory ${JSON.stringify(flags.memory)}: not a size like 512m or 2g`,
      {
        hint: "for example --memory 256m",
      },
    );
  }
  const cpus = flags.cpus === undefined ? undefined : Number(flags.cpus);
  if (cpus !== undefined && !(Number.isFinite(cpus) && cpus > 0)) {
    throw new DockwardError(
      "USAGE",
      `--cpus ${JSON.stringify(flags.cpus)}: not a positive number of CPUs`,
      {
        hint: "for example --cpus 1 or --cpus 0.5",
      },
    );
  }
  const pids = flags.pids === undefined ? undefined : Number(flags.pids);
  if (pids !== undefined && !(Number.isInteger(pids) && pids > 0)) {
    throw new DockwardError(
      "USAGE",
      `--pids ${JSON.stringify(flags.pids)}: not a whole number ≥ 1`,
      {
        hint: "for example --pids 256",
      },
    );
  }
  return {
    memory: flags.memory,
    cpus: flags.cpus,
    pids,
    seccomp: flags.seccomp,
    apparmor: flags.apparmor,
    user: flags.user,
  };
}

function describeChange(file: string, c: HardenChange): string {
  return `  ${file}:${c.line} ${c.service}: ${c.what}${c.ruleId !== undefined ? ` [${c.ruleId}]` : ""}`;
}

function limitFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option("--memory <size>", "memory limit for services that have none, e.g. 256m"))
    .addOption(new Option("--cpus <n>", "CPU limit for services that have none, e.g. 1 or 0.5"))
    .addOption(new Option("--pids <n>", "PIDs limit for services that have none, e.g. 256"))
    .addOption(new Option("--seccomp <file>", "seccomp profile to name in security_opt"))
    .addOption(new Option("--apparmor <name>", "AppArmor profile to name in security_opt"))
    .addOption(
      new Option("--user <uid:gid>", "user for services that run as root, e.g. 10001:10001"),
    );
}

export function hardenCommand(): Command {
  const compose = limitFlags(
    new Command("compose")
      .description(
        "rewrite compose files so they pass the policy; comments and formatting are kept",
      )
      .addOption(
        new Option("-f, --file <file...>", "compose file(s) (default: compose.yaml here or above)"),
      )
      .addOption(
        new Option("--policy <file>", "policy file (default: ./dockward.yaml when present)"),
      )
      .addOption(new Option("--preset <name>", "rule preset (default restricted)").choices(PRESETS))
      .addOption(new Option("--service <name...>", "harden only these services"))
      .addOption(new Option("--diff", "print a unified diff instead of the new file"))
      .addOption(new Option("--write", "replace the file(s), keeping FILE.bak"))
      .addOption(
        new Option("--fail-on <severity>", "exit 1 when manual steps at or above this remain")
          .choices([...SEVERITIES, "none"])
          .default("high"),
      ),
  )
    .addHelpText(
      "after",
      `
Each fix edits the file's text in place: comments, key order, anchors and quoting stay as they
are. What harden cannot fix by itself (a host path or host namespace the service needs, a user
only the image knows) is listed as a manual step with the rule's fix, never silently dropped;
the result is linted again before it is printed or written.

Examples:
  dockward harden compose -f compose.yaml --memory 256m --cpus 1 --pids 256
  dockward harden compose --diff --preset baseline
  dockward harden compose -f compose.yaml --write --seccomp ./seccomp.json --apparmor web`,
    )
    .action(
      (
        opts: HardenFlags & {
          file?: string[];
          policy?: string;
          preset?: PresetName;
          diff?: boolean;
          write?: boolean;
          service?: string[];
          failOn: string;
        },
      ) => {
        if (opts.diff === true && opts.write === true) {
          throw new DockwardError("USAGE", "--diff and --write cannot be combined", {
            hint: "look at --diff first, then run again with --write",
          });
        }
        const options = hardenOptions(opts);
        const policy = choosePolicy(opts, process.cwd());
        const files = opts.file ?? [];
        if (files.length === 0) {
          const found = findDefaultComposeFile(process.cwd());
          if (found === undefined)
            throw new DockwardError("USAGE", `no compose file in ${process.cwd()} or its parents`, {
              hint: "name one with -f FILE",
            });
          files.push(found);
        }
        const texts = new Map<string, string>();
        for (const file of files)
          texts.set(
            resolve(file),
            readInputFile(file, "compose file", "check the path given with -f"),
          );
        const {
          texts: hardened,
          changes,
          remaining: manual,
        } = hardenProject(files, texts, policy, options, opts.service);
        const threshold =
          opts.failOn === "none"
            ? Number.POSITIVE_INFINITY
            : severityRank(opts.failOn as Finding["severity"]);
        for (const file of files) {
          const original = texts.get(resolve(file)) ?? "";
          const text = hardened.get(resolve(file)) ?? original;
          if (opts.diff === true) {
            process.stdout.write(createTwoFilesPatch(file, file, original, text, "", "hardened"));
          } else if (opts.write === true) {
            if (text !== original) {
              copyFileSync(file, `${file}.bak`);
              writeFileAtomic(file, text, {
                hint: "check that the file and its directory are writable, or use --diff",
              });
              process.stderr.write(`dockward: wrote ${file} (the original is ${file}.bak)\n`);
            } else process.stderr.write(`dockward: ${file}: nothing to change\n`);
          } else {
            process.stdout.write(text);
          }
          const list = changes.get(file) ?? [];
          if (list.length > 0) {
            process.stderr.write(
              `dockward: ${list.length} change${list.length === 1 ? "" : "s"} in ${file}:\n${list.map((c) => describeChange(file, c)).join("\n")}\n`,
            );
          }
        }
        if (manual.length > 0) {
          process.stderr.write(
            `dockward: ${manual.length} finding${manual.length === 1 ? "" : "s"} need${manual.length === 1 ? "s" : ""} a manual step (lines of the hardened file):\n${manual
              .map(
                (f) =>
                  `  ${f.target.file ?? ""}${f.target.line !== undefined ? `:${f.target.line}` : ""} ${f.target.name}: ${f.severity.toUpperCase()} ${f.ruleId} ${f.message}\n      fix: ${fixText(f.remediation, "compose")}`,
              )
              .join("\n")}\n`,
          );
        }
        process.exitCode = manual.some((f) => severityRank(f.severity) >= threshold) ? 1 : 0;
      },
    );

  return limitFlags(
    new Command("harden")
      .description(
        "rewrite compose files and docker run commands into hardened ones: `harden compose`, or `harden -- docker run …`",
      )
      .argument("[command...]", "a docker run or docker create command line, after --")
      .addOption(
        new Option("--policy <file>", "policy file (default: ./dockward.yaml when present)"),
      )
      .addOption(
        new Option("--preset <name>", "rule preset (default restricted)").choices(PRESETS),
      ),
  )
    .addHelpText(
      "after",
      `
Examples:
  dockward harden --memory 256m --cpus 1 --pids 256 -- docker run -d --privileged nginx:1.27
  dockward harden compose -f compose.yaml --diff`,
    )
    .addCommand(compose.exitOverride())
    .action((command: string[], opts: HardenFlags & { policy?: string; preset?: PresetName }) => {
      if (command.length === 0) {
        throw new DockwardError("USAGE", "nothing to harden", {
          hint: "give a command after --: dockward harden -- docker run IMAGE, or use dockward harden compose",
        });
      }
      const options = hardenOptions(opts);
      const policy = choosePolicy(opts, process.cwd());
      const result = hardenRunArgv(command, policy, options);
      process.stdout.write(`${shellQuote(result.argv)}\n`);
      if (result.changes.length > 0)
        process.stderr.write(
          `dockward: ${result.changes.length} change${result.changes.length === 1 ? "" : "s"}:\n${result.changes
            .map((c) => `  ${c.what}${c.ruleId !== undefined ? ` [${c.ruleId}]` : ""}`)
            .join("\n")}\n`,
        );
      if (result.remaining.length > 0)
        process.stderr.write(
          `dockward: ${result.remaining.length} finding${result.remaining.length === 1 ? "" : "s"} need a manual step:\n${result.remaining
            .map(
              (f) =>
                `  argv[${f.target.argIndex ?? "?"}] ${f.severity.toUpperCase()} ${f.ruleId} ${f.message}\n      fix: ${fixText(f.remediation, "run")}`,
            )
            .join("\n")}\n`,
        );
      process.exitCode = result.remaining.some(
        (f) => severityRank(f.severity) >= severityRank("high"),
      )
        ? 1
        : 0;
    });
}
