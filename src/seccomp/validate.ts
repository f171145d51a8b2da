/**
 * Reading a seccomp profile the way the daemon and runc read it, and the one place the rest of
 * dockward gets a profile's model from: `dockward seccomp validate` reports every DW-SCMP
 * finding; `parseProfile` / `loadProfile` give the SeccompProfile model to the other seccomp
 * commands (default, deny, diff, merge, record, test) and refuse a profile the daemon or runc
 * would refuse; DW-SEC-002 judges inline profiles with `checkProfile`.
 */
import { readFileSync } from "node:fs";
import { DockwardError, errorMessage, systemErrorCode } from "../errors.js";
import type { RuleHit, SeccompProfileRule, Severity } from "../rules/types.js";
import { seccompRules } from "./checks/index.js";
import {
  DEFAULT_DOCKER_VERSION,
  type DockerVersion,
  parseDockerVersion,
} from "./checks/docker-version.js";
import {
  type At,
  disablesSeccomp,
  type FilterView,
  type ProfileDocument,
  type ProfileView,
  readProfileDocument,
  ruleNames,
  rulesOf,
} from "./checks/document.js";
import {
  ACTIONS,
  ARCHITECTURES,
  FLAGS,
  OPERATORS,
  type SeccompAction,
  type SeccompArch,
  type SeccompArg,
  type SeccompFilter,
  type SeccompFlag,
  type SeccompOperator,
  type SeccompProfile,
  type SeccompRule,
} from "./profile.js";

export { readProfileDocument, type ProfileDocument } from "./checks/document.js";
export {
  DEFAULT_DOCKER_VERSION,
  type DockerVersion,
  parseDockerVersion,
} from "./checks/docker-version.js";

/** One thing a DW-SCMP rule says about a profile, with its place. */
export interface ProfileProblem {
  ruleId: string;
  ruleName: string;
  severity: Severity;
  /** the daemon or runc refuses the profile (or what it runs cannot be known) */
  refused: boolean;
  message: string;
  /** RFC 6901, keys as the document spells them; "" is the whole document */
  pointer: string;
  line: number;
  column: number;
}

export interface ParsedProfile {
  /** the profile as the daemon runs it; undefined when it has errors or disables seccomp */
  profile: SeccompProfile | undefined;
  /** no defaultAction and no syscalls (`{}`, `null`): Docker runs it as no filter at all */
  disabled: boolean;
  /** what the daemon or runc refuses, in document order */
  errors: ProfileProblem[];
  /** every DW-SCMP finding, errors first, each group in document order */
  problems: ProfileProblem[];
  document: ProfileDocument;
}

function problemOf(rule: SeccompProfileRule, h: RuleHit): ProfileProblem {
  return {
    ruleId: rule.meta.id,
    ruleName: rule.meta.name,
    severity: h.severity ?? rule.meta.severity,
    refused: rule.refuses,
    message: h.message,
    pointer: h.origin.pointer ?? "",
    line: h.origin.line ?? 1,
    column: h.origin.column ?? 1,
  };
}

const byPlace = (a: ProfileProblem, b: ProfileProblem): number =>
  a.line - b.line || a.column - b.column;

/**
 * Every DW-SCMP rule, with its default options (no policy), over a parsed profile. The CLI
 * runs the rules through the policy instead (`evaluateSeccomp`); this is for code that needs a
 * verdict: DW-SEC-002 and `parseProfile`.
 */
export function checkProfile(
  document: ProfileDocument,
  dockerVersion: DockerVersion = parseDockerVersion(DEFAULT_DOCKER_VERSION),
): ProfileProblem[] {
  const problems: ProfileProblem[] = [];
  for (const rule of seccompRules) {
    for (const h of rule.check(document, rule.options.parse({}), { dockerVersion }))
      problems.push(problemOf(rule, h));
  }
  return [
    ...problems.filter((p) => p.refused).sort(byPlace),
    ...problems.filter((p) => !p.refused).sort(byPlace),
  ];
}

