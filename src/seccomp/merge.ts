/**
 * `dockward seccomp merge`: one profile that lets through what any of its inputs lets through,
 * e.g. the profiles recorded from several runs of one workload. Pure. The rules are in
 * docs/seccomp-generate.md; in short:
 *
 * - Allowlists (default action denies) merge by union: a call any input allows unconditionally
 *   is allowed unconditionally; otherwise every input's rules for it are kept (duplicates and
 *   rules another one covers dropped). Deny rules that only repeat their input's default action
 *   are dropped. The default action becomes the strictest of the inputs'.
 * - Denylists (default action allows) merge by intersection of what they deny: a call stays
 *   denied only if every input denies it, and only where they deny it the same way.
 * - Anything else is refused (exit 2) with the reason: an allowlist with a denylist, a TRACE or
 *   NOTIFY default (what passes is decided by another process), rules for one call that Docker
 *   may apply together with different outcomes, different errnos for the default action,
 *   different notify listeners, `architectures` in one input and `archMap` in another.
 */
import { DockwardError } from "../errors.js";
import {
  compareShapes,
  defaultOutcome,
  isDenying,
  isPermissive,
  isUnconditional,
  mutuallyExclusive,
  namedShapes,
  outcomeText,
  profilePolarity,
  type RuleShape,
  sameOutcome,
  shapeKey,
  shapeText,
  shapeToRule,
  subsumes,
} from "./diff.js";
import type {
  SeccompAction,
  SeccompArch,
  SeccompArchMap,
  SeccompFlag,
  SeccompProfile,
  SeccompRule,
} from "./profile.js";

export interface MergeInput {
  /** how messages name it: the file name */
  label: string;
  profile: SeccompProfile;
}

function refuse(message: string, hint: string): never {
  throw new DockwardError("BAD_INPUT", message, { hint });
}

/** How strict a denying default is: the merge takes the highest. */
const STRICTNESS: Readonly<Partial<Record<SeccompAction, number>>> = {
  SCMP_ACT_ERRNO: 0,
  SCMP_ACT_TRAP: 1,
  SCMP_ACT_KILL: 2,
  SCMP_ACT_KILL_THREAD: 2,
  SCMP_ACT_KILL_PROCESS: 3,
};

function mergedDefault(
  inputs: readonly MergeInput[],
  allowlist: boolean,
): Pick<SeccompProfile, "defaultAction" | "defaultErrnoRet"> {
  if (!allowlist) {
    // allow and allow-and-log give the same access; keep the log if any input asked for it
    const log = inputs.some((i) => i.profile.defaultAction === "SCMP_ACT_LOG");
    return { defaultAction: log ? "SCMP_ACT_LOG" : "SCMP_ACT_ALLOW" };
  }
  let action: SeccompAction = "SCMP_ACT_ERRNO";
  for (const { profile } of inputs) {
    const rank = STRICTNESS[profile.defaultAction] ?? 0;
    const current = STRICTNESS[action] ?? 0;
    // KILL and KILL_THREAD are one action in libseccomp; say it the explicit way
    if (rank > current || (rank === current && profile.defaultAction === "SCMP_ACT_KILL_THREAD")) {
      action = profile.defaultAction;
    }
  }
  if (action !== "SCMP_ACT_ERRNO") return { defaultAction: action };
  const errnoInputs = inputs.filter((i) => i.profile.defaultAction === "SCMP_ACT_ERRNO");
  const errnos = new Set(errnoInputs.map((i) => defaultOutcome(i.profile).errnoRet));
  if (errnos.size > 1) {
    refuse(
      `cannot merge: the inputs deny unlisted calls with different errnos (${errnoInputs
        .map((i) => `${i.label}: ${outcomeText(defaultOutcome(i.profile))}`)
        .join(
          ", ",
        )}); programs decide whether to fall back on that errno, so dockward will not pick one`,
      "give the inputs the same defaultErrnoRet (Docker's is 1, EPERM) and merge again",
    );
  }
  const explicit = errnoInputs.find((i) => i.profile.defaultErrnoRet !== undefined);
  return explicit?.profile.defaultErrnoRet !== undefined
    ? { defaultAction: action, defaultErrnoRet: explicit.profile.defaultErrnoRet }
    : { defaultAction: action };
}

