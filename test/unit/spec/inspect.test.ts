import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DockwardError } from "../../../src/errors.js";
import { JsonInputError } from "../../../src/spec/adapters/host-config.js";
import { specFromInspect } from "../../../src/spec/adapters/inspect.js";
import { HOST_CONFIG_FIELDS } from "../../../src/spec/adapters/request.js";
import type { ContainerSpec, Field } from "../../../src/spec/model.js";

// The fixtures are `GET /v1.41/containers/{id}/json` from dockerd 20.10.24, for containers made by
//   privileged:      docker create --network none --cap-add SYS_ADMIN --privileged -v /etc:/host-etc:ro --pids-limit 100 -m 64m
//   hardened:        … --cap-drop ALL --cap-add net_bind_service --security-opt no-new-privileges --read-only --user 1000:1000
//                    --tmpfs /tmp:size=64m,mode=1777 --memory 128m --memory-swap 128m --memory-reservation 64m --cpus 0.5
//                    --cpu-shares 512 --pids-limit 64 --ulimit nofile=1024:2048 --restart on-failure:3 --shm-size 32m
//                    --group-add 44 -e APP_MODE=prod --label com.docker.compose.service=web …
//   host-namespaces: --pid host --ipc host --uts host --userns host --cgroupns host --network host
//                    --security-opt systempaths=unconfined --security-opt seccomp=unconfined --security-opt apparmor=unconfined
//                    --mount type=bind,source=/var/run,target=/run-host,bind-propagation=rshared
//                    --mount type=volume,source=dwadapt-data,target=/data --mount type=tmpfs,target=/cache
//                    --mount type=volume,source=dwadapt-bindvol,target=/srv,volume-driver=local,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/tmp
//                    --device /dev/null:/dev/xnull:r --device-cgroup-rule 'c 1:3 mr' -v dwadapt-named:/named
//                    -v /var/run/docker.sock:/var/run/docker.sock --volumes-from dwadapt-hardened:ro --oom-kill-disable --pids-limit -1
//   ports:           -p 127.0.0.1:8080:80 -p 53:53/udp -p 9000-9001:9000-9001 --publish-all --sysctl net.ipv4.ip_forward=1
//                    --cgroup-parent /dwtest --cpuset-cpus 0 --cpu-quota 50000 --cpu-period 100000
//   volumes-from:    --volumes-from dwadapt-vsrc:ro (which has -v dwadapt-shared:/shared) -v /anon
//                    --mount type=bind,src=/srv/,dst=/srv-host/,readonly

function fixture(name: string): unknown {
  return JSON.parse(
    readFileSync(new URL(`../../fixtures/inspect/${name}.json`, import.meta.url), "utf8"),
  );
}

/** A fixture as a mutable object, to derive variants from. */
function fixtureObject(
  name: string,
): Record<string, unknown> & { HostConfig: Record<string, unknown> } {
  const doc = fixture(name);
  if (typeof doc !== "object" || doc === null || !("HostConfig" in doc))
    throw new Error("bad fixture");
  const hostConfig = doc.HostConfig;
  if (typeof hostConfig !== "object" || hostConfig === null) throw new Error("bad fixture");
  return { ...doc, HostConfig: { ...hostConfig } };
}

function at<T>(f: Field<T> | undefined): [T, string | undefined] | undefined {
  return f === undefined ? undefined : [f.value, f.origin.pointer];
}

function list<T>(fs: readonly Field<T>[]): [T, string | undefined][] {
  return fs.map((f) => [f.value, f.origin.pointer]);
}

function mounts(spec: ContainerSpec) {
  return spec.mounts.map((m) => ({
    type: m.type,
    source: m.source,
    hostPath: m.hostPath,
    target: m.target,
    readOnly: m.readOnly,
    propagation: m.propagation,
    pointer: m.origin.pointer,
  }));
}

function inspectError(doc: unknown): JsonInputError {
  try {
    specFromInspect(doc);
  } catch (err) {
    if (err instanceof JsonInputError) return err;
    throw err;
  }
  throw new Error("specFromInspect accepted the document");
}

