import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EngineClient } from "../../src/engine/client.js";
import { resolveEndpoint } from "../../src/engine/endpoint.js";
import { runCli } from "../harness/cli.js";

const h = inject("harness");
const client = new EngineClient(
  resolveEndpoint({ flags: { hosts: [h.unixHost] }, env: { DOCKER_CONFIG: "/nonexistent" } }),
);
const dir = { path: "" };
const profiles = {
  default: "",
  network: "",
  namespaces: "",
  mount: "",
  namespacesFromAllowAll: "",
};

/** The container's stdout and stderr from a non-TTY log stream (8-byte frame headers). */
function demux(buf: Buffer): string {
  let out = "";
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + size).toString("utf8");
    i += 8 + size;
  }
  return out;
}

let seq = 0;

/**
 * Run `sh -c script` in a busybox container whose HostConfig.SecurityOpt carries the profile's
 * JSON text, as the docker CLI sends `--security-opt seccomp=FILE`; no network but loopback.
 */
async function runUnder(
  seccomp: string,
  script: string,
  capAdd: string[] = [],
): Promise<{ exit: number; output: string }> {
  const name = `dw-seccomp-gen-${process.pid}-${++seq}`;
  await client.request("POST", "/containers/create", {
    query: { name },
    body: {
      Image: h.image,
      Cmd: ["sh", "-c", script],
      HostConfig: { NetworkMode: "none", SecurityOpt: [`seccomp=${seccomp}`], CapAdd: capAdd },
    },
  });
  try {
    await client.request("POST", `/containers/${name}/start`);
    const waited = await client.request("POST", `/containers/${name}/wait`, { timeoutMs: 60_000 });
    const exit = (JSON.parse(waited.body.toString("utf8")) as { StatusCode: number }).StatusCode;
    const logs = await client.request("GET", `/containers/${name}/logs`, {
      query: { stdout: true, stderr: true },
    });
    return { exit, output: demux(logs.body) };
  } finally {
    await client.request("DELETE", `/containers/${name}`, { query: { force: true } });
  }
}

async function generate(file: string, args: string[]): Promise<string> {
  const res = await runCli(["seccomp", ...args, "-o", file]);
  expect(res.code, res.stderr).toBe(0);
  return readFile(file, "utf8");
}

beforeAll(async () => {
  dir.path = await mkdtemp(join(tmpdir(), "dw-seccomp-gen-"));
  await client.negotiate();
  const at = (f: string) => join(dir.path, f);
  profiles.default = await generate(at("default.json"), ["default"]);
  profiles.network = await generate(at("network.json"), ["deny", "--network"]);
  profiles.namespaces = await generate(at("namespaces.json"), ["deny", "--namespaces"]);
  profiles.mount = await generate(at("mount.json"), ["deny", "--mount"]);
  await writeFile(at("allow-all.json"), '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": []}\n');
  profiles.namespacesFromAllowAll = await generate(at("ns-allow-all.json"), [
    "deny",
    "--namespaces",
    "--from",
    at("allow-all.json"),
  ]);
});

afterAll(async () => {
  client.close();
  await rm(dir.path, { recursive: true, force: true });
});

const EPERM = "Operation not permitted";

