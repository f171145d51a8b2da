#!/usr/bin/env node
// The whole product on a real engine, without touching yours: start a throwaway private
// dockerd (its own data-root and socket), create a few safe and deliberately risky containers,
// audit it, write the HTML report, and tear everything down.
//   npm run build && node scripts/demo.mjs [--out dockward-demo.html]
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outArg = process.argv.indexOf("--out");
const out = resolve(
  outArg > 0 ? (process.argv[outArg + 1] ?? "dockward-demo.html") : "dockward-demo.html",
);
process.env.DOCKWARD_TEST_ROOT ??= "/tmp/dwt-demo";
const { startHarness, stopHarness } = await import(join(root, "dist/dev/engine.js"));
const cli = join(root, "dist/cli/main.js");

console.log("starting a throwaway private Docker engine…");
const h = await startHarness();
const docker = (...args) => {
  const res = spawnSync("docker", ["-H", h.unixHost, ...args], {
    encoding: "utf8",
    env: { ...process.env, DOCKER_CONFIG: "/nonexistent" },
  });
  if (res.status !== 0) throw new Error(`docker ${args.join(" ")}: ${res.stderr.trim()}`);
  return res.stdout.trim();
};
const containers = {
  // created, never started: privileged containers cannot start on every machine, and a created
  // one is still one `docker start` from running — audit judges it all the same
  "demo-privileged": ["--privileged"],
  "demo-socket": ["-v", "/var/run/docker.sock:/var/run/docker.sock"],
  "demo-host-pid": ["--pid", "host", "--cap-add", "SYS_PTRACE"],
  "demo-no-seccomp": ["--security-opt", "seccomp=unconfined", "-v", "/etc:/host-etc"],
  "demo-defaults": [],
  "demo-hardened": [
    "--user",
    "10001:10001",
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges",
    "--read-only",
    "--memory",
    "64m",
    "--memory-swap",
    "64m",
    "--cpus",
    "0.5",
    "--pids-limit",
    "50",
    "--cgroupns",
    "private",
    "--restart",
    "on-failure:3",
  ],
};
let code = 0;
try {
  for (const [name, flags] of Object.entries(containers)) {
    docker("create", "--name", name, "--network", "none", ...flags, h.image, "sleep", "600");
  }
  docker("start", "demo-hardened");
  console.log(`created ${Object.keys(containers).length} containers on ${h.unixHost}; auditing…\n`);
  const text = spawnSync(
    process.execPath,
    [cli, "-H", h.unixHost, "audit", "--preset", "restricted"],
    { stdio: "inherit" },
  );
  code = text.status ?? 1;
  const html = spawnSync(
    process.execPath,
    [cli, "-H", h.unixHost, "audit", "--preset", "restricted", "--format", "html", "-o", out],
    { stdio: "inherit" },
  );
  if (html.status !== 0 && html.status !== 1)
    throw new Error("the HTML report could not be written");
  console.log(`\nHTML report: ${out}`);
  console.log(`exit code of the audit: ${code} (1 = findings at or above --fail-on high)`);
} finally {
  spawnSync("docker", ["-H", h.unixHost, "rm", "-f", ...Object.keys(containers)], {
    stdio: "ignore",
  });
  await stopHarness();
  console.log("private engine stopped and removed.");
}