describe("specFromInspect: a privileged container (real 20.10 output)", () => {
  const spec = specFromInspect(fixture("privileged"), { source: "privileged.json" });

  it("names the target from Name without the slash, and the origin carries the file", () => {
    expect(spec.target).toStrictEqual({
      kind: "container",
      name: "dwadapt-privileged",
      origin: { file: "privileged.json", pointer: "" },
      image: "busybox:dw",
      labels: {},
      service: undefined,
      container: "dwadapt-privileged",
    });
    expect(spec.privileged).toStrictEqual({
      value: true,
      origin: { file: "privileged.json", pointer: "/HostConfig/Privileged" },
    });
  });

  it.each<[string, (s: ContainerSpec) => unknown, unknown]>([
    [
      "capAdd (CLI 28 sends CAP_SYS_ADMIN)",
      (s) => list(s.capAdd),
      [["SYS_ADMIN", "/HostConfig/CapAdd/0"]],
    ],
    ["capDrop null", (s) => s.capDrop, []],
    ["network", (s) => at(s.namespaces.network), ["none", "/HostConfig/NetworkMode"]],
    [
      "ipc (filled in by the daemon)",
      (s) => at(s.namespaces.ipc),
      ["private", "/HostConfig/IpcMode"],
    ],
    ["cgroupns", (s) => at(s.namespaces.cgroupns), ["host", "/HostConfig/CgroupnsMode"]],
    ['pid "" is not set', (s) => s.namespaces.pid, undefined],
    ['userns "" is not set', (s) => s.namespaces.userns, undefined],
    ["pidsLimit", (s) => at(s.resources.pidsLimit), [100, "/HostConfig/PidsLimit"]],
    ["memory", (s) => at(s.resources.memory), [67108864, "/HostConfig/Memory"]],
    [
      "memorySwap (doubled by the CLI)",
      (s) => at(s.resources.memorySwap),
      [134217728, "/HostConfig/MemorySwap"],
    ],
    ["nanoCpus 0 is recorded", (s) => at(s.resources.nanoCpus), [0, "/HostConfig/NanoCpus"]],
    [
      "oomKillDisable false",
      (s) => at(s.resources.oomKillDisable),
      [false, "/HostConfig/OomKillDisable"],
    ],
    [
      "securityOpt added by the daemon",
      (s) => list(s.securityOpt),
      [["label=disable", "/HostConfig/SecurityOpt/0"]],
    ],
    [
      "MaskedPaths null for privileged: not unconfined",
      (s) => [s.maskedPaths, s.systemPathsUnconfined],
      [undefined, undefined],
    ],
    ['user "" is the image\'s', (s) => s.user, undefined],
    ["env null", (s) => s.env, []],
    [
      "restart",
      (s) => at(s.restart),
      [{ name: "no", maximumRetryCount: 0 }, "/HostConfig/RestartPolicy"],
    ],
    ["no ports", (s) => s.ports, []],
  ])("%s", (_name, get, expected) => {
    expect(get(spec)).toStrictEqual(expected);
  });

  it("has exactly one mount for the bind, pointing at Binds, with the record's propagation", () => {
    expect(mounts(spec)).toStrictEqual([
      {
        type: "bind",
        source: "/etc",
        hostPath: "/etc",
        target: "/host-etc",
        readOnly: true,
        propagation: "rprivate",
        pointer: "/HostConfig/Binds/0",
      },
    ]);
  });
});

