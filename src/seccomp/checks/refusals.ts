/**
 * DW-SCMP-001…006: what the daemon or runc refuses. Each was checked against dockerd 20.10.24 with
 * runc 1.1.5 and libseccomp 2.5.4 (test/integration/seccomp-validate.test.ts creates and starts a
 * container with every kind). Three layers refuse, each with its own message: the docker CLI
 * (JSON syntax, when it reads the file), the daemon while starting the container ("Decoding
 * seccomp profile failed: …", name with names, architectures with archMap, minKernel), and runc
 * ("… is not a valid action for seccomp", architectures, operators, argument index, errno).
 * Nothing is refused at create time: the mistake surfaces only at start.
 */
import { defineSeccompRule, noOptions } from "../../rules/define.js";
import type { RuleHit } from "../../rules/types.js";
import { ACTIONS, ARCHITECTURES, FLAGS, OPERATORS } from "../profile.js";
import { atLeast, dockerLabel } from "./docker-version.js";
import {
  type At,
  disablesSeccomp,
  isMistyped,
  originOf,
  type ProfileDocument,
  ruleNames,
  rulesOf,
  showPointer,
  type Where,
} from "./document.js";
import { didYouMean } from "./suggest.js";

const hit = (doc: ProfileDocument, where: Where, message: string): RuleHit => ({
  message,
  origin: originOf(doc, where),
});

export const jsonSyntax = defineSeccompRule({
  meta: {
    id: "DW-SCMP-001",
    name: "seccomp-json-syntax",
    title: "Seccomp profile is not valid JSON",
    severity: "high",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      profile:
        "fix the JSON at that position (a missing comma or quote, a trailing comma, a comment, a byte order mark)",
    },
  },
  refuses: true,
  options: noOptions,
  check(doc) {
    const e = doc.syntaxError;
    if (e === undefined) return [];
    const why = doc.text.startsWith("\uFEFF")
      ? "the file starts with a byte order mark, which Go's JSON decoder refuses: save it as UTF-8 without BOM"
      : doc.text.trim() === ""
        ? "the profile is empty"
        : e.message;
    return [
      hit(
        doc,
        { pointer: e.pointer, pos: e.pos },
        `not valid JSON: ${why}; the docker CLI refuses to send it and the daemon answers "Decoding seccomp profile failed: ${e.message}"`,
      ),
    ];
  },
});

/** What each field holds, for messages about a value of the wrong type. */
const EXPECTED: Readonly<Record<string, readonly [field: string, item?: string]>> = {
  defaultAction: ["a string: an SCMP_ACT_* action"],
  defaultErrnoRet: ["a non-negative integer: an errno number"],
  architectures: ["a list of SCMP_ARCH_* names", "an SCMP_ARCH_* name (a string)"],
  archMap: [
    "a list of {architecture, subArchitectures} objects",
    "an {architecture, subArchitectures} object",
  ],
  architecture: ["an SCMP_ARCH_* name (a string)"],
  subArchitectures: ["a list of SCMP_ARCH_* names", "an SCMP_ARCH_* name (a string)"],
  flags: ["a list of SECCOMP_FILTER_FLAG_* names", "a SECCOMP_FILTER_FLAG_* name (a string)"],
  listenerPath: ["a string: the path of a seccomp agent's socket"],
  listenerMetadata: ["a string"],
  syscalls: ["a list of rules", "a rule: an object with names, action, …"],
  names: ["a list of syscall names", "a syscall name (a string)"],
  name: ["a syscall name (a string)"],
  action: ["a string: an SCMP_ACT_* action"],
  errnoRet: ["a non-negative integer: an errno number"],
  args: [
    "a list of {index, value, valueTwo, op} objects",
    "an {index, value, valueTwo, op} object",
  ],
  index: ["an integer from 0 to 5"],
  value: ["an integer from 0 to 18446744073709551615"],
  valueTwo: ["an integer from 0 to 18446744073709551615"],
  op: ["a string: an SCMP_CMP_* operator"],
  comment: ["a string"],
  includes: ["an object with caps, arches and minKernel"],
  excludes: ["an object with caps, arches and minKernel"],
  caps: ["a list of capability names", "a capability name such as CAP_SYS_ADMIN (a string)"],
  arches: ["a list of architecture names", "an architecture name such as amd64 (a string)"],
  minKernel: ['a string "<kernel>.<major>", e.g. "4.8"'],
};

const FOLDED_EXPECTED = new Map(
  Object.entries(EXPECTED).map(([k, v]) => [k.toLowerCase(), v] as const),
);

