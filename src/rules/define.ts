import * as z from "zod/mini";
import type { Analysis } from "../pki/inspect.js";
import type { ProfileDocument } from "../seccomp/checks/document.js";
import type { DaemonSpec } from "../spec/daemon.js";
import type { ContainerSpec } from "../spec/model.js";
import type {
  ContainerRemediation,
  DaemonRemediation,
  DaemonRule,
  DaemonRuleContext,
  PkiRule,
  PkiRuleContext,
  ProfileRemediation,
  Rule,
  RuleContext,
  RuleHit,
  RuleMeta,
  SeccompProfileRule,
  SeccompRuleContext,
} from "./types.js";

/** Where a rule's docs page lives, derived from its id so they can never drift apart. */
export function docsPath(id: string): string {
  return `docs/rules/${id}.md`;
}

const ID = /^DW-[A-Z]+-\d{3}$/;
const NAME = /^[a-z][a-z0-9-]+$/;

/**
 * Build a rule with its metadata shape fixed and its docs page derived from the id. Options are
 * a zod schema whose defaults make `{}` valid, so a rule can always run without a policy.
 */
function checkMeta(meta: RuleMeta): void {
  if (!ID.test(meta.id)) throw new Error(`rule id ${meta.id} does not match DW-AREA-NNN`);
  if (!NAME.test(meta.name)) throw new Error(`rule name ${meta.name} is not kebab-case`);
}

export function defineRule<S extends z.ZodMiniType>(def: {
  meta: RuleMeta<ContainerRemediation>;
  options: S;
  check: (spec: ContainerSpec, options: z.output<S>, context: RuleContext) => RuleHit[];
}): Rule<z.output<S>> {
  checkMeta(def.meta);
  return {
    kind: "container",
    meta: { ...def.meta, docs: docsPath(def.meta.id) },
    options: def.options as z.ZodMiniType<z.output<S>>,
    check: def.check,
  };
}

/** A daemon rule: the same metadata, judged over a DaemonSpec. */
export function defineDaemonRule<S extends z.ZodMiniType>(def: {
  meta: RuleMeta<DaemonRemediation>;
  options: S;
  check: (spec: DaemonSpec, options: z.output<S>, context: DaemonRuleContext) => RuleHit[];
}): DaemonRule<z.output<S>> {
  checkMeta(def.meta);
  return {
    kind: "daemon",
    meta: { ...def.meta, docs: docsPath(def.meta.id) },
    options: def.options as z.ZodMiniType<z.output<S>>,
    check: def.check,
  };
}

/** A certificate-material rule (`dockward tls inspect`): the same metadata, over an Analysis. */
export function definePkiRule<S extends z.ZodMiniType>(def: {
  meta: RuleMeta<DaemonRemediation>;
  options: S;
  check: (material: Analysis, options: z.output<S>, context: PkiRuleContext) => RuleHit[];
}): PkiRule<z.output<S>> {
  checkMeta(def.meta);
  return {
    kind: "pki",
    meta: { ...def.meta, docs: docsPath(def.meta.id) },
    options: def.options as z.ZodMiniType<z.output<S>>,
    check: def.check,
  };
}

/**
 * A seccomp profile rule (`dockward seccomp validate`): the same metadata, over a parsed profile.
 * `refuses` marks the rules whose hits mean the daemon or runc refuses the profile.
 */
export function defineSeccompRule<S extends z.ZodMiniType>(def: {
  meta: RuleMeta<ProfileRemediation>;
  refuses: boolean;
  options: S;
  check: (profile: ProfileDocument, options: z.output<S>, context: SeccompRuleContext) => RuleHit[];
}): SeccompProfileRule<z.output<S>> {
  checkMeta(def.meta);
  return {
    kind: "seccomp",
    meta: { ...def.meta, docs: docsPath(def.meta.id) },
    refuses: def.refuses,
    options: def.options as z.ZodMiniType<z.output<S>>,
    check: def.check,
  };
}

/** The options schema of a rule that takes none. */
export const noOptions = z.strictObject({});
