import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  allRules,
  containerRules,
  daemonRules,
  pkiRules,
  seccompRules,
} from "../../../src/rules/registry.js";

const docsDir = new URL("../../../docs/rules/", import.meta.url);
const ruleFiles = readdirSync(new URL("../../../src/rules/container/", import.meta.url)).filter(
  (f) => f.endsWith(".ts"),
);
/** daemon rule files: every .ts file but the shared helpers */
const daemonRuleFiles = readdirSync(new URL("../../../src/rules/daemon/", import.meta.url)).filter(
  (f) => f.endsWith(".ts") && !["index.ts", "util.ts", "setting-rule.ts"].includes(f),
);

describe("registry, rule files and docs agree", () => {
  it("ids and names are unique and well-formed", () => {
    const ids = allRules.map((r) => r.meta.id);
    const names = allRules.map((r) => r.meta.name);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(names).size).toBe(names.length);
    for (const id of ids) expect(id).toMatch(/^DW-[A-Z]+-\d{3}$/);
  });

  it("every rule file is registered", () => {
    const registry = readFileSync(
      new URL("../../../src/rules/registry.ts", import.meta.url),
      "utf8",
    );
    for (const file of ruleFiles) {
      expect(registry, file).toContain(`./container/${file.replace(/\.ts$/, ".js")}`);
    }
    const index = readFileSync(
      new URL("../../../src/rules/daemon/index.ts", import.meta.url),
      "utf8",
    );
    for (const file of daemonRuleFiles) {
      expect(index, file).toContain(`./${file.replace(/\.ts$/, ".js")}`);
    }
    expect(daemonRules.length).toBe(daemonRuleFiles.length);
  });

  it("the cis preset is exactly the rules that implement a CIS control", () => {
    for (const { meta } of allRules) {
      expect((meta.presets as readonly string[]).includes("cis"), meta.id).toBe(
        meta.cis.length > 0,
      );
    }
  });

  it("restricted includes everything baseline enables", () => {
    for (const { meta } of allRules) {
      if ((meta.presets as readonly string[]).includes("baseline"))
        expect(meta.presets, meta.id).toContain("restricted");
    }
  });

  it("every rule has metadata a report needs", () => {
    for (const { meta } of containerRules) {
      expect(meta.title.length, meta.id).toBeGreaterThan(5);
      expect(meta.presets.length, meta.id).toBeGreaterThan(0);
      expect(meta.remediation.run, meta.id).not.toBe("");
      expect(meta.remediation.compose, meta.id).not.toBe("");
      for (const c of meta.cis) expect(c, meta.id).toMatch(/^[1-7]\.\d+$/);
      expect(meta.docs).toBe(`docs/rules/${meta.id}.md`);
    }
    for (const { meta } of [...daemonRules, ...pkiRules]) {
      expect(meta.title.length, meta.id).toBeGreaterThan(5);
      expect(meta.presets.length, meta.id).toBeGreaterThan(0);
      expect(meta.remediation.daemon.length, meta.id).toBeGreaterThan(10);
      expect(meta.id, meta.id).toMatch(/^DW-(DMN|TLS|CFG|PKI)-\d{3}$/);
      for (const c of meta.cis) expect(c, meta.id).toMatch(/^[1-7](\.\d+){1,2}$/);
      expect(meta.docs).toBe(`docs/rules/${meta.id}.md`);
    }
    for (const rule of seccompRules) {
      const meta = rule.meta;
      expect(meta.title.length, meta.id).toBeGreaterThan(5);
      expect(meta.presets.length, meta.id).toBeGreaterThan(0);
      expect(meta.remediation.profile.length, meta.id).toBeGreaterThan(10);
      expect(meta.id, meta.id).toMatch(/^DW-SCMP-\d{3}$/);
      expect(meta.docs).toBe(`docs/rules/${meta.id}.md`);
      // what the daemon or runc refuses is an error: it must fail at the default --fail-on high
      if (rule.refuses) expect(meta.severity, meta.id).toBe("high");
    }
  });

  it("seccomp profile rules are numbered in report order, the refusals first", () => {
    expect(seccompRules.map((r) => r.meta.id)).toEqual(
      seccompRules.map((_, i) => `DW-SCMP-${String(i + 1).padStart(3, "0")}`),
    );
    const firstWarning = seccompRules.findIndex((r) => !r.refuses);
    expect(seccompRules.slice(firstWarning).every((r) => !r.refuses)).toBe(true);
  });

  it.each(allRules.map((r) => [r.meta.id, r.meta] as const))(
    "%s has a docs page that matches its metadata",
    (id, meta) => {
      const page = readFileSync(new URL(`${id}.md`, docsDir), "utf8");
      expect(page.startsWith(`# ${id}: ${meta.title}\n`)).toBe(true);
      const row = `| ${id} | ${meta.name} | ${meta.severity} | ${meta.cis.length > 0 ? meta.cis.join(", ") : "—"} | ${meta.pss} | ${meta.presets.join(", ")} |`;
      expect(page).toContain(row);
      for (const heading of [
        "## Why it matters",
        "## How it is exploited",
        "## What dockward checks",
        "## How to fix",
        "## Options",
        "## Exceptions",
      ]) {
        expect(page, `${id}: ${heading}`).toContain(`\n${heading}\n`);
      }
    },
  );

  it("no docs page without a rule", () => {
    const ids = new Set(allRules.map((r) => r.meta.id));
    const pages = readdirSync(docsDir).filter((f) => /^DW-.*\.md$/.test(f));
    for (const p of pages) expect(ids.has(p.replace(/\.md$/, "")), p).toBe(true);
  });

  it("the docs index lists every rule", () => {
    const index = readFileSync(new URL("README.md", docsDir), "utf8");
    for (const { meta } of allRules) expect(index, meta.id).toContain(`(${meta.id}.md)`);
  });
});
