/**
 * DW-SCMP-007 and 008: profiles the daemon accepts that confine nothing, or that stop the
 * container from starting at all.
 */
import { defineSeccompRule, noOptions } from "../../rules/define.js";
import {
  decodeFails,
  disablesSeccomp,
  effectiveAction,
  originOf,
  PERMISSIVE_ACTIONS,
  ruleNames,
  rulesOf,
} from "./document.js";

export const unconfined = defineSeccompRule({
  meta: {
    id: "DW-SCMP-007",
    name: "seccomp-profile-unconfined",
    title: "Seccomp profile disables seccomp or allows by default",
    severity: "high",
    cis: ["5.21"],
    pss: "baseline",
    presets: ["baseline", "restricted", "cis"],
    remediation: {
      profile:
        'deny by default: "defaultAction": "SCMP_ACT_ERRNO" with rules that allow what the workload needs (`dockward seccomp default` writes Docker\'s own profile to start from)',
    },
  },
  refuses: false,
  options: noOptions,
  check(doc) {
    const view = doc.view;
    // a profile Go cannot decode does not run at all: DW-SCMP-002 reports it
    if (view === undefined || decodeFails(doc)) return [];
    if (disablesSeccomp(view)) {
      return [
        {
          message:
            "the profile has no defaultAction and no syscalls: Docker runs it with no seccomp filter at all, exactly like seccomp=unconfined (`{}` disables seccomp)",
          origin: originOf(doc, view.root),
        },
      ];
    }
    const def = view.defaultAction;
    if (def === undefined || !PERMISSIVE_ACTIONS.has(def.value)) return [];
    const defaultEffect = effectiveAction(def.value, undefined);
    const denies = rulesOf(view).some(
      (r) =>
        r.action !== undefined &&
        !PERMISSIVE_ACTIONS.has(r.action.value) &&
        effectiveAction(r.action.value, r.errnoRet?.value) !== defaultEffect &&
        ruleNames(r).length > 0,
    );
    return [
      denies
        ? {
            message: `defaultAction ${def.value}: every syscall no rule names is allowed, including the ones the kernel adds after the profile was written (a denylist confines less than Docker's default allowlist)`,
            origin: originOf(doc, def),
            severity: "medium",
          }
        : {
            message: `defaultAction ${def.value} and no rule denies anything: the filter blocks nothing, so the container is as unconfined as with seccomp=unconfined`,
            origin: originOf(doc, def),
          },
    ];
  },
});

export const killDefault = defineSeccompRule({
  meta: {
    id: "DW-SCMP-008",
    name: "seccomp-kill-default",
    title: "Default action SCMP_ACT_KILL kills a thread, not the process",
    severity: "medium",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      profile:
        'use "defaultAction": "SCMP_ACT_KILL_PROCESS" (or SCMP_ACT_ERRNO, which fails the call)',
    },
  },
  refuses: false,
  options: noOptions,
  check(doc) {
    const def = doc.view?.defaultAction;
    if (
      def === undefined ||
      (def.value !== "SCMP_ACT_KILL" && def.value !== "SCMP_ACT_KILL_THREAD")
    )
      return [];
    return [
      {
        message: `defaultAction ${def.value} kills only the calling thread: runc's init is a Go program with several threads, so the first refused syscall leaves it half-dead and starting the container hangs (docker run never returns with runc 1.1.5; verified) instead of failing`,
        origin: originOf(doc, def),
      },
    ];
  },
});
