import { defineRule, noOptions } from "../define.js";
import type { RuleHit } from "../types.js";

/** Actions that let a syscall through (or only log it): they confine nothing. */
const PERMISSIVE = new Set(["SCMP_ACT_ALLOW", "SCMP_ACT_LOG"]);

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/**
 * Judge an inline profile. `{}` disables seccomp in Docker (verified on 20.10); an
 * allow-by-default profile whose rules never deny anything is unconfined in all but name.
 */
export function judgeSeccompProfile(json: unknown): {
  level: "unconfined" | "denylist" | "ok";
  why: string;
} {
  const profile = asRecord(json);
  if (profile === undefined)
    return { level: "unconfined", why: "the profile is not a JSON object" };
  const action = profile.defaultAction;
  if (action === undefined)
    return {
      level: "unconfined",
      why: "the profile has no defaultAction (Docker runs such a profile as no filter at all)",
    };
  if (typeof action !== "string")
    return { level: "unconfined", why: "defaultAction is not a string" };
  if (!PERMISSIVE.has(action)) return { level: "ok", why: "" };
  const syscalls = Array.isArray(profile.syscalls) ? profile.syscalls : [];
  const denies = syscalls.some((s) => {
    const a = asRecord(s)?.action;
    return typeof a === "string" && !PERMISSIVE.has(a);
  });
  return denies
    ? {
        level: "denylist",
        why: `defaultAction ${action}: every syscall not listed is allowed (a denylist misses new syscalls)`,
      }
    : {
        level: "unconfined",
        why: `defaultAction ${action} and no rule denies anything: the filter blocks nothing`,
      };
}

export const seccomp = defineRule({
  meta: {
    id: "DW-SEC-002",
    name: "seccomp",
    title: "Seccomp is disabled or does not confine",
    severity: "high",
    cis: ["5.21"],
    pss: "baseline",
    presets: ["baseline", "restricted", "cis"],
    remediation: {
      run: "remove --security-opt seccomp=unconfined (Docker's default profile applies) or give a least-privilege profile: --security-opt seccomp=profile.json",
      compose:
        "remove `seccomp:unconfined` from `security_opt:`, or point it at a least-privilege profile file",
    },
  },
  options: noOptions,
  check(spec) {
    const s = spec.seccomp;
    if (s === undefined) return [];
    const hits: RuleHit[] = [];
    switch (s.value.kind) {
      case "unconfined":
        hits.push({
          message:
            "seccomp=unconfined: every syscall, including the ones behind most kernel escapes, is allowed",
          origin: s.origin,
        });
        break;
      case "profile": {
        const verdict = judgeSeccompProfile(s.value.json);
        if (verdict.level === "unconfined")
          hits.push({
            message: `the seccomp profile is effectively unconfined: ${verdict.why}`,
            origin: s.origin,
          });
        else if (verdict.level === "denylist")
          hits.push({
            message: `the seccomp profile allows by default: ${verdict.why}`,
            origin: s.origin,
            severity: "medium",
          });
        break;
      }
      case "file":
        hits.push({
          message: `the seccomp profile ${s.value.path} could not be read, so it cannot be judged`,
          origin: s.origin,
          severity: "info",
        });
        break;
      case "default":
        break;
    }
    return hits;
  },
});
