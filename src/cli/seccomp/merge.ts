import { Command, Option } from "commander";
import { DockwardError } from "../../errors.js";
import { mergeProfiles } from "../../seccomp/merge.js";
import { serializeProfile } from "../../seccomp/profile.js";
import { loadProfile } from "../../seccomp/validate.js";
import { emitProfile } from "./default.js";

export function mergeCommand(): Command {
  return new Command("merge")
    .description(
      "one profile that lets through what any input lets through (e.g. profiles recorded from several runs); refuses inputs that cannot be combined safely",
    )
    .argument("<profiles...>", "two or more profiles")
    .addOption(new Option("-o, --out <file>", "write the profile here (default: stdout)"))
    .addHelpText(
      "after",
      `
Allowlists (defaultAction denies) merge by union; the strictest default action wins.
Denylists (defaultAction allows) keep a call denied only where every input denies it.
One of each, TRACE/NOTIFY defaults and clashing rules are refused (exit 2) with the reason.
See docs/seccomp-generate.md.

Examples:
  dockward seccomp merge run1.json run2.json run3.json -o app.json`,
    )
    .action((files: string[], opts: { out?: string }) => {
      if (files.length < 2) {
        throw new DockwardError("USAGE", `merge needs two or more profiles, got ${files.length}`, {
          hint: "dockward seccomp merge A.json B.json [C.json …] -o merged.json",
        });
      }
      const merged = mergeProfiles(
        files.map((file) => ({ label: file, profile: loadProfile(file) })),
      );
      emitProfile(serializeProfile(merged), opts.out, `merged profile (${files.length} inputs)`);
    });
}
