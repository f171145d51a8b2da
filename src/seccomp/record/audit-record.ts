/**
 * The kernel's seccomp audit records as /dev/kmsg gives them, parsed. Pure: the reader that gets
 * the lines is kmsg.ts.
 *
 * One read() of /dev/kmsg returns one record: `LEVEL,SEQ,USEC,FLAGS[,…];MESSAGE\n`, then
 * optional ` KEY=VALUE` continuation lines. With no audit daemon registered, kauditd prints each
 * audit record there as
 *
 *   audit: type=1326 audit(1795897279.289:2): auid=4294967295 uid=0 gid=0 ses=4294967295
 *   pid=26206 comm="runc:[2:INIT]" exe="/" sig=0 arch=c000003e syscall=257 compat=0
 *   ip=0x40828e code=0x7ffc0000
 *
 * (one line). `pid` is the pid in the host's namespace; `code` is the filter's action without
 * its data, so SECCOMP_RET_LOG is exactly 0x7ffc0000.
 */

/** AUDIT_SECCOMP */
export const AUDIT_SECCOMP_TYPE = 1326;
/** SECCOMP_RET_LOG: the action of SCMP_ACT_LOG */
export const SECCOMP_RET_LOG = 0x7ffc0000;

export interface KmsgLine {
  /** the record's sequence number: consecutive for every kernel message, so a gap is a loss */
  seq: number;
  /** microseconds since boot */
  usec: number;
  message: string;
}

export interface SeccompAuditRecord {
  /** the kmsg sequence number, for ordering */
  seq: number;
  /** in the host's pid namespace */
  pid: number;
  comm: string;
  exe: string | undefined;
  /** AUDIT_ARCH_* in hex as the kernel prints it, e.g. c000003e for x86_64 */
  auditArch: string;
  /** as the kernel saw it: x32 calls carry the 0x40000000 bit */
  syscall: number;
  compat: boolean;
  /** the action (SECCOMP_RET_*), without data */
  code: number;
}

/** Split one /dev/kmsg record into its header and message; undefined if it is not one. */
export function parseKmsgLine(text: string): KmsgLine | undefined {
  const semi = text.indexOf(";");
  if (semi < 0) return undefined;
  const fields = text.slice(0, semi).split(",");
  const seq = Number(fields[1]);
  const usec = Number(fields[2]);
  if (fields.length < 3 || !Number.isSafeInteger(seq) || !Number.isFinite(usec)) return undefined;
  const rest = text.slice(semi + 1);
  const nl = rest.indexOf("\n");
  return { seq, usec, message: nl < 0 ? rest : rest.slice(0, nl) };
}

/**
 * Audit fields: `key=value` or `key="value"`. A value the kernel considers untrusted (comm, exe)
 * is printed as bare hex when it holds a space, quote or control character.
 */
function auditFields(text: string): Map<string, { value: string; quoted: boolean }> {
  const fields = new Map<string, { value: string; quoted: boolean }>();
  for (const m of text.matchAll(/([A-Za-z_]+)=(?:"([^"]*)"|(\S*))/g)) {
    const key = m[1] ?? "";
    if (fields.has(key)) continue;
    if (m[2] !== undefined) fields.set(key, { value: m[2], quoted: true });
    else fields.set(key, { value: m[3] ?? "", quoted: false });
  }
  return fields;
}

function untrusted(field: { value: string; quoted: boolean } | undefined): string | undefined {
  if (field === undefined) return undefined;
  if (field.quoted) return field.value;
  if (field.value === "(null)") return undefined;
  if (/^(?:[0-9A-F]{2})+$/.test(field.value)) return Buffer.from(field.value, "hex").toString();
  return field.value;
}

function integer(text: string | undefined, radix: 10 | 16): number | undefined {
  if (text === undefined) return undefined;
  const body = radix === 16 ? text.replace(/^0x/i, "") : text;
  const re = radix === 16 ? /^[0-9a-f]+$/i : /^\d+$/;
  if (!re.test(body)) return undefined;
  const n = Number.parseInt(body, radix);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A seccomp audit record (type 1326) from a kmsg message; undefined for anything else. */
export function parseSeccompRecord(line: KmsgLine): SeccompAuditRecord | undefined {
  const m = /^audit: type=(\d+) audit\([^)]*\):(.*)$/.exec(line.message);
  if (m === null || Number(m[1]) !== AUDIT_SECCOMP_TYPE) return undefined;
  const f = auditFields(m[2] ?? "");
  const pid = integer(f.get("pid")?.value, 10);
  const syscall = integer(f.get("syscall")?.value, 10);
  const code = integer(f.get("code")?.value, 16);
  const auditArch = f.get("arch")?.value.toLowerCase();
  if (
    pid === undefined ||
    syscall === undefined ||
    code === undefined ||
    auditArch === undefined ||
    !/^[0-9a-f]{1,8}$/.test(auditArch)
  )
    return undefined;
  return {
    seq: line.seq,
    pid,
    comm: untrusted(f.get("comm")) ?? "",
    exe: untrusted(f.get("exe")),
    auditArch,
    syscall,
    compat: f.get("compat")?.value === "1",
    code,
  };
}

/**
 * How many records a kernel message says were dropped before reaching the log: printk's rate
 * limit ("kauditd_printk_skb: N callbacks suppressed") or audit's own ("audit_lost=N",
 * "kauditd hold queue overflow"). 0 for any other message.
 */
export function droppedRecords(message: string): number {
  const suppressed = /kauditd_printk_skb: (\d+) callbacks suppressed/.exec(message);
  if (suppressed !== null) return Number(suppressed[1]);
  // audit_lost is a running total since boot: its line means "some", not how many
  if (/audit: (kauditd hold queue overflow|backlog limit exceeded|audit_lost=\d+)/.test(message))
    return 1;
  return 0;
}
