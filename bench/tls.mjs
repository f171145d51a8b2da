#!/usr/bin/env node
// Benchmark: `dockward tls init` (a full ECDSA P-256 set: CA, server and client keys and
// certificates, daemon.json, written 0400/0444) against, in the same run and interleaved:
//   - `dockward --version` (the same node process start-up, with no work), and
//   - the openssl CLI making the same set (3 × genpkey, req -x509, 2 × req + x509 -req).
// Target: a full set in well under a second of wall time.
//   npm run build && node bench/tls.mjs [--rounds 10]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = join(root, "dist/cli/main.js");
const i = process.argv.indexOf("--rounds");
const rounds = i > 0 ? Number(process.argv[i + 1]) : 10;
const work = mkdtempSync(join(tmpdir(), "dw-bench-tls-"));

function time(cmd, args, opts = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: "utf8", ...opts });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  return ms;
}

const CNF = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = bench
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
`;
writeFileSync(join(work, "openssl.cnf"), CNF);

function opensslSet(dir) {
  const o = (args) => spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  const t = process.hrtime.bigint();
  for (const k of ["ca-key.pem", "server-key.pem", "key.pem"])
    o(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", k]);
  const cnf = join(work, "openssl.cnf");
  o([
    "req",
    "-new",
    "-x509",
    "-config",
    cnf,
    "-extensions",
    "ca",
    "-key",
    "ca-key.pem",
    "-days",
    "1825",
    "-out",
    "ca.pem",
  ]);
  for (const [key, ext, out] of [
    ["server-key.pem", "server", "server-cert.pem"],
    ["key.pem", "client", "cert.pem"],
  ]) {
    o(["req", "-new", "-config", cnf, "-key", key, "-out", `${ext}.csr`]);
    o([
      "x509",
      "-req",
      "-in",
      `${ext}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca-key.pem",
      "-CAcreateserial",
      "-days",
      "365",
      "-extfile",
      cnf,
      "-extensions",
      ext,
      "-out",
      out,
    ]);
  }
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const results = { init: [], version: [], openssl: [] };
for (let r = 0; r < rounds; r++) {
  results.version.push(time(process.execPath, [cli, "--version"]));
  results.init.push(
    time(process.execPath, [
      cli,
      "tls",
      "init",
      "--out",
      join(work, `set-${r}`),
      "--san",
      "DNS:bench.test",
    ]),
  );
  const dir = join(work, `openssl-${r}`);
  spawnSync("mkdir", ["-p", dir]);
  results.openssl.push(opensslSet(dir));
}
rmSync(work, { recursive: true, force: true });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const init = median(results.init);
const version = median(results.version);
const openssl = median(results.openssl);
console.log(`rounds: ${rounds} (medians, wall time)`);
console.log(`dockward tls init (full ECDSA P-256 set): ${init.toFixed(0)} ms`);
console.log(`dockward --version (start-up only):        ${version.toFixed(0)} ms`);
console.log(`  => key generation + signing + writing:   ${(init - version).toFixed(0)} ms`);
console.log(`openssl CLI, same set (8 processes):        ${openssl.toFixed(0)} ms`);
console.log(
  `ratio tls init / openssl: ${(init / openssl).toFixed(2)}×; ${init < 1000 ? "well under" : "NOT under"} one second`,
);
