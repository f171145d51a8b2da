/**
 * `dockward seccomp diff`: what two profiles do differently, syscall by syscall, as the daemon
 * and runc would apply them. Also the rule reasoning deny.ts and merge.ts share: one rule for one
 * syscall as a normalised "shape", what a name gets unconditionally, which conditions exclude or
 * imply each other. Pure.
 *
 * How Docker applies a rule (moby profiles/seccomp setupSeccomp): `includes` needs the host's
 * architecture in `arches`, EVERY cap in `caps` and a kernel ≥ `minKernel`; `excludes` drops the
 * rule when the architecture is listed, ANY listed cap is held, or the kernel is ≥ `minKernel`.
 * Empty lists count as absent. Architecture is the host's (`amd64`, `arm64`, …), once per
 * container. What is left goes to runc, which skips rules whose action equals the default one.
 */
import type {
  SeccompAction,
  SeccompArchMap,
  SeccompArg,
  SeccompFilter,
  SeccompProfile,
  SeccompRule,
} from "./profile.js";

// ---------------------------------------------------------------------------------------------
// Outcomes

/** What a call gets: an action, with the errno for the actions that carry one. */
export interface Outcome {
  action: SeccompAction;
  /** for SCMP_ACT_ERRNO and SCMP_ACT_TRACE only; runc's default is EPERM (1) */
  errnoRet?: number;
}

const CARRIES_ERRNO: ReadonlySet<SeccompAction> = new Set(["SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"]);

/** The call goes through: ALLOW, or LOG (allowed and logged). */
export function isPermissive(action: SeccompAction): boolean {
  return action === "SCMP_ACT_ALLOW" || action === "SCMP_ACT_LOG";
}

/** The call certainly fails: an errno, a signal or death, whatever else runs on the host. */
export function isDenying(action: SeccompAction): boolean {
  return (
    action === "SCMP_ACT_ERRNO" ||
    action === "SCMP_ACT_KILL" ||
    action === "SCMP_ACT_KILL_THREAD" ||
    action === "SCMP_ACT_KILL_PROCESS" ||
    action === "SCMP_ACT_TRAP"
  );
}

export function outcome(action: SeccompAction, errnoRet: number | undefined): Outcome {
  return CARRIES_ERRNO.has(action) ? { action, errnoRet: errnoRet ?? 1 } : { action };
}

export function defaultOutcome(p: SeccompProfile): Outcome {
  return outcome(p.defaultAction, p.defaultErrnoRet);
}

export function sameOutcome(a: Outcome, b: Outcome): boolean {
  return a.action === b.action && a.errnoRet === b.errnoRet;
}

const ERRNO_NAMES: ReadonlyMap<number, string> = new Map([
  [1, "EPERM"],
  [2, "ENOENT"],
  [13, "EACCES"],
  [22, "EINVAL"],
  [38, "ENOSYS"],
  [95, "EOPNOTSUPP"],
]);

export function outcomeText(o: Outcome): string {
  if (o.errnoRet === undefined) return o.action;
  const name = ERRNO_NAMES.get(o.errnoRet);
  return `${o.action}(${name ?? String(o.errnoRet)})`;
}

/**
 * Whether the profile denies what it does not list (an allowlist), allows it (a denylist:
 * ALLOW or LOG), or leaves it to a tracer or a notify agent (TRACE, NOTIFY).
 */
export type Polarity = "allowlist" | "denylist" | "supervised";

export function profilePolarity(p: SeccompProfile): Polarity {
  if (isPermissive(p.defaultAction)) return "denylist";
  if (isDenying(p.defaultAction)) return "allowlist";
  return "supervised";
}

// ---------------------------------------------------------------------------------------------
// Rule shapes: one rule for one syscall, normalised

export interface NormFilter {
  /** sorted, unique; empty = no condition */
  caps: string[];
  arches: string[];
  minKernel?: string;
}

