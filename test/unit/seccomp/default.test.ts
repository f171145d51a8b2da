import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { baseAllowNames, defaultProfile } from "../../../src/seccomp/default.js";
import {
  BASE_ALLOW,
  CONDITIONAL_RULES,
  NAMES_WITHOUT_TABLE,
} from "../../../src/seccomp/default-data.js";
import {
  diffProfiles,
  effectiveBehaviour,
  isPermissive,
  type RuleShape,
} from "../../../src/seccomp/diff.js";
import {
  DEFAULT_ARCH_MAP,
  type SeccompArg,
  type SeccompProfile,
  serializeProfile,
} from "../../../src/seccomp/profile.js";
import { isKnownSyscall, type SyscallArch } from "../../../src/seccomp/syscalls/index.js";
import { loadProfile } from "../../../src/seccomp/validate.js";

const profile = defaultProfile();

/** Whether `arg` matches the call value `v` the way libseccomp compares (Docker's MASKED_EQ: value = mask). */
function matches(arg: SeccompArg, v: bigint): boolean {
  switch (arg.op) {
    case "SCMP_CMP_EQ":
      return v === arg.value;
    case "SCMP_CMP_NE":
      return v !== arg.value;
    case "SCMP_CMP_LT":
      return v < arg.value;
    case "SCMP_CMP_LE":
      return v <= arg.value;
    case "SCMP_CMP_GT":
      return v > arg.value;
    case "SCMP_CMP_GE":
      return v >= arg.value;
    case "SCMP_CMP_MASKED_EQ":
      return (v & arg.value) === arg.valueTwo;
  }
}

/** Whether a container without extra capabilities on amd64 may call `name` with arg[index] = v. */
function allowedWith(name: string, index: number, v: bigint): boolean {
  const e = effectiveBehaviour(profile, name);
  if (isPermissive(e.unconditional.action)) return true;
  const applies = (s: RuleShape): boolean =>
    s.includes.caps.length === 0 &&
    (s.includes.arches.length === 0 || s.includes.arches.includes("amd64")) &&
    !s.excludes.arches.includes("amd64");
  return e.conditional.some(
    (s) =>
      isPermissive(s.outcome.action) &&
      applies(s) &&
      s.args.every((a) => a.index !== index || matches(a, v)),
  );
}

describe("seccomp default: the profile's frame", () => {
  it("denies what it does not list with EPERM, on Docker's architectures", () => {
    expect(profile.defaultAction).toBe("SCMP_ACT_ERRNO");
    expect(profile.defaultErrnoRet).toBe(1);
    expect(profile.archMap).toEqual(DEFAULT_ARCH_MAP);
    expect(profile.architectures).toBeUndefined();
  });

  it("lists each base name once, sorted, and about as many as Docker (~360)", () => {
    const names = baseAllowNames();
    const flat = BASE_ALLOW.flatMap((g) => g.names);
    expect(new Set(flat).size).toBe(flat.length);
    expect(names).toEqual([...flat].sort());
    expect(profile.syscalls[0]?.names).toEqual(names);
    expect(names.length).toBeGreaterThanOrEqual(350);
    expect(names.length).toBeLessThan(400);
  });

  it("gives every rule a comment that says why", () => {
    for (const rule of profile.syscalls) expect(rule.comment?.length ?? 0).toBeGreaterThan(5);
  });

  it("serializes deterministically into JSON a new model reads back the same", () => {
    const text = serializeProfile(profile);
    expect(serializeProfile(defaultProfile())).toBe(text);
    expect(() => JSON.parse(text) as unknown).not.toThrow();
  });

  it("returns a fresh model each time", () => {
    const p = defaultProfile();
    p.syscalls[0]?.names.push("init_module");
    p.archMap?.[0]?.subArchitectures.pop();
    expect(defaultProfile().syscalls[0]?.names).not.toContain("init_module");
    expect(defaultProfile().archMap).toEqual(DEFAULT_ARCH_MAP);
  });
});

