import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DockerdProcess,
  findDockerdProcesses,
  isDockerd,
  pickEnvironment,
  readDockerdProcess,
  splitCmdline,
} from "../../../src/audit/daemon/process.js";
import { type FakeProc, fakeProc } from "./fake-proc.js";

describe("splitCmdline / pickEnvironment", () => {
  it("splits on NUL, keeping empty arguments", () => {
    expect(splitCmdline("dockerd\0-H\0\0--tls\0")).toEqual(["dockerd", "-H", "", "--tls"]);
    expect(splitCmdline("")).toEqual([]);
  });

  it("keeps only the variables that change dockerd's defaults", () => {
    expect(
      pickEnvironment(
        "HOME=/root\0AWS_SECRET_ACCESS_KEY=x\0DOCKER_CERT_PATH=/c\0XDG_RUNTIME_DIR=\0",
      ),
    ).toEqual({ HOME: "/root", DOCKER_CERT_PATH: "/c", XDG_RUNTIME_DIR: "" });
  });
});

describe("isDockerd", () => {
  it.each([
    ["dockerd", "/usr/bin/dockerd", true],
    ["dockerd", undefined, true],
    // after a package upgrade the old binary is "(deleted)"
    ["dockerd", "/usr/bin/dockerd (deleted)", true],
    // comm was changed, but it is the daemon's binary
    ["worker", "/usr/sbin/dockerd", true],
    ["docker", "/usr/bin/docker", false],
    ["containerd", "/usr/bin/containerd", false],
    ["containerd-shim", "/usr/bin/containerd-shim-runc-v2", false],
    ["dockerd-rootles", "/bin/sh", false],
    ["docker-proxy", "/usr/sbin/docker-proxy", false],
  ])("comm %j, exe %j → %s", (comm, exe, expected) => {
    expect(isDockerd(comm, exe)).toBe(expected);
  });
});

