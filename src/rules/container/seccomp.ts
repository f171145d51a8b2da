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
 * A key as Go's encoding/json (and so the daemon) reads it: case-insensitively. Two spellings
 * of one key make the outcome depend on document order, which JSON.parse does not keep for
 * them, so that is reported as ambiguous rather than guessed.
 */
function goKey(obj: Record<string, unknown>, key: string): { value: unknown; ambiguous: boolean } {
  const matches = Object.keys(obj).filter((k) => k.toLowerCase() === key.toLowerCase());
  const only = matches.length === 1 ? matches[0] : undefined;
  return { value: only === undefined ? undefined : obj[only], ambiguous: matches.length > 1 };
}

export type SeccompVerdict = "unconfined" | "denylist" | "invalid" | "ok";

/**
 * Judge an inline profile. `{}` disables seccomp in Docker (verified on 20.10); an
 * allow-by-default profile whose rules never deny anything is unconfined in all but name.
 */
export function judgeSeccompProfile(json: unknown): { level: SeccompVerdict; why: string } {
  const profile = asRecord(json);
  if (profile === undefined)
    return { level: "unconfined", why: "the profile is not a JSON object" };
  const defaultAction = goKey(profile, "defaultAction");
  const syscallsKey = goKey(profile, "syscalls");
  if (defaultAction.ambiguous || syscallsKey.ambiguous) {
    return {
      level: "unconfined",
      why: "it spells defaultAction or syscalls twice in different case; the daemon reads keys case-insensitively and the last one wins, so what runs cannot be judged",
    };
  }
  const action = defaultAction.value;
  const syscalls = Array.isArray(syscallsKey.value) ? syscallsKey.value : [];
  if (action === undefined) {
    return syscalls.length === 0
      ? {
          level: "unconfined",
          why: "the profile has no defaultAction and no rules (Docker runs `{}` as no filter at all)",
        }
      : {
          level: "invalid",
          why: "the profile has no defaultAction: runc refuses to start the container",
        };
  }
  if (typeof action !== "string") {
    return {
      level: "invalid",
      why: "defaultAction is not a string: the daemon refuses the profile",
    };
  }
  if (!PERMISSIVE.has(action)) return { level: "ok", why: "" };
  const denies = syscalls.some((s) => {
    const rule = asRecord(s);
    const a = rule === undefined ? undefined : goKey(rule, "action").value;
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
        if (verdict.level === "unconfined") {
          hits.push({
            message: `the seccomp profile is effectively unconfined: ${verdict.why}`,
            origin: s.origin,
          });
        } else if (verdict.level === "denylist") {
          hits.push({
            message: `the seccomp profile allows by default: ${verdict.why}`,
            origin: s.origin,
            severity: "medium",
          });
        } else if (verdict.level === "invalid") {
          hits.push({
            message: `the seccomp profile is broken: ${verdict.why}`,
            origin: s.origin,
            severity: "low",
          });
        }
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
