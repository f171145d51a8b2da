import { describe, expect, it } from "vitest";
import {
  parseDockerdArgv,
  parseGoBool,
  tokenizeDockerdArgv,
} from "../../../src/audit/daemon/argv.js";

const D = "/usr/sbin/dockerd";

describe("parseDockerdArgv: -H/--host in every spelling", () => {
  it.each([
    [["-H", "tcp://0.0.0.0:2375"], 1, "-H"],
    [["-Htcp://0.0.0.0:2375"], 1, "-Htcp://0.0.0.0:2375"],
    [["-H=tcp://0.0.0.0:2375"], 1, "-H=tcp://0.0.0.0:2375"],
    [["--host=tcp://0.0.0.0:2375"], 1, "--host=tcp://0.0.0.0:2375"],
    [["--host", "tcp://0.0.0.0:2375"], 1, "--host"],
    // bool shorthands cluster in front of a value shorthand
    [["-DH", "tcp://0.0.0.0:2375"], 1, "-DH"],
    [["-DHtcp://0.0.0.0:2375"], 1, "-DHtcp://0.0.0.0:2375"],
    // a value flag swallows the next argument, a bool flag does not
    [["--data-root", "/d", "--live-restore", "-H", "tcp://0.0.0.0:2375"], 4, "-H"],
  ])("%j", (args, argvIndex, arg) => {
    const parsed = parseDockerdArgv([D, ...args]);
    expect(parsed.hosts).toEqual([
      { value: "tcp://0.0.0.0:2375", origin: { kind: "flag", argvIndex, arg } },
    ]);
    expect(parsed.problems).toEqual([]);
  });

  it("accumulates several hosts in order", () => {
    const parsed = parseDockerdArgv([
      D,
      "-H",
      "fd://",
      "--host=unix:///run/d.sock",
      "-Htcp://:2376",
    ]);
    expect(parsed.hosts.map((h) => h.value)).toEqual([
      "fd://",
      "unix:///run/d.sock",
      "tcp://:2376",
    ]);
  });

  it("takes the next argument as -H's value even when it looks like a flag (as pflag does)", () => {
    const parsed = parseDockerdArgv([D, "-H", "--tls"]);
    expect(parsed.hosts.map((h) => h.value)).toEqual(["--tls"]);
    expect(parsed.tls).toBeUndefined();
  });

  it("stops at --", () => {
    const parsed = parseDockerdArgv([D, "--", "-H", "tcp://x:1"]);
    expect(parsed.hosts).toEqual([]);
    expect(parsed.positional.map((p) => p.arg)).toEqual(["-H", "tcp://x:1"]);
  });

  it("a value that is another flag's value is not a host", () => {
    const parsed = parseDockerdArgv([D, "--label", "-H", "--pidfile", "-Hx"]);
    expect(parsed.hosts).toEqual([]);
  });
});

describe("parseDockerdArgv: TLS flags", () => {
  it("reads bools only with = (the last one wins) and file flags in both spellings", () => {
    const parsed = parseDockerdArgv([
      D,
      "--tls",
      "--tlsverify=false",
      "--tlsverify=1",
      "--tlscacert",
      "/etc/docker/ca.pem",
      "--tlscert=/etc/docker/server-cert.pem",
      "--tlskey='/etc/docker/server key.pem'",
    ]);
    expect(parsed.tls).toEqual({
      value: true,
      origin: { kind: "flag", argvIndex: 1, arg: "--tls" },
    });
    expect(parsed.tlsVerify).toEqual({
      value: true,
      origin: { kind: "flag", argvIndex: 3, arg: "--tlsverify=1" },
    });
    expect(parsed.tlsCaCert?.value).toBe("/etc/docker/ca.pem");
    expect(parsed.tlsCert?.value).toBe("/etc/docker/server-cert.pem");
    // opts.QuotedString: surrounding quotes go
    expect(parsed.tlsKey?.value).toBe("/etc/docker/server key.pem");
  });

  it("`--tls false` is --tls plus a stray argument, as in pflag", () => {
    const parsed = parseDockerdArgv([D, "--tls", "false"]);
    expect(parsed.tls?.value).toBe(true);
    expect(parsed.positional).toEqual([{ argvIndex: 2, arg: "false" }]);
  });

  it("reports a value dockerd would refuse, and keeps the earlier setting", () => {
    const parsed = parseDockerdArgv([D, "--tlsverify", "--tlsverify=yes"]);
    expect(parsed.tlsVerify?.value).toBe(true);
    expect(parsed.problems).toMatchObject([
      { code: "ARGV_INVALID", origin: { kind: "flag", argvIndex: 2, arg: "--tlsverify=yes" } },
    ]);
  });

  it("reads --config-file and --rootless", () => {
    const parsed = parseDockerdArgv([D, "--config-file", "/srv/d.json", "--rootless"]);
    expect(parsed.configFile?.value).toBe("/srv/d.json");
    expect(parsed.rootless?.value).toBe(true);
  });
});

describe("tokenizeDockerdArgv: what it cannot know", () => {
  it("assumes an unknown long flag takes no value, so a following -H is still seen", () => {
    const { flags, problems } = tokenizeDockerdArgv([D, "--some-new-bool", "-H", "tcp://h:1"]);
    expect(flags.map((f) => [f.name, f.value])).toEqual([
      ["some-new-bool", undefined],
      ["host", "tcp://h:1"],
    ]);
    expect(problems).toMatchObject([{ code: "ARGV_UNKNOWN_FLAG" }]);
  });

  it("reports a missing value and an unknown shorthand", () => {
    expect(tokenizeDockerdArgv([D, "-H"]).problems).toMatchObject([{ code: "ARGV_INVALID" }]);
    expect(tokenizeDockerdArgv([D, "--host"]).problems).toMatchObject([{ code: "ARGV_INVALID" }]);
    expect(tokenizeDockerdArgv([D, "-Z"]).problems).toMatchObject([{ code: "ARGV_UNKNOWN_FLAG" }]);
  });
});

describe("parseGoBool (strconv.ParseBool)", () => {
  it.each([
    ["1", true],
    ["t", true],
    ["TRUE", true],
    ["True", true],
    ["0", false],
    ["F", false],
    ["false", false],
    ["yes", undefined],
    ["", undefined],
    ["tRUE", undefined],
  ])("%j → %s", (text, value) => {
    expect(parseGoBool(text)).toBe(value);
  });
});
