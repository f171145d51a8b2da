import type { SeccompProfileRule } from "../../rules/types.js";
import { killDefault, unconfined } from "./confinement.js";
import {
  ineffectiveRule,
  sameArgTwice,
  shadowedRule,
  unknownField,
  unmatchedName,
  versionCompat,
} from "./hygiene.js";
import {
  ambiguousKey,
  conflictingFields,
  fieldType,
  invalidValue,
  jsonSyntax,
  unknownConstant,
} from "./refusals.js";

/**
 * The seccomp profile rules of `dockward seccomp validate`, in report order: first what the
 * daemon or runc refuses (DW-SCMP-001…006), then what they accept but run differently from what
 * the profile seems to say. Registered in src/rules/registry.ts like every rule.
 */
export const seccompRules = [
  jsonSyntax,
  fieldType,
  ambiguousKey,
  unknownConstant,
  invalidValue,
  conflictingFields,
  unconfined,
  killDefault,
  unknownField,
  versionCompat,
  unmatchedName,
  ineffectiveRule,
  shadowedRule,
  sameArgTwice,
] as const satisfies readonly SeccompProfileRule[];
