import { describe, expect, it } from "vitest";
import {
  canonicalise,
  type OperationName,
  type RefusalCode,
} from "../../../../src/guard/canonical/canonicalise.js";
import { decodeGo } from "../../../../src/json/decode.js";
import { parseJson } from "../../../../src/json/parse.js";
import { OPERATIONS } from "../../../../src/guard/canonical/operations.js";

interface Accepted {
  name: string;
  op?: OperationName;
  body: string;
  /** the exact canonical body */
  canonical: string;
  /** the notes, each matched as a substring, in order */
  notes?: string[];
}

interface Refused {
  name: string;
  op?: OperationName;
  body: string;
  code: RefusalCode;
  /** the client's spelling */
  pointer: string;
  at?: [line: number, column: number];
}

function run(op: OperationName | undefined, body: string) {
  return canonicalise(op ?? "ContainerCreate", body);
}

const ACCEPTED: Accepted[] = [
  // ── spelling ──────────────────────────────────────────────────────────────────────────────
  {
    name: "a key matching by ASCII case folding is renamed to the field",
    body: '{"HostConfig":{"privileged":true}}',
    canonical: '{"HostConfig":{"Privileged":true}}',
    notes: ["/HostConfig/privileged: read as Privileged"],
  },
  {
    name: "exec Privileged spelled PRIVILEGED",
    op: "ContainerExec",
    body: '{"PRIVILEGED":true,"cmd":["sh"]}',
    canonical: '{"Privileged":true,"Cmd":["sh"]}',
    notes: ["/PRIVILEGED: read as Privileged", "/cmd: read as Cmd"],
  },
  {
    name: "a \\u escape in a key decodes to the plain key: matched like any key, no note",
    body: '{"HostConfig":{"Privil\\u0065ged":true}}',
    canonical: '{"HostConfig":{"Privileged":true}}',
    notes: [],
  },
  {
    name: "dotless ı does not fold to i in Go: an unknown key, dropped",
    body: '{"HostConfig":{"Prıvileged":true}}',
    canonical: '{"HostConfig":{}}',
    notes: ["/HostConfig/Prıvileged: dropped"],
  },
  {
    name: "a key with a NUL is another key: dropped",
    body: '{"HostConfig":{"Privileged\\u0000":true}}',
    canonical: '{"HostConfig":{}}',
    notes: ["/HostConfig/Privileged\u0000: dropped"],
  },
  {
    name: "map keys are exact: Labels a and A are two labels, a NUL key is kept",
    body: '{"Labels":{"a":"1","A":"2","\\u0000":"3"}}',
    canonical: '{"Labels":{"a":"1","A":"2","\\u0000":"3"}}',
    notes: [],
  },
  {
    name: "map keys are not renamed: a DriverConfig option O is not o",
    body: '{"HostConfig":{"Mounts":[{"Type":"volume","Target":"/v","VolumeOptions":{"DriverConfig":{"Options":{"O":"bind","device":"/"}}}}]}}',
    canonical:
      '{"HostConfig":{"Mounts":[{"Type":"volume","Target":"/v","VolumeOptions":{"DriverConfig":{"Options":{"O":"bind","device":"/"}}}}]}}',
    notes: [],
  },
  // ── unknown fields ─────────────────────────────────────────────────────────────────────────
  {
    name: "unknown keys are dropped at every depth, whatever they hold",
    body: '{"Image":"b","Foo":{"Privileged":true},"HostConfig":{"Bar":[1],"Privileged":false}}',
    canonical: '{"Image":"b","HostConfig":{"Privileged":false}}',
    notes: ["/Foo: dropped", "/HostConfig/Bar: dropped"],
  },
  {
    name: "an embedded struct's type name is no key (update: Resources)",
    op: "ContainerUpdate",
    body: '{"Resources":{"Memory":1},"memory":-1,"PidsLimit":0,"CpuQuota":-1}',
    canonical: '{"Memory":-1,"PidsLimit":0,"CpuQuota":-1}',
    notes: ["/Resources: dropped", "/memory: read as Memory"],
  },
  {
    name: "fields of a struct{} value (Volumes) are unknown",
    body: '{"Volumes":{"/data":{"x":1}}}',
    canonical: '{"Volumes":{"/data":{}}}',
    notes: ["/Volumes/~1data/x: dropped"],
  },
  // ── StrSlice and fixed arrays ──────────────────────────────────────────────────────────────
  {
    name: "CapAdd as a string is a one-element list (strslice.StrSlice)",
    body: '{"HostConfig":{"CapAdd":"SYS_ADMIN","CapDrop":null}}',
    canonical: '{"HostConfig":{"CapAdd":["SYS_ADMIN"],"CapDrop":null}}',
  },
  {
    name: "Cmd and Entrypoint as strings",
    body: '{"Cmd":"echo hi","Entrypoint":"sh"}',
    canonical: '{"Cmd":["echo hi"],"Entrypoint":["sh"]}',
  },
  {
    name: "a [2]uint keeps two elements; Go skips the third without decoding it",
    body: '{"HostConfig":{"ConsoleSize":[24,80,"x"]}}',
    canonical: '{"HostConfig":{"ConsoleSize":[24,80]}}',
    notes: ["/HostConfig/ConsoleSize: kept the first 2 of 3 elements"],
  },
  {
    name: "a short [2]uint is padded, and null leaves the zero array",
    body: '{"HostConfig":{"ConsoleSize":[24]},"ConsoleSize":null}',
    canonical: '{"HostConfig":{"ConsoleSize":[24,0]},"ConsoleSize":[0,0]}',
  },
  {
    name: "exec ConsoleSize is a *[2]uint: null stays nil",
    op: "ContainerExec",
    body: '{"ConsoleSize":null,"Cmd":["sh"]}',
    canonical: '{"ConsoleSize":null,"Cmd":["sh"]}',
  },
  // ── null ───────────────────────────────────────────────────────────────────────────────────
  {
    name: "null for a scalar or struct field is as if absent; for a pointer, slice or map it is nil",
    body: '{"HostConfig":{"Privileged":null,"RestartPolicy":null,"Init":null,"Binds":null,"Tmpfs":null}}',
    canonical: '{"HostConfig":{"Init":null,"Binds":null,"Tmpfs":null}}',
  },
  {
    name: "null elements of value lists are zero values",
    body: '{"HostConfig":{"Binds":[null],"Mounts":[null]},"Labels":{"a":null}}',
    canonical: '{"HostConfig":{"Binds":[""],"Mounts":[{}]},"Labels":{"a":""}}',
  },
  {
    name: "a null HostConfig is kept (nil), so the legacy top-level fields apply",
    body: '{"HostConfig":null,"Privileged":true}',
    canonical: '{"HostConfig":null,"Privileged":true}',
  },
  {
    name: "a top-level null still allocates the embedded legacy HostConfig: kept",
    body: '{"Image":"b","Privileged":null,"Memory":null}',
    canonical: '{"Image":"b","Privileged":null,"Memory":null}',
  },
  {
    name: "the body null decodes to nothing",
    body: "null",
    canonical: "{}",
  },
  // ── legacy wrapper fields ──────────────────────────────────────────────────────────────────
  {
    name: "top-level Binds without a HostConfig are kept where they are",
    body: '{"Image":"b","Binds":["/:/host"]}',
    canonical: '{"Image":"b","Binds":["/:/host"]}',
  },
  {
    name: "top-level Privileged beside a HostConfig is kept (the adapter knows it is ignored)",
    body: '{"Privileged":true,"HostConfig":{"Privileged":false},"Cpuset":"0"}',
    canonical: '{"Privileged":true,"HostConfig":{"Privileged":false},"Cpuset":"0"}',
  },
  // ── numbers ────────────────────────────────────────────────────────────────────────────────
  {
    name: "int64 extremes are exact",
    body: '{"HostConfig":{"Memory":9223372036854775807,"MemorySwap":-9223372036854775808}}',
    canonical: '{"HostConfig":{"Memory":9223372036854775807,"MemorySwap":-9223372036854775808}}',
  },
  {
    name: "-0 is 0 for a signed int",
    body: '{"HostConfig":{"Memory":-0}}',
    canonical: '{"HostConfig":{"Memory":0}}',
  },
  {
    name: "uint64 maximum",
    body: '{"HostConfig":{"IOMaximumBandwidth":18446744073709551615}}',
    canonical: '{"HostConfig":{"IOMaximumBandwidth":18446744073709551615}}',
  },
  // ── nested options ─────────────────────────────────────────────────────────────────────────
  {
    name: "a volume mount with local-driver bind options, keys folded at every struct level",
    body: '{"HostConfig":{"mounts":[{"type":"volume","Target":"/v","volumeOptions":{"driverConfig":{"Name":"local","Options":{"type":"none","o":"bind","device":"/"}}}}]}}',
    canonical:
      '{"HostConfig":{"Mounts":[{"Type":"volume","Target":"/v","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"none","o":"bind","device":"/"}}}}]}}',
    notes: [
      "/HostConfig/mounts: read as Mounts",
      "/HostConfig/mounts/0/type: read as Type",
      "/HostConfig/mounts/0/volumeOptions: read as VolumeOptions",
      "/HostConfig/mounts/0/volumeOptions/driverConfig: read as DriverConfig",
    ],
  },
  {
    name: "a service with CredentialSpec, CapabilityAdd and a seccomp profile",
    op: "ServiceCreate",
    body: '{"Name":"s","TaskTemplate":{"ContainerSpec":{"Image":"b","capabilityAdd":["CAP_SYS_ADMIN"],"Privileges":{"CredentialSpec":{"File":"x.json"},"Seccomp":{"Mode":"custom","Profile":"e30="}},"Sysctls":{"a":"1","A":"2"}}}}',
    canonical:
      '{"Name":"s","TaskTemplate":{"ContainerSpec":{"Image":"b","CapabilityAdd":["CAP_SYS_ADMIN"],"Privileges":{"CredentialSpec":{"File":"x.json"},"Seccomp":{"Mode":"custom","Profile":"e30="}},"Sysctls":{"a":"1","A":"2"}}}}',
    notes: ["/TaskTemplate/ContainerSpec/capabilityAdd: read as CapabilityAdd"],
  },
  {
    name: "a service's protobuf-generated PluginSpec has lower-case names",
    op: "ServiceCreate",
    body: '{"TaskTemplate":{"PluginSpec":{"Name":"p","privileges":[{"name":"network","value":["host"]}]}}}',
    canonical:
      '{"TaskTemplate":{"PluginSpec":{"name":"p","privileges":[{"name":"network","value":["host"]}]}}}',
    notes: ["/TaskTemplate/PluginSpec/Name: read as name"],
  },
  {
    name: "plugin privileges: a list of structs",
    op: "PluginPull",
    body: '[{"Name":"network","Value":["host"]},{"name":"mount","value":["/"]}]',
    canonical: '[{"Name":"network","Value":["host"]},{"Name":"mount","Value":["/"]}]',
  },
  {
    name: "volume create with bind options",
    op: "VolumeCreate",
    body: '{"Name":"v","DriverOpts":{"type":"none","o":"bind","device":"/"},"driver":"local"}',
    canonical: '{"Name":"v","DriverOpts":{"type":"none","o":"bind","device":"/"},"Driver":"local"}',
  },
  {
    name: "whitespace, any order, is re-serialised compactly in the client's field order",
    body: ' {\n\t"HostConfig" : { "Privileged" : true } ,\r\n "Image" : "b" }\n',
    canonical: '{"HostConfig":{"Privileged":true},"Image":"b"}',
  },
];

