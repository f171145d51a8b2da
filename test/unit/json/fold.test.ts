import { describe, expect, it } from "vitest";

import { escapePointerToken, goFold, pointerOf } from "../../../src/json/fold.js";
import { FOLD_RUNS } from "../../../src/json/fold-table.js";

describe("goFold", () => {
  it.each([
    ["SecurityOpt", "securityopt"],
    ["SecurityOpt", "SECURITYOPT"],
    ["SecurityOpt", "ſecurityOpt"],
    ["SecurityOpt", "ſECURITYOPT"],
    ["kernel", "\u212Aernel"],
    ["KernelMemory", "\u212aERNELMEMORY"],
    ["straße", "STRAẞE"],
    ["σίσυφος", "ΣΊΣΥΦΟΣ"],
    ["σ", "ς"],
    ["Ω", "\u2126"], // ohm sign
    ["Å", "\u212b"], // angstrom sign
    ["µ", "Μ"], // micro sign and Greek capital mu share an orbit with μ
    ["😀", "😀"],
  ])("%j and %j select the same field", (a, b) => {
    expect(goFold(a)).toBe(goFold(b));
  });

  it.each([
    ["Image", "ımage"], // dotless i is not i
    ["Image", "İmage"], // nor is dotted capital I
    ["strasse", "straße"], // simple folding never expands ß
    ["Binds", "Binds "],
    ["Cmd", "Ｃｍｄ"], // fullwidth letters fold among themselves only
    ["a", "á"],
    ["ff", "ﬀ"], // ligatures do not fold to their letters
  ])("%j and %j do not", (a, b) => {
    expect(goFold(a)).not.toBe(goFold(b));
  });

  it("folds fullwidth letters with each other", () => {
    expect(goFold("Ｃｍｄ")).toBe(goFold("ｃＭＤ"));
  });

  it("keeps lone surrogates as they are", () => {
    expect(goFold("a\ud800")).toBe("A\ud800");
  });

  it("maps each rune to the smallest member of its orbit", () => {
    for (const [start, count, stride, delta] of FOLD_RUNS) {
      expect(count).toBeGreaterThan(0);
      expect(delta).toBeLessThan(0);
      const last = start + (count - 1) * stride;
      expect(goFold(String.fromCodePoint(last))).toBe(String.fromCodePoint(last + delta));
      // the representative is its own representative
      expect(goFold(String.fromCodePoint(start + delta))).toBe(String.fromCodePoint(start + delta));
    }
  });
});

describe("JSON pointers", () => {
  it.each<[(string | number)[], string]>([
    [[], ""],
    [[""], "/"],
    [["HostConfig", "Binds", 0], "/HostConfig/Binds/0"],
    [["Labels", "a/b"], "/Labels/a~1b"],
    [["Labels", "~1"], "/Labels/~01"],
    [["Sysctls", "net.ipv4.ip_forward"], "/Sysctls/net.ipv4.ip_forward"],
  ])("%j is %j", (path, pointer) => {
    expect(pointerOf(path)).toBe(pointer);
  });

  it("escapes ~ before / so that ~1 in a key stays a key", () => {
    expect(escapePointerToken("~/")).toBe("~0~1");
  });
});
