// Build: one bundle for the CLI, started through a V8 code cache.
//
// A CLI pays its module graph on every start; as ~150 separate files (ours, zod, yaml,
// commander) start-up took ~0.45 s, bundled ~0.25 s, and then V8 still parsed the whole bundle
// and compiled each function on first call. Node 20 has no module.enableCompileCache, so the
// bundle is built as a CommonJS script (dist/cli/dockward.cjs) and dist/cli/main.js runs it
// with vm.Script and cachedData: the bytecode of every function a command ran is kept per user
// and reused on the next start (see the loader below for where, and when it is skipped). An
// audit of 500 containers measured ~0.1 s less CPU with the cache than without.
// Type checking is `npm run typecheck` (tsc); esbuild only strips types.
import { createHash } from "node:crypto";
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { build } from "esbuild";

rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });

/**
 * src/cli/main.ts ends with a top-level `await main(…)`, which a script cannot have: the same
 * call, its exit code set when it settles.
 */
const noTopLevelAwait = {
  name: "no-top-level-await",
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]cli[\\/]main\.ts$/ }, (args) => {
      const text = readFileSync(args.path, "utf8").replace(/^#!.*\n/, "");
      const pattern = /^const (\w+) = await (main\(.*\));\nprocess\.exitCode = \1;$/m;
      if (!pattern.test(text)) {
        throw new Error(
          "src/cli/main.ts no longer ends with `const exitCode = await main(…); process.exitCode = exitCode;`: update noTopLevelAwait in scripts/build.mjs",
        );
      }
      return {
        contents: text.replace(pattern, "void $2.then(($1) => {\n  process.exitCode = $1;\n});"),
        loader: "ts",
      };
    });
  },
};

await build({
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/cli/dockward.cjs",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: "linked",
  // the loader passes the bundle's own file URL (createRequire, docs/ beside dist/)
  define: { "import.meta.url": "__dockwardUrl" },
  plugins: [noTopLevelAwait],
  logLevel: "warning",
});

// esbuild writes code ASCII-only (charset "ascii"), but comments keep their characters. Escaped
// as well, the file is ASCII, and the loader reads it as latin1: a one-byte string, made ~5×
// faster than by decoding UTF-8 (which for a single non-ASCII character makes V8 hold all 2.5 MB
// as a two-byte string). \uXXXX means the same in a comment, string, template or regex.
const bundleText = readFileSync("dist/cli/dockward.cjs", "utf8").replace(
  /[\u0080-\uffff]/g,
  (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
);
writeFileSync("dist/cli/dockward.cjs", bundleText);

// The subcommands that get a cache of their own: each runs different code, and a cache holds
// what the run that wrote it compiled.
const COMMANDS = ["audit", "lint", "info", "rules"];
const bundleHash = createHash("sha256").update(bundleText).digest("hex").slice(0, 16);

const loader = `#!/usr/bin/env node
"use strict";
// dockward's entry point, written by scripts/build.mjs: runs ./dockward.cjs through a V8 code
// cache. The cache lives in $XDG_CACHE_HOME/dockward or ~/.cache/dockward, a directory of the
// user's own that nobody else may write; it is named after this exact bundle, Node version and
// architecture, and V8 rejects it on any other mismatch (then it is written anew). A cache that
// cannot be read or written is skipped silently: it only saves start-up time.
// DOCKWARD_NO_CODE_CACHE=1 turns it off.
const fs = require("node:fs");
const path = require("node:path");
const { Script } = require("node:vm");
const { pathToFileURL } = require("node:url");
const { createRequire } = require("node:module");

const BUNDLE = path.join(__dirname, "dockward.cjs");
const BUNDLE_HASH = ${JSON.stringify(bundleHash)};
const COMMANDS = ${JSON.stringify(COMMANDS)};

function cacheDir() {
  if (process.env.DOCKWARD_NO_CODE_CACHE) return undefined;
  if (typeof process.getuid !== "function") return undefined;
  const xdg = process.env.XDG_CACHE_HOME;
  const home = process.env.HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, "dockward");
  if (home && path.isAbsolute(home)) return path.join(home, ".cache", "dockward");
  return undefined;
}

/** Ours, and writable by nobody else. */
function safe(stat) {
  return stat.uid === process.getuid() && (stat.mode & 0o022) === 0;
}

function readCache(dir, file) {
  let fd;
  try {
    if (!safe(fs.statSync(dir))) return undefined;
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || !safe(stat)) return undefined;
    return fs.readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Make a directory, only inside one of the user's own (never a root-owned ~/.cache for sudo). */
function ownDir(dir, depth) {
  try {
    return fs.statSync(dir).uid === process.getuid();
  } catch {
    if (depth === 0 || !ownDir(path.dirname(dir), depth - 1)) return false;
    fs.mkdirSync(dir, { mode: 0o700 });
    return true;
  }
}

function writeCache(dir, file, script) {
  const tmp = \`\${file}.\${process.pid}.tmp\`;
  try {
    // dir's parent (~/.cache) may be made too, if the user owns its own parent (~)
    if (!ownDir(dir, 2) || !safe(fs.statSync(dir))) return;
    fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600, flag: "wx" });
    fs.renameSync(tmp, file);
    // caches of other builds not written for a week are dead weight
    const old = Date.now() - 7 * 24 * 3600 * 1000;
    for (const name of fs.readdirSync(dir)) {
      const other = path.join(dir, name);
      if (name.endsWith(".cache") && !name.startsWith(BUNDLE_HASH) && fs.statSync(other).mtimeMs < old)
        fs.rmSync(other, { force: true });
    }
  } catch {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {}
  }
}

const dir = cacheDir();
const command = process.argv.slice(2).find((a) => COMMANDS.includes(a)) ?? "other";
const file =
  dir === undefined
    ? undefined
    : path.join(dir, \`\${BUNDLE_HASH}-node\${process.version}-\${process.arch}-\${command}.cache\`);
const cachedData = file === undefined ? undefined : readCache(dir, file);
// ASCII by construction (scripts/build.mjs)
const source = fs.readFileSync(BUNDLE, "latin1");
const script = new Script(
  "(function (exports, require, module, __filename, __dirname, __dockwardUrl) {\\"use strict\\";" + source + "\\n})",
  // no importModuleDynamically: esbuild turns import() of bundled code into require(), and
  // dockward imports nothing it does not bundle
  { filename: BUNDLE, cachedData },
);
if (file !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
  // at exit, when the cache holds every function this command ran
  process.once("exit", () => writeCache(dir, file, script));
}
const bundleModule = { exports: {} };
script.runInThisContext()(
  bundleModule.exports,
  createRequire(BUNDLE),
  bundleModule,
  BUNDLE,
  __dirname,
  pathToFileURL(BUNDLE).href,
);
`;
writeFileSync("dist/cli/main.js", loader);
// dist/cli holds CommonJS (the package is ESM): the loader must start as a script, not a module
writeFileSync("dist/cli/package.json", `${JSON.stringify({ type: "commonjs" })}\n`);
chmodSync("dist/cli/main.js", 0o755);

// The private-engine harness the tests use, for the benchmarks and the demo (not shipped).
await build({
  entryPoints: ["test/harness/engine.ts"],
  outfile: "dist/dev/engine.js",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  logLevel: "warning",
});
