/**
 * Reading /dev/kmsg from "now" on, without losing track of what the ring overwrote.
 *
 * Node has no lseek(SEEK_END) and no poll() for a character device, so the reader opens the
 * device non-blocking, reads (and drops) what the ring already holds until EAGAIN, and from then
 * on is pumped: each pump reads every record that arrived since, one record per read(). The
 * owner pumps on a short timer while a workload runs. A non-blocking fd never parks a libuv
 * thread in read(), so closing it ends everything at once.
 *
 * The ring holds only a few hundred audit records: a reader that falls behind gets EPIPE and is
 * moved to the oldest record still there. Sequence numbers are consecutive for every kernel
 * message, so any gap, EPIPE or not, is counted as lost.
 */
import { closeSync, constants, openSync, readSync } from "node:fs";
import { DockwardError, errorMessage, systemErrorCode } from "../../errors.js";
import { type KmsgLine, parseKmsgLine } from "./audit-record.js";

export const KMSG_PATH = "/dev/kmsg";
/** a kmsg record is at most ~1 KiB of text plus its dictionary */
const RECORD_BUFFER = 16 * 1024;

/** The system calls the reader makes, so its bookkeeping can be tested without a kernel. */
export interface KmsgDevice {
  /** one record, or undefined when there is none right now (EAGAIN); throws EPIPE on overrun */
  read(): string | undefined;
  close(): void;
}

export function openKmsgDevice(path: string = KMSG_PATH): KmsgDevice {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw kmsgOpenError(path, err);
  }
  const buf = Buffer.alloc(RECORD_BUFFER);
  return {
    read() {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        if (systemErrorCode(err) === "EAGAIN") return undefined;
        throw err;
      }
      return buf.toString("utf8", 0, n);
    },
    close() {
      closeSync(fd);
    },
  };
}

function kmsgOpenError(path: string, err: unknown): DockwardError {
  const code = systemErrorCode(err);
  if (code === "EPERM" || code === "EACCES") {
    return new DockwardError(
      "KERNEL_UNSUPPORTED",
      `cannot read the kernel log ${path}: permission denied`,
      {
        hint: "run dockward as root on the engine's host (reading /dev/kmsg needs CAP_SYSLOG while kernel.dmesg_restrict=1, and record also sets kernel sysctls)",
        cause: err,
      },
    );
  }
  return new DockwardError(
    "KERNEL_UNSUPPORTED",
    `cannot read the kernel log ${path}: ${code === "ENOENT" ? "no such device" : errorMessage(err)}`,
    {
      hint: "seccomp record reads the kernel's audit records from /dev/kmsg on the engine's host; run it there, as root",
      cause: err,
    },
  );
}

export class KmsgReader {
  private lastSeq: number | undefined;
  /** records the ring overwrote before they were read, since open */
  lost = 0;

  private constructor(private readonly device: KmsgDevice) {}

  /** Open the device and skip every record it already holds. */
  static fromNow(device: KmsgDevice): KmsgReader {
    const reader = new KmsgReader(device);
    reader.pump();
    reader.lost = 0;
    return reader;
  }

  /** Every record that arrived since the last pump, in order. */
  pump(): KmsgLine[] {
    const lines: KmsgLine[] = [];
    let overruns = 0;
    for (;;) {
      let text: string | undefined;
      try {
        text = this.device.read();
      } catch (err) {
        // EPIPE: the record we were due to read was overwritten; the next read gives the oldest
        // one left, and its sequence number tells how many went missing
        if (systemErrorCode(err) === "EPIPE" && ++overruns < 1000) continue;
        throw new DockwardError(
          "KERNEL_UNSUPPORTED",
          `reading ${KMSG_PATH} failed: ${errorMessage(err)}`,
          {
            cause: err,
          },
        );
      }
      if (text === undefined) return lines;
      const line = parseKmsgLine(text);
      if (line === undefined) continue;
      if (this.lastSeq !== undefined && line.seq > this.lastSeq + 1) {
        this.lost += line.seq - this.lastSeq - 1;
      }
      if (this.lastSeq === undefined || line.seq > this.lastSeq) this.lastSeq = line.seq;
      lines.push(line);
    }
  }

  close(): void {
    this.device.close();
  }
}
