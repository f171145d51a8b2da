import { defineRule, noOptions } from "../define.js";
import type { RuleHit } from "../types.js";
import { splitSecurityOpt } from "../../spec/security-opt.js";
import type { ContainerSpec, SeccompSetting } from "../../spec/model.js";
import { checkProfile, type ProfileProblem, readProfileDocument } from "../../seccomp/validate.js";

export type SeccompVerdict = "unconfined" | "denylist" | "ambiguous" | "invalid";

export interface SeccompJudgement {
  level: SeccompVerdict;
  why: string;
}

/**
 * "line 3, column 15 (/syscalls/0/action)" — where in the profile a problem is; only the pointer
 * when the text was rebuilt from parsed JSON, whose lines and columns are not the file's.
 */
function placeIn(p: ProfileProblem, file: string | undefined, exact: boolean): string {
  if (!exact) return p.pointer === "" ? "the top of the profile" : p.pointer;
  const at =
    file !== undefined ? `${file}:${p.line}:${p.column}` : `line ${p.line}, column ${p.column}`;
  return p.pointer === "" ? at : `${at} (${p.pointer})`;
}

/**
 * Judge a profile's text with the DW-SCMP checks of `dockward seccomp validate` — one reading of
 * profiles, the daemon's. `{}` disables seccomp in Docker (verified on 20.10); an allow-by-default
 * profile whose rules deny nothing is unconfined in all but name; a key spelt twice makes what
 * runs unknowable. A profile the daemon or runc refuses (or whose start hangs: SCMP_ACT_KILL) is
 * broken, which stops the container rather than exposing it. Several verdicts can hold at once.
 */
export function judgeSeccompProfile(
  text: string,
  options: { file?: string | undefined; exact?: boolean } = {},
): SeccompJudgement[] {
  const { file } = options;
  const exact = options.exact ?? true;
  const problems = checkProfile(readProfileDocument(text, file));
  const ambiguous = problems.find((p) => p.ruleId === "DW-SCMP-003");
  if (ambiguous !== undefined) {
    return [
      {
        level: "ambiguous",
        why: `it gives a key twice or in two spellings at ${placeIn(ambiguous, file, exact)}; the daemon reads keys case-insensitively and the last one wins, so what runs cannot be judged`,
      },
    ];
  }
  const out: SeccompJudgement[] = [];
  const confinement = problems.find((p) => p.ruleId === "DW-SCMP-007");
  if (confinement !== undefined) {
    out.push({
      level: confinement.severity === "medium" ? "denylist" : "unconfined",
      why: confinement.message,
    });
  }
  const broken =
    problems.find((p) => p.refused) ?? problems.find((p) => p.ruleId === "DW-SCMP-008");
  if (broken !== undefined) {
    const others = problems.filter((p) => p.refused).length - (broken.refused ? 1 : 0);
    out.push({
      level: "invalid",
      why: `${broken.message} at ${placeIn(broken, file, exact)}${others > 0 ? ` (and ${others} more; \`dockward seccomp validate\` lists them)` : ""}`,
    });
  }
  return out;
}

/**
 * The profile's text as the daemon receives it: what the adapter kept, else the raw `seccomp=`
 * entry of a request or inspect document (the exact bytes, with duplicate keys and number
 * spellings intact), else the parsed JSON written back (a file read by an adapter that kept
 * only its JSON), else undefined (nothing readable).
 */
function profileText(
  spec: ContainerSpec,
  setting: SeccompSetting & { kind: "profile" },
): { text: string; exact: boolean } | undefined {
  if (setting.text !== undefined) return { text: setting.text, exact: true };
  const origin = spec.seccomp?.origin;
  const raw = spec.securityOpt.find((e) => e.origin === origin)?.value;
  const value = raw === undefined ? undefined : splitSecurityOpt(raw)?.[1];
  const kind = spec.target.kind;
  if (
    value !== undefined &&
    (kind === "request" || kind === "container" || value.trimStart().startsWith("{"))
  )
    return { text: value, exact: true };
  return setting.json === undefined
    ? undefined
    : { text: JSON.stringify(setting.json), exact: false };
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
        const source = profileText(spec, s.value);
        const judgements: SeccompJudgement[] =
          source === undefined
            ? [{ level: "invalid", why: "the profile is not JSON" }]
            : judgeSeccompProfile(source.text, { file: s.value.file, exact: source.exact });
        for (const j of judgements) {
          if (j.level === "unconfined" || j.level === "ambiguous") {
            hits.push({
              message: `the seccomp profile is effectively unconfined: ${j.why}`,
              origin: s.origin,
            });
          } else if (j.level === "denylist") {
            hits.push({
              message: `the seccomp profile allows by default: ${j.why}`,
              origin: s.origin,
              severity: "medium",
            });
          } else {
            hits.push({
              message: `the seccomp profile is broken: ${j.why}`,
              origin: s.origin,
              severity: "low",
            });
          }
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
