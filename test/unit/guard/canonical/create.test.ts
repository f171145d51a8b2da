import { describe, expect, it } from "vitest";
import { canonicalise } from "../../../../src/guard/canonical/canonicalise.js";
import { createSpec } from "../../../../src/guard/canonical/create.js";
import type { ContainerSpec } from "../../../../src/spec/model.js";

function judged(body: string, options: { name?: string; apiVersion?: string } = {}) {
  const c = canonicalise("ContainerCreate", body);
  if (!c.ok) throw new Error(`refused: ${c.message}`);
  return createSpec(c.value, options);
}

function spec(body: string, options: { name?: string; apiVersion?: string } = {}): ContainerSpec {
  const r = judged(body, options);
  if (!r.ok) throw new Error(`refused: ${r.message}`);
  return r.spec;
}

describe("createSpec: what the daemon would act on", () => {
  it.each([
    {
      name: "Privileged spelled privileged is judged as Privileged",
      body: '{"Image":"b","HostConfig":{"privileged":true}}',
      privileged: [true, "/HostConfig/Privileged"],
    },
    {
      name: "legacy top-level Privileged without a HostConfig applies",
      body: '{"Image":"b","Privileged":true}',
      privileged: [true, "/Privileged"],
    },
    {
      name: "legacy top-level Privileged beside a HostConfig is ignored, as dockerd does",
      body: '{"Image":"b","Privileged":true,"HostConfig":{}}',
      privileged: undefined,
    },
    {
      name: "a null HostConfig leaves the legacy fields in charge",
      body: '{"Image":"b","HostConfig":null,"Privileged":true}',
      privileged: [true, "/Privileged"],
    },
    {
      name: "a legacy null allocates the legacy HostConfig, which sets nothing",
      body: '{"Image":"b","Privileged":null}',
      privileged: undefined,
    },
  ])("$name", ({ body, privileged }) => {
    const p = spec(body).privileged;
    expect(p === undefined ? undefined : [p.value, p.origin.pointer]).toEqual(privileged);
  });

  it("judges top-level Binds as the legacy HostConfig", () => {
    const s = spec('{"Image":"b","Binds":["/:/host"]}');
    expect(s.mounts.map((m) => [m.type, m.hostPath, m.origin.pointer])).toEqual([
      ["bind", "/", "/Binds/0"],
    ]);
  });

  it("reads CapAdd given as a string", () => {
    const s = spec('{"Image":"b","HostConfig":{"CapAdd":"sys_admin"}}');
    expect(s.capAdd.map((f) => [f.value, f.origin.pointer])).toEqual([
      ["SYS_ADMIN", "/HostConfig/CapAdd/0"],
    ]);
  });

  it("fills top-level Memory and Cpuset into an unset HostConfig, as runconfig does", () => {
    const s = spec('{"Image":"b","Memory":1024,"Cpuset":"0-1","HostConfig":{"Memory":0}}');
    expect(s.resources.memory).toEqual({ value: 1024, origin: { pointer: "/Memory" } });
    expect(s.resources.cpusetCpus).toEqual({ value: "0-1", origin: { pointer: "/Cpuset" } });
  });

  it("finds the host path of a local-driver volume with o=bind", () => {
    const s = spec(
      '{"Image":"b","HostConfig":{"Mounts":[{"Type":"volume","Target":"/v","VolumeOptions":{"DriverConfig":{"Options":{"o":"bind","device":"/var/run"}}}}]}}',
    );
    expect(s.mounts.map((m) => [m.type, m.hostPath])).toEqual([["volume", "/var/run"]]);
  });

  it("uses the name and API version of the request", () => {
    const s = spec('{"Image":"b","HostConfig":{}}', { name: "web", apiVersion: "1.39" });
    expect(s.target.container).toBe("web");
    expect(s.namespaces.ipc?.value).toBe("shareable");
  });

  it("judges an empty body (nothing) as an empty request", () => {
    const c = canonicalise("ContainerCreate", "");
    if (!c.ok) throw new Error(c.message);
    const r = createSpec(c.value);
    expect(r.ok && r.spec.privileged).toBeUndefined();
  });
});

describe("createSpec: refusals", () => {
  it.each([
    {
      name: "an int64 beyond 2^53 cannot be judged exactly",
      body: '{"HostConfig":{"Memory":9223372036854775807}}',
      code: "unsafe-integer",
      pointer: "/HostConfig/Memory",
    },
    {
      name: "even in a field no rule reads",
      body: '{"HostConfig":{"IOMaximumBandwidth":9007199254740993}}',
      code: "unsafe-integer",
      pointer: "/HostConfig/IOMaximumBandwidth",
    },
    {
      name: "inside a list: the pointer names the item",
      body: '{"HostConfig":{"Ulimits":[{"Name":"nofile","Soft":1,"Hard":1},{"Name":"nproc","Soft":1,"Hard":9007199254740993}]}}',
      code: "unsafe-integer",
      pointer: "/HostConfig/Ulimits/1/Hard",
    },
    {
      name: "-2^53 - 1",
      body: '{"Memory":-9007199254740993}',
      code: "unsafe-integer",
      pointer: "/Memory",
    },
    {
      name: "what the daemon refuses at create time: a bad bind",
      body: '{"HostConfig":{"Binds":[null]}}',
      code: "invalid",
      pointer: "/HostConfig/Binds/0",
    },
    {
      name: "what the daemon refuses at create time: a seccomp profile path",
      body: '{"HostConfig":{"SecurityOpt":["seccomp=/etc/profile.json"]}}',
      code: "invalid",
      pointer: "/HostConfig/SecurityOpt/0",
    },
    {
      name: "a zero mount (from Mounts: [null]) has no type",
      body: '{"HostConfig":{"Mounts":[null]}}',
      code: "invalid",
      pointer: "/HostConfig/Mounts/0/Type",
    },
  ])("$name", ({ body, code, pointer }) => {
    expect(judged(body)).toMatchObject({ ok: false, status: 400, code, pointer });
  });

  it("points at the client's spelling of the field when given locate", () => {
    const c = canonicalise("ContainerCreate", '{"hostconfig":\n  {"binds": ["x:y:z:w"]}}');
    if (!c.ok) throw new Error(c.message);
    const r = createSpec(c.value, { locate: c.locate });
    if (r.ok) throw new Error("accepted");
    expect(r).toMatchObject({ code: "invalid", pointer: "/HostConfig/Binds/0" });
    expect(r.pos).toEqual({ offset: 28, line: 2, column: 14 });
    expect(r.message).toBe(
      '/HostConfig/Binds/0 (line 2, column 14): invalid bind "x:y:z:w": expected [SOURCE:]TARGET[:MODE]',
    );
  });

  it("accepts the largest exact integer", () => {
    const s = spec('{"HostConfig":{"Memory":9007199254740991}}');
    expect(s.resources.memory?.value).toBe(Number.MAX_SAFE_INTEGER);
  });
});