const REFUSED: Refused[] = [
  // ── duplicates, at any depth ───────────────────────────────────────────────────────────────
  {
    name: "Privileged and privileged select one field",
    body: '{"HostConfig":{"Privileged":false,"privileged":true}}',
    code: "duplicate",
    pointer: "/HostConfig/privileged",
    at: [1, 35],
  },
  {
    name: "two HostConfig objects (Go would merge them)",
    body: '{"HostConfig":{"Privileged":false},"HostConfig":{"Privileged":true}}',
    code: "duplicate",
    pointer: "/HostConfig",
  },
  {
    name: "HostConfig and hostconfig",
    body: '{"HostConfig":{},"hostconfig":{"Privileged":true}}',
    code: "duplicate",
    pointer: "/hostconfig",
  },
  {
    name: "a repeated legacy top-level field",
    body: '{"Privileged":false,"PRIVILEGED":true}',
    code: "duplicate",
    pointer: "/PRIVILEGED",
  },
  {
    name: "a repeated label",
    body: '{"Labels":{"a":"1","a":"2"}}',
    code: "duplicate",
    pointer: "/Labels/a",
  },
  {
    name: "a repeated key deep inside mount options",
    body: '{"HostConfig":{"Mounts":[{"Type":"volume","Target":"/v","VolumeOptions":{"DriverConfig":{"Options":{"o":"ro","o":"bind"}}}}]}}',
    code: "duplicate",
    pointer: "/HostConfig/Mounts/0/VolumeOptions/DriverConfig/Options/o",
  },
  {
    name: "a repeated field inside a list element",
    op: "PluginUpgrade",
    body: '[{"Name":"network","NAME":"mount"}]',
    code: "duplicate",
    pointer: "/0/NAME",
  },
  {
    name: "a service ContainerSpec given twice",
    op: "ServiceUpdate",
    body: '{"TaskTemplate":{"ContainerSpec":{"Image":"a"},"containerspec":{"Privileges":{}}}}',
    code: "duplicate",
    pointer: "/TaskTemplate/containerspec",
  },
  // ── non-ASCII folding ──────────────────────────────────────────────────────────────────────
  {
    name: "ſecurityOpt (U+017F) folds to SecurityOpt only in Unicode",
    body: '{"HostConfig":{"ſecurityOpt":["seccomp=unconfined"]}}',
    code: "unicode-fold",
    pointer: "/HostConfig/ſecurityOpt",
    at: [1, 16],
  },
  {
    name: "the Kelvin sign folds to k",
    body: '{"HostConfig":{"\\u212aernelMemory":1}}',
    code: "unicode-fold",
    pointer: "/HostConfig/\u212aernelMemory",
  },
  {
    name: "ſ in an exec body",
    op: "ContainerExec",
    body: '{"Privileged":false,"Cmd":["sh"],"Uſer":"root"}',
    code: "unicode-fold",
    pointer: "/Uſer",
  },
  // ── types and ranges ───────────────────────────────────────────────────────────────────────
  {
    name: "an int64 one past the maximum",
    body: '{"HostConfig":{"Memory":9223372036854775808}}',
    code: "range",
    pointer: "/HostConfig/Memory",
  },
  {
    name: "1e3 is not an integer literal",
    body: '{"HostConfig":{"Memory":1e3}}',
    code: "type",
    pointer: "/HostConfig/Memory",
  },
  {
    name: "1.0 is not an integer literal",
    body: '{"HostConfig":{"CpuShares":1.0}}',
    code: "type",
    pointer: "/HostConfig/CpuShares",
  },
  {
    name: "-0 for an unsigned int",
    body: '{"HostConfig":{"BlkioWeight":-0}}',
    code: "range",
    pointer: "/HostConfig/BlkioWeight",
  },
  {
    name: "65536 for a uint16",
    body: '{"HostConfig":{"BlkioWeight":65536}}',
    code: "range",
    pointer: "/HostConfig/BlkioWeight",
  },
  {
    name: "a string for a bool",
    body: '{"HostConfig":{"Privileged":"true"}}',
    code: "type",
    pointer: "/HostConfig/Privileged",
  },
  {
    name: "a number inside a StrSlice",
    body: '{"HostConfig":{"CapAdd":["SYS_ADMIN",1]}}',
    code: "type",
    pointer: "/HostConfig/CapAdd/1",
  },
  {
    name: "an object for a StrSlice",
    body: '{"HostConfig":{"CapAdd":{"0":"SYS_ADMIN"}}}',
    code: "type",
    pointer: "/HostConfig/CapAdd",
  },
  {
    name: "Healthcheck.Test is a plain []string, not a StrSlice",
    body: '{"Healthcheck":{"Test":"CMD true"}}',
    code: "type",
    pointer: "/Healthcheck/Test",
  },
  {
    name: "a list for the whole create body",
    body: "[]",
    code: "type",
    pointer: "",
    at: [1, 1],
  },
  {
    name: "a string for plugin set arguments",
    op: "PluginSet",
    body: '"DEBUG=1"',
    code: "type",
    pointer: "",
  },
  {
    name: "base64 without padding for a secret",
    op: "SecretCreate",
    body: '{"Name":"s","Data":"eA"}',
    code: "type",
    pointer: "/Data",
  },
  {
    name: "a float32 that overflows",
    op: "ServiceCreate",
    body: '{"UpdateConfig":{"MaxFailureRatio":1e39}}',
    code: "range",
    pointer: "/UpdateConfig/MaxFailureRatio",
  },
  // ── nil elements ───────────────────────────────────────────────────────────────────────────
  {
    name: "Ulimits: [null] (panics dockerd 20.10)",
    body: '{"HostConfig":{"Ulimits":[null]}}',
    code: "nil-element",
    pointer: "/HostConfig/Ulimits/0",
  },
  {
    name: "a nil endpoint",
    body: '{"NetworkingConfig":{"EndpointsConfig":{"bridge":null}}}',
    code: "nil-element",
    pointer: "/NetworkingConfig/EndpointsConfig/bridge",
  },
  {
    name: "a nil secret reference in a service",
    op: "ServiceCreate",
    body: '{"TaskTemplate":{"ContainerSpec":{"Secrets":[null]}}}',
    code: "nil-element",
    pointer: "/TaskTemplate/ContainerSpec/Secrets/0",
  },
  // ── syntax ─────────────────────────────────────────────────────────────────────────────────
  {
    name: "a second JSON value after the first",
    body: '{"Image":"a"} {"HostConfig":{"Privileged":true}}',
    code: "syntax",
    pointer: "",
    at: [1, 15],
  },
  {
    name: "a byte order mark",
    body: '\ufeff{"Image":"a"}',
    code: "syntax",
    pointer: "",
  },
  {
    name: "whitespace only",
    body: " ",
    code: "syntax",
    pointer: "",
  },
  {
    name: "a trailing comma",
    body: '{"Image":"a",}',
    code: "syntax",
    pointer: "",
  },
];

