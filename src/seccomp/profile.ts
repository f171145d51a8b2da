/**
 * The seccomp profile model: Docker's profile format (moby `types.Seccomp`) as the daemon reads
 * it, after key folding and validation. Every module of src/seccomp speaks this model; the JSON
 * text is parsed into it by validate.ts and written back by `serializeProfile`.
 *
 * Argument values are `bigint`: the format stores them as uint64 and a profile written by hand
 * may use the full range (e.g. 18446744073709551615), which a JS number cannot hold.
 */

export const ACTIONS = [
  "SCMP_ACT_KILL",
  "SCMP_ACT_KILL_PROCESS",
  "SCMP_ACT_KILL_THREAD",
  "SCMP_ACT_TRAP",
  "SCMP_ACT_ERRNO",
  "SCMP_ACT_TRACE",
  "SCMP_ACT_ALLOW",
  "SCMP_ACT_LOG",
  "SCMP_ACT_NOTIFY",
] as const;
export type SeccompAction = (typeof ACTIONS)[number];

export const OPERATORS = [
  "SCMP_CMP_NE",
  "SCMP_CMP_LT",
  "SCMP_CMP_LE",
  "SCMP_CMP_EQ",
  "SCMP_CMP_GE",
  "SCMP_CMP_GT",
  "SCMP_CMP_MASKED_EQ",
] as const;
export type SeccompOperator = (typeof OPERATORS)[number];

/** The architecture names runc knows (libseccomp's, with the SCMP_ARCH_ prefix). */
export const ARCHITECTURES = [
  "SCMP_ARCH_X86",
  "SCMP_ARCH_X86_64",
  "SCMP_ARCH_X32",
  "SCMP_ARCH_ARM",
  "SCMP_ARCH_AARCH64",
  "SCMP_ARCH_MIPS",
  "SCMP_ARCH_MIPS64",
  "SCMP_ARCH_MIPS64N32",
  "SCMP_ARCH_MIPSEL",
  "SCMP_ARCH_MIPSEL64",
  "SCMP_ARCH_MIPSEL64N32",
  "SCMP_ARCH_PPC",
  "SCMP_ARCH_PPC64",
  "SCMP_ARCH_PPC64LE",
  "SCMP_ARCH_S390",
  "SCMP_ARCH_S390X",
  "SCMP_ARCH_PARISC",
  "SCMP_ARCH_PARISC64",
  "SCMP_ARCH_RISCV64",
] as const;
export type SeccompArch = (typeof ARCHITECTURES)[number];

/** Flags passed to seccomp(2) by runc. */
export const FLAGS = [
  "SECCOMP_FILTER_FLAG_TSYNC",
  "SECCOMP_FILTER_FLAG_LOG",
  "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
] as const;
export type SeccompFlag = (typeof FLAGS)[number];

export interface SeccompArg {
  /** 0..5 */
  index: number;
  value: bigint;
  valueTwo: bigint;
  op: SeccompOperator;
}

/** `includes` / `excludes` of a rule: the rule applies only when these hold (or do not). */
export interface SeccompFilter {
  /** capability names as Docker writes them: `CAP_SYS_ADMIN` */
  caps?: string[];
  /** Docker's architecture names (`amd64`, `arm64`, …), not SCMP_ARCH_* */
  arches?: string[];
  /** `major.minor`, e.g. `4.8` */
  minKernel?: string;
}

export interface SeccompRule {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: SeccompArg[];
  comment?: string;
  includes?: SeccompFilter;
  excludes?: SeccompFilter;
}

export interface SeccompArchMap {
  architecture: SeccompArch;
  subArchitectures: SeccompArch[];
}

export interface SeccompProfile {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  /** a profile has either `architectures` or `archMap` (the daemon refuses both) */
  architectures?: SeccompArch[];
  archMap?: SeccompArchMap[];
  flags?: SeccompFlag[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls: SeccompRule[];
}

/** The archMap Docker's own default profile uses: each 64-bit arch with its compat arches. */
export const DEFAULT_ARCH_MAP: readonly SeccompArchMap[] = [
  { architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] },
  { architecture: "SCMP_ARCH_AARCH64", subArchitectures: ["SCMP_ARCH_ARM"] },
];

function filterJson(f: SeccompFilter): Record<string, unknown> {
  return {
    ...(f.caps !== undefined ? { caps: f.caps } : {}),
    ...(f.arches !== undefined ? { arches: f.arches } : {}),
    ...(f.minKernel !== undefined ? { minKernel: f.minKernel } : {}),
  };
}

/** bigints as exact JSON numbers: JSON.stringify cannot, so they travel as marked strings. */
const BIG = "\u0000big:";

/**
 * The profile as JSON text, in the key order and shape Docker's own default.json uses, with
 * exact uint64 argument values. Deterministic: the same model always gives the same bytes, so
 * generated profiles diff cleanly.
 */
export function serializeProfile(p: SeccompProfile): string {
  const doc = {
    defaultAction: p.defaultAction,
    ...(p.defaultErrnoRet !== undefined ? { defaultErrnoRet: p.defaultErrnoRet } : {}),
    ...(p.architectures !== undefined ? { architectures: p.architectures } : {}),
    ...(p.archMap !== undefined ? { archMap: p.archMap } : {}),
    ...(p.flags !== undefined ? { flags: p.flags } : {}),
    ...(p.listenerPath !== undefined ? { listenerPath: p.listenerPath } : {}),
    ...(p.listenerMetadata !== undefined ? { listenerMetadata: p.listenerMetadata } : {}),
    syscalls: p.syscalls.map((r) => ({
      names: r.names,
      action: r.action,
      ...(r.errnoRet !== undefined ? { errnoRet: r.errnoRet } : {}),
      ...(r.args !== undefined
        ? {
            args: r.args.map((a) => ({
              index: a.index,
              value: `${BIG}${a.value.toString()}`,
              valueTwo: `${BIG}${a.valueTwo.toString()}`,
              op: a.op,
            })),
          }
        : {}),
      ...(r.comment !== undefined ? { comment: r.comment } : {}),
      ...(r.includes !== undefined ? { includes: filterJson(r.includes) } : {}),
      ...(r.excludes !== undefined ? { excludes: filterJson(r.excludes) } : {}),
    })),
  };
  const text = JSON.stringify(doc, null, "\t");
  // "\u0000big:123" → 123 (the marker cannot occur in a JSON-escaped user string: NUL is escaped)
  return `${text.replace(/"\\u0000big:(\d+)"/g, "$1")}\n`;
}
