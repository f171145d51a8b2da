import { execFile, execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  SYSCALL_ARCHES,
  SYSCALL_TABLE_SOURCE,
  X32_SYSCALL_BIT,
  archFromAuditArch,
  archFromAuditRecord,
  hostArch,
  isKnownSyscall,
  syscallName,
  syscallNames,
  syscallNumber,
  tableForScmpArch,
  type SyscallArch,
} from "../../../src/seccomp/syscalls/index.js";
import { TABLES } from "../../../src/seccomp/syscalls/tables.js";

const run = promisify(execFile);
const REPO = fileURLToPath(new URL("../../..", import.meta.url));
const X32 = X32_SYSCALL_BIT;
const ARM_PRIVATE = 0x0f0000;

describe("well-known numbers (Linux v6.18)", () => {
  const cases: [SyscallArch, string, number][] = [
    ["x86_64", "read", 0],
    ["x86_64", "write", 1],
    ["x86_64", "open", 2],
    ["x86_64", "execve", 59],
    ["x86_64", "security", 185],
    ["x86_64", "uretprobe", 335],
    ["x86_64", "uprobe", 336],
    ["x86_64", "clone3", 435],
    ["x86_64", "memfd_secret", 447],
    ["x86_64", "statmount", 457],
    ["x86_64", "listmount", 458],
    ["x86_64", "lsm_get_self_attr", 459],
    ["x86_64", "lsm_set_self_attr", 460],
    ["x86_64", "lsm_list_modules", 461],
    ["x86_64", "mseal", 462],
    ["x86_64", "setxattrat", 463],
    ["x86_64", "getxattrat", 464],
    ["x86_64", "listxattrat", 465],
    ["x86_64", "removexattrat", 466],
    ["x86_64", "open_tree_attr", 467],
    ["x86_64", "file_getattr", 468],
    ["x86_64", "file_setattr", 469],
    ["x86", "restart_syscall", 0],
    ["x86", "read", 3],
    ["x86", "execve", 11],
    ["x86", "break", 17],
    ["x86", "socketcall", 102],
    ["x86", "clone3", 435],
    ["x86", "mseal", 462],
    ["x86", "file_setattr", 469],
    ["x32", "read", X32 + 0],
    ["x32", "rt_sigaction", X32 + 512],
    ["x32", "execve", X32 + 520],
    ["x32", "pwritev2", X32 + 547],
    ["x32", "uprobe", X32 + 336],
    ["x32", "file_setattr", X32 + 469],
    ["aarch64", "io_setup", 0],
    ["aarch64", "openat", 56],
    ["aarch64", "read", 63],
    ["aarch64", "fstat", 80],
    ["aarch64", "execve", 221],
    ["aarch64", "renameat", 38],
    ["aarch64", "getrlimit", 163],
    ["aarch64", "memfd_secret", 447],
    ["aarch64", "clone3", 435],
    ["aarch64", "listmount", 458],
    ["aarch64", "file_setattr", 469],
    ["arm", "restart_syscall", 0],
    ["arm", "read", 3],
    ["arm", "execve", 11],
    ["arm", "arm_fadvise64_64", 270],
    ["arm", "arm_sync_file_range", 341],
    ["arm", "clone3", 435],
    ["arm", "file_setattr", 469],
    ["arm", "breakpoint", ARM_PRIVATE + 1],
    ["arm", "cacheflush", ARM_PRIVATE + 2],
    ["arm", "set_tls", ARM_PRIVATE + 5],
    ["arm", "get_tls", ARM_PRIVATE + 6],
  ];
  it.each(cases)("%s %s = %i", (arch, name, nr) => {
    expect(syscallNumber(arch, name)).toBe(nr);
    expect(syscallName(arch, nr)).toBe(name);
  });

  const absent: [SyscallArch, string, string][] = [
    ["x86_64", "listns", "added in 6.19"],
    ["x86_64", "socketcall", "i386 only"],
    ["x86", "uprobe", "x86_64's trampoline only"],
    ["x86", "arch_specific_syscall", "not a syscall"],
    ["x32", "uselib", "a `64` row"],
    ["x32", "set_thread_area", "a `64` row"],
    ["aarch64", "open", "the generic table has openat only"],
    ["aarch64", "fork", "clone only"],
    ["aarch64", "stat", "no legacy stat"],
    ["aarch64", "fstatat64", "a `stat64` (32-bit) row"],
    ["aarch64", "fcntl64", "a `32` row"],
    ["aarch64", "cacheflush", "arc/csky/nios2 private slot"],
    ["aarch64", "riscv_flush_icache", "riscv private slot"],
    ["arm", "time", "an `oabi` row"],
    ["arm", "socketcall", "an `oabi` row"],
    ["arm", "ipc", "an `oabi` row"],
    ["arm", "getrlimit", "an `oabi` row (ugetrlimit is EABI's)"],
    ["arm", "memfd_secret", "only reserved on arm"],
  ];
  it("resolves libseccomp's arm names to the kernel's arm_ entries", () => {
    expect(syscallNames("arm").has("sync_file_range2")).toBe(false);
    expect(syscallNumber("arm", "sync_file_range2")).toBe(
      syscallNumber("arm", "arm_sync_file_range"),
    );
    expect(syscallNumber("arm", "fadvise64_64")).toBe(syscallNumber("arm", "arm_fadvise64_64"));
    expect(syscallNumber("arm", "sync_file_range2")).toBeDefined();
    expect(syscallNumber("x86_64", "sync_file_range2")).toBeUndefined();
  });

  it.each(absent)("%s has no %s (%s)", (arch, name) => {
    expect(syscallNumber(arch, name)).toBeUndefined();
    expect(syscallNames(arch).has(name)).toBe(false);
  });

  it("an x86_64-only number is no x32 syscall, and x32 numbers are none of x86_64's", () => {
    expect(syscallName("x32", X32 + 13)).toBeUndefined(); // x86_64's rt_sigaction
    expect(syscallName("x32", X32 + 59)).toBeUndefined(); // x86_64's execve
    expect(syscallName("x32", 0)).toBeUndefined();
    expect(syscallName("x86_64", X32)).toBeUndefined();
    expect(syscallName("x86_64", 512)).toBeUndefined();
  });
});

