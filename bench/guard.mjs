#!/usr/bin/env node
// Benchmark: what `dockward guard` adds in front of a private dockerd, measured against dockerd
// itself in the same run. Each pair of paths is interleaved A B A B in rounds (dockerd slows
// under sustained create/delete and recovers), with keep-alive clients at concurrency 1:
//   GET /_ping                   direct unix socket vs the guard's unix listener   target ≤ 1.5×
//   GET /_ping over mutual TLS   dockerd's own tcp port vs the guard's tcp port    (reported)
//   GET /containers/json?all=1   with 100 containers, direct vs guard (unix)       target ≤ 1.1×
//   create + delete ?force=1     a docker CLI-shaped body, direct vs guard (unix)  target ≤ 1.05×
// Two floors run beside the guard on the unix paths, so the guard's own cost can be told from
// what any relay pays on this machine: a byte relay (node:net, one upstream connection per
// client, no HTTP parsing at all: what a process in the path costs) and a bare node:http
// pass-through (what parsing and re-sending HTTP in Node costs).
// Every client is warmed up first (JIT, connections): a long-running guard is measured in its
// steady state, not in its first hundred requests.
// Then the guard's RSS (VmRSS of its process) after --requests requests through it.
//   npm run build && node bench/guard.mjs [--rounds 6] [--requests 100000] [--containers 100]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const rounds = arg("--rounds", 6);
const requests = arg("--requests", 100_000);
const count = arg("--containers", 100);
const PER_ROUND = { ping: 400, list: 15, create: 8 };
const WARM_UP = { ping: 2000, list: 20, create: 500 };
// --only ping,tls,list,create,rss: a subset, for a quick A/B while working on one path
const onlyAt = process.argv.indexOf("--only");
const only = new Set(
  onlyAt > 0
    ? (process.argv[onlyAt + 1] ?? "").split(",")
    : ["ping", "tls", "list", "create", "rss"],
);
const cli = join(root, "dist/cli/main.js");
process.env.DOCKWARD_TEST_ROOT ??= "/tmp/dwt-gbench";
const { startHarness, stopHarness } = await import(join(root, "dist/dev/engine.js"));

// ─── clients ──────────────────────────────────────────────────────────────────────────────────

/** One keep-alive client (a single connection: concurrency 1) to one endpoint. */
function client(name, target) {
  const agent = target.tls
    ? new https.Agent({ keepAlive: true, maxSockets: 1, ...target.tls })
    : new http.Agent({ keepAlive: true, maxSockets: 1 });
  const mod = target.tls ? https : http;
  const where = target.tls
    ? { host: "127.0.0.1", port: target.port, servername: "localhost" }
    : { socketPath: target.socketPath };
  const call = (method, path, body) =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : Buffer.from(body);
      const req = mod.request(
        {
          ...where,
          agent,
          method,
          path,
          headers: {
            Host: "docker",
            ...(data
              ? { "Content-Type": "application/json", "Content-Length": String(data.length) }
              : {}),
          },
        },
        (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () =>
            resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(data);
    });
  return { name, call, close: () => agent.destroy() };
}

const now = () => process.hrtime.bigint();
const micros = (a, b) => Number(b - a) / 1000;