describe("specFromInspect: a hardened compose-style container", () => {
  const spec = specFromInspect(fixture("hardened"));

  it.each<[string, (s: ContainerSpec) => unknown, unknown]>([
    ["service from the compose label", (s) => s.target.service, "web"],
    [
      "labels",
      (s) => s.target.labels,
      { "com.docker.compose.project": "demo", "com.docker.compose.service": "web" },
    ],
    ["origin without a file", (s) => s.target.origin, { pointer: "" }],
    ["capAdd canonical", (s) => list(s.capAdd), [["NET_BIND_SERVICE", "/HostConfig/CapAdd/0"]]],
    ["capDrop ALL", (s) => list(s.capDrop), [["ALL", "/HostConfig/CapDrop/0"]]],
    ["no-new-privileges", (s) => at(s.noNewPrivileges), [true, "/HostConfig/SecurityOpt/0"]],
    ["readOnlyRootfs", (s) => at(s.readOnlyRootfs), [true, "/HostConfig/ReadonlyRootfs"]],
    ["user", (s) => at(s.user), ["1000:1000", "/Config/User"]],
    ["env", (s) => list(s.env), [["APP_MODE=prod", "/Config/Env/0"]]],
    ["groupAdd", (s) => list(s.groupAdd), [["44", "/HostConfig/GroupAdd/0"]]],
    [
      "tmpfs in the --tmpfs spelling, key escaped",
      (s) => list(s.tmpfs),
      [["/tmp:size=64m,mode=1777", "/HostConfig/Tmpfs/~1tmp"]],
    ],
    ["no tmpfs mount is double-counted", (s) => s.mounts, []],
    ["nanoCpus", (s) => at(s.resources.nanoCpus), [500000000, "/HostConfig/NanoCpus"]],
    ["cpuShares", (s) => at(s.resources.cpuShares), [512, "/HostConfig/CpuShares"]],
    [
      "memoryReservation",
      (s) => at(s.resources.memoryReservation),
      [67108864, "/HostConfig/MemoryReservation"],
    ],
    [
      "cpuQuota 0 is recorded, not dropped",
      (s) => at(s.resources.cpuQuota),
      [0, "/HostConfig/CpuQuota"],
    ],
    ['cpusetCpus "" is not set', (s) => s.resources.cpusetCpus, undefined],
    ["shmSize", (s) => at(s.resources.shmSize), [33554432, "/HostConfig/ShmSize"]],
    [
      "ulimits",
      (s) => s.resources.ulimits,
      [{ name: "nofile", soft: 1024, hard: 2048, origin: { pointer: "/HostConfig/Ulimits/0" } }],
    ],
    [
      "restart",
      (s) => at(s.restart),
      [{ name: "on-failure", maximumRetryCount: 3 }, "/HostConfig/RestartPolicy"],
    ],
    ["masked paths are the daemon's defaults", (s) => s.maskedPaths?.value.length, 10],
    ["readonly paths", (s) => at(s.readonlyPaths)?.[1], "/HostConfig/ReadonlyPaths"],
    ["systempaths not unconfined", (s) => s.systemPathsUnconfined, undefined],
  ])("%s", (_name, get, expected) => {
    expect(get(spec)).toStrictEqual(expected);
  });
});

