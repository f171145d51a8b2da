import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { relative, isAbsolute } from "node:path";
import { allRules } from "../rules/registry.js";
import type { Remediation, Severity } from "../rules/types.js";
import type { Report } from "./report.js";

/**
 * SARIF 2.1.0 as GitHub code scanning accepts it: every rule with its help text (the docs page)
 * and a security-severity, every finding with a precise region. Findings without a file (a
 * `docker run` line given on the command line, a live container) carry a logical location.
 */

const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
};
/** GitHub maps security-severity to critical ≥ 9, high ≥ 7, medium ≥ 4, low > 0. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  info: "1.0",
};

const DOCS_DIR = fileURLToPath(new URL("../../docs/rules/", import.meta.url));

function docsText(id: string): string | undefined {
  try {
    return readFileSync(`${DOCS_DIR}${id}.md`, "utf8");
  } catch {
    return undefined;
  }
}

function uriFor(file: string, baseDir: string): string {
  const rel = isAbsolute(file) ? relative(baseDir, file) : file;
  const path = rel.startsWith("..") ? file : rel;
  return path.split("\\").join("/");
}

function fixOf(r: Remediation): string {
  if ("daemon" in r) return r.daemon;
  if ("profile" in r) return r.profile;
  return `${r.run} (compose: ${r.compose})`;
}

export function formatSarif(report: Report, options: { baseDir?: string } = {}): string {
  const baseDir = options.baseDir ?? process.cwd();
  const rules = allRules.map((r) => {
    const help = docsText(r.meta.id);
    return {
      id: r.meta.id,
      name: r.meta.name,
      shortDescription: { text: r.meta.title },
      fullDescription: {
        text: `${r.meta.title}. Fix: ${fixOf(r.meta.remediation)}`,
      },
      ...(help !== undefined ? { help: { text: help, markdown: help } } : {}),
      defaultConfiguration: { level: LEVEL[r.meta.severity] },
      properties: {
        tags: [
          "security",
          "docker",
          ...r.meta.cis.map((c) => `CIS-Docker-${c}`),
          ...(r.meta.pss !== "none" ? [`PSS-${r.meta.pss}`] : []),
        ],
        "security-severity": SECURITY_SEVERITY[r.meta.severity],
        precision: "high",
      },
    };
  });
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results = report.findings.map((f) => {
    const t = f.target;
    const location =
      t.file !== undefined
        ? {
            physicalLocation: {
              artifactLocation: { uri: uriFor(t.file, baseDir) },
              region: {
                startLine: t.line ?? 1,
                ...(t.column !== undefined ? { startColumn: t.column } : {}),
              },
            },
            logicalLocations: [{ name: t.name, kind: "resource" }],
          }
        : {
            logicalLocations: [
              {
                name: t.name,
                kind: "resource",
                fullyQualifiedName: `${t.kind}:${t.name}${t.pointer !== undefined ? `#${t.pointer}` : t.argIndex !== undefined ? `#argv[${t.argIndex}]` : ""}`,
              },
            ],
          };
    return {
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId) ?? -1,
      level: LEVEL[f.severity],
      message: { text: `${t.name}: ${f.message}` },
      locations: [location],
      properties: {
        severity: f.severity,
        "security-severity": SECURITY_SEVERITY[f.severity],
        cis: f.cis,
      },
      ...(f.suppressed !== undefined
        ? {
            suppressions: [
              { kind: "external", justification: `${f.suppressed.reason} (${f.suppressed.by})` },
            ],
          }
        : {}),
    };
  });
  const sarif = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "dockward",
            version: report.tool.version,
            semanticVersion: report.tool.version,
            rules,
          },
        },
        results,
        columnKind: "unicodeCodePoints",
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
