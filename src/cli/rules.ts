import { Command, Option } from "commander";
import { containerRules } from "../rules/registry.js";
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
      const rules = containerRules
        .map((r) => r.meta)
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
          `${m.id.padEnd(12)} ${m.name.padEnd(24)} ${m.severity.padEnd(8)} CIS ${(m.cis.join(",") || "-").padEnd(6)} ${m.presets.join(",").padEnd(25)} ${m.title}`,
      );
      process.stdout.write(
        `${["ID           NAME                     SEVERITY CIS        PRESETS                   TITLE", ...lines].join("\n")}\n`,
      );
    });
}
