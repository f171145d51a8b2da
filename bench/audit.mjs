#!/usr/bin/env node
// Benchmark: `dockward audit` of 500 containers on a private engine, against ONE
// `docker inspect` of the same 500 containers (the least any audit must do), measured in the
// same run, rounds interleaved. Target: dockward ≤ 2× docker inspect.
//   npm run build && node bench/audit.mjs [--containers 500] [--rounds 5]
import { spawnSync } from "node:child_process";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const root = fileURLToPath(new URL("..", import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const count = arg("--containers", 500);
const rounds = arg("--rounds", 5);
process.env.DOCKWARD_TEST_ROOT ??= "/tmp/dwt-bench";
const { startHarness, stopHarness } = await import(join(root, "dist/dev/engine.js"));

function api(socketPath, method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        socketPath,
        method,
        path,
        headers: data ? { "Content-Type": "application/json", "Content-Length": data.length } : {},
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

function timed(cmd, args) {
  const start = process.hrtime.bigint();
  const res = spawnSync(cmd, args, {
    stdio: ["ignore", "ignore", "pipe"],
    maxBuffer: 1 << 30,
    env: { ...process.env, DOCKER_CONFIG: "/nonexistent" },
  });
  if (res.status !== 0 && res.status !== 1)
    throw new Error(`${cmd} ${args.slice(0, 4).join(" ")} … exited ${res.status}: ${res.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const h = await startHarness();
const ids = [];
try {
  // a realistic mix: mostly ordinary containers, some risky, all created (none started)
  const variants = [
    {},
    {
      HostConfig: {
        NetworkMode: "none",
        Memory: 67108864,
        PidsLimit: 100,
        CapDrop: ["ALL"],
        ReadonlyRootfs: true,
      },
    },
    { HostConfig: { NetworkMode: "none", CapAdd: ["SYS_ADMIN"], Binds: ["/etc:/host-etc:ro"] } },
    { HostConfig: { NetworkMode: "none", SecurityOpt: ["seccomp=unconfined"], PidMode: "host" } },
  ];
  for (let i = 0; i < count; i += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, count - i) }, (_, j) => {
        const v = variants[(i + j) % variants.length];
        return api(h.socketPath, "POST", `/containers/create?name=dw-bench-${i + j}`, {
          Image: h.image,
          Cmd: ["true"],
          Labels: { "dockward.bench": "1" },
          ...v,
          HostConfig: { NetworkMode: "none", ...v.HostConfig },
        });
      }),
    );
    for (const r of batch) {
      if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.body}`);
      ids.push(JSON.parse(r.body).Id);
    }
  }
  const cli = join(root, "dist/cli/main.js");
  const inspect = [];
  const audit = [];
  for (let r = 0; r < rounds; r++) {
    inspect.push(timed("docker", ["-H", h.unixHost, "inspect", ...ids]));
    audit.push(
      timed(process.execPath, [
        cli,
        "-H",
        h.unixHost,
        "audit",
        "--format",
        "json",
        "-o",
        "/dev/null",
        "--fail-on",
        "none",
      ]),
    );
  }
  const a = median(audit);
  const d = median(inspect);
  console.log(`${count} containers, ${rounds} interleaved rounds, medians`);
  console.log(`  docker inspect (one call, all ${count}): ${d.toFixed(3)} s`);
  console.log(
    `  dockward audit (list + ${count} inspects + rules + report): ${a.toFixed(3)} s = ${(a / d).toFixed(2)}× docker inspect — target ≤ 2×: ${a / d <= 2 ? "met" : "MISSED"}`,
  );
  const bench = spawnSync(
    "sh",
    [
      "-c",
      "command -v docker-bench-security.sh || ls /usr/share/docker-bench-security/docker-bench-security.sh 2>/dev/null",
    ],
    { encoding: "utf8" },
  );
  console.log(
    bench.stdout.trim() === ""
      ? "  docker-bench-security: not installed here, no ratio"
      : `  docker-bench-security found at ${bench.stdout.trim()}: run it by hand against this engine to compare`,
  );
} finally {
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(
      ids.slice(i, i + 50).map((id) => api(h.socketPath, "DELETE", `/containers/${id}?force=1`)),
    );
  }
  await stopHarness();
}