describe("generated seccomp profiles on the real engine", () => {
  it("the default profile is accepted and applied (Seccomp: 2 inside)", async () => {
    const r = await runUnder(profiles.default, "grep Seccomp: /proc/self/status; true");
    expect(r.exit, r.output).toBe(0);
    expect(r.output).toMatch(/Seccomp:\s+2/);
  });

  it("every derived profile is accepted: `true` exits 0", async () => {
    for (const p of [
      profiles.network,
      profiles.namespaces,
      profiles.mount,
      profiles.namespacesFromAllowAll,
    ]) {
      const r = await runUnder(p, "true");
      expect(r.exit, r.output).toBe(0);
    }
  });

  it("default: loopback networking works (nc listens, nc connects)", async () => {
    const r = await runUnder(
      profiles.default,
      // the client retries until the listener is up: no sleep-based ordering
      "nc -l -p 4444 > /tmp/got & for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do echo hello | nc 127.0.0.1 4444 2>/dev/null && break; sleep 0.2; done; wait; cat /tmp/got",
    );
    expect(r.exit, r.output).toBe(0);
    expect(r.output).toContain("hello");
  });

  it("default: a closed port is refused by the network, not by seccomp", async () => {
    const r = await runUnder(profiles.default, "nc 127.0.0.1 1; echo nc=$?");
    expect(r.output).toContain("Connection refused");
    expect(r.output).not.toContain(EPERM);
  });

  it("deny --network: nc and wget fail with EPERM while files are read and written", async () => {
    const r = await runUnder(
      profiles.network,
      "echo x > /tmp/f && cat /tmp/f; nc 127.0.0.1 1; echo nc=$?; wget -q -O- http://127.0.0.1:1/; echo wget=$?",
    );
    expect(r.exit, r.output).toBe(0);
    expect(r.output).toMatch(/^x$/m);
    expect(r.output).toContain(`nc: socket: ${EPERM}`);
    expect(r.output).toContain("nc=1");
    expect(r.output).toContain(`wget: socket: ${EPERM}`);
    expect(r.output).toContain("wget=1");
  });

  it("default: unshare of a user namespace is refused by the profile (unconfined allows it)", async () => {
    const confined = await runUnder(profiles.default, "busybox unshare -U true; echo rc=$?");
    expect(confined.output).toContain(`unshare(0x10000000): ${EPERM}`);
    expect(confined.output).toContain("rc=1");
    const unconfined = await runUnder("unconfined", "busybox unshare -U true; echo rc=$?");
    expect(unconfined.output).toContain("rc=0");
  });

  it("default: unshare -m fails without CAP_SYS_ADMIN and works with it", async () => {
    const without = await runUnder(profiles.default, "busybox unshare -m true; echo rc=$?");
    expect(without.output).toContain(EPERM);
    expect(without.output).toContain("rc=1");
    const withCap = await runUnder(profiles.default, "busybox unshare -m true; echo rc=$?", [
      "SYS_ADMIN",
    ]);
    expect(withCap.output, withCap.output).toContain("rc=0");
  });

  it("deny --namespaces: unshare fails even with CAP_SYS_ADMIN, processes still fork", async () => {
    for (const p of [profiles.namespaces, profiles.namespacesFromAllowAll]) {
      const r = await runUnder(
        p,
        "busybox unshare -m true; echo m=$?; busybox unshare -U true; echo u=$?; (echo forked)",
        ["SYS_ADMIN"],
      );
      expect(r.output).toContain(`unshare(0x20000): ${EPERM}`);
      expect(r.output).toContain("m=1");
      expect(r.output).toContain("u=1");
      expect(r.output).toContain("forked");
    }
  });

  it("deny --mount: mount fails even with CAP_SYS_ADMIN (which the default lets mount)", async () => {
    const script = "busybox mount -t tmpfs none /tmp; echo rc=$?";
    const allowed = await runUnder(profiles.default, script, ["SYS_ADMIN"]);
    expect(allowed.output, allowed.output).toContain("rc=0");
    const denied = await runUnder(profiles.mount, script, ["SYS_ADMIN"]);
    // busybox words EPERM from mount(2) this way
    expect(denied.output).toContain("mount: permission denied");
    expect(denied.output).toContain("rc=1");
  });
});

describe("seccomp diff, merge and deny as a user runs them", () => {
  const at = (f: string) => join(dir.path, f);

  it("diff exits 0 for profiles that behave the same, 1 for different ones", async () => {
    const same = await runCli(["seccomp", "diff", at("default.json"), at("default.json")]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain("the profiles behave the same");
    const different = await runCli([
      "seccomp",
      "diff",
      "--format",
      "json",
      at("default.json"),
      at("network.json"),
    ]);
    expect(different.code, different.stderr).toBe(1);
    const doc = JSON.parse(different.stdout) as { syscalls: { name: string; change: string }[] };
    expect(doc.syscalls.find((s) => s.name === "connect")?.change).toBe("removed");
  });

  it("merge of the default and its --network variant behaves like the default", async () => {
    const merged = await runCli([
      "seccomp",
      "merge",
      at("default.json"),
      at("network.json"),
      "-o",
      at("merged.json"),
    ]);
    expect(merged.code, merged.stderr).toBe(0);
    const d = await runCli(["seccomp", "diff", at("default.json"), at("merged.json")]);
    expect(d.code, d.stdout).toBe(0);
  });

  it("merge refuses an allowlist with a denylist (exit 2, reason and fix, no stack)", async () => {
    const r = await runCli(["seccomp", "merge", at("default.json"), at("allow-all.json")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot merge");
    expect(r.stderr).toContain("fix:");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("deny --syscalls refuses an unknown name and suggests the closest", async () => {
    const r = await runCli(["seccomp", "deny", "--syscalls", "keyctl,ptrcae"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"ptrcae" is not a syscall name');
    expect(r.stderr).toContain('did you mean "ptrace"?');
    expect(r.stdout).toBe("");
  });

  it("deny -o leaves no file behind when it fails", async () => {
    const r = await runCli([
      "seccomp",
      "deny",
      "--from",
      at("missing.json"),
      "--network",
      "-o",
      at("out.json"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing.json");
    await expect(readFile(at("out.json"))).rejects.toThrow();
  });
});
