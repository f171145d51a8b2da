import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCli, run } from "../harness/cli.js";

const h = inject("harness");

/** A loopback port nobody listens on (bound, then released). */
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
const pathWithWrapper = `${h.binDir}:${process.env.PATH ?? "/usr/bin:/bin"}`;
const tlsFlags = [
  "--tlsverify",
  "--tlscacert",
  join(h.tlsDir, "ca.pem"),
  "--tlscert",
  join(h.tlsDir, "cert.pem"),
  "--tlskey",
  join(h.tlsDir, "key.pem"),
];

interface InfoJson {
  endpoint: { host: string; context: string; source: string; transport: string };
  daemon: { id: string; version: string };
  api: { negotiated: string; pinned: boolean };
  cgroup: { version: string; driver: string };
  security: { seccomp: { enabled: boolean }; apparmor: boolean };
}

async function infoJson(args: string[], env: Record<string, string> = {}): Promise<InfoJson> {
  const res = await runCli([...args, "info", "--format", "json"], env);
  expect(res.stderr).toBe("");
  expect(res.code).toBe(0);
  return JSON.parse(res.stdout) as InfoJson;
}

describe("dockward info sees the same daemon three ways", () => {
  it("over the unix socket", async () => {
    const info = await infoJson(["-H", h.unixHost]);
    expect(info.daemon.id).toBe(h.daemonId);
    expect(info.endpoint).toMatchObject({
      host: h.unixHost,
      source: "--host",
      transport: "unix",
      context: "default",
    });
    // facts of this machine's engine, read from it (see FIELD-NOTES): cgroup v1, seccomp on, no AppArmor
    expect(info.cgroup.version).toMatch(/^[12]$/);
    expect(info.security.seccomp.enabled).toBe(true);
  });

  it("over tcp with mutual TLS (flags)", async () => {
    const info = await infoJson(["-H", h.tlsHost, ...tlsFlags]);
    expect(info.daemon.id).toBe(h.daemonId);
    expect(info.endpoint.transport).toBe("tls");
  });

  it("over tcp with mutual TLS (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH)", async () => {
    const info = await infoJson([], {
      DOCKER_HOST: h.tlsHost,
      DOCKER_TLS_VERIFY: "1",
      DOCKER_CERT_PATH: h.tlsDir,
    });
    expect(info.daemon.id).toBe(h.daemonId);
    expect(info.endpoint).toMatchObject({ source: "DOCKER_HOST", transport: "tls" });
  });

  it("over ssh, through the system ssh and the remote docker CLI", async () => {
    const info = await infoJson(["-H", h.sshRemoteSocketHost], { PATH: pathWithWrapper });
    expect(info.daemon.id).toBe(h.daemonId);
    expect(info.endpoint.transport).toBe("ssh");
  });

  it("text output names the endpoint, the reason and the security options", async () => {
    const res = await runCli(["-H", h.unixHost, "info"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`Endpoint        ${h.unixHost}`);
    expect(res.stdout).toMatch(/chosen by\s+-H\/--host flag/);
    expect(res.stdout).toMatch(/seccomp: on/);
    expect(res.stdout).toMatch(/AppArmor: (on|not available)/);
  });

  it("DOCKER_API_VERSION pins the API version instead of negotiating", async () => {
    const info = await infoJson(["-H", h.unixHost], { DOCKER_API_VERSION: "1.40" });
    expect(info.api).toEqual(expect.objectContaining({ negotiated: "1.40", pinned: true }));
    const negotiated = await infoJson(["-H", h.unixHost]);
    expect(negotiated.api.pinned).toBe(false);
    expect(Number(negotiated.api.negotiated.split(".")[1])).toBeGreaterThan(40);
  });
});

describe("contexts made by the real docker CLI", () => {
  let config: string;
  beforeAll(async () => {
    config = await mkdtemp(join(tmpdir(), "dw-ctx-"));
    const env = { ...process.env, DOCKER_CONFIG: config };
    const made = await run(
      "docker",
      [
        "context",
        "create",
        "dw-tls",
        "--description",
        "private engine over mTLS",
        "--docker",
        `host=${h.tlsHost},ca=${join(h.tlsDir, "ca.pem")},cert=${join(h.tlsDir, "cert.pem")},key=${join(h.tlsDir, "key.pem")}`,
      ],
      env,
    );
    expect(made.stderr + made.stdout).toMatch(/dw-tls/);
    expect(made.code).toBe(0);
    const ssh = await run(
      "docker",
      ["context", "create", "dw-ssh", "--docker", `host=${h.sshRemoteSocketHost}`],
      env,
    );
    expect(ssh.code).toBe(0);
  });
  afterAll(async () => {
    await rm(config, { recursive: true, force: true });
  });

  it("--context NAME uses the context's host and TLS files", async () => {
    const info = await infoJson(["--context", "dw-tls"], { DOCKER_CONFIG: config });
    expect(info.daemon.id).toBe(h.daemonId);
    expect(info.endpoint).toMatchObject({
      context: "dw-tls",
      source: "--context",
      transport: "tls",
      host: h.tlsHost,
    });
  });

  it("an ssh context works too", async () => {
    const info = await infoJson(["--context", "dw-ssh"], {
      DOCKER_CONFIG: config,
      PATH: pathWithWrapper,
    });
    expect(info.daemon.id).toBe(h.daemonId);
    expect(info.endpoint.transport).toBe("ssh");
  });

  it("`docker context use` sets the currentContext dockward follows", async () => {
    const env = { ...process.env, DOCKER_CONFIG: config };
    expect((await run("docker", ["context", "use", "dw-tls"], env)).code).toBe(0);
    try {
      const info = await infoJson([], { DOCKER_CONFIG: config });
      expect(info.endpoint).toMatchObject({ context: "dw-tls", source: "currentContext" });
      expect(info.daemon.id).toBe(h.daemonId);
    } finally {
      await run("docker", ["context", "use", "default"], env);
    }
  });

  it("a context whose TLS key was removed is refused with the file named", async () => {
    const env = { ...process.env, DOCKER_CONFIG: config };
    expect(
      (
        await run(
          "docker",
          [
            "context",
            "create",
            "dw-broken",
            "--docker",
            `host=${h.tlsHost},ca=${join(h.tlsDir, "ca.pem")},cert=${join(h.tlsDir, "cert.pem")},key=${join(h.tlsDir, "key.pem")}`,
          ],
          env,
        )
      ).code,
    ).toBe(0);
    const inspect = await run(
      "docker",
      ["context", "inspect", "dw-broken", "--format", "{{.Storage.TLSPath}}"],
      env,
    );
    await rm(join(inspect.stdout.trim(), "docker", "key.pem"));
    const res = await runCli(["--context", "dw-broken", "info"], { DOCKER_CONFIG: config });
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/context "dw-broken": .* has cert\.pem but no key\.pem/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });
});

/**
 * Every candidate endpoint is a socket path nobody listens on, so both the docker CLI and
 * dockward fail and NAME the endpoint they chose: the table compares those names.
 */
describe("endpoint precedence matches the real docker CLI", () => {
  let config: string;
  const sock = (name: string): string => `unix://${join(config, `${name}.sock`)}`;
  beforeAll(async () => {
    config = await mkdtemp(join(tmpdir(), "dw-prec-"));
    const env = { ...process.env, DOCKER_CONFIG: config };
    for (const name of ["ctx-flag", "ctx-env", "ctx-current"]) {
      const res = await run(
        "docker",
        ["context", "create", name, "--docker", `host=${sock(name)}`],
        env,
      );
      expect(res.code).toBe(0);
    }
    expect((await run("docker", ["context", "use", "ctx-current"], env)).code).toBe(0);
  });
  afterAll(async () => {
    await rm(config, { recursive: true, force: true });
  });

  const cases: [string, string[], Record<string, string>, string][] = [
    ["currentContext alone", [], {}, "ctx-current"],
    ["DOCKER_CONTEXT over currentContext", [], { DOCKER_CONTEXT: "ctx-env" }, "ctx-env"],
    [
      "DOCKER_HOST over DOCKER_CONTEXT",
      [],
      { DOCKER_CONTEXT: "ctx-env", DOCKER_HOST: "env-host" },
      "env-host",
    ],
    ["-H over DOCKER_HOST", ["-H", "flag-host"], { DOCKER_HOST: "env-host" }, "flag-host"],
    [
      "--context over DOCKER_HOST and DOCKER_CONTEXT",
      ["--context", "ctx-flag"],
      { DOCKER_HOST: "env-host", DOCKER_CONTEXT: "ctx-env" },
      "ctx-flag",
    ],
    ["empty DOCKER_HOST is ignored", [], { DOCKER_HOST: "", DOCKER_CONTEXT: "ctx-env" }, "ctx-env"],
  ];

  it.each(cases)("%s", async (_name, args, env, expected) => {
    const resolveRef = (v: string): string => (v.endsWith("-host") ? sock(v) : v);
    const realArgs = args.map(resolveRef);
    const realEnv = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, v === "" ? "" : resolveRef(v)]),
    );
    const docker = await run(
      "docker",
      [...realArgs, "version", "--format", "{{.Server.Version}}"],
      {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/root",
        DOCKER_CONFIG: config,
        ...realEnv,
      },
    );
    expect(docker.code).not.toBe(0);
    const dockerHost = /Cannot connect to the Docker daemon at (unix:\/\/\S+?)\.? Is/.exec(
      docker.stderr,
    )?.[1];
    expect(dockerHost, docker.stderr).toBe(sock(expected));

    const ours = await runCli([...realArgs, "info"], { DOCKER_CONFIG: config, ...realEnv });
    expect(ours.code).toBe(3);
    expect(ours.stderr).toContain(`cannot reach the Docker engine at ${sock(expected)} `);
  });

  it("both refuse --context with -H", async () => {
    const docker = await run("docker", ["--context", "ctx-flag", "-H", sock("x"), "version"], {
      PATH: process.env.PATH ?? "",
      DOCKER_CONFIG: config,
    });
    expect(docker.code).not.toBe(0);
    expect(docker.stderr).toMatch(/conflicting options/i);
    const ours = await runCli(["--context", "ctx-flag", "-H", sock("x"), "info"], {
      DOCKER_CONFIG: config,
    });
    expect(ours.code).toBe(2);
    expect(ours.stderr).toMatch(/conflicting options/);
  });
});

