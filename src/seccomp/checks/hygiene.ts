/**
 * DW-SCMP-009…014: profiles the daemon and runc accept but run differently from what they seem
 * to say — silently ignored fields and names, rules that never apply or apply another way.
 */
import { defineSeccompRule, noOptions } from "../../rules/define.js";
import type { RuleHit } from "../../rules/types.js";
import { goFold } from "../../json/fold.js";
import { ALL_CAPABILITIES } from "../../spec/capabilities.js";
import {
  isKnownSyscall,
  SYSCALL_ARCHES,
  SYSCALL_TABLE_SOURCE,
  type SyscallArch,
  syscallNames,
  tableForScmpArch,
} from "../syscalls/index.js";
import { atLeast, dockerLabel } from "./docker-version.js";
import {
  type At,
  effectiveAction,
  FIELDS,
  isMistyped,
  originOf,
  PERMISSIVE_ACTIONS,
  type ProfileDocument,
  type ProfileView,
  type RuleView,
  ruleNames,
  rulesOf,
  type Where,
} from "./document.js";
import { didYouMean } from "./suggest.js";

const hit = (
  doc: ProfileDocument,
  where: Where,
  message: string,
  severity?: RuleHit["severity"],
): RuleHit => ({
  message,
  origin: originOf(doc, where),
  ...(severity !== undefined ? { severity } : {}),
});

type Level = keyof typeof FIELDS;

const LEVEL_NAME: Record<Level, string> = {
  profile: "a profile",
  archMap: "an archMap entry",
  rule: "a rule",
  arg: "an argument condition",
  filter: "includes/excludes",
};

/** Which object an unknown key sits in, from its pointer (keys as the document spells them). */
function levelOf(pointer: string): Level | undefined {
  const t = pointer
    .split("/")
    .slice(1)
    .map((s) => goFold(s.replaceAll("~1", "/").replaceAll("~0", "~")));
  const is = (i: number, name: string): boolean => t[i] === goFold(name);
  if (t.length === 1) return "profile";
  if (t.length === 3 && is(0, "syscalls")) return "rule";
  if (t.length === 3 && is(0, "archMap")) return "archMap";
  if (t.length === 4 && is(0, "syscalls") && (is(2, "includes") || is(2, "excludes")))
    return "filter";
  if (t.length === 5 && is(0, "syscalls") && is(2, "args")) return "arg";
  return undefined;
}

export const unknownField = defineSeccompRule({
  meta: {
    id: "DW-SCMP-009",
    name: "seccomp-unknown-field",
    title: "Seccomp profile field the daemon ignores",
    severity: "medium",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      profile:
        "spell the field as Docker's format does (defaultAction, syscalls, names, action, args, includes, excludes, …) or remove it",
    },
  },
  refuses: false,
  options: noOptions,
  check(doc) {
    return doc.issues
      .filter((i) => i.code === "unknown-field")
      .map((i) => {
        const key = (i.pointer.split("/").pop() ?? "").replaceAll("~1", "/").replaceAll("~0", "~");
        const level = levelOf(i.pointer);
        const where = level === undefined ? "here" : `of ${LEVEL_NAME[level]}`;
        return hit(
          doc,
          i,
          `"${key}" is not a field ${where}: the daemon ignores it without a word${level === undefined ? "" : didYouMean(key, FIELDS[level])}`,
        );
      });
  },
});

/** Which Docker release first reads each field the daemon once ignored. */
const SINCE_23 = ["defaultErrnoRet", "flags", "listenerPath", "listenerMetadata"] as const;

const IGNORED_EFFECT: Record<(typeof SINCE_23)[number], (v: ProfileView) => string> = {
  defaultErrnoRet: (v) =>
    `the default action returns EPERM, not errno ${v.defaultErrnoRet?.value.toString() ?? "?"}`,
  flags: () => "no filter flag is set",
  listenerPath: () => "no seccomp agent is told about SCMP_ACT_NOTIFY",
  listenerMetadata: () => "the agent gets no metadata",
};

