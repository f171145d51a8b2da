import type { Policy, PolicyException } from "../policy/policy.js";
import type { ContainerSpec } from "../spec/model.js";
import { containerRules } from "./registry.js";
import type { Finding, HostFacts, RuleContext, Severity } from "./types.js";

/** An inline `# dockward-ignore RULE: reason` comment, as the compose loader reports it. */
export interface InlineSuppression {
  ruleId: string;
  reason: string;
  file: string;
  line: number;
  service?: string | undefined;
}

export interface Evaluation {
  findings: Finding[];
  /** exceptions that have expired: they no longer apply, and the report says so */
  expiredExceptions: PolicyException[];
}

/** `*` matches any run of characters; everything else is literal. */
function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
  return re.test(value);
}

function exceptionMatches(e: PolicyException, spec: ContainerSpec, ruleId: string): boolean {
  if (e.rules !== "*" && !e.rules.includes(ruleId)) return false;
  const t = spec.target;
  const m = e.match;
  if (m.image !== undefined && (t.image === undefined || !globMatch(m.image, t.image)))
    return false;
  if (m.service !== undefined && (t.service === undefined || !globMatch(m.service, t.service)))
    return false;
  if (
    m.container !== undefined &&
    (t.container === undefined || !globMatch(m.container, t.container))
  )
    return false;
  if (m.file !== undefined && (t.origin.file === undefined || !globMatch(m.file, t.origin.file)))
    return false;
  if (m.label !== undefined) {
    const eq = m.label.indexOf("=");
    const key = eq === -1 ? m.label : m.label.slice(0, eq);
    const value = eq === -1 ? undefined : m.label.slice(eq + 1);
    const actual = t.labels[key];
    if (actual === undefined || (value !== undefined && !globMatch(value, actual))) return false;
  }
  return true;
}

/**
 * Judge specs with the policy's enabled rules. Pure: the same inputs give the same findings,
 * whichever mode (lint, audit, guard) built the specs. `now` decides which exceptions expired.
 */
export function evaluate(
  specs: readonly ContainerSpec[],
  policy: Policy,
  options: {
    now?: Date;
    suppressions?: readonly InlineSuppression[];
    host?: HostFacts | undefined;
  } = {},
): Evaluation {
  const now = options.now ?? new Date();
  const active = policy.exceptions.filter(
    (e) => e.expires === undefined || e.expires.getTime() >= now.getTime(),
  );
  const expired = policy.exceptions.filter(
    (e) => e.expires !== undefined && e.expires.getTime() < now.getTime(),
  );
  const suppressions = options.suppressions ?? [];
  const context: RuleContext = { host: options.host };
  const findings: Finding[] = [];
  for (const spec of specs) {
    for (const rule of containerRules) {
      const config = policy.rules.get(rule.meta.id);
      if (config?.enabled !== true) continue;
      const hits = (
        rule.check as (
          s: ContainerSpec,
          o: unknown,
          c: RuleContext,
        ) => ReturnType<typeof rule.check>
      )(spec, config.options, context);
      for (const hit of hits) {
        const severity: Severity = config.severity ?? hit.severity ?? rule.meta.severity;
        const o = hit.origin;
        const finding: Finding = {
          ruleId: rule.meta.id,
          ruleName: rule.meta.name,
          title: rule.meta.title,
          severity,
          cis: [...rule.meta.cis],
          pss: rule.meta.pss,
          target: {
            kind: spec.target.kind,
            name: spec.target.name,
            ...(spec.target.image !== undefined ? { image: spec.target.image } : {}),
            ...((o.file ?? spec.target.origin.file) !== undefined
              ? { file: o.file ?? spec.target.origin.file }
              : {}),
            ...(o.line !== undefined ? { line: o.line } : {}),
            ...(o.column !== undefined ? { column: o.column } : {}),
            ...(o.argIndex !== undefined ? { argIndex: o.argIndex } : {}),
            ...(o.pointer !== undefined ? { pointer: o.pointer } : {}),
          },
          message: hit.message,
          remediation: rule.meta.remediation,
          docs: rule.meta.docs,
        };
        const exception = active.find((e) => exceptionMatches(e, spec, rule.meta.id));
        const inline = suppressions.find(
          (s) =>
            (s.ruleId === rule.meta.id || s.ruleId === rule.meta.name) &&
            s.file === finding.target.file &&
            (s.service === undefined || s.service === spec.target.service),
        );
        if (exception !== undefined)
          finding.suppressed = { reason: exception.reason, by: `exception at ${exception.at}` };
        else if (inline !== undefined)
          finding.suppressed = {
            reason: inline.reason,
            by: `dockward-ignore at ${inline.file}:${inline.line}`,
          };
        findings.push(finding);
      }
    }
  }
  return { findings, expiredExceptions: expired };
}
