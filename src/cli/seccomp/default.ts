import { Command, Option } from "commander";
import { defaultProfile } from "../../seccomp/default.js";
import { serializeProfile } from "../../seccomp/profile.js";
import { writeFileAtomic } from "../../yaml-input.js";

/** Print the profile, or write it atomically: a failed run leaves no half-written file. */
export function emitProfile(text: string, out: string | undefined, label: string): void {
  if (out === undefined) {
    process.stdout.write(text);
    return;
  }
  writeFileAtomic(out, text, {
    mode: 0o644,
    hint: "check that the directory exists and is writable, or omit --out to print the profile",
  });
  process.stderr.write(`dockward: ${label} written to ${out}\n`);
}

export function defaultCommand(): Command {
  return new Command("default")
    .description(
      "write a profile equivalent to Docker's default one (an allowlist: everything else fails with EPERM), generated from dockward's own data",
    )
    .addOption(new Option("-o, --out <file>", "write the profile here (default: stdout)"))
    .addHelpText(
      "after",
      `
The profile allows what Docker Engine's default allows: ~360 calls for every container, more
with capabilities (CAP_SYS_ADMIN brings mount, unshare, setns, clone with namespace flags, …),
per-architecture calls, and argument filters on socket (no AF_ALG, AF_VSOCK), personality and
clone; clone3 answers ENOSYS without CAP_SYS_ADMIN. See docs/seccomp-generate.md.

Examples:
  dockward seccomp default -o default.json
  docker run --security-opt seccomp=default.json IMAGE`,
    )
    .action((opts: { out?: string }) => {
      emitProfile(serializeProfile(defaultProfile()), opts.out, "default profile");
    });
}