/** What the daemon expects at `pointer`: the field's own type, or its list's item type. */
export function expectedAt(pointer: string): string {
  const tokens = pointer.split("/").slice(1);
  if (tokens.length === 0) return "a JSON object";
  const last = tokens[tokens.length - 1] ?? "";
  const isItem = /^\d+$/.test(last) && tokens.length > 1;
  const field = (isItem ? tokens[tokens.length - 2] : last) ?? "";
  const expected = FOLDED_EXPECTED.get(
    field.replaceAll("~1", "/").replaceAll("~0", "~").toLowerCase(),
  );
  if (expected === undefined) return "another type";
  return isItem ? (expected[1] ?? expected[0]) : expected[0];
}

export const fieldType = defineSeccompRule({
  meta: {
    id: "DW-SCMP-002",
    name: "seccomp-field-type",
    title: "Seccomp profile value has the wrong type",
    severity: "high",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      profile:
        'write the value with the type Docker\'s format gives it: strings in quotes ("SCMP_ACT_ERRNO", "4.8"), numbers as plain non-negative integers, lists in brackets even for one item',
    },
  },
  refuses: true,
  options: noOptions,
  check(doc) {
    const hits: RuleHit[] = [];
    for (const issue of doc.issues) {
      if (issue.code !== "type" && issue.code !== "range") continue;
      hits.push(
        hit(
          doc,
          issue,
          `${showPointer(issue.pointer)}: ${issue.message}; the daemon expects ${expectedAt(issue.pointer)} and refuses the profile ("Decoding seccomp profile failed: json: cannot unmarshal …")`,
        ),
      );
    }
    const view = doc.view;
    if (view === undefined) return hits;
    for (const entry of view.syscalls?.value ?? []) {
      if (entry.kind === "null") {
        hits.push(
          hit(
            doc,
            entry,
            `${entry.pointer} is null where a rule belongs: dockerd dereferences it while starting the container and the API call dies with an empty reply (verified on 20.10.24)`,
          ),
        );
        continue;
      }
      for (const arg of entry.args?.value ?? []) {
        if (arg.kind === "null") {
          hits.push(
            hit(
              doc,
              arg,
              `${arg.pointer} is null where an argument condition belongs: dockerd 20.10 crashes on it while starting the container; later versions read it as a condition without an operator, which runc refuses`,
            ),
          );
        }
      }
    }
    return hits.sort(
      (a, b) =>
        (a.origin.line ?? 0) - (b.origin.line ?? 0) ||
        (a.origin.column ?? 0) - (b.origin.column ?? 0),
    );
  },
});

export const ambiguousKey = defineSeccompRule({
  meta: {
    id: "DW-SCMP-003",
    name: "seccomp-ambiguous-key",
    title: "Seccomp profile key given twice or in two spellings",
    severity: "high",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      profile:
        "keep one occurrence of the key, spelt as Docker's format spells it (defaultAction, syscalls, names, …)",
    },
  },
  refuses: true,
  options: noOptions,
  check(doc) {
    return doc.issues
      .filter((i) => i.code === "duplicate")
      .map((i) =>
        hit(
          doc,
          i,
          `${showPointer(i.pointer)}: ${i.message}. The daemon matches keys case-insensitively and the last one wins (objects merge), while other readers keep the first or refuse: what runs cannot be judged`,
        ),
      );
  },
});

/** Architectures runc knows. libseccomp also names PA-RISC, but no runc accepts it. */
const RUNC_ARCHES: ReadonlySet<string> = new Set(
  ARCHITECTURES.filter((a) => a !== "SCMP_ARCH_PARISC" && a !== "SCMP_ARCH_PARISC64"),
);
const KNOWN_ACTIONS: ReadonlySet<string> = new Set(ACTIONS);
const KNOWN_OPERATORS: ReadonlySet<string> = new Set(OPERATORS);
const KNOWN_FLAGS: ReadonlySet<string> = new Set(FLAGS);

function unknownArch(doc: ProfileDocument, a: At<string>, hits: RuleHit[]): void {
  if (RUNC_ARCHES.has(a.value)) return;
  const why =
    a.value === "SCMP_ARCH_PARISC" || a.value === "SCMP_ARCH_PARISC64"
      ? `libseccomp names ${a.value} but runc does not`
      : `"${a.value}" is not an architecture runc knows${didYouMean(a.value, RUNC_ARCHES)}`;
  hits.push(
    hit(
      doc,
      a,
      `${a.pointer}: ${why}; runc refuses the profile ("string ${a.value} is not a valid arch for seccomp")`,
    ),
  );
}

