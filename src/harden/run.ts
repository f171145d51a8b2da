import type { Policy } from "../policy/policy.js";
import { evaluate } from "../rules/evaluate.js";
import type { Finding } from "../rules/types.js";
import { parseRunArgv, runArgvLayout } from "../spec/adapters/run.js";
import type { HardenComposeOptions } from "./compose.js";

/**
 * Harden a `docker run` / `docker create` command line: the same decisions as for compose,
 * as flags. Flags that turn protections off are dropped, the missing ones are added just
 * before the image, everything else (order, spelling, the command after the image) is kept.
 * Pure apart from reading a seccomp profile the command names (as lint does).
 */

export interface RunChange {
  what: string;
  ruleId: string | undefined;
}

export interface HardenedRun {
  argv: string[];
  changes: RunChange[];
  /** what the policy still finds in the result: the manual steps */
  remaining: Finding[];
}

function lintRun(argv: readonly string[], policy: Policy, cwd: string): Finding[] {
  return evaluate([parseRunArgv({ argv, cwd })], policy).findings.filter(
    (f) => f.suppressed === undefined,
  );
}

function onePass(
  argv: readonly string[],
  findings: readonly Finding[],
  options: HardenComposeOptions,
  cwd: string,
): { argv: string[]; changes: RunChange[] } {
  const layout = runArgvLayout({ argv, cwd });
  const has = (id: string): boolean => findings.some((f) => f.ruleId === id);
  const drop = new Set<number>();
  const changes: RunChange[] = [];
  const dropFlag = (index: number, what: string, ruleId: string | undefined): void => {
    const flag = layout.flags.find((x) => x.index === index);
    if (flag === undefined) return;
    for (let i = 0; i < flag.words; i++) drop.add(flag.index + i);
    changes.push({ what, ruleId });
  };
  for (const f of findings) {
    const at = f.target.argIndex;
    if (at === undefined) continue;
    const flag = layout.flags.find((x) => x.index === at);
    if (flag === undefined) continue;
    if (f.ruleId === "DW-PRIV-001" && flag.name === "privileged")
      dropFlag(at, `removed ${argv[at] ?? "--privileged"}`, f.ruleId);
    else if (f.ruleId === "DW-CAP-001" && flag.name === "cap-add")
      dropFlag(at, `removed --cap-add ${flag.value}: ${f.message}`, f.ruleId);
    else if (
      ["DW-SEC-002", "DW-SEC-003", "DW-SEC-004"].includes(f.ruleId) &&
      flag.name === "security-opt"
    )
      dropFlag(at, `removed --security-opt ${flag.value}`, f.ruleId);
  }
  const add: string[] = [];
  const adding = (words: string[], what: string, ruleId: string | undefined): void => {
    add.push(...words);
    changes.push({ what, ruleId });
  };
  if (has("DW-CAP-002")) adding(["--cap-drop", "ALL"], "added --cap-drop ALL", "DW-CAP-002");
  if (has("DW-SEC-001"))
    adding(
      ["--security-opt", "no-new-privileges"],
      "added --security-opt no-new-privileges",
      "DW-SEC-001",
    );
  for (const [kind, value] of [
    ["seccomp", options.seccomp],
    ["apparmor", options.apparmor],
  ] as const) {
    if (value === undefined) continue;
    const named = layout.flags.filter(
      (x) => x.name === "security-opt" && new RegExp(`^${kind}[=:]`).test(x.value),
    );
    if (named.some((x) => x.value.slice(kind.length + 1) === value)) continue;
    for (const x of named) dropFlag(x.index, `removed --security-opt ${x.value}`, undefined);
    adding(
      ["--security-opt", `${kind}=${value}`],
      `added --security-opt ${kind}=${value}`,
      undefined,
    );
  }
  if (has("DW-RES-001") && options.memory !== undefined) {
    adding(["--memory", options.memory], `added --memory ${options.memory}`, "DW-RES-001");
    if (!layout.flags.some((x) => x.name === "memory-swap"))
      adding(
        ["--memory-swap", options.memory],
        `added --memory-swap ${options.memory}: no swap beyond it`,
        "DW-RES-004",
      );
  }
  if (has("DW-RES-002") && options.cpus !== undefined)
    adding(["--cpus", options.cpus], `added --cpus ${options.cpus}`, "DW-RES-002");
  if (has("DW-RES-003") && options.pids !== undefined)
    adding(
      ["--pids-limit", String(options.pids)],
      `added --pids-limit ${options.pids}`,
      "DW-RES-003",
    );
  if (has("DW-FS-001"))
    adding(
      ["--read-only", "--tmpfs", "/tmp"],
      "added --read-only --tmpfs /tmp: check where it writes",
      "DW-FS-001",
    );
  if (has("DW-NS-006")) adding(["--cgroupns", "private"], "added --cgroupns private", "DW-NS-006");
  if (has("DW-USR-001") && options.user !== undefined)
    adding(["--user", options.user], `added --user ${options.user}`, "DW-USR-001");

  const out: string[] = [];
  argv.forEach((word, i) => {
    if (i === layout.imageIndex) out.push(...add);
    if (!drop.has(i)) out.push(word);
  });
  return { argv: out, changes };
}

export function hardenRunArgv(
  argv: readonly string[],
  policy: Policy,
  options: HardenComposeOptions,
  cwd = process.cwd(),
): HardenedRun {
  let current = [...argv];
  const changes: RunChange[] = [];
  const seen = new Set<string>();
  // the findings on the command as it is now: what the next pass fixes, or what remains
  let findings = lintRun(current, policy, cwd);
  for (let pass = 0; pass < 4; pass++) {
    const result = onePass(current, findings, options, cwd);
    // a fix that did not make its finding go away is not applied twice
    if (result.changes.every((c) => seen.has(c.what))) break;
    current = result.argv;
    for (const c of result.changes) {
      if (!seen.has(c.what)) changes.push(c);
      seen.add(c.what);
    }
    findings = lintRun(current, policy, cwd);
  }
  return { argv: current, changes, remaining: findings };
}

/** Quote words for a POSIX shell: plain when safe, else in single quotes. */
export function shellQuote(words: readonly string[]): string {
  return words
    .map((w) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`))
    .join(" ");
}
