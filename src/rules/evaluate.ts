import type { Policy, PolicyException } from "../policy/policy.js";
import type { Analysis } from "../pki/inspect.js";
import type { ProfileDocument } from "../seccomp/checks/document.js";
import type { DaemonSpec } from "../spec/daemon.js";
import type { ContainerSpec, Target } from "../spec/model.js";
import { containerRules, daemonRules, pkiRules, seccompRules } from "./registry.js";
import type {
  AnyRule,
  DaemonRuleContext,
  Finding,
  HostFacts,
  PkiRuleContext,
  RuleContext,
  RuleHit,
  SeccompRuleContext,
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
    const meta = rule.meta;
    const config = policy.rules.get(meta.id);
    for (const hit of hits) {
      const severity: Severity = config?.severity ?? hit.severity ?? meta.severity;
      const o = hit.origin;
      const where = o.file ?? file;
      // assigned one by one, in this order: the order of the keys in the JSON report
      const place: Finding["target"] = { kind: target.kind, name: target.name };
      if (target.image !== undefined) place.image = target.image;
      if (where !== undefined) place.file = where;
      if (o.line !== undefined) place.line = o.line;
      if (o.column !== undefined) place.column = o.column;
      if (o.argIndex !== undefined) place.argIndex = o.argIndex;
      if (o.pointer !== undefined) place.pointer = o.pointer;
      const finding: Finding = {
        ruleId: meta.id,
        ruleName: meta.name,
        title: meta.title,
        severity,
        cis: meta.cis.slice(),
        pss: meta.pss,
        target: place,
        message: hit.message,
        remediation: meta.remediation,
        docs: meta.docs,
      };
      const exception =
        active.length === 0 ? undefined : active.find((e) => exceptionMatches(e, target, meta.id));
      const inline =
        exception !== undefined || suppressions.length === 0
          ? undefined
          : suppressions.find(
              (s) =>
                (s.ruleId === meta.id || s.ruleId === meta.name) &&
                s.file === place.file &&
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

/** The rules the policy enables, in registry order, with their options. */
function enabledRules<R extends AnyRule>(
  rules: readonly R[],
  policy: Policy,
): { rule: R; options: unknown }[] {
  const out: { rule: R; options: unknown }[] = [];
  for (const rule of rules) {
    const config = policy.rules.get(rule.meta.id);
    if (config?.enabled === true) out.push({ rule, options: config.options });
  }
  return out;
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
  const rules = enabledRules(containerRules, policy);
  const judged: Judged[] = [];
  for (const spec of specs) {
    for (const { rule, options: ruleOptions } of rules) {
      const hits = (rule.check as (s: ContainerSpec, o: unknown, c: RuleContext) => RuleHit[])(
        spec,
        ruleOptions,
        context,
      );
      if (hits.length > 0)
        judged.push({ target: spec.target, file: spec.target.origin.file, rule, hits });
    }
  }
  return {
    findings: toFindings(judged, policy, active, options.suppressions ?? []),
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

/**
 * Judge certificate material (`dockward tls inspect`) with the policy's enabled PKI rules;
 * `target` names what was inspected (a directory or a file).
 */
export function evaluatePki(
  material: Analysis,
  target: Target,
  policy: Policy,
  options: { now?: Date; judged?: ReadonlySet<string> } = {},
): Evaluation {
  const now = options.now ?? new Date();
  const { active, expired } = splitExceptions(policy, now);
  const context: PkiRuleContext = { now, judged: options.judged ?? new Set() };
  function* judged(): Generator<Judged> {
    for (const rule of pkiRules) {
      const config = policy.rules.get(rule.meta.id);
      if (config?.enabled !== true) continue;
      const hits = (rule.check as (m: Analysis, o: unknown, c: PkiRuleContext) => RuleHit[])(
        material,
        config.options,
        context,
      );
      if (hits.length > 0) yield { target, file: target.origin.file, rule, hits };
    }
  }
  return { findings: toFindings(judged(), policy, active, []), expiredExceptions: expired };
}

/**
 * Judge a seccomp profile file (`dockward seccomp validate`) with the policy's enabled DW-SCMP
 * rules; `target` names the file. `context.dockerVersion` is the engine the profile is meant for.
 */
export function evaluateSeccomp(
  profile: ProfileDocument,
  target: Target,
  policy: Policy,
  context: SeccompRuleContext,
  options: { now?: Date } = {},
): Evaluation {
  const { active, expired } = splitExceptions(policy, options.now ?? new Date());
  function* judged(): Generator<Judged> {
    for (const rule of seccompRules) {
      const config = policy.rules.get(rule.meta.id);
      if (config?.enabled !== true) continue;
      const hits = (
        rule.check as (p: ProfileDocument, o: unknown, c: SeccompRuleContext) => RuleHit[]
      )(profile, config.options, context);
      if (hits.length > 0) yield { target, file: target.origin.file, rule, hits };
    }
  }
  return { findings: toFindings(judged(), policy, active, []), expiredExceptions: expired };
}
