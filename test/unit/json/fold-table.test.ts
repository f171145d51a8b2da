/**
 * src/json/fold-table.ts is generated from Go's unicode tables; this keeps it in step with the
 * generator (and fails, with the install hint, where there is no Go 1.19).
 */

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { format, resolveConfig } from "prettier";
import { describe, expect, it } from "vitest";

import { CACHE_ROOT, ORACLE_DIR, goEnv, goVersion } from "./oracle.js";

describe("fold table", () => {
  it("is what test/go-oracle/cmd/foldtable generates", async () => {
    goVersion();
    const generated = execFileSync("go", ["run", "./cmd/foldtable"], {
      cwd: ORACLE_DIR,
      env: goEnv(CACHE_ROOT),
      encoding: "utf8",
      maxBuffer: 16 * 1024 * 1024,
    });
    const file = join(ORACLE_DIR, "../../src/json/fold-table.ts");
    const options = (await resolveConfig(file)) ?? {};
    const expected = await format(generated, { ...options, filepath: file });
    expect(readFileSync(file, "utf8")).toBe(expected);
  }, 120_000);
});
