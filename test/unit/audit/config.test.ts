import { describe, expect, it } from "vitest";
import { parseDockerdArgv } from "../../../src/audit/daemon/argv.js";
import {
  type DaemonJsonSettings,
  daemonJsonSettings,
  defaultConfigFile,
  parseDaemonHost,
  parseDaemonJson,
  resolveExposure,
} from "../../../src/audit/daemon/config.js";

const FILE = "/etc/docker/daemon.json";

function json(content: Record<string, unknown>): DaemonJsonSettings {
  return daemonJsonSettings(content, FILE);
}

describe("parseDaemonJson", () => {
  it("parses an object", () => {
    expect(parseDaemonJson('{"hosts": ["fd://"]}')).toEqual({
      status: "ok",
      content: { hosts: ["fd://"] },
    });
  });

  it("reports a syntax error as data, with line and column when V8 gives a position", () => {
    // a trailing comma: V8 says "... at position 16"
    expect(parseDaemonJson('{\n  "tls": true,\n}')).toEqual({
      status: "invalid-json",
      message: expect.stringMatching(/property name/) as unknown,
      line: 3,
      column: 1,
    });
  });

  it("an empty file is invalid (dockerd refuses it: EOF)", () => {
    expect(parseDaemonJson("").status).toBe("invalid-json");
  });

  it.each([
    ["[]", "an array"],
    ["null", "null"],
    ['"x"', "a string"],
  ])("%s is not an object", (text, found) => {
    expect(parseDaemonJson(text)).toEqual({ status: "not-an-object", found });
  });
});

describe("daemonJsonSettings", () => {
  it("keeps each value with its JSON pointer", () => {
    const s = json({
      hosts: ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"],
      tls: true,
      tlsverify: true,
      tlscacert: "/etc/docker/ca.pem",
      "log-level": "info",
    });
    expect(s.hosts).toEqual([
      {
        value: "unix:///var/run/docker.sock",
        origin: { kind: "daemon.json", file: FILE, pointer: "/hosts/0" },
      },
      {
        value: "tcp://0.0.0.0:2376",
        origin: { kind: "daemon.json", file: FILE, pointer: "/hosts/1" },
      },
    ]);
    expect(s.tlsVerify).toEqual({
      value: true,
      origin: { kind: "daemon.json", file: FILE, pointer: "/tlsverify" },
    });
    expect(s.tlsCaCert?.value).toBe("/etc/docker/ca.pem");
    expect(s.tlsCert).toBeUndefined();
    expect(s.problems).toEqual([]);
  });

  it("reports wrong types instead of guessing", () => {
    const s = json({ hosts: "tcp://0.0.0.0:2375", tls: "true", tlscert: 1 });
    expect(s.hosts).toBeUndefined();
    expect(s.tls).toBeUndefined();
    expect(s.problems.map((p) => [p.code, p.origin])).toEqual([
      ["CONFIG_INVALID", { kind: "daemon.json", file: FILE, pointer: "/hosts" }],
      ["CONFIG_INVALID", { kind: "daemon.json", file: FILE, pointer: "/tls" }],
      ["CONFIG_INVALID", { kind: "daemon.json", file: FILE, pointer: "/tlscert" }],
    ]);
  });
});

describe("defaultConfigFile", () => {
  it.each([
    [{}, "/etc/docker/daemon.json"],
    [{ HOME: "/home/u" }, "/etc/docker/daemon.json"],
    [{ ROOTLESSKIT_STATE_DIR: "/s", HOME: "/home/u" }, "/home/u/.config/docker/daemon.json"],
    [
      { ROOTLESSKIT_STATE_DIR: "/s", HOME: "/home/u", XDG_CONFIG_HOME: "/x" },
      "/x/docker/daemon.json",
    ],
  ])("%j → %s", (env, path) => {
    expect(defaultConfigFile(env)).toBe(path);
  });
});