describe("table consistency", () => {
  const ranges: Record<SyscallArch, [number, number][]> = {
    x86_64: [[0, 548]],
    x86: [[0, 548]],
    x32: [[X32, X32 + 548]],
    aarch64: [[0, 548]],
    arm: [
      [0, 548],
      [ARM_PRIVATE, ARM_PRIVATE + 0x100],
    ],
  };

  it.each(SYSCALL_ARCHES)("%s: one number per name, one name per number, in range", (arch) => {
    const lines = TABLES[arch].entries.split("\n").filter((line) => line !== "");
    const names = lines.map((line) => line.split(" ")[1]);
    const numbers = lines.map((line) => TABLES[arch].base + Number(line.split(" ")[0]));
    expect(lines.length).toBeGreaterThan(300);
    expect(new Set(names).size).toBe(lines.length);
    expect(new Set(numbers).size).toBe(lines.length);
    expect(syscallNames(arch).size).toBe(lines.length);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    for (const [i, nr] of numbers.entries()) {
      const name = names[i] ?? "";
      expect(name).toMatch(/^[a-z_][a-z0-9_]*$/);
      expect(Number.isInteger(nr), `${arch} ${name}`).toBe(true);
      expect(
        ranges[arch].some(([lo, hi]) => nr >= lo && nr < hi),
        `${arch} ${name} = ${nr} is outside ${JSON.stringify(ranges[arch])}`,
      ).toBe(true);
      expect(syscallNumber(arch, name)).toBe(nr);
      expect(syscallName(arch, nr)).toBe(name);
    }
  });

  it("the data file says it is generated, from which kernel, files and day", () => {
    const text = readFileSync(join(REPO, "src/seccomp/syscalls/tables.ts"), "utf8");
    expect(text.split("\n")[0]).toBe("// generated by scripts/gen-syscalls.mjs — do not edit");
    expect(SYSCALL_TABLE_SOURCE.kernel).toBe("v6.18");
    expect(SYSCALL_TABLE_SOURCE.generated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const path of [
      "arch/x86/entry/syscalls/syscall_64.tbl",
      "arch/x86/entry/syscalls/syscall_32.tbl",
      "scripts/syscall.tbl",
      "arch/arm64/kernel/Makefile.syscalls",
      "arch/arm/tools/syscall.tbl",
      "arch/arm/include/uapi/asm/unistd.h",
    ]) {
      expect(text).toMatch(new RegExp(`^//   ${path} +git blob [0-9a-f]{40}$`, "m"));
    }
    expect(text).toContain(
      `--version ${SYSCALL_TABLE_SOURCE.kernel} --date ${SYSCALL_TABLE_SOURCE.generated}`,
    );
  });
});