export const versionCompat = defineSeccompRule({
  meta: {
    id: "DW-SCMP-010",
    name: "seccomp-version-compat",
    title: "Seccomp profile uses what the target Docker or runc ignores or refuses",
    severity: "low",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      profile:
        "drop what the engine ignores, or upgrade it (Docker 23 reads defaultErrnoRet, flags, listenerPath, listenerMetadata; 20.10.10 reads errnoRet; runc 1.2 knows riscv64 and filter flags); check with --docker-version",
    },
  },
  refuses: false,
  options: noOptions,
  check(doc, _options, { dockerVersion }) {
    const view = doc.view;
    if (view === undefined) return [];
    const hits: RuleHit[] = [];
    const docker = dockerLabel(dockerVersion);
    if (!atLeast(dockerVersion, 23, 0)) {
      for (const field of SINCE_23) {
        const at = view[field];
        if (at === undefined) continue;
        const harmless = field === "defaultErrnoRet" && at.value === 1n;
        hits.push(
          hit(
            doc,
            at,
            `${at.pointer}: ${docker} ignores ${field} (read since Docker 23.0): ${harmless ? "the default action returns EPERM (1) anyway, so nothing changes" : IGNORED_EFFECT[field](view)}`,
            harmless ? "info" : undefined,
          ),
        );
      }
    } else if ((view.flags?.value.length ?? 0) > 0 && view.flags !== undefined) {
      hits.push(
        hit(
          doc,
          view.flags,
          `${view.flags.pointer}: ${docker} passes flags to runc, and runc before 1.2 refuses any ("seccomp flags are not yet supported by runc")`,
        ),
      );
    }
    if (!atLeast(dockerVersion, 20, 10, 10)) {
      for (const rule of rulesOf(view)) {
        if (rule.errnoRet === undefined) continue;
        const harmless = rule.errnoRet.value === 1n;
        hits.push(
          hit(
            doc,
            rule.errnoRet,
            `${rule.errnoRet.pointer}: ${docker} ignores errnoRet (read since Docker 20.10.10): ${harmless ? "the rule returns EPERM (1) anyway, so nothing changes" : `the rule returns EPERM, not errno ${rule.errnoRet.value.toString()}`}`,
            harmless ? "info" : undefined,
          ),
        );
      }
    }
    const riscv = (a: At<string>): void => {
      if (a.value === "SCMP_ARCH_RISCV64") {
        hits.push(
          hit(
            doc,
            a,
            `${a.pointer}: runc before 1.2 refuses SCMP_ARCH_RISCV64 ("not a valid arch for seccomp"; Debian 12's runc 1.1.5 does)`,
            "medium",
          ),
        );
      }
    };
    // archMap entries apply only on their own host architecture, where runc must know it anyway
    for (const a of view.architectures?.value ?? []) riscv(a);
    for (const entry of view.archMap?.value ?? [])
      for (const a of entry.subArchitectures?.value ?? []) riscv(a);
    return hits;
  },
});

/**
 * How Docker names the host's architecture in includes/excludes `arches` (moby goToNative:
 * Go's GOARCH as libseccomp spells it). Docker's own default profile also lists `x32`, which no
 * host is called; it is accepted here so that profile passes.
 */
const HOST_ARCHES: ReadonlySet<string> = new Set([
  "x86",
  "amd64",
  "x32",
  "arm",
  "arm64",
  "mips64",
  "mips64n32",
  "mipsel64",
  "mips3l64n32",
  "mipsel",
  "ppc",
  "ppc64",
  "ppc64le",
  "riscv64",
  "s390",
  "s390x",
]);

const CAPS: ReadonlySet<string> = new Set(ALL_CAPABILITIES.map((c) => `CAP_${c}`));

/** The syscall tables behind each host architecture name of includes/excludes `arches`. */
const HOST_TABLES: ReadonlyMap<string, readonly SyscallArch[]> = new Map([
  ["amd64", ["x86_64", "x86", "x32"]],
  ["x86", ["x86"]],
  ["x32", ["x32"]],
  ["arm64", ["aarch64", "arm"]],
  ["arm", ["arm"]],
]);

interface Arches {
  tables: SyscallArch[];
  /** architectures the profile names that dockward has no syscall table for */
  untabled: string[];
}

