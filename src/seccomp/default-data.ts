/**
 * What `dockward seccomp default` allows: dockward's own statement of Docker's default seccomp
 * policy, as data. default.ts turns it into a profile.
 *
 * Source of the facts (which calls Docker allows, under which condition): the default profile of
 * moby, `github.com/moby/profiles/seccomp` v0.2.3 (2026-05-06, the one Docker Engine vendors),
 * read on 2026-11-28. The names are grouped here by what the calls do, so a reviewer can judge
 * each group; the order of names inside the generated profile is sorted, not this one.
 *
 * When Docker's list changes: edit the group, say why in the commit, and update the oracle
 * exceptions in test/unit/seccomp/default.test.ts if Debian's 20.10 profile is affected.
 */
import type { SeccompFilter, SeccompOperator } from "./profile.js";

export const DEFAULT_DATA_SOURCE = {
  reference: "moby/profiles seccomp v0.2.3 (Docker Engine's default profile)",
  referenceDate: "2026-05-06",
  read: "2026-11-28",
} as const;

/** EPERM: what a call outside the allow list gets, as in Docker. */
export const EPERM = 1;
/** ENOSYS on every architecture the default archMap names (MIPS numbers it 89). */
export const ENOSYS = 38;

export interface AllowGroup {
  /** what the calls are for, in a few words */
  readonly topic: string;
  readonly names: readonly string[];
}

/**
 * Calls every container may make, whatever its capabilities: the unconditional allow rule.
 * Many names exist on some architectures only (`*32`, `*_time64`, `_llseek`, `socketcall`, …):
 * one list serves every architecture, and a name the running kernel does not have is skipped by
 * runc.
 */
