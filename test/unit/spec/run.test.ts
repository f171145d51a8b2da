import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DockwardError } from "../../../src/errors.js";
import {
  CREATE_TABLE,
  GLOBAL_TABLE,
  RUN_FLAGS,
  RUN_TABLE,
  type FlagValueType,
} from "../../../src/spec/adapters/docker-flags.js";
import { parseRunArgv, type RunArgvInput } from "../../../src/spec/adapters/run.js";
import type { ContainerSpec, DeviceSpec, MountSpec, PortSpec } from "../../../src/spec/model.js";
import { splitShellWords } from "../../../src/spec/shell-words.js";

const PROFILES: Record<string, string> = {
  "/work/profile.json": '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]}',
  "/work/sub/p.json": '{"defaultAction":"SCMP_ACT_ALLOW"}',
  "/work/broken.json": "{not json",
};
const filesRead: string[] = [];

function readFile(path: string): string {
  filesRead.push(path);
  const text = PROFILES[path];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
  return text;
}

function input(argv: readonly string[], extra: Partial<RunArgvInput> = {}): RunArgvInput {
  return { argv, cwd: "/work", home: "/home/me", readFile, ...extra };
}

/** `docker run <args> alpine` */
function run(...args: string[]): ContainerSpec {
  return parseRunArgv(input(["docker", "run", ...args, "alpine"]));
}

function errorOf(argv: readonly string[], extra: Partial<RunArgvInput> = {}): DockwardError {
  try {
    parseRunArgv(input(argv, extra));
  } catch (err) {
    if (err instanceof DockwardError) return err;
    throw err;
  }
  throw new Error(`expected parseRunArgv to throw for ${argv.join(" ")}`);
}

function expectBadInput(err: DockwardError, message: RegExp, hint?: RegExp): void {
  expect(err.code).toBe("BAD_INPUT");
  expect(err.kind).toBe("usage");
  expect(err.exitCode).toBe(2);
  expect(err.message).toMatch(message);
  if (hint !== undefined) expect(err.hint).toMatch(hint);
}

// ---------------------------------------------------------------------------------------------

describe("the command words", () => {
  it.each<[string, string[], string, string]>([
    ["docker run", ["docker", "run", "alpine"], "docker run alpine", "alpine"],
    [
      "docker container run",
      ["docker", "container", "run", "alpine"],
      "docker run alpine",
      "alpine",
    ],
    ["docker create", ["docker", "create", "nginx:1.27"], "docker create nginx:1.27", "nginx:1.27"],
    [
      "docker container create",
      ["docker", "container", "create", "alpine"],
      "docker create alpine",
      "alpine",
    ],
    ["run alone", ["run", "alpine"], "docker run alpine", "alpine"],
    ["create alone", ["create", "alpine"], "docker create alpine", "alpine"],
    ["a path to docker", ["/usr/local/bin/docker", "run", "alpine"], "docker run alpine", "alpine"],
    [
      "global flags with values",
      ["docker", "-H", "tcp://h:2376", "--context", "prod", "--config=/c", "run", "alpine"],
      "docker run alpine",
      "alpine",
    ],
    [
      "global bool flags and combined shorthands",
      [
        "docker",
        "--tlsverify",
        "--tlscacert",
        "ca.pem",
        "--tlscert=c",
        "--tlskey",
        "k",
        "--tls=false",
        "-Dl",
        "debug",
        "-c",
        "x",
        "run",
        "alpine",
      ],
      "docker run alpine",
      "alpine",
    ],
    [
      "-- ends the global flags",
      ["docker", "-D", "--", "run", "alpine"],
      "docker run alpine",
      "alpine",
    ],
  ])("%s", (_name, argv, name, image) => {
    const spec = parseRunArgv({ argv });
    expect(spec.target).toEqual({
      kind: "run",
      name,
      origin: { argIndex: 0 },
      image,
      labels: {},
      container: undefined,
    });
  });

  it("--name names the target and the container", () => {
    const spec = parseRunArgv({ argv: ["docker", "run", "--name", "a", "--name=web", "nginx"] });
    expect(spec.target.name).toBe("web");
    expect(spec.target.container).toBe("web");
    expect(spec.target.image).toBe("nginx");
  });

  it("--name= (empty) leaves the container unnamed", () => {
    const spec = parseRunArgv({ argv: ["docker", "run", "--name=", "nginx"] });
    expect(spec.target.name).toBe("docker run nginx");
    expect(spec.target.container).toBeUndefined();
  });

  it("the container's command after the image is never read as flags", () => {
    const spec = run("--rm");
    expect(spec.privileged).toBeUndefined();
    const after = parseRunArgv({
      argv: ["docker", "run", "alpine", "--privileged", "-v", "/:/host", "--cap-add", "ALL"],
    });
    expect(after.privileged).toBeUndefined();
    expect(after.mounts).toEqual([]);
    expect(after.capAdd).toEqual([]);
    expect(after.target.image).toBe("alpine");
  });

  it("`--` ends the options: the next word is the image", () => {
    const spec = parseRunArgv({ argv: ["docker", "run", "--read-only", "--", "--privileged"] });
    expect(spec.target.image).toBe("--privileged");
    expect(spec.privileged).toBeUndefined();
    expect(spec.readOnlyRootfs).toEqual({ value: true, origin: { argIndex: 2 } });
  });

  it.each<[string, string[], RegExp, RegExp]>([
    [
      "docker exec",
      ["docker", "exec", "web", "sh"],
      /^unsupported command "exec" \(at argv\[1\]\)$/,
      /docker run, docker create/,
    ],
    [
      "docker container ls",
      ["docker", "container", "ls"],
      /^unsupported command "ls" \(at argv\[2\]\)$/,
      /docker run/,
    ],
    [
      "sudo",
      ["sudo", "docker", "run", "x"],
      /^unsupported command "sudo" \(at argv\[0\]\)$/,
      /drop "sudo"/,
    ],
    [
      "podman",
      ["podman", "run", "x"],
      /^unsupported command "podman" \(at argv\[0\]\)$/,
      /docker run/,
    ],
    ["docker alone", ["docker"], /^no command after "docker" \(at argv\[0\]\)$/, /docker run/],
    [
      "docker with only global flags",
      ["docker", "-H", "x"],
      /^no command after "docker -H x" \(at argv\[2\]\)$/,
      /docker run/,
    ],
    ["empty argv", [], /^the docker command is empty$/, /docker run/],
    [
      "docker --version",
      ["docker", "--version", "run", "x"],
      /^docker --version prints the version and creates no container \(at argv\[1\]\)$/,
      /remove --version/,
    ],
    ["docker -h", ["docker", "-h"], /^docker -h prints usage/, /remove -h/],
    [
      "unknown global flag",
      ["docker", "--hots", "x", "run", "a"],
      /^unknown flag --hots for docker \(at argv\[1\]\)$/,
      /did you mean --host\?/,
    ],
    [
      "a run flag before run",
      ["docker", "--privileged", "run", "a"],
      /^unknown flag --privileged for docker \(at argv\[1\]\)$/,
      /docker run flag: it goes after "run"/,
    ],
    [
      "a global flag without its value",
      ["docker", "-H"],
      /^flag -H needs a value \(at argv\[1\]\)$/,
      /-H VALUE/,
    ],
  ])("refuses %s", (_name, argv, message, hint) => {
    expectBadInput(errorOf(argv), message, hint);
  });
});

// ---------------------------------------------------------------------------------------------