describe("specFromInspect: host namespaces, unconfined, and every kind of mount", () => {
  const spec = specFromInspect(fixture("host-namespaces"));

  it("maps every namespace mode", () => {
    expect(
      Object.fromEntries(Object.entries(spec.namespaces).map(([k, f]) => [k, at(f)])),
    ).toStrictEqual({
      pid: ["host", "/HostConfig/PidMode"],
      ipc: ["host", "/HostConfig/IpcMode"],
      network: ["host", "/HostConfig/NetworkMode"],
      uts: ["host", "/HostConfig/UTSMode"],
      userns: ["host", "/HostConfig/UsernsMode"],
      cgroupns: ["host", "/HostConfig/CgroupnsMode"],
    });
  });

  it("reads the CLI's systempaths=unconfined as the empty MaskedPaths it became", () => {
    expect(at(spec.systemPathsUnconfined)).toStrictEqual([true, "/HostConfig/MaskedPaths"]);
    expect(at(spec.maskedPaths)).toStrictEqual([[], "/HostConfig/MaskedPaths"]);
    expect(at(spec.readonlyPaths)).toStrictEqual([[], "/HostConfig/ReadonlyPaths"]);
  });

  it("resolves seccomp and apparmor", () => {
    expect(at(spec.seccomp)).toStrictEqual([{ kind: "unconfined" }, "/HostConfig/SecurityOpt/0"]);
    expect(at(spec.apparmor)).toStrictEqual(["unconfined", "/HostConfig/SecurityOpt/1"]);
  });

  it("takes the AppArmor profile the daemon applied when it differs from SecurityOpt", () => {
    const doc = fixtureObject("privileged");
    const applied = specFromInspect({
      ...doc,
      AppArmorProfile: "docker-default",
      HostConfig: { ...doc.HostConfig, SecurityOpt: [] },
    });
    expect(at(applied.apparmor)).toStrictEqual(["docker-default", "/AppArmorProfile"]);
    // "" is a kernel without AppArmor: nothing was applied, nothing to record
    const none = specFromInspect({
      ...doc,
      AppArmorProfile: "",
      HostConfig: { ...doc.HostConfig, SecurityOpt: [] },
    });
    expect(none.apparmor).toBeUndefined();
  });

  it("has one mount per destination, HostConfig pointers first, the local-driver bind resolved", () => {
    expect(mounts(spec)).toStrictEqual([
      {
        type: "volume",
        source: "dwadapt-named",
        hostPath: undefined,
        target: "/named",
        readOnly: false,
        propagation: undefined,
        pointer: "/HostConfig/Binds/0",
      },
      {
        type: "bind",
        source: "/var/run/docker.sock",
        hostPath: "/var/run/docker.sock",
        target: "/var/run/docker.sock",
        readOnly: false,
        propagation: "rprivate",
        pointer: "/HostConfig/Binds/1",
      },
      {
        type: "bind",
        source: "/var/run",
        hostPath: "/var/run",
        target: "/run-host",
        readOnly: false,
        propagation: "rshared",
        pointer: "/HostConfig/Mounts/0",
      },
      {
        type: "volume",
        source: "dwadapt-data",
        hostPath: undefined,
        target: "/data",
        readOnly: false,
        propagation: undefined,
        pointer: "/HostConfig/Mounts/1",
      },
      {
        type: "tmpfs",
        source: undefined,
        hostPath: undefined,
        target: "/cache",
        readOnly: false,
        propagation: undefined,
        pointer: "/HostConfig/Mounts/2",
      },
      {
        type: "volume",
        source: "dwadapt-bindvol",
        hostPath: "/tmp",
        target: "/srv",
        readOnly: false,
        propagation: undefined,
        pointer: "/HostConfig/Mounts/3",
      },
    ]);
  });

  it.each<[string, (s: ContainerSpec) => unknown, unknown]>([
    [
      "volumesFrom",
      (s) => list(s.volumesFrom),
      [["dwadapt-hardened:ro", "/HostConfig/VolumesFrom/0"]],
    ],
    [
      "devices",
      (s) => s.devices,
      [
        {
          hostPath: "/dev/null",
          containerPath: "/dev/xnull",
          permissions: "r",
          origin: { pointer: "/HostConfig/Devices/0" },
        },
      ],
    ],
    [
      "deviceCgroupRules",
      (s) => list(s.deviceCgroupRules),
      [["c 1:3 mr", "/HostConfig/DeviceCgroupRules/0"]],
    ],
    ["oomKillDisable", (s) => at(s.resources.oomKillDisable), [true, "/HostConfig/OomKillDisable"]],
    ["PidsLimit null (the daemon's -1) is undefined", (s) => s.resources.pidsLimit, undefined],
    [
      "memory 0 is kept: the daemon wrote it",
      (s) => at(s.resources.memory),
      [0, "/HostConfig/Memory"],
    ],
    ["Ulimits [] is no ulimit", (s) => s.resources.ulimits, []],
  ])("%s", (_name, get, expected) => {
    expect(get(spec)).toStrictEqual(expected);
  });
});

describe("specFromInspect: ports and the rest", () => {
  const spec = specFromInspect(fixture("ports"));

  it("maps PortBindings, escaping the / of the key in the pointer", () => {
    expect(
      spec.ports.map((p) => [p.hostIp, p.hostPort, p.containerPort, p.protocol, p.origin.pointer]),
    ).toStrictEqual([
      ["", "53", "53", "udp", "/HostConfig/PortBindings/53~1udp/0"],
      ["127.0.0.1", "8080", "80", "tcp", "/HostConfig/PortBindings/80~1tcp/0"],
      ["", "9000", "9000", "tcp", "/HostConfig/PortBindings/9000~1tcp/0"],
      ["", "9001", "9001", "tcp", "/HostConfig/PortBindings/9001~1tcp/0"],
    ]);
    expect(at(spec.publishAll)).toStrictEqual([true, "/HostConfig/PublishAllPorts"]);
  });

  it.each<[string, (s: ContainerSpec) => unknown, unknown]>([
    [
      "sysctls",
      (s) => s.sysctls,
      [
        {
          name: "net.ipv4.ip_forward",
          value: "1",
          origin: { pointer: "/HostConfig/Sysctls/net.ipv4.ip_forward" },
        },
      ],
    ],
    ["cgroupParent", (s) => at(s.cgroupParent), ["/dwtest", "/HostConfig/CgroupParent"]],
    ["cpusetCpus", (s) => at(s.resources.cpusetCpus), ["0", "/HostConfig/CpusetCpus"]],
    ["cpuQuota", (s) => at(s.resources.cpuQuota), [50000, "/HostConfig/CpuQuota"]],
    ["cpuPeriod", (s) => at(s.resources.cpuPeriod), [100000, "/HostConfig/CpuPeriod"]],
  ])("%s", (_name, get, expected) => {
    expect(get(spec)).toStrictEqual(expected);
  });
});

