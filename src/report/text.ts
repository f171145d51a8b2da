import { readFileSync } from "node:fs";
import type { Finding, Severity } from "../rules/types.js";
import { fixText, severityRank } from "../rules/types.js";
import { placeOf, type Report } from "./report.js";

export interface TextOptions {
  color: boolean;
  showSuppressed: boolean;
  /** read a file's lines for the source excerpt (injected so tests need no disk) */
  readLines?: (file: string) => string[] | undefined;
}

const SGR: Record<string, string> = {
  red: "31",
  magenta: "35",
  yellow: "33",
  blue: "34",
  gray: "90",
  bold: "1",
  dim: "2",
  cyan: "36",
  green: "32",
};
const SEVERITY_COLOR: Record<Severity, string> = {
  critical: "magenta",
  high: "red",
  medium: "yellow",
  low: "blue",
  info: "gray",
};

function paint(on: boolean, color: string, text: string): string {
  const code = SGR[color];
  return on && code !== undefined ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function defaultReadLines(file: string): string[] | undefined {
  try {
    return readFileSync(file, "utf8").split(/\r?\n/);
  } catch {
    return undefined;
  }
}

/** Human output: findings grouped by target, worst first, with the source line and a caret. */
export function formatText(report: Report, options: TextOptions): string {
  const c = options.color;
  const readLines = options.readLines ?? defaultReadLines;
  const cache = new Map<string, string[] | undefined>();
  const lines = (file: string): string[] | undefined => {
    if (!cache.has(file)) cache.set(file, readLines(file));
    return cache.get(file);
  };
  const out: string[] = [];
  const shown = report.findings.filter((f) => options.showSuppressed || f.suppressed === undefined);
  const groups = new Map<string, Finding[]>();
  for (const f of shown) {
    const key = `${f.target.kind} ${f.target.name}${f.target.file !== undefined && f.target.kind !== "daemon" && f.target.file !== f.target.name ? ` (${f.target.file})` : ""}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  for (const [key, findings] of groups) {
    out.push(paint(c, "bold", key));
    findings.sort(
      (a, b) =>
        severityRank(b.severity) - severityRank(a.severity) ||
        (a.target.line ?? 0) - (b.target.line ?? 0),
    );
    for (const f of findings) {
      const sev = paint(c, SEVERITY_COLOR[f.severity], f.severity.toUpperCase().padEnd(8));
      const id = paint(c, "bold", f.ruleId);
      const suppressed =
        f.suppressed !== undefined ? paint(c, "dim", ` [suppressed: ${f.suppressed.reason}]`) : "";
      out.push(`  ${sev} ${id} ${f.message}${suppressed}`);
      const where = placeOf(f);
      if (where !== "")
        out.push(
          paint(
            c,
            "dim",
            `           at ${where}${f.cis.length > 0 ? `  (CIS ${f.cis.join(", ")})` : ""}`,
          ),
        );
      if (f.target.file !== undefined && f.target.line !== undefined) {
        const src = lines(f.target.file)?.[f.target.line - 1];
        if (src !== undefined) {
          const num = String(f.target.line);
          out.push(paint(c, "dim", `    ${num} | `) + src);
          out.push(
            `${" ".repeat(4 + num.length)}${paint(c, "dim", " | ")}${" ".repeat(Math.max(0, (f.target.column ?? 1) - 1))}${paint(c, SEVERITY_COLOR[f.severity], "^")}`,
          );
        }
      }
      out.push(paint(c, "green", `           fix: ${fixText(f.remediation, f.target.kind)}`));
    }
    out.push("");
  }
  for (const w of report.warnings) out.push(paint(c, "yellow", `warning: ${w}`));
  const s = report.summary;
  const counts = (["critical", "high", "medium", "low", "info"] as const)
    .filter((k) => s.bySeverity[k] > 0)
    .map((k) => paint(c, SEVERITY_COLOR[k], `${s.bySeverity[k]} ${k}`));
  const summary =
    s.findings === 0
      ? paint(c, "green", `no findings in ${s.targets} target${s.targets === 1 ? "" : "s"}`)
      : `${s.findings} finding${s.findings === 1 ? "" : "s"} in ${s.targets} target${s.targets === 1 ? "" : "s"}: ${counts.join(", ")}`;
  out.push(
    `${summary}${s.suppressed > 0 ? paint(c, "dim", ` (${s.suppressed} suppressed)`) : ""}; policy ${report.policy.preset} from ${report.policy.source}; fail-on ${s.failOn}${s.failed ? paint(c, "red", " → FAIL") : ""}`,
  );
  return `${out.join("\n")}\n`;
}
