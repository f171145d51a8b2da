// Writes src/seccomp/syscalls/tables.ts: syscall names and numbers for the five architectures
// Docker's seccomp profiles name (x86_64, x86, x32, aarch64, arm), read from a Linux source
// tree's own syscall tables.
//
//   node scripts/gen-syscalls.mjs --linux DIR [--version v6.18] [--date YYYY-MM-DD]
//                                 [--out FILE] [--check]
//
// --version defaults to the one in DIR/Makefile, --date to today (UTC); give both to rebuild the
// committed file byte for byte. --check compares instead of writing and exits 1 on a difference.
//
// What is taken from each table, and why (the kernel's own header generator makes the same
// choices, so every name here is a `__NR_` constant of that architecture's <asm/unistd.h>):
//
// - x86_64: arch/x86/entry/syscalls/syscall_64.tbl, abis `common` and `64`.
// - x32: the same file, abis `common` and `x32`, every number with __X32_SYSCALL_BIT (0x40000000)
//   as the kernel and libseccomp number them. The `64` rows are left out: an x32 task calling
//   e.g. 13 (x86_64's rt_sigaction) gets ENOSYS; x32's rt_sigaction is 512 | 0x40000000, one of
//   the compat entries 512-547 that exist for x32 only.
// - x86: arch/x86/entry/syscalls/syscall_32.tbl, abi `i386` (the only one it may hold).
// - aarch64: scripts/syscall.tbl (the generic table arm64 uses since 6.11), abis `common`, `64`
//   and the extra ones arch/arm64/kernel/Makefile.syscalls lists (syscall_abis_64: renameat,
//   rlimit, memfd_secret in 6.18). The `32`/`time32`/`stat64` rows and other architectures'
//   private slots (arc, csky, riscv, …) are not arm64's.
// - arm: arch/arm/tools/syscall.tbl, abis `common` and `eabi` (Docker on arm is EABI; the `oabi`
//   rows such as time, socketcall, ipc do not exist for an EABI task), plus the ARM-private
//   calls of arch/arm/include/uapi/asm/unistd.h (__ARM_NR_BASE 0x0f0000 + n: breakpoint,
//   cacheflush, usr26, usr32, set_tls, get_tls) which profiles name and libseccomp resolves.
//
// Rows without an entry point (x86_64's security, tuxcall, uselib; i386's break, stty, …) and rows
// that point at sys_ni_syscall are kept: the number is reserved for that name, the headers define
// it, and a profile may list it. Slots that a table only mentions in a comment ("222 is unused",
// "447 reserved for memfd_secret" on arm) have no name and are not entries. A number or name that
// appears twice in one architecture's selection, a row whose number is not decimal, or an abi a
// table is not known to use stops the script: a new kernel that changes the rules needs a look.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = resolve(fileURLToPath(new URL("..", import.meta.url)));
const DEFAULT_OUT = join(REPO, "src/seccomp/syscalls/tables.ts");
const X32_SYSCALL_BIT = 0x40000000;

const PATHS = {
  x86_64: "arch/x86/entry/syscalls/syscall_64.tbl",
  x86: "arch/x86/entry/syscalls/syscall_32.tbl",
  generic: "scripts/syscall.tbl",
  arm64Abis: "arch/arm64/kernel/Makefile.syscalls",
  arm: "arch/arm/tools/syscall.tbl",
  armPrivate: "arch/arm/include/uapi/asm/unistd.h",
};

class InputError extends Error {}

function parseArgs(argv) {
  const args = { linux: undefined, version: undefined, date: undefined, out: DEFAULT_OUT };
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--check") {
      check = true;
      continue;
    }
    const key = { "--linux": "linux", "--version": "version", "--date": "date", "--out": "out" }[
      flag
    ];
    const value = argv[i + 1];
    if (key === undefined || value === undefined || value.startsWith("--")) {
      throw new InputError(
        `unexpected argument ${JSON.stringify(flag)}; usage: node scripts/gen-syscalls.mjs --linux DIR [--version v6.18] [--date YYYY-MM-DD] [--out FILE] [--check]`,
      );
    }
    args[key] = value;
    i++;
  }
  if (args.linux === undefined)
    throw new InputError("--linux DIR (a Linux source tree) is required");
  if (args.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(args.date)) {
    throw new InputError(`--date ${JSON.stringify(args.date)} is not YYYY-MM-DD`);
  }
  return { ...args, check };
}

