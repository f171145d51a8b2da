/**
 * Runs real Go (test/go-oracle) over documents: builds the oracle once per source version into
 * the temp dir, then decodes a whole batch in one process.
 *
 * No Go toolchain is a FAILURE, not a skip: the oracle is the only check that src/json reads
 * JSON as dockerd does, and CI installs golang-go (scripts/install.sh).
 */

import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import type { GoType } from "../../../src/json/decode.js";

export const ORACLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../go-oracle");

/** dockerd 20.10.24 was built with Go 1.19; another encoding/json would answer other questions. */
const WANTED_GO = "go1.19";

export interface OracleResult {
  kind: "ok" | "syntax" | "type" | "other";
  message?: string;
  /** SyntaxError.Offset: bytes read when the error was found */
  offset?: number;
  /** UnmarshalTypeError.Field: the struct fields (JSON names) leading to the bad value */
  field?: string;
  /** json.Marshal of the decoded value (also after a type error); bytes, because a RawMessage
   * keeps invalid UTF-8 as it came */
  value: Uint8Array;
}

export interface OracleCase {
  type: GoType;
  doc: string | Uint8Array;
}

/** The environment every go invocation gets: caches in a writable place, no network, no VCS. */
export function goEnv(cacheRoot: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: join(cacheRoot, "home"),
    GOCACHE: join(cacheRoot, "gocache"),
    GOPATH: join(cacheRoot, "gopath"),
    GOFLAGS: "-buildvcs=false",
    GOTOOLCHAIN: "local",
    GOPROXY: "off",
    CGO_ENABLED: "0",
  };
}

export const CACHE_ROOT = join(tmpdir(), "dockward-go-oracle");

/** Checks the toolchain, or throws the message that tells the reader what to install. */
export function goVersion(): string {
  let version: string;
  try {
    mkdirSync(CACHE_ROOT, { recursive: true });
    version = execFileSync("go", ["version"], { env: goEnv(CACHE_ROOT), encoding: "utf8" });
  } catch (err) {
    throw new Error(
      "the Go oracle tests need the Go toolchain: install Debian's golang-go (apt-get install -y golang-go; scripts/install.sh does it)",
      { cause: err },
    );
  }
  if (!version.includes(`${WANTED_GO}.`) && !version.includes(`${WANTED_GO} `)) {
    throw new Error(
      `the Go oracle must be ${WANTED_GO} (the Go that built dockerd 20.10), found: ${version.trim()}`,
    );
  }
  return version.trim();
}

let built: string | undefined;

/** Builds cmd/oracle (once per content of its sources) and returns the binary's path. */
export function oracleBinary(): string {
  if (built !== undefined) return built;
  const version = goVersion();
  const hash = createHash("sha256").update(version);
  for (const file of ["go.mod", "cmd/oracle/main.go"]) {
    hash.update(readFileSync(join(ORACLE_DIR, file)));
  }
  const binary = join(CACHE_ROOT, `oracle-${hash.digest("hex").slice(0, 16)}`);
  if (!existsSync(binary)) {
    // Build beside, then rename: test files run in parallel workers and may build at once.
    const partial = `${binary}.${process.pid}.tmp`;
    execFileSync("go", ["build", "-o", partial, "./cmd/oracle"], {
      cwd: ORACLE_DIR,
      env: goEnv(CACHE_ROOT),
      stdio: ["ignore", "pipe", "pipe"],
    });
    renameSync(partial, binary);
  }
  built = binary;
  return binary;
}

/** The oracle's type language: struct fields as an ordered list of [name, type]. */
function oracleType(type: GoType): unknown {
  switch (type.kind) {
    case "struct":
      return {
        kind: "struct",
        fields: Object.entries(type.fields).map(([name, t]) => [name, oracleType(t)]),
      };
    case "map":
    case "slice":
    case "ptr":
      return { kind: type.kind, elem: oracleType(type.elem) };
    default:
      return type;
  }
}

/** Decodes every case with Go's json.Unmarshal, in one process. */
export function runOracle(cases: readonly OracleCase[]): OracleResult[] {
  if (cases.length === 0) return [];
  const typeText = new Map<GoType, string>();
  const lines = cases.map(({ type, doc }) => {
    let t = typeText.get(type);
    if (t === undefined) {
      t = JSON.stringify(oracleType(type));
      typeText.set(type, t);
    }
    const bytes = typeof doc === "string" ? Buffer.from(doc, "utf8") : Buffer.from(doc);
    return `${t}\t${bytes.toString("base64")}\n`;
  });
  const run = spawnSync(oracleBinary(), {
    input: lines.join(""),
    maxBuffer: 512 * 1024 * 1024,
  });
  if (run.status !== 0) {
    throw new Error(`oracle failed (${String(run.status)}): ${run.stderr.toString()}`);
  }
  const out = run.stdout;
  const results: OracleResult[] = [];
  let at = 0;
  for (let k = 0; k < cases.length; k++) {
    // Marshal output holds no raw LF or TAB (strings escape them, RawMessage is compacted).
    const end = out.indexOf(0x0a, at);
    const tab = out.indexOf(0x09, at);
    if (end < 0 || tab < 0 || tab > end) throw new Error(`oracle gave no answer for case ${k}`);
    const head = JSON.parse(out.subarray(at, tab).toString("utf8")) as Omit<OracleResult, "value">;
    results.push({ ...head, value: out.subarray(tab + 1, end) });
    at = end + 1;
  }
  return results;
}
