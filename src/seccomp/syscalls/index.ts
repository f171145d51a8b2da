/**
 * Syscall names ↔ numbers for the architectures Docker's seccomp profiles name, from dockward's
 * own tables (tables.ts, generated from the Linux sources by scripts/gen-syscalls.mjs; the kernel
 * version and date are in SYSCALL_TABLE_SOURCE). No npm package or distribution header is
 * current enough: Debian 12's <asm/unistd_64.h> stops at 450 and its libseccomp (2.5.4) at 456,
 * while v6.18 goes to 469.
 *
 * Numbers are what the kernel sees in `orig_ax`/`x8`/`r7` and prints in audit records: x32
 * numbers carry __X32_SYSCALL_BIT (0x40000000), as in libseccomp; ARM-private calls
 * (cacheflush, set_tls, …) are 0x0f0000 + n.
 */
import { SOURCE, TABLES } from "./tables.js";

export type SyscallArch = "x86_64" | "x86" | "x32" | "aarch64" | "arm";

export const SYSCALL_ARCHES: readonly SyscallArch[] = ["x86_64", "x86", "x32", "aarch64", "arm"];

/** The Linux version the tables were read from (`v6.18`) and the day they were generated. */
export const SYSCALL_TABLE_SOURCE: { readonly kernel: string; readonly generated: string } = SOURCE;

/** Set in the syscall number of an x32 task (arch/x86/include/uapi/asm/unistd.h). */
export const X32_SYSCALL_BIT = 0x40000000;

interface RawTable {
  readonly base: number;
  /** one `number name` line per syscall; the first line is empty */
  readonly entries: string;
}

interface Table {
  readonly byName: ReadonlyMap<string, number>;
  readonly byNumber: ReadonlyMap<number, string>;
  readonly names: ReadonlySet<string>;
}

const RAW: Readonly<Record<SyscallArch, RawTable>> = TABLES;
const parsed = new Map<SyscallArch, Table>();

/** Each table is parsed on first use: most commands touch one architecture or none. */
function table(arch: SyscallArch): Table {
  let t = parsed.get(arch);
  if (t === undefined) {
    const { base, entries } = RAW[arch];
    const byName = new Map<string, number>();
    const byNumber = new Map<number, string>();
    for (const line of entries.split("\n")) {
      const space = line.indexOf(" ");
      if (space < 0) continue;
      const nr = base + Number(line.slice(0, space));
      const name = line.slice(space + 1);
      byName.set(name, nr);
      byNumber.set(nr, name);
    }
    t = { byName, byNumber, names: new Set(byName.keys()) };
    parsed.set(arch, t);
  }
  return t;
}

/** The number of `name` on `arch`, or undefined when that architecture has no such syscall. */
/**
 * Names libseccomp (and so runc, and Docker's default profile) uses where the kernel's table
 * says otherwise: on arm the kernel calls them arm_sync_file_range and arm_fadvise64_64.
 */
const LIBSECCOMP_NAMES: Readonly<Partial<Record<SyscallArch, Readonly<Record<string, string>>>>> = {
  arm: { sync_file_range2: "arm_sync_file_range", fadvise64_64: "arm_fadvise64_64" },
};

export function syscallNumber(arch: SyscallArch, name: string): number | undefined {
  const byName = table(arch).byName;
  return byName.get(name) ?? byName.get(LIBSECCOMP_NAMES[arch]?.[name] ?? "");
}

/**
 * The name of syscall `nr` on `arch`, or undefined for a number no syscall has.
 *
 * @example syscallName("x86_64", 59) // "execve"; syscallName("x32", 0x40000000 + 520) // "execve"
 */
export function syscallName(arch: SyscallArch, nr: number): string | undefined {
  return table(arch).byNumber.get(nr);
}

/** Every syscall name of `arch`. */
export function syscallNames(arch: SyscallArch): ReadonlySet<string> {
  return table(arch).names;
}

/** Whether any of `arches` (all five by default) has a syscall called `name`. */
export function isKnownSyscall(
  name: string,
  arches: readonly SyscallArch[] = SYSCALL_ARCHES,
): boolean {
  return arches.some((arch) => syscallNumber(arch, name) !== undefined);
}

const SCMP_ARCH_TABLES: ReadonlyMap<string, SyscallArch> = new Map([
  ["SCMP_ARCH_X86_64", "x86_64"],
  ["SCMP_ARCH_X86", "x86"],
  ["SCMP_ARCH_X32", "x32"],
  ["SCMP_ARCH_AARCH64", "aarch64"],
  ["SCMP_ARCH_ARM", "arm"],
]);

/**
 * The table for a Docker/libseccomp architecture name (`SCMP_ARCH_X86_64` → `x86_64`), or
 * undefined for the architectures dockward has no table for (MIPS, PPC, s390, RISC-V, …). The
 * names are matched exactly, as runc does.
 */
export function tableForScmpArch(scmpArch: string): SyscallArch | undefined {
  return SCMP_ARCH_TABLES.get(scmpArch);
}

/** AUDIT_ARCH_* (include/uapi/linux/audit.h): EM_* | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE. */
const AUDIT_ARCH_TABLES: ReadonlyMap<number, SyscallArch> = new Map([
  [0xc000003e, "x86_64"],
  [0x40000003, "x86"],
  [0xc00000b7, "aarch64"],
  [0x40000028, "arm"],
]);

/**
 * The table for the AUDIT_ARCH_* value of a kernel audit record (`arch=c000003e` → `x86_64`);
 * case and a `0x` prefix do not matter. Big-endian ARM (0x28) and other architectures give
 * undefined.
 *
 * x32 has no AUDIT_ARCH of its own: an x32 task's records carry `arch=c000003e` and a syscall
 * number with X32_SYSCALL_BIT set, so the table depends on the number too; that is what
 * `archFromAuditRecord` does.
 */
export function archFromAuditArch(hex: string): SyscallArch | undefined {
  const digits = hex.trim().replace(/^0x/i, "");
  if (!/^[0-9a-f]{1,8}$/i.test(digits)) return undefined;
  return AUDIT_ARCH_TABLES.get(Number.parseInt(digits, 16));
}

/**
 * The table for an audit record's `arch=` and `syscall=` together: `x32` when the arch is
 * x86_64 and the number carries X32_SYSCALL_BIT, otherwise as `archFromAuditArch`.
 *
 * @example
 * const arch = archFromAuditRecord("c000003e", 1073742344);  // "x32"
 * const name = arch && syscallName(arch, 1073742344);        // "execve"
 */
export function archFromAuditRecord(hex: string, syscall: number): SyscallArch | undefined {
  const arch = archFromAuditArch(hex);
  return arch === "x86_64" && syscall >= X32_SYSCALL_BIT ? "x32" : arch;
}

const NODE_ARCH_TABLES: ReadonlyMap<string, SyscallArch> = new Map([
  ["x64", "x86_64"],
  ["ia32", "x86"],
  ["arm64", "aarch64"],
  ["arm", "arm"],
]);

/**
 * The table of the machine dockward runs on, from Node's `process.arch` (x64, ia32, arm64, arm);
 * undefined elsewhere. Node does not run as an x32 process, so this is never `x32`.
 */
export function hostArch(nodeArch: string = process.arch): SyscallArch | undefined {
  return NODE_ARCH_TABLES.get(nodeArch);
}
