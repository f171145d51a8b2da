import * as fs from "node:fs/promises";
import * as net from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectDaemons } from "../../../src/audit/daemon/collect.js";
import { defaultPolicy } from "../../../src/policy/policy.js";
import { evaluateDaemons } from "../../../src/rules/evaluate.js";
import { type FakeProc, fakeProc } from "./fake-proc.js";

const UNIX = `Num       RefCount Protocol Flags    Type St Inode Path
0000000000000001: 00000002 00000000 00010000 0001 01 6001 /run/docker.sock
0000000000000002: 00000002 00000000 00010000 0001 01 6002 /run/docker/metrics.sock
`;
const EMPTY_TCP =
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
const OTHER_TCP = `${EMPTY_TCP}   0: 00000000:0947 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7001 1 0000000000000000 100 0 0 10 0\n`;

describe("collectDaemons on a fake /proc", () => {
  let proc: FakeProc;
  let server: net.Server;
  const socketPath = (): string => join(proc.procRoot, "900", "root", "run", "docker.sock");

  beforeAll(async () => {
    proc = await fakeProc([
      {
        pid: 900,
        comm: "dockerd",
        cmdline: ["/usr/bin/dockerd", "-H", "unix:///run/docker.sock", "--iptables=false"],
        environ: { HOME: "/root" },
        fds: { 3: "socket:[6001]", 4: "socket:[6002]" },
        net: { tcp: EMPTY_TCP, unix: UNIX },
        rootFiles: {
          // not JSON: dockerd would refuse to start with it, so it changed after the start
          "etc/docker/daemon.json": '{\n  "icc": false,,\n}\n',
          "etc/group": "root:x:0:\ndocker:x:999:alice,bob\n",
          "etc/passwd": "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n",
          "run/docker/metrics.sock": "",
        },
      },
      {
        pid: 901,
        comm: "dockerd",
        cmdline: ["dockerd", "-H", "tcp://0.0.0.0:2375", "--data-root", "/srv/docker2"],
        fds: { 3: "socket:[7001]" },
        net: { tcp: OTHER_TCP, unix: UNIX.split("\n")[0] ?? "" },
      },
      { pid: 902, comm: "containerd", cmdline: ["containerd"] },
    ]);
    server = net.createServer();
    await new Promise<void>((resolve) => server.listen(socketPath(), resolve));
    await fs.chmod(socketPath(), 0o666);
  });

  afterAll(async () => {
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
    await proc.cleanup();
  });

  it("matches the endpoint to the dockerd that listens on it (/var/run is /run)", async () => {
    const { specs, warnings } = await collectDaemons({
      host: "unix:///var/run/docker.sock",
      info: undefined,
      daemons: "serving",
      probeTimeoutMs: 500,
      procRoot: proc.procRoot,
    });
    expect(specs).toHaveLength(1);
    const d = specs[0];
    expect(d?.pid).toBe(900);
    expect(d?.target.name).toBe("unix:///run/docker.sock");
    // only the API socket, not dockerd's own metrics socket
    expect(d?.unix.map((u) => u.path)).toEqual(["/run/docker.sock"]);
    expect(d?.unix[0]?.origin).toEqual({ file: "/proc/900/cmdline", argIndex: 1 });
    expect(d?.unix[0]?.file?.permissions).toBe(0o666);
    // the other daemon is named, with its host, and not audited
    expect(warnings.join("\n")).toMatch(
      /1 other dockerd process runs on this host \(pid 901 on tcp:\/\/0\.0\.0\.0:2375\): audit it too with --daemons all/,
    );
    // a daemon.json that is not JSON is a problem with its place, not a crash
    expect(d?.configFile?.status).toBe("invalid");
    expect(d?.problems.map((p) => p.message).join("\n")).toMatch(
      /\/etc\/docker\/daemon\.json:2:\d+: .*dockerd refuses to start with it/,
    );
    // ...and it makes the audit incomplete (exit 3)
    expect(d?.problems.find((p) => p.message.includes("daemon.json"))?.incomplete).toBe(true);
    // settings fall back to dockerd's defaults, flags still count
    expect(d?.settings.icc).toMatchObject({ value: true, source: "default" });
    expect(d?.settings.iptables).toMatchObject({
      value: false,
      source: "flag",
      origin: { argIndex: 3 },
    });

    const findings = evaluateDaemons(specs, defaultPolicy("baseline")).findings;
    expect(findings.map((f) => [f.ruleId, f.severity])).toContainEqual(["DW-DMN-003", "critical"]);
  });

  it("--daemons all reads every dockerd, and names the group members who can use a socket", async () => {
    if (process.getuid?.() === 0) await fs.chown(socketPath(), 0, 999);
    await fs.chmod(socketPath(), 0o660);
    const { specs, warnings } = await collectDaemons({
      host: "unix:///run/docker.sock",
      info: undefined,
      daemons: "all",
      probeTimeoutMs: 500,
      procRoot: proc.procRoot,
    });
    expect(specs.map((s) => s.pid)).toEqual([900, 901]);
    expect(warnings).toEqual([]);
    if (process.getuid?.() === 0) {
      expect(specs[0]?.unix[0]?.file).toMatchObject({ group: "docker", permissions: 0o660 });
      expect(specs[0]?.unix[0]?.groupMembers).toEqual(["alice", "bob"]);
    }
    // the second daemon's listener is probed: nothing listens on the fake port here
    expect(specs[1]?.tcp[0]).toMatchObject({ port: 2375, scope: "any", origin: { argIndex: 1 } });
    expect(specs[1]?.tcp[0]?.probe?.exposure).toBe("unknown");
  });

  it("an endpoint no visible dockerd serves is judged from outside, and says so", async () => {
    const { specs, warnings } = await collectDaemons({
      host: "unix:///run/elsewhere.sock",
      info: { LiveRestoreEnabled: true },
      daemons: "serving",
      probeTimeoutMs: 500,
      procRoot: proc.procRoot,
    });
    expect(specs).toHaveLength(1);
    expect(specs[0]?.seen).toEqual({ process: false, api: true });
    expect(specs[0]?.settings.liveRestore?.value).toBe(true);
    expect(warnings.join("\n")).toMatch(
      /no dockerd process visible here serves unix:\/\/\/run\/elsewhere\.sock/,
    );
  });

  it("a remote ssh endpoint is judged from its API only", async () => {
    const { specs, warnings } = await collectDaemons({
      host: "ssh://admin@build-1",
      info: { ExperimentalBuild: true },
      daemons: "serving",
      probeTimeoutMs: 500,
      procRoot: proc.procRoot,
    });
    expect(specs[0]).toMatchObject({ seen: { process: false, api: true }, tcp: [], unix: [] });
    expect(warnings[0]).toMatch(/audited from outside \(API\)/);
  });
});

