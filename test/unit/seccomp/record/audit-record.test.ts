import { describe, expect, it } from "vitest";
import {
  droppedRecords,
  parseKmsgLine,
  parseSeccompRecord,
  SECCOMP_RET_LOG,
} from "../../../../src/seccomp/record/audit-record.js";

// Read from /dev/kmsg on the development VM (kernel 6.18, Docker 20.10, no auditd) while a
// busybox container ran under a SCMP_ACT_LOG profile, unless marked otherwise.
const RUNC_INIT =
  '5,4100,18105693053,-;audit: type=1326 audit(1795898226.177:3762): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=32514 comm="runc:[2:INIT]" exe="/" sig=0 arch=c000003e syscall=257 compat=0 ip=0x40828e code=0x7ffc0000\n';
const BUSYBOX =
  '5,558,17158829001,-;audit: type=1326 audit(1795897279.313:220): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=26206 comm="sh" exe="/bin/busybox" sig=0 arch=c000003e syscall=231 compat=0 ip=0x461189 code=0x7ffc0000\n';
const SUPPRESSED = "4,4737,18309552681,-;kauditd_printk_skb: 198 callbacks suppressed\n";
// Constructed from the kernel's format (audit_seccomp in kernel/auditsc.c): a 32-bit process
// (arch AUDIT_ARCH_I386, compat=1), a comm with a space (printed as hex), an ERRNO action, and a
// record with its /dev/kmsg dictionary lines.
const COMPAT =
  '5,900,100,-;audit: type=1326 audit(1.2:3): auid=1000 uid=1000 gid=1000 ses=2 pid=77 comm="i386prog" exe="/usr/bin/i386prog" sig=0 arch=40000003 syscall=102 compat=1 ip=0xf7f1 code=0x7ffc0000\n';
const HEX_COMM =
  '5,901,101,-;audit: type=1326 audit(1.2:4): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=78 comm=6D792070726F67 exe="/bin/busybox" sig=0 arch=c000003e syscall=0 compat=0 ip=0x1 code=0x7ffc0000\n';
const ERRNO =
  '5,902,102,-;audit: type=1326 audit(1.2:5): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=79 comm="sh" exe="/bin/busybox" sig=0 arch=c000003e syscall=165 compat=0 ip=0x1 code=0x50000\n';
const WITH_DICT =
  '5,903,103,-;audit: type=1326 audit(1.2:6): pid=80 comm="sh" exe="/bin/busybox" sig=0 arch=c000003e syscall=1 compat=0 ip=0x1 code=0x7ffc0000\n SUBSYSTEM=audit\n';

function record(text: string) {
  const line = parseKmsgLine(text);
  if (line === undefined) throw new Error("not a kmsg line");
  return parseSeccompRecord(line);
}

describe("parseKmsgLine", () => {
  it("splits the header into sequence number and timestamp and drops the dictionary", () => {
    expect(parseKmsgLine(WITH_DICT)).toEqual({
      seq: 903,
      usec: 103,
      message:
        'audit: type=1326 audit(1.2:6): pid=80 comm="sh" exe="/bin/busybox" sig=0 arch=c000003e syscall=1 compat=0 ip=0x1 code=0x7ffc0000',
    });
  });

  it.each([["no header at all\n"], ["5,x,1,-;bad sequence\n"], [""]])(
    "gives undefined for %j",
    (text) => {
      expect(parseKmsgLine(text)).toBeUndefined();
    },
  );
});

describe("parseSeccompRecord", () => {
  it("reads runc's init, before it execs the workload", () => {
    expect(record(RUNC_INIT)).toEqual({
      seq: 4100,
      pid: 32514,
      comm: "runc:[2:INIT]",
      exe: "/",
      auditArch: "c000003e",
      syscall: 257,
      compat: false,
      code: SECCOMP_RET_LOG,
    });
  });

  it("reads the workload's own calls", () => {
    expect(record(BUSYBOX)).toMatchObject({
      pid: 26206,
      comm: "sh",
      exe: "/bin/busybox",
      syscall: 231,
    });
  });

  it("reads a compat (32-bit) call with its own audit arch", () => {
    expect(record(COMPAT)).toMatchObject({ auditArch: "40000003", syscall: 102, compat: true });
  });

  it("decodes a comm the kernel printed as hex", () => {
    expect(record(HEX_COMM)?.comm).toBe("my prog");
  });

  it("keeps the action, so callers can tell LOG from a refusal", () => {
    expect(record(ERRNO)?.code).toBe(0x50000);
    expect(record(ERRNO)?.code).not.toBe(SECCOMP_RET_LOG);
  });

  it("ignores other messages and other audit types", () => {
    expect(record(SUPPRESSED)).toBeUndefined();
    expect(
      record(
        '5,1,1,-;audit: type=1400 audit(1.2:7): apparmor="DENIED" operation="open" pid=5 comm="x"\n',
      ),
    ).toBeUndefined();
  });

  it("refuses a seccomp record that lacks the numbers it needs", () => {
    expect(
      record(
        '5,1,1,-;audit: type=1326 audit(1.2:8): pid=5 comm="x" arch=c000003e code=0x7ffc0000\n',
      ),
    ).toBeUndefined();
  });
});

describe("droppedRecords", () => {
  it("counts what printk's rate limit swallowed", () => {
    const line = parseKmsgLine(SUPPRESSED);
    expect(line && droppedRecords(line.message)).toBe(198);
  });

  it("notices audit's own losses", () => {
    expect(
      droppedRecords("audit: audit_lost=12 audit_rate_limit=0 audit_backlog_limit=64"),
    ).toBeGreaterThan(0);
    expect(droppedRecords("audit: kauditd hold queue overflow")).toBeGreaterThan(0);
  });

  it("is 0 for a record", () => {
    const line = parseKmsgLine(BUSYBOX);
    expect(line && droppedRecords(line.message)).toBe(0);
  });
});