export const unknownConstant = defineSeccompRule({
  meta: {
    id: "DW-SCMP-004",
    name: "seccomp-unknown-constant",
    title: "Unknown or missing action, architecture, operator or flag",
    severity: "high",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      profile:
        "use the names runc knows, in capitals: SCMP_ACT_ERRNO, SCMP_ACT_ALLOW, SCMP_ACT_KILL_PROCESS, …; SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, …; SCMP_CMP_EQ, SCMP_CMP_MASKED_EQ, …; SECCOMP_FILTER_FLAG_LOG, …",
    },
  },
  refuses: true,
  options: noOptions,
  check(doc) {
    const view = doc.view;
    if (view === undefined) return [];
    const hits: RuleHit[] = [];
    const action = (a: At<string> | undefined, owner: Where, missing: string): void => {
      if (a === undefined || a.value === "") {
        hits.push(
          hit(
            doc,
            a ?? owner,
            `${missing}: runc refuses the profile ("string  is not a valid action for seccomp")`,
          ),
        );
      } else if (!KNOWN_ACTIONS.has(a.value)) {
        hits.push(
          hit(
            doc,
            a,
            `${a.pointer}: "${a.value}" is not an action runc knows${didYouMean(a.value, KNOWN_ACTIONS)}; runc refuses the profile ("string ${a.value} is not a valid action for seccomp")`,
          ),
        );
      }
    };
    // no defaultAction and no rules is Docker's way to disable seccomp (DW-SCMP-007), not an error
    if (!disablesSeccomp(view) && !isMistyped(doc, "", "defaultAction")) {
      action(
        view.defaultAction,
        view.root,
        "defaultAction is missing while the profile has rules (usually it is SCMP_ACT_ERRNO)",
      );
    }
    for (const a of view.architectures?.value ?? []) unknownArch(doc, a, hits);
    for (const entry of view.archMap?.value ?? []) {
      if (entry.architecture !== undefined) unknownArch(doc, entry.architecture, hits);
      for (const a of entry.subArchitectures?.value ?? []) unknownArch(doc, a, hits);
    }
    for (const f of view.flags?.value ?? []) {
      if (!KNOWN_FLAGS.has(f.value)) {
        hits.push(
          hit(
            doc,
            f,
            `${f.pointer}: "${f.value}" is not a seccomp filter flag${didYouMean(f.value, KNOWN_FLAGS)}; runc refuses flags it does not know`,
          ),
        );
      }
    }
    for (const rule of rulesOf(view)) {
      if (!isMistyped(doc, rule.pointer, "action"))
        action(rule.action, rule, `${rule.pointer} has no action`);
      for (const arg of rule.args?.value ?? []) {
        if (arg.kind === "null") continue;
        if (isMistyped(doc, arg.pointer, "op")) continue;
        if (arg.op === undefined || arg.op.value === "") {
          hits.push(
            hit(
              doc,
              arg.op ?? arg,
              `${arg.pointer} has no op: runc refuses the profile ("string  is not a valid operator for seccomp")`,
            ),
          );
        } else if (!KNOWN_OPERATORS.has(arg.op.value)) {
          hits.push(
            hit(
              doc,
              arg.op,
              `${arg.op.pointer}: "${arg.op.value}" is not an operator runc knows${didYouMean(arg.op.value, KNOWN_OPERATORS)}; runc refuses the profile ("string ${arg.op.value} is not a valid operator for seccomp")`,
            ),
          );
        }
      }
    }
    return hits;
  },
});

/** libseccomp refuses an errno of MAX_ERRNO (4095) or more (verified: 4094 works, 4095 fails). */
const MAX_ERRNO_RET = 4094n;

/** moby KernelVersion.UnmarshalJSON: "<kernel>.<major>", each a decimal uint8, not both 0. */
function minKernelProblem(value: string): string | undefined {
  if (value === "") return undefined;
  const parts = value.split(".");
  if (parts.length !== 2) return `it is not "<kernel>.<major>"`;
  for (const p of parts) {
    if (!/^\d+$/.test(p)) return `"${p}" is not a decimal number`;
    if (Number(p) > 255) return `${p} is more than 255`;
  }
  if (parts.every((p) => Number(p) === 0)) return "the version cannot be 0.0";
  return undefined;
}

