import { describe, expect, it } from "vitest";
import {
  arrayLength,
  embed,
  fieldsViaEmbeddedPointer,
  go,
  isStrSlice,
  struct,
  structName,
} from "../../../../src/guard/canonical/go-types.js";
import { OPERATIONS } from "../../../../src/guard/canonical/operations.js";
import {
  containerConfig,
  containerCreate,
  hostConfig,
} from "../../../../src/guard/canonical/schemas/container.js";
import type { GoType } from "../../../../src/json/decode.js";
import { goFold } from "../../../../src/json/fold.js";
import { HOST_CONFIG_FIELDS } from "../../../../src/spec/adapters/request.js";

/** Every struct reachable from the operations, with a path that reaches it. */
function structs(): Map<GoType & { kind: "struct" }, string> {
  const seen = new Map<GoType & { kind: "struct" }, string>();
  const visit = (t: GoType, path: string): void => {
    switch (t.kind) {
      case "struct":
        if (seen.has(t)) return;
        seen.set(t, path);
        for (const [name, f] of Object.entries(t.fields)) visit(f, `${path}/${name}`);
        return;
      case "ptr":
      case "slice":
      case "map":
        visit(t.elem, `${path}/*`);
        return;
      default:
        return;
    }
  };
  for (const [op, { type }] of Object.entries(OPERATIONS)) visit(type, op);
  return seen;
}

/** Paths of the fields of `t` (one level of structs deep through pointers) that satisfy `is`. */
function fieldsWhere(t: GoType & { kind: "struct" }, is: (f: GoType) => boolean): string[] {
  return Object.entries(t.fields)
    .filter(([, f]) => is(f) || (f.kind === "ptr" && is(f.elem)))
    .map(([name]) => name);
}

describe("schemas", () => {
  it("name every struct, in ASCII, with no two fields that Go's folding could confuse", () => {
    const all = structs();
    expect(all.size).toBeGreaterThan(80);
    for (const [t, path] of all) {
      expect(structName(t), path).toBeDefined();
      const names = Object.keys(t.fields);
      for (const name of names) expect(name, `${path}/${name}`).toMatch(/^[A-Za-z0-9]+$/);
      // distinct folds: which field a folded key selects cannot depend on field order
      expect(new Set(names.map(goFold)).size, path).toBe(names.length);
    }
  });

  it("model strslice.StrSlice exactly where moby uses it", () => {
    expect(fieldsWhere(containerCreate, isStrSlice)).toEqual([
      "Cmd",
      "Entrypoint",
      "Shell",
      "CapAdd",
      "CapDrop",
    ]);
    expect(fieldsWhere(hostConfig, isStrSlice)).toEqual(["CapAdd", "CapDrop"]);
  });

  it("model the [2]uint console sizes as fixed arrays", () => {
    const sized = (t: GoType & { kind: "struct" }) => fieldsWhere(t, (f) => arrayLength(f) === 2);
    expect(sized(hostConfig)).toEqual(["ConsoleSize"]);
    expect(sized(OPERATIONS.ContainerExec.type)).toEqual(["ConsoleSize"]);
    expect(sized(OPERATIONS.ExecStart.type)).toEqual(["ConsoleSize"]);
  });
});

describe("the create wrapper (runconfig.ContainerConfigWrapper)", () => {
  const top = Object.keys(containerCreate.fields);
  const viaPointer = fieldsViaEmbeddedPointer(containerCreate);

  it("promotes every Config and HostConfig field (Resources included) to the top level", () => {
    for (const name of [
      ...Object.keys(containerConfig.fields),
      ...Object.keys(hostConfig.fields),
    ]) {
      expect(top, name).toContain(name);
      expect(viaPointer.has(name), name).toBe(true);
    }
    expect(viaPointer.has("Memory")).toBe(true);
  });

  it("keeps its own fields apart: the inner HostConfig, Cpuset, NetworkingConfig", () => {
    for (const name of ["HostConfig", "Cpuset", "NetworkingConfig"]) {
      expect(top).toContain(name);
      expect(viaPointer.has(name)).toBe(false);
    }
    expect(top).not.toContain("Config");
    expect(top).not.toContain("LegacyHostConfig");
    expect(top).not.toContain("Resources");
  });

  it("covers every HostConfig field the request adapter knows as legacy", () => {
    for (const name of HOST_CONFIG_FIELDS) expect(Object.keys(hostConfig.fields)).toContain(name);
  });
});

describe("struct: Go's rules for embedded structs", () => {
  const inner = struct("Inner", { A: go.string, B: go.int });

  it("promotes fields in declaration order, and the shallower of two names wins", () => {
    const outer = struct("Outer", { X: go.bool, Inner: embed(inner), B: go.string });
    expect(Object.keys(outer.fields)).toEqual(["X", "A", "B"]);
    expect(outer.fields.B).toBe(go.string);
    expect([...fieldsViaEmbeddedPointer(outer)]).toEqual([]);
  });

  it("remembers fields reached through an embedded pointer, at any depth", () => {
    const middle = struct("Middle", { Inner: embed(inner), C: go.bool });
    const outer = struct("Outer", { Middle: embed(middle, { pointer: true }), D: go.bool });
    expect(Object.keys(outer.fields)).toEqual(["A", "B", "C", "D"]);
    expect([...fieldsViaEmbeddedPointer(outer)]).toEqual(["A", "B", "C"]);
  });

  it("refuses two fields of one name at one depth (Go would drop both)", () => {
    const other = struct("Other", { A: go.bool });
    expect(() => struct("Both", { Inner: embed(inner), Other: embed(other) })).toThrow(
      /two fields named A/,
    );
  });
});
