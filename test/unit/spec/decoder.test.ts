import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type DecodeContext,
  JsonInputError,
  bool,
  childPointer,
  escapePointerToken,
  int64,
  object,
  str,
} from "../../../src/spec/adapters/host-config.js";
import { specFromInspect } from "../../../src/spec/adapters/inspect.js";

const lenient: DecodeContext = { label: "doc", hint: "h", strictKeys: false };
const strict: DecodeContext = { ...lenient, strictKeys: true };

function thrown(f: () => unknown): JsonInputError {
  try {
    f();
  } catch (err) {
    if (err instanceof JsonInputError) return err;
    throw err;
  }
  throw new Error("no error");
}

describe("JSON pointers", () => {
  it.each([
    ["Privileged", "Privileged"],
    ["80/tcp", "80~1tcp"],
    ["a~b", "a~0b"],
    ["~/", "~0~1"],
    ["", ""],
  ])("escapes %j as %j", (token, escaped) => {
    expect(escapePointerToken(token)).toBe(escaped);
    expect(childPointer("/x", token)).toBe(`/x/${escaped}`);
  });
});

describe("object decoder", () => {
  const decode = object({ Privileged: bool, Memory: int64, "a/b": str });

  it.each([
    ["lenient", lenient],
    ["strict", strict],
  ])("decodes the shape's keys with their pointers (%s)", (_name, ctx) => {
    expect(
      decode({ Memory: 5, Unknown: { deep: 1 }, "a/b": "x", Privileged: null }, "/HostConfig", ctx),
    ).toEqual({
      Memory: { value: 5, pointer: "/HostConfig/Memory" },
      "a/b": { value: "x", pointer: "/HostConfig/a~1b" },
    });
  });

  it("reports the first wrong value in document order, not in the shape's", () => {
    const err = thrown(() => decode({ Memory: "5", Privileged: "yes" }, "/HostConfig", lenient));
    expect(err.pointer).toBe("/HostConfig/Memory");
    const other = thrown(() => decode({ Privileged: "yes", Memory: "5" }, "/HostConfig", lenient));
    expect(other.pointer).toBe("/HostConfig/Privileged");
  });

  it("reads own enumerable keys only, as Object.keys lists them", () => {
    const value: unknown = Object.create({ Privileged: true });
    Object.defineProperty(value, "Memory", { value: 1, enumerable: false });
    expect(decode(value, "", lenient)).toEqual({});
    expect(decode(value, "", strict)).toEqual({});
  });

  it("refuses a near-miss spelling only when strict", () => {
    expect(decode({ privileged: true }, "", lenient)).toEqual({});
    expect(thrown(() => decode({ privileged: true }, "", strict)).pointer).toBe("/privileged");
  });
});

describe("specFromInspect on many wrong fields", () => {
  it("names the first wrong field of HostConfig in the document's order", () => {
    const doc = JSON.parse(
      readFileSync(new URL("../../fixtures/inspect/privileged.json", import.meta.url), "utf8"),
    ) as { HostConfig: Record<string, unknown> };
    // Binds comes before Privileged in the daemon's output; Privileged before Binds in the shape
    const hostConfig = { ...doc.HostConfig, Binds: "not-a-list", Privileged: "yes" };
    const keys = Object.keys(hostConfig);
    expect(keys.indexOf("Binds")).toBeLessThan(keys.indexOf("Privileged"));
    const err = thrown(() => specFromInspect({ ...doc, HostConfig: hostConfig }));
    expect(err.pointer).toBe("/HostConfig/Binds");
  });
});
