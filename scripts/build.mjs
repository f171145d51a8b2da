// Build: one ESM bundle for the CLI. A CLI pays its module graph on every start; as ~150
// separate files (ours, zod, yaml, commander) start-up took ~0.45 s, bundled ~0.25 s.
// Type checking is `npm run typecheck` (tsc); esbuild only strips types.
import { chmodSync, rmSync } from "node:fs";
import { build } from "esbuild";

rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/cli/main.js",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: "linked",
  // bundled CommonJS dependencies call require(); ESM has none, so give them one
  banner: {
    js: "import { createRequire as __dockwardRequire } from 'node:module'; const require = __dockwardRequire(import.meta.url);",
  },
  logLevel: "warning",
});
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