/** The syscall tables of the architectures a profile names; all of them when it names none. */
function profileArches(view: ProfileView): Arches {
  const named = new Set<SyscallArch>();
  const untabled = new Set<string>();
  const add = (a: At<string>): void => {
    const t = tableForScmpArch(a.value);
    if (t !== undefined) named.add(t);
    else untabled.add(a.value);
  };
  for (const a of view.architectures?.value ?? []) add(a);
  for (const entry of view.archMap?.value ?? []) {
    if (entry.architecture !== undefined) add(entry.architecture);
    for (const a of entry.subArchitectures?.value ?? []) add(a);
  }
  return { tables: named.size > 0 ? [...named] : [...SYSCALL_ARCHES], untabled: [...untabled] };
}

/**
 * The tables a rule's names are resolved on: its `includes.arches` when it has them (undefined
 * when one has no table: the name may exist there), else the profile's.
 */
function ruleArches(rule: RuleView, profile: Arches): Arches | undefined {
  const only = rule.includes?.arches;
  if (only === undefined || only.length === 0) return profile;
  const tables = new Set<SyscallArch>();
  for (const a of only) {
    const t = HOST_TABLES.get(a.value);
    if (t === undefined) return undefined;
    for (const x of t) tables.add(x);
  }
  return { tables: [...tables], untabled: [] };
}

/** A rule that would stop a syscall in a profile that allows by default: its typo is a hole. */
function isDenyInAllowProfile(view: ProfileView, rule: RuleView): boolean {
  return (
    view.defaultAction !== undefined &&
    PERMISSIVE_ACTIONS.has(view.defaultAction.value) &&
    rule.action !== undefined &&
    !PERMISSIVE_ACTIONS.has(rule.action.value)
  );
}

export const unmatchedName = defineSeccompRule({
  meta: {
    id: "DW-SCMP-011",
    name: "seccomp-unmatched-name",
    title: "Syscall, capability or architecture name that matches nothing",
    severity: "low",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      profile:
        "fix the name: syscalls as the kernel names them (mkdirat, not mkdir_at); caps as CAP_SYS_ADMIN; arches as Docker names hosts (amd64, arm64, not x86_64)",
    },
  },
  refuses: false,
  options: noOptions,
  check(doc) {
    const view = doc.view;
    if (view === undefined) return [];
    const hits: RuleHit[] = [];
    const profile = profileArches(view);
    for (const rule of rulesOf(view)) {
      const severity = isDenyInAllowProfile(view, rule) ? "medium" : undefined;
      const arches = ruleArches(rule, profile);
      for (const n of arches === undefined ? [] : ruleNames(rule)) {
        if (arches === undefined || n.value === "" || isKnownSyscall(n.value, arches.tables))
          continue;
        const suggestion = didYouMean(
          n.value,
          arches.tables.flatMap((a) => [...syscallNames(a)]),
        );
        const unsure =
          arches.untabled.length > 0
            ? ` (dockward has no table for ${arches.untabled.join(", ")}: it may exist there)`
            : "";
        hits.push(
          hit(
            doc,
            n,
            `${n.pointer}: "${n.value}" is not a syscall on ${arches.tables.join(", ")} (Linux ${SYSCALL_TABLE_SOURCE.kernel})${unsure}; runc skips names it cannot resolve, silently${severity !== undefined ? ", so this rule denies nothing" : ""}${suggestion}`,
            severity,
          ),
        );
      }
      for (const [key, filter] of [
        ["includes", rule.includes],
        ["excludes", rule.excludes],
      ] as const) {
        if (filter === undefined) continue;
        const effect = key === "includes" ? "the rule never applies" : "it never excludes the rule";
        for (const a of filter.arches ?? []) {
          if (HOST_ARCHES.has(a.value)) continue;
          hits.push(
            hit(
              doc,
              a,
              `${a.pointer}: no host is called "${a.value}" (Docker names them amd64, arm64, x86, …), so ${effect} on account of it${didYouMean(a.value, HOST_ARCHES)}`,
              "medium",
            ),
          );
        }
        for (const c of filter.caps ?? []) {
          if (CAPS.has(c.value)) continue;
          const canonical = `CAP_${c.value.toUpperCase().replace(/^CAP_/, "")}`;
          const fix = CAPS.has(canonical) ? `; write "${canonical}"` : didYouMean(c.value, CAPS);
          hits.push(
            hit(
              doc,
              c,
              `${c.pointer}: "${c.value}" never matches: Docker compares it, exactly, with the container's capabilities written as CAP_SYS_ADMIN, so ${effect} on account of it${fix}`,
              "medium",
            ),
          );
        }
      }
    }
    return hits;
  },
});

