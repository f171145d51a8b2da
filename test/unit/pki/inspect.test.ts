import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { inspectFindings } from "../../../src/pki/checks.js";
import { executePlan } from "../../../src/pki/files.js";
import { analyseMaterial, readMaterial } from "../../../src/pki/inspect.js";
import { planInit } from "../../../src/pki/operations.js";
import { resolvePlan } from "../../../src/pki/plan.js";
import { defaultPolicy } from "../../../src/policy/policy.js";

const dir = mkdtempSync(join(tmpdir(), "dw-pki-inspect-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("tls inspect findings", async () => {
  const now = new Date();
  const base = { sans: [], keyType: "ecdsa-p256" as const, days: 365, listen: [], now };
  const a = await planInit({ ...base, dir: join(dir, "a"), client: true });
  const b = await planInit({ ...base, dir: join(dir, "b"), client: true });
  // a's material, but b's client key beside a's client certificate
  const mixed = a.map((f) =>
    f.name === "key.pem" ? (b.find((g) => g.name === "key.pem") ?? f) : f,
  );
  executePlan(dir, resolvePlan(dir, mixed, new Set(), { force: false, stamp: "T" }));

  it("reports the key that does not match, and nothing else for fresh material (run as root)", () => {
    const analysis = analyseMaterial(readMaterial(dir));
    const client = analysis.certificates.find((c) => c.file.name === "cert.pem");
    expect(client?.chainsTo).toEqual(["ca.pem"]);
    expect(client?.key).toEqual({ file: "key.pem", matches: false });
    const { findings } = inspectFindings(analysis, defaultPolicy("restricted"), now);
    const ids = findings.map((f) => f.ruleId);
    expect(ids).toContain("DW-PKI-002");
    // DW-TLS-004 (owner root) applies when the test does not run as root
    expect(ids.filter((id) => id !== "DW-TLS-004")).toEqual(["DW-PKI-002"]);
  });

  it("judges only the file asked about", () => {
    const { findings } = inspectFindings(
      analyseMaterial(readMaterial(join(dir, "server-cert.pem"))),
      defaultPolicy("restricted"),
      now,
    );
    expect(findings.filter((f) => f.ruleId !== "DW-TLS-004")).toEqual([]);
  });
});