export interface RuleShape {
  outcome: Outcome;
  /** sorted by index, operator, value */
  args: SeccompArg[];
  includes: NormFilter;
  excludes: NormFilter;
  comment?: string;
}

function normKernel(k: string): string {
  const m = /^(\d+)\.(\d+)/.exec(k.trim());
  return m === null ? k : `${Number(m[1])}.${Number(m[2])}`;
}

function kernelNumber(k: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(k.trim());
  return m === null ? undefined : [Number(m[1]), Number(m[2])];
}

/** a - b for kernel versions, or undefined when either does not parse */
function compareKernel(a: string, b: string): number | undefined {
  const x = kernelNumber(a);
  const y = kernelNumber(b);
  if (x === undefined || y === undefined) return undefined;
  return x[0] !== y[0] ? x[0] - y[0] : x[1] - y[1];
}

function normFilter(f: SeccompFilter | undefined): NormFilter {
  return {
    caps: [...new Set(f?.caps ?? [])].sort(),
    arches: [...new Set(f?.arches ?? [])].sort(),
    ...(f?.minKernel !== undefined ? { minKernel: normKernel(f.minKernel) } : {}),
  };
}

function argOrder(a: SeccompArg, b: SeccompArg): number {
  if (a.index !== b.index) return a.index - b.index;
  if (a.op !== b.op) return a.op < b.op ? -1 : 1;
  if (a.value !== b.value) return a.value < b.value ? -1 : 1;
  return a.valueTwo === b.valueTwo ? 0 : a.valueTwo < b.valueTwo ? -1 : 1;
}

export function ruleShape(r: SeccompRule): RuleShape {
  return {
    outcome: outcome(r.action, r.errnoRet),
    args: [...(r.args ?? [])].sort(argOrder),
    includes: normFilter(r.includes),
    excludes: normFilter(r.excludes),
    ...(r.comment !== undefined && r.comment !== "" ? { comment: r.comment } : {}),
  };
}

function filterIsEmpty(f: NormFilter): boolean {
  return f.caps.length === 0 && f.arches.length === 0 && f.minKernel === undefined;
}

/** No argument filter and no includes/excludes: applies to every call of the syscall. */
export function isUnconditional(s: RuleShape): boolean {
  return s.args.length === 0 && filterIsEmpty(s.includes) && filterIsEmpty(s.excludes);
}

function argsKey(args: readonly SeccompArg[]): string {
  return JSON.stringify(
    args.map((a) => [a.index, a.op, a.value.toString(), a.valueTwo.toString()]),
  );
}

/** Identity of a shape without its comment. */
export function shapeKey(s: RuleShape): string {
  return JSON.stringify([
    s.outcome.action,
    s.outcome.errnoRet ?? null,
    argsKey(s.args),
    s.includes,
    s.excludes,
  ]);
}

/** Identity of the conditions alone (args, includes, excludes). */
export function conditionKey(s: RuleShape): string {
  return JSON.stringify([argsKey(s.args), s.includes, s.excludes]);
}

function filterToModel(f: NormFilter): SeccompFilter | undefined {
  if (filterIsEmpty(f)) return undefined;
  return {
    ...(f.caps.length > 0 ? { caps: [...f.caps] } : {}),
    ...(f.arches.length > 0 ? { arches: [...f.arches] } : {}),
    ...(f.minKernel !== undefined ? { minKernel: f.minKernel } : {}),
  };
}

/** A profile rule for `names` with this shape. */
export function shapeToRule(names: string[], s: RuleShape): SeccompRule {
  const includes = filterToModel(s.includes);
  const excludes = filterToModel(s.excludes);
  return {
    names,
    action: s.outcome.action,
    ...(s.outcome.errnoRet !== undefined ? { errnoRet: s.outcome.errnoRet } : {}),
    ...(s.args.length > 0 ? { args: s.args.map((a) => ({ ...a })) } : {}),
    ...(s.comment !== undefined ? { comment: s.comment } : {}),
    ...(includes !== undefined ? { includes } : {}),
    ...(excludes !== undefined ? { excludes } : {}),
  };
}