describe("parseDaemonHost (opts.ParseHost)", () => {
  it.each([
    [
      "tcp://0.0.0.0:2375",
      { scheme: "tcp", host: "0.0.0.0", port: 2375, url: "tcp://0.0.0.0:2375" },
    ],
    ["0.0.0.0:2376", { scheme: "tcp", host: "0.0.0.0", port: 2376, url: "tcp://0.0.0.0:2376" }],
    ["tcp://", { scheme: "tcp", host: "localhost", port: 2375, url: "tcp://localhost:2375" }],
    // an empty host is localhost, not every interface
    ["tcp://:2376", { scheme: "tcp", host: "localhost", port: 2376, url: "tcp://localhost:2376" }],
    // no port means 2375 even with TLS on
    ["tcp://10.0.0.1", { scheme: "tcp", host: "10.0.0.1", port: 2375, url: "tcp://10.0.0.1:2375" }],
    ["tcp://[::]:2375", { scheme: "tcp", host: "::", port: 2375, url: "tcp://[::]:2375" }],
    ["tcp://[::1]:", { scheme: "tcp", host: "::1", port: 2375, url: "tcp://[::1]:2375" }],
    ["tcp://h:2375/base", { scheme: "tcp", host: "h", port: 2375, url: "tcp://h:2375/base" }],
    [
      "unix://",
      { scheme: "unix", path: "/var/run/docker.sock", url: "unix:///var/run/docker.sock" },
    ],
    ["unix:///run/x.sock", { scheme: "unix", path: "/run/x.sock", url: "unix:///run/x.sock" }],
    ["fd://", { scheme: "fd", url: "fd://" }],
    ["fd://3", { scheme: "fd", url: "fd://3" }],
  ])("%j", (raw, expected) => {
    expect(parseDaemonHost(raw, false)).toEqual(expected);
  });

  it("an empty value is the default host, which depends on TLS", () => {
    expect(parseDaemonHost("", false)).toMatchObject({
      scheme: "unix",
      path: "/var/run/docker.sock",
    });
    expect(parseDaemonHost(" ", true)).toMatchObject({
      scheme: "tcp",
      host: "localhost",
      port: 2376,
    });
  });

  it.each([
    "ssh://h",
    "tcp://a:b",
    "tcp://::1:2375",
    "tcp://[::1",
    "unix://unix:///x",
    "tcp://h:99999",
  ])("%j is invalid", (raw) => {
    expect(parseDaemonHost(raw, false).scheme).toBe("invalid");
  });
});