const TAKES_ERRNO: ReadonlySet<string> = new Set(["SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"]);

/** The default action as runc compares rules with it (defaultErrnoRet only where it is read). */
function defaultEffect(view: ProfileView, readsDefaultErrno: boolean): string | undefined {
  const def = view.defaultAction;
  if (def === undefined || def.value === "") return undefined;
  return effectiveAction(def.value, readsDefaultErrno ? view.defaultErrnoRet?.value : undefined);
}

export const ineffectiveRule = defineSeccompRule({
  meta: {
    id: "DW-SCMP-012",
    name: "seccomp-ineffective-rule",
    title: "Seccomp rule or field that has no effect",
    severity: "low",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      profile:
        "remove the rule or field, or give it what it lacks (syscall names, an action other than the default, SCMP_ACT_ERRNO for errnoRet, SCMP_CMP_MASKED_EQ for valueTwo)",
    },
  },
  refuses: false,
  options: noOptions,
  check(doc, _options, { dockerVersion }) {
    const view = doc.view;
    if (view === undefined) return [];
    const hits: RuleHit[] = [];
    const readsDefaultErrno = atLeast(dockerVersion, 23, 0);
    const readsErrno = atLeast(dockerVersion, 20, 10, 10);
    const def = defaultEffect(view, readsDefaultErrno);
    if (
      readsDefaultErrno &&
      view.defaultErrnoRet !== undefined &&
      view.defaultAction !== undefined &&
      !TAKES_ERRNO.has(view.defaultAction.value)
    ) {
      hits.push(
        hit(
          doc,
          view.defaultErrnoRet,
          `${view.defaultErrnoRet.pointer}: defaultErrnoRet is read only with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not ${view.defaultAction.value}`,
        ),
      );
    }
    for (const rule of rulesOf(view)) {
      if (
        ruleNames(rule).length === 0 &&
        !isMistyped(doc, rule.pointer, "names") &&
        !isMistyped(doc, rule.pointer, "name")
      ) {
        hits.push(
          hit(
            doc,
            rule.names ?? rule,
            `${rule.pointer} names no syscall (${rule.names === undefined ? "no names" : "names: []"}): the rule does nothing`,
          ),
        );
        continue;
      }
      const neverKernel = rule.excludes?.minKernel;
      if (neverKernel?.value === "") {
        hits.push(
          hit(
            doc,
            neverKernel,
            `${neverKernel.pointer}: minKernel "" reads as 0.0, which every kernel is at least, so the rule is excluded everywhere and never applies (verified)`,
            isDenyInAllowProfile(view, rule) ? "medium" : undefined,
          ),
        );
      }
      const action = rule.action?.value;
      if (action === undefined || action === "") continue;
      if (rule.errnoRet !== undefined && !TAKES_ERRNO.has(action)) {
        hits.push(
          hit(
            doc,
            rule.errnoRet,
            `${rule.errnoRet.pointer}: errnoRet is read only with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not ${action}`,
          ),
        );
      }
      if (
        def !== undefined &&
        effectiveAction(action, readsErrno ? rule.errnoRet?.value : undefined) === def
      ) {
        hits.push(
          hit(
            doc,
            rule.action ?? rule,
            `${rule.pointer}: the rule's action ${action} is the default action's, so runc skips the rule (it would change nothing)`,
          ),
        );
      }
      for (const arg of rule.args?.value ?? []) {
        if (
          arg.kind === "arg" &&
          arg.valueTwo !== undefined &&
          arg.valueTwo.value !== 0n &&
          arg.op !== undefined &&
          arg.op.value !== "SCMP_CMP_MASKED_EQ"
        ) {
          hits.push(
            hit(
              doc,
              arg.valueTwo,
              `${arg.valueTwo.pointer}: valueTwo is read only by SCMP_CMP_MASKED_EQ (as the mask), not by ${arg.op.value}`,
            ),
          );
        }
      }
    }
    return hits;
  },
});

