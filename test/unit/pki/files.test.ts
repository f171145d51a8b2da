import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { executePlan, existingNames } from "../../../src/pki/files.js";
import { loadCa } from "../../../src/pki/material.js";
import { planInit } from "../../../src/pki/operations.js";
import { CERT_MODE, KEY_MODE, type PlannedFile, resolvePlan } from "../../../src/pki/plan.js";

const key = (name: string, overwrite: PlannedFile["overwrite"] = "refuse"): PlannedFile => ({
  name,
  contents: `${name}\n`,
  mode: KEY_MODE,
  overwrite,
});
const cert = (name: string, overwrite: PlannedFile["overwrite"] = "refuse"): PlannedFile => ({
  name,
  contents: `${name}\n`,
  mode: CERT_MODE,
  overwrite,
});

describe("resolvePlan (pure)", () => {
  it("writes into an empty directory", () => {
    expect(
      resolvePlan("/d", [cert("ca.pem"), key("ca-key.pem")], new Set(), {
        force: false,
        stamp: "T",
      }),
    ).toEqual({
      writes: [cert("ca.pem"), key("ca-key.pem")],
      moves: [],
    });
  });

  it("refuses a directory that already holds keys, and names them", () => {
    expect(() =>
      resolvePlan("/d", [cert("ca.pem")], new Set(["key.pem", "notes.txt"]), {
        force: false,
        stamp: "T",
        refuseKeys: true,
      }),
    ).toThrow(/\/d already holds key\.pem \(a private key\): nothing was written/);
  });

  it("refuses to replace a file without --force", () => {
    expect(() =>
      resolvePlan("/d", [cert("cert.pem")], new Set(["cert.pem"]), { force: false, stamp: "T" }),
    ).toThrow(/already holds cert\.pem/);
  });

  it("with --force, never overwrites a CA key: it is kept aside", () => {
    const plan = resolvePlan(
      "/d",
      [cert("ca.pem"), key("ca-key.pem"), key("key.pem")],
      new Set(["ca.pem", "ca-key.pem", "key.pem"]),
      {
        force: true,
        stamp: "20250101T000000Z",
        refuseKeys: true,
      },
    );
    expect(plan.moves).toEqual([
      { from: "ca.pem", to: "ca.replaced-20250101T000000Z.pem" },
      { from: "ca-key.pem", to: "ca-key.replaced-20250101T000000Z.pem" },
    ]);
  });

  it("rotation keeps the old files as *.old.pem, and refuses a second CA rotation that would lose ca-key.old.pem", () => {
    const existing = new Set(["ca.pem", "ca-key.pem", "server-cert.pem", "server-cert.old.pem"]);
    const plan = resolvePlan(
      "/d",
      [cert("ca.pem", "keep-old"), cert("server-cert.pem", "keep-old")],
      existing,
      { force: false, stamp: "T" },
    );
    expect(plan.moves).toEqual([
      { from: "ca.pem", to: "ca.old.pem" },
      { from: "server-cert.pem", to: "server-cert.old.pem" },
    ]);
    expect(() =>
      resolvePlan(
        "/d",
        [key("ca-key.pem", "keep-old")],
        new Set(["ca-key.pem", "ca-key.old.pem"]),
        { force: false, stamp: "T" },
      ),
    ).toThrow(/already holds ca-key\.old\.pem/);
    expect(
      resolvePlan(
        "/d",
        [key("ca-key.pem", "keep-old")],
        new Set(["ca-key.pem", "ca-key.old.pem"]),
        { force: true, stamp: "T" },
      ).moves,
    ).toEqual([{ from: "ca-key.pem", to: "ca-key.replaced-T.pem" }]);
  });
});

describe("executePlan and loadCa (files)", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "dw-pki-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes with the modes and leaves no temporaries", () => {
    const out = join(dir, "out");
    const result = executePlan(
      out,
      resolvePlan(out, [cert("ca.pem"), key("ca-key.pem")], existingNames(out), {
        force: false,
        stamp: "T",
      }),
    );
    expect(result.written.map((w) => w.mode)).toEqual([CERT_MODE, KEY_MODE]);
    expect(statSync(join(out, "ca-key.pem")).mode & 0o777).toBe(0o400);
    expect(statSync(join(out, "ca.pem")).mode & 0o777).toBe(0o444);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    expect(readdirSync(out).sort()).toEqual(["ca-key.pem", "ca.pem"]);
  });

  it("detects a CA key that does not belong to the CA certificate (exit 2, nothing written)", async () => {
    const now = new Date();
    const base = {
      sans: [],
      keyType: "ecdsa-p256" as const,
      days: 30,
      client: false,
      listen: [],
      now,
    };
    const a = await planInit({ ...base, dir });
    const b = await planInit({ ...base, dir });
    writeFileSync(join(dir, "ca.pem"), a.find((f) => f.name === "ca.pem")?.contents ?? "");
    writeFileSync(join(dir, "ca-key.pem"), b.find((f) => f.name === "ca-key.pem")?.contents ?? "");
    expect(() => loadCa(dir)).toThrow(/the CA key .*ca-key\.pem does not match the CA certificate/);
    writeFileSync(join(dir, "ca-key.pem"), a.find((f) => f.name === "ca-key.pem")?.contents ?? "");
    expect(loadCa(dir).certificatePem).toBe(a.find((f) => f.name === "ca.pem")?.contents);
  });

  it("names an unreadable CA", () => {
    expect(() => loadCa(join(dir, "missing"))).toThrow(
      /cannot read CA certificate .*missing\/ca\.pem: no such file/,
    );
    writeFileSync(join(dir, "ca.pem"), "junk");
    writeFileSync(join(dir, "ca-key.pem"), "junk");
    expect(() => loadCa(dir)).toThrow(/holds no PEM certificate/);
    expect(readFileSync(join(dir, "ca.pem"), "utf8")).toBe("junk");
  });
});
