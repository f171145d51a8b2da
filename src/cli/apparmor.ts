import { Command, Option } from "commander";
import {
  type CheckResult,
  checkProfile,
  findParser,
  kernelHasAppArmor,
  loadProfile,
} from "../apparmor/parser.js";
import { defaultSpec, generateProfile } from "../apparmor/profile.js";
import { loadAppArmorSpec, PROFILE_NAME } from "../apparmor/spec.js";
import { DockwardError } from "../errors.js";
import { readInputFile, writeFileAtomic } from "../yaml-input.js";

/** A failed run leaves no half-written profile. */
function writeOut(file: string, text: string): void {
  writeFileAtomic(file, text, {
    mode: 0o644,
    hint: "check that the directory exists and is writable, or omit --out to print the profile",
  });
}

function readProfile(file: string): string {
  return readInputFile(file, "profile", "give the path of an AppArmor profile file");
}

function failOnErrors(result: CheckResult, what: string): void {
  if (result.status !== "errors") return;
  const lines = result.diagnostics.map(
    (d) => `${d.file}${d.line !== undefined ? `:${d.line}` : ""}: ${d.message}`,
  );
  throw new DockwardError(
    "BAD_INPUT",
    `${what} does not compile (${result.checkedBy === "apparmor_parser" ? "apparmor_parser" : "structural check"}):\n  ${lines.join("\n  ")}`,
    {
      hint: "fix the rule at that line (see apparmor.d(5)); generated profiles come from `dockward apparmor generate SPEC`",
    },
  );
}

function say(result: CheckResult, file: string): void {
  if (result.status !== "ok") return;
  process.stderr.write(
    result.checkedBy === "apparmor_parser"
      ? `dockward: ${file}: compiles with ${result.parser}\n`
      : `dockward: ${file}: structure looks right, but it was NOT compiled: ${result.why}\n`,
  );
}

function emit(text: string, out: string | undefined, check: boolean, label: string): void {
  if (out === undefined) {
    process.stdout.write(text);
    return;
  }
  writeOut(out, text);
  if (check) {
    const result = checkProfile(out, text);
    failOnErrors(result, `generated profile ${out}`);
    say(result, out);
  }
  process.stderr.write(`dockward: ${label} written to ${out}\n`);
}

export function apparmorCommand(): Command {
  const cmd = new Command("apparmor")
    .description(
      "AppArmor profiles: generate them from a readable spec, check them with the real parser, load them",
    )
    .addHelpText(
      "after",
      `
A spec (YAML) says what the container may touch; what it does not allow, AppArmor denies:

  name: web
  filesystem: { readonly: [/usr/**, /etc/nginx/**], writable: [/var/cache/nginx/**], deny: [/etc/shadow] }
  executables: { allow: [/usr/sbin/nginx] }
  capabilities: { allow: [NET_BIND_SERVICE, SETUID, SETGID] }
  network: { allow: [inet stream, inet6 stream] }

See docs/apparmor.md for every key. Docker ignores --security-opt apparmor=NAME on a kernel
without AppArmor: \`dockward info\` says whether this one has it.

Examples:
  dockward apparmor generate web.yaml --out /etc/apparmor.d/web
  dockward apparmor default --name dockward-default --out /etc/apparmor.d/dockward-default
  dockward apparmor validate /etc/apparmor.d/web
  sudo dockward apparmor load /etc/apparmor.d/web && docker run --security-opt apparmor=web nginx`,
    );

  cmd.addCommand(
    new Command("generate")
      .description("write the AppArmor profile a spec describes")
      .argument("<spec>", "the YAML spec")
      .addOption(new Option("-o, --out <file>", "write the profile here (default: stdout)"))
      .addOption(
        new Option("--no-check", "do not compile the written profile with apparmor_parser"),
      )
      .action((specFile: string, opts: { out?: string; check: boolean }) => {
        const spec = loadAppArmorSpec(specFile);
        emit(
          generateProfile(spec, { source: specFile }),
          opts.out,
          opts.check,
          `profile ${spec.name}`,
        );
      }),
  );

  cmd.addCommand(
    new Command("default")
      .description(
        "write a profile that confines like Docker's default one (files, network and capabilities left to Docker's own settings; mounts, ptrace outside the profile and kernel interfaces denied)",
      )
      .addOption(new Option("--name <name>", "profile name").default("dockward-default"))
      .addOption(new Option("-o, --out <file>", "write the profile here (default: stdout)"))
      .addOption(
        new Option("--no-check", "do not compile the written profile with apparmor_parser"),
      )
      .action((opts: { name: string; out?: string; check: boolean }) => {
        if (!PROFILE_NAME.test(opts.name)) {
          throw new DockwardError(
            "USAGE",
            `--name ${JSON.stringify(opts.name)} is not a profile name`,
            {
              hint: "letters, digits, '.', '_' and '-', starting with a letter or digit",
            },
          );
        }
        emit(generateProfile(defaultSpec(opts.name)), opts.out, opts.check, `profile ${opts.name}`);
      }),
  );

  cmd.addCommand(
    new Command("validate")
      .description(
        "compile a profile with apparmor_parser (-QK: no kernel needed, nothing loaded); errors come as FILE:LINE",
      )
      .argument("<profile>", "the profile file")
      .action((file: string) => {
        const text = readProfile(file);
        const result = checkProfile(file, text);
        failOnErrors(result, file);
        say(result, file);
      }),
  );

  cmd.addCommand(
    new Command("load")
      .description("load (or replace) a profile in the kernel: apparmor_parser -r -W (needs root)")
      .argument("<profile>", "the profile file")
      .action((file: string) => {
        readProfile(file);
        const parser = findParser();
        if (parser === undefined) {
          throw new DockwardError("MISSING_TOOL", "apparmor_parser is not installed", {
            hint: "install it (Debian: apt-get install apparmor)",
          });
        }
        if (!kernelHasAppArmor()) {
          throw new DockwardError(
            "KERNEL_UNSUPPORTED",
            "this kernel has no AppArmor: profiles cannot be loaded, and Docker ignores --security-opt apparmor=… here (containers run without AppArmor whatever they ask for)",
            {
              hint: "load the profile on a host whose kernel enables AppArmor (cat /sys/module/apparmor/parameters/enabled says Y); `dockward apparmor validate` still checks it here",
            },
          );
        }
        const result = loadProfile(file, parser);
        if (
          !result.ok &&
          result.diagnostics.some((d) => /denied|permission|not permitted/i.test(d.message))
        ) {
          throw new DockwardError(
            "KERNEL_UNSUPPORTED",
            `apparmor_parser could not load ${file}: ${result.diagnostics.map((d) => d.message).join("; ")}`,
            { hint: "loading profiles needs root: run it with sudo" },
          );
        }
        if (!result.ok) {
          failOnErrors(
            { status: "errors", checkedBy: "apparmor_parser", diagnostics: result.diagnostics },
            file,
          );
        }
        process.stderr.write(`dockward: ${file}: loaded\n`);
      }),
  );
  return cmd;
}