/** The tag-style version (v6.18, v6.19-rc3, v6.18.2) of the tree's top-level Makefile. */
function versionFromMakefile(linux) {
  let text;
  try {
    text = readFileSync(join(linux, "Makefile"), "utf8");
  } catch {
    throw new InputError(`${linux}/Makefile is missing: pass --version (e.g. --version v6.18)`);
  }
  const field = (name) => new RegExp(`^${name}\\s*=\\s*(\\S*)\\s*$`, "m").exec(text)?.[1] ?? "";
  const [major, minor, sub, extra] = ["VERSION", "PATCHLEVEL", "SUBLEVEL", "EXTRAVERSION"].map(
    field,
  );
  if (!major || !minor) throw new InputError(`${linux}/Makefile has no VERSION/PATCHLEVEL`);
  return `v${major}.${minor}${sub && sub !== "0" ? `.${sub}` : ""}${extra}`;
}

function readSource(linux, path) {
  try {
    return readFileSync(join(linux, path), "utf8");
  } catch (cause) {
    throw new InputError(`cannot read ${join(linux, path)}: ${cause.message}`);
  }
}

/** git's object id for the file, so a reader can match it against `git ls-tree <tag>`. */
function gitBlobId(text) {
  const bytes = Buffer.from(text, "utf8");
  return createHash("sha1")
    .update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]))
    .digest("hex");
}

/** Rows of a syscall.tbl: `<number> <abi> <name> [<entry point> …]`, comments and blanks skipped. */
function parseTable(text, path) {
  const rows = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") return;
    const [nr, abi, name] = line.split(/\s+/);
    const where = `${path}:${index + 1}`;
    if (!/^\d+$/.test(nr) || abi === undefined || name === undefined) {
      throw new InputError(`${where}: not a "<number> <abi> <name>" row: ${JSON.stringify(raw)}`);
    }
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
      throw new InputError(`${where}: unexpected syscall name ${JSON.stringify(name)}`);
    }
    rows.push({ nr: Number(nr), abi, name, where });
  });
  return rows;
}

/** The rows whose abi is in `take`; an abi outside `known` (when given) is an error. */
function select(rows, take, known) {
  return rows.filter((row) => {
    if (known !== undefined && !known.includes(row.abi)) {
      throw new InputError(
        `${row.where}: abi ${JSON.stringify(row.abi)} is new in this table; decide which architectures it belongs to in scripts/gen-syscalls.mjs`,
      );
    }
    return take.includes(row.abi);
  });
}

/** Extra abis arm64 takes from the generic table (arch/arm64/kernel/Makefile.syscalls). */
function arm64ExtraAbis(text, path) {
  const match = /^syscall_abis_64\s*\+?=[ \t]*(.*)$/m.exec(text);
  if (!match) throw new InputError(`${path}: no syscall_abis_64 line`);
  return match[1].split(/[\s,]+/).filter((abi) => abi !== "");
}

/** ARM-private calls: `#define __ARM_NR_<name> (__ARM_NR_BASE+<n>)`, base 0x0f0000 for EABI. */
function armPrivate(text, path) {
  const base = /^#define\s+__ARM_NR_BASE\s+\(__NR_SYSCALL_BASE\s*\+\s*(0x[0-9a-fA-F]+|\d+)\)/m.exec(
    text,
  );
  if (!base) throw new InputError(`${path}: no __ARM_NR_BASE definition`);
  const rows = [];
  for (const m of text.matchAll(/^#define\s+__ARM_NR_(\w+)\s+\(__ARM_NR_BASE\s*\+\s*(\d+)\)/gm)) {
    rows.push({ nr: Number(base[1]) + Number(m[2]), abi: "eabi", name: m[1], where: path });
  }
  if (rows.length === 0) throw new InputError(`${path}: no __ARM_NR_* calls`);
  return rows;
}