describe("canonicalise: accepted bodies", () => {
  it.each(ACCEPTED)("$name", ({ op, body, canonical, notes }) => {
    const c = run(op, body);
    if (!c.ok) throw new Error(c.message);
    expect(c.body.toString("utf8")).toBe(canonical);
    if (notes !== undefined) {
      expect(c.notes).toHaveLength(notes.length);
      notes.forEach((n, i) => {
        expect(c.notes[i]).toContain(n);
      });
    }
  });
});

describe("canonicalise: refused bodies", () => {
  it.each(REFUSED)("$name", ({ op, body, code, pointer, at }) => {
    const c = run(op, body);
    if (c.ok) throw new Error(`accepted: ${c.body.toString()}`);
    expect(c).toMatchObject({ ok: false, status: 400, code, pointer });
    if (at !== undefined) expect([c.pos?.line, c.pos?.column]).toEqual(at);
  });
});

describe("canonicalise: the result", () => {
  it("says where and what in the message, and how many more problems there are", () => {
    const c = canonicalise(
      "ContainerCreate",
      '{\n  "HostConfig": {"Memory": "1g", "Privileged": 1, "privileged": true}\n}',
    );
    if (c.ok) throw new Error("accepted");
    expect(c.pointer).toBe("/HostConfig/Memory");
    expect(c.message).toMatch(
      /^\/HostConfig\/Memory \(line 2, column 28\): a string cannot be decoded into Go int64 \(and 2 more problems\)$/,
    );
  });

  it("maps canonical pointers to where the client wrote the value", () => {
    const c = canonicalise(
      "ContainerCreate",
      '{"HostConfig":\n {"privileged": true, "CapAdd": "ALL"}}',
    );
    if (!c.ok) throw new Error(c.message);
    expect(c.locate("/HostConfig/Privileged")).toEqual({ offset: 31, line: 2, column: 17 });
    expect(c.locate("/HostConfig/CapAdd/0")).toEqual({ offset: 47, line: 2, column: 33 });
    expect(c.locate("/HostConfig")?.offset).toBe(16);
    expect(c.locate("")?.offset).toBe(0);
    for (const absent of ["/HostConfig/privileged", "/HostConfig/CapAdd/1", "/Image", "x"]) {
      expect(c.locate(absent), absent).toBeUndefined();
    }
  });

  it("forwards nothing for an empty body", () => {
    const c = canonicalise("ContainerStart", "");
    expect(c).toMatchObject({ ok: true, value: null, body: Buffer.alloc(0) });
  });

  it("reads back its own output as the same value", () => {
    const body =
      '{"UpdateConfig":{"MaxFailureRatio":0.1,"Delay":1000000000},"TaskTemplate":{"ContainerSpec":{"Privileges":{"Seccomp":{"Profile":"eyJkZWZhdWx0QWN0aW9uIjoiU0NNUF9BQ1RfQUxMT1cifQ=="}}}}}';
    const first = canonicalise("ServiceCreate", body);
    if (!first.ok) throw new Error(first.message);
    // a float32 is written with float64 digits; read back as float32 it is the same number
    expect(first.body.toString()).toContain('"MaxFailureRatio":0.10000000149011612');
    const second = canonicalise("ServiceCreate", first.body.toString());
    if (!second.ok) throw new Error(second.message);
    expect(second.value).toEqual(first.value);
    expect(second.body.toString()).toBe(first.body.toString());
  });

  it("refuses an unknown operation as a programming error", () => {
    expect(() => canonicalise("ContainerDelete" as OperationName, "{}")).toThrow(TypeError);
  });
});

