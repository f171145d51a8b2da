import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DockwardError } from "../../../src/errors.js";
import { JsonInputError } from "../../../src/spec/adapters/host-config.js";
import { specFromInspect } from "../../../src/spec/adapters/inspect.js";
import { specFromCreateRequest } from "../../../src/spec/adapters/request.js";
import type { ContainerSpec, Field } from "../../../src/spec/model.js";

function at<T>(f: Field<T> | undefined): [T, string | undefined] | undefined {
  return f === undefined ? undefined : [f.value, f.origin.pointer];
}

function list<T>(fs: readonly Field<T>[]): [T, string | undefined][] {
  return fs.map((f) => [f.value, f.origin.pointer]);
}

function requestError(body: unknown): JsonInputError {
  try {
    specFromCreateRequest(body);
  } catch (err) {
    if (err instanceof JsonInputError) return err;
    throw err;
  }
  throw new Error("specFromCreateRequest accepted the body");
}

const IMAGE = { Image: "busybox:dw", Cmd: ["true"] };

describe("specFromCreateRequest: the target", () => {
  it("uses ?name= and the body's Image and Labels", () => {
    const spec = specFromCreateRequest(
      { ...IMAGE, Labels: { "com.docker.compose.service": "db" } },
      { name: "db-1" },
    );
    expect(spec.target).toStrictEqual({
      kind: "request",
      name: "db-1",
      origin: { pointer: "" },
      image: "busybox:dw",
      labels: { "com.docker.compose.service": "db" },
      service: "db",
      container: "db-1",
    });
  });

  it("has a generic name without ?name=, and nothing set for an empty body", () => {
    const spec = specFromCreateRequest({});
    expect(spec.target.name).toBe("container create request");
    expect(spec.target.image).toBeUndefined();
    expect(spec.privileged).toBeUndefined();
    expect(spec.resources.memory).toBeUndefined();
    expect(spec.namespaces).toStrictEqual({});
  });
});

