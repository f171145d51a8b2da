import { describe, expect, it } from "vitest";
import { DockwardError } from "../../../src/errors.js";
import { defaultProfile } from "../../../src/seccomp/default.js";
import {
  closestSyscall,
  DENY_GROUP_NAMES,
  DENY_GROUPS,
  type DenyGroupName,
  denyCalls,
  parseSyscallList,
} from "../../../src/seccomp/deny.js";
import {
  diffProfiles,
  effectiveBehaviour,
  isPermissive,
  namedShapes,
} from "../../../src/seccomp/diff.js";
import { type SeccompProfile, serializeProfile } from "../../../src/seccomp/profile.js";
import { isKnownSyscall } from "../../../src/seccomp/syscalls/index.js";

const base = defaultProfile();
const ALLOW_ALL: SeccompProfile = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [] };

/** Names of the rules that let `name` through in any way. */
const permissiveRules = (p: SeccompProfile, name: string) =>
  namedShapes(p).filter((n) => n.name === name && isPermissive(n.shape.outcome.action));

/** Whether clone with `flags` in arg0 (amd64, any capabilities) can match a permissive rule. */
function cloneLetThrough(p: SeccompProfile, flags: bigint, caps: readonly string[]): boolean {
  const e = effectiveBehaviour(p, "clone");
  const denied = e.conditional.some(
    (s) =>
      s.outcome.action === "SCMP_ACT_ERRNO" &&
      !s.excludes.arches.includes("amd64") &&
      s.includes.arches.length === 0 &&
      s.args.every((a) => a.index === 0 && (flags & a.value) === a.valueTwo),
  );
  if (isPermissive(e.unconditional.action)) return !denied;
  return e.conditional.some(
    (s) =>
      isPermissive(s.outcome.action) &&
      s.includes.caps.every((c) => caps.includes(c)) &&
      !s.excludes.caps.some((c) => caps.includes(c)) &&
      s.includes.arches.length === 0 &&
      !s.excludes.arches.includes("amd64") &&
      s.args.every(
        (a) =>
          a.index !== 0 ||
          (a.op === "SCMP_CMP_MASKED_EQ" ? (flags & a.value) === a.valueTwo : false),
      ),
  );
}

describe("seccomp deny: each group on Docker's default", () => {
  it.each(DENY_GROUP_NAMES)(
    "--%s: the names leave every allow rule and get one EPERM rule",
    (group) => {
      const out = denyCalls(base, { groups: [group], syscalls: [] });
      const names = DENY_GROUPS[group].names;
      for (const name of names) {
        expect(permissiveRules(out, name), name).toEqual([]);
        const e = effectiveBehaviour(out, name);
        expect(e.unconditional, name).toEqual({ action: "SCMP_ACT_ERRNO", errnoRet: 1 });
        expect(e.from, name).toBe("rule");
      }
      const explicit = out.syscalls[0];
      expect(explicit?.action).toBe("SCMP_ACT_ERRNO");
      expect(explicit?.errnoRet).toBe(1);
      expect(explicit?.names).toEqual([...names].sort());
      expect(explicit?.comment).toContain(`deny --${group}`);
    },
  );

  const touched: Readonly<Record<DenyGroupName, readonly string[]>> = {
    // io_uring_* are already denied by Docker's default: the explicit rule changes nothing
    network: DENY_GROUPS.network.names.filter((n) => !n.startsWith("io_uring")),
    // open_tree_attr and pivot_root were never allowed
    mount: DENY_GROUPS.mount.names.filter((n) => n !== "open_tree_attr" && n !== "pivot_root"),
    namespaces: ["clone", "clone3", "setns", "unshare"],
    ptrace: DENY_GROUPS.ptrace.names,
    // kexec was never allowed
    "kernel-modules": ["delete_module", "finit_module", "init_module"],
  };

  it.each(DENY_GROUP_NAMES)("--%s changes the behaviour of its calls and no other", (group) => {
    const d = diffProfiles(base, denyCalls(base, { groups: [group], syscalls: [] }));
    expect(d.settings).toEqual([]);
    expect(d.syscalls.map((s) => s.name)).toEqual([...touched[group]].sort());
  });

  it("keeps file access: read, write, openat stay allowed under every group", () => {
    const all = denyCalls(base, { groups: DENY_GROUP_NAMES, syscalls: [] });
    for (const name of ["read", "write", "openat", "close", "execve", "fstat", "socketpair"]) {
      expect(effectiveBehaviour(all, name).unconditional.action, name).toBe("SCMP_ACT_ALLOW");
    }
  });

  it("leaves the base profile unchanged", () => {
    const before = serializeProfile(base);
    denyCalls(base, { groups: DENY_GROUP_NAMES, syscalls: ["keyctl"] });
    expect(serializeProfile(base)).toBe(before);
  });

  it("gives the same profile when applied twice", () => {
    const once = denyCalls(base, { groups: ["network", "namespaces"], syscalls: ["keyctl"] });
    const twice = denyCalls(once, { groups: ["network", "namespaces"], syscalls: ["keyctl"] });
    expect(serializeProfile(twice)).toBe(serializeProfile(once));
  });
});