describe("resolveExposure: dockerd's merge of flags and daemon.json", () => {
  const argv = (...args: string[]) => parseDockerdArgv(["dockerd", ...args]);

  it.each([
    // [flags, daemon.json, TLS enabled, client auth]
    [[], {}, false, false],
    [["--tls"], {}, true, true],
    [["--tls=false"], {}, false, false],
    [["--tlsverify"], {}, true, true],
    // giving tlsverify at all turns TLS on; only an explicit false turns client auth off
    [["--tlsverify=false"], {}, true, false],
    [["--tls", "--tlsverify=false"], {}, true, false],
    [["--tls=false", "--tlsverify"], {}, true, true],
    [["--tls=false", "--tlsverify=false"], {}, true, false],
    [[], { tls: true }, true, true],
    [[], { tlsverify: false }, true, false],
    [[], { tls: false, tlsverify: false }, true, false],
    [[], { tls: true, tlsverify: true }, true, true],
    [["--tls"], { tlsverify: false }, true, false],
  ] as const)("%j + %j → TLS %s, client auth %s", (flags, file, enabled, clientAuth) => {
    const { tls } = resolveExposure({ args: argv(...flags), daemonJson: json(file) });
    expect([tls.enabled, tls.clientAuth]).toEqual([enabled, clientAuth]);
  });

  it("defaults to the unix socket, or to tcp://localhost:2376 when TLS is on", () => {
    expect(resolveExposure({ args: argv(), daemonJson: undefined }).hosts).toEqual([
      {
        raw: "unix:///var/run/docker.sock",
        address: {
          scheme: "unix",
          path: "/var/run/docker.sock",
          url: "unix:///var/run/docker.sock",
        },
        origin: { kind: "default", why: expect.stringMatching(/default unix socket/) as unknown },
      },
    ]);
    const tls = resolveExposure({ args: argv("--tlsverify"), daemonJson: undefined });
    expect(tls.hosts.map((h) => h.address)).toEqual([
      { scheme: "tcp", host: "localhost", port: 2376, url: "tcp://localhost:2376" },
    ]);
  });

  it("under RootlessKit the default socket is in XDG_RUNTIME_DIR (not decided by --rootless)", () => {
    const env = { XDG_RUNTIME_DIR: "/run/user/1000" };
    const rootless = resolveExposure({
      args: argv(),
      daemonJson: undefined,
      env: { ...env, ROOTLESSKIT_STATE_DIR: "/run/user/1000/dockerd-rootless" },
    });
    expect(rootless.hosts.map((h) => h.raw)).toEqual(["unix:///run/user/1000/docker.sock"]);
    const flagOnly = resolveExposure({ args: argv("--rootless"), daemonJson: undefined, env });
    expect(flagOnly.hosts.map((h) => h.raw)).toEqual(["unix:///var/run/docker.sock"]);
  });

  it("takes daemon.json hosts when there is no -H", () => {
    const r = resolveExposure({
      args: argv(),
      daemonJson: json({ hosts: ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"] }),
    });
    expect(r.hosts.map((h) => [h.raw, h.origin])).toEqual([
      ["unix:///var/run/docker.sock", { kind: "daemon.json", file: FILE, pointer: "/hosts/0" }],
      ["tcp://0.0.0.0:2375", { kind: "daemon.json", file: FILE, pointer: "/hosts/1" }],
    ]);
    expect(r.problems).toEqual([]);
  });

  it("flags -H plus daemon.json hosts: the flags, and a conflict (dockerd would not start)", () => {
    const r = resolveExposure({
      args: argv("-H", "fd://"),
      daemonJson: json({ hosts: ["tcp://0.0.0.0:2375"] }),
    });
    expect(r.hosts.map((h) => h.raw)).toEqual(["fd://"]);
    expect(r.problems).toMatchObject([{ code: "CONFIG_CONFLICT" }]);
  });

  it("reports a TLS setting given both ways", () => {
    const r = resolveExposure({ args: argv("--tlsverify"), daemonJson: json({ tlsverify: true }) });
    expect(r.problems).toMatchObject([
      { code: "CONFIG_CONFLICT", origin: { kind: "daemon.json", pointer: "/tlsverify" } },
    ]);
  });

  it("reports an invalid host with where it came from", () => {
    const r = resolveExposure({ args: argv("-H", "tcp://h:nope"), daemonJson: undefined });
    expect(r.problems).toMatchObject([
      { code: "HOST_INVALID", origin: { kind: "flag", argvIndex: 1, arg: "-H" } },
    ]);
  });

  describe("TLS files", () => {
    it("defaults to DOCKER_CERT_PATH, else DOCKER_CONFIG, else ~/.docker, when flags turned TLS on", () => {
      const files = (env: Record<string, string>) => {
        const { tls } = resolveExposure({ args: argv("--tlsverify"), daemonJson: undefined, env });
        return [tls.caCert?.value, tls.cert?.value, tls.key?.value, tls.caCert?.origin.kind];
      };
      expect(files({ DOCKER_CERT_PATH: "/certs", DOCKER_CONFIG: "/cfg", HOME: "/h" })).toEqual([
        "/certs/ca.pem",
        "/certs/cert.pem",
        "/certs/key.pem",
        "default",
      ]);
      expect(files({ DOCKER_CONFIG: "/cfg", HOME: "/h" })[0]).toBe("/cfg/ca.pem");
      expect(files({ HOME: "/h" })[0]).toBe("/h/.docker/ca.pem");
      expect(files({})[0]).toBe("/root/.docker/ca.pem");
    });

    it("has no default CA when daemon.json alone turned TLS on (Go then trusts the system roots)", () => {
      const { tls } = resolveExposure({
        args: argv(),
        daemonJson: json({ tls: true, tlscert: "/c.pem", tlskey: "/k.pem" }),
      });
      expect(tls).toMatchObject({ enabled: true, clientAuth: true, caCert: undefined });
      expect(tls.cert?.value).toBe("/c.pem");
    });

    it("prefers daemon.json over a flag default, and an explicit flag over the default", () => {
      const { tls } = resolveExposure({
        args: argv("--tlsverify", "--tlscert", "/flag-cert.pem"),
        daemonJson: json({ tlscacert: "/json-ca.pem" }),
      });
      expect(tls.caCert?.origin).toEqual({
        kind: "daemon.json",
        file: FILE,
        pointer: "/tlscacert",
      });
      expect(tls.cert?.origin).toMatchObject({ kind: "flag", arg: "--tlscert" });
      expect(tls.key?.origin.kind).toBe("default");
    });

    it("no TLS, no files", () => {
      const { tls } = resolveExposure({ args: argv("--tls=false"), daemonJson: undefined });
      expect([tls.caCert, tls.cert, tls.key]).toEqual([undefined, undefined, undefined]);
    });
  });
});