function mergedArchitectures(
  inputs: readonly MergeInput[],
): Pick<SeccompProfile, "architectures" | "archMap"> {
  const withMap = inputs.filter((i) => (i.profile.archMap ?? []).length > 0);
  const withList = inputs.filter((i) => (i.profile.architectures ?? []).length > 0);
  const [mapInput] = withMap;
  const [listInput] = withList;
  if (mapInput !== undefined && listInput !== undefined) {
    refuse(
      `cannot merge ${mapInput.label} (archMap: compat architectures chosen by the host's) with ${listInput.label} (architectures: one fixed list); the daemon reads them differently`,
      "give both inputs the same form: archMap, as Docker's default profile has it, is the usual one",
    );
  }
  if (mapInput !== undefined) {
    const byArch = new Map<SeccompArch, Set<SeccompArch>>();
    for (const { profile } of withMap) {
      const seen = new Set<SeccompArch>();
      for (const entry of profile.archMap ?? []) {
        // the daemon uses the first entry for an architecture
        if (seen.has(entry.architecture)) continue;
        seen.add(entry.architecture);
        const subs = byArch.get(entry.architecture) ?? new Set<SeccompArch>();
        for (const s of entry.subArchitectures) subs.add(s);
        byArch.set(entry.architecture, subs);
      }
    }
    const archMap: SeccompArchMap[] = [...byArch.keys()].sort().map((architecture) => ({
      architecture,
      subArchitectures: [...(byArch.get(architecture) ?? [])].sort(),
    }));
    return { archMap };
  }
  if (listInput !== undefined) {
    return {
      architectures: [...new Set(withList.flatMap((i) => i.profile.architectures ?? []))].sort(),
    };
  }
  return {};
}

function mergedFlags(inputs: readonly MergeInput[]): Pick<SeccompProfile, "flags"> {
  const all = new Set<SeccompFlag>(inputs.flatMap((i) => i.profile.flags ?? []));
  // SPEC_ALLOW turns a CPU mitigation off: only when every input does
  if (!inputs.every((i) => (i.profile.flags ?? []).includes("SECCOMP_FILTER_FLAG_SPEC_ALLOW"))) {
    all.delete("SECCOMP_FILTER_FLAG_SPEC_ALLOW");
  }
  return all.size > 0 ? { flags: [...all].sort() } : {};
}