describe("lookups by name across architectures", () => {
  it.each([
    ["open", undefined, true],
    ["open", ["aarch64"], false],
    ["openat", ["aarch64"], true],
    ["cacheflush", undefined, true],
    ["cacheflush", ["x86_64", "x86", "x32", "aarch64"], false],
    ["uprobe", ["x86", "aarch64", "arm"], false],
    ["uprobe", ["x32"], true],
    ["socketcall", ["x86_64", "x86"], true],
    ["notasyscall", undefined, false],
    ["", undefined, false],
    ["__proto__", undefined, false],
    ["constructor", undefined, false],
    ["read", [], false],
  ] satisfies [string, SyscallArch[] | undefined, boolean][])(
    "isKnownSyscall(%j, %j) is %s",
    (name, arches, known) => {
      expect(isKnownSyscall(name, arches)).toBe(known);
    },
  );
});

describe("architecture names", () => {
  it.each([
    ["SCMP_ARCH_X86_64", "x86_64"],
    ["SCMP_ARCH_X86", "x86"],
    ["SCMP_ARCH_X32", "x32"],
    ["SCMP_ARCH_AARCH64", "aarch64"],
    ["SCMP_ARCH_ARM", "arm"],
    ["SCMP_ARCH_MIPS", undefined],
    ["SCMP_ARCH_RISCV64", undefined],
    ["scmp_arch_x86_64", undefined],
    ["x86_64", undefined],
    ["", undefined],
  ])("tableForScmpArch(%j) = %s", (scmp, arch) => {
    expect(tableForScmpArch(scmp)).toBe(arch);
  });

  it.each([
    ["c000003e", "x86_64"],
    ["C000003E", "x86_64"],
    ["0xc000003e", "x86_64"],
    ["40000003", "x86"],
    ["c00000b7", "aarch64"],
    ["40000028", "arm"],
    ["28", undefined], // big-endian ARM
    ["c00000f3", undefined], // riscv64
    ["c000003e0", undefined],
    ["zz", undefined],
    ["", undefined],
  ])("archFromAuditArch(%j) = %s", (hex, arch) => {
    expect(archFromAuditArch(hex)).toBe(arch);
  });

  it("an x86_64 audit record with the x32 bit in its number is an x32 syscall", () => {
    expect(archFromAuditRecord("c000003e", 59)).toBe("x86_64");
    const nr = X32 + 520;
    const arch = archFromAuditRecord("c000003e", nr);
    expect(arch).toBe("x32");
    expect(arch && syscallName(arch, nr)).toBe("execve");
    expect(archFromAuditRecord("40000003", 11)).toBe("x86");
    expect(archFromAuditRecord("28", 11)).toBeUndefined();
  });

  it.each([
    ["x64", "x86_64"],
    ["ia32", "x86"],
    ["arm64", "aarch64"],
    ["arm", "arm"],
    ["s390x", undefined],
    ["riscv64", undefined],
  ])("hostArch(%j) = %s", (nodeArch, arch) => {
    expect(hostArch(nodeArch)).toBe(arch);
  });

  it("hostArch() reads process.arch", () => {
    expect(hostArch()).toBe(hostArch(process.arch));
  });
});