describe("a rootless dockerd", () => {
  it("is recognised from RootlessKit's environment when /info is not there to say so", async () => {
    const proc = await fakeProc([
      {
        pid: 910,
        comm: "dockerd",
        cmdline: ["dockerd"],
        environ: {
          HOME: "/home/ci",
          ROOTLESSKIT_STATE_DIR: "/run/user/1000/dockerd-rootlesskit",
          XDG_RUNTIME_DIR: "/run/user/1000",
        },
        fds: {},
        net: { tcp: EMPTY_TCP, unix: UNIX.split("\n")[0] ?? "" },
      },
    ]);
    try {
      const { specs } = await collectDaemons({
        host: "unix:///run/docker.sock",
        info: undefined,
        daemons: "all",
        probeTimeoutMs: 500,
        procRoot: proc.procRoot,
      });
      const d = specs.find((s) => s.pid === 910);
      expect(d?.settings.rootless).toEqual({
        value: true,
        origin: { file: "/proc/910/environ" },
        source: "environment",
      });
      // and the rootless daemon's own daemon.json is the XDG one
      expect(d?.configFile?.path).toBe("/home/ci/.config/docker/daemon.json");
    } finally {
      await proc.cleanup();
    }
  });
});

describe("matching the endpoint to its daemon", () => {
  it("trusts the listeners over the settings: a daemon whose -H names another socket still serves it", async () => {
    const proc = await fakeProc([
      {
        pid: 930,
        comm: "dockerd",
        cmdline: ["dockerd", "-H", "unix:///run/other.sock"],
        environ: { HOME: "/root" },
        fds: { 3: "socket:[6001]" },
        net: { tcp: EMPTY_TCP, unix: UNIX },
      },
      {
        pid: 931,
        comm: "dockerd",
        cmdline: ["dockerd", "-H", "unix:///run/docker.sock"],
        environ: { HOME: "/root" },
        fds: {},
        net: { tcp: EMPTY_TCP, unix: UNIX.split("\n")[0] ?? "" },
      },
    ]);
    try {
      const { specs, warnings } = await collectDaemons({
        host: "unix:///run/docker.sock",
        info: undefined,
        daemons: "serving",
        probeTimeoutMs: 500,
        procRoot: proc.procRoot,
      });
      // 931 says it listens there but does not; 930 does, whatever its flags say
      expect(specs.map((s) => s.pid)).toEqual([930]);
      expect(warnings.join("\n")).toMatch(/pid 931 on unix:\/\/\/run\/docker\.sock/);
    } finally {
      await proc.cleanup();
    }
  });
});