describe("specFromCreateRequest: HostConfig fields (unset stays unset, 0 is kept)", () => {
  const spec = specFromCreateRequest({
    ...IMAGE,
    User: "0",
    Env: ["A=1", null],
    Unknown: { ignored: true },
    HostConfig: {
      Privileged: false,
      CapAdd: ["sys_admin", "CAP_NET_ADMIN"],
      CapDrop: "all",
      PidMode: "host",
      NetworkMode: "",
      Memory: 0,
      PidsLimit: -1,
      OomKillDisable: null,
      CpuQuota: -1,
      CpusetCpus: "",
      RestartPolicy: {},
      Devices: [{ PathOnHost: "/dev/fuse/" }],
      DeviceRequests: [
        { Driver: "nvidia", Count: -1, Capabilities: [["gpu"]] },
        { DeviceIDs: ["0", "GPU-abc"], Capabilities: [["gpu", "compute"], ["tpu"]] },
      ],
      Tmpfs: { "/run": "", "/tmp": "noexec" },
      FutureField: [1, 2, 3],
    },
  });

  it.each<[string, (s: ContainerSpec) => unknown, unknown]>([
    ["Privileged false is a field", (s) => at(s.privileged), [false, "/HostConfig/Privileged"]],
    [
      "CapAdd canonical, per element",
      (s) => list(s.capAdd),
      [
        ["SYS_ADMIN", "/HostConfig/CapAdd/0"],
        ["NET_ADMIN", "/HostConfig/CapAdd/1"],
      ],
    ],
    ["CapDrop as one string (strslice)", (s) => list(s.capDrop), [["ALL", "/HostConfig/CapDrop"]]],
    ["PidMode", (s) => at(s.namespaces.pid), ["host", "/HostConfig/PidMode"]],
    ['NetworkMode "" is the default', (s) => s.namespaces.network, undefined],
    ["Memory 0 is kept", (s) => at(s.resources.memory), [0, "/HostConfig/Memory"]],
    ["MemorySwap absent is undefined", (s) => s.resources.memorySwap, undefined],
    ["PidsLimit -1 is kept", (s) => at(s.resources.pidsLimit), [-1, "/HostConfig/PidsLimit"]],
    ["OomKillDisable null is undefined", (s) => s.resources.oomKillDisable, undefined],
    ["CpuQuota -1 is kept", (s) => at(s.resources.cpuQuota), [-1, "/HostConfig/CpuQuota"]],
    ['CpusetCpus "" is undefined', (s) => s.resources.cpusetCpus, undefined],
    [
      "RestartPolicy {} is no",
      (s) => at(s.restart),
      [{ name: "no", maximumRetryCount: 0 }, "/HostConfig/RestartPolicy"],
    ],
    [
      "Devices: the daemon's defaults for the container path and permissions",
      (s) => s.devices,
      [
        {
          hostPath: "/dev/fuse",
          containerPath: "/dev/fuse/",
          permissions: "rwm",
          origin: { pointer: "/HostConfig/Devices/0" },
        },
      ],
    ],
    [
      "DeviceRequests, said the way --gpus says them",
      (s) => list(s.deviceRequests),
      [
        ["DeviceRequests driver=nvidia count=all capabilities=gpu", "/HostConfig/DeviceRequests/0"],
        [
          "DeviceRequests device=0,GPU-abc capabilities=gpu+compute or tpu",
          "/HostConfig/DeviceRequests/1",
        ],
      ],
    ],
    [
      "Tmpfs",
      (s) => list(s.tmpfs),
      [
        ["/run", "/HostConfig/Tmpfs/~1run"],
        ["/tmp:noexec", "/HostConfig/Tmpfs/~1tmp"],
      ],
    ],
    ["User at the top level", (s) => at(s.user), ["0", "/User"]],
    [
      'Env null decodes to "" like Go',
      (s) => list(s.env),
      [
        ["A=1", "/Env/0"],
        ["", "/Env/1"],
      ],
    ],
  ])("%s", (_name, get, expected) => {
    expect(get(spec)).toStrictEqual(expected);
  });
});

