import * as z from "zod/mini";
import type { ContainerSpec } from "../spec/model.js";
import type { Rule, RuleContext, RuleHit, RuleMeta } from "./types.js";

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
export function defineRule<S extends z.ZodMiniType>(def: {
  meta: RuleMeta;
  options: S;
  check: (spec: ContainerSpec, options: z.output<S>, context: RuleContext) => RuleHit[];
}): Rule<z.output<S>> {
  if (!ID.test(def.meta.id)) throw new Error(`rule id ${def.meta.id} does not match DW-AREA-NNN`);
  if (!NAME.test(def.meta.name)) throw new Error(`rule name ${def.meta.name} is not kebab-case`);
  return {
    meta: { ...def.meta, docs: docsPath(def.meta.id) },
    options: def.options as z.ZodMiniType<z.output<S>>,
    check: def.check,
  };
}

/** The options schema of a rule that takes none. */
export const noOptions = z.strictObject({});
