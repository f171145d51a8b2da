import { describe, expect, it } from "vitest";
import { parseDockerdArgv } from "../../../src/audit/daemon/argv.js";
import { daemonSettings, jsonPosition } from "../../../src/spec/adapters/daemon-settings.js";

const flags = (...args: string[]) => parseDockerdArgv(["dockerd", ...args]).flags;
const json = (text: string) => ({
  file: "/etc/docker/daemon.json",
  text,
  content: JSON.parse(text) as Record<string, unknown>,
});

describe("daemonSettings", () => {
  it("takes flags (the last one wins) and points at their argv index", () => {
    const { settings, problems } = daemonSettings({
      flags: flags("--icc=false", "-l", "debug", "--icc=true", "--no-new-privileges"),
      cmdlineFile: "/proc/7/cmdline",
    });
    expect(problems).toEqual([]);
    expect(settings.icc).toEqual({
      value: true,
      origin: { file: "/proc/7/cmdline", argIndex: 4 },
      source: "flag",
    });
    expect(settings.logLevel?.value).toBe("debug");
    expect(settings.noNewPrivileges).toMatchObject({ value: true, source: "flag" });
  });

  it("collects repeated list flags", () => {
    const { settings } = daemonSettings({
      flags: flags(
        "--insecure-registry",
        "a:5000",
        "--insecure-registry=b:5000",
        "--authorization-plugin",
        "authz",
      ),
    });
    expect(settings.insecureRegistries?.value).toEqual(["a:5000", "b:5000"]);
    expect(settings.authorizationPlugins?.value).toEqual(["authz"]);
  });

  it("reads daemon.json with line and column of the key's value", () => {
    const text =
      '{\n  "icc": false,\n  "default-ulimits": { "nofile": { "Name": "nofile", "Soft": 64, "Hard": 128 } },\n  "insecure-registries": ["r:5000"]\n}\n';
    const { settings } = daemonSettings({ flags: [], daemonJson: json(text) });
    expect(settings.icc).toEqual({
      value: false,
      origin: { file: "/etc/docker/daemon.json", pointer: "/icc", line: 2, column: 10 },
      source: "daemon.json",
    });
    expect(settings.defaultUlimits?.value).toEqual(["nofile=64:128"]);
    expect(settings.insecureRegistries?.origin).toMatchObject({
      line: 4,
      pointer: "/insecure-registries",
    });
  });

  it("fills dockerd's defaults when the command line was read, pointing at daemon.json", () => {
    const { settings } = daemonSettings({ flags: [], daemonJson: json("{}") });
    expect(settings.icc).toEqual({
      value: true,
      origin: { file: "/etc/docker/daemon.json", pointer: "" },
      source: "default",
    });
    expect(settings.userlandProxy?.value).toBe(true);
    expect(settings.logLevel?.value).toBe("info");
    // no default is claimed for the storage driver: it depends on the host
    expect(settings.storageDriver).toBeUndefined();
  });

  it("leaves settings unknown without the command line or /info", () => {
    const { settings } = daemonSettings({});
    expect(settings).toEqual({});
  });

  it("prefers what the running daemon reports over an edited file", () => {
    const { settings } = daemonSettings({
      flags: [],
      daemonJson: json('{ "live-restore": true }'),
      info: { LiveRestoreEnabled: false },
    });
    expect(settings.liveRestore).toEqual({
      value: false,
      origin: { file: "GET /info", pointer: "/LiveRestoreEnabled" },
      source: "info",
    });
  });

  it("keeps the config's origin when /info agrees, and the default's when nothing sets it", () => {
    const agree = daemonSettings({
      flags: [],
      daemonJson: json('{ "live-restore": true }'),
      info: { LiveRestoreEnabled: true },
    });
    expect(agree.settings.liveRestore?.source).toBe("daemon.json");
    const unset = daemonSettings({
      flags: [],
      daemonJson: json("{}"),
      info: { LiveRestoreEnabled: false },
    });
    expect(unset.settings.liveRestore?.source).toBe("default");
  });

  it("reads a remote daemon's settings from /info alone", () => {
    const { settings } = daemonSettings({
      info: {
        SecurityOptions: ["name=seccomp,profile=builtin", "name=userns", "name=rootless"],
        ExperimentalBuild: true,
        Plugins: { Authorization: null },
        RegistryConfig: {
          InsecureRegistryCIDRs: ["127.0.0.0/8", "10.9.0.0/16"],
          IndexConfigs: {
            "docker.io": { Name: "docker.io", Secure: true },
            "r:5000": { Name: "r:5000", Secure: false },
          },
        },
        Driver: "overlay2",
      },
    });
    expect(settings.seccompProfile?.value).toBe("");
    expect(settings.seccompAvailable?.value).toBe(true);
    expect(settings.usernsRemap?.value).toBe("(on)");
    expect(settings.rootless?.value).toBe(true);
    expect(settings.experimental?.value).toBe(true);
    expect(settings.authorizationPlugins?.value).toEqual([]);
    expect(settings.insecureRegistries?.value).toEqual(["10.9.0.0/16", "r:5000"]);
    expect(settings.storageDriver?.value).toBe("overlay2");
    expect(settings.icc).toBeUndefined();
  });

  it("reports seccomp as unavailable when /info does not list it", () => {
    const { settings } = daemonSettings({ info: { SecurityOptions: ["name=apparmor"] } });
    expect(settings.seccompAvailable).toMatchObject({ value: false, source: "info" });
    expect(settings.seccompProfile).toBeUndefined();
  });

  it("an unconfined daemon default shows in /info", () => {
    const { settings } = daemonSettings({
      info: { SecurityOptions: ["name=seccomp,profile=unconfined"] },
    });
    expect(settings.seccompProfile?.value).toBe("unconfined");
  });

  it("userns-remap set in the file and on in /info keeps the file's value", () => {
    const { settings } = daemonSettings({
      flags: [],
      daemonJson: json('{ "userns-remap": "default" }'),
      info: { SecurityOptions: ["name=userns"] },
    });
    expect(settings.usernsRemap).toMatchObject({ value: "default", source: "daemon.json" });
  });

  it("reports values dockerd would refuse, and bad bool flags", () => {
    const { settings, problems } = daemonSettings({
      flags: flags("--live-restore=maybe"),
      daemonJson: json('{ "icc": "no", "insecure-registries": "r:5000", "default-ulimits": [] }'),
    });
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/"icc" must be true or false/),
      expect.stringMatching(/--live-restore=maybe: "maybe" is not true or false/),
      expect.stringMatching(/"insecure-registries" must be an array of strings/),
      expect.stringMatching(/"default-ulimits" must be an object of ulimits/),
    ]);
    // the refused value is reported as a problem and the setting is judged at its default
    expect(settings.icc?.source).toBe("default");
  });
});

describe("jsonPosition", () => {
  it("finds nested keys and array items", () => {
    const text = '{"hosts": ["unix:///a.sock",\n  "tcp://0.0.0.0:2375"]}';
    expect(jsonPosition(text, ["hosts", 1])).toEqual({ line: 2, column: 3 });
    expect(jsonPosition(text, ["missing"])).toBeUndefined();
    expect(jsonPosition("not json {", ["a"])).toBeUndefined();
  });
});