describe("specFromCreateRequest: the old shape (HostConfig fields at the top level)", () => {
  it.each<[string, Record<string, unknown>, [boolean, string] | undefined]>([
    ["honoured without HostConfig", { ...IMAGE, Privileged: true }, [true, "/Privileged"]],
    [
      "honoured with HostConfig: null",
      { ...IMAGE, HostConfig: null, Privileged: true },
      [true, "/Privileged"],
    ],
    [
      "ignored when HostConfig is present",
      { ...IMAGE, Privileged: true, HostConfig: { NetworkMode: "none" } },
      undefined,
    ],
    [
      "HostConfig wins when both say",
      { ...IMAGE, Privileged: true, HostConfig: { Privileged: false } },
      [false, "/HostConfig/Privileged"],
    ],
  ])("Privileged %s", (_name, body, expected) => {
    expect(at(specFromCreateRequest(body).privileged)).toStrictEqual(expected);
  });

  it("maps every old-shape field with top-level pointers", () => {
    const spec = specFromCreateRequest({
      ...IMAGE,
      CapAdd: ["NET_ADMIN"],
      Binds: ["/etc:/e"],
      SecurityOpt: ["seccomp=unconfined"],
      PortBindings: { "22/tcp": [{ HostPort: "2222" }] },
    });
    expect(list(spec.capAdd)).toStrictEqual([["NET_ADMIN", "/CapAdd/0"]]);
    expect(spec.mounts.map((m) => [m.hostPath, m.origin.pointer])).toStrictEqual([
      ["/etc", "/Binds/0"],
    ]);
    expect(at(spec.seccomp)).toStrictEqual([{ kind: "unconfined" }, "/SecurityOpt/0"]);
    expect(spec.ports.map((p) => [p.hostPort, p.origin.pointer])).toStrictEqual([
      ["2222", "/PortBindings/22~1tcp/0"],
    ]);
  });

  // runconfig ContainerConfigWrapper.getHostConfig: these four fill a zero inner value.
  it.each<[string, Record<string, unknown>, (s: ContainerSpec) => unknown, unknown]>([
    [
      "Memory fills a missing inner Memory",
      { Memory: 67108864, HostConfig: {} },
      (s) => at(s.resources.memory),
      [67108864, "/Memory"],
    ],
    [
      "Memory fills an inner 0",
      { Memory: 1024, HostConfig: { Memory: 0 } },
      (s) => at(s.resources.memory),
      [1024, "/Memory"],
    ],
    [
      "Memory does not override an inner value",
      { Memory: 1024, HostConfig: { Memory: 2048 } },
      (s) => at(s.resources.memory),
      [2048, "/HostConfig/Memory"],
    ],
    [
      "MemorySwap fills",
      { MemorySwap: -1, HostConfig: {} },
      (s) => at(s.resources.memorySwap),
      [-1, "/MemorySwap"],
    ],
    [
      "CpuShares fills",
      { CpuShares: 100, HostConfig: {} },
      (s) => at(s.resources.cpuShares),
      [100, "/CpuShares"],
    ],
    [
      "CpusetCpus fills",
      { CpusetCpus: "0-1", HostConfig: {} },
      (s) => at(s.resources.cpusetCpus),
      ["0-1", "/CpusetCpus"],
    ],
    [
      "Cpuset fills CpusetCpus",
      { Cpuset: "1", HostConfig: {} },
      (s) => at(s.resources.cpusetCpus),
      ["1", "/Cpuset"],
    ],
    [
      "Cpuset fills the old-shape CpusetCpus",
      { Cpuset: "1", Memory: 1 },
      (s) => at(s.resources.cpusetCpus),
      ["1", "/Cpuset"],
    ],
    [
      "Cpuset alone has no HostConfig to fill",
      { Cpuset: "1" },
      (s) => s.resources.cpusetCpus,
      undefined,
    ],
    [
      "PidsLimit is not merged",
      { PidsLimit: 10, HostConfig: {} },
      (s) => s.resources.pidsLimit,
      undefined,
    ],
  ])("%s", (_name, body, get, expected) => {
    expect(get(specFromCreateRequest({ ...IMAGE, ...body }))).toStrictEqual(expected);
  });

  it("fails on a type error in a top-level copy the daemon would then ignore", () => {
    const err = requestError({ ...IMAGE, Privileged: "yes", HostConfig: { Privileged: false } });
    expect(err.pointer).toBe("/Privileged");
  });
});

