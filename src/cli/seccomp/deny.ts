import { Command, Option } from "commander";
import { DockwardError } from "../../errors.js";
import { defaultProfile } from "../../seccomp/default.js";
import {
  DENY_GROUP_NAMES,
  DENY_GROUPS,
  type DenyGroupName,
  denyCalls,
  parseSyscallList,
} from "../../seccomp/deny.js";
import { serializeProfile } from "../../seccomp/profile.js";
import { loadProfile } from "../../seccomp/validate.js";
import { emitProfile } from "./default.js";

interface DenyOptions {
  syscalls?: string;
  from?: string;
  out?: string;
  /** one boolean per group, under commander's camelCase name (--kernel-modules → kernelModules) */
  [group: string]: string | boolean | undefined;
}

const optionKey = (group: DenyGroupName): string =>
  group.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function denyCommand(): Command {
  const cmd = new Command("deny")
    .description(
      "derive a stricter profile: the chosen calls leave every allow rule and get an explicit EPERM rule",
    )
    .addOption(
      new Option("--from <profile>", "the base profile (default: `dockward seccomp default`)"),
    )
    .addOption(
      new Option(
        "--syscalls <names>",
        "further calls to deny, separated by commas (e.g. keyctl,add_key)",
      ),
    )
    .addOption(new Option("-o, --out <file>", "write the profile here (default: stdout)"));
  for (const group of DENY_GROUP_NAMES) {
    cmd.addOption(new Option(`--${group}`, `deny ${DENY_GROUPS[group].summary}`));
  }
  return cmd
    .addHelpText(
      "after",
      `
Groups:
${DENY_GROUP_NAMES.map((g) => `  --${g}: ${DENY_GROUPS[g].names.join(", ")}`).join("\n")}

Examples:
  dockward seccomp deny --network -o no-network.json
  dockward seccomp deny --namespaces --mount --from recorded.json -o strict.json
  dockward seccomp deny --syscalls keyctl,add_key,request_key -o no-keyring.json`,
    )
    .action((opts: DenyOptions) => {
      const groups = DENY_GROUP_NAMES.filter((g) => opts[optionKey(g)] === true);
      const syscalls =
        opts.syscalls === undefined ? [] : parseSyscallList("--syscalls", opts.syscalls);
      if (groups.length === 0 && syscalls.length === 0) {
        throw new DockwardError("USAGE", "deny needs something to deny", {
          hint: `give a group (${DENY_GROUP_NAMES.map((g) => `--${g}`).join(", ")}) or --syscalls NAME,…`,
        });
      }
      const base = opts.from === undefined ? defaultProfile() : loadProfile(opts.from);
      const label = [
        ...groups.map((g) => `--${g}`),
        ...(syscalls.length > 0 ? ["--syscalls"] : []),
      ].join(" ");
      emitProfile(
        serializeProfile(denyCalls(base, { groups, syscalls })),
        opts.out,
        `profile (deny ${label})`,
      );
    });
}
