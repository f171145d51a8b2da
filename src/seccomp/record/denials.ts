/**
 * Which call a profile refused, and why: the profile with every refusal turned into
 * SCMP_ACT_LOG (so a rerun logs each call the original would have refused, and refuses none),
 * and the rule or default of the original that refuses a given call. Pure.
 */
import type { SeccompAction, SeccompProfile, SeccompRule } from "../profile.js";

/** Everything but ALLOW and LOG makes the call fail (TRACE without a tracer: ENOSYS). */
export function refuses(action: SeccompAction): boolean {
  return action !== "SCMP_ACT_ALLOW" && action !== "SCMP_ACT_LOG";
}

function relaxed(action: SeccompAction): SeccompAction {
  // a LOG of the original allows: it must not show up as a refusal in the rerun
  if (action === "SCMP_ACT_LOG") return "SCMP_ACT_ALLOW";
  return refuses(action) ? "SCMP_ACT_LOG" : action;
}

/**
 * The profile that logs what `p` refuses and allows what `p` allows: the same rules, arguments
 * and conditions, with only the actions changed (errno values go: they belong to ERRNO).
 */
export function refusalsLogged(p: SeccompProfile): SeccompProfile {
  return {
    defaultAction: relaxed(p.defaultAction),
    ...(p.architectures !== undefined ? { architectures: p.architectures } : {}),
    ...(p.archMap !== undefined ? { archMap: p.archMap } : {}),
    syscalls: p.syscalls.map((r): SeccompRule => {
      const rule: SeccompRule = { ...r, action: relaxed(r.action) };
      delete rule.errnoRet;
      return rule;
    }),
  };
}

/** What the daemon knows when it turns a profile into runc's filter. */
export interface FilterContext {
  /** canonical capability names without CAP_ (SYS_ADMIN) */
  capabilities: ReadonlySet<string>;
  /** Go's name of the daemon's architecture: amd64, arm64, 386, arm */
  goArch: string;
  /** the running kernel, `major.minor` or longer */
  kernel: string;
}

function kernelAtLeast(kernel: string, min: string): boolean {
  const [a = 0, b = 0] = kernel.split(/[.-]/).map(Number);
  const [c = 0, d = 0] = min.split(".").map(Number);
  return a > c || (a === c && b >= d);
}

function capName(c: string): string {
  return c.toUpperCase().replace(/^CAP_/, "");
}

/** Whether the daemon keeps a rule for this container (moby's includes/excludes). */
export function ruleApplies(rule: SeccompRule, ctx: FilterContext): boolean {
  const inc = rule.includes;
  if (inc !== undefined) {
    if (inc.arches !== undefined && inc.arches.length > 0 && !inc.arches.includes(ctx.goArch))
      return false;
    if (inc.caps !== undefined && !inc.caps.every((c) => ctx.capabilities.has(capName(c))))
      return false;
    if (inc.minKernel !== undefined && !kernelAtLeast(ctx.kernel, inc.minKernel)) return false;
  }
  const exc = rule.excludes;
  if (exc !== undefined) {
    if (exc.arches?.includes(ctx.goArch) === true) return false;
    if (exc.caps?.some((c) => ctx.capabilities.has(capName(c))) === true) return false;
    if (exc.minKernel !== undefined && kernelAtLeast(ctx.kernel, exc.minKernel)) return false;
  }
  return true;
}

export type Refusal =
  | { by: "rule"; index: number; action: SeccompAction; conditional: boolean }
  | {
      by: "default";
      action: SeccompAction;
      /** rules that allow the call only when its arguments match: this call's did not */
      conditionalAllows: number[];
    }
  | { by: "unexplained" };

/** The part of `p` that refuses a call to `name` in this context. */
export function explainRefusal(p: SeccompProfile, name: string, ctx: FilterContext): Refusal {
  const rules = p.syscalls
    .map((rule, index) => ({ rule, index }))
    .filter(({ rule }) => rule.names.includes(name) && ruleApplies(rule, ctx));
  const unconditional = (r: SeccompRule): boolean => r.args === undefined || r.args.length === 0;
  const denying = rules.filter(({ rule }) => refuses(rule.action));
  const plainDeny = denying.find(({ rule }) => unconditional(rule));
  if (plainDeny !== undefined) {
    return {
      by: "rule",
      index: plainDeny.index,
      action: plainDeny.rule.action,
      conditional: false,
    };
  }
  const allowing = rules.filter(({ rule }) => !refuses(rule.action));
  if (allowing.some(({ rule }) => unconditional(rule))) {
    const argDeny = denying[0];
    return argDeny !== undefined
      ? { by: "rule", index: argDeny.index, action: argDeny.rule.action, conditional: true }
      : { by: "unexplained" };
  }
  const argDeny = denying[0];
  if (argDeny !== undefined) {
    return { by: "rule", index: argDeny.index, action: argDeny.rule.action, conditional: true };
  }
  if (!refuses(p.defaultAction)) return { by: "unexplained" };
  return {
    by: "default",
    action: p.defaultAction,
    conditionalAllows: allowing.map(({ index }) => index),
  };
}

/** One line for a refusal: "syscalls[3] (SCMP_ACT_ERRNO)" or "the defaultAction SCMP_ACT_ERRNO …". */
export function describeRefusal(r: Refusal): string {
  switch (r.by) {
    case "rule":
      return `refused by syscalls[${r.index}] (${r.action}${r.conditional ? ", for the arguments it matches" : ""})`;
    case "default":
      return r.conditionalAllows.length > 0
        ? `refused by the defaultAction ${r.action}: syscalls[${r.conditionalAllows.join("], syscalls[")}] allow it only for certain arguments, and this call's did not match`
        : `refused by the defaultAction ${r.action}: no rule allows it`;
    case "unexplained":
      return "logged, though the profile seems to allow it (an architecture or condition the daemon resolved differently)";
  }
}