describe("seccomp deny --namespaces", () => {
  const out = denyCalls(base, { groups: ["namespaces"], syscalls: [] });

  it("filters clone's namespace flags even with CAP_SYS_ADMIN", () => {
    expect(cloneLetThrough(base, 0x20011n, ["CAP_SYS_ADMIN"])).toBe(true);
    expect(cloneLetThrough(out, 0x20011n, ["CAP_SYS_ADMIN"])).toBe(false);
    expect(cloneLetThrough(out, 0x10000011n, [])).toBe(false);
    expect(cloneLetThrough(out, 0x11n, ["CAP_SYS_ADMIN"])).toBe(true);
    expect(cloneLetThrough(out, 0x3d0f00n, [])).toBe(true);
  });

  it("keeps Docker's two filtered clone rules, without the CAP_SYS_ADMIN exception", () => {
    const clone = out.syscalls.filter((r) => r.names.includes("clone"));
    expect(clone).toHaveLength(2);
    for (const r of clone) {
      expect(r.names).toEqual(["clone"]);
      expect(r.args?.[0]?.op).toBe("SCMP_CMP_MASKED_EQ");
      expect(r.args?.[0]?.value).toBe(0x7e020000n);
      expect(r.excludes?.caps).toBeUndefined();
      expect(r.includes?.caps).toBeUndefined();
    }
  });

  it("answers clone3 with ENOSYS whatever the capabilities", () => {
    const e = effectiveBehaviour(out, "clone3");
    expect(e.unconditional).toEqual({ action: "SCMP_ACT_ERRNO", errnoRet: 38 });
    expect(e.conditional).toEqual([]);
  });

  it("adds the filter where a recorded allowlist let clone through outright", () => {
    const recorded: SeccompProfile = {
      defaultAction: "SCMP_ACT_ERRNO",
      syscalls: [{ names: ["clone", "read", "unshare"], action: "SCMP_ACT_ALLOW" }],
    };
    const r = denyCalls(recorded, { groups: ["namespaces"], syscalls: [] });
    expect(cloneLetThrough(recorded, 0x20011n, [])).toBe(true);
    expect(cloneLetThrough(r, 0x20011n, [])).toBe(false);
    expect(cloneLetThrough(r, 0x11n, [])).toBe(true);
    expect(effectiveBehaviour(r, "read").unconditional.action).toBe("SCMP_ACT_ALLOW");
    expect(effectiveBehaviour(r, "clone3").unconditional).toEqual({
      action: "SCMP_ACT_ERRNO",
      errnoRet: 38,
    });
    const s390 = r.syscalls.filter((x) => x.includes?.arches?.includes("s390x") === true);
    expect(s390.map((x) => x.args?.map((a) => a.index))).toEqual([[1]]);
  });

  it("on a base that allows by default, denies clone with each CLONE_NEW* flag (arg0, and arg1 on s390)", () => {
    const r = denyCalls(ALLOW_ALL, { groups: ["namespaces"], syscalls: [] });
    const clone = r.syscalls.filter((x) => x.names.includes("clone"));
    expect(clone).toHaveLength(14);
    expect(clone.every((x) => x.action === "SCMP_ACT_ERRNO" && x.errnoRet === 1)).toBe(true);
    const bits = clone.filter((x) => x.args?.[0]?.index === 0).map((x) => x.args?.[0]?.value);
    expect(bits.reduce((m, b) => (m ?? 0n) | (b ?? 0n), 0n)).toBe(0x7e020000n);
    expect(cloneLetThrough(r, 0x40000011n, [])).toBe(false);
    expect(cloneLetThrough(r, 0x11n, [])).toBe(true);
    for (const name of ["unshare", "setns"]) {
      expect(effectiveBehaviour(r, name).unconditional).toEqual({
        action: "SCMP_ACT_ERRNO",
        errnoRet: 1,
      });
    }
  });

  it("denies clone outright when --syscalls names it too", () => {
    const r = denyCalls(base, { groups: ["namespaces"], syscalls: ["clone"] });
    expect(permissiveRules(r, "clone")).toEqual([]);
    expect(effectiveBehaviour(r, "clone").unconditional).toEqual({
      action: "SCMP_ACT_ERRNO",
      errnoRet: 1,
    });
  });
});