describe("canonicalise: deep nesting", () => {
  const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

  it("refuses typed values nested deeper than their type, without recursing into them", () => {
    // 2 objects + 9998 arrays: Go's limit of 10000 levels exactly
    const c = canonicalise("ContainerCreate", `{"HostConfig":{"Binds":${nested(9998)}}}`);
    expect(c).toMatchObject({ ok: false, code: "type", pointer: "/HostConfig/Binds/0" });
  });

  it("drops a deep unknown value", () => {
    const c = canonicalise("ContainerCreate", `{"Junk":${nested(9999)},"Image":"b"}`);
    expect(c).toMatchObject({ ok: true, notes: ["/Junk: dropped, no such field"] });
  });

  it("refuses nesting beyond Go's 10000 levels", () => {
    const c = canonicalise("ContainerCreate", `{"Junk":${nested(10000)}}`);
    expect(c).toMatchObject({ ok: false, code: "syntax", pointer: "" });
    if (!c.ok) expect(c.message).toContain("exceeded max depth");
  });
});

describe("canonicalise: every operation", () => {
  it.each(Object.keys(OPERATIONS) as OperationName[])("%s decodes its zero value", (op) => {
    const type = OPERATIONS[op].type;
    const empty = type.kind === "slice" ? "[]" : "{}";
    const c = canonicalise(op, empty);
    if (!c.ok) throw new Error(c.message);
    expect(c.body.toString()).toBe(empty);
    expect(decodeGo(parseJson(empty), type).issues).toEqual([]);
  });
});
