import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCli, run } from "../harness/cli.js";

const h = inject("harness");

/** The newer docker CLI and Debian's 20.10: contexts must work with both. */
const DOCKER_CLIS = ["/usr/local/bin/docker", "/usr/bin/docker"] as const;
const pathWithWrapper = `${h.binDir}:${process.env.PATH ?? "/usr/bin:/bin"}`;

let config: string;

/** Environment for the real docker CLI: only our private config (and the ssh wrapper). */
function dockerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("DOCKER_")) env[k] = v;
  }
  return { ...env, PATH: pathWithWrapper, DOCKER_CONFIG: config, ...extra };
}

function dw(args: readonly string[], extra: Record<string, string> = {}) {
  return runCli(args, { DOCKER_CONFIG: config, PATH: pathWithWrapper, ...extra });
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const addr = srv.address();
  await new Promise<void>((resolve) =>
    srv.close(() => {
      resolve();
    }),
  );
  return typeof addr === "object" && addr !== null ? addr.port : 0;
}

async function storedNames(): Promise<string[]> {
  const meta = join(config, "contexts", "meta");
  const dirs = await readdir(meta).catch(() => []);
  const names: string[] = [];
  for (const d of dirs) {
    const data = JSON.parse(await readFile(join(meta, d, "meta.json"), "utf8")) as { Name: string };
    names.push(data.Name);
  }
  return names.sort();
}

beforeAll(async () => {
  config = await mkdtemp(join(tmpdir(), "dw-context-"));
});
afterAll(async () => {
  await rm(config, { recursive: true, force: true });
});