export const invalidValue = defineSeccompRule({
  meta: {
    id: "DW-SCMP-005",
    name: "seccomp-invalid-value",
    title: "Seccomp profile value out of range or not allowed there",
    severity: "high",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      profile:
        'argument index 0 to 5; errnoRet below 4095; minKernel as "<kernel>.<major>" (e.g. "5.8"); no empty syscall names; SCMP_ACT_NOTIFY only on rules, with listenerPath set and an agent listening (Docker 23 or later)',
    },
  },
  refuses: true,
  options: noOptions,
  check(doc, _options, { dockerVersion }) {
    const view = doc.view;
    if (view === undefined) return [];
    const hits: RuleHit[] = [];
    const readsDefaultErrno = atLeast(dockerVersion, 23, 0);
    const errno = (e: At<bigint> | undefined): void => {
      if (e !== undefined && e.value > MAX_ERRNO_RET) {
        hits.push(
          hit(
            doc,
            e,
            `${e.pointer}: errno ${e.value.toString()} is out of range; libseccomp takes 0 to 4094 and runc refuses the profile ("error adding seccomp filter rule …")`,
          ),
        );
      }
    };
    if (readsDefaultErrno) errno(view.defaultErrnoRet);
    if (view.defaultAction?.value === "SCMP_ACT_NOTIFY") {
      hits.push(
        hit(
          doc,
          view.defaultAction,
          `${view.defaultAction.pointer}: SCMP_ACT_NOTIFY cannot be the default action; runc refuses the profile ("SCMP_ACT_NOTIFY cannot be used as default action")`,
        ),
      );
    }
    const hasListener =
      readsDefaultErrno && view.listenerPath !== undefined && view.listenerPath.value !== "";
    for (const rule of rulesOf(view)) {
      for (const n of rule.names?.value ?? []) {
        if (n.value === "" && (rule.name === undefined || rule.name.value === "")) {
          hits.push(
            hit(
              doc,
              n,
              `${n.pointer}: an empty syscall name; runc refuses the profile ("empty string is not a valid syscall")`,
            ),
          );
        }
      }
      errno(rule.errnoRet);
      for (const arg of rule.args?.value ?? []) {
        if (arg.kind === "arg" && arg.index !== undefined && arg.index.value > 5n) {
          hits.push(
            hit(
              doc,
              arg.index,
              `${arg.index.pointer}: argument index ${arg.index.value.toString()}, but syscalls have 6 arguments, 0 to 5; runc refuses the profile ("syscalls only have up to 6 arguments")`,
            ),
          );
        }
      }
      for (const filter of [rule.includes, rule.excludes]) {
        const mk = filter?.minKernel;
        const problem = mk === undefined ? undefined : minKernelProblem(mk.value);
        if (mk !== undefined && problem !== undefined) {
          hits.push(
            hit(
              doc,
              mk,
              `${mk.pointer}: minKernel "${mk.value}": ${problem}; the daemon refuses the profile ("invalid kernel version … expected \\"<kernel>.<major>\\"")`,
            ),
          );
        }
      }
      if (rule.action?.value === "SCMP_ACT_NOTIFY") {
        const names = ruleNames(rule).map((n) => n.value);
        const why = !readsDefaultErrno
          ? `${dockerLabel(dockerVersion)} drops listenerPath, and runc refuses SCMP_ACT_NOTIFY without one ("listenerPath is not set")`
          : !hasListener
            ? `the profile sets no listenerPath, and runc refuses SCMP_ACT_NOTIFY without one ("listenerPath is not set")`
            : names.includes("write")
              ? "runc refuses SCMP_ACT_NOTIFY on write (it would block runc itself)"
              : undefined;
        if (why !== undefined) hits.push(hit(doc, rule.action, `${rule.action.pointer}: ${why}`));
      }
    }
    return hits;
  },
});

export const conflictingFields = defineSeccompRule({
  meta: {
    id: "DW-SCMP-006",
    name: "seccomp-conflicting-fields",
    title: "Seccomp profile sets name with names, or architectures with archMap",
    severity: "high",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      profile:
        "keep one of the two: `names` (a list) rather than the old `name`; `archMap` (Docker's default profile uses it) or `architectures`",
    },
  },
  refuses: true,
  options: noOptions,
  check(doc) {
    const view = doc.view;
    if (view === undefined) return [];
    const hits: RuleHit[] = [];
    if ((view.architectures?.value.length ?? 0) > 0 && view.archMap !== undefined) {
      if (view.archMap.value.length > 0) {
        hits.push(
          hit(
            doc,
            view.archMap,
            `${view.archMap.pointer}: the profile sets both architectures and archMap; the daemon refuses it ("'architectures' and 'archMap' were specified in the seccomp profile")`,
          ),
        );
      }
    }
    for (const rule of rulesOf(view)) {
      if (
        rule.name !== undefined &&
        rule.name.value !== "" &&
        (rule.names?.value.length ?? 0) > 0
      ) {
        hits.push(
          hit(
            doc,
            rule.name,
            `${rule.name.pointer}: the rule sets both name and names; the daemon refuses it ("'name' and 'names' were specified in the seccomp profile")`,
          ),
        );
      }
    }
    return hits;
  },
});