describe("seccomp deny on other bases", () => {
  it("adds EPERM rules to a base that allows by default", () => {
    const r = denyCalls(ALLOW_ALL, { groups: ["ptrace"], syscalls: ["keyctl"] });
    expect(r.defaultAction).toBe("SCMP_ACT_ALLOW");
    for (const name of [...DENY_GROUPS.ptrace.names, "keyctl"]) {
      expect(effectiveBehaviour(r, name).unconditional, name).toEqual({
        action: "SCMP_ACT_ERRNO",
        errnoRet: 1,
      });
    }
    expect(effectiveBehaviour(r, "read").unconditional.action).toBe("SCMP_ACT_ALLOW");
  });

  it("keeps a stricter unconditional deny the base already has, and adds no rule for it", () => {
    const strict: SeccompProfile = {
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [
        { names: ["ptrace"], action: "SCMP_ACT_KILL_PROCESS" },
        { names: ["kcmp"], action: "SCMP_ACT_LOG" },
      ],
    };
    const r = denyCalls(strict, { groups: ["ptrace"], syscalls: [] });
    expect(effectiveBehaviour(r, "ptrace").unconditional).toEqual({
      action: "SCMP_ACT_KILL_PROCESS",
    });
    expect(r.syscalls[0]?.names).not.toContain("ptrace");
    expect(effectiveBehaviour(r, "kcmp").unconditional).toEqual({
      action: "SCMP_ACT_ERRNO",
      errnoRet: 1,
    });
  });

  it("removes a name from conditional allow rules too (capability, kernel, arguments)", () => {
    const r = denyCalls(base, { groups: [], syscalls: ["ptrace", "socket", "arch_prctl"] });
    for (const name of ["ptrace", "socket", "arch_prctl"]) {
      expect(permissiveRules(r, name), name).toEqual([]);
    }
    // process_vm_readv shared the kernel rule with ptrace and stays allowed there
    expect(permissiveRules(r, "process_vm_readv").length).toBe(2);
  });
});

describe("seccomp deny --syscalls names", () => {
  it("splits, trims and deduplicates", () => {
    expect(parseSyscallList("--syscalls", " keyctl, add_key,,keyctl ")).toEqual([
      "keyctl",
      "add_key",
    ]);
  });

  it("accepts calls of architectures without a table (s390, POWER, RISC-V)", () => {
    expect(parseSyscallList("--syscalls", "s390_runtime_instr,riscv_flush_icache")).toHaveLength(2);
  });

  it.each([
    ["opne", "open"],
    ["ptrce", "ptrace"],
    ["OPENAT", "openat"],
    ["unshar", "unshare"],
    ["init_modul", "init_module"],
  ])("refuses %s (exit 2) and suggests %s", (bad, suggestion) => {
    let caught: unknown;
    try {
      parseSyscallList("--syscalls", `read,${bad}`);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DockwardError);
    const e = caught as DockwardError;
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(`"${bad}"`);
    expect(e.message).toContain("--syscalls");
    expect(e.hint).toContain(`"${suggestion}"`);
    expect(closestSyscall(bad)).toBe(suggestion);
  });

  it("refuses an empty list as a usage error", () => {
    expect(() => parseSyscallList("--syscalls", " , ")).toThrow(/at least one syscall/);
  });

  it("has groups made only of known calls", () => {
    for (const group of DENY_GROUP_NAMES) {
      for (const name of DENY_GROUPS[group].names) {
        expect(isKnownSyscall(name), `${group}: ${name}`).toBe(true);
      }
    }
  });
});