describe("seccomp default: what a container may call", () => {
  const unconditional = (name: string): string => {
    const e = effectiveBehaviour(profile, name);
    return `${e.unconditional.action}${e.unconditional.errnoRet !== undefined ? `(${e.unconditional.errnoRet})` : ""}`;
  };

  it.each([
    "read",
    "write",
    "openat",
    "execve",
    "exit_group",
    "futex_waitv",
    "landlock_create_ruleset",
    "process_mrelease",
    "memfd_secret",
    "fchmodat2",
    "statmount",
    "getxattrat",
    "connect",
    "socketcall",
  ])("allows %s outright", (name) => {
    expect(unconditional(name)).toBe("SCMP_ACT_ALLOW");
  });

  it.each([
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
    "ptrace",
    "mount",
    "umount2",
    "unshare",
    "setns",
    "pivot_root",
    "open_by_handle_at",
    "io_uring_setup",
    "io_uring_enter",
    "keyctl",
    "add_key",
    "bpf",
    "reboot",
    "clone",
    "clone3",
    "socket",
    "personality",
  ])("does not allow %s outright (EPERM by default)", (name) => {
    expect(unconditional(name)).toBe("SCMP_ACT_ERRNO(1)");
  });

  it.each([
    ["mount", "CAP_SYS_ADMIN"],
    ["unshare", "CAP_SYS_ADMIN"],
    ["clone3", "CAP_SYS_ADMIN"],
    ["init_module", "CAP_SYS_MODULE"],
    ["ptrace", "CAP_SYS_PTRACE"],
    ["reboot", "CAP_SYS_BOOT"],
    ["chroot", "CAP_SYS_CHROOT"],
    ["acct", "CAP_SYS_PACCT"],
    ["iopl", "CAP_SYS_RAWIO"],
    ["clock_settime", "CAP_SYS_TIME"],
    ["vhangup", "CAP_SYS_TTY_CONFIG"],
    ["mbind", "CAP_SYS_NICE"],
    ["syslog", "CAP_SYSLOG"],
    ["bpf", "CAP_BPF"],
    ["perf_event_open", "CAP_PERFMON"],
    ["open_by_handle_at", "CAP_DAC_READ_SEARCH"],
  ])("allows %s with %s", (name, cap) => {
    const e = effectiveBehaviour(profile, name);
    expect(
      e.conditional.some(
        (s) =>
          s.outcome.action === "SCMP_ACT_ALLOW" &&
          s.includes.caps.length === 1 &&
          s.includes.caps[0] === cap,
      ),
    ).toBe(true);
  });

  it("never allows kexec or the keyring, whatever the capabilities", () => {
    for (const name of ["kexec_load", "kexec_file_load", "keyctl", "add_key", "request_key"]) {
      expect(effectiveBehaviour(profile, name).conditional).toEqual([]);
    }
  });

  it("allows ptrace without CAP_SYS_PTRACE only on kernels that re-check seccomp (>= 4.8)", () => {
    const e = effectiveBehaviour(profile, "ptrace");
    const byKernel = e.conditional.filter((s) => s.includes.minKernel !== undefined);
    expect(byKernel.map((s) => s.includes.minKernel)).toEqual(["4.8"]);
  });

  it.each([
    [1, true], // AF_UNIX
    [2, true], // AF_INET
    [10, true], // AF_INET6
    [16, true], // AF_NETLINK
    [17, true], // AF_PACKET (CAP_NET_RAW still applies)
    [37, true],
    [38, false], // AF_ALG
    [39, true],
    [40, false], // AF_VSOCK
    [41, true],
    [45, true],
  ])("socket family %i allowed: %s", (family, allowed) => {
    expect(allowedWith("socket", 0, BigInt(family))).toBe(allowed);
  });

  it.each([
    [0x0n, true],
    [0x8n, true],
    [0x20000n, true],
    [0x20008n, true],
    [0xffffffffn, true],
    [0x0040000n, false], // ADDR_NO_RANDOMIZE
    [0x0400000n, false], // READ_IMPLIES_EXEC
  ])("personality %s allowed: %s", (persona, allowed) => {
    expect(allowedWith("personality", 0, persona)).toBe(allowed);
  });

  it.each([
    [0x11n, true], // SIGCHLD: fork
    [0x3d0f00n, true], // glibc's pthread_create flags
    [0x20000n | 0x11n, false], // CLONE_NEWNS
    [0x10000000n | 0x11n, false], // CLONE_NEWUSER
    [0x40000000n | 0x11n, false], // CLONE_NEWNET
    [0x02000000n, false], // CLONE_NEWCGROUP
  ])("clone with flags %s allowed without CAP_SYS_ADMIN: %s", (flags, allowed) => {
    expect(allowedWith("clone", 0, flags)).toBe(allowed);
  });

  it("filters clone's second argument on s390, where the flags are", () => {
    const s390 = effectiveBehaviour(profile, "clone").conditional.filter((s) =>
      s.includes.arches.includes("s390x"),
    );
    expect(s390).toHaveLength(1);
    expect(s390[0]?.args).toEqual([
      { index: 1, value: 0x7e020000n, valueTwo: 0n, op: "SCMP_CMP_MASKED_EQ" },
    ]);
    expect(s390[0]?.excludes.caps).toEqual(["CAP_SYS_ADMIN"]);
  });

  it("answers clone3 with ENOSYS without CAP_SYS_ADMIN, so libc falls back to clone", () => {
    const e = effectiveBehaviour(profile, "clone3");
    const enosys = e.conditional.filter((s) => s.outcome.action === "SCMP_ACT_ERRNO");
    expect(enosys).toHaveLength(1);
    expect(enosys[0]?.outcome.errnoRet).toBe(38);
    expect(enosys[0]?.excludes.caps).toEqual(["CAP_SYS_ADMIN"]);
    expect(enosys[0]?.args).toEqual([]);
  });
});

