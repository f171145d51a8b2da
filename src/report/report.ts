import { createRequire } from "node:module";
import type { PolicyException } from "../policy/policy.js";
import { SEVERITIES, type Finding, type Severity, severityRank } from "../rules/types.js";
import type { Target } from "../spec/model.js";

const require = createRequire(import.meta.url);
export const VERSION = (require("../../package.json") as { version: string }).version;

export interface Report {
  tool: { name: "dockward"; version: string };
  mode: "lint" | "audit";
  policy: { source: string; preset: string };
  targets: { kind: string; name: string; file?: string }[];
  /** every finding, suppressed ones marked with `suppressed` */
  findings: Finding[];
  summary: {
    targets: number;
    findings: number;
    suppressed: number;
    bySeverity: Record<Severity, number>;
    failOn: Severity;
    /** true when a finding at or above failOn exists (exit code 1) */
    failed: boolean;
  };
  warnings: string[];
  /** the hosts an audit covered, when it covered several; unreachable ones carry their error */
  hosts?: { name: string; endpoint: string; error?: string }[];
}

export function buildReport(input: {
  mode: Report["mode"];
  policy: { source: string; preset: string };
  targets: readonly Target[];
  findings: readonly Finding[];
  expiredExceptions: readonly PolicyException[];
  failOn: Severity;
  warnings?: readonly string[];
  hosts?: readonly { name: string; endpoint: string; error?: string }[];
}): Report {
  const active = input.findings.filter((f) => f.suppressed === undefined);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of active) bySeverity[f.severity] += 1;
  const threshold = severityRank(input.failOn);
  const warnings = [
    ...input.expiredExceptions.map(
      (e) =>
        `exception at ${e.at} expired on ${e.expires?.toISOString().slice(0, 10) ?? "?"} and no longer applies (${e.reason})`,
    ),
    ...(input.warnings ?? []),
  ];
  return {
    tool: { name: "dockward", version: VERSION },
    mode: input.mode,
    policy: input.policy,
    targets: input.targets.map((t) => ({
      kind: t.kind,
      name: t.name,
      ...(t.origin.file !== undefined ? { file: t.origin.file } : {}),
    })),
    findings: [...input.findings],
    summary: {
      targets: input.targets.length,
      findings: active.length,
      suppressed: input.findings.length - active.length,
      bySeverity,
      failOn: input.failOn,
      failed: active.some((f) => severityRank(f.severity) >= threshold),
    },
    warnings,
    ...(input.hosts !== undefined ? { hosts: input.hosts.map((h) => ({ ...h })) } : {}),
  };
}