describe("findDockerdProcesses on a fake /proc", () => {
  let proc: FakeProc;
  let found: DockerdProcess[];

  beforeAll(async () => {
    proc = await fakeProc([
      {
        // the distribution's service: -H fd:// plus TLS in daemon.json
        pid: 812,
        comm: "dockerd",
        exe: "/usr/sbin/dockerd",
        cmdline: [
          "/usr/sbin/dockerd",
          "-H",
          "fd://",
          "--containerd=/run/containerd/containerd.sock",
        ],
        environ: { HOME: "/root", PATH: "/usr/bin" },
        rootFiles: {
          "etc/docker/daemon.json": JSON.stringify({
            tls: true,
            tlsverify: true,
            tlscacert: "/etc/docker/ca.pem",
            tlscert: "/etc/docker/server-cert.pem",
            tlskey: "/etc/docker/server-key.pem",
          }),
        },
      },
      {
        // a second daemon, upgraded under its feet, with a broken config file
        pid: 4100,
        comm: "dockerd",
        exe: "/usr/bin/dockerd (deleted)",
        cmdline: ["dockerd", "--config-file", "/srv/d.json", "-Htcp://0.0.0.0:2375"],
        rootFiles: { "srv/d.json": '{\n  "debug": true,\n}' },
      },
      {
        // hosts only in daemon.json, the default config file
        pid: 4200,
        comm: "dockerd",
        exe: "/usr/bin/dockerd",
        cmdline: ["dockerd"],
        environ: {},
        rootFiles: { "etc/docker/daemon.json": '{"hosts": ["unix://", "tcp://0.0.0.0:2375"]}' },
      },
      {
        // rootless (RootlessKit): socket and daemon.json follow XDG; the config file is absent
        pid: 4300,
        comm: "dockerd",
        exe: "/usr/bin/dockerd",
        cmdline: ["dockerd"],
        environ: {
          HOME: "/home/u",
          ROOTLESSKIT_STATE_DIR: "/run/user/1000/dockerd-rootless",
          XDG_RUNTIME_DIR: "/run/user/1000",
        },
      },
      {
        // --config-file names a file that is gone
        pid: 4400,
        comm: "dockerd",
        exe: "/usr/bin/dockerd",
        cmdline: ["dockerd", "--config-file=/gone.json"],
        environ: {},
      },
      // not daemons
      { pid: 300, comm: "docker", exe: "/usr/bin/docker", cmdline: ["docker", "ps"] },
      {
        pid: 301,
        comm: "containerd-shim",
        exe: "/usr/bin/containerd-shim-runc-v2",
        cmdline: [
          "/usr/bin/containerd-shim-runc-v2",
          "-namespace",
          "moby",
          "-address",
          "/run/containerd/containerd.sock",
        ],
      },
      {
        pid: 302,
        comm: "containerd",
        exe: "/usr/bin/containerd",
        cmdline: ["/usr/bin/containerd"],
      },
      // argv[0] says dockerd, but it is bash
      {
        pid: 303,
        comm: "bash",
        exe: "/bin/bash",
        cmdline: ["dockerd", "-H", "tcp://0.0.0.0:2375"],
      },
      // a zombie dockerd: no command line
      { pid: 304, comm: "dockerd", cmdline: "" },
      // gone between readdir and read: nothing but the directory
      { pid: 305 },
    ]);
    found = await findDockerdProcesses({ procRoot: proc.procRoot });
  });

  afterAll(async () => {
    await proc.cleanup();
  });

  function byPid(pid: number): DockerdProcess {
    const p = found.find((f) => f.pid === pid);
    if (p === undefined) throw new Error(`pid ${pid} not found`);
    return p;
  }

  it("finds the daemons, in pid order, and nothing else", () => {
    expect(found.map((p) => p.pid)).toEqual([812, 4100, 4200, 4300, 4400]);
  });

  it("812: -H fd:// from argv, TLS with client auth from daemon.json", () => {
    const p = byPid(812);
    expect(p.configFile).toEqual({
      value: "/etc/docker/daemon.json",
      origin: { kind: "default", why: "no --config-file flag" },
    });
    expect(p.daemonJson.status).toBe("ok");
    expect(p.daemonJson.readPath).toBe(`${proc.procRoot}/812/root/etc/docker/daemon.json`);
    expect(p.exposure.hosts).toEqual([
      {
        raw: "fd://",
        address: { scheme: "fd", url: "fd://" },
        origin: { kind: "flag", argvIndex: 1, arg: "-H" },
      },
    ]);
    expect(p.exposure.tls).toMatchObject({
      enabled: true,
      clientAuth: true,
      caCert: {
        value: "/etc/docker/ca.pem",
        origin: { kind: "daemon.json", file: "/etc/docker/daemon.json", pointer: "/tlscacert" },
      },
    });
    expect(p.problems).toEqual([]);
  });

  it("4100: the JSON error is data with its position; the flags still count", () => {
    const p = byPid(4100);
    expect(p.exe).toBe("/usr/bin/dockerd (deleted)");
    expect(p.daemonJson).toMatchObject({
      status: "invalid-json",
      path: "/srv/d.json",
      line: 3,
      column: 1,
    });
    expect(p.daemonJsonSettings).toBeUndefined();
    expect(p.exposure.hosts.map((h) => h.address)).toEqual([
      { scheme: "tcp", host: "0.0.0.0", port: 2375, url: "tcp://0.0.0.0:2375" },
    ]);
    expect(p.exposure.tls.enabled).toBe(false);
    expect(p.problems.map((x) => x.code)).toEqual(["PROC_UNREADABLE", "CONFIG_INVALID_JSON"]);
    expect(p.problems[1]?.message).toMatch(/^\/srv\/d\.json:3:1: /);
  });

  it("4200: hosts from daemon.json with their pointers", () => {
    const p = byPid(4200);
    expect(p.exposure.hosts.map((h) => [h.address, h.origin])).toEqual([
      [
        { scheme: "unix", path: "/var/run/docker.sock", url: "unix:///var/run/docker.sock" },
        { kind: "daemon.json", file: "/etc/docker/daemon.json", pointer: "/hosts/0" },
      ],
      [
        { scheme: "tcp", host: "0.0.0.0", port: 2375, url: "tcp://0.0.0.0:2375" },
        { kind: "daemon.json", file: "/etc/docker/daemon.json", pointer: "/hosts/1" },
      ],
    ]);
  });

  it("4300: rootless defaults, and an absent daemon.json is not a problem", () => {
    const p = byPid(4300);
    expect(p.configFile.value).toBe("/home/u/.config/docker/daemon.json");
    expect(p.daemonJson.status).toBe("absent");
    expect(p.exposure.hosts.map((h) => h.raw)).toEqual(["unix:///run/user/1000/docker.sock"]);
    expect(p.problems).toEqual([]);
  });

  it("4400: a --config-file that is gone is reported", () => {
    const p = byPid(4400);
    expect(p.daemonJson.status).toBe("missing");
    expect(p.problems).toMatchObject([{ code: "CONFIG_UNREADABLE", errno: "ENOENT" }]);
  });

  it("readDockerdProcess: undefined for a process that is not a daemon or is gone", async () => {
    expect(await readDockerdProcess(300, { procRoot: proc.procRoot })).toBeUndefined();
    expect(await readDockerdProcess(99999, { procRoot: proc.procRoot })).toBeUndefined();
    expect((await readDockerdProcess(812, { procRoot: proc.procRoot }))?.pid).toBe(812);
  });
});