describe("specFromCreateRequest: type errors name the pointer", () => {
  it.each<[string, Record<string, unknown>, string]>([
    [
      "a string for a bool (json: cannot unmarshal string … of type bool)",
      { HostConfig: { Privileged: "true" } },
      "/HostConfig/Privileged",
    ],
    ["a fraction for an int64", { HostConfig: { Memory: 1.5 } }, "/HostConfig/Memory"],
    ["a string for an int64", { HostConfig: { PidsLimit: "100" } }, "/HostConfig/PidsLimit"],
    [
      "a number in SecurityOpt",
      { HostConfig: { SecurityOpt: ["seccomp=unconfined", 1] } },
      "/HostConfig/SecurityOpt/1",
    ],
    ["an object for CapAdd", { HostConfig: { CapAdd: { SYS_ADMIN: true } } }, "/HostConfig/CapAdd"],
    ["a string for Binds", { HostConfig: { Binds: "/:/host" } }, "/HostConfig/Binds"],
    ["HostConfig not an object", { HostConfig: [] }, "/HostConfig"],
    [
      "a Mount field",
      { HostConfig: { Mounts: [{ Type: "bind", Source: "/", Target: "/h", ReadOnly: "false" }] } },
      "/HostConfig/Mounts/0/ReadOnly",
    ],
    [
      "a nested driver option",
      {
        HostConfig: {
          Mounts: [
            {
              Type: "volume",
              Target: "/v",
              VolumeOptions: { DriverConfig: { Options: { device: 1 } } },
            },
          ],
        },
      },
      "/HostConfig/Mounts/0/VolumeOptions/DriverConfig/Options/device",
    ],
    [
      "a null ulimit (panics dockerd 20.10)",
      { HostConfig: { Ulimits: [null] } },
      "/HostConfig/Ulimits/0",
    ],
    ["a null mount", { HostConfig: { Mounts: [null] } }, "/HostConfig/Mounts/0"],
    ["an Env entry", { Env: [{}] }, "/Env/0"],
    [
      "a sysctl value",
      { HostConfig: { Sysctls: { "kernel.shm~max": 1 } } },
      "/HostConfig/Sysctls/kernel.shm~0max",
    ],
    [
      "a port binding list",
      { HostConfig: { PortBindings: { "80/tcp": {} } } },
      "/HostConfig/PortBindings/80~1tcp",
    ],
    [
      "a port binding field",
      { HostConfig: { PortBindings: { "80/tcp": [{ HostPort: 8080 }] } } },
      "/HostConfig/PortBindings/80~1tcp/0/HostPort",
    ],
    [
      "a restart count",
      { HostConfig: { RestartPolicy: { Name: "on-failure", MaximumRetryCount: "3" } } },
      "/HostConfig/RestartPolicy/MaximumRetryCount",
    ],
  ])("%s", (_name, body, pointer) => {
    const err = requestError({ ...IMAGE, ...body });
    expect(err).toBeInstanceOf(DockwardError);
    expect(err.code).toBe("BAD_INPUT");
    expect(err.pointer).toBe(pointer);
    expect(err.message).toContain(`container create request: ${pointer}: `);
  });

  it("refuses a body that is not an object", () => {
    expect(requestError([]).pointer).toBe("");
    expect(requestError(null).pointer).toBe("");
  });
});

describe("specFromCreateRequest: keys the canonicaliser should have folded", () => {
  it.each<[string, Record<string, unknown>, string]>([
    ["lower case", { HostConfig: { privileged: true } }, "/HostConfig/privileged"],
    [
      "U+017F for s",
      { HostConfig: { "\u017fecurityOpt": ["seccomp=unconfined"] } },
      "/HostConfig/\u017fecurityOpt",
    ],
    [
      "U+212A for k",
      {
        HostConfig: {
          Ulimits: [{ Name: "nofile", Soft: 1, Hard: 1 }],
          CapAdd: ["\u212a"],
          "\u212aernelMemory": 1,
          PidsLimit: 1,
          Mounts: [
            {
              Type: "bind",
              Source: "/",
              Target: "/h",
              ReadOnly: false,
              BindOptions: { propagation: "rshared" },
            },
          ],
        },
      },
      "/HostConfig/Mounts/0/BindOptions/propagation",
    ],
    ["an old-shape key", { CAPADD: ["ALL"] }, "/CAPADD"],
    ["the HostConfig key itself", { hostconfig: { Privileged: true } }, "/hostconfig"],
  ])("%s", (_name, body, pointer) => {
    expect(requestError({ ...IMAGE, ...body }).pointer).toBe(pointer);
  });

  it("ignores unknown keys that fold to nothing read", () => {
    expect(() =>
      specFromCreateRequest({ ...IMAGE, cmd: ["x"], HostConfig: { dns: ["1.1.1.1"] } }),
    ).not.toThrow();
  });
});