/**
 * A profile's text read as the daemon reads it: the model, or the errors that make the daemon
 * or runc refuse it, each with its pointer and line:column. Never throws.
 *
 * @example
 * const { profile, errors } = parseProfile(text, "web.json");
 * if (profile === undefined) for (const e of errors) console.log(`${e.line}:${e.column} ${e.message}`);
 */
export function parseProfile(
  text: string,
  file?: string,
  options: { dockerVersion?: DockerVersion } = {},
): ParsedProfile {
  const document = readProfileDocument(text, file);
  const problems = checkProfile(document, options.dockerVersion);
  const errors = problems.filter((p) => p.refused);
  const view = document.view;
  const disabled = view !== undefined && disablesSeccomp(view);
  let profile: SeccompProfile | undefined;
  if (errors.length === 0 && view !== undefined && !disabled) {
    const built = modelOf(view);
    if (typeof built === "string") {
      // the checks and the model disagree: refuse rather than guess (fails closed)
      errors.push({
        ruleId: "DW-SCMP-004",
        ruleName: "seccomp-unknown-constant",
        severity: "high",
        refused: true,
        message: built,
        pointer: "",
        line: 1,
        column: 1,
      });
      problems.unshift(...errors);
    } else profile = built;
  }
  return { profile, disabled, errors, problems, document };
}

/** A profile error as a DockwardError: file:line:col, the source line with a caret, the fix. */
class ProfileError extends DockwardError {
  override readonly excerpt: string | undefined;

  constructor(file: string, text: string, first: ProfileProblem, more: number) {
    super(
      "BAD_INPUT",
      `${file}:${first.line}:${first.column}: ${first.ruleId} ${first.message}${more > 0 ? ` (and ${more} more error${more === 1 ? "" : "s"})` : ""}`,
      {
        hint: `${seccompRules.find((r) => r.meta.id === first.ruleId)?.meta.remediation.profile ?? "fix the profile"}; \`dockward seccomp validate ${file}\` lists every problem`,
      },
    );
    const line = text.split(/\r\n|\r|\n/)[first.line - 1];
    this.excerpt =
      line === undefined || line.length > 300
        ? undefined
        : `${line}\n${" ".repeat(Math.max(0, first.column - 1))}^`;
  }
}

/**
 * The model of a profile given as text (read from `file`, which names it in errors). Throws a
 * DockwardError (BAD_INPUT, exit 2) at the first error the daemon or runc would refuse, and for
 * a profile that disables seccomp (`{}`), which has no model.
 */
export function profileFromText(text: string, file: string): SeccompProfile {
  const parsed = parseProfile(text, file);
  const first = parsed.errors[0];
  if (first !== undefined) throw new ProfileError(file, text, first, parsed.errors.length - 1);
  if (parsed.profile === undefined) {
    throw new DockwardError(
      "BAD_INPUT",
      `${file}: the profile has no defaultAction and no syscalls: Docker runs it as no seccomp filter at all, so there is no profile to work with`,
      {
        hint: 'give it a "defaultAction" (SCMP_ACT_ERRNO) and rules, or start from `dockward seccomp default`',
      },
    );
  }
  return parsed.profile;
}

/**
 * Read a profile file and give its model; the other seccomp commands read profiles given on
 * the command line with this. Throws a DockwardError (BAD_INPUT, exit 2) naming file:line:col
 * when the file cannot be read or the daemon or runc would refuse the profile.
 *
 * @example const base = loadProfile("base.json"); // SeccompProfile
 */
export function loadProfile(file: string): SeccompProfile {
  return profileFromText(readProfileText(file), file);
}

/** A profile file's text (`-` is standard input); an unreadable file is a BAD_INPUT error. */
export function readProfileText(file: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw new DockwardError(
      "BAD_INPUT",
      `cannot read seccomp profile ${file}: ${systemErrorCode(err) === "ENOENT" ? "no such file" : errorMessage(err)}`,
      { hint: "check the path; a profile is a JSON file in Docker's format" },
    );
  }
}