describe("specFromInspect: mounts only the record knows", () => {
  it("adds VolumesFrom and anonymous volumes from /Mounts, and cleans HostConfig paths", () => {
    expect(mounts(specFromInspect(fixture("volumes-from")))).toStrictEqual([
      {
        type: "bind",
        source: "/srv/",
        hostPath: "/srv",
        target: "/srv-host",
        readOnly: true,
        propagation: "rprivate",
        pointer: "/HostConfig/Mounts/0",
      },
      {
        type: "volume",
        source: "b3fc0dfc7336badf8d38c5d14213716e0f3c4cf5160a8bbdd2209d4ef2498de5",
        hostPath: undefined,
        target: "/anon",
        readOnly: false,
        propagation: undefined,
        pointer: "/Mounts/0",
      },
      {
        type: "volume",
        source: "dwadapt-shared",
        hostPath: undefined,
        target: "/shared",
        readOnly: true,
        propagation: undefined,
        pointer: "/Mounts/1",
      },
    ]);
  });

  it.each<
    [
      string,
      Record<string, unknown>,
      { hostPath: string | undefined; readOnly: boolean; type: string },
    ]
  >([
    [
      "a plugin volume mounted from a host directory is a host path",
      {
        Type: "volume",
        Name: "persist",
        Source: "/srv/persist/",
        Destination: "/p",
        Driver: "local-persist",
        Mode: "",
        RW: true,
        Propagation: "",
      },
      { type: "volume", hostPath: "/srv/persist", readOnly: false },
    ],
    [
      "a local volume under another data-root is not",
      {
        Type: "volume",
        Name: "v",
        Source: "/data/docker/volumes/v/_data",
        Destination: "/p",
        Driver: "local",
        Mode: "",
        RW: false,
        Propagation: "",
      },
      { type: "volume", hostPath: undefined, readOnly: true },
    ],
    [
      "a bind only in the record (older daemons) keeps its host path",
      {
        Type: "bind",
        Source: "/",
        Destination: "/host",
        Mode: "",
        RW: true,
        Propagation: "rslave",
      },
      { type: "bind", hostPath: "/", readOnly: false },
    ],
  ])("%s", (_name, record, expected) => {
    const doc = { ...fixtureObject("privileged"), Mounts: [record] };
    const added = specFromInspect(doc).mounts.find(
      (m) => m.target === "/p" || m.target === "/host",
    );
    expect(
      added && { type: added.type, hostPath: added.hostPath, readOnly: added.readOnly },
    ).toStrictEqual(expected);
    expect(added?.origin.pointer).toBe("/Mounts/0");
  });

  it("lets the record say read-only when HostConfig did not", () => {
    const doc = fixtureObject("privileged");
    doc.HostConfig.Binds = ["/etc:/host-etc"];
    expect(specFromInspect(doc).mounts.map((m) => [m.readOnly, m.origin.pointer])).toStrictEqual([
      [true, "/HostConfig/Binds/0"],
    ]);
  });
});

