import { Command, Option } from "commander";
import { allRules } from "../rules/registry.js";
import { PRESETS } from "../rules/types.js";

export function rulesCommand(): Command {
  return new Command("rules")
    .description("list the rule catalogue: ids, names, severities, CIS controls and presets")
    .addOption(new Option("--preset <name>", "only the rules this preset enables").choices(PRESETS))
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "json"]).default("text"),
    )
    .addHelpText(
      "after",
      "\nEach rule's page is docs/rules/<id>.md.\n\nExamples:\n  dockward rules\n  dockward rules --preset baseline --format json",
    )
    .action((opts: { preset?: string; format: "text" | "json" }) => {
      const rules = allRules
        .map((r) => ({ ...r.meta, kind: r.kind }))
        .filter(
          (m) =>
            opts.preset === undefined || (m.presets as readonly string[]).includes(opts.preset),
        );
      if (opts.format === "json") {
        process.stdout.write(`${JSON.stringify(rules, null, 2)}\n`);
        return;
      }
      const lines = rules.map(
        (m) =>
          `${m.id.padEnd(12)} ${m.name.padEnd(28)} ${m.kind.padEnd(9)} ${m.severity.padEnd(8)} CIS ${(m.cis.join(",") || "-").padEnd(9)} ${m.presets.join(",").padEnd(25)} ${m.title}`,
      );
      process.stdout.write(
        `${[`${"ID".padEnd(12)} ${"NAME".padEnd(28)} ${"APPLIES".padEnd(9)} ${"SEVERITY".padEnd(8)} ${"CIS".padEnd(13)} ${"PRESETS".padEnd(25)} TITLE`, ...lines].join("\n")}\n`,
      );
    });
}
