import { describe, expect, it } from "vitest";
import { DockwardError } from "../../../src/errors.js";
import { defaultProfile } from "../../../src/seccomp/default.js";
import { denyCalls } from "../../../src/seccomp/deny.js";
import { diffProfiles, effectiveBehaviour } from "../../../src/seccomp/diff.js";
import { mergeProfiles } from "../../../src/seccomp/merge.js";
import {
  type SeccompProfile,
  type SeccompRule,
  serializeProfile,
} from "../../../src/seccomp/profile.js";

const allow = (...names: string[]): SeccompRule => ({ names, action: "SCMP_ACT_ALLOW" });
const list = (...rules: SeccompRule[]): SeccompProfile => ({
  defaultAction: "SCMP_ACT_ERRNO",
  defaultErrnoRet: 1,
  syscalls: rules,
});
const inputs = (...profiles: SeccompProfile[]) =>
  profiles.map((profile, i) => ({ label: `p${i + 1}.json`, profile }));
const merge = (...profiles: SeccompProfile[]) => mergeProfiles(inputs(...profiles));

function refusal(...profiles: SeccompProfile[]): DockwardError {
  try {
    merge(...profiles);
  } catch (err) {
    if (err instanceof DockwardError) return err;
    throw err;
  }
  throw new Error("merge did not refuse");
}