describe("seccomp default: names and the syscall tables", () => {
  const all = [...new Set(profile.syscalls.flatMap((r) => r.names))].sort();

  it("names only calls some architecture has (the tables, or the few listed without one)", () => {
    const unknown = all.filter((n) => !isKnownSyscall(n));
    expect(unknown).toEqual(Object.keys(NAMES_WITHOUT_TABLE).sort());
  });

  const DOCKER_TO_TABLE: Readonly<Record<string, SyscallArch>> = {
    amd64: "x86_64",
    x32: "x32",
    x86: "x86",
    arm: "arm",
    arm64: "aarch64",
  };

  it("puts each architecture-specific call on an architecture that has it", () => {
    for (const rule of CONDITIONAL_RULES) {
      const tables = (rule.includes?.arches ?? [])
        .map((a) => DOCKER_TO_TABLE[a])
        .filter((t): t is SyscallArch => t !== undefined);
      if (tables.length === 0) continue;
      for (const name of rule.names) {
        expect(
          isKnownSyscall(name, tables) || Object.hasOwn(NAMES_WITHOUT_TABLE, name),
          `${name} on ${tables.join("/")}`,
        ).toBe(true);
      }
    }
  });
});

/**
 * Oracle: the default.json of moby 20.10 as Debian ships it (package
 * golang-github-docker-docker-dev). Every difference from it is listed here, with the reason,
 * and in docs/seccomp-generate.md.
 */
const DEBIAN_20_10 = "/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json";

const DIFFERENCES_FROM_20_10: Readonly<Record<string, "added" | "removed" | "changed">> = {
  // Docker removed io_uring from its default in 2023 (kernel exploits through io_uring)
  io_uring_enter: "removed",
  io_uring_register: "removed",
  io_uring_setup: "removed",
  // AF_VSOCK (2022) and AF_ALG (2026) are denied by argument filter
  socket: "changed",
  // allowed for everyone since 2023 (only open_by_handle_at needs a capability)
  name_to_handle_at: "changed",
  // CAP_BPF and CAP_PERFMON (2022) bring bpf and perf_event_open without CAP_SYS_ADMIN
  bpf: "changed",
  perf_event_open: "changed",
  // on kernel >= 4.8 like ptrace (2021)
  process_vm_readv: "changed",
  process_vm_writev: "changed",
  // moby dropped the MIPS errno variant; dockward's archMap has no MIPS
  clone3: "changed",
  // calls of newer kernels (5.x-6.13) Docker added since 20.10
  cachestat: "added",
  clock_settime64: "added",
  fchmodat2: "added",
  futex_requeue: "added",
  futex_wait: "added",
  futex_wake: "added",
  getxattrat: "added",
  listmount: "added",
  listxattrat: "added",
  lsm_get_self_attr: "added",
  lsm_list_modules: "added",
  lsm_set_self_attr: "added",
  map_shadow_stack: "added",
  mseal: "added",
  pkey_alloc: "added",
  pkey_free: "added",
  pkey_mprotect: "added",
  removexattrat: "added",
  riscv_flush_icache: "added",
  riscv_hwprobe: "added",
  set_mempolicy_home_node: "added",
  setxattrat: "added",
  statmount: "added",
  swapcontext: "added",
  uretprobe: "added",
};

describe("seccomp default compared with Docker 20.10's default.json (Debian's copy)", () => {
  it("is installed (apt-get install golang-github-docker-docker-dev)", () => {
    expect(existsSync(DEBIAN_20_10), `${DEBIAN_20_10} is missing`).toBe(true);
  });

  const load = (): SeccompProfile => loadProfile(DEBIAN_20_10);

  it("differs only in the listed calls, each the listed way", () => {
    const d = diffProfiles(load(), profile);
    expect(Object.fromEntries(d.syscalls.map((s) => [s.name, s.change]))).toEqual(
      DIFFERENCES_FROM_20_10,
    );
  });

  it("allows nothing 20.10 did not, beyond the listed newer calls, and drops only io_uring", () => {
    const d = diffProfiles(load(), profile);
    expect(d.syscalls.filter((s) => s.change === "removed").map((s) => s.name)).toEqual([
      "io_uring_enter",
      "io_uring_register",
      "io_uring_setup",
    ]);
  });

  it("has the same default action and differs in settings only by the archMap (no MIPS, s390x)", () => {
    const d = diffProfiles(load(), profile);
    expect(d.settings.map((s) => s.setting)).toEqual(["architectures"]);
  });
});
