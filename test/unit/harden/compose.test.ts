import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { hardenProject, lintCompose } from "../../../src/harden/project.js";
import { trailingComment } from "../../../src/harden/yaml-edit.js";
import { defaultPolicy } from "../../../src/policy/policy.js";
import { severityRank } from "../../../src/rules/types.js";

const fixtures = resolve(__dirname, "../../fixtures/harden");
const OPTIONS = { memory: "256m", cpus: "1", pids: 256 };

/** Harden one file held in memory (nothing is written). */
function harden(
  file: string,
  text: string,
  preset: "baseline" | "restricted" = "baseline",
  options = OPTIONS,
) {
  const abs = resolve(file);
  const result = hardenProject([abs], new Map([[abs, text]]), defaultPolicy(preset), options);
  return { ...result, out: result.texts.get(abs) ?? "", changes: result.changes.get(abs) ?? [] };
}

/** Rules whose fix needs a person: host paths, host namespaces, devices the service needs. */
const MANUAL = new Set([
  "DW-MNT-001",
  "DW-MNT-002",
  "DW-NS-001",
  "DW-NS-002",
  "DW-NS-003",
  "DW-DEV-001",
]);

describe.each(["monitoring.yaml", "ci-runner.yaml", "dind.yaml", "tracing.yaml"])("%s", (name) => {
  const file = resolve(fixtures, name);
  const text = readFileSync(file, "utf8");

  it("keeps every comment, and the result still loads", () => {
    const { out } = harden(file, text);
    // each original comment survives: in place, or quoted in a "dockward harden" note
    const comments = text
      .split("\n")
      .map((l) => trailingComment(l))
      .filter((c): c is string => c !== undefined);
    expect(comments.length).toBeGreaterThan(0);
    let from = 0;
    for (const c of comments) {
      const at = out.indexOf(c, from);
      expect(at, c).toBeGreaterThanOrEqual(0);
      from = at;
    }
    // lines the edits did not touch are byte for byte the same
    const untouched = text
      .split("\n")
      .filter(
        (l) => !/privileged|cap_add|SYS_|NET_ADMIN|unconfined|security_opt|^\s*-\s*$/.test(l),
      );
    for (const l of untouched) expect(out.split("\n"), l).toContain(l);
    expect(() =>
      lintCompose([file], defaultPolicy("baseline"), new Map([[file, out]])),
    ).not.toThrow();
  });

  it("leaves only manual steps at high or critical (baseline)", () => {
    const before = lintCompose([file], defaultPolicy("baseline"));
    const { remaining, changes } = harden(file, text);
    expect(
      before.some((f) => severityRank(f.severity) >= severityRank("high") && !MANUAL.has(f.ruleId)),
    ).toBe(true);
    const serious = remaining.filter((f) => severityRank(f.severity) >= severityRank("high"));
    expect(serious.filter((f) => !MANUAL.has(f.ruleId))).toEqual([]);
    expect(changes.length).toBeGreaterThan(0);
  });

  it("is idempotent: hardening the result changes nothing", () => {
    const { out } = harden(file, text, "restricted");
    const again = harden(file, out, "restricted");
    expect(again.out).toBe(out);
    expect(again.changes).toEqual([]);
  });
});

describe("edits", () => {
  const f = resolve("/virtual/compose.yaml");

  it("comments out privileged, then drops capabilities on the next pass", () => {
    const { out, changes } = harden(
      f,
      "services:\n  a:\n    image: x # keep me\n    privileged: true\n",
      "restricted",
    );
    expect(out).toContain(
      "    image: x # keep me\n    # dockward harden: removed `privileged: true`",
    );
    expect(out).toContain("    cap_drop: [ALL]\n");
    expect(changes.map((c) => c.ruleId)).toContain("DW-PRIV-001");
    expect(changes.map((c) => c.ruleId)).toContain("DW-CAP-002");
  });

  it("removes one capability from a flow list and keeps its spacing", () => {
    const { out } = harden(
      f,
      "services:\n  a:\n    image: x\n    cap_add: [ CHOWN, SYS_ADMIN, NET_BIND_SERVICE ]\n",
    );
    expect(out).toContain("cap_add: [ CHOWN, NET_BIND_SERVICE ]");
  });

  it("edits block lists line by line, keeping comments between items", () => {
    const src =
      "services:\n  a:\n    image: x\n    security_opt:\n      # why\n      - seccomp=unconfined\n      - label:disable # keep\n";
    const { out } = harden(f, src, "restricted");
    expect(out).toContain(
      "    security_opt:\n      # why\n      # dockward harden: removed seccomp=unconfined\n      - label:disable # keep\n      - no-new-privileges:true\n",
    );
  });

  it("puts limits into deploy.resources.limits when the service has it", () => {
    const src =
      "services:\n  a:\n    image: x\n    deploy:\n      resources:\n        limits:\n          cpus: '0.5'\n";
    const { out } = harden(f, src, "restricted");
    expect(out).toContain(
      "        limits:\n          cpus: '0.5'\n          memory: 256m\n          pids: 256\n",
    );
    expect(out).not.toContain("mem_limit");
  });

  it("edits a flow-style service mapping in place", () => {
    const { out } = harden(f, "services:\n  a: { image: x, cap_add: [SYS_ADMIN] }\n", "baseline");
    expect(out).toBe("services:\n  a: { image: x, cap_add: [] }\n");
  });

  it("without --memory, a missing memory limit stays a manual step", () => {
    const { remaining } = harden(f, "services:\n  a:\n    image: x\n", "restricted", {
      memory: undefined,
      cpus: undefined,
      pids: undefined,
    } as never);
    expect(remaining.map((r) => r.ruleId)).toContain("DW-RES-001");
  });

  it("names profiles when asked, replacing one already named", () => {
    const src = "services:\n  a:\n    image: x\n    security_opt: [apparmor=old]\n";
    const seccomp = resolve(fixtures, "seccomp.json");
    const { out } = harden(f, src, "baseline", { ...OPTIONS, apparmor: "web", seccomp } as never);
    expect(out).toContain(`security_opt: [seccomp=${seccomp}, apparmor=web]`);
  });
});

describe("--service", () => {
  const f = resolve("/virtual/services.yaml");
  const src =
    "services:\n  a:\n    image: x\n    privileged: true\n  b:\n    image: y\n    privileged: true\n";

  it("hardens only the services named", () => {
    const abs = resolve(f);
    const r = hardenProject([abs], new Map([[abs, src]]), defaultPolicy("baseline"), OPTIONS, [
      "b",
    ]);
    const out = r.texts.get(abs) ?? "";
    expect(out).toContain("  a:\n    image: x\n    privileged: true\n");
    expect(out).toContain("  b:\n    image: y\n    # dockward harden: removed `privileged: true`");
    expect(r.remaining.every((x) => x.target.name === "b")).toBe(true);
  });

  it("an unknown service is a usage error naming the ones there are", () => {
    const abs = resolve(f);
    expect(() =>
      hardenProject([abs], new Map([[abs, src]]), defaultPolicy("baseline"), OPTIONS, ["c"]),
    ).toThrow(/--service "c": no such service/);
  });
});
