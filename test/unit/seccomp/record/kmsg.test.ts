import { describe, expect, it } from "vitest";
import { type KmsgDevice, KmsgReader } from "../../../../src/seccomp/record/kmsg.js";

/** A /dev/kmsg that hands out scripted reads: a string is a record, "EPIPE" an overrun. */
class ScriptedDevice implements KmsgDevice {
  closed = false;
  constructor(private readonly script: string[]) {}
  read(): string | undefined {
    const next = this.script.shift();
    if (next === "EPIPE") throw Object.assign(new Error("Broken pipe"), { code: "EPIPE" });
    return next;
  }
  push(...items: string[]): void {
    this.script.push(...items);
  }
  close(): void {
    this.closed = true;
  }
}

const msg = (seq: number, text = "x"): string => `6,${seq},${seq * 10},-;${text}\n`;

describe("KmsgReader", () => {
  it("skips what the ring held when it was opened", () => {
    const device = new ScriptedDevice([msg(1), msg(2), msg(3)]);
    const reader = KmsgReader.fromNow(device);
    expect(reader.pump()).toEqual([]);
    device.push(msg(4, "new"));
    expect(reader.pump().map((l) => [l.seq, l.message])).toEqual([[4, "new"]]);
    expect(reader.lost).toBe(0);
  });

  it("counts records the ring overwrote (EPIPE, then a jump in sequence numbers)", () => {
    const device = new ScriptedDevice([msg(10)]);
    const reader = KmsgReader.fromNow(device);
    device.push("EPIPE", msg(15), msg(16));
    expect(reader.pump().map((l) => l.seq)).toEqual([15, 16]);
    expect(reader.lost).toBe(4);
  });

  it("counts a gap without EPIPE too", () => {
    const device = new ScriptedDevice([msg(1)]);
    const reader = KmsgReader.fromNow(device);
    device.push(msg(2), msg(5));
    reader.pump();
    expect(reader.lost).toBe(2);
  });

  it("does not count what came before it was opened as lost", () => {
    const device = new ScriptedDevice([msg(100), msg(200)]);
    const reader = KmsgReader.fromNow(device);
    expect(reader.lost).toBe(0);
  });

  it("skips lines that are not kmsg records", () => {
    const device = new ScriptedDevice([]);
    const reader = KmsgReader.fromNow(device);
    device.push("garbage", msg(1));
    expect(reader.pump().map((l) => l.seq)).toEqual([1]);
  });

  it("turns another read error into an environment error (exit 3)", () => {
    const device: KmsgDevice = {
      read: () => {
        throw Object.assign(new Error("I/O error"), { code: "EIO" });
      },
      close: () => undefined,
    };
    expect(() => KmsgReader.fromNow(device)).toThrow(
      expect.objectContaining({ exitCode: 3 }) as Error,
    );
  });
});