export const BASE_ALLOW: readonly AllowGroup[] = [
  {
    topic: "files and directories by path or descriptor",
    names: [
      "access",
      "chdir",
      "chmod",
      "chown",
      "chown32",
      "creat",
      "faccessat",
      "faccessat2",
      "fchdir",
      "fchmod",
      "fchmodat",
      "fchmodat2",
      "fchown",
      "fchown32",
      "fchownat",
      "futimesat",
      "getcwd",
      "getdents",
      "getdents64",
      "lchown",
      "lchown32",
      "link",
      "linkat",
      "lstat",
      "lstat64",
      "mkdir",
      "mkdirat",
      "mknod",
      "mknodat",
      "name_to_handle_at",
      "newfstatat",
      "open",
      "openat",
      "openat2",
      "readlink",
      "readlinkat",
      "rename",
      "renameat",
      "renameat2",
      "rmdir",
      "stat",
      "stat64",
      "statfs",
      "statfs64",
      "statx",
      "symlink",
      "symlinkat",
      "umask",
      "unlink",
      "unlinkat",
      "utime",
      "utimensat",
      "utimensat_time64",
      "utimes",
    ],
  },
  {
    topic: "reading and writing open files",
    names: [
      "_llseek",
      "cachestat",
      "close",
      "close_range",
      "copy_file_range",
      "dup",
      "dup2",
      "dup3",
      "fadvise64",
      "fadvise64_64",
      "fallocate",
      "fcntl",
      "fcntl64",
      "fdatasync",
      "flock",
      "fstat",
      "fstat64",
      "fstatat64",
      "fstatfs",
      "fstatfs64",
      "fsync",
      "ftruncate",
      "ftruncate64",
      "ioctl",
      "lseek",
      "pipe",
      "pipe2",
      "pread64",
      "preadv",
      "preadv2",
      "pwrite64",
      "pwritev",
      "pwritev2",
      "read",
      "readahead",
      "readv",
      "sendfile",
      "sendfile64",
      "splice",
      "sync",
      "sync_file_range",
      "syncfs",
      "tee",
      "truncate",
      "truncate64",
      "vmsplice",
      "write",
      "writev",
    ],
  },
  {
    topic: "extended attributes",
    names: [
      "fgetxattr",
      "flistxattr",
      "fremovexattr",
      "fsetxattr",
      "getxattr",
      "getxattrat",
      "lgetxattr",
      "listxattr",
      "listxattrat",
      "llistxattr",
      "lremovexattr",
      "lsetxattr",
      "removexattr",
      "removexattrat",
      "setxattr",
      "setxattrat",
    ],
  },
  {
    // reading the mount table is harmless; changing it needs CAP_SYS_ADMIN (below)
    topic: "reading the mount table",
    names: ["listmount", "statmount"],
  },
  {
    // fanotify_init is CAP_SYS_ADMIN-only; marking an existing fanotify group is not
    topic: "file change notification",
    names: [
      "fanotify_mark",
      "inotify_add_watch",
      "inotify_init",
      "inotify_init1",
      "inotify_rm_watch",
    ],
  },
  {
    // io_uring_* are not here: Docker removed them in 2023 (a long run of kernel exploits)
    topic: "asynchronous I/O (Linux AIO)",
    names: [
      "io_cancel",
      "io_destroy",
      "io_getevents",
      "io_pgetevents",
      "io_pgetevents_time64",
      "io_setup",
      "io_submit",
    ],
  },
  {
    topic: "waiting for events",
    names: [
      "_newselect",
      "epoll_create",
      "epoll_create1",
      "epoll_ctl",
      "epoll_ctl_old",
      "epoll_pwait",
      "epoll_pwait2",
      "epoll_wait",
      "epoll_wait_old",
      "eventfd",
      "eventfd2",
      "poll",
      "ppoll",
      "ppoll_time64",
      "pselect6",
      "pselect6_time64",
      "select",
    ],
  },
  {
    // clone, clone3 and personality are filtered by argument below
    topic: "processes and their limits",
    names: [
      "capget",
      "capset",
      "execve",
      "execveat",
      "exit",
      "exit_group",
      "fork",
      "getcpu",
      "getpgid",
      "getpgrp",
      "getpid",
      "getppid",
      "getpriority",
      "getrlimit",
      "getrusage",
      "getsid",
      "gettid",
      "ioprio_get",
      "ioprio_set",
      "pidfd_open",
      "pidfd_send_signal",
      "prctl",
      "prlimit64",
      "process_mrelease",
      "restart_syscall",
      "setpgid",
      "setpriority",
      "setrlimit",
      "setsid",
      "set_tid_address",
      "sysinfo",
      "times",
      "ugetrlimit",
      "uname",
      "vfork",
      "wait4",
      "waitid",
      "waitpid",
    ],
  },
  {
    topic: "self-confinement (a process may always restrict itself further)",
    names: ["landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "seccomp"],
  },
  {
    topic: "threads, futexes and scheduling",
    names: [
      "futex",
      "futex_requeue",
      "futex_time64",
      "futex_wait",
      "futex_waitv",
      "futex_wake",
      "get_robust_list",
      "get_thread_area",
      "membarrier",
      "rseq",
      "sched_get_priority_max",
      "sched_get_priority_min",
      "sched_getaffinity",
      "sched_getattr",
      "sched_getparam",
      "sched_getscheduler",
      "sched_rr_get_interval",
      "sched_rr_get_interval_time64",
      "sched_setaffinity",
      "sched_setattr",
      "sched_setparam",
      "sched_setscheduler",
      "sched_yield",
      "set_robust_list",
      "set_thread_area",
    ],
  },
  {
    // the kernel still checks CAP_SETUID/CAP_SETGID, which Docker grants by default
    topic: "user and group identity",
    names: [
      "getegid",
      "getegid32",
      "geteuid",
      "geteuid32",
      "getgid",
      "getgid32",
      "getgroups",
      "getgroups32",
      "getresgid",
      "getresgid32",
      "getresuid",
      "getresuid32",
      "getuid",
      "getuid32",
      "setfsgid",
      "setfsgid32",
      "setfsuid",
      "setfsuid32",
      "setgid",
      "setgid32",
      "setgroups",
      "setgroups32",
      "setregid",
      "setregid32",
      "setresgid",
      "setresgid32",
      "setresuid",
      "setresuid32",
      "setreuid",
      "setreuid32",
      "setuid",
      "setuid32",
    ],
  },
  {
    topic: "signals",
    names: [
      "kill",
      "pause",
      "rt_sigaction",
      "rt_sigpending",
      "rt_sigprocmask",
      "rt_sigqueueinfo",
      "rt_sigreturn",
      "rt_sigsuspend",
      "rt_sigtimedwait",
      "rt_sigtimedwait_time64",
      "rt_tgsigqueueinfo",
      "sigaltstack",
      "signalfd",
      "signalfd4",
      "sigprocmask",
      "sigreturn",
      "tgkill",
      "tkill",
    ],
  },
  {
    topic: "memory",
    names: [
      "brk",
      "madvise",
      "map_shadow_stack",
      "memfd_create",
      "memfd_secret",
      "mincore",
      "mlock",
      "mlock2",
      "mlockall",
      "mmap",
      "mmap2",
      "mprotect",
      "mremap",
      "mseal",
      "msync",
      "munlock",
      "munlockall",
      "munmap",
      "pkey_alloc",
      "pkey_free",
      "pkey_mprotect",
      "remap_file_pages",
    ],
  },
  {
    // adjtimex/clock_adjtime only read the clock without CAP_SYS_TIME; setting it is below
    topic: "clocks, timers and sleeping",
    names: [
      "adjtimex",
      "alarm",
      "clock_adjtime",
      "clock_adjtime64",
      "clock_getres",
      "clock_getres_time64",
      "clock_gettime",
      "clock_gettime64",
      "clock_nanosleep",
      "clock_nanosleep_time64",
      "getitimer",
      "gettimeofday",
      "nanosleep",
      "setitimer",
      "time",
      "timer_create",
      "timer_delete",
      "timer_getoverrun",
      "timer_gettime",
      "timer_gettime64",
      "timer_settime",
      "timer_settime64",
      "timerfd_create",
      "timerfd_gettime",
      "timerfd_gettime64",
      "timerfd_settime",
      "timerfd_settime64",
    ],
  },
  {
    // the container's own IPC namespace
    topic: "System V and POSIX IPC",
    names: [
      "ipc",
      "mq_getsetattr",
      "mq_notify",
      "mq_open",
      "mq_timedreceive",
      "mq_timedreceive_time64",
      "mq_timedsend",
      "mq_timedsend_time64",
      "mq_unlink",
      "msgctl",
      "msgget",
      "msgrcv",
      "msgsnd",
      "semctl",
      "semget",
      "semop",
      "semtimedop",
      "semtimedop_time64",
      "shmat",
      "shmctl",
      "shmdt",
      "shmget",
    ],
  },
  {
    // socket(2) itself is filtered by address family below; socketcall(2) multiplexes all of
    // these on 32-bit x86 and cannot be filtered by family (the family sits behind a pointer)
    topic: "sockets",
    names: [
      "accept",
      "accept4",
      "bind",
      "connect",
      "getpeername",
      "getsockname",
      "getsockopt",
      "listen",
      "recv",
      "recvfrom",
      "recvmmsg",
      "recvmmsg_time64",
      "recvmsg",
      "send",
      "sendmmsg",
      "sendmsg",
      "sendto",
      "setsockopt",
      "shutdown",
      "socketcall",
      "socketpair",
    ],
  },
  {
    topic: "miscellaneous",
    names: [
      "getrandom",
      // the return trampoline of user-space probes (kernel 6.11); a probed binary crashes without it
      "uretprobe",
    ],
  },
];

export interface ArgData {
  readonly index: number;
  readonly value: bigint;
  readonly valueTwo?: bigint;
  readonly op: SeccompOperator;
}

/** A rule beyond the base list; `why` becomes the rule's comment in the profile. */
export interface ConditionalRule {
  readonly names: readonly string[];
  /** SCMP_ACT_ALLOW unless given */
  readonly errnoRet?: number;
  readonly args?: readonly ArgData[];
  readonly includes?: Readonly<SeccompFilter>;
  readonly excludes?: Readonly<SeccompFilter>;
  readonly why: string;
}

/** AF_ALG (kernel crypto API) and AF_VSOCK (host/VM sockets), <linux/socket.h>. */
export const AF_ALG = 38n;
export const AF_VSOCK = 40n;

/**
 * The clone(2) flags that create namespaces, <linux/sched.h>: NEWNS 0x20000, NEWCGROUP
 * 0x2000000, NEWUTS 0x4000000, NEWIPC 0x8000000, NEWUSER 0x10000000, NEWPID 0x20000000,
 * NEWNET 0x40000000. (CLONE_NEWTIME exists only for clone3 and unshare.)
 */
export const CLONE_NAMESPACE_FLAGS: readonly { readonly name: string; readonly bit: bigint }[] = [
  { name: "CLONE_NEWNS", bit: 0x00020000n },
  { name: "CLONE_NEWCGROUP", bit: 0x02000000n },
  { name: "CLONE_NEWUTS", bit: 0x04000000n },
  { name: "CLONE_NEWIPC", bit: 0x08000000n },
  { name: "CLONE_NEWUSER", bit: 0x10000000n },
  { name: "CLONE_NEWPID", bit: 0x20000000n },
  { name: "CLONE_NEWNET", bit: 0x40000000n },
];
export const CLONE_NAMESPACE_MASK = CLONE_NAMESPACE_FLAGS.reduce((m, f) => m | f.bit, 0n);

/** Docker's architecture names where clone(2) takes the flags second (stack first). */
export const S390_ARCHES: readonly string[] = ["s390", "s390x"];

const CLONE_WITHOUT_NAMESPACES: ArgData = {
  index: 0,
  value: CLONE_NAMESPACE_MASK,
  valueTwo: 0n,
  op: "SCMP_CMP_MASKED_EQ",
};

/** personality(2) personas a container may select: PER_LINUX, PER_LINUX32, UNAME26, both, query. */
export const PERSONALITIES: readonly bigint[] = [0x0n, 0x8n, 0x20000n, 0x20008n, 0xffffffffn];

export const CONDITIONAL_RULES: readonly ConditionalRule[] = [
  // --- argument filters ---------------------------------------------------------------------
  {
    names: ["socket"],
    args: [{ index: 0, value: AF_ALG, op: "SCMP_CMP_LT" }],
    why: "sockets of any family but AF_ALG (38) and AF_VSOCK (40): AF_ALG is the kernel crypto API, a repeated source of kernel bugs (https://copy.fail/); AF_VSOCK reaches the hypervisor or host. Three ranges because the conditions of one rule are ANDed on one argument",
  },
  {
    names: ["socket"],
    args: [{ index: 0, value: AF_ALG + 1n, op: "SCMP_CMP_EQ" }],
    why: "the one family between AF_ALG and AF_VSOCK (AF_NFC, 39)",
  },
  {
    names: ["socket"],
    args: [{ index: 0, value: AF_VSOCK, op: "SCMP_CMP_GT" }],
    why: "families above AF_VSOCK",
  },
  ...PERSONALITIES.map((persona): ConditionalRule => ({
    names: ["personality"],
    args: [{ index: 0, value: persona, op: "SCMP_CMP_EQ" }],
    why:
      persona === 0xffffffffn
        ? "personality(0xffffffff) only reads the current persona"
        : `persona 0x${persona.toString(16)}: other personas (READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE, …) turn off exploit mitigations`,
  })),
  {
    names: ["clone"],
    args: [CLONE_WITHOUT_NAMESPACES],
    excludes: { caps: ["CAP_SYS_ADMIN"], arches: [...S390_ARCHES] },
    why: "new processes and threads, but no new namespaces (flags & 0x7E020000 == 0) unless the container has CAP_SYS_ADMIN",
  },
  {
    names: ["clone"],
    args: [{ ...CLONE_WITHOUT_NAMESPACES, index: 1 }],
    includes: { arches: [...S390_ARCHES] },
    excludes: { caps: ["CAP_SYS_ADMIN"] },
    why: "the same on s390, where clone takes the flags as its second argument",
  },
  {
    names: ["clone3"],
    errnoRet: ENOSYS,
    excludes: { caps: ["CAP_SYS_ADMIN"] },
    why: "clone3 passes its flags in a struct that seccomp cannot read: ENOSYS makes libc fall back to clone, whose flags are checked",
  },
  // --- kernel version ------------------------------------------------------------------------
  {
    names: ["process_vm_readv", "process_vm_writev", "ptrace"],
    includes: { minKernel: "4.8" },
    why: "before Linux 4.8 a traced process could escape seccomp (the filter ran before the tracer changed the call)",
  },
  // --- architecture-specific calls -----------------------------------------------------------
  {
    names: ["arch_prctl"],
    includes: { arches: ["amd64", "x32"] },
    why: "x86-64 only: sets the FS/GS base that thread-local storage needs",
  },
  {
    names: ["modify_ldt"],
    includes: { arches: ["amd64", "x32", "x86"] },
    why: "x86 only: 16-bit and Wine-style segment tables",
  },
  {
    names: [
      "arm_fadvise64_64",
      "arm_sync_file_range",
      "breakpoint",
      "cacheflush",
      "set_tls",
      "sync_file_range2",
    ],
    includes: { arches: ["arm", "arm64"] },
    why: "ARM only: ARM's forms of common calls and the ARM-private calls libc uses",
  },
  {
    names: ["swapcontext", "sync_file_range2"],
    includes: { arches: ["ppc64le"] },
    why: "POWER only: user context switching and POWER's sync_file_range",
  },
  {
    names: ["s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"],
    includes: { arches: ["s390", "s390x"] },
    why: "s390 only",
  },
  {
    // Docker lists riscv_hwprobe with the common calls; only RISC-V has it, so the effect is the same
    names: ["riscv_flush_icache", "riscv_hwprobe"],
    includes: { arches: ["riscv64"] },
    why: "RISC-V only: JIT compilers must flush the instruction cache; libc asks the CPU's features",
  },
  // --- capabilities: a capability Docker grants (--cap-add) brings the calls it exists for ----
  {
    names: ["open_by_handle_at"],
    includes: { caps: ["CAP_DAC_READ_SEARCH"] },
    why: "opens any file of a mounted filesystem by handle, bypassing the container's root (the 2014 'shocker' escape)",
  },
  {
    names: [
      "bpf",
      "clone",
      "clone3",
      "fanotify_init",
      "fsconfig",
      "fsmount",
      "fsopen",
      "fspick",
      "lookup_dcookie",
      "lsm_get_self_attr",
      "lsm_list_modules",
      "lsm_set_self_attr",
      "mount",
      "mount_setattr",
      "move_mount",
      "open_tree",
      "perf_event_open",
      "quotactl",
      "quotactl_fd",
      "setdomainname",
      "sethostname",
      "setns",
      "syslog",
      "umount",
      "umount2",
      "unshare",
    ],
    includes: { caps: ["CAP_SYS_ADMIN"] },
    why: "CAP_SYS_ADMIN: mounts, namespaces (clone and clone3 without a flag filter), host and domain names, BPF, perf, the kernel log, LSM attributes",
  },
  {
    names: ["reboot"],
    includes: { caps: ["CAP_SYS_BOOT"] },
    why: "CAP_SYS_BOOT",
  },
  {
    names: ["chroot"],
    includes: { caps: ["CAP_SYS_CHROOT"] },
    why: "CAP_SYS_CHROOT",
  },
  {
    names: ["delete_module", "finit_module", "init_module"],
    includes: { caps: ["CAP_SYS_MODULE"] },
    why: "CAP_SYS_MODULE: loading code into the host's kernel",
  },
  {
    names: ["acct"],
    includes: { caps: ["CAP_SYS_PACCT"] },
    why: "CAP_SYS_PACCT",
  },
  {
    names: [
      "kcmp",
      "pidfd_getfd",
      "process_madvise",
      "process_vm_readv",
      "process_vm_writev",
      "ptrace",
    ],
    includes: { caps: ["CAP_SYS_PTRACE"] },
    why: "CAP_SYS_PTRACE: reading and changing other processes",
  },
  {
    names: ["ioperm", "iopl"],
    includes: { caps: ["CAP_SYS_RAWIO"] },
    why: "CAP_SYS_RAWIO: raw I/O ports",
  },
  {
    names: ["clock_settime", "clock_settime64", "settimeofday", "stime"],
    includes: { caps: ["CAP_SYS_TIME"] },
    why: "CAP_SYS_TIME: setting the clock, which is the host's (there is no time namespace for CLOCK_REALTIME)",
  },
  {
    names: ["vhangup"],
    includes: { caps: ["CAP_SYS_TTY_CONFIG"] },
    why: "CAP_SYS_TTY_CONFIG",
  },
  {
    names: ["get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"],
    includes: { caps: ["CAP_SYS_NICE"] },
    why: "CAP_SYS_NICE: NUMA memory placement",
  },
  {
    names: ["syslog"],
    includes: { caps: ["CAP_SYSLOG"] },
    why: "CAP_SYSLOG: the kernel log",
  },
  {
    names: ["bpf"],
    includes: { caps: ["CAP_BPF"] },
    why: "CAP_BPF",
  },
  {
    names: ["perf_event_open"],
    includes: { caps: ["CAP_PERFMON"] },
    why: "CAP_PERFMON",
  },
];

/**
 * Names in this profile that dockward's syscall tables (x86-64, x86, x32, AArch64, ARM) do not
 * have, with the architecture that has them: the tables cover those five only.
 */
export const NAMES_WITHOUT_TABLE: Readonly<Record<string, string>> = {
  riscv_flush_icache: "riscv64",
  riscv_hwprobe: "riscv64",
  s390_pci_mmio_read: "s390x",
  s390_pci_mmio_write: "s390x",
  s390_runtime_instr: "s390x",
  swapcontext: "ppc64le",
};
