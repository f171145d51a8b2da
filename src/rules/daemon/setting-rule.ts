import type { DaemonFact, DaemonSettings } from "../../spec/daemon.js";
import { defineDaemonRule, noOptions } from "../define.js";
import type { DaemonRemediation, DaemonRule, RuleMeta } from "../types.js";

type Value<K extends keyof DaemonSettings> =
  NonNullable<DaemonSettings[K]> extends DaemonFact<infer T> ? T : never;

/**
 * The shape shared by rules about one daemon setting: a hit when the setting is known and
 * unsafe. An unknown setting (a daemon seen only through its API) gives no hit; the audit
 * lists what it could not check.
 */
export function settingRule<K extends keyof DaemonSettings>(def: {
  meta: RuleMeta<DaemonRemediation>;
  setting: K;
  unsafe: (value: Value<K>, settings: DaemonSettings) => boolean;
  message: (value: Value<K>, fact: DaemonFact<Value<K>>) => string;
}): DaemonRule<Record<string, never>> {
  return defineDaemonRule({
    meta: def.meta,
    options: noOptions,
    check(spec) {
      const fact = spec.settings[def.setting] as DaemonFact<Value<K>> | undefined;
      if (fact === undefined || !def.unsafe(fact.value, spec.settings)) return [];
      return [{ message: def.message(fact.value, fact), origin: fact.origin }];
    },
  });
}