describe("bad endpoints give one clear line and the right exit code", () => {
  let hung: Server;
  let hungPort = 0;
  const hungSockets: Socket[] = [];
  beforeAll(async () => {
    // accepts connections and never answers: a hung engine
    hung = createServer((socket) => {
      hungSockets.push(socket);
    });
    await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
    const addr = hung.address();
    hungPort = typeof addr === "object" && addr !== null ? addr.port : 0;
  });
  afterAll(async () => {
    for (const s of hungSockets) s.destroy();
    await new Promise<void>((resolve) =>
      hung.close(() => {
        resolve();
      }),
    );
  });

  const noStack = (stderr: string): void => {
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stderr).toMatch(/^dockward: .+\n {2}fix: .+\n$/);
  };

  it.each<[string, string[], Record<string, string>, number, RegExp]>([
    ["an unknown scheme", ["-H", "http://x", "info"], {}, 2, /"http:\/\/x": unknown scheme/],
    [
      "a malformed DOCKER_HOST",
      ["info"],
      { DOCKER_HOST: "tcp://h:99999" },
      2,
      /DOCKER_HOST "tcp:\/\/h:99999": port/,
    ],
    [
      "a context that does not exist",
      ["--context", "nope", "info"],
      {},
      3,
      /context "nope" \(from --context\) does not exist/,
    ],
    [
      "a missing CA file",
      ["-H", "tcp://127.0.0.1:1", "--tlsverify", "--tlscacert", "/nonexistent/ca.pem", "info"],
      {},
      3,
      /CA certificate \/nonexistent\/ca\.pem/,
    ],
    ["a bad --timeout", ["--timeout", "soon", "info"], {}, 2, /--timeout "soon"/],
  ])("%s", async (_name, args, env, code, message) => {
    const res = await runCli(args, env);
    expect(res.code).toBe(code);
    expect(res.stderr).toMatch(message);
    noStack(res.stderr);
  });

  it("a TLS port without a client certificate: the real reason", async () => {
    const res = await runCli(
      ["-H", h.tlsHost, "--tlsverify", "--tlscacert", join(h.tlsDir, "ca.pem"), "info"],
      { DOCKER_CERT_PATH: "/nonexistent" },
    );
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(
      /TLS with tcp:\/\/127\.0\.0\.1:\d+ .* failed: .*(client certificate|certificate required)/,
    );
    noStack(res.stderr);
  });

  it("a TLS port with an untrusted CA", async () => {
    const res = await runCli([
      "-H",
      h.tlsHost,
      "--tlsverify",
      "--tlscacert",
      "/etc/ssl/certs/ca-certificates.crt",
      "--tlscert",
      join(h.tlsDir, "cert.pem"),
      "--tlskey",
      join(h.tlsDir, "key.pem"),
      "info",
    ]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/not signed by the CA dockward trusts/);
    noStack(res.stderr);
  });

  it("a TLS port spoken to in plain HTTP", async () => {
    const res = await runCli(["-H", h.tlsHost, "info"]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/speaks TLS but dockward connected without it/);
    noStack(res.stderr);
  });

  it("an ssh host that refuses the connection", async () => {
    const closed = await closedPort();
    const res = await runCli(["-H", `ssh://root@127.0.0.1:${closed}`, "info"], {
      PATH: pathWithWrapper,
    });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`ssh to ssh://root@127.0.0.1:${closed} failed: `);
    expect(res.stderr).toMatch(/Connection refused/);
    noStack(res.stderr);
  });

  it("an ssh host whose key is unknown keeps host-key checking on", async () => {
    // the harness sshd, reached by IP under a different port spelling, is not in known_hosts
    const sshd = await readFile(join(h.root, "ssh", "config"), "utf8");
    const port = /Port (\d+)/.exec(sshd)?.[1] ?? "0";
    const res = await runCli(["-H", `ssh://root@localhost:${port}`, "info"], {
      PATH: pathWithWrapper,
    });
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/Host key verification failed|host key/i);
    noStack(res.stderr);
  });

  it("a hung engine times out instead of hanging dockward", async () => {
    const res = await runCli(["--timeout", "1", "-H", `tcp://127.0.0.1:${hungPort}`, "info"]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/got no answer within 1 s/);
    noStack(res.stderr);
  });
});