describe("specFromInspect: tolerance and shape errors", () => {
  it("ignores fields added by newer daemons", () => {
    const doc = {
      ...fixtureObject("privileged"),
      ImageManifestDescriptor: { mediaType: "application/vnd.oci.image.manifest.v1+json" },
    };
    doc.HostConfig.Annotations = { "io.example": "x" };
    doc.HostConfig.Mounts = [
      {
        Type: "bind",
        Source: "/opt",
        Target: "/opt",
        BindOptions: { CreateMountpoint: true, ReadOnlyNonRecursive: false },
      },
    ];
    const spec = specFromInspect(doc);
    expect(spec.privileged?.value).toBe(true);
    expect(spec.mounts.map((m) => m.target)).toStrictEqual(["/host-etc", "/opt"]);
  });

  it("only knows HostConfig fields the 20.10 daemon writes (the legacy-shape list is complete)", () => {
    const doc = fixtureObject("host-namespaces");
    expect(
      Object.keys(doc.HostConfig).filter((k) => !HOST_CONFIG_FIELDS.includes(k)),
    ).toStrictEqual([]);
  });

  it("does not judge Windows-style binds it cannot parse, but still reports the record's mount", () => {
    const doc = {
      ...fixtureObject("privileged"),
      Mounts: [{ Type: "bind", Source: "/c/data", Destination: "/data", RW: true }],
    };
    doc.HostConfig.Binds = ["C:\\data:C:\\data:ro:x"];
    expect(mounts(specFromInspect(doc)).map((m) => [m.target, m.pointer])).toStrictEqual([
      ["/data", "/Mounts/0"],
    ]);
  });

  it.each<
    [
      string,
      (doc: Record<string, unknown> & { HostConfig: Record<string, unknown> }) => unknown,
      string,
    ]
  >([
    ["an array (docker inspect's output)", (d) => [d], ""],
    ["not an object", () => "container", ""],
    ["no HostConfig", (d) => ({ ...d, HostConfig: undefined }), "/HostConfig"],
    ["HostConfig null", (d) => ({ ...d, HostConfig: null }), "/HostConfig"],
    ["no Config", (d) => ({ ...d, Config: null }), "/Config"],
    [
      "a string for a bool",
      (d) => ({ ...d, HostConfig: { ...d.HostConfig, Privileged: "true" } }),
      "/HostConfig/Privileged",
    ],
    [
      "a number in CapAdd",
      (d) => ({ ...d, HostConfig: { ...d.HostConfig, CapAdd: ["NET_ADMIN", 7] } }),
      "/HostConfig/CapAdd/1",
    ],
    [
      "a fraction for bytes",
      (d) => ({ ...d, HostConfig: { ...d.HostConfig, Memory: 1.5 } }),
      "/HostConfig/Memory",
    ],
    [
      "an unsafe integer",
      (d) => ({ ...d, HostConfig: { ...d.HostConfig, Memory: 2 ** 60 } }),
      "/HostConfig/Memory",
    ],
    [
      "a record RW that is not a bool",
      (d) => ({ ...d, Mounts: [{ Type: "bind", Source: "/x", Destination: "/x", RW: "yes" }] }),
      "/Mounts/0/RW",
    ],
    [
      "a record without a destination",
      (d) => ({ ...d, Mounts: [{ Type: "bind", Source: "/x" }] }),
      "/Mounts/0/Destination",
    ],
    [
      "an unknown mount type",
      (d) => ({ ...d, HostConfig: { ...d.HostConfig, Mounts: [{ Type: "weird", Target: "/x" }] } }),
      "/HostConfig/Mounts/0/Type",
    ],
    [
      "a protocol the daemon does not know",
      (d) => ({ ...d, HostConfig: { ...d.HostConfig, PortBindings: { "80/xyz": [] } } }),
      "/HostConfig/PortBindings/80~1xyz",
    ],
    [
      "a Label that is not a string",
      (d) => ({ ...d, Config: { Image: "x", Labels: { "a/b": 1 } } }),
      "/Config/Labels/a~1b",
    ],
    [
      "a null ulimit",
      (d) => ({ ...d, HostConfig: { ...d.HostConfig, Ulimits: [null] } }),
      "/HostConfig/Ulimits/0",
    ],
  ])("BAD_INPUT at the pointer: %s", (_name, mutate, pointer) => {
    const err = inspectError(mutate(fixtureObject("privileged")));
    expect(err).toBeInstanceOf(DockwardError);
    expect(err.code).toBe("BAD_INPUT");
    expect(err.pointer).toBe(pointer);
    expect(err.message).toContain(pointer === "" ? "(document root)" : pointer);
  });

  it("names the source file in the message", () => {
    expect(() => specFromInspect([], { source: "c.json" })).toThrow(
      /^c\.json: \(document root\): expected one container's object/,
    );
  });
});
