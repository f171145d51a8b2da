#!/usr/bin/env node
// Benchmark: `dockward lint` over generated compose files of 100 and 10,000 services.
// Prints wall time and peak memory for each, and the ratio to plain Node start-up measured in
// the same run (rounds interleave baseline and lint so machine noise hits both alike).
//   npm run build && node bench/lint-compose.mjs [--rounds 5]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = join(root, "dist/cli/main.js");
const hook = join(root, "bench/peak-rss.mjs");
const roundsArg = process.argv.indexOf("--rounds");
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 5;

function service(i) {
  // a realistic service: some hardened, some not, so rules fire throughout
  const bad = i % 3 === 0;
  return [
    `  svc-${i}:`,
    `    image: registry.example/team/app-${i % 50}:1.${i % 7}`,
    `    container_name: app-${i}`,
    `    restart: ${bad ? "always" : "on-failure:3"}`,
    `    user: "${bad ? "0" : "10001"}:10001"`,
    `    read_only: ${bad ? "false" : "true"}`,
    `    cap_drop: [ALL]`,
    `    cap_add: [${bad ? "SYS_ADMIN, NET_ADMIN" : "NET_BIND_SERVICE"}]`,
    `    security_opt:`,
    `      - no-new-privileges:true`,
    ...(bad ? [`      - seccomp:unconfined`] : []),
    `    ports:`,
    `      - "${bad ? "" : "127.0.0.1:"}${10000 + (i % 50000)}:8080"`,
    `    volumes:`,
    `      - ./data/${i}:/data${bad ? "" : ":ro"}`,
    ...(bad ? [`      - /var/run/docker.sock:/var/run/docker.sock`] : []),
    `    environment:`,
    `      APP_ID: "${i}"`,
    `      LOG_LEVEL: \${LOG_LEVEL:-info}`,
    `    deploy:`,
    `      resources:`,
    `        limits: { cpus: "0.5", memory: 256M, pids: 100 }`,
    `    labels:`,
    `      team: t${i % 20}`,
  ].join("\n");
}

function generate(dir, n) {
  const file = join(dir, `compose-${n}.yaml`);
  const body = ["services:", ...Array.from({ length: n }, (_, i) => service(i))].join("\n");
  writeFileSync(file, `${body}\n`);
  return { file, bytes: Buffer.byteLength(body) };
}

function timeRun(args, dir) {
  const rssFile = join(dir, `rss-${process.hrtime.bigint()}`);
  const start = process.hrtime.bigint();
  const res = spawnSync(process.execPath, ["--import", hook, ...args], {
    env: { ...process.env, DOCKWARD_BENCH_RSS: rssFile, NO_COLOR: "1" },
    stdio: ["ignore", "ignore", "pipe"],
    maxBuffer: 1 << 30,
  });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (res.status !== 0 && res.status !== 1)
    throw new Error(`${args.join(" ")} exited ${res.status}: ${res.stderr}`);
  let rss = 0;
  try {
    rss = Number(readFileSync(rssFile, "utf8"));
  } catch {
    /* a run that did not exit normally has no figure */
  }
  return { wall, rss };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dir = mkdtempSync(join(tmpdir(), "dockward-bench-"));
try {
  const sizes = [100, 10_000].map((n) => ({ n, ...generate(dir, n) }));
  const base = [];
  const runs = new Map(sizes.map((s) => [s.n, []]));
  for (let r = 0; r < rounds; r++) {
    base.push(timeRun(["-e", ""], dir));
    for (const s of sizes)
      runs
        .get(s.n)
        .push(
          timeRun(
            [cli, "lint", "-f", s.file, "--format", "json", "-o", join(dir, "out.json")],
            dir,
          ),
        );
  }
  const baseWall = median(base.map((b) => b.wall));
  const baseRss = median(base.map((b) => b.rss));
  console.log(
    `node start-up (baseline): ${baseWall.toFixed(3)} s, ${(baseRss / 2 ** 20).toFixed(0)} MB peak; ${rounds} rounds, medians`,
  );
  const targets = { 100: { wall: 0.3, rss: Infinity }, 10000: { wall: 3, rss: 600 * 2 ** 20 } };
  for (const s of sizes) {
    const xs = runs.get(s.n);
    const wall = median(xs.map((x) => x.wall));
    const rss = Math.max(...xs.map((x) => x.rss));
    const t = targets[s.n];
    const ok = wall <= t.wall && rss <= t.rss;
    console.log(
      `${String(s.n).padStart(6)} services (${(s.bytes / 2 ** 20).toFixed(1)} MB): ${wall.toFixed(3)} s wall (${(wall / baseWall).toFixed(1)}× node start-up), ` +
        `${(rss / 2 ** 20).toFixed(0)} MB peak RSS (${(rss / baseRss).toFixed(1)}× baseline) — target ≤ ${t.wall} s${t.rss === Infinity ? "" : `, ≤ ${t.rss / 2 ** 20} MB`}: ${ok ? "met" : "MISSED"}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
