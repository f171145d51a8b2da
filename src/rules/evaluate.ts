import type { Policy, PolicyException } from "../policy/policy.js";
import type { DaemonSpec } from "../spec/daemon.js";
import type { ContainerSpec, Target } from "../spec/model.js";
import { containerRules, daemonRules } from "./registry.js";
import type {
  AnyRule,
  DaemonRuleContext,
  Finding,
  HostFacts,
  RuleContext,
  RuleHit,
  Severity,
} from "./types.js";

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

function exceptionMatches(e: PolicyException, t: Target, ruleId: string): boolean {
  if (e.rules !== "*" && !e.rules.includes(ruleId)) return false;
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
  if (m.daemon !== undefined && (t.kind !== "daemon" || !globMatch(m.daemon, t.name))) return false;
  if (m.label !== undefined) {
    const eq = m.label.indexOf("=");
    const key = eq === -1 ? m.label : m.label.slice(0, eq);
    const value = eq === -1 ? undefined : m.label.slice(eq + 1);
    const actual = t.labels[key];
    if (actual === undefined || (value !== undefined && !globMatch(value, actual))) return false;
  }
  return true;
}

interface Judged {
  target: Target;
  /** the file a finding points into when the hit names none */
  file: string | undefined;
  rule: AnyRule;
  hits: RuleHit[];
}

/**
 * Findings from rule hits: the policy's severity override, the exception or inline
 * suppression that silences one. Shared by container and daemon evaluation.
 */
function toFindings(
  judged: Iterable<Judged>,
  policy: Policy,
  active: readonly PolicyException[],
  suppressions: readonly InlineSuppression[],
): Finding[] {
  const findings: Finding[] = [];
  for (const { target, file, rule, hits } of judged) {
    const config = policy.rules.get(rule.meta.id);
    for (const hit of hits) {
      const severity: Severity = config?.severity ?? hit.severity ?? rule.meta.severity;
      const o = hit.origin;
      const where = o.file ?? file;
      const finding: Finding = {
        ruleId: rule.meta.id,
        ruleName: rule.meta.name,
        title: rule.meta.title,
        severity,
        cis: [...rule.meta.cis],
        pss: rule.meta.pss,
        target: {
          kind: target.kind,
          name: target.name,
          ...(target.image !== undefined ? { image: target.image } : {}),
          ...(where !== undefined ? { file: where } : {}),
          ...(o.line !== undefined ? { line: o.line } : {}),
          ...(o.column !== undefined ? { column: o.column } : {}),
          ...(o.argIndex !== undefined ? { argIndex: o.argIndex } : {}),
          ...(o.pointer !== undefined ? { pointer: o.pointer } : {}),
        },
        message: hit.message,
        remediation: rule.meta.remediation,
        docs: rule.meta.docs,
      };
      const exception = active.find((e) => exceptionMatches(e, target, rule.meta.id));
      const inline = suppressions.find(
        (s) =>
          (s.ruleId === rule.meta.id || s.ruleId === rule.meta.name) &&
          s.file === finding.target.file &&
          (s.service === undefined || s.service === target.service),
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
  return findings;
}

function splitExceptions(
  policy: Policy,
  now: Date,
): { active: PolicyException[]; expired: PolicyException[] } {
  return {
    active: policy.exceptions.filter(
      (e) => e.expires === undefined || e.expires.getTime() >= now.getTime(),
    ),
    expired: policy.exceptions.filter(
      (e) => e.expires !== undefined && e.expires.getTime() < now.getTime(),
    ),
  };
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
  const { active, expired } = splitExceptions(policy, options.now ?? new Date());
  const context: RuleContext = { host: options.host };
  function* judged(): Generator<Judged> {
    for (const spec of specs) {
      for (const rule of containerRules) {
        const config = policy.rules.get(rule.meta.id);
        if (config?.enabled !== true) continue;
        const hits = (rule.check as (s: ContainerSpec, o: unknown, c: RuleContext) => RuleHit[])(
          spec,
          config.options,
          context,
        );
        if (hits.length > 0)
          yield { target: spec.target, file: spec.target.origin.file, rule, hits };
      }
    }
  }
  return {
    findings: toFindings(judged(), policy, active, options.suppressions ?? []),
    expiredExceptions: expired,
  };
}

/** Judge daemons with the policy's enabled daemon rules; the same policy, the same findings. */
export function evaluateDaemons(
  specs: readonly DaemonSpec[],
  policy: Policy,
  options: { now?: Date } = {},
): Evaluation {
  const now = options.now ?? new Date();
  const { active, expired } = splitExceptions(policy, now);
  const context: DaemonRuleContext = { now };
  function* judged(): Generator<Judged> {
    for (const spec of specs) {
      for (const rule of daemonRules) {
        const config = policy.rules.get(rule.meta.id);
        if (config?.enabled !== true) continue;
        const hits = (rule.check as (s: DaemonSpec, o: unknown, c: DaemonRuleContext) => RuleHit[])(
          spec,
          config.options,
          context,
        );
        if (hits.length > 0)
          yield { target: spec.target, file: spec.target.origin.file, rule, hits };
      }
    }
  }
  return { findings: toFindings(judged(), policy, active, []), expiredExceptions: expired };
}
