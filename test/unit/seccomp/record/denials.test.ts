import { describe, expect, it } from "vitest";
import type { SeccompProfile } from "../../../../src/seccomp/profile.js";
import {
  describeRefusal,
  explainRefusal,
  type FilterContext,
  refusalsLogged,
  ruleApplies,
} from "../../../../src/seccomp/record/denials.js";

const CTX: FilterContext = {
  capabilities: new Set(["CHOWN", "SETUID", "SYS_CHROOT"]),
  goArch: "amd64",
  kernel: "6.18.44-fc",
};

const PROFILE: SeccompProfile = {
  defaultAction: "SCMP_ACT_ERRNO",
  defaultErrnoRet: 1,
  architectures: ["SCMP_ARCH_X86_64"],
  syscalls: [
    /* 0 */ { names: ["read", "write", "execve"], action: "SCMP_ACT_ALLOW" },
    /* 1 */ { names: ["ptrace"], action: "SCMP_ACT_KILL_PROCESS" },
    /* 2 */ {
      names: ["personality"],
      action: "SCMP_ACT_ALLOW",
      args: [{ index: 0, value: 0n, valueTwo: 0n, op: "SCMP_CMP_EQ" }],
    },
    /* 3 */ { names: ["mount"], action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_SYS_ADMIN"] } },
    /* 4 */ { names: ["chroot"], action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_SYS_CHROOT"] } },
    /* 5 */ { names: ["uname"], action: "SCMP_ACT_LOG" },
    /* 6 */ {
      names: ["socket"],
      action: "SCMP_ACT_ERRNO",
      errnoRet: 97,
      args: [{ index: 0, value: 40n, valueTwo: 0n, op: "SCMP_CMP_EQ" }],
    },
    /* 7 */ { names: ["socket"], action: "SCMP_ACT_ALLOW" },
    /* 8 */ {
      names: ["clone3"],
      action: "SCMP_ACT_ERRNO",
      errnoRet: 38,
      excludes: { minKernel: "99.0" },
    },
  ],
};

describe("refusalsLogged", () => {
  it("logs what refused, allows what LOG allowed, keeps everything else", () => {
    const logged = refusalsLogged(PROFILE);
    expect(logged.defaultAction).toBe("SCMP_ACT_LOG");
    expect(logged.defaultErrnoRet).toBeUndefined();
    expect(logged.architectures).toEqual(["SCMP_ARCH_X86_64"]);
    expect(logged.syscalls.map((r) => r.action)).toEqual([
      "SCMP_ACT_ALLOW",
      "SCMP_ACT_LOG",
      "SCMP_ACT_ALLOW",
      "SCMP_ACT_ALLOW",
      "SCMP_ACT_ALLOW",
      "SCMP_ACT_ALLOW",
      "SCMP_ACT_LOG",
      "SCMP_ACT_ALLOW",
      "SCMP_ACT_LOG",
    ]);
    expect(logged.syscalls[6]).toEqual({
      names: ["socket"],
      action: "SCMP_ACT_LOG",
      args: [{ index: 0, value: 40n, valueTwo: 0n, op: "SCMP_CMP_EQ" }],
    });
    expect(logged.syscalls[3]?.includes).toEqual({ caps: ["CAP_SYS_ADMIN"] });
  });

  it("turns every refusing action into LOG", () => {
    for (const action of [
      "SCMP_ACT_KILL",
      "SCMP_ACT_KILL_THREAD",
      "SCMP_ACT_TRAP",
      "SCMP_ACT_TRACE",
      "SCMP_ACT_NOTIFY",
    ] as const) {
      expect(refusalsLogged({ defaultAction: action, syscalls: [] }).defaultAction).toBe(
        "SCMP_ACT_LOG",
      );
    }
    expect(refusalsLogged({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [] }).defaultAction).toBe(
      "SCMP_ACT_ALLOW",
    );
  });
});

describe("ruleApplies", () => {
  it("follows includes and excludes as the daemon does", () => {
    const [, , , mount, chroot, , , , clone3] = PROFILE.syscalls;
    expect(mount && ruleApplies(mount, CTX)).toBe(false);
    expect(chroot && ruleApplies(chroot, CTX)).toBe(true);
    expect(clone3 && ruleApplies(clone3, CTX)).toBe(true);
    expect(clone3 && ruleApplies(clone3, { ...CTX, kernel: "99.1.0" })).toBe(false);
    expect(
      ruleApplies({ names: ["x"], action: "SCMP_ACT_ALLOW", includes: { arches: ["arm64"] } }, CTX),
    ).toBe(false);
  });
});

describe("explainRefusal", () => {
  it.each([
    ["mkdir", { by: "default", action: "SCMP_ACT_ERRNO", conditionalAllows: [] }],
    ["ptrace", { by: "rule", index: 1, action: "SCMP_ACT_KILL_PROCESS", conditional: false }],
    // allowed only for personality(0): another argument fell to the default
    ["personality", { by: "default", action: "SCMP_ACT_ERRNO", conditionalAllows: [2] }],
    // the allow rule needs CAP_SYS_ADMIN, which the container lacks
    ["mount", { by: "default", action: "SCMP_ACT_ERRNO", conditionalAllows: [] }],
    // refused for AF_VSOCK (40) by rule 6, allowed otherwise by rule 7
    ["socket", { by: "rule", index: 6, action: "SCMP_ACT_ERRNO", conditional: true }],
    ["clone3", { by: "rule", index: 8, action: "SCMP_ACT_ERRNO", conditional: false }],
    ["read", { by: "unexplained" }],
  ])("%s", (name, refusal) => {
    expect(explainRefusal(PROFILE, name, CTX)).toEqual(refusal);
  });

  it("says which rule or default in words", () => {
    expect(describeRefusal(explainRefusal(PROFILE, "mkdir", CTX))).toBe(
      "refused by the defaultAction SCMP_ACT_ERRNO: no rule allows it",
    );
    expect(describeRefusal(explainRefusal(PROFILE, "ptrace", CTX))).toBe(
      "refused by syscalls[1] (SCMP_ACT_KILL_PROCESS)",
    );
    expect(describeRefusal(explainRefusal(PROFILE, "personality", CTX))).toMatch(
      /defaultAction SCMP_ACT_ERRNO: syscalls\[2\] allow it only for certain arguments/,
    );
  });
});