describe("dockward context create, used by the real docker CLI", () => {
  it("a TLS context works with `docker --context NAME info` (both CLIs)", async () => {
    const made = await dw([
      "context",
      "create",
      "dw-tls",
      "--host",
      h.tlsHost,
      "--tls",
      h.tlsDir,
      "--description",
      "private engine over mTLS",
    ]);
    expect(made.stderr).toBe("");
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/Checked tcp:\/\/127\.0\.0\.1:\d+: TLS handshake/);
    for (const docker of DOCKER_CLIS) {
      const info = await run(
        docker,
        ["--context", "dw-tls", "info", "--format", "{{.ID}}"],
        dockerEnv(),
      );
      expect(info.stderr, docker).not.toMatch(/error/i);
      expect(info.stdout.trim(), docker).toBe(h.daemonId);
    }
  });

  it("an SSH context (private sshd on 127.0.0.1) works with `docker --context NAME info`", async () => {
    const made = await dw(["context", "create", "dw-ssh", "--host", h.sshRemoteSocketHost]);
    expect(made.stderr).toBe("");
    expect(made.code).toBe(0);
    expect(made.stdout).toContain("ssh connected, host key known, `docker system dial-stdio` ran");
    expect(made.stdout).toContain(
      `command="docker --host=unix://${h.socketPath} system dial-stdio",no-port-forwarding,no-X11-forwarding,no-agent-forwarding,no-pty <your public key`,
    );
    const info = await run(
      "/usr/local/bin/docker",
      ["--context", "dw-ssh", "info", "--format", "{{.ID}}"],
      dockerEnv(),
    );
    expect(info.stdout.trim(), info.stderr).toBe(h.daemonId);
    // 20.10 cannot dial a socket path over ssh at all; dockward says so when it creates one
    expect(made.stdout).toContain("the docker CLI 20.10 refuses a socket path");
    const old = await run(
      "/usr/bin/docker",
      ["--context", "dw-ssh", "info", "--format", "{{.ID}}"],
      dockerEnv(),
    );
    expect(old.stderr).toContain("extra path after the host");
    const dwInfo = await dw(["--context", "dw-ssh", "info", "--format", "json"]);
    expect((JSON.parse(dwInfo.stdout) as { daemon: { id: string } }).daemon.id).toBe(h.daemonId);
  });

  it("--public-key fills the authorized_keys line with the user's key", async () => {
    const pub = join(h.root, "ssh");
    const file = (await readdir(pub)).find((f) => f.endsWith(".pub") && !f.includes("host"));
    expect(file).toBeDefined();
    const key = (await readFile(join(pub, file ?? ""), "utf8")).trim();
    const made = await dw([
      "context",
      "create",
      "dw-ssh2",
      "--host",
      h.sshRemoteSocketHost,
      "--public-key",
      join(pub, file ?? ""),
    ]);
    expect(made.code).toBe(0);
    expect(made.stdout).toContain(
      `command="docker --host=unix://${h.socketPath} system dial-stdio",no-port-forwarding,no-X11-forwarding,no-agent-forwarding,no-pty ${key}`,
    );
  });

  it("the printed authorized_keys line works with a real sshd and restricts the key", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dw-restricted-"));
    const authorized = join(h.root, "authorized_keys");
    const original = await readFile(authorized, "utf8");
    try {
      const key = join(dir, "id_ed25519");
      const gen = await run(
        "ssh-keygen",
        ["-q", "-t", "ed25519", "-N", "", "-C", "restricted", "-f", key],
        process.env,
      );
      expect(gen.code, gen.stderr).toBe(0);
      const made = await dw([
        "context",
        "create",
        "dw-restricted",
        "--host",
        h.sshRemoteSocketHost,
        "--public-key",
        `${key}.pub`,
      ]);
      expect(made.code, made.stderr).toBe(0);
      const line = made.stdout.split("\n").find((l) => l.trim().startsWith("command="));
      expect(line).toBeDefined();
      await writeFile(authorized, `${(line ?? "").trim()}\n`);
      // an ssh that offers only the restricted key
      const bin = join(dir, "bin");
      await mkdir(bin);
      await writeFile(
        join(bin, "ssh"),
        `#!/bin/sh\nexec /usr/bin/ssh -F '${join(h.root, "ssh", "config")}' -o IdentityFile='${key}' "$@"\n`,
        { mode: 0o755 },
      );
      const env = dockerEnv({ PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}` });
      const info = await run(
        "/usr/local/bin/docker",
        ["--context", "dw-restricted", "info", "--format", "{{.ID}}"],
        env,
      );
      expect(info.stdout.trim(), info.stderr).toBe(h.daemonId);
      // the forced command names the socket, so a host WITHOUT a socket path reaches the same
      // daemon: the form docker CLI 20.10 understands
      const plain = await dw(["context", "create", "dw-restricted-plain", "--host", h.sshHost], {
        PATH: env.PATH ?? "",
      });
      expect(plain.code, plain.stderr).toBe(0);
      for (const docker of DOCKER_CLIS) {
        const viaPlain = await run(
          docker,
          ["--context", "dw-restricted-plain", "info", "--format", "{{.ID}}"],
          env,
        );
        expect(viaPlain.stdout.trim(), `${docker}: ${viaPlain.stderr}`).toBe(h.daemonId);
      }
      // anything else asked through that key runs the forced command instead
      const shell = await run(join(bin, "ssh"), ["-T", "dwt-sshd", "echo", "escaped"], env);
      expect(shell.stdout).not.toContain("escaped");
    } finally {
      await writeFile(authorized, original);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("`docker context ls` lists the contexts dockward made (both CLIs)", async () => {
    for (const docker of DOCKER_CLIS) {
      const ls = await run(
        docker,
        ["context", "ls", "--format", "{{.Name}} {{.DockerEndpoint}}"],
        dockerEnv(),
      );
      expect(ls.code, ls.stderr).toBe(0);
      expect(ls.stdout, docker).toContain(`dw-tls ${h.tlsHost}`);
      expect(ls.stdout, docker).toContain(`dw-ssh ${h.sshRemoteSocketHost}`);
    }
    const inspect = await run(
      "/usr/local/bin/docker",
      ["context", "inspect", "dw-tls"],
      dockerEnv(),
    );
    const ours = await dw(["context", "inspect", "dw-tls"]);
    expect(ours.code).toBe(0);
    expect(JSON.parse(ours.stdout)).toEqual(JSON.parse(inspect.stdout));
  });

  it("`dockward context use` switches what a plain `docker info` talks to, keeping config.json", async () => {
    await writeFile(
      join(config, "config.json"),
      JSON.stringify({ detachKeys: "ctrl-e,e", auths: { "r.example": { auth: "eDp5" } } }),
    );
    const use = await dw(["context", "use", "dw-tls"]);
    expect(use.code).toBe(0);
    const cfg = JSON.parse(await readFile(join(config, "config.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(cfg).toEqual({
      detachKeys: "ctrl-e,e",
      auths: { "r.example": { auth: "eDp5" } },
      currentContext: "dw-tls",
    });
    for (const docker of DOCKER_CLIS) {
      const info = await run(docker, ["info", "--format", "{{.ID}}"], dockerEnv());
      expect(info.stdout.trim(), `${docker}: ${info.stderr}`).toBe(h.daemonId);
    }
    const ls = await dw(["context", "ls", "--format", "json"]);
    const rows = JSON.parse(ls.stdout) as { Name: string; Current: boolean }[];
    expect(rows.filter((r) => r.Current).map((r) => r.Name)).toEqual(["dw-tls"]);
    const rm = await dw(["context", "rm", "dw-tls"]);
    expect(rm.code).toBe(2);
    expect(rm.stderr).toContain("is the current context");
    expect((await dw(["context", "use", "default"])).code).toBe(0);
    expect(JSON.parse(await readFile(join(config, "config.json"), "utf8"))).not.toHaveProperty(
      "currentContext",
    );
  });
});

describe("contexts made by `docker context create`, used by dockward", () => {
  it("are listed by `dockward context ls` and used by `dockward --context NAME info`", async () => {
    const made = await run(
      "/usr/bin/docker",
      ["context", "create", "dk-unix", "--docker", `host=${h.unixHost}`],
      dockerEnv(),
    );
    expect(made.code, made.stderr).toBe(0);
    const ls = await dw(["context", "ls", "--format", "json"]);
    expect(ls.code).toBe(0);
    const rows = JSON.parse(ls.stdout) as { Name: string; DockerEndpoint: string }[];
    expect(rows).toContainEqual(
      expect.objectContaining({ Name: "dk-unix", DockerEndpoint: h.unixHost }),
    );
    const info = await dw(["--context", "dk-unix", "info", "--format", "json"]);
    expect(info.code, info.stderr).toBe(0);
    expect((JSON.parse(info.stdout) as { daemon: { id: string } }).daemon.id).toBe(h.daemonId);
    const rm = await dw(["context", "rm", "dk-unix"]);
    expect(rm.code).toBe(0);
    const dockerLs = await run("/usr/bin/docker", ["context", "ls", "-q"], dockerEnv());
    expect(dockerLs.stdout).not.toContain("dk-unix");
  });
});

describe("bad input and failed checks write nothing", () => {
  it.each([
    [["context", "create", "default", "--host", "ssh://root@127.0.0.1"], /reserved/],
    [
      ["context", "create", "bad/name", "--host", "ssh://root@127.0.0.1"],
      /not a valid context name/,
    ],
    [["context", "create", "t1", "--host", "tcp://127.0.0.1:1"], /without --tls/],
    [
      ["context", "create", "t1", "--host", "tcp://127.0.0.1:1", "--tls", "/nonexistent"],
      /ca\.pem is missing/,
    ],
    [["context", "create", "dw-ssh", "--host", "ssh://root@127.0.0.1"], /already exists/],
  ])("%j exits 2", async (args, message) => {
    const before = await storedNames();
    const res = await dw(args);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(await storedNames()).toEqual(before);
  });

  it("a TLS directory whose key does not match its certificate exits 2", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dw-badtls-"));
    try {
      await writeFile(join(dir, "ca.pem"), await readFile(join(h.tlsDir, "ca.pem")));
      await writeFile(join(dir, "cert.pem"), await readFile(join(h.tlsDir, "ca.pem")));
      await writeFile(join(dir, "key.pem"), await readFile(join(h.tlsDir, "key.pem")));
      const res = await dw(["context", "create", "t2", "--host", h.tlsHost, "--tls", dir]);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/does not belong to/);
      expect(await storedNames()).not.toContain("t2");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("an ssh host that refuses the connection exits 3 with ssh's reason, nothing written", async () => {
    const port = await closedPort();
    const res = await dw(["context", "create", "s-down", "--host", `ssh://root@127.0.0.1:${port}`]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/Connection refused/);
    expect(await storedNames()).not.toContain("s-down");
    expect(await readdir(join(config, "contexts"))).toEqual(["meta", "tls"]);
  });

  it("an ssh host whose key is unknown exits 3 (host-key checking stays on)", async () => {
    const sshd = await readFile(join(h.root, "ssh", "config"), "utf8");
    const port = /Port (\d+)/.exec(sshd)?.[1] ?? "0";
    const res = await dw([
      "context",
      "create",
      "s-unknown",
      "--host",
      `ssh://root@localhost:${port}`,
    ]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/host key/i);
    expect(await storedNames()).not.toContain("s-unknown");
  });

  it("--no-check writes an unreachable context anyway", async () => {
    const port = await closedPort();
    const res = await dw([
      "context",
      "create",
      "s-later",
      "--host",
      `ssh://root@127.0.0.1:${port}`,
      "--no-check",
    ]);
    expect(res.code).toBe(0);
    expect(await storedNames()).toContain("s-later");
  });
});