/** Every (name, shape) of a profile, in profile order. */
export function namedShapes(p: SeccompProfile): { name: string; shape: RuleShape }[] {
  const out: { name: string; shape: RuleShape }[] = [];
  for (const rule of p.syscalls) {
    const shape = ruleShape(rule);
    for (const name of rule.names) out.push({ name, shape });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reasoning about Docker's conditions (args are runc's business and are compared as written)

function subset(a: readonly string[], b: readonly string[]): boolean {
  return a.every((x) => b.includes(x));
}

/**
 * Whether `a` applies wherever `b` applies, with the same outcome and arguments: then `b` adds
 * nothing. Sufficient conditions only (false when unsure).
 */
export function subsumes(a: RuleShape, b: RuleShape): boolean {
  if (!sameOutcome(a.outcome, b.outcome)) return false;
  if (argsKey(a.args) !== argsKey(b.args)) return false;
  const inc = a.includes;
  const exc = a.excludes;
  if (!subset(inc.caps, b.includes.caps)) return false;
  if (inc.arches.length > 0) {
    if (b.includes.arches.length === 0 || !subset(b.includes.arches, inc.arches)) return false;
  }
  if (inc.minKernel !== undefined) {
    if (b.includes.minKernel === undefined) return false;
    const d = compareKernel(b.includes.minKernel, inc.minKernel);
    if (d === undefined || d < 0) return false;
  }
  if (!subset(exc.caps, b.excludes.caps)) return false;
  for (const arch of exc.arches) {
    const excludedByB = b.excludes.arches.includes(arch);
    const outsideB = b.includes.arches.length > 0 && !b.includes.arches.includes(arch);
    if (!excludedByB && !outsideB) return false;
  }
  if (exc.minKernel !== undefined) {
    if (b.excludes.minKernel === undefined) return false;
    const d = compareKernel(b.excludes.minKernel, exc.minKernel);
    if (d === undefined || d > 0) return false;
  }
  return true;
}

/** Whether Docker can never pass both rules to runc for one container (their filters clash). */
export function mutuallyExclusive(a: RuleShape, b: RuleShape): boolean {
  const clash = (x: RuleShape, y: RuleShape): boolean => {
    if (x.includes.caps.some((c) => y.excludes.caps.includes(c))) return true;
    if (x.includes.arches.length > 0) {
      if (
        y.includes.arches.length > 0 &&
        !x.includes.arches.some((v) => y.includes.arches.includes(v))
      )
        return true;
      if (subset(x.includes.arches, y.excludes.arches)) return true;
    }
    if (x.includes.minKernel !== undefined && y.excludes.minKernel !== undefined) {
      const d = compareKernel(x.includes.minKernel, y.excludes.minKernel);
      if (d !== undefined && d >= 0) return true;
    }
    return false;
  };
  return clash(a, b) || clash(b, a);
}

// ---------------------------------------------------------------------------------------------
// Text for conditions

function valueText(v: bigint, hex: boolean): string {
  return hex || v >= 0x10000n ? `0x${v.toString(16)}` : v.toString();
}

const OP_TEXT: Readonly<Record<string, string>> = {
  SCMP_CMP_NE: "!=",
  SCMP_CMP_LT: "<",
  SCMP_CMP_LE: "<=",
  SCMP_CMP_EQ: "==",
  SCMP_CMP_GE: ">=",
  SCMP_CMP_GT: ">",
};

export function argText(a: SeccompArg): string {
  if (a.op === "SCMP_CMP_MASKED_EQ") {
    // Docker's format: value is the mask, valueTwo the value compared with
    return `arg${a.index} & ${valueText(a.value, true)} == ${valueText(a.valueTwo, false)}`;
  }
  return `arg${a.index} ${OP_TEXT[a.op] ?? a.op} ${valueText(a.value, false)}`;
}

/** "when arg0 < 38, with CAP_SYS_ADMIN, not on s390, s390x" */
export function conditionText(s: RuleShape): string {
  const parts: string[] = [];
  if (s.args.length > 0) {
    const indexes = s.args.map((a) => a.index);
    // runc turns several conditions on one argument into one rule each: they are ORed
    const joiner = new Set(indexes).size < indexes.length ? " or " : " and ";
    parts.push(`when ${s.args.map(argText).join(joiner)}`);
  }
  const inc = s.includes;
  const exc = s.excludes;
  if (inc.caps.length > 0) parts.push(`with ${inc.caps.join(" and ")}`);
  if (inc.arches.length > 0) parts.push(`on ${inc.arches.join(", ")}`);
  if (inc.minKernel !== undefined) parts.push(`on kernel >= ${inc.minKernel}`);
  if (exc.caps.length === 1) parts.push(`without ${exc.caps.join("")}`);
  if (exc.caps.length > 1) parts.push(`without any of ${exc.caps.join(", ")}`);
  if (exc.arches.length > 0) parts.push(`not on ${exc.arches.join(", ")}`);
  if (exc.minKernel !== undefined) parts.push(`on kernel < ${exc.minKernel}`);
  return parts.join(", ");
}

export function shapeText(s: RuleShape): string {
  const cond = conditionText(s);
  return cond === "" ? outcomeText(s.outcome) : `${outcomeText(s.outcome)} ${cond}`;
}

/** A reading order: action, then arguments by index and value, then the rest of the key. */
export function compareShapes(a: RuleShape, b: RuleShape): number {
  if (a.outcome.action !== b.outcome.action) return a.outcome.action < b.outcome.action ? -1 : 1;
  const n = Math.min(a.args.length, b.args.length);
  for (let i = 0; i < n; i++) {
    const x = a.args[i];
    const y = b.args[i];
    if (x === undefined || y === undefined) break;
    if (x.index !== y.index) return x.index - y.index;
    if (x.value !== y.value) return x.value < y.value ? -1 : 1;
  }
  if (a.args.length !== b.args.length) return a.args.length - b.args.length;
  const ka = shapeKey(a);
  const kb = shapeKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Effective behaviour of one syscall

export interface Effective {
  /** what every call gets unless a conditional rule below applies */
  unconditional: Outcome;
  /** whether that comes from a rule or from the default action */
  from: "rule" | "default";
  /** rules with conditions whose outcome differs from the unconditional one, sorted, unique */
  conditional: RuleShape[];
}

/**
 * What `name` gets under `p`. With several unconditional rules the first one counts (runc adds
 * rules in order); conditional rules with the unconditional outcome change nothing and are left
 * out, as are duplicates.
 */
export function effectiveBehaviour(p: SeccompProfile, name: string): Effective {
  return effectiveOf(
    namedShapes(p)
      .filter((n) => n.name === name)
      .map((n) => n.shape),
    defaultOutcome(p),
  );
}

function effectiveOf(shapes: readonly RuleShape[], dflt: Outcome): Effective {
  const first = shapes.find(isUnconditional);
  const unconditional = first?.outcome ?? dflt;
  const seen = new Map<string, RuleShape>();
  for (const s of shapes) {
    if (isUnconditional(s) || sameOutcome(s.outcome, unconditional)) continue;
    const key = shapeKey(s);
    if (!seen.has(key)) seen.set(key, s);
  }
  return {
    unconditional,
    from: first === undefined ? "default" : "rule",
    conditional: [...seen.values()].sort(compareShapes),
  };
}

/** Every name's shapes, in profile order. */
function shapesByName(p: SeccompProfile): Map<string, RuleShape[]> {
  const byName = new Map<string, RuleShape[]>();
  for (const { name, shape } of namedShapes(p)) {
    const list = byName.get(name);
    if (list === undefined) byName.set(name, [shape]);
    else list.push(shape);
  }
  return byName;
}

function effectiveKey(e: Effective): string {
  return JSON.stringify([
    e.unconditional.action,
    e.unconditional.errnoRet ?? null,
    e.conditional.map(shapeKey),
  ]);
}

/** Whether the syscall goes through in some case (unconditionally or under some condition). */
export function allowsSomehow(e: Effective): boolean {
  return (
    isPermissive(e.unconditional.action) ||
    e.conditional.some((s) => isPermissive(s.outcome.action))
  );
}

// ---------------------------------------------------------------------------------------------
// The diff

export type SyscallChange = "added" | "removed" | "changed";

export interface SyscallDiff {
  name: string;
  /**
   * added: B lets it through in some case where A never does; removed: the reverse; changed:
   * both let it through (or both never do) but under other conditions or with another outcome.
   */
  change: SyscallChange;
  a: Effective;
  b: Effective;
}

export interface SettingDiff {
  setting: "default" | "architectures" | "flags" | "listenerPath" | "listenerMetadata";
  a: string;
  b: string;
}

export interface ProfileDiff {
  equal: boolean;
  settings: SettingDiff[];
  syscalls: SyscallDiff[];
}

function archMapText(m: readonly SeccompArchMap[]): string[] {
  const seen = new Map<string, string>();
  // the daemon takes the first entry for the host's architecture
  for (const e of m) {
    if (seen.has(e.architecture)) continue;
    const subs = [...new Set(e.subArchitectures)].sort();
    seen.set(
      e.architecture,
      subs.length > 0 ? `${e.architecture} (+${subs.join(", ")})` : e.architecture,
    );
  }
  return [...seen.keys()].sort().map((k) => seen.get(k) ?? k);
}

/** The architectures a profile names, as one comparable line. */
export function architecturesText(p: SeccompProfile): string {
  if (p.archMap !== undefined && p.archMap.length > 0)
    return `archMap ${archMapText(p.archMap).join("; ")}`;
  if (p.architectures !== undefined && p.architectures.length > 0)
    return `architectures ${[...new Set(p.architectures)].sort().join(", ")}`;
  return "(none: the native architecture only)";
}

function settingsOf(p: SeccompProfile): Record<SettingDiff["setting"], string> {
  return {
    default: outcomeText(defaultOutcome(p)),
    architectures: architecturesText(p),
    flags:
      p.flags !== undefined && p.flags.length > 0
        ? [...new Set(p.flags)].sort().join(", ")
        : "(none)",
    listenerPath: p.listenerPath ?? "(none)",
    listenerMetadata: p.listenerMetadata ?? "(none)",
  };
}

/**
 * What B does differently from A. Syscalls are the names either profile mentions (a name
 * neither mentions gets the default action in both, which `settings` compares); sorted by name.
 */
export function diffProfiles(a: SeccompProfile, b: SeccompProfile): ProfileDiff {
  const sa = settingsOf(a);
  const sb = settingsOf(b);
  const settings: SettingDiff[] = [];
  for (const setting of [
    "default",
    "architectures",
    "flags",
    "listenerPath",
    "listenerMetadata",
  ] as const) {
    if (sa[setting] !== sb[setting]) settings.push({ setting, a: sa[setting], b: sb[setting] });
  }
  const byNameA = shapesByName(a);
  const byNameB = shapesByName(b);
  const names = [...new Set([...byNameA.keys(), ...byNameB.keys()])].sort();
  const syscalls: SyscallDiff[] = [];
  for (const name of names) {
    const ea = effectiveOf(byNameA.get(name) ?? [], defaultOutcome(a));
    const eb = effectiveOf(byNameB.get(name) ?? [], defaultOutcome(b));
    if (effectiveKey(ea) === effectiveKey(eb)) continue;
    const wasAllowed = allowsSomehow(ea);
    const isAllowed = allowsSomehow(eb);
    const change: SyscallChange =
      !wasAllowed && isAllowed ? "added" : wasAllowed && !isAllowed ? "removed" : "changed";
    syscalls.push({ name, change, a: ea, b: eb });
  }
  return { equal: settings.length === 0 && syscalls.length === 0, settings, syscalls };
}

// ---------------------------------------------------------------------------------------------
// Output

const MARK: Readonly<Record<SyscallChange, string>> = { added: "+", removed: "-", changed: "~" };

function effectiveLines(e: Effective): string[] {
  const head = `${outcomeText(e.unconditional)}${e.from === "default" ? " (default action)" : ""}`;
  return [head, ...e.conditional.map(shapeText)];
}

/** "    a: first\n       second" */
function side(tag: "a" | "b", lines: readonly string[]): string[] {
  return lines.map((l, i) => (i === 0 ? `    ${tag}: ${l}` : `       ${l}`));
}

/**
 * The diff for a person: which file is a and which b, settings, one entry per syscall ("NAME:
 * A → B" when neither side has conditional rules, else both sides listed), then counts.
 */
export function diffText(d: ProfileDiff, labelA: string, labelB: string): string {
  const out: string[] = [`--- a: ${labelA}`, `+++ b: ${labelB}`];
  if (d.equal) {
    out.push("the profiles behave the same");
    return `${out.join("\n")}\n`;
  }
  for (const s of d.settings) out.push(`${s.setting}: ${s.a} → ${s.b}`);
  for (const s of d.syscalls) {
    const a = effectiveLines(s.a);
    const b = effectiveLines(s.b);
    if (a.length === 1 && b.length === 1) {
      out.push(`${MARK[s.change]} ${s.name}: ${a.join("")} → ${b.join("")}`);
      continue;
    }
    out.push(`${MARK[s.change]} ${s.name}`, ...side("a", a), ...side("b", b));
  }
  const count = (c: SyscallChange): number => d.syscalls.filter((s) => s.change === c).length;
  out.push(
    `${count("added")} added, ${count("removed")} removed, ${count("changed")} changed; settings changed: ${d.settings.length}`,
  );
  return `${out.join("\n")}\n`;
}

function filterJson(f: NormFilter): Record<string, unknown> | undefined {
  if (filterIsEmpty(f)) return undefined;
  return {
    ...(f.caps.length > 0 ? { caps: f.caps } : {}),
    ...(f.arches.length > 0 ? { arches: f.arches } : {}),
    ...(f.minKernel !== undefined ? { minKernel: f.minKernel } : {}),
  };
}

function outcomeJson(o: Outcome): Record<string, unknown> {
  return { action: o.action, ...(o.errnoRet !== undefined ? { errnoRet: o.errnoRet } : {}) };
}

function effectiveJson(e: Effective): Record<string, unknown> {
  return {
    ...outcomeJson(e.unconditional),
    from: e.from,
    conditional: e.conditional.map((s) => {
      const inc = filterJson(s.includes);
      const exc = filterJson(s.excludes);
      return {
        ...outcomeJson(s.outcome),
        // uint64 values as decimal strings: exact, whatever the reader's number type
        args: s.args.map((a) => ({
          index: a.index,
          op: a.op,
          value: a.value.toString(),
          valueTwo: a.valueTwo.toString(),
        })),
        ...(inc !== undefined ? { includes: inc } : {}),
        ...(exc !== undefined ? { excludes: exc } : {}),
        text: shapeText(s),
      };
    }),
  };
}

/** The diff as stable JSON (key order fixed, syscalls sorted by name). */
export function diffJson(d: ProfileDiff, labelA: string, labelB: string): string {
  const count = (c: SyscallChange): number => d.syscalls.filter((s) => s.change === c).length;
  return `${JSON.stringify(
    {
      a: labelA,
      b: labelB,
      equal: d.equal,
      summary: { added: count("added"), removed: count("removed"), changed: count("changed") },
      settings: d.settings,
      syscalls: d.syscalls.map((s) => ({
        name: s.name,
        change: s.change,
        a: effectiveJson(s.a),
        b: effectiveJson(s.b),
      })),
    },
    null,
    2,
  )}\n`;
}
