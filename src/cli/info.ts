import { Command, Option } from "commander";
import { collectInfo, formatInfo } from "../info/info.js";
import { connect } from "./engine-options.js";

export function infoCommand(): Command {
  return new Command("info")
    .description("show which Docker engine dockward talks to, why, and how that engine is secured")
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "json"]).default("text"),
    )
    .addHelpText(
      "after",
      `
The endpoint is chosen exactly as the docker CLI chooses it:
  --context  >  -H/--host  >  DOCKER_HOST  >  DOCKER_CONTEXT  >  currentContext in $DOCKER_CONFIG/config.json

Examples:
  dockward info
  dockward -H ssh://admin@build-1 info
  dockward --context prod info --format json`,
    )
    .action(async (opts: { format: "text" | "json" }, command: Command) => {
      const client = connect(command);
      try {
        const report = await collectInfo(client);
        process.stdout.write(
          opts.format === "json" ? `${JSON.stringify(report, null, 2)}\n` : formatInfo(report),
        );
      } finally {
        client.close();
      }
    });
}
