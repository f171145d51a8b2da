import { writeFileSync } from "node:fs";
import { Option } from "commander";
import { DockwardError, errorMessage } from "../errors.js";
import { formatHtml } from "../report/html.js";
import type { Report } from "../report/report.js";
import { formatSarif } from "../report/sarif.js";
import { formatText } from "../report/text.js";
import { SEVERITIES, type Severity } from "../rules/types.js";

export type Format = "text" | "json" | "sarif" | "html";

export const formatOption = (): Option =>
  new Option("--format <format>", "report format")
    .choices(["text", "json", "sarif", "html"])
    .default("text");
export const outputOption = (): Option =>
  new Option("-o, --output <file>", "write the report to FILE instead of stdout");
export const failOnOption = (): Option =>
  new Option(
    "--fail-on <severity>",
    "exit 1 when a finding is at or above this severity (default high, or the policy's failOn)",
  ).choices([...SEVERITIES, "none"]);

/** Colour only for a terminal, and never when NO_COLOR is set (FORCE_COLOR forces it). */
export function useColor(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "") return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== "0") return true;
  return stream.isTTY;
}

export function resolveFailOn(
  flag: string | undefined,
  policy: Severity | undefined,
): Severity | "none" {
  if (flag !== undefined) return flag as Severity | "none";
  return policy ?? "high";
}

export function render(
  report: Report,
  format: Format,
  options: { output?: string | undefined; showSuppressed: boolean },
): void {
  const text =
    format === "json"
      ? // indented for a person at a terminal; compact for files and pipes (a fleet's report is MBs)
        `${JSON.stringify(report, null, options.output === undefined && process.stdout.isTTY ? 2 : undefined)}\n`
      : format === "sarif"
        ? formatSarif(report)
        : format === "html"
          ? formatHtml(report)
          : formatText(report, {
              color: options.output === undefined && useColor(process.stdout),
              showSuppressed: options.showSuppressed,
            });
  if (options.output === undefined) {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileSync(options.output, text);
  } catch (err) {
    throw new DockwardError(
      "BAD_INPUT",
      `cannot write --output ${options.output}: ${errorMessage(err)}`,
      {
        hint: "check that the directory exists and is writable",
      },
    );
  }
  process.stderr.write(
    `dockward: ${report.summary.findings} finding${report.summary.findings === 1 ? "" : "s"} written to ${options.output}\n`,
  );
}