function mergedListener(
  inputs: readonly MergeInput[],
): Pick<SeccompProfile, "listenerPath" | "listenerMetadata"> {
  const out: Pick<SeccompProfile, "listenerPath" | "listenerMetadata"> = {};
  for (const key of ["listenerPath", "listenerMetadata"] as const) {
    const given = inputs.filter((i) => i.profile[key] !== undefined);
    const values = new Set(given.map((i) => i.profile[key]));
    if (values.size > 1) {
      refuse(
        `cannot merge: the inputs name different ${key} values (${given.map((i) => `${i.label}: ${JSON.stringify(i.profile[key])}`).join(", ")}); a container has one notify agent`,
        `give the inputs the same ${key}`,
      );
    }
    const value = given[0]?.profile[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

interface Tagged {
  shape: RuleShape;
  label: string;
  /** the input's position, for messages */
  order: number;
}

/**
 * The shapes without duplicates and without those another one covers. Independent of the order
 * of the inputs: of equal shapes the one with the smallest comment stays.
 */
function minimal(shapes: readonly Tagged[]): Tagged[] {
  const unique = new Map<string, Tagged>();
  for (const t of shapes) {
    const key = shapeKey(t.shape);
    const seen = unique.get(key);
    if (seen === undefined || (t.shape.comment ?? "\uffff") < (seen.shape.comment ?? "\uffff")) {
      unique.set(key, t);
    }
  }
  const list = [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, t]) => t);
  return list.filter(
    (t, i) =>
      !list.some(
        (o, j) => j !== i && subsumes(o.shape, t.shape) && !(j > i && subsumes(t.shape, o.shape)),
      ),
  );
}

/** Refuses when Docker could hand runc two rules for `name` with different outcomes at once. */
function checkCompatible(name: string, shapes: readonly Tagged[]): void {
  for (const [i, a] of shapes.entries()) {
    for (const b of shapes.slice(i + 1)) {
      if (sameOutcome(a.shape.outcome, b.shape.outcome) || mutuallyExclusive(a.shape, b.shape))
        continue;
      // different outcomes on different argument values are for libseccomp to sort out
      if (a.shape.args.length > 0 && b.shape.args.length > 0) continue;
      const [x, y] = a.order <= b.order ? [a, b] : [b, a];
      refuse(
        `cannot merge the rules for ${name}: ${x.label} has "${shapeText(x.shape)}" and ${y.label} has "${shapeText(y.shape)}"; both can apply to one container, and then one of them silently loses`,
        `make the inputs agree on ${name} (e.g. drop one of the rules), or pass ${name} to \`dockward seccomp deny --syscalls\` after merging`,
      );
    }
  }
}

/** Per name, the rules of the merged profile; names sorted, rules of one shape grouped. */
function assemble(perName: Map<string, Tagged[]>): SeccompRule[] {
  const groups = new Map<string, { names: string[]; shape: RuleShape }>();
  const uncond: string[] = [];
  for (const name of [...perName.keys()].sort()) {
    const shapes = perName.get(name) ?? [];
    for (const { shape } of [...shapes].sort((a, b) => compareShapes(a.shape, b.shape))) {
      if (isUnconditional(shape) && shape.outcome.action === "SCMP_ACT_ALLOW") {
        uncond.push(name);
        continue;
      }
      const key = shapeKey(shape);
      const g = groups.get(key);
      if (g === undefined) groups.set(key, { names: [name], shape });
      else g.names.push(name);
    }
  }
  const rules: SeccompRule[] = [];
  if (uncond.length > 0) rules.push({ names: uncond, action: "SCMP_ACT_ALLOW" });
  const ordered = [...groups.values()].sort((a, b) => compareShapes(a.shape, b.shape));
  for (const g of ordered) rules.push(shapeToRule(g.names, g.shape));
  return rules;
}

function mergeAllowlists(inputs: readonly MergeInput[]): Map<string, Tagged[]> {
  const byName = new Map<string, Tagged[]>();
  for (const [order, { label, profile }] of inputs.entries()) {
    const dflt = defaultOutcome(profile);
    for (const { name, shape } of namedShapes(profile)) {
      // "deny X with the default's errno" only says what the default says (runc skips it)
      if (isDenying(shape.outcome.action) && sameOutcome(shape.outcome, dflt)) continue;
      const list = byName.get(name) ?? [];
      list.push({ shape, label, order });
      byName.set(name, list);
    }
  }
  const out = new Map<string, Tagged[]>();
  for (const [name, shapes] of byName) {
    const free = shapes.filter(
      (t) => isUnconditional(t.shape) && isPermissive(t.shape.outcome.action),
    );
    if (free.length > 0) {
      // allowed outright by one input: nothing else matters for the union
      const chosen = free.find((t) => t.shape.outcome.action === "SCMP_ACT_ALLOW") ?? free[0];
      if (chosen === undefined) continue;
      out.set(name, [
        {
          ...chosen,
          shape: {
            outcome: chosen.shape.outcome,
            args: [],
            includes: chosen.shape.includes,
            excludes: chosen.shape.excludes,
          },
        },
      ]);
      continue;
    }
    const kept = minimal(shapes);
    checkCompatible(name, kept);
    out.set(name, kept);
  }
  return out;
}

function mergeDenylists(inputs: readonly MergeInput[]): Map<string, Tagged[]> {
  const names = new Set(inputs.flatMap((i) => i.profile.syscalls.flatMap((r) => r.names)));
  const out = new Map<string, Tagged[]>();
  for (const name of names) {
    const sets = inputs.map(({ label, profile }, order) => ({
      label,
      shapes: minimal(
        namedShapes(profile)
          .filter((n) => n.name === name)
          .map((n) => ({ shape: n.shape, label, order })),
      ),
    }));
    // an input that never denies the call lets it through: so does the union
    if (sets.some((s) => !s.shapes.some((t) => isDenying(t.shape.outcome.action)))) continue;
    const keyOf = (s: { shapes: Tagged[] }): string =>
      JSON.stringify(s.shapes.map((t) => shapeKey(t.shape)).sort());
    // "always denied" adds nothing to an input that denies the call only in some cases
    const always = (s: { shapes: Tagged[] }): boolean =>
      s.shapes.length === 1 && s.shapes.every((t) => isUnconditional(t.shape));
    const partial = sets.filter((s) => !always(s));
    const deciding = partial.length > 0 ? partial : sets;
    const first = deciding[0];
    if (first === undefined) continue;
    const other = deciding.find((s) => keyOf(s) !== keyOf(first));
    if (other !== undefined) {
      refuse(
        `cannot merge the rules for ${name}: ${first.label} has ${first.shapes.map((t) => `"${shapeText(t.shape)}"`).join(", ")} and ${other.label} has ${other.shapes.map((t) => `"${shapeText(t.shape)}"`).join(", ")}; the union would deny ${name} only where both deny it, which one rule set cannot say`,
        `make the inputs deny ${name} the same way, or merge without it and add it with \`dockward seccomp deny --syscalls ${name} --from MERGED\``,
      );
    }
    out.set(name, first.shapes);
  }
  return out;
}

/**
 * The union of what `inputs` let through, as one profile with sorted names. Throws a
 * DockwardError (BAD_INPUT, exit 2) naming the inputs when they cannot be merged safely.
 *
 * @example
 * const merged = mergeProfiles([{ label: "run1.json", profile: a }, { label: "run2.json", profile: b }]);
 */
export function mergeProfiles(inputs: readonly MergeInput[]): SeccompProfile {
  const [first] = inputs;
  if (first === undefined) throw new DockwardError("USAGE", "merge needs at least one profile");
  for (const input of inputs) {
    if (profilePolarity(input.profile) === "supervised") {
      refuse(
        `cannot merge ${input.label}: its defaultAction ${input.profile.defaultAction} hands unlisted calls to ${input.profile.defaultAction === "SCMP_ACT_NOTIFY" ? "a notify agent" : "a tracer"}, so what it lets through is not in the profile`,
        "merge profiles whose defaultAction allows (SCMP_ACT_ALLOW, SCMP_ACT_LOG) or denies (SCMP_ACT_ERRNO, SCMP_ACT_KILL*, SCMP_ACT_TRAP)",
      );
    }
  }
  const allowlist = profilePolarity(first.profile) === "allowlist";
  const odd = inputs.find((i) => (profilePolarity(i.profile) === "allowlist") !== allowlist);
  if (odd !== undefined) {
    const [deny, allow] = allowlist ? [first, odd] : [odd, first];
    refuse(
      `cannot merge ${deny.label} (denies what it does not list: ${deny.profile.defaultAction}) with ${allow.label} (allows what it does not list: ${allow.profile.defaultAction}); their union would allow every call ${allow.label} does not deny, throwing ${deny.label}'s allowlist away`,
      `merge allowlists with allowlists; to take calls away from ${deny.label}, use \`dockward seccomp deny --from ${deny.label} --syscalls …\``,
    );
  }
  const perName = allowlist ? mergeAllowlists(inputs) : mergeDenylists(inputs);
  return {
    ...mergedDefault(inputs, allowlist),
    ...mergedArchitectures(inputs),
    ...mergedFlags(inputs),
    ...mergedListener(inputs),
    syscalls: assemble(perName),
  };
}