describe("specFromCreateRequest: SecurityOpt as the daemon reads it", () => {
  it.each<[string, string[], string]>([
    [
      "systempaths= is the CLI's, not the daemon's",
      ["no-new-privileges", "systempaths=unconfined"],
      "/HostConfig/SecurityOpt/1",
    ],
    ["unknown option", ["bogus=1"], "/HostConfig/SecurityOpt/0"],
    ["no-new-privileges with a non-bool", ["no-new-privileges=maybe"], "/HostConfig/SecurityOpt/0"],
    ["not KEY=VALUE", ["seccomp"], "/HostConfig/SecurityOpt/0"],
  ])("refuses: %s", (_name, opts, pointer) => {
    expect(requestError({ ...IMAGE, HostConfig: { SecurityOpt: opts } }).pointer).toBe(pointer);
  });

  it("accepts the deprecated : separator, and the last seccomp wins", () => {
    const spec = specFromCreateRequest({
      ...IMAGE,
      HostConfig: {
        SecurityOpt: [
          "seccomp=unconfined",
          'seccomp:{"defaultAction":"SCMP_ACT_ALLOW"}',
          "no-new-privileges:true",
          "label=disable",
        ],
      },
    });
    expect(at(spec.seccomp)).toStrictEqual([
      { kind: "profile", json: { defaultAction: "SCMP_ACT_ALLOW" } },
      "/HostConfig/SecurityOpt/1",
    ]);
    expect(at(spec.noNewPrivileges)).toStrictEqual([true, "/HostConfig/SecurityOpt/2"]);
    expect(spec.securityOpt).toHaveLength(4);
  });
});

describe("specFromCreateRequest: MaskedPaths and ReadonlyPaths", () => {
  it.each<
    [
      string,
      Record<string, unknown>,
      [boolean, string] | undefined,
      [string[], string] | undefined,
      [string[], string] | undefined,
    ]
  >([
    ["absent: the daemon's defaults", {}, undefined, undefined, undefined],
    [
      "null: the daemon's defaults",
      { MaskedPaths: null, ReadonlyPaths: null },
      undefined,
      undefined,
      undefined,
    ],
    [
      "both []: unconfined",
      { MaskedPaths: [], ReadonlyPaths: [] },
      [true, "/HostConfig/MaskedPaths"],
      [[], "/HostConfig/MaskedPaths"],
      [[], "/HostConfig/ReadonlyPaths"],
    ],
    [
      "only ReadonlyPaths []",
      { ReadonlyPaths: [] },
      [true, "/HostConfig/ReadonlyPaths"],
      undefined,
      [[], "/HostConfig/ReadonlyPaths"],
    ],
    [
      "a custom list is not unconfined",
      { MaskedPaths: ["/proc/kcore"] },
      undefined,
      [["/proc/kcore"], "/HostConfig/MaskedPaths"],
      undefined,
    ],
  ])("%s", (_name, hostConfig, unconfined, masked, readonly) => {
    const spec = specFromCreateRequest({ ...IMAGE, HostConfig: hostConfig });
    expect(at(spec.systemPathsUnconfined)).toStrictEqual(unconfined);
    expect(at(spec.maskedPaths)).toStrictEqual(masked);
    expect(at(spec.readonlyPaths)).toStrictEqual(readonly);
  });
});