describe("pflag spellings", () => {
  it.each<[string, string[], boolean | undefined, number | undefined]>([
    ["--privileged", ["--privileged"], true, 2],
    ["--privileged=true", ["--privileged=true"], true, 2],
    ["--privileged=false", ["--privileged=false"], false, 2],
    ["--privileged=0", ["--privileged=0"], false, 2],
    ["--privileged=T", ["--privileged=T"], true, 2],
    ["the last one wins", ["--privileged", "--rm", "--privileged=False"], false, 4],
    ["not given", ["--rm"], undefined, undefined],
  ])("%s", (_name, args, value, argIndex) => {
    const spec = run(...args);
    expect(spec.privileged).toEqual(
      value === undefined ? undefined : { value, origin: { argIndex } },
    );
  });

  it("a bool flag does not take the next word: `--privileged false alpine` runs image false", () => {
    const spec = parseRunArgv({ argv: ["docker", "run", "--privileged", "false", "alpine"] });
    expect(spec.target.image).toBe("false");
    expect(spec.privileged).toEqual({ value: true, origin: { argIndex: 2 } });
  });

  it("combined shorthands: -itP and -itv VALUE", () => {
    const spec = run("-itP", "-dtv", "/data");
    expect(spec.publishAll).toEqual({ value: true, origin: { argIndex: 2 } });
    expect(spec.mounts).toEqual<MountSpec[]>([
      {
        type: "volume",
        source: undefined,
        hostPath: undefined,
        target: "/data",
        readOnly: false,
        origin: { argIndex: 3 },
      },
    ]);
  });

  it.each<[string, string[], string]>([
    ["-e VALUE", ["-e", "A=1"], "A=1"],
    ["-eVALUE", ["-eA=1"], "A=1"],
    ["-e=VALUE (pflag drops the =)", ["-e=A=1"], "A=1"],
    ["--env VALUE", ["--env", "A=1"], "A=1"],
    ["--env=VALUE", ["--env=A=1"], "A=1"],
    ["-ie VALUE", ["-ie", "A=1"], "A=1"],
    ["a value that looks like a flag", ["-e", "--privileged"], "--privileged"],
  ])("%s", (_name, args, value) => {
    const spec = run(...args);
    expect(spec.env).toEqual([{ value, origin: { argIndex: 2 } }]);
    expect(spec.privileged).toBeUndefined();
  });

  it("-P=false and -i=false take the value", () => {
    expect(run("-P=false").publishAll).toEqual({ value: false, origin: { argIndex: 2 } });
  });

  it.each<[string, string[], RegExp, RegExp | undefined]>([
    [
      "unknown long flag",
      ["docker", "run", "--privilegd", "alpine"],
      /^unknown flag --privilegd for docker run \(at argv\[2\]\)$/,
      /did you mean --privileged\?/,
    ],
    [
      "unknown flag with a value",
      ["docker", "run", "--cap-addd=X", "alpine"],
      /^unknown flag --cap-addd for docker run \(at argv\[2\]\)$/,
      /did you mean --cap-add\?/,
    ],
    [
      "unknown flag far from any",
      ["docker", "run", "--zzzzzzzzzz", "a"],
      /^unknown flag --zzzzzzzzzz for docker run/,
      /docker run --help/,
    ],
    [
      "unknown shorthand",
      ["docker", "run", "-x", "alpine"],
      /^unknown flag -x for docker run \(at argv\[2\]\)$/,
      /docker run --help/,
    ],
    [
      "unknown shorthand inside -itx",
      ["docker", "run", "--rm", "-itx", "alpine"],
      /^unknown flag -x for docker run \(at argv\[3\]\)$/,
      undefined,
    ],
    [
      "a global flag after run",
      ["docker", "run", "-H", "tcp://x", "alpine"],
      /^unknown flag -H for docker run \(at argv\[2\]\)$/,
      /docker global flag: it goes before "run"/,
    ],
    [
      "a run-only flag on create",
      ["docker", "create", "-d", "alpine"],
      /^unknown flag -d for docker create \(at argv\[2\]\)$/,
      /docker run flag: docker create has no such flag/,
    ],
    [
      "--sig-proxy on create",
      ["docker", "container", "create", "--sig-proxy=false", "a"],
      /^unknown flag --sig-proxy for docker create \(at argv\[3\]\)$/,
      /docker run flag/,
    ],
    [
      "a value flag at the end",
      ["docker", "run", "--rm", "--memory"],
      /^flag --memory needs a value \(at argv\[3\]\)$/,
      /--memory VALUE or --memory=VALUE/,
    ],
    [
      "a shorthand value flag at the end",
      ["docker", "run", "-itm"],
      /^flag -m needs a value \(at argv\[2\]\)$/,
      /-m VALUE/,
    ],
    [
      "no image",
      ["docker", "run", "--rm", "-it"],
      /^docker run has no IMAGE \(at argv\[3\]\)$/,
      /usage: docker run \[OPTIONS\] IMAGE/,
    ],
    [
      "no image after --",
      ["docker", "create", "--"],
      /^docker create has no IMAGE/,
      /docker create \[OPTIONS\]/,
    ],
    [
      "an empty image",
      ["docker", "run", ""],
      /^"" is not an image reference \(at argv\[2\]\)$/,
      undefined,
    ],
    [
      "a bool with a bad value",
      ["docker", "run", "--rm=maybe", "a"],
      /^--rm takes true or false, not "maybe" \(at argv\[2\]\)$/,
      undefined,
    ],
    [
      "-i= (pflag: the = becomes a flag)",
      ["docker", "run", "-i=", "a"],
      /^unknown flag -= for docker run/,
      undefined,
    ],
    [
      "bad flag syntax",
      ["docker", "run", "---rm", "a"],
      /^bad flag syntax ---rm \(at argv\[2\]\)$/,
      /--name=value/,
    ],
    [
      "--help",
      ["docker", "run", "--help"],
      /^docker run --help prints usage and creates no container \(at argv\[2\]\)$/,
      /remove --help/,
    ],
  ])("refuses %s", (_name, argv, message, hint) => {
    expectBadInput(errorOf(argv), message, hint);
  });

  it("--help=false is not a request for help", () => {
    expect(run("--help=false").target.image).toBe("alpine");
  });
});

// ---------------------------------------------------------------------------------------------

describe("capabilities", () => {
  it.each<[string, string[], string[]]>([
    ["--cap-add=sys_admin", ["--cap-add=sys_admin"], ["SYS_ADMIN"]],
    ["--cap-add CAP_SYS_ADMIN", ["--cap-add", "CAP_SYS_ADMIN"], ["SYS_ADMIN"]],
    ["--cap-add Cap_Net_Admin", ["--cap-add", "Cap_Net_Admin"], ["NET_ADMIN"]],
    ["--cap-add all", ["--cap-add", "all"], ["ALL"]],
    ["repeated", ["--cap-add", "NET_RAW", "--cap-add=bpf"], ["NET_RAW", "BPF"]],
  ])("%s", (_name, args, caps) => {
    const spec = run(...args);
    expect(spec.capAdd.map((c) => c.value)).toEqual(caps);
    expect(spec.capAdd[0]?.origin).toEqual({ argIndex: 2 });
    expect(spec.capDrop).toEqual([]);
  });

  it("--cap-drop keeps each drop with its origin", () => {
    const spec = run("--cap-drop", "ALL", "--cap-add", "chown", "--cap-drop=cap_net_raw");
    expect(spec.capDrop).toEqual([
      { value: "ALL", origin: { argIndex: 2 } },
      { value: "NET_RAW", origin: { argIndex: 6 } },
    ]);
    expect(spec.capAdd).toEqual([{ value: "CHOWN", origin: { argIndex: 4 } }]);
  });

  it.each<[string, string[], RegExp, RegExp]>([
    [
      "an unknown name",
      ["--cap-add", "SYS_ADMN"],
      /^unknown capability "CAP_SYS_ADMN" in --cap-add "SYS_ADMN" \(the daemon refuses it\) \(at argv\[2\]\)$/,
      /did you mean SYS_ADMIN\?/,
    ],
    [
      "a comma list (the daemon does not split it)",
      ["--cap-add", "NET_ADMIN,SYS_ADMIN"],
      /^unknown capability "CAP_NET_ADMIN,SYS_ADMIN"/,
      /repeat the flag, --cap-add NET_ADMIN --cap-add SYS_ADMIN/,
    ],
    [
      "whitespace (the daemon does not trim)",
      ["--cap-drop", " NET_RAW"],
      /^unknown capability "CAP_NET_RAW" in --cap-drop " NET_RAW"/,
      /NET_RAW/,
    ],
    [
      "an empty name",
      ["--cap-add="],
      /^unknown capability "" in --cap-add ""/,
      /capabilities\(7\)/,
    ],
  ])("refuses %s", (_name, args, message, hint) => {
    expectBadInput(errorOf(["docker", "run", ...args, "alpine"]), message, hint);
  });
});

