import { Command, Option } from "commander";
import { diffJson, diffProfiles, diffText } from "../../seccomp/diff.js";
import { loadProfile } from "../../seccomp/validate.js";

export function diffCommand(): Command {
  return new Command("diff")
    .description(
      "what two profiles do differently, syscall by syscall (effective behaviour, conditions included); exit 0 when they behave the same, 1 when not",
    )
    .argument("<a>", "the first profile")
    .argument("<b>", "the second profile")
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "json"]).default("text"),
    )
    .addHelpText(
      "after",
      `
Lines: "+ NAME" B lets the call through in some case where A never does, "- NAME" the reverse,
"~ NAME" both do (or neither) but differently. Exit codes as diff(1): 0 same behaviour,
1 different, 2 bad input.

Examples:
  dockward seccomp default -o default.json && dockward seccomp diff default.json custom.json
  dockward seccomp diff --format json old.json new.json | jq '.syscalls[].name'`,
    )
    .action((a: string, b: string, opts: { format: "text" | "json" }) => {
      const d = diffProfiles(loadProfile(a), loadProfile(b));
      process.stdout.write(opts.format === "json" ? diffJson(d, a, b) : diffText(d, a, b));
      process.exitCode = d.equal ? 0 : 1;
    });
}