describe("seccomp merge: allowlists", () => {
  it("allows what any input allows, names sorted, in one rule", () => {
    const m = merge(list(allow("write", "read")), list(allow("read", "openat")));
    expect(m.syscalls).toEqual([allow("openat", "read", "write")]);
    expect(m.defaultAction).toBe("SCMP_ACT_ERRNO");
    expect(m.defaultErrnoRet).toBe(1);
  });

  it("gives the same bytes whatever the order of the inputs", () => {
    const a = list(allow("read"), {
      ...allow("mount"),
      includes: { caps: ["CAP_SYS_ADMIN"] },
      comment: "from a",
    });
    const b = list(allow("write"), {
      ...allow("mount"),
      includes: { caps: ["CAP_SYS_ADMIN"] },
      comment: "from b",
    });
    expect(serializeProfile(merge(a, b))).toBe(serializeProfile(merge(b, a)));
  });

  it("drops the conditions of a call another input allows outright", () => {
    const m = merge(
      list({ ...allow("mount"), includes: { caps: ["CAP_SYS_ADMIN"] } }),
      list(allow("mount")),
    );
    expect(m.syscalls).toEqual([allow("mount")]);
  });

  it("keeps conditional rules from every input, without duplicates", () => {
    const m = merge(defaultProfile(), defaultProfile(), list(allow("read")));
    expect(diffProfiles(defaultProfile(), m).equal).toBe(true);
  });

  it("undoes a deny: Docker's default with its --network variant is Docker's default", () => {
    const net = denyCalls(defaultProfile(), { groups: ["network"], syscalls: [] });
    expect(diffProfiles(defaultProfile(), merge(net, defaultProfile())).equal).toBe(true);
  });

  it("takes the strictest default action", () => {
    const m = merge(list(allow("read")), {
      ...list(allow("write")),
      defaultAction: "SCMP_ACT_KILL_PROCESS",
    });
    expect(m.defaultAction).toBe("SCMP_ACT_KILL_PROCESS");
    expect(m.defaultErrnoRet).toBeUndefined();
  });

  it("unions archMap entries and their sub-architectures", () => {
    const m = merge(
      {
        ...list(),
        archMap: [{ architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86"] }],
      },
      {
        ...list(),
        archMap: [
          { architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X32"] },
          { architecture: "SCMP_ARCH_AARCH64", subArchitectures: ["SCMP_ARCH_ARM"] },
        ],
      },
    );
    expect(m.archMap).toEqual([
      { architecture: "SCMP_ARCH_AARCH64", subArchitectures: ["SCMP_ARCH_ARM"] },
      { architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X32", "SCMP_ARCH_X86"] },
    ]);
  });

  it("keeps SPEC_ALLOW only when every input has it", () => {
    const m = merge(
      { ...list(), flags: ["SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG"] },
      list(),
    );
    expect(m.flags).toEqual(["SECCOMP_FILTER_FLAG_LOG"]);
  });
});

describe("seccomp merge: denylists", () => {
  const denylist = (...rules: SeccompRule[]): SeccompProfile => ({
    defaultAction: "SCMP_ACT_ALLOW",
    syscalls: rules,
  });
  const eperm = (...names: string[]): SeccompRule => ({
    names,
    action: "SCMP_ACT_ERRNO",
    errnoRet: 1,
  });

  it("denies only what every input denies", () => {
    const m = merge(denylist(eperm("ptrace", "mount")), denylist(eperm("ptrace", "keyctl")));
    expect(m.defaultAction).toBe("SCMP_ACT_ALLOW");
    expect(m.syscalls).toEqual([eperm("ptrace")]);
  });

  it("keeps the narrower denial where one input denies outright and the other under a condition", () => {
    const conditional = { ...eperm("mount"), excludes: { caps: ["CAP_SYS_ADMIN"] } };
    const m = merge(denylist(eperm("mount")), denylist(conditional));
    expect(effectiveBehaviour(m, "mount").conditional).toHaveLength(1);
    expect(effectiveBehaviour(m, "mount").unconditional.action).toBe("SCMP_ACT_ALLOW");
  });

  it("keeps the log when one input logs by default", () => {
    expect(merge(denylist(), { ...denylist(), defaultAction: "SCMP_ACT_LOG" }).defaultAction).toBe(
      "SCMP_ACT_LOG",
    );
  });
});

describe("seccomp merge refuses what it cannot combine safely (exit 2)", () => {
  it.each<[string, SeccompProfile[], RegExp]>([
    [
      "an allowlist with a denylist",
      [list(allow("read")), { defaultAction: "SCMP_ACT_ALLOW", syscalls: [] }],
      /p1\.json \(denies what it does not list.*p2\.json \(allows what it does not list/,
    ],
    [
      "a notify agent's profile",
      [list(), { defaultAction: "SCMP_ACT_NOTIFY", syscalls: [] }],
      /p2\.json: its defaultAction SCMP_ACT_NOTIFY hands unlisted calls to a notify agent/,
    ],
    [
      "different errnos for the default",
      [list(), { ...list(), defaultErrnoRet: 38 }],
      /different errnos \(p1\.json: SCMP_ACT_ERRNO\(EPERM\), p2\.json: SCMP_ACT_ERRNO\(ENOSYS\)\)/,
    ],
    [
      "rules with different outcomes Docker applies together",
      [
        list({ names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 }),
        list({ ...allow("clone3"), includes: { caps: ["CAP_SYS_ADMIN"] } }),
      ],
      /the rules for clone3: .*"SCMP_ACT_ERRNO\(ENOSYS\)".*"SCMP_ACT_ALLOW with CAP_SYS_ADMIN"/,
    ],
    [
      "architectures in one, archMap in the other",
      [
        { ...list(), architectures: ["SCMP_ARCH_X86_64"] },
        { ...list(), archMap: [{ architecture: "SCMP_ARCH_X86_64", subArchitectures: [] }] },
      ],
      /archMap.*architectures/,
    ],
    [
      "denylists that deny one call differently",
      [
        {
          defaultAction: "SCMP_ACT_ALLOW",
          syscalls: [
            {
              names: ["ptrace"],
              action: "SCMP_ACT_ERRNO",
              errnoRet: 1,
              includes: { caps: ["CAP_SYS_PTRACE"] },
            },
          ],
        },
        {
          defaultAction: "SCMP_ACT_ALLOW",
          syscalls: [
            {
              names: ["ptrace"],
              action: "SCMP_ACT_ERRNO",
              errnoRet: 1,
              includes: { minKernel: "4.8" },
            },
          ],
        },
      ],
      /the rules for ptrace/,
    ],
  ])("%s", (_title, profiles, message) => {
    const err = refusal(...profiles);
    expect(err.code).toBe("BAD_INPUT");
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(message);
    expect(err.hint?.length ?? 0).toBeGreaterThan(10);
  });

  it("merges Docker's own complementary clone3 rules (with and without CAP_SYS_ADMIN)", () => {
    expect(() => merge(defaultProfile(), list(allow("read")))).not.toThrow();
  });
});