function expectStatus(r, want, what) {
  if (r.status !== want) throw new Error(`${what}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
}

// ─── workloads ────────────────────────────────────────────────────────────────────────────────

/** What `docker create` (CLI 28, API 1.41) sends for a small, limited container. */
function createBody(image) {
  return JSON.stringify({
    Hostname: "",
    Domainname: "",
    User: "1000:1000",
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: ["APP_ENV=bench", "LOG_LEVEL=info"],
    Cmd: ["sleep", "1"],
    Image: image,
    Volumes: {},
    WorkingDir: "",
    Entrypoint: null,
    OnBuild: null,
    Labels: { "dockward.bench.guard": "1", app: "bench" },
    HostConfig: {
      Binds: null,
      ContainerIDFile: "",
      LogConfig: { Type: "", Config: {} },
      NetworkMode: "none",
      PortBindings: {},
      RestartPolicy: { Name: "no", MaximumRetryCount: 0 },
      AutoRemove: false,
      VolumeDriver: "",
      VolumesFrom: null,
      ConsoleSize: [0, 0],
      CapAdd: null,
      CapDrop: ["ALL"],
      CgroupnsMode: "",
      Dns: [],
      DnsOptions: [],
      DnsSearch: [],
      ExtraHosts: null,
      GroupAdd: null,
      IpcMode: "",
      Cgroup: "",
      Links: null,
      OomScoreAdj: 0,
      PidMode: "",
      Privileged: false,
      PublishAllPorts: false,
      ReadonlyRootfs: true,
      SecurityOpt: ["no-new-privileges"],
      UTSMode: "",
      UsernsMode: "",
      ShmSize: 0,
      Isolation: "",
      CpuShares: 0,
      Memory: 67108864,
      NanoCpus: 500000000,
      CgroupParent: "",
      BlkioWeight: 0,
      BlkioWeightDevice: [],
      BlkioDeviceReadBps: [],
      BlkioDeviceWriteBps: [],
      BlkioDeviceReadIOps: [],
      BlkioDeviceWriteIOps: [],
      CpuPeriod: 0,
      CpuQuota: 0,
      CpuRealtimePeriod: 0,
      CpuRealtimeRuntime: 0,
      CpusetCpus: "",
      CpusetMems: "",
      Devices: [],
      DeviceCgroupRules: null,
      DeviceRequests: null,
      MemoryReservation: 0,
      MemorySwap: 67108864,
      MemorySwappiness: null,
      OomKillDisable: false,
      PidsLimit: 100,
      Ulimits: null,
      CpuCount: 0,
      CpuPercent: 0,
      IOMaximumIOps: 0,
      IOMaximumBandwidth: 0,
      MaskedPaths: null,
      ReadonlyPaths: null,
    },
    NetworkingConfig: { EndpointsConfig: {} },
  });
}

/** One timed operation on a client; returns µs. */
const operations = {
  ping: async (c) => {
    const t = now();
    const r = await c.call("GET", "/_ping");
    const done = now();
    expectStatus(r, 200, `${c.name} /_ping`);
    return micros(t, done);
  },
  list: async (c) => {
    const t = now();
    const r = await c.call("GET", "/v1.41/containers/json?all=1");
    const done = now();
    expectStatus(r, 200, `${c.name} /containers/json`);
    return micros(t, done);
  },
  create: async (c, body) => {
    const t = now();
    const r = await c.call("POST", "/v1.41/containers/create", body);
    expectStatus(r, 201, `${c.name} create`);
    const d = await c.call("DELETE", `/v1.41/containers/${JSON.parse(r.body).Id}?force=1`);
    const done = now();
    expectStatus(d, 204, `${c.name} delete`);
    return micros(t, done);
  },
};

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const fmt = (us) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(0)} µs`);

/**
 * Clients on one operation, interleaved: each round runs a block on each, the order rotating
 * every round, after a short warm-up. Ratios are against the first client.
 */
async function compare(op, clients, perRound, body) {
  const samples = clients.map(() => []);
  const roundRatios = clients.map(() => []);
  for (let r = 0; r < rounds; r++) {
    const medians = [];
    for (let k = 0; k < clients.length; k++) {
      const i = (k + r) % clients.length;
      const c = clients[i];
      for (let j = 0; j < Math.min(5, perRound); j++) await operations[op](c, body);
      const block = [];
      for (let j = 0; j < perRound; j++) block.push(await operations[op](c, body));
      samples[i].push(...block);
      medians[i] = quantile(block, 0.5);
    }
    clients.forEach((_, i) => roundRatios[i].push(medians[i] / medians[0]));
  }
  const base = quantile(samples[0], 0.5);
  return clients.map((c, i) => ({
    label: c.name,
    p50: quantile(samples[i], 0.5),
    p90: quantile(samples[i], 0.9),
    n: samples[i].length,
    ratio: quantile(samples[i], 0.5) / base,
    ratioRange: [Math.min(...roundRatios[i]), Math.max(...roundRatios[i])],
  }));
}

/** `target`: the ratio the guard (the LAST client) must stay within against the first. */
function report(title, results, target) {
  console.log(title);
  const guardRow = results.length - 1;
  results.forEach((r, i) => {
    const ratio =
      i === 0
        ? ""
        : `  ${r.ratio.toFixed(2)}× (rounds ${r.ratioRange[0].toFixed(2)}–${r.ratioRange[1].toFixed(2)}×, +${fmt(r.p50 - results[0].p50)})`;
    const verdict =
      i === guardRow && target !== undefined
        ? `  target ≤ ${target}×: ${r.ratio <= target ? "MET" : "NOT MET"}`
        : "";
    console.log(
      `  ${r.label.padEnd(30)} p50 ${fmt(r.p50).padStart(9)}  p90 ${fmt(r.p90).padStart(9)}  n=${String(r.n).padEnd(5)}${ratio}${verdict}`,
    );
  });
}

/** The floor of any relay process: bytes copied both ways, one upstream connection per client. */
const BYTE_RELAY = `
const net = require("node:net");
net.createServer((c) => {
  const u = net.connect(process.env.UPSTREAM);
  c.pipe(u);
  u.pipe(c);
  c.on("error", () => u.destroy());
  u.on("error", () => c.destroy());
}).listen(process.env.LISTEN, () => console.log("ready"));
`;

/**
 * The floor any Node HTTP proxy pays: a bare node:http pass-through with an upstream keep-alive
 * agent, no authentication, no decision, no log (the field notes' "plain proxy").
 */
const PLAIN_PROXY = `
const http = require("node:http");
const up = new http.Agent({ keepAlive: true });
http.createServer((req, res) => {
  const u = http.request({ agent: up, socketPath: process.env.UPSTREAM, method: req.method, path: req.url, headers: req.headers }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  req.pipe(u);
}).listen(process.env.LISTEN, () => console.log("ready"));
`;

async function waitForLine(child, re, what) {
  let text = "";
  return new Promise((resolve, reject) => {
    const onData = (d) => {
      text += d;
      const m = re.exec(text);
      if (m) {
        child.stdout?.off("data", onData);
        child.stderr?.off("data", onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(m);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${what} exited (${code}): ${text}`)));
  });
}

function vmRss(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
}

// ─── run ──────────────────────────────────────────────────────────────────────────────────────

const reproduce = `npm run build && node bench/guard.mjs --rounds ${rounds} --requests ${requests} --containers ${count}`;
console.log(`reproduce: ${reproduce}`);
const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
console.log(
  `machine: ${spawnSync("nproc", { encoding: "utf8" }).stdout.trim()} CPUs, load average ${load} at start (other work on the machine skews absolute numbers; ratios are measured in the same rounds)`,
);

/** Thrown to leave the run early (an --only without rss): cleanup still runs. */
class Skip extends Error {}
const h = await startHarness();
const dir = mkdtempSync("/tmp/dwg-bench-");
const guardSock = join(dir, "guard.sock");
const plainSock = join(dir, "plain.sock");
const relaySock = join(dir, "relay.sock");
let guard;
let plainProxy;
let byteRelay;
const clients = [];
try {
  // the guard's own TLS material, issued by dockward
  const init = spawnSync(
    process.execPath,
    [cli, "tls", "init", "--out", join(dir, "pki"), "--listen", "tcp://127.0.0.1:2376"],
    { encoding: "utf8" },
  );
  if (init.status !== 0) throw new Error(`tls init: ${init.stderr}`);

  guard = spawn(
    process.execPath,
    [
      cli,
      "guard",
      "-H",
      `unix://${guardSock}`,
      "-H",
      "tcp://127.0.0.1:0",
      "--tlsverify",
      "--tlscacert",
      join(dir, "pki", "ca.pem"),
      "--tlscert",
      join(dir, "pki", "server-cert.pem"),
      "--tlskey",
      join(dir, "pki", "server-key.pem"),
      "--upstream",
      h.unixHost,
      "--preset",
      "baseline",
      "--log",
      join(dir, "decisions.log"),
    ],
    { cwd: dir, stdio: ["ignore", "ignore", "pipe"], env: { PATH: process.env.PATH, HOME: dir } },
  );
  const guardPort = Number(
    (
      await waitForLine(
        guard,
        /listening on tcp:\/\/127\.0\.0\.1:(\d+)[^]*upstream unix:/,
        "the guard",
      )
    )[1],
  );
  plainProxy = spawn(process.execPath, ["-e", PLAIN_PROXY], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { LISTEN: plainSock, UPSTREAM: h.socketPath },
  });
  await waitForLine(plainProxy, /ready/, "the plain proxy");
  byteRelay = spawn(process.execPath, ["-e", BYTE_RELAY], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { LISTEN: relaySock, UPSTREAM: h.socketPath },
  });
  await waitForLine(byteRelay, /ready/, "the byte relay");
  const rssStart = vmRss(guard.pid);

  const material = (d) => ({
    ca: readFileSync(join(d, "ca.pem")),
    cert: readFileSync(join(d, "cert.pem")),
    key: readFileSync(join(d, "key.pem")),
  });
  const direct = client("dockerd (unix)", { socketPath: h.socketPath });
  const viaGuard = client("guard (unix)", { socketPath: guardSock });
  const plain = client("plain node proxy (unix)", { socketPath: plainSock });
  const relay = client("byte relay (unix)", { socketPath: relaySock });
  const dockerdTls = client("dockerd (tcp, mTLS)", {
    port: Number(new URL(h.tlsHost.replace("tcp:", "http:")).port),
    tls: material(h.tlsDir),
  });
  const guardTls = client("guard (tcp, mTLS)", {
    port: guardPort,
    tls: material(join(dir, "pki")),
  });
  clients.push(direct, viaGuard, plain, relay, dockerdTls, guardTls);

  // 100 containers for the list (created, never started)
  const image = h.image;
  for (let i = 0; i < count; i += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, count - i) }, async (_, j) => {
        const c = client("setup", { socketPath: h.socketPath });
        const r = await c.call(
          "POST",
          `/containers/create?name=dwg-bench-${i + j}`,
          JSON.stringify({
            Image: image,
            Cmd: ["true"],
            Labels: { "dockward.bench.guard": "1" },
            HostConfig: { NetworkMode: "none" },
          }),
        );
        c.close();
        expectStatus(r, 201, "setup create");
      }),
    );
  }
  const listSize = (await direct.call("GET", "/v1.41/containers/json?all=1")).body.length;
  console.log(
    `${rounds} interleaved rounds per pair; keep-alive, concurrency 1; guard with --preset baseline --log FILE`,
  );
  console.log("");

  // warm-up: each client's connection, and the JIT of each process, on every path measured
  // (creates name an image that is not there: judged and forwarded, refused by dockerd at once)
  const absent = createBody("dockward-bench-absent:warm-up");
  for (const c of [direct, relay, plain, viaGuard]) {
    for (let i = 0; i < WARM_UP.ping; i++)
      expectStatus(await c.call("GET", "/_ping"), 200, "warm-up");
    for (let i = 0; i < WARM_UP.list; i++)
      expectStatus(await c.call("GET", "/v1.41/containers/json?all=1"), 200, "warm-up");
    for (let i = 0; i < WARM_UP.create; i++)
      expectStatus(await c.call("POST", "/v1.41/containers/create", absent), 404, "warm-up");
  }

  if (only.has("ping")) {
    const ping = await compare("ping", [direct, relay, plain, viaGuard], PER_ROUND.ping);
    report("GET /_ping", ping, 1.5);
  }
  if (only.has("tls")) {
    const pingTls = await compare("ping", [dockerdTls, guardTls], PER_ROUND.ping);
    report("GET /_ping over mutual TLS (both ends terminate TLS; reported, no target)", pingTls);
  }
  if (only.has("list")) {
    const list = await compare("list", [direct, relay, plain, viaGuard], PER_ROUND.list);
    report(
      `GET /containers/json?all=1 (${count} containers, ${(listSize / 1024).toFixed(0)} KB)`,
      list,
      1.1,
    );
  }
  if (only.has("create")) {
    const body = createBody(image);
    const create = await compare(
      "create",
      [direct, relay, plain, viaGuard],
      PER_ROUND.create,
      body,
    );
    report(`POST /containers/create (${body.length} B body) + DELETE ?force=1`, create, 1.05);
  }
  if (!only.has("rss")) throw new Skip();

  // memory: many requests through the guard, 4 keep-alive connections at once
  const rssBefore = vmRss(guard.pid);
  const mix = [
    "/_ping",
    "/_ping",
    "/_ping",
    "/_ping",
    "/_ping",
    "/_ping",
    "/_ping",
    "/v1.41/version",
    "/_ping",
    "/v1.41/containers/json?all=1&limit=5",
  ];
  const workers = Array.from({ length: 4 }, (_, w) =>
    client(`rss-${w}`, { socketPath: guardSock }),
  );
  clients.push(...workers);
  let sent = 0;
  const started = now();
  await Promise.all(
    workers.map(async (c) => {
      while (sent < requests) {
        const path = mix[sent++ % mix.length];
        const r = await c.call("GET", path);
        expectStatus(r, 200, `${c.name} ${path}`);
      }
    }),
  );
  const seconds = micros(started, now()) / 1e6;
  const rssAfter = vmRss(guard.pid);
  console.log("");
  console.log(
    `guard RSS: ${rssStart.rss.toFixed(1)} MB after start, ${rssBefore.rss.toFixed(1)} MB after the latency rounds, ` +
      `${rssAfter.rss.toFixed(1)} MB after ${requests} more requests (${(requests / seconds).toFixed(0)} req/s over 4 connections; ` +
      `80% /_ping, 10% /version, 10% /containers/json?limit=5); peak (VmHWM) ${rssAfter.hwm.toFixed(1)} MB`,
  );
  console.log(
    `load average at the end: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
  );
} catch (err) {
  if (!(err instanceof Skip)) throw err;
} finally {
  for (const c of clients) c.close();
  if (plainProxy !== undefined && plainProxy.exitCode === null) plainProxy.kill("SIGTERM");
  if (byteRelay !== undefined && byteRelay.exitCode === null) byteRelay.kill("SIGTERM");
  if (guard !== undefined && guard.exitCode === null) {
    guard.kill("SIGTERM");
    await new Promise((r) => guard.once("exit", r));
  }
  // the bench's containers, and any a failed create+delete left behind
  const cleanup = client("cleanup", { socketPath: h.socketPath });
  const filters = encodeURIComponent(JSON.stringify({ label: ["dockward.bench.guard=1"] }));
  const left = JSON.parse(
    (await cleanup.call("GET", `/containers/json?all=1&filters=${filters}`)).body,
  );
  for (let i = 0; i < left.length; i += 20) {
    await Promise.all(
      left.slice(i, i + 20).map(async ({ Id }) => {
        const c = client("cleanup", { socketPath: h.socketPath });
        await c.call("DELETE", `/containers/${Id}?force=1`);
        c.close();
      }),
    );
  }
  cleanup.close();
  rmSync(dir, { recursive: true, force: true });
  await stopHarness();
}
console.log(`reproduce: ${reproduce}`);
