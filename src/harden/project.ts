import { resolve } from "node:path";
import { DockwardError } from "../errors.js";
import type { Policy } from "../policy/policy.js";
import { evaluate } from "../rules/evaluate.js";
import type { Finding } from "../rules/types.js";
import { loadCompose } from "../spec/compose/index.js";
import { type HardenChange, type HardenComposeOptions, hardenComposeText } from "./compose.js";

/**
 * Harden a compose project: lint, fix, lint the result, and repeat until nothing changes (a
 * fix can uncover another: with `privileged` gone, the capabilities count). Files are read
 * through `texts` (absolute path → content) and nothing is written: the caller decides.
 */

export interface HardenedProject {
  /** absolute path → new text (every file, changed or not) */
  texts: Map<string, string>;
  /** by the file as given */
  changes: Map<string, HardenChange[]>;
  /** what the policy still finds in the result: the manual steps */
  remaining: Finding[];
}

export function lintCompose(
  files: readonly string[],
  policy: Policy,
  texts?: ReadonlyMap<string, string>,
): Finding[] {
  const result = loadCompose({
    files,
    env: process.env,
    profiles: ["*"],
    undefinedVariables: "warn",
    ...(texts !== undefined ? { overrides: texts } : {}),
  });
  return evaluate(result.specs, policy, { suppressions: result.suppressions }).findings.filter(
    (f) => f.suppressed === undefined,
  );
}

const sameFile = (a: string | undefined, b: string): boolean =>
  a !== undefined && resolve(a) === resolve(b);

export function hardenProject(
  files: readonly string[],
  originals: ReadonlyMap<string, string>,
  policy: Policy,
  options: HardenComposeOptions,
  /** only these services (all when undefined); an unknown name is an error */
  services?: readonly string[],
): HardenedProject {
  const texts = new Map(originals);
  if (services !== undefined) {
    const known = new Set(
      loadCompose({
        files,
        env: process.env,
        profiles: ["*"],
        undefinedVariables: "warn",
        overrides: texts,
      }).specs.map((s) => s.target.service ?? s.target.name),
    );
    const unknown = services.filter((s) => !known.has(s));
    if (unknown.length > 0) {
      throw new DockwardError(
        "USAGE",
        `--service ${unknown.map((u) => JSON.stringify(u)).join(", ")}: no such service in ${files.join(", ")}`,
        { hint: `the services are: ${[...known].sort().join(", ")}` },
      );
    }
  }
  const chosen = (f: Finding): boolean =>
    services === undefined || services.includes(f.target.name);
  const changes = new Map<string, HardenChange[]>();
  // the findings on the texts as they are now: what the next pass fixes, or what remains
  let findings = lintCompose(files, policy, texts);
  for (let pass = 0; pass < 4; pass++) {
    let changed = false;
    for (const file of files) {
      const text = texts.get(resolve(file)) ?? "";
      const mine = findings
        .filter((f) => sameFile(f.target.file, file) && chosen(f))
        .map((f) => ({ ...f, target: { ...f.target, file } }));
      const result = hardenComposeText(file, text, mine, options);
      if (result.text === text) continue;
      changed = true;
      texts.set(resolve(file), result.text);
      changes.set(file, [...(changes.get(file) ?? []), ...result.changes]);
    }
    if (!changed) break;
    findings = lintCompose(files, policy, texts);
  }
  return { texts, changes, remaining: findings.filter(chosen) };
}