/** `#define __NR_name N` or `(__X32_SYSCALL_BIT + N)` lines of an installed <asm/unistd_*.h>. */
function kernelHeader(file: string): Map<string, number> {
  const path = `/usr/include/x86_64-linux-gnu/asm/${file}`;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new Error(
      `${path} is missing: install Debian's linux-libc-dev (the syscall oracle reads it)`,
      { cause },
    );
  }
  const defines = new Map<string, number>();
  for (const m of text.matchAll(/^#define __NR_(\w+)\s+(\d+)$/gm)) {
    defines.set(m[1] ?? "", Number(m[2]));
  }
  for (const m of text.matchAll(/^#define __NR_(\w+)\s+\(__X32_SYSCALL_BIT \+ (\d+)\)$/gm)) {
    defines.set(m[1] ?? "", X32 + Number(m[2]));
  }
  return defines;
}

describe("oracle: Debian's kernel headers (linux-libc-dev, older than v6.18)", () => {
  it.each([
    ["unistd_64.h", "x86_64"],
    ["unistd_32.h", "x86"],
    ["unistd_x32.h", "x32"],
  ] satisfies [string, SyscallArch][])("every name and number of %s is in %s", (file, arch) => {
    const header = kernelHeader(file);
    expect(header.size, `${file} parsed to too few defines`).toBeGreaterThan(300);
    const mismatches = [...header]
      .filter(([name, nr]) => syscallNumber(arch, name) !== nr)
      .map(([name, nr]) => `${name}: header ${nr}, ours ${syscallNumber(arch, name)}`);
    expect(mismatches).toEqual([]);
  });
});

describe("oracle: libseccomp's scmp_sys_resolver (Debian package seccomp)", () => {
  beforeAll(() => {
    try {
      execFileSync("scmp_sys_resolver", ["-a", "x86_64", "read"], { stdio: "pipe" });
    } catch (cause) {
      throw new Error(
        "scmp_sys_resolver did not run: install Debian's `seccomp` package (scripts/install.sh does)",
        { cause },
      );
    }
  });

  /** One shell per batch: `query<TAB>answer` per line, the resolver run once per query. */
  async function resolve(arch: string, queries: readonly string[]): Promise<Map<string, string>> {
    const script =
      'a=$1; shift; for q; do printf "%s\\t%s\\n" "$q" "$(scmp_sys_resolver -a "$a" "$q")"; done';
    const { stdout } = await run("sh", ["-c", script, "sh", arch, ...queries], {
      maxBuffer: 16 * 1024 * 1024,
    });
    const answers = new Map<string, string>();
    for (const line of stdout.split("\n")) {
      const [query, answer] = line.split("\t");
      if (query !== undefined && answer !== undefined) answers.set(query, answer);
    }
    expect(answers.size, `scmp_sys_resolver answered ${answers.size} of ${queries.length}`).toBe(
      new Set(queries).size,
    );
    return answers;
  }

  it.each(SYSCALL_ARCHES)(
    "%s: every name libseccomp knows has our number, and every number it names has our name",
    async (arch) => {
      const names = [...syscallNames(arch)];
      const base = TABLES[arch].base;
      const numbers = Array.from({ length: 600 }, (_, i) => base + i);
      if (arch === "arm") numbers.push(...Array.from({ length: 16 }, (_, i) => ARM_PRIVATE + i));
      const [forward, reverse] = await Promise.all([
        resolve(arch, names),
        resolve(arch, numbers.map(String)),
      ]);

      const wrongNumber: string[] = [];
      let known = 0;
      for (const name of names) {
        const answer = Number(forward.get(name));
        if (answer < 0) continue; // a name newer than libseccomp 2.5.4
        known++;
        if (answer !== syscallNumber(arch, name)) {
          wrongNumber.push(`${name}: libseccomp ${answer}, ours ${syscallNumber(arch, name)}`);
        }
      }
      const wrongName: string[] = [];
      for (const nr of numbers) {
        const answer = reverse.get(String(nr));
        if (answer === "UNKNOWN") continue;
        if (answer !== syscallName(arch, nr)) {
          wrongName.push(`${nr}: libseccomp ${answer}, ours ${syscallName(arch, nr)}`);
        }
      }
      expect(wrongNumber).toEqual([]);
      expect(wrongName).toEqual([]);
      expect(known, "libseccomp should know most of the names").toBeGreaterThan(300);
    },
    120_000,
  );
});

describe("scripts/gen-syscalls.mjs", () => {
  let linux: string;
  let out: string;

  // A tiny kernel tree with one row of each kind the generator must sort out.
  const FIXTURE: Record<string, string> = {
    "arch/x86/entry/syscalls/syscall_64.tbl": [
      "# header comment",
      "0\tcommon\tread\t\t\tsys_read",
      "13\t64\trt_sigaction\t\tsys_rt_sigaction",
      "185\tcommon\tsecurity",
      "462 \tcommon  mseal\t\t\tsys_mseal",
      "",
      "512\tx32\trt_sigaction\t\tcompat_sys_rt_sigaction",
      "",
    ].join("\n"),
    "arch/x86/entry/syscalls/syscall_32.tbl": "0\ti386\trestart_syscall\tsys_restart_syscall\n",
    "scripts/syscall.tbl": [
      "25\t32\tfcntl64\t\tsys_fcntl64",
      "25\t64\tfcntl\t\tsys_fcntl",
      "38\trenameat renameat\tsys_renameat",
      "244\tarc\tcacheflush\tsys_cacheflush",
      "447\tmemfd_secret\tmemfd_secret\tsys_memfd_secret",
      "",
    ].join("\n"),
    "arch/arm64/kernel/Makefile.syscalls": "syscall_abis_64 += renameat rlimit memfd_secret\n",
    "arch/arm/tools/syscall.tbl": [
      "3\tcommon\tread\t\tsys_read",
      "13\toabi\ttime\t\tsys_time32",
      "# 447 reserved for memfd_secret",
      "",
    ].join("\n"),
    "arch/arm/include/uapi/asm/unistd.h": [
      "#define __ARM_NR_BASE\t\t\t(__NR_SYSCALL_BASE+0x0f0000)",
      "#define __ARM_NR_cacheflush\t\t(__ARM_NR_BASE+2)",
      "",
    ].join("\n"),
    Makefile: "VERSION = 6\nPATCHLEVEL = 99\nSUBLEVEL = 0\nEXTRAVERSION = -rc1\n",
  };

  function writeTree(files: Record<string, string>): void {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(linux, path)), { recursive: true });
      writeFileSync(join(linux, path), text);
    }
  }

  function generate(...args: string[]): { status: number | null; stderr: string; text: string } {
    const result = spawnSync(
      process.execPath,
      [join(REPO, "scripts/gen-syscalls.mjs"), "--linux", linux, "--out", out, ...args],
      { encoding: "utf8" },
    );
    let text = "";
    try {
      text = readFileSync(out, "utf8");
    } catch {
      // nothing written
    }
    return { status: result.status, stderr: result.stderr, text };
  }

  /** `arch: [[number, name], …]` from a generated file. */
  function tablesOf(text: string): Record<string, [number, string][]> {
    const tables: Record<string, [number, string][]> = {};
    for (const m of text.matchAll(/^ {2}(\w+): \{\n {4}base: (\w+),\n {4}entries: `([^`]*)`/gm)) {
      const base = Number(m[2]);
      tables[m[1] ?? ""] = (m[3] ?? "")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => {
          const [nr, name] = line.split(" ");
          return [base + Number(nr), name ?? ""];
        });
    }
    return tables;
  }

  beforeAll(() => {
    linux = mkdtempSync(join(tmpdir(), "gen-syscalls-"));
    out = join(linux, "tables.ts");
  });
  afterAll(() => {
    rmSync(linux, { recursive: true, force: true });
  });

  it("takes each architecture's abis, the x32 bit and the ARM-private calls", () => {
    writeTree(FIXTURE);
    const { status, stderr, text } = generate("--date", "2000-01-02");
    expect(stderr).toBe("");
    expect(status).toBe(0);
    expect(tablesOf(text)).toEqual({
      x86_64: [
        [0, "read"],
        [13, "rt_sigaction"],
        [185, "security"],
        [462, "mseal"],
      ],
      x86: [[0, "restart_syscall"]],
      x32: [
        [X32 + 0, "read"],
        [X32 + 185, "security"],
        [X32 + 462, "mseal"],
        [X32 + 512, "rt_sigaction"],
      ],
      aarch64: [
        [25, "fcntl"],
        [38, "renameat"],
        [447, "memfd_secret"],
      ],
      arm: [
        [3, "read"],
        [ARM_PRIVATE + 2, "cacheflush"],
      ],
    });
    // the version from the tree's Makefile, the date as given, each source with its git blob id
    expect(text).toContain("Linux v6.99-rc1, read from the kernel's own tables on 2000-01-02");
    const blob = execFileSync("git", ["hash-object", join(linux, "scripts/syscall.tbl")], {
      encoding: "utf8",
    }).trim();
    expect(text).toMatch(new RegExp(`^//   scripts/syscall.tbl +git blob ${blob}$`, "m"));
    expect(text).toContain(
      'export const SOURCE = { kernel: "v6.99-rc1", generated: "2000-01-02" };',
    );
  });

  it("--check passes on the same inputs and fails after a table changed", () => {
    writeTree(FIXTURE);
    expect(generate("--version", "v6.99", "--date", "2000-01-02").status).toBe(0);
    expect(generate("--version", "v6.99", "--date", "2000-01-02", "--check").status).toBe(0);
    writeTree({
      "arch/x86/entry/syscalls/syscall_32.tbl":
        "0\ti386\trestart_syscall\tsys_restart_syscall\n1\ti386\texit\tsys_exit\n",
    });
    const checked = generate("--version", "v6.99", "--date", "2000-01-02", "--check");
    expect(checked.status).toBe(1);
    expect(checked.stderr).toMatch(/tables\.ts differs from what .* generates/);
  });

  it.each([
    [
      "a number used twice",
      { "arch/arm/tools/syscall.tbl": "3\tcommon\tread\tsys_read\n3\teabi\tother\tsys_other\n" },
      /arm: arch\/arm\/tools\/syscall\.tbl:2 \(3 other\) clashes with arch\/arm\/tools\/syscall\.tbl:1 \(3 read\)/,
    ],
    [
      "a name used twice",
      { "arch/x86/entry/syscalls/syscall_32.tbl": "0\ti386\tread\tsys_read\n3\ti386\tread\tx\n" },
      /x86: .*syscall_32\.tbl:2 \(3 read\) clashes with .*syscall_32\.tbl:1 \(0 read\)/,
    ],
    [
      "an abi the table never had",
      { "arch/x86/entry/syscalls/syscall_32.tbl": "470\tcommon\tlistns\tsys_listns\n" },
      /syscall_32\.tbl:1: abi "common" is new in this table/,
    ],
    [
      "a row that is not one",
      { "scripts/syscall.tbl": "0x10\tcommon\tio_setup\tsys_io_setup\n" },
      /scripts\/syscall\.tbl:1: not a "<number> <abi> <name>" row/,
    ],
  ])("refuses %s", (_what, change, message) => {
    writeTree(FIXTURE);
    writeTree(change);
    const { status, stderr } = generate("--version", "v6.99", "--date", "2000-01-02");
    expect(status).toBe(2);
    expect(stderr).toMatch(message);
  });

  it("needs --version when the tree has no Makefile, and a YYYY-MM-DD date", () => {
    writeTree(FIXTURE);
    rmSync(join(linux, "Makefile"));
    const noVersion = generate("--date", "2000-01-02");
    expect(noVersion.status).toBe(2);
    expect(noVersion.stderr).toMatch(/Makefile is missing: pass --version/);
    const badDate = generate("--version", "v6.99", "--date", "02.01.2000");
    expect(badDate.status).toBe(2);
    expect(badDate.stderr).toMatch(/--date "02\.01\.2000" is not YYYY-MM-DD/);
  });
});