// ─── the model ─────────────────────────────────────────────────────────────────────────────────

function member<T extends string>(values: readonly T[], v: string): v is T {
  return (values as readonly string[]).includes(v);
}

class NotModelled extends Error {}

function pick<T extends string>(values: readonly T[], at: At<string>, what: string): T {
  if (!member(values, at.value))
    throw new NotModelled(`${at.pointer}: dockward's profile model has no ${what} "${at.value}"`);
  return at.value;
}

function filterOf(f: FilterView): SeccompFilter {
  const out: SeccompFilter = {};
  if (f.caps !== undefined) out.caps = f.caps.map((c) => c.value);
  if (f.arches !== undefined) out.arches = f.arches.map((a) => a.value);
  // "" is kept: an excludes with minKernel "" excludes the rule on every kernel (0.0 ≤ any)
  if (f.minKernel !== undefined) out.minKernel = f.minKernel.value;
  return out;
}

/** The model of a profile the checks found no error in; a string when it cannot be modelled. */
function modelOf(view: ProfileView): SeccompProfile | string {
  try {
    const def = view.defaultAction;
    if (def === undefined) throw new NotModelled("the profile has no defaultAction");
    const profile: SeccompProfile = {
      defaultAction: pick<SeccompAction>(ACTIONS, def, "action"),
      syscalls: [],
    };
    if (view.defaultErrnoRet !== undefined)
      profile.defaultErrnoRet = Number(view.defaultErrnoRet.value);
    if (view.architectures !== undefined)
      profile.architectures = view.architectures.value.map((a) =>
        pick<SeccompArch>(ARCHITECTURES, a, "architecture"),
      );
    if (view.archMap !== undefined) {
      profile.archMap = view.archMap.value.map((m) => {
        if (m.architecture === undefined)
          throw new NotModelled(`${m.pointer}: an archMap entry without architecture`);
        return {
          architecture: pick<SeccompArch>(ARCHITECTURES, m.architecture, "architecture"),
          subArchitectures: (m.subArchitectures?.value ?? []).map((a) =>
            pick<SeccompArch>(ARCHITECTURES, a, "architecture"),
          ),
        };
      });
    }
    if (view.flags !== undefined)
      profile.flags = view.flags.value.map((f) => pick<SeccompFlag>(FLAGS, f, "flag"));
    if (view.listenerPath !== undefined) profile.listenerPath = view.listenerPath.value;
    if (view.listenerMetadata !== undefined) profile.listenerMetadata = view.listenerMetadata.value;
    for (const r of rulesOf(view)) {
      if (r.action === undefined) throw new NotModelled(`${r.pointer}: a rule without action`);
      const rule: SeccompRule = {
        names: ruleNames(r).map((n) => n.value),
        action: pick<SeccompAction>(ACTIONS, r.action, "action"),
      };
      if (r.errnoRet !== undefined) rule.errnoRet = Number(r.errnoRet.value);
      if (r.args !== undefined) {
        rule.args = r.args.value.map((a): SeccompArg => {
          if (a.kind === "null" || a.op === undefined)
            throw new NotModelled(`${a.pointer}: an argument condition without op`);
          return {
            index: Number(a.index?.value ?? 0n),
            value: a.value?.value ?? 0n,
            valueTwo: a.valueTwo?.value ?? 0n,
            op: pick<SeccompOperator>(OPERATORS, a.op, "operator"),
          };
        });
      }
      if (r.comment !== undefined) rule.comment = r.comment.value;
      if (r.includes !== undefined) rule.includes = filterOf(r.includes);
      if (r.excludes !== undefined) rule.excludes = filterOf(r.excludes);
      profile.syscalls.push(rule);
    }
    return profile;
  } catch (err) {
    if (err instanceof NotModelled) return err.message;
    throw err;
  }
}
