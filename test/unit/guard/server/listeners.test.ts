import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveGroup } from "../../../../src/guard/server/listeners.js";

describe("resolveGroup", () => {
  const file = join(mkdtempSync(join(tmpdir(), "dw-group-")), "group");
  writeFileSync(file, "root:x:0:\ndocker:x:998:alice,bob\nweird:x:notanumber:\n");

  it.each([
    ["docker", 998],
    ["root", 0],
    [5, 5],
    ["1234", 1234],
  ] as const)("%s → %d", (group, gid) => {
    expect(resolveGroup(group, file)).toBe(gid);
  });

  it.each([
    ["nobody-here", /no group "nobody-here"/],
    ["weird", /no group "weird"/],
    [-1, /invalid group id/],
  ] as const)("refuses %s", (group, why) => {
    expect(() => resolveGroup(group, file)).toThrow(why);
  });
});
