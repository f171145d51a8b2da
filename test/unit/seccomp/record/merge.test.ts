import { describe, expect, it } from "vitest";
import { serializeProfile } from "../../../../src/seccomp/profile.js";
import {
  buildProfile,
  loggingProfile,
  mergeRuns,
  nameSyscall,
  profileArchitectures,
  syscallsOfRun,
} from "../../../../src/seccomp/record/merge.js";

describe("nameSyscall", () => {
  it.each([
    ["c000003e", 59, "x86_64", "execve"],
    ["c000003e", 257, "x86_64", "openat"],
    // a 32-bit process on x86_64: the i386 table (102 = socketcall there, getuid on x86_64)
    ["40000003", 102, "x86", "socketcall"],
    // x32: the x86_64 audit arch with X32_SYSCALL_BIT in the number
    ["c000003e", 0x40000000 + 520, "x32", "execve"],
    ["c00000b7", 221, "aarch64", "execve"],
  ])("arch %s number %d is %s %s", (auditArch, nr, arch, name) => {
    expect(nameSyscall(auditArch, nr)).toMatchObject({ arch, name, number: nr });
  });

  it("has no name for an unknown arch or number", () => {
    expect(nameSyscall("00000028", 1).name).toBeUndefined();
    expect(nameSyscall("c000003e", 100000).name).toBeUndefined();
  });
});

describe("syscallsOfRun", () => {
  it("collects names and keeps the numbers it cannot name apart", () => {
    const r = syscallsOfRun([
      { auditArch: "c000003e", syscall: 0 },
      { auditArch: "c000003e", syscall: 0 },
      { auditArch: "c000003e", syscall: 1 },
      { auditArch: "c000003e", syscall: 99999 },
    ]);
    expect([...r.names].sort()).toEqual(["read", "write"]);
    expect([...r.unnamed]).toEqual(["x86_64:99999"]);
  });
});

describe("mergeRuns", () => {
  it("says how many each run saw and what was new in it", () => {
    const m = mergeRuns([
      new Set(["read", "write", "openat"]),
      new Set(["read", "write"]),
      new Set(["read", "poll", "write", "mremap"]),
    ]);
    expect(m.runs).toEqual([
      { seen: 3, new: ["openat", "read", "write"] },
      { seen: 2, new: [] },
      { seen: 4, new: ["mremap", "poll"] },
    ]);
    expect(m.total).toEqual(["mremap", "openat", "poll", "read", "write"]);
  });
});

describe("profiles", () => {
  it("lists the host's arch with the compat arches Docker's default lists", () => {
    expect(profileArchitectures("x86_64")).toEqual([
      "SCMP_ARCH_X86_64",
      "SCMP_ARCH_X86",
      "SCMP_ARCH_X32",
    ]);
    expect(profileArchitectures("aarch64")).toEqual(["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]);
    expect(profileArchitectures("arm")).toEqual(["SCMP_ARCH_ARM"]);
  });

  it("builds a deny-by-default profile with one sorted allow rule", () => {
    expect(serializeProfile(buildProfile(["write", "read", "execve", "read"], "x86_64"))).toBe(
      `{
\t"defaultAction": "SCMP_ACT_ERRNO",
\t"defaultErrnoRet": 1,
\t"architectures": [
\t\t"SCMP_ARCH_X86_64",
\t\t"SCMP_ARCH_X86",
\t\t"SCMP_ARCH_X32"
\t],
\t"syscalls": [
\t\t{
\t\t\t"names": [
\t\t\t\t"execve",
\t\t\t\t"read",
\t\t\t\t"write"
\t\t\t],
\t\t\t"action": "SCMP_ACT_ALLOW"
\t\t}
\t]
}
`,
    );
  });

  it("logs every call, on the same architectures, while recording", () => {
    expect(loggingProfile("x86_64")).toEqual({
      defaultAction: "SCMP_ACT_LOG",
      architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
      syscalls: [],
    });
  });
});
