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

/**
 * Where a finding points, for a person: `file:line:col` (and the JSON pointer, in a seccomp
 * profile), an argv index, a JSON pointer, or the target as a whole. Daemon findings name the
 * file too (daemon.json, dockerd's command line, `GET /info`), since one daemon spans several.
 */
export function placeOf(f: Finding): string {
  const t = f.target;
  // a seccomp profile finding names the JSON pointer too: line:col alone hides which rule it is
  if (t.kind === "seccomp" && t.line !== undefined) {
    const at = `${t.file ?? t.name}:${t.line}:${t.column ?? 1}`;
    return t.pointer === undefined || t.pointer === "" ? at : `${at} ${t.pointer}`;
  }
  if (t.file !== undefined && t.line !== undefined) return `${t.file}:${t.line}:${t.column ?? 1}`;
  if (t.kind === "daemon") {
    if (t.argIndex !== undefined)
      return `dockerd argv[${t.argIndex}]${t.file !== undefined ? ` (${t.file})` : ""}`;
    if (t.file !== undefined && t.pointer !== undefined && t.pointer !== "")
      return `${t.file} ${t.pointer}`;
    if (t.file !== undefined && t.pointer === "") return `${t.file} (where the setting goes)`;
    return t.file ?? "the daemon as a whole";
  }
  if (t.argIndex !== undefined) return `argv[${t.argIndex}]`;
  // "" is the whole document in RFC 6901; "/" would name a key called ""
  if (t.pointer !== undefined) return t.pointer === "" ? `the ${t.kind} as a whole` : t.pointer;
  return t.file ?? "";
}