/** A rule whose only condition is its syscall names: no args, no includes/excludes. */
function isUnconditional(rule: RuleView): boolean {
  const emptyFilter = (f: RuleView["includes"]): boolean =>
    f === undefined ||
    ((f.caps?.length ?? 0) === 0 &&
      (f.arches?.length ?? 0) === 0 &&
      (f.minKernel === undefined || f.minKernel.value === ""));
  return (
    (rule.args?.value.length ?? 0) === 0 && emptyFilter(rule.includes) && emptyFilter(rule.excludes)
  );
}

export const shadowedRule = defineSeccompRule({
  meta: {
    id: "DW-SCMP-013",
    name: "seccomp-shadowed-rule",
    title: "Syscall given two different unconditional actions",
    severity: "medium",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      profile:
        "name each syscall in one unconditional rule only: remove it from the rule whose action should not apply",
    },
  },
  refuses: false,
  options: noOptions,
  check(doc, _options, { dockerVersion }) {
    const view = doc.view;
    if (view === undefined) return [];
    const hits: RuleHit[] = [];
    const readsErrno = atLeast(dockerVersion, 20, 10, 10);
    const def = defaultEffect(view, atLeast(dockerVersion, 23, 0));
    const first = new Map<string, { rule: RuleView; effect: string }>();
    for (const rule of rulesOf(view)) {
      const action = rule.action?.value;
      if (action === undefined || action === "" || !isUnconditional(rule)) continue;
      const effect = effectiveAction(action, readsErrno ? rule.errnoRet?.value : undefined);
      // runc skips a rule equal to the default action (DW-SCMP-012): it shadows nothing
      if (effect === def) continue;
      for (const n of ruleNames(rule)) {
        const earlier = first.get(n.value);
        if (earlier === undefined) {
          first.set(n.value, { rule, effect });
        } else if (earlier.effect !== effect) {
          hits.push(
            hit(
              doc,
              n,
              `${n.pointer}: ${n.value} already has an unconditional rule at ${earlier.rule.pointer} (${earlier.rule.action?.value ?? "?"}${earlier.rule.errnoRet !== undefined ? ` ${earlier.rule.errnoRet.value.toString()}` : ""}); libseccomp keeps the first, so this rule's ${action} never applies (verified with runc 1.1.5 and libseccomp 2.5.4)`,
            ),
          );
        }
      }
    }
    return hits;
  },
});

export const sameArgTwice = defineSeccompRule({
  meta: {
    id: "DW-SCMP-014",
    name: "seccomp-same-arg-twice",
    title: "Two conditions on one syscall argument: the rule matches when any condition holds",
    severity: "medium",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      profile:
        "give each argument one condition per rule (SCMP_CMP_MASKED_EQ can test several bits at once); for a range, write one rule per bound with the opposite action",
    },
  },
  refuses: false,
  options: noOptions,
  check(doc) {
    const view = doc.view;
    if (view === undefined) return [];
    const hits: RuleHit[] = [];
    for (const rule of rulesOf(view)) {
      const seen = new Map<bigint, Where>();
      for (const arg of rule.args?.value ?? []) {
        if (arg.kind !== "arg" || arg.index === undefined) continue;
        const earlier = seen.get(arg.index.value);
        if (earlier === undefined) {
          seen.set(arg.index.value, arg);
          continue;
        }
        hits.push(
          hit(
            doc,
            arg,
            `${arg.pointer}: a second condition on argument ${arg.index.value.toString()} (the first is ${earlier.pointer}); runc then adds each of the rule's ${(rule.args?.value.length ?? 0).toString()} conditions as a rule of its own, so the rule matches when ANY of them holds, not all (verified)`,
          ),
        );
        break;
      }
    }
    return hits;
  },
});