/** Sorted, checked entries of one architecture. */
function entries(arch, rows) {
  const byName = new Map();
  const byNumber = new Map();
  for (const row of rows) {
    const clash = byName.get(row.name) ?? byNumber.get(row.nr);
    if (clash !== undefined) {
      throw new InputError(
        `${arch}: ${row.where} (${row.nr} ${row.name}) clashes with ${clash.where} (${clash.nr} ${clash.name})`,
      );
    }
    byName.set(row.name, row);
    byNumber.set(row.nr, row);
  }
  return [...byNumber.values()].sort((a, b) => a.nr - b.nr);
}

export function buildTables(linux) {
  const text = Object.fromEntries(
    Object.entries(PATHS).map(([key, path]) => [key, readSource(linux, path)]),
  );
  const x86_64Rows = parseTable(text.x86_64, PATHS.x86_64);
  const genericRows = parseTable(text.generic, PATHS.generic);
  const armRows = parseTable(text.arm, PATHS.arm);
  const tables = {
    x86_64: { base: 0, rows: select(x86_64Rows, ["common", "64"], ["common", "64", "x32"]) },
    x86: {
      base: 0,
      rows: select(parseTable(text.x86, PATHS.x86), ["i386"], ["i386"]),
    },
    x32: { base: X32_SYSCALL_BIT, rows: select(x86_64Rows, ["common", "x32"]) },
    aarch64: {
      base: 0,
      rows: select(genericRows, [
        "common",
        "64",
        ...arm64ExtraAbis(text.arm64Abis, PATHS.arm64Abis),
      ]),
    },
    arm: {
      base: 0,
      rows: [
        ...select(armRows, ["common", "eabi"], ["common", "oabi", "eabi"]),
        ...armPrivate(text.armPrivate, PATHS.armPrivate),
      ],
    },
  };
  return {
    sources: Object.values(PATHS).map((path, i) => ({
      path,
      blob: gitBlobId(Object.values(text)[i]),
    })),
    tables: Object.fromEntries(
      Object.entries(tables).map(([arch, { base, rows }]) => [
        arch,
        { base, entries: entries(arch, rows) },
      ]),
    ),
  };
}

export function render({ sources, tables }, version, date) {
  const width = Math.max(...sources.map((s) => s.path.length));
  const lines = [
    "// generated by scripts/gen-syscalls.mjs — do not edit",
    "//",
    `// Syscall names and numbers of Linux ${version}, read from the kernel's own tables on ${date}:`,
    ...sources.map((s) => `//   ${s.path.padEnd(width)}  git blob ${s.blob}`),
    "// Which rows each architecture takes is explained at the top of scripts/gen-syscalls.mjs.",
    `// Rebuild: node scripts/gen-syscalls.mjs --linux <linux ${version} tree> --version ${version} --date ${date}`,
    "",
    `export const SOURCE = { kernel: "${version}", generated: "${date}" };`,
    "",
    "/** Per architecture: the number added to every entry, and one `number name` line per syscall. */",
    "export const TABLES = {",
  ];
  for (const [arch, { base, entries: list }] of Object.entries(tables)) {
    lines.push(`  ${arch}: {`);
    lines.push(`    base: ${base === 0 ? "0" : `0x${base.toString(16)}`},`);
    lines.push(`    entries: \``);
    for (const e of list) lines.push(`${e.nr} ${e.name}`);
    lines.push("`,");
    lines.push("  },");
  }
  lines.push("};", "");
  return lines.join("\n");
}

function main(argv) {
  const args = parseArgs(argv);
  const version = args.version ?? versionFromMakefile(args.linux);
  const date = args.date ?? new Date().toISOString().slice(0, 10);
  const built = buildTables(args.linux);
  const output = render(built, version, date);
  const out = resolve(args.out);
  if (args.check) {
    let current = "";
    try {
      current = readFileSync(out, "utf8");
    } catch {
      // a missing file differs like any other
    }
    if (current !== output) {
      console.error(`${relative(process.cwd(), out)} differs from what ${args.linux} generates`);
      return 1;
    }
    console.log(`${relative(process.cwd(), out)} is up to date (Linux ${version}, ${date})`);
    return 0;
  }
  writeFileSync(out, output);
  const counts = Object.entries(built.tables)
    .map(([arch, t]) => `${arch} ${t.entries.length}`)
    .join(", ");
  console.log(`wrote ${relative(process.cwd(), out)} (Linux ${version}: ${counts})`);
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    console.error(`gen-syscalls: ${error.message}`);
    process.exitCode = 2;
  }
}