// ---------------------------------------------------------------------------------------------

describe("security options", () => {
  it.each<[string, string[], ContainerSpec["seccomp"]]>([
    [
      "seccomp=unconfined",
      ["--security-opt", "seccomp=unconfined"],
      { value: { kind: "unconfined" }, origin: { argIndex: 2 } },
    ],
    [
      "seccomp:unconfined (old separator)",
      ["--security-opt", "seccomp:unconfined"],
      { value: { kind: "unconfined" }, origin: { argIndex: 2 } },
    ],
    [
      "--security-opt=seccomp=unconfined",
      ["--security-opt=seccomp=unconfined"],
      { value: { kind: "unconfined" }, origin: { argIndex: 2 } },
    ],
    [
      "seccomp=builtin",
      ["--security-opt", "seccomp=builtin"],
      { value: { kind: "default" }, origin: { argIndex: 2 } },
    ],
    [
      "the last seccomp wins",
      ["--security-opt", "seccomp=unconfined", "--security-opt", "seccomp=builtin"],
      { value: { kind: "default" }, origin: { argIndex: 4 } },
    ],
    [
      "the last seccomp wins (other order)",
      ["--security-opt", "seccomp=builtin", "--security-opt", "seccomp:unconfined"],
      { value: { kind: "unconfined" }, origin: { argIndex: 4 } },
    ],
    [
      "a profile file relative to cwd is read",
      ["--security-opt", "seccomp=profile.json"],
      {
        value: { kind: "profile", json: { defaultAction: "SCMP_ACT_ERRNO", syscalls: [] } },
        origin: { argIndex: 2 },
      },
    ],
    [
      "$(pwd)/ in a profile path",
      ["--security-opt", "seccomp=$(pwd)/sub/p.json"],
      {
        value: { kind: "profile", json: { defaultAction: "SCMP_ACT_ALLOW" } },
        origin: { argIndex: 2 },
      },
    ],
    [
      "an absolute profile path",
      ["--security-opt", "seccomp=/work/sub/../sub/p.json"],
      {
        value: { kind: "profile", json: { defaultAction: "SCMP_ACT_ALLOW" } },
        origin: { argIndex: 2 },
      },
    ],
  ])("%s", (_name, args, seccomp) => {
    expect(run(...args).seccomp).toEqual(seccomp);
  });

  it("reads every seccomp file, as the CLI does, not only the last", () => {
    filesRead.length = 0;
    const spec = run(
      "--security-opt",
      "seccomp=profile.json",
      "--security-opt",
      "seccomp=/work/sub/p.json",
      "--security-opt",
      "seccomp=unconfined",
    );
    expect(filesRead).toEqual(["/work/profile.json", "/work/sub/p.json"]);
    expect(spec.seccomp).toEqual({ value: { kind: "unconfined" }, origin: { argIndex: 6 } });
  });

  it("reads a real profile file with the default reader", () => {
    const dir = mkdtempSync(join(tmpdir(), "dockward-run-"));
    try {
      writeFileSync(join(dir, "p.json"), '{"defaultAction":"SCMP_ACT_LOG"}');
      const spec = parseRunArgv({
        argv: ["docker", "run", "--security-opt", "seccomp=p.json", "alpine"],
        cwd: dir,
      });
      expect(spec.seccomp?.value).toEqual({
        kind: "profile",
        json: { defaultAction: "SCMP_ACT_LOG" },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("applies every option in order and keeps the raw list", () => {
    const spec = run(
      "--security-opt",
      "apparmor=unconfined",
      "--security-opt",
      "no-new-privileges",
      "--security-opt=label=disable",
      "--security-opt",
      "systempaths=unconfined",
      "--security-opt",
      "no-new-privileges:false",
    );
    // an origin is the flag's word, not its value's
    expect(spec.apparmor).toEqual({ value: "unconfined", origin: { argIndex: 2 } });
    expect(spec.noNewPrivileges).toEqual({ value: false, origin: { argIndex: 9 } });
    expect(spec.systemPathsUnconfined).toEqual({ value: true, origin: { argIndex: 7 } });
    expect(spec.securityOpt).toEqual([
      { value: "apparmor=unconfined", origin: { argIndex: 2 } },
      { value: "no-new-privileges", origin: { argIndex: 4 } },
      { value: "label=disable", origin: { argIndex: 6 } },
      { value: "systempaths=unconfined", origin: { argIndex: 7 } },
      { value: "no-new-privileges:false", origin: { argIndex: 9 } },
    ]);
  });

  it("no-new-privileges=true", () => {
    expect(run("--security-opt", "no-new-privileges=true").noNewPrivileges).toEqual({
      value: true,
      origin: { argIndex: 2 },
    });
  });

  it.each<[string, string[], RegExp, RegExp | undefined]>([
    [
      "a missing profile",
      ["--security-opt", "seccomp=missing.json"],
      /^seccomp profile missing\.json not readable \(at argv\[2\]\)$/,
      /\/work\/missing\.json/,
    ],
    [
      "a missing profile before unconfined",
      ["--security-opt", "seccomp=missing.json", "--security-opt", "seccomp=unconfined"],
      /^seccomp profile missing\.json not readable \(at argv\[2\]\)$/,
      undefined,
    ],
    [
      "a profile that is not JSON",
      ["--security-opt", "seccomp=broken.json"],
      /^seccomp profile broken\.json is not JSON \(at argv\[2\]\)$/,
      undefined,
    ],
    [
      "inline JSON (the CLI reads it as a file name)",
      ["--security-opt", 'seccomp={"defaultAction":"SCMP_ACT_ALLOW"}'],
      /^seccomp profile \{"defaultAction":"SCMP_ACT_ALLOW"\} not readable/,
      undefined,
    ],
    [
      "an unknown option",
      ["--security-opt", "bogus=1"],
      /^invalid --security-opt "bogus=1": unknown security option "bogus" \(at argv\[2\]\)$/,
      undefined,
    ],
    [
      "a bad no-new-privileges",
      ["--rm", "--security-opt", "no-new-privileges=maybe"],
      /^invalid --security-opt "no-new-privileges=maybe": no-new-privileges takes true or false, not "maybe" \(at argv\[3\]\)$/,
      undefined,
    ],
    [
      "a bare word (the CLI refuses it)",
      ["--security-opt", "disable"],
      /^invalid --security-opt "disable" \(at argv\[2\]\)$/,
      /KEY=VALUE/,
    ],
    [
      "an empty value",
      ["--security-opt", "seccomp="],
      /^invalid --security-opt "seccomp=" \(at argv\[2\]\)$/,
      undefined,
    ],
  ])("refuses %s", (_name, args, message, hint) => {
    expectBadInput(errorOf(["docker", "run", ...args, "alpine"]), message, hint);
  });

  it("keeps the read error as the cause", () => {
    const err = errorOf(["docker", "run", "--security-opt", "seccomp=nope.json", "a"]);
    expect(err.cause).toBeInstanceOf(Error);
  });
});

// ---------------------------------------------------------------------------------------------

describe("resources", () => {
  it("maps every resource flag with its origin", () => {
    const spec = run(
      "-m",
      "512m",
      "--memory-swap=1g",
      "--memory-reservation",
      "256M",
      "--cpus",
      "1.5",
      "-c",
      "0x200",
      "--cpuset-cpus",
      "0-3",
      "--pids-limit",
      "100",
      "--oom-kill-disable",
      "--shm-size",
      "64m",
    );
    const r = spec.resources;
    expect(r.memory).toEqual({ value: 512 * 1024 ** 2, origin: { argIndex: 2 } });
    expect(r.memorySwap).toEqual({ value: 1024 ** 3, origin: { argIndex: 4 } });
    expect(r.memoryReservation).toEqual({ value: 256 * 1024 ** 2, origin: { argIndex: 5 } });
    expect(r.nanoCpus).toEqual({ value: 1_500_000_000, origin: { argIndex: 7 } });
    expect(r.cpuShares).toEqual({ value: 512, origin: { argIndex: 9 } });
    expect(r.cpusetCpus).toEqual({ value: "0-3", origin: { argIndex: 11 } });
    expect(r.pidsLimit).toEqual({ value: 100, origin: { argIndex: 13 } });
    expect(r.oomKillDisable).toEqual({ value: true, origin: { argIndex: 15 } });
    expect(r.shmSize).toEqual({ value: 64 * 1024 ** 2, origin: { argIndex: 16 } });
    expect(r.cpuQuota).toBeUndefined();
  });

  it.each<[string, string[], keyof ContainerSpec["resources"], number]>([
    ["--memory=1g", ["--memory=1g"], "memory", 1024 ** 3],
    ["-m0 (unlimited)", ["-m0"], "memory", 0],
    ["--memory-swap -1 (unlimited)", ["-m", "64m", "--memory-swap", "-1"], "memorySwap", -1],
    ["--cpu-quota", ["--cpu-quota", "50000"], "cpuQuota", 50_000],
    ["--cpu-period", ["--cpu-period=100000"], "cpuPeriod", 100_000],
    ["--cpu-shares 0o1000 (Go base prefixes)", ["--cpu-shares", "0o1000"], "cpuShares", 512],
    ["--cpu-shares 01000 (legacy octal)", ["--cpu-shares", "01000"], "cpuShares", 512],
    ["--cpu-shares 1_024", ["--cpu-shares", "1_024"], "cpuShares", 1024],
    ["--pids-limit -1", ["--pids-limit", "-1"], "pidsLimit", -1],
    ["--cpus .5", ["--cpus", ".5"], "nanoCpus", 500_000_000],
  ])("%s", (_name, args, key, value) => {
    expect(run(...args).resources[key]).toMatchObject({ value });
  });

  it("--oom-kill-disable=false", () => {
    expect(run("--oom-kill-disable=false").resources.oomKillDisable).toEqual({
      value: false,
      origin: { argIndex: 2 },
    });
  });

  it("--ulimit name=soft[:hard], the last per name wins", () => {
    const spec = run(
      "--ulimit",
      "nofile=1024:2048",
      "--ulimit=nproc=512",
      "--ulimit",
      "core=0:-1",
      "--ulimit",
      "nofile=10:20",
    );
    expect(spec.resources.ulimits).toEqual([
      { name: "nproc", soft: 512, hard: 512, origin: { argIndex: 4 } },
      { name: "core", soft: 0, hard: -1, origin: { argIndex: 5 } },
      { name: "nofile", soft: 10, hard: 20, origin: { argIndex: 7 } },
    ]);
  });

  it.each<[string, string[], RegExp, RegExp | undefined]>([
    ["-m 12q", ["-m", "12q"], /^-m "12q" is not a size \(at argv\[2\]\)$/, /512m/],
    [
      "--memory=1x",
      ["--rm", "--memory=1x"],
      /^--memory "1x" is not a size \(at argv\[3\]\)$/,
      /512m/,
    ],
    [
      "--memory-swap abc",
      ["--memory-swap", "abc"],
      /^--memory-swap "abc" is not a size/,
      /-1 for unlimited/,
    ],
    ["--shm-size -1", ["--shm-size", "-1"], /^--shm-size "-1" is not a size/, undefined],
    [
      "--cpus abc",
      ["--cpus", "abc"],
      /^--cpus "abc" is not a CPU count \(at argv\[2\]\)$/,
      /9 decimals/,
    ],
    [
      "--cpus with 10 decimals",
      ["--cpus", "1.0000000001"],
      /^--cpus "1\.0000000001" is not a CPU count/,
      undefined,
    ],
    [
      "--pids-limit 10.5",
      ["--pids-limit", "10.5"],
      /^--pids-limit "10\.5" is not an integer \(at argv\[2\]\)$/,
      undefined,
    ],
    ["-c 08 (an invalid octal, like Go)", ["-c", "08"], /^-c "08" is not an integer/, undefined],
    [
      "--cpu-shares 1__0",
      ["--cpu-shares", "1__0"],
      /^--cpu-shares "1__0" is not an integer/,
      undefined,
    ],
    [
      "--cpu-quota beyond int64",
      ["--cpu-quota", "9223372036854775808"],
      /is not an integer/,
      undefined,
    ],
    [
      "--blkio-weight beyond uint16",
      ["--blkio-weight", "70000"],
      /^--blkio-weight "70000" is not an integer from 0 to 65535/,
      undefined,
    ],
    [
      "--io-maxiops -1",
      ["--io-maxiops", "-1"],
      /^--io-maxiops "-1" is not a non-negative integer/,
      undefined,
    ],
    [
      "--health-interval 5",
      ["--health-interval", "5"],
      /^--health-interval "5" is not a duration/,
      /30s/,
    ],
    ["--ip not an address", ["--ip", "10.0.0"], /^--ip "10\.0\.0" is not an IP address/, undefined],
    [
      "--ulimit bogus=1",
      ["--ulimit", "bogus=1"],
      /^--ulimit "bogus=1": unknown ulimit "bogus" \(at argv\[2\]\)$/,
      /nofile/,
    ],
    [
      "--ulimit nofile",
      ["--ulimit", "nofile"],
      /^--ulimit "nofile" is not NAME=SOFT\[:HARD\]/,
      undefined,
    ],
    [
      "--ulimit soft above hard",
      ["--ulimit", "nofile=2:1"],
      /soft limit is above the hard limit/,
      undefined,
    ],
    ["--ulimit nofile=a", ["--ulimit", "nofile=a"], /a limit is an integer/, undefined],
    ["--ulimit nofile=1:2:3", ["--ulimit", "nofile=1:2:3"], /at most SOFT:HARD/, undefined],
    [
      "--memory below 6m",
      ["-m", "1m"],
      /^1048576 bytes is below the daemon's minimum memory limit \(6m\) \(at argv\[2\]\)$/,
      undefined,
    ],
    [
      "--memory-swap without --memory",
      ["--memory-swap", "1g"],
      /^--memory-swap needs --memory/,
      /set --memory too/,
    ],
    [
      "--memory-swap below --memory",
      ["-m", "512m", "--memory-swap", "256m"],
      /^--memory-swap is below --memory \(it is memory plus swap\) \(at argv\[4\]\)$/,
      undefined,
    ],
    [
      "--cpus with --cpu-quota",
      ["--cpus", "1", "--cpu-quota", "50000"],
      /^conflicting options: --cpus and --cpu-period\/--cpu-quota .* \(at argv\[4\]\)$/,
      /--cpus alone/,
    ],
    [
      "--memory-swappiness 101",
      ["--memory-swappiness", "101"],
      /^--memory-swappiness 101 is out of range/,
      /0 to 100/,
    ],
    [
      "--oom-score-adj 2000",
      ["--oom-score-adj", "2000"],
      /^--oom-score-adj 2000 is out of range/,
      /-1000 to 1000/,
    ],
  ])("refuses %s", (_name, args, message, hint) => {
    expectBadInput(errorOf(["docker", "run", ...args, "alpine"]), message, hint);
  });
});

// ---------------------------------------------------------------------------------------------

describe("user, filesystem, restart, env and the rest", () => {
  it("maps them with their origins", () => {
    const spec = run(
      "-u",
      "0",
      "--user=1000:1000",
      "--group-add",
      "docker",
      "--read-only",
      "--sysctl",
      "net.ipv4.ip_forward=1",
      "--cgroup-parent",
      "/custom",
      "--restart",
      "on-failure:3",
      "--tmpfs",
      "/run:rw,size=64m",
      "-e",
      "A=1",
      "--env-file",
      "prod.env",
      "--volumes-from",
      "data:ro",
      "--device-cgroup-rule",
      "c 1:3 mr",
      "-P",
    );
    expect(spec.user).toEqual({ value: "1000:1000", origin: { argIndex: 4 } });
    expect(spec.groupAdd).toEqual([{ value: "docker", origin: { argIndex: 5 } }]);
    expect(spec.readOnlyRootfs).toEqual({ value: true, origin: { argIndex: 7 } });
    expect(spec.sysctls).toEqual([
      { name: "net.ipv4.ip_forward", value: "1", origin: { argIndex: 8 } },
    ]);
    expect(spec.cgroupParent).toEqual({ value: "/custom", origin: { argIndex: 10 } });
    expect(spec.restart).toEqual({
      value: { name: "on-failure", maximumRetryCount: 3 },
      origin: { argIndex: 12 },
    });
    expect(spec.tmpfs).toEqual([{ value: "/run:rw,size=64m", origin: { argIndex: 14 } }]);
    expect(spec.env).toEqual([{ value: "A=1", origin: { argIndex: 16 } }]); // --env-file is not read
    expect(spec.volumesFrom).toEqual([{ value: "data:ro", origin: { argIndex: 20 } }]);
    expect(spec.deviceCgroupRules).toEqual([{ value: "c 1:3 mr", origin: { argIndex: 22 } }]);
    expect(spec.publishAll).toEqual({ value: true, origin: { argIndex: 24 } });
  });

  it.each<[string, string, string, number]>([
    ["always", "always", "always", 0],
    ["unless-stopped", "unless-stopped", "unless-stopped", 0],
    ["no", "no", "no", 0],
    ["on-failure", "on-failure", "on-failure", 0],
    ["an empty policy is the default", "", "no", 0],
  ])("--restart %s", (_name, value, name, maximumRetryCount) => {
    expect(run("--restart", value).restart?.value).toEqual({ name, maximumRetryCount });
  });

  it("the last --sysctl per name wins", () => {
    expect(
      run("--sysctl", "net.core.somaxconn=1", "--sysctl=net.core.somaxconn=2").sysctls,
    ).toEqual([{ name: "net.core.somaxconn", value: "2", origin: { argIndex: 4 } }]);
  });

  it("labels: -l key=value, --label key, the last per key wins", () => {
    const spec = run("-l", "a=1", "--label", "flag", "--label=a=2", "-lb=x=y");
    expect(spec.target.labels).toEqual({ a: "2", flag: "", b: "x=y" });
  });

  it("--rm with --restart no is fine", () => {
    expect(run("--rm", "--restart", "no").restart?.value.name).toBe("no");
  });

  it("--use-api-socket bind-mounts the engine socket, writable", () => {
    expect(run("--use-api-socket").mounts).toEqual<MountSpec[]>([
      {
        type: "bind",
        source: "/var/run/docker.sock",
        hostPath: "/var/run/docker.sock",
        target: "/var/run/docker.sock",
        readOnly: false,
        origin: { argIndex: 2 },
      },
    ]);
    expect(run("--use-api-socket=false").mounts).toEqual([]);
  });

  it.each<[string, string[], RegExp, RegExp | undefined]>([
    [
      "--restart sometimes",
      ["--restart", "sometimes"],
      /^--restart "sometimes" is not a restart policy \(at argv\[2\]\)$/,
      /on-failure\[:MAX_RETRIES\]/,
    ],
    [
      "--restart always:3",
      ["--restart", "always:3"],
      /a retry count goes only with on-failure/,
      undefined,
    ],
    [
      "--restart on-failure:-1",
      ["--restart", "on-failure:-1"],
      /the retry count is negative/,
      undefined,
    ],
    [
      "--restart on-failure:x",
      ["--restart=on-failure:x"],
      /the retry count must be an integer/,
      undefined,
    ],
    [
      "--rm with --restart always",
      ["--rm", "--restart", "always"],
      /^conflicting options: --rm and --restart \(at argv\[3\]\)$/,
      /drop one/,
    ],
    [
      "a sysctl docker does not allow",
      ["--sysctl", "kernel.core_pattern=|/x"],
      /^--sysctl "kernel\.core_pattern=\|\/x" is not allowed \(at argv\[2\]\)$/,
      /namespaced/,
    ],
    ["a sysctl without =", ["--sysctl", "net.ipv4.ip_forward"], /is not allowed/, /NAME=VALUE/],
    [
      "a relative --tmpfs",
      ["--tmpfs", "run:size=1m"],
      /^--tmpfs "run:size=1m": the container path "run" is not absolute/,
      undefined,
    ],
    [
      "-e without a name",
      ["-e", "=x"],
      /^-e "=x" has no variable name \(at argv\[2\]\)$/,
      undefined,
    ],
    ["a label without a name", ["--label", "=x"], /the label has no name/, undefined],
    ["a label name with a blank", ["--label", "a b=1"], /the label name has whitespace/, undefined],
    [
      "a bad device cgroup rule",
      ["--device-cgroup-rule", "x 1:3 mr"],
      /is not a device cgroup rule/,
      /c 1:3 mr/,
    ],
    ["--attach stdweird", ["-a", "stdweird"], /streams are stdin, stdout and stderr/, undefined],
    [
      "--dns not an IP",
      ["--dns", "dns.example"],
      /^--dns "dns\.example" is not an IP address/,
      undefined,
    ],
    ["--storage-opt without =", ["--storage-opt", "size"], /is not KEY=VALUE/, undefined],
    ["--expose x", ["--expose", "http"], /is not PORT\[-PORT\]\[\/PROTOCOL\]/, undefined],
    [
      "--no-healthcheck with --health-cmd",
      ["--health-cmd", "true", "--no-healthcheck"],
      /^--no-healthcheck conflicts with --health-cmd \(at argv\[2\]\)$/,
      undefined,
    ],
    [
      "a negative --health-retries",
      ["--health-retries", "-1"],
      /^--health-retries -1 cannot be negative/,
      undefined,
    ],
  ])("refuses %s", (_name, args, message, hint) => {
    expectBadInput(errorOf(["docker", "run", ...args, "alpine"]), message, hint);
  });

  it("--no-healthcheck with zero-valued health flags is fine", () => {
    expect(run("--health-interval", "0s", "--no-healthcheck").target.image).toBe("alpine");
  });
});

// ---------------------------------------------------------------------------------------------

describe("namespaces", () => {
  it.each<[string, string[], keyof ContainerSpec["namespaces"], string, number]>([
    ["--pid host", ["--pid", "host"], "pid", "host", 2],
    ["--pid=container:web", ["--pid=container:web"], "pid", "container:web", 2],
    ["--ipc host", ["--ipc", "host"], "ipc", "host", 2],
    ["--ipc shareable", ["--ipc", "shareable"], "ipc", "shareable", 2],
    ["--ipc container:db", ["--ipc", "container:db"], "ipc", "container:db", 2],
    ["--uts host", ["--uts", "host"], "uts", "host", 2],
    ["--userns host", ["--userns=host"], "userns", "host", 2],
    ["--cgroupns host", ["--cgroupns", "host"], "cgroupns", "host", 2],
    ["--cgroupns private", ["--cgroupns", "private"], "cgroupns", "private", 2],
    ["--network host", ["--network", "host"], "network", "host", 2],
    ["--net host (hidden alias)", ["--net", "host"], "network", "host", 2],
    ["--net=container:db", ["--net=container:db"], "network", "container:db", 2],
    [
      "the first --network is the mode",
      ["--network", "front", "--network", "host"],
      "network",
      "front",
      2,
    ],
    ["--network long syntax", ["--network", "name=host,alias=web"], "network", "host", 2],
    ["the last --pid wins", ["--pid", "host", "--pid", "container:x"], "pid", "container:x", 4],
  ])("%s", (_name, args, kind, value, argIndex) => {
    expect(run(...args).namespaces[kind]).toEqual({ value, origin: { argIndex } });
  });

  it.each<[string, string[], RegExp]>([
    ["--pid bogus", ["--pid", "bogus"], /^--pid "bogus" is not a valid pid mode \(at argv\[2\]\)$/],
    ["--pid container:", ["--pid", "container:"], /is not a valid pid mode/],
    ["--uts private", ["--uts", "private"], /is not a valid uts mode/],
    ["--userns keep-id", ["--userns", "keep-id"], /is not a valid userns mode/],
    ["--cgroupns bogus", ["--cgroupns", "bogus"], /is not a valid cgroupns mode/],
    ["--ipc bogus", ["--ipc", "bogus"], /is not a valid ipc mode/],
    [
      "--network long syntax without a name",
      ["--network", "alias=web"],
      /the network name is not given/,
    ],
  ])("refuses %s", (_name, args, message) => {
    expectBadInput(errorOf(["docker", "run", ...args, "alpine"]), message);
  });
});

// ---------------------------------------------------------------------------------------------

const volume = (argIndex: number, fields: Partial<MountSpec>): MountSpec => ({
  type: "volume",
  source: undefined,
  hostPath: undefined,
  target: "/data",
  readOnly: false,
  origin: { argIndex },
  ...fields,
});

describe("-v / --volume", () => {
  it.each<[string, string, Partial<MountSpec>]>([
    [
      "an absolute bind",
      "/srv/data:/data",
      { type: "bind", source: "/srv/data", hostPath: "/srv/data" },
    ],
    [
      "a bind, normalised",
      "/srv/../etc/:/data:ro",
      { type: "bind", source: "/srv/../etc/", hostPath: "/etc", readOnly: true },
    ],
    [
      "a ./ bind",
      "./data:/data:rshared",
      { type: "bind", source: "./data", hostPath: "/work/data", propagation: "rshared" },
    ],
    ["a . bind", ".:/data", { type: "bind", source: ".", hostPath: "/work" }],
    ["a ../ bind", "../x:/data", { type: "bind", source: "../x", hostPath: "/x" }],
    ["a ~/ bind", "~/x:/data", { type: "bind", source: "~/x", hostPath: "/home/me/x" }],
    [
      "a $(pwd) bind",
      "$(pwd)/conf:/data:ro,z",
      { type: "bind", source: "$(pwd)/conf", hostPath: "/work/conf", readOnly: true },
    ],
    ["a ${PWD} bind", "${PWD}:/data", { type: "bind", source: "${PWD}", hostPath: "/work" }],
    [
      "a $HOME bind",
      "$HOME/.ssh:/data",
      { type: "bind", source: "$HOME/.ssh", hostPath: "/home/me/.ssh" },
    ],
    [
      "the docker socket",
      "/var/run/docker.sock:/data",
      { type: "bind", source: "/var/run/docker.sock", hostPath: "/var/run/docker.sock" },
    ],
    [
      "the host root",
      "/:/data:rslave",
      { type: "bind", source: "/", hostPath: "/", propagation: "rslave" },
    ],
    [
      "rw with label and consistency",
      "/a:/data:rw,Z,cached",
      { type: "bind", source: "/a", hostPath: "/a" },
    ],
    [
      "recursive read-only (moby 25+)",
      "/a:/data:rro",
      { type: "bind", source: "/a", hostPath: "/a", readOnly: true },
    ],
    ["a named volume", "cache:/data", { source: "cache" }],
    [
      "a named volume, read-only, nocopy",
      "my.vol_1:/data:ro,nocopy",
      { source: "my.vol_1", readOnly: true },
    ],
    ["an anonymous volume", "/data", {}],
  ])("%s", (_name, value, fields) => {
    expect(run("-v", value).mounts).toEqual([volume(2, fields)]);
  });

  it("--volume=… and -vVALUE", () => {
    const spec = run("--volume=/a:/data", "-v/b:/data");
    expect(spec.mounts.map((m) => [m.hostPath, m.origin.argIndex])).toEqual([
      ["/a", 2],
      ["/b", 3],
    ]);
  });

  it("a non-local --volume-driver takes any volume name", () => {
    expect(run("--volume-driver", "rexray", "-v", "vol@x:/data").mounts[0]?.source).toBe("vol@x");
  });

  it.each<[string, string, RegExp, RegExp | undefined]>([
    [
      "readonly (a --mount word)",
      "/a:/b:readonly",
      /^-v "\/a:\/b:readonly" is not a valid volume: invalid option "readonly" \(at argv\[2\]\)$/,
      /-v takes "ro"/,
    ],
    ["an unknown option", "/a:/b:fast", /invalid option "fast"/, /ro\|rw/],
    ["two rw options", "/a:/b:ro,rw", /invalid option "ro,rw"/, undefined],
    [
      "a mode in place of the path",
      "/a:ro",
      /"ro" is an option, and a volume needs a container path/,
      undefined,
    ],
    ["a relative container path", "/a:b", /the container path "b" is not absolute/, undefined],
    ["a relative anonymous volume", "data", /the container path "data" is not absolute/, undefined],
    ["the container root", "/a:/", /a mount cannot replace the container's \//, undefined],
    ["too many colons", "/a:/b:ro:x", /too many colons/, /SOURCE:\]CONTAINER_PATH/],
    ["an empty source", ":/b", /it has no source or path/, undefined],
    [
      "a relative path without ./",
      "x/y:/b",
      /"x\/y" is neither an absolute path nor a volume name/,
      /starts with \/, \.\/ or ~\//,
    ],
    [
      "a one-letter volume name",
      "a:/b",
      /"a" is neither an absolute path nor a volume name/,
      undefined,
    ],
    [
      "an unexpanded variable",
      "$DATA:/b",
      /"\$DATA" is neither/,
      /does not expand shell variables/,
    ],
    ["another user's home", "~bob/x:/b", /"~bob" names another user's home/, /write the path out/],
    ["rro on a volume", "vol:/b:rro", /"rro" needs a bind mount/, undefined],
  ])("refuses %s", (_name, value, message, hint) => {
    expectBadInput(errorOf(["docker", "run", "-v", value, "alpine"]), message, hint);
  });
});

describe("--mount", () => {
  it.each<[string, string, Partial<MountSpec>]>([
    [
      "a read-only bind",
      "type=bind,source=/etc,target=/data,readonly",
      { type: "bind", source: "/etc", hostPath: "/etc", readOnly: true },
    ],
    [
      "src/dst, ro=true, propagation",
      "type=bind,src=./cfg,dst=/data,ro=true,bind-propagation=rslave",
      {
        type: "bind",
        source: "./cfg",
        hostPath: "/work/cfg",
        readOnly: true,
        propagation: "rslave",
      },
    ],
    [
      "readonly=false",
      "type=bind,src=/x/,destination=/data,readonly=false",
      { type: "bind", source: "/x/", hostPath: "/x" },
    ],
    [
      "case-insensitive keys and type",
      "Type=BIND,Source=/x,Target=/data,RO=1",
      { type: "bind", source: "/x", hostPath: "/x", readOnly: true },
    ],
    [
      "$(pwd) source",
      "type=bind,src=$(pwd)/x,dst=/data",
      { type: "bind", source: "$(pwd)/x", hostPath: "/work/x" },
    ],
    ["a named volume by default", "source=vol,target=/data", { source: "vol" }],
    ["an anonymous volume", "type=volume,target=/data", {}],
    [
      "a local volume that binds a host directory",
      "type=volume,source=data,target=/data,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/srv/data/",
      { source: "data", hostPath: "/srv/data" },
    ],
    [
      "quoted CSV fields",
      'type=volume,src=v,dst=/data,"volume-opt=o=bind,ro",volume-opt=device=/srv/v',
      { source: "v", hostPath: "/srv/v" },
    ],
    [
      "a volume driver other than local does not bind",
      "type=volume,src=v,dst=/data,volume-driver=nfs,volume-opt=o=bind,volume-opt=device=/srv/v",
      { source: "v" },
    ],
    ["a tmpfs", "type=tmpfs,target=/data,tmpfs-size=64m,tmpfs-mode=1770", { type: "tmpfs" }],
    [
      "an image mount",
      "type=image,source=alpine,target=/data,image-subpath=/etc",
      { type: "image", source: "alpine" },
    ],
    [
      "bind-recursive=enabled on a volume",
      "type=volume,src=v,dst=/data,bind-recursive=enabled",
      { source: "v" },
    ],
  ])("%s", (_name, value, fields) => {
    expect(run("--mount", value).mounts).toEqual([volume(2, fields)]);
  });

  it.each<[string, string, RegExp, RegExp | undefined]>([
    [
      "a bind without a source",
      "type=bind,target=/x",
      /^--mount "type=bind,target=\/x": a bind mount needs a source \(at argv\[2\]\)$/,
      undefined,
    ],
    [
      "a relative bind source",
      "type=bind,source=rel,target=/x",
      /the bind source "rel" is not an absolute path/,
      /\.\/…/,
    ],
    [
      "a ~ bind source (no shell expands it there)",
      "type=bind,source=~/x,target=/x",
      /the bind source "~\/x" is not an absolute path/,
      undefined,
    ],
    ["no target", "type=bind,src=/a", /it has no target/, /target=/],
    ["an unknown type", "type=foo,target=/x", /unknown mount type "foo"/, /bind, volume, tmpfs/],
    [
      "bind options on a volume",
      "type=volume,target=/x,bind-propagation=rshared",
      /bind-\* options do not apply to a volume mount/,
      undefined,
    ],
    [
      "tmpfs options on a bind",
      "type=bind,src=/a,target=/x,tmpfs-size=1m",
      /tmpfs-\* options do not apply to a bind mount/,
      undefined,
    ],
    [
      "a bad bool",
      "source=/a,target=/b,ro=maybe",
      /ro takes true, 1, false or 0, not "maybe"/,
      undefined,
    ],
    ["an unknown key", "type=bind,src=/a,dst=/b,bogus=1", /unknown option "bogus"/, undefined],
    [
      "a key without a value",
      "type=bind,src=/a,dst=/b,target",
      /"target" must be a key=value pair/,
      undefined,
    ],
    ["an empty value", "type=bind,src=,dst=/b", /the value for "src" is empty/, undefined],
    [
      "whitespace in a key",
      "type=bind, src=/a,dst=/b",
      /option "src" should not have whitespace/,
      undefined,
    ],
    ["a bare quote", 'type=bind,src=/a",dst=/b', /bare " in non-quoted-field/, undefined],
    [
      "an unclosed quote",
      'type=bind,"src=/a,dst=/b',
      /extraneous or missing " in quoted-field/,
      undefined,
    ],
    [
      "a tmpfs with a source",
      "type=tmpfs,source=x,target=/t",
      /a tmpfs mount takes no source/,
      undefined,
    ],
    [
      "a read-only anonymous volume",
      "type=volume,target=/t,readonly",
      /an anonymous volume cannot be read-only/,
      undefined,
    ],
    [
      "a bad propagation",
      "type=bind,src=/a,dst=/b,bind-propagation=weird",
      /bind-propagation "weird" is not one of/,
      undefined,
    ],
    [
      "a relative target",
      "type=volume,target=t",
      /the container path "t" is not absolute/,
      undefined,
    ],
    ["an empty value", "   ", /the value is empty/, undefined],
  ])("refuses %s", (_name, value, message, hint) => {
    expectBadInput(errorOf(["docker", "run", "--mount", value, "alpine"]), message, hint);
  });
});

// ---------------------------------------------------------------------------------------------

const port = (fields: Partial<PortSpec>): PortSpec => ({
  hostIp: "",
  hostPort: "",
  containerPort: "80",
  protocol: "tcp",
  origin: { argIndex: 2 },
  ...fields,
});

describe("-p / --publish", () => {
  it.each<[string, string, Partial<PortSpec>]>([
    ["a container port", "80", {}],
    ["host:container", "8080:80", { hostPort: "8080" }],
    [
      "ip:host:container/udp",
      "127.0.0.1:8080:80/udp",
      { hostIp: "127.0.0.1", hostPort: "8080", protocol: "udp" },
    ],
    ["ip::container", "127.0.0.1::80", { hostIp: "127.0.0.1" }],
    ["bracketed IPv6", "[::1]:8080:80", { hostIp: "::1", hostPort: "8080" }],
    ["bare IPv6", "::1:8080:80", { hostIp: "::1", hostPort: "8080" }],
    [
      "ranges",
      "8000-8010:9000-9010/sctp",
      { hostPort: "8000-8010", containerPort: "9000-9010", protocol: "sctp" },
    ],
    ["a host range for one container port", "8000-8010:80", { hostPort: "8000-8010" }],
    ["leading zeros and an upper-case protocol", "080:0080/TCP", { hostPort: "80" }],
    [
      "the long syntax",
      "published=8080,target=80,protocol=udp",
      { hostPort: "8080", protocol: "udp" },
    ],
    ["the long syntax without published", "target=80", {}],
  ])("%s", (_name, value, fields) => {
    expect(run("-p", value).ports).toEqual([port(fields)]);
  });

  it("--publish=… and -pVALUE keep their own origins", () => {
    expect(run("--publish=1:1", "-p2:2").ports.map((p) => [p.hostPort, p.origin.argIndex])).toEqual(
      [
        ["1", 2],
        ["2", 3],
      ],
    );
  });

  it.each<[string, string, RegExp]>([
    [
      "different range lengths",
      "8000-8010:80-81",
      /the ranges 8000-8010 and 80-81 differ in length/,
    ],
    ["not a port", "http", /invalid container port "http"/],
    ["a port above 65535", "70000", /invalid container port "70000"/],
    ["a bad host port", "x:80", /invalid host port "x"/],
    ["a bad IP", "1.2.3:80:80", /invalid IP address 1\.2\.3/],
    ["an unclosed bracket", "[::1:80:80", /invalid IP address \[::1/],
    ["a bad protocol", "80/icmp", /invalid protocol "icmp"/],
    ["no container port", "8080:", /no container port/],
    ["a long-syntax field without =", "target=80,udp", /"udp" is not name=value/],
  ])("refuses %s", (_name, value, message) => {
    expectBadInput(errorOf(["docker", "run", "-p", value, "alpine"]), message);
  });
});

// ---------------------------------------------------------------------------------------------

describe("--device", () => {
  it.each<[string, string, Omit<DeviceSpec, "origin">]>([
    [
      "a host path",
      "/dev/fuse",
      { hostPath: "/dev/fuse", containerPath: "/dev/fuse", permissions: "rwm" },
    ],
    [
      "host:container:perms",
      "/dev/sda:/dev/xvda:r",
      { hostPath: "/dev/sda", containerPath: "/dev/xvda", permissions: "r" },
    ],
    [
      "host:perms",
      "/dev/sda:rw",
      { hostPath: "/dev/sda", containerPath: "/dev/sda", permissions: "rw" },
    ],
    [
      "host:container",
      "/dev/../dev/kvm:/dev/kvm/",
      { hostPath: "/dev/kvm", containerPath: "/dev/kvm", permissions: "rwm" },
    ],
  ])("%s", (_name, value, device) => {
    expect(run("--device", value).devices).toEqual([{ ...device, origin: { argIndex: 2 } }]);
  });

  it("a CDI device name has no host path: it is a device request", () => {
    const s = run("--device", "nvidia.com/gpu=all");
    expect(s.devices).toEqual([]);
    expect(s.deviceRequests).toEqual([
      { value: "--device nvidia.com/gpu=all", origin: { argIndex: 2 } },
    ]);
  });

  it("--gpus is a device request", () => {
    expect(run("--gpus", "device=0,1").deviceRequests).toEqual([
      { value: "--gpus device=0,1", origin: { argIndex: 2 } },
    ]);
    expect(run().deviceRequests).toEqual([]);
  });

  it.each<[string, string, RegExp]>([
    ["bad permissions", "/dev/sda:/dev/xvda:rx", /bad permissions "rx"/],
    ["a relative host device", "sda:/dev/sda", /the host device "sda" is not an absolute path/],
    ["a relative container path", "/dev/a:b", /"b" is not an absolute path/],
    ["too many colons", "/dev/a:/dev/b:r:x", /is not HOST\[:CONTAINER\]\[:PERMISSIONS\]/],
  ])("refuses %s", (_name, value, message) => {
    expectBadInput(errorOf(["docker", "run", "--device", value, "alpine"]), message);
  });
});

// ---------------------------------------------------------------------------------------------

describe("origins from a command line string", () => {
  const text = [
    "docker run \\",
    "  --cap-add 'SYS_ADMIN' \\",
    '  -v "$(pwd)/data:/data" \\',
    "  alpine sh",
  ].join("\n");

  it("each field points at file, line, column and argv index", () => {
    const { words, positions } = splitShellWords(text, "deploy.sh");
    const spec = parseRunArgv({ argv: words, positions, file: "deploy.sh", cwd: "/srv/app" });
    expect(spec.target.origin).toEqual({ file: "deploy.sh", line: 1, column: 1, argIndex: 0 });
    expect(spec.capAdd).toEqual([
      { value: "SYS_ADMIN", origin: { file: "deploy.sh", line: 2, column: 3, argIndex: 2 } },
    ]);
    expect(spec.mounts[0]).toMatchObject({
      hostPath: "/srv/app/data",
      origin: { file: "deploy.sh", line: 3, column: 3, argIndex: 4 },
    });
  });

  it("file alone is added to every origin", () => {
    const spec = parseRunArgv({ argv: ["docker", "run", "--privileged", "x"], file: "ci.yml" });
    expect(spec.privileged?.origin).toEqual({ file: "ci.yml", argIndex: 2 });
  });

  it("an error names argv index and file:line:col", () => {
    const { words, positions } = splitShellWords(
      "docker run \\\n  --rm \\\n  -m 12q alpine",
      "run.sh",
    );
    expectBadInput(
      errorOf(words, { positions, file: "run.sh" }),
      /^-m "12q" is not a size \(at argv\[3\], run\.sh:3:3\)$/,
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe("the flag table", () => {
  const BRIEF = [
    "add-host",
    "annotation",
    "a/attach",
    "blkio-weight",
    "blkio-weight-device",
    "cap-add",
    "cap-drop",
    "cgroup-parent",
    "cgroupns",
    "cidfile",
    "cpu-count",
    "cpu-percent",
    "cpu-period",
    "cpu-quota",
    "cpu-rt-period",
    "cpu-rt-runtime",
    "c/cpu-shares",
    "cpus",
    "cpuset-cpus",
    "cpuset-mems",
    "d/detach",
    "detach-keys",
    "device",
    "device-cgroup-rule",
    "device-read-bps",
    "device-read-iops",
    "device-write-bps",
    "device-write-iops",
    "disable-content-trust",
    "dns",
    "dns-opt",
    "dns-option",
    "dns-search",
    "domainname",
    "entrypoint",
    "e/env",
    "env-file",
    "expose",
    "gpus",
    "group-add",
    "health-cmd",
    "health-interval",
    "health-retries",
    "health-start-interval",
    "health-start-period",
    "health-timeout",
    "help",
    "h/hostname",
    "init",
    "i/interactive",
    "io-maxbandwidth",
    "io-maxiops",
    "ip",
    "ip6",
    "ipc",
    "isolation",
    "kernel-memory",
    "l/label",
    "label-file",
    "link",
    "link-local-ip",
    "log-driver",
    "log-opt",
    "mac-address",
    "m/memory",
    "memory-reservation",
    "memory-swap",
    "memory-swappiness",
    "mount",
    "name",
    "net",
    "network",
    "net-alias",
    "network-alias",
    "no-healthcheck",
    "oom-kill-disable",
    "oom-score-adj",
    "pid",
    "pids-limit",
    "platform",
    "privileged",
    "p/publish",
    "P/publish-all",
    "pull",
    "q/quiet",
    "read-only",
    "restart",
    "rm",
    "runtime",
    "security-opt",
    "shm-size",
    "sig-proxy",
    "stop-signal",
    "stop-timeout",
    "storage-opt",
    "sysctl",
    "tmpfs",
    "t/tty",
    "ulimit",
    "u/user",
    "userns",
    "uts",
    "v/volume",
    "volume-driver",
    "volumes-from",
    "w/workdir",
    "use-api-socket",
  ];

  it.each(BRIEF)("has %s", (entry) => {
    const [short, name = ""] = entry.includes("/") ? entry.split("/") : [undefined, entry];
    const f = RUN_TABLE.long.get(name);
    expect(f?.name).toBe(name);
    expect(f?.short).toBe(short);
    if (short !== undefined) expect(RUN_TABLE.short.get(short)).toBe(f);
  });

  it("lists exactly the flags of the brief (no more, no fewer)", () => {
    expect(RUN_FLAGS.map((f) => f.name).sort()).toEqual(
      BRIEF.map((e) => e.split("/").at(-1) ?? "").sort(),
    );
  });

  const BOOLS = [
    "detach",
    "disable-content-trust",
    "help",
    "init",
    "interactive",
    "no-healthcheck",
    "oom-kill-disable",
    "privileged",
    "publish-all",
    "quiet",
    "read-only",
    "rm",
    "sig-proxy",
    "tty",
    "use-api-socket",
  ];
  it("bool flags are exactly the ones docker --help shows without a value type", () => {
    expect(RUN_FLAGS.filter((f) => f.arity === "bool").map((f) => f.name)).toEqual(BOOLS);
  });

  it("arity follows the value type; repeatable is every list- or map-like type", () => {
    const repeatable = new Set<FlagValueType>([
      "list",
      "map",
      "ulimit",
      "mount",
      "network",
      "gpu-request",
      "weight-device",
      "throttle-device",
    ]);
    for (const f of [...RUN_FLAGS, ...GLOBAL_TABLE.flags]) {
      expect(f.arity, f.name).toBe(f.type === "bool" ? "bool" : "value");
      expect(f.repeatable, f.name).toBe(repeatable.has(f.type));
    }
    expect(RUN_TABLE.long.get("cap-add")?.repeatable).toBe(true);
    expect(RUN_TABLE.long.get("user")?.repeatable).toBe(false);
  });

  it("create lacks exactly the run-only flags; shorthands are unique", () => {
    const missing = RUN_TABLE.flags
      .filter((f) => !CREATE_TABLE.long.has(f.name))
      .map((f) => f.name);
    expect(missing).toEqual(["detach", "detach-keys", "sig-proxy"]);
    const shorts = RUN_FLAGS.flatMap((f) => (f.short === undefined ? [] : [f.short]));
    expect(new Set(shorts).size).toBe(shorts.length);
  });

  it("hidden aliases point at a real flag of the same type", () => {
    for (const f of RUN_FLAGS.filter((x) => x.aliasOf !== undefined)) {
      expect(RUN_TABLE.long.get(f.aliasOf ?? "")?.type, f.name).toBe(f.type);
    }
  });

  it("global flags: -H, -c, -D, -l with the docker CLI's arity", () => {
    expect(GLOBAL_TABLE.flags.map((f) => `${f.short ?? ""}/${f.name}/${f.arity}`)).toEqual([
      "/config/value",
      "c/context/value",
      "D/debug/bool",
      "h/help/bool",
      "H/host/value",
      "l/log-level/value",
      "/tls/bool",
      "/tlscacert/value",
      "/tlscert/value",
      "/tlskey/value",
      "/tlsverify/bool",
      "v/version/bool",
    ]);
  });
});

afterAll(() => {
  filesRead.length = 0;
});