describe("specFromCreateRequest: Binds and Mounts", () => {
  function mountsOf(hostConfig: Record<string, unknown>) {
    return specFromCreateRequest({ ...IMAGE, HostConfig: hostConfig }).mounts.map((m) => ({
      type: m.type,
      source: m.source,
      hostPath: m.hostPath,
      target: m.target,
      readOnly: m.readOnly,
      propagation: m.propagation,
      pointer: m.origin.pointer,
    }));
  }

  it.each<[string, string, Record<string, unknown>]>([
    [
      "an absolute source is a bind, normalised",
      "/etc/../etc//:/e/",
      {
        type: "bind",
        source: "/etc/../etc//",
        hostPath: "/etc",
        target: "/e",
        readOnly: false,
        propagation: undefined,
      },
    ],
    [
      "mode ro and a propagation",
      "/:/host:ro,rshared",
      {
        type: "bind",
        source: "/",
        hostPath: "/",
        target: "/host",
        readOnly: true,
        propagation: "rshared",
      },
    ],
    [
      "a name is a volume",
      "data:/data:ro,z",
      {
        type: "volume",
        source: "data",
        hostPath: undefined,
        target: "/data",
        readOnly: true,
        propagation: undefined,
      },
    ],
    [
      "a relative source is a volume name, not a host path",
      "./x:/x",
      {
        type: "volume",
        source: "./x",
        hostPath: undefined,
        target: "/x",
        readOnly: false,
        propagation: undefined,
      },
    ],
    [
      "a target alone is an anonymous volume",
      "/cache",
      {
        type: "volume",
        source: undefined,
        hostPath: undefined,
        target: "/cache",
        readOnly: false,
        propagation: undefined,
      },
    ],
  ])("Binds: %s", (_name, bind, expected) => {
    expect(mountsOf({ Binds: [bind] })).toStrictEqual([
      { ...expected, pointer: "/HostConfig/Binds/0" },
    ]);
  });

  it.each<[string, string]>([
    ["a target with a mode and no source", "/data:ro"],
    ["an unknown mode", "/a:/b:rx"],
    ["two rw modes", "/a:/b:ro,rw"],
    ["too many colons", "/a:/b:ro:x"],
    ["an empty source", ":/b"],
    ["a relative target", "/a:b"],
    ["the root as target", "/a:/"],
  ])("Binds refused like the daemon: %s", (_name, bind) => {
    expect(requestError({ ...IMAGE, HostConfig: { Binds: ["/ok:/ok", bind] } }).pointer).toBe(
      "/HostConfig/Binds/1",
    );
  });

  it("says why a bind is refused", () => {
    expect(requestError({ ...IMAGE, HostConfig: { Binds: ["/data:ro"] } }).message).toBe(
      'container create request: /HostConfig/Binds/0: invalid bind "/data:ro": a mode needs a source',
    );
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    [
      "a bind",
      { Type: "bind", Source: "/var/run/docker.sock", Target: "/s", ReadOnly: true },
      {
        type: "bind",
        source: "/var/run/docker.sock",
        hostPath: "/var/run/docker.sock",
        target: "/s",
        readOnly: true,
        propagation: undefined,
      },
    ],
    [
      "bind propagation",
      { Type: "bind", Source: "/", Target: "/h", BindOptions: { Propagation: "rshared" } },
      {
        type: "bind",
        source: "/",
        hostPath: "/",
        target: "/h",
        readOnly: false,
        propagation: "rshared",
      },
    ],
    [
      "a plain volume",
      { Type: "volume", Source: "v", Target: "/v" },
      {
        type: "volume",
        source: "v",
        hostPath: undefined,
        target: "/v",
        readOnly: false,
        propagation: undefined,
      },
    ],
    [
      "a local-driver bind volume is the host path it binds",
      {
        Type: "volume",
        Source: "etc",
        Target: "/v",
        VolumeOptions: {
          DriverConfig: { Name: "local", Options: { type: "none", o: "bind", device: "/etc/" } },
        },
      },
      {
        type: "volume",
        source: "etc",
        hostPath: "/etc",
        target: "/v",
        readOnly: false,
        propagation: undefined,
      },
    ],
    [
      "the default driver and rbind among other options",
      {
        Type: "volume",
        Source: "root",
        Target: "/v",
        VolumeOptions: { DriverConfig: { Options: { o: "ro,rbind", device: "/" } } },
      },
      {
        type: "volume",
        source: "root",
        hostPath: "/",
        target: "/v",
        readOnly: false,
        propagation: undefined,
      },
    ],
    [
      "local options without bind are not a host path (nfs, tmpfs)",
      {
        Type: "volume",
        Source: "n",
        Target: "/v",
        VolumeOptions: {
          DriverConfig: {
            Name: "local",
            Options: { type: "nfs", o: "addr=10.0.0.1", device: ":/export" },
          },
        },
      },
      {
        type: "volume",
        source: "n",
        hostPath: undefined,
        target: "/v",
        readOnly: false,
        propagation: undefined,
      },
    ],
    [
      "another driver's options are its own",
      {
        Type: "volume",
        Source: "p",
        Target: "/v",
        VolumeOptions: { DriverConfig: { Name: "rexray", Options: { o: "bind", device: "/etc" } } },
      },
      {
        type: "volume",
        source: "p",
        hostPath: undefined,
        target: "/v",
        readOnly: false,
        propagation: undefined,
      },
    ],
    [
      "a tmpfs",
      { Type: "tmpfs", Target: "/t/" },
      {
        type: "tmpfs",
        source: undefined,
        hostPath: undefined,
        target: "/t",
        readOnly: false,
        propagation: undefined,
      },
    ],
  ])("Mounts: %s", (_name, mount, expected) => {
    expect(mountsOf({ Mounts: [mount] })).toStrictEqual([
      { ...expected, pointer: "/HostConfig/Mounts/0" },
    ]);
  });

  it("keeps Binds before Mounts, each with its own pointer", () => {
    expect(
      mountsOf({ Binds: ["/a:/a"], Mounts: [{ Type: "bind", Source: "/b", Target: "/b" }] }).map(
        (m) => m.pointer,
      ),
    ).toStrictEqual(["/HostConfig/Binds/0", "/HostConfig/Mounts/0"]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["no type", { Source: "/", Target: "/h" }, "/HostConfig/Mounts/0/Type"],
    ["an unknown type", { Type: "overlay", Target: "/h" }, "/HostConfig/Mounts/0/Type"],
    ["no target", { Type: "bind", Source: "/" }, "/HostConfig/Mounts/0/Target"],
  ])("Mounts refused: %s", (_name, mount, pointer) => {
    expect(requestError({ ...IMAGE, HostConfig: { Mounts: [mount] } }).pointer).toBe(pointer);
  });
});

describe("specFromCreateRequest: PortBindings", () => {
  function portsOf(bindings: Record<string, unknown>, publishAll?: boolean) {
    const spec = specFromCreateRequest({
      ...IMAGE,
      HostConfig: {
        PortBindings: bindings,
        ...(publishAll === undefined ? {} : { PublishAllPorts: publishAll }),
      },
    });
    return spec.ports.map((p) => [
      p.hostIp,
      p.hostPort,
      p.containerPort,
      p.protocol,
      p.origin.pointer,
    ]);
  }

  it.each<[string, Record<string, unknown>, unknown[]]>([
    [
      "host ip and port",
      { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8080" }] },
      [["127.0.0.1", "8080", "80", "tcp", "/HostConfig/PortBindings/80~1tcp/0"]],
    ],
    [
      "no protocol is tcp",
      { "80": [{ HostPort: "80" }] },
      [["", "80", "80", "tcp", "/HostConfig/PortBindings/80/0"]],
    ],
    [
      "an empty binding: all interfaces, an ephemeral port",
      { "53/udp": [{}] },
      [["", "", "53", "udp", "/HostConfig/PortBindings/53~1udp/0"]],
    ],
    [
      "several bindings for one port",
      { "443/tcp": [{ HostPort: "443" }, { HostIp: "::1", HostPort: "8443" }] },
      [
        ["", "443", "443", "tcp", "/HostConfig/PortBindings/443~1tcp/0"],
        ["::1", "8443", "443", "tcp", "/HostConfig/PortBindings/443~1tcp/1"],
      ],
    ],
    ["[] and null publish nothing", { "80/tcp": [], "81/tcp": null }, []],
    [
      "sctp",
      { "9/sctp": [{ HostPort: "9" }] },
      [["", "9", "9", "sctp", "/HostConfig/PortBindings/9~1sctp/0"]],
    ],
  ])("%s", (_name, bindings, expected) => {
    expect(portsOf(bindings)).toStrictEqual(expected);
  });

  it.each<[string, string]>([
    ["an upper-case protocol the daemon does not map", "80/TCP"],
    ["no port", "/tcp"],
  ])("refuses %s", (_name, key) => {
    expect(requestError({ ...IMAGE, HostConfig: { PortBindings: { [key]: [] } } }).pointer).toBe(
      `/HostConfig/PortBindings/${key.replaceAll("/", "~1")}`,
    );
  });
});

describe("specFromCreateRequest: the API version", () => {
  it.each<[string | undefined, Record<string, unknown>, [string, string] | undefined]>([
    ["1.39", { NetworkMode: "none" }, ["shareable", "/HostConfig"]],
    ["v1.24", {}, ["shareable", "/HostConfig"]],
    ["1.39", { IpcMode: "private" }, ["private", "/HostConfig/IpcMode"]],
    ["1.40", {}, undefined],
    ["1.41", {}, undefined],
    [undefined, {}, undefined],
  ])("API %s: IpcMode", (apiVersion, hostConfig, expected) => {
    const options = apiVersion === undefined ? {} : { apiVersion };
    expect(
      at(specFromCreateRequest({ ...IMAGE, HostConfig: hostConfig }, options).namespaces.ipc),
    ).toStrictEqual(expected);
  });

  it("applies the old default to the old shape, and not without any HostConfig", () => {
    expect(
      at(
        specFromCreateRequest({ ...IMAGE, Privileged: false }, { apiVersion: "1.23" }).namespaces
          .ipc,
      ),
    ).toStrictEqual(["shareable", ""]);
    expect(
      specFromCreateRequest({ ...IMAGE }, { apiVersion: "1.23" }).namespaces.ipc,
    ).toBeUndefined();
  });

  it("refuses a version that is not MAJOR.MINOR", () => {
    expect(() => specFromCreateRequest({}, { apiVersion: "latest" })).toThrow(DockwardError);
  });
});

describe("one mapping: a request and the container it creates agree", () => {
  it("maps the inspected HostConfig and Config sent back as a request to the same values", () => {
    const doc: unknown = JSON.parse(
      readFileSync(new URL("../../fixtures/inspect/hardened.json", import.meta.url), "utf8"),
    );
    if (typeof doc !== "object" || doc === null || !("Config" in doc) || !("HostConfig" in doc))
      throw new Error("bad fixture");
    const config = doc.Config;
    if (typeof config !== "object" || config === null) throw new Error("bad fixture");
    const fromInspect = specFromInspect(doc);
    const fromRequest = specFromCreateRequest({ ...config, HostConfig: doc.HostConfig });

    const values = (s: ContainerSpec) => ({
      privileged: s.privileged?.value,
      capAdd: s.capAdd.map((f) => f.value),
      capDrop: s.capDrop.map((f) => f.value),
      noNewPrivileges: s.noNewPrivileges?.value,
      namespaces: Object.fromEntries(Object.entries(s.namespaces).map(([k, f]) => [k, f.value])),
      memory: s.resources.memory?.value,
      pidsLimit: s.resources.pidsLimit?.value,
      ulimits: s.resources.ulimits.map((u) => [u.name, u.soft, u.hard]),
      user: s.user?.value,
      tmpfs: s.tmpfs.map((f) => f.value),
      masked: s.maskedPaths?.value,
      restart: s.restart?.value,
      image: s.target.image,
      service: s.target.service,
    });
    expect(values(fromRequest)).toStrictEqual(values(fromInspect));
    expect(fromRequest.resources.memory?.origin).toStrictEqual({ pointer: "/HostConfig/Memory" });
    expect(fromRequest.user?.origin).toStrictEqual({ pointer: "/User" });
  });
});
