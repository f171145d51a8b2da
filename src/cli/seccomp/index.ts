import { Command } from "commander";
import { defaultCommand } from "./default.js";
import { denyCommand } from "./deny.js";
import { diffCommand } from "./diff.js";
import { mergeCommand } from "./merge.js";
import { recordCommand } from "./record.js";
import { testCommand } from "./test.js";
import { validateCommand } from "./validate.js";

/**
 * Each subcommand lives in a file of its own beside this one and registers itself here, so the
 * parts of `dockward seccomp` (validate, default, deny, record, test, diff, merge) stay apart.
 */
const SUBCOMMANDS: ((parent: Command) => void)[] = [
  // subcommands register here
  (parent) => parent.addCommand(validateCommand()),
  (parent) => parent.addCommand(defaultCommand()),
  (parent) => parent.addCommand(denyCommand()),
  (parent) => parent.addCommand(diffCommand()),
  (parent) => parent.addCommand(mergeCommand()),
  (parent) => parent.addCommand(recordCommand()),
  (parent) => parent.addCommand(testCommand()),
];

export function seccompCommand(): Command {
  const cmd = new Command("seccomp")
    .description(
      "Seccomp profiles: validate them as the daemon and runc read them, generate Docker's default, derive stricter ones, record least-privilege profiles from real runs, diff and merge",
    )
    .addHelpText(
      "after",
      `
Docker's profile format: defaultAction, architectures | archMap, syscalls[{names, action, args,
includes, excludes}]. Give a profile to a container with --security-opt seccomp=FILE (the CLI
sends the file's content; the daemon never reads the path). See docs/seccomp.md.`,
    );
  for (const add of SUBCOMMANDS) add(cmd);
  return cmd;
}
