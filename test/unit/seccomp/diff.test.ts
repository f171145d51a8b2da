import { describe, expect, it } from "vitest";
import { defaultProfile } from "../../../src/seccomp/default.js";
import {
  diffJson,
  diffProfiles,
  diffText,
  mutuallyExclusive,
  ruleShape,
  subsumes,
} from "../../../src/seccomp/diff.js";
import type { SeccompProfile, SeccompRule } from "../../../src/seccomp/profile.js";

const allow = (...names: string[]): SeccompRule => ({ names, action: "SCMP_ACT_ALLOW" });
const list = (...rules: SeccompRule[]): SeccompProfile => ({
  defaultAction: "SCMP_ACT_ERRNO",
  defaultErrnoRet: 1,
  syscalls: rules,
});

interface Case {
  title: string;
  a: SeccompProfile;
  b: SeccompProfile;
  /** name → change; {} when the profiles behave the same */
  want: Record<string, "added" | "removed" | "changed">;
  settings?: string[];
}

const CASES: Case[] = [
  {
    title: "same rules in another order and grouping",
    a: list(allow("read", "write"), allow("close")),
    b: list(allow("close", "write"), allow("read")),
    want: {},
  },
  {
    title: "an explicit EPERM rule that repeats the default",
    a: list(allow("read")),
    b: list(allow("read"), { names: ["ptrace"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }),
    want: {},
  },
  {
    title: "a conditional rule with the unconditional outcome",
    a: list(allow("read")),
    b: list(allow("read"), { ...allow("read"), includes: { caps: ["CAP_SYS_ADMIN"] } }),
    want: {},
  },
  {
    title: "a call allowed in B only",
    a: list(allow("read")),
    b: list(allow("read", "write")),
    want: { write: "added" },
  },
  {
    title: "a call allowed in A only",
    a: list(allow("read", "mount")),
    b: list(allow("read")),
    want: { mount: "removed" },
  },
  {
    title: "outright → under a capability",
    a: list(allow("mount")),
    b: list({ ...allow("mount"), includes: { caps: ["CAP_SYS_ADMIN"] } }),
    want: { mount: "changed" },
  },
  {
    title: "never → under an argument filter",
    a: list(),
    b: list({
      ...allow("socket"),
      args: [{ index: 0, value: 40n, valueTwo: 0n, op: "SCMP_CMP_NE" }],
    }),
    want: { socket: "added" },
  },
  {
    title: "another errno for a denied call",
    a: list({ names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 }),
    b: list(),
    want: { clone3: "changed" },
  },
  {
    title: "another default action",
    a: list(allow("read")),
    b: { ...list(allow("read")), defaultAction: "SCMP_ACT_KILL_PROCESS" },
    want: {},
    settings: ["default"],
  },
  {
    title: "defaultErrnoRet 1 written or not",
    a: list(allow("read")),
    b: { defaultAction: "SCMP_ACT_ERRNO", syscalls: [allow("read")] },
    want: {},
  },
  {
    title: "other architectures",
    a: { ...list(allow("read")), architectures: ["SCMP_ARCH_X86_64"] },
    b: {
      ...list(allow("read")),
      archMap: [{ architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86"] }],
    },
    want: {},
    settings: ["architectures"],
  },
];

describe("seccomp diff: effective behaviour", () => {
  it.each(CASES)("$title", ({ a, b, want, settings = [] }) => {
    const d = diffProfiles(a, b);
    expect(Object.fromEntries(d.syscalls.map((s) => [s.name, s.change]))).toEqual(want);
    expect(d.settings.map((s) => s.setting)).toEqual(settings);
    expect(d.equal).toBe(Object.keys(want).length === 0 && settings.length === 0);
  });

  it("is empty between Docker's default and itself", () => {
    expect(diffProfiles(defaultProfile(), defaultProfile()).equal).toBe(true);
  });

  it("says what each side does, conditions included", () => {
    const a = list(allow("read"));
    const b = list(
      allow("read", "write"),
      { ...allow("mount"), includes: { caps: ["CAP_SYS_ADMIN"] } },
      {
        names: ["clone3"],
        action: "SCMP_ACT_ERRNO",
        errnoRet: 38,
        excludes: { caps: ["CAP_SYS_ADMIN"] },
      },
    );
    const text = diffText(diffProfiles(a, b), "old.json", "new.json");
    expect(text).toContain("--- a: old.json\n+++ b: new.json\n");
    expect(text).toContain("+ write: SCMP_ACT_ERRNO(EPERM) (default action) → SCMP_ACT_ALLOW\n");
    expect(text).toContain(
      "+ mount\n    a: SCMP_ACT_ERRNO(EPERM) (default action)\n    b: SCMP_ACT_ERRNO(EPERM) (default action)\n       SCMP_ACT_ALLOW with CAP_SYS_ADMIN\n",
    );
    expect(text).toContain("SCMP_ACT_ERRNO(ENOSYS) without CAP_SYS_ADMIN");
    expect(text).toMatch(/2 added, 0 removed, 1 changed; settings changed: 0\n$/);
  });

  it("writes argument filters readably", () => {
    const text = diffText(diffProfiles(list(), defaultProfile()), "a", "b");
    expect(text).toContain(
      "SCMP_ACT_ALLOW when arg0 & 0x7e020000 == 0, without CAP_SYS_ADMIN, not on s390, s390x",
    );
    expect(text).toContain("SCMP_ACT_ALLOW when arg0 < 38");
    expect(text).toContain("SCMP_ACT_ALLOW when arg0 == 0xffffffff");
    expect(text).toContain("SCMP_ACT_ALLOW on kernel >= 4.8");
  });
});

describe("seccomp diff: JSON", () => {
  const d = diffProfiles(
    list(allow("read"), {
      names: ["ptrace"],
      action: "SCMP_ACT_ALLOW",
      includes: { minKernel: "4.8" },
    }),
    { ...list(allow("read", "write")), defaultAction: "SCMP_ACT_KILL_PROCESS" },
  );
  const doc = JSON.parse(diffJson(d, "a.json", "b.json")) as Record<string, unknown>;

  it("has a fixed shape and key order", () => {
    expect(Object.keys(doc)).toEqual(["a", "b", "equal", "summary", "settings", "syscalls"]);
    expect(doc.summary).toEqual({ added: 1, removed: 1, changed: 0 });
    expect(doc.settings).toEqual([
      { setting: "default", a: "SCMP_ACT_ERRNO(EPERM)", b: "SCMP_ACT_KILL_PROCESS" },
    ]);
  });

  it("lists syscalls sorted, each side with its outcome and conditional rules", () => {
    expect(doc.syscalls).toEqual([
      {
        name: "ptrace",
        change: "removed",
        a: {
          action: "SCMP_ACT_ERRNO",
          errnoRet: 1,
          from: "default",
          conditional: [
            {
              action: "SCMP_ACT_ALLOW",
              args: [],
              includes: { minKernel: "4.8" },
              text: "SCMP_ACT_ALLOW on kernel >= 4.8",
            },
          ],
        },
        b: { action: "SCMP_ACT_KILL_PROCESS", from: "default", conditional: [] },
      },
      {
        name: "write",
        change: "added",
        a: { action: "SCMP_ACT_ERRNO", errnoRet: 1, from: "default", conditional: [] },
        b: { action: "SCMP_ACT_ALLOW", from: "rule", conditional: [] },
      },
    ]);
  });

  it("writes uint64 argument values as exact decimal strings", () => {
    const big = 18446744073709551615n;
    const dd = diffProfiles(
      list(),
      list({
        ...allow("personality"),
        args: [{ index: 0, value: big, valueTwo: 0n, op: "SCMP_CMP_EQ" }],
      }),
    );
    expect(diffJson(dd, "a", "b")).toContain('"value": "18446744073709551615"');
  });
});

describe("seccomp diff: reasoning about Docker's conditions", () => {
  const shape = (r: Partial<SeccompRule>) => ruleShape({ ...allow("x"), ...r });

  it.each([
    ["no condition covers a capability", {}, { includes: { caps: ["CAP_SYS_ADMIN"] } }, true],
    ["a capability does not cover none", { includes: { caps: ["CAP_SYS_ADMIN"] } }, {}, false],
    [
      "fewer excluded arches cover more",
      { excludes: { arches: ["s390"] } },
      { excludes: { arches: ["s390", "s390x"] } },
      true,
    ],
    [
      "an older minimum kernel covers a newer one",
      { includes: { minKernel: "4.8" } },
      { includes: { minKernel: "5.10" } },
      true,
    ],
    [
      "a newer minimum does not cover an older one",
      { includes: { minKernel: "5.10" } },
      { includes: { minKernel: "4.8" } },
      false,
    ],
    [
      "other arguments never cover",
      { args: [{ index: 0, value: 1n, valueTwo: 0n, op: "SCMP_CMP_EQ" as const }] },
      {},
      false,
    ],
  ])("subsumes: %s", (_t, a, b, want) => {
    expect(subsumes(shape(a), shape(b))).toBe(want);
  });

  it.each([
    [
      "with and without one capability",
      { includes: { caps: ["CAP_SYS_ADMIN"] } },
      { excludes: { caps: ["CAP_SYS_ADMIN"] } },
      true,
    ],
    [
      "two capabilities",
      { includes: { caps: ["CAP_SYS_ADMIN"] } },
      { includes: { caps: ["CAP_BPF"] } },
      false,
    ],
    [
      "disjoint arches",
      { includes: { arches: ["amd64"] } },
      { includes: { arches: ["s390x"] } },
      true,
    ],
    [
      "arches excluded by the other",
      { includes: { arches: ["s390", "s390x"] } },
      { excludes: { arches: ["s390", "s390x"] } },
      true,
    ],
    [
      "kernel at least and below one version",
      { includes: { minKernel: "4.8" } },
      { excludes: { minKernel: "4.8" } },
      true,
    ],
    ["no conditions", {}, {}, false],
  ])("mutually exclusive: %s", (_t, a, b, want) => {
    expect(mutuallyExclusive(shape(a), shape(b))).toBe(want);
  });
});
