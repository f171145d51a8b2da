import { describe, expect, it } from "vitest";
import {
  TCP_LISTEN,
  decodeSocketAddress,
  parseProcNetTcp,
  parseProcNetUnix,
  socketInodes,
} from "../../../src/audit/daemon/proc-net.js";

// Rows captured from a Linux 6.x x86-64 kernel (listeners opened by node and python), plus
// two hand-encoded IPv6 rows (fe80::1, 2001:db8::5) in the same byte order.
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:5CCB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 164400 1 00000000b1a552c5 100 0 0 10 0
   1: 0100007F:5CCA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 164399 1 000000004446c893 100 0 0 10 0
   3: 0100007F:BB6A 0100007F:5CCA 01 00000000:00000000 00:00000000 00000000     0        0 164402 2 00000000b86ee666 20 0 0 10 -1
   4: 0100007F:5CCA 0100007F:BB6A 01 00000000:00000000 00:00000000 00000000  1000        0 164403 1 0000000088471c93 20 0 0 10 -1
   5: 0A00000A:0948 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 170001 1 0000000000000000 100 0 0 10 0
`;

const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:5CC8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 164397 1 00000000b21bca79 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:5CC9 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 164398 1 00000000dc0ea32f 100 0 0 10 0
   2: 00000000000000000000000001000000:5CC7 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 164396 1 00000000c8111c3e 100 0 0 10 0
   3: 000080FE000000000000000001000000:0947 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 170002 1 0000000000000000 100 0 0 10 0
   4: B80D0120000000000000000005000000:0947 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 170003 1 0000000000000000 100 0 0 10 0
`;

const UNIX = `Num       RefCount Protocol Flags    Type St Inode Path
00000000b3a5c82c: 00000002 00000000 00010000 0001 01 164421 /tmp/dwp-scratch/with space.sock
00000000263cee29: 00000002 00000000 00000000 0002 01 164423 /tmp/dwp-scratch/dgram.sock
000000006ab71cde: 00000002 00000000 00010000 0001 01 164422 @dwp-abstract
0000000017b6e5a1: 00000003 00000000 00000000 0001 03 105920
00000000c3a75085: 00000002 00000000 00010000 0005 01 105931 /run/seq.sock
`;

describe("decodeSocketAddress", () => {
  it.each([
    ["0100007F:0CEA", { family: 4, address: "127.0.0.1", port: 3306, scope: "loopback" }],
    ["00000000:0016", { family: 4, address: "0.0.0.0", port: 22, scope: "any" }],
    ["0A00000A:0948", { family: 4, address: "10.0.0.10", port: 2376, scope: "specific" }],
    [
      "00000000000000000000000001000000:0947",
      { family: 6, address: "::1", port: 2375, scope: "loopback" },
    ],
    [
      "00000000000000000000000000000000:0947",
      { family: 6, address: "::", port: 2375, scope: "any" },
    ],
    [
      "0000000000000000FFFF00000100007F:0947",
      {
        family: 6,
        address: "::ffff:127.0.0.1",
        ipv4Mapped: "127.0.0.1",
        port: 2375,
        scope: "loopback",
      },
    ],
    [
      "0000000000000000FFFF000000000000:0947",
      { family: 6, address: "::ffff:0.0.0.0", ipv4Mapped: "0.0.0.0", port: 2375, scope: "any" },
    ],
    [
      "000080FE000000000000000001000000:0947",
      { family: 6, address: "fe80::1", port: 2375, scope: "specific" },
    ],
    [
      "B80D0120000000000000000005000000:0947",
      { family: 6, address: "2001:db8::5", port: 2375, scope: "specific" },
    ],
  ])("%s", (field, expected) => {
    expect(decodeSocketAddress(field)).toEqual(expected);
  });

  it("compresses only the longest zero run (RFC 5952)", () => {
    // 2001:db8:0:0:1:0:0:1 → the first of two equal runs
    expect(decodeSocketAddress("B80D0120000000000000010001000000:0001")?.address).toBe(
      "2001:db8::1:0:0:1",
    );
    // a single zero group is not compressed
    expect(decodeSocketAddress("B80D0120010000000100000001000000:0001")?.address).toBe(
      "2001:db8:0:1:0:1:0:1",
    );
  });

  it("reads big-endian kernels' words as they are", () => {
    expect(decodeSocketAddress("7F000001:0947", "BE")?.address).toBe("127.0.0.1");
    expect(decodeSocketAddress("00000000000000000000000000000001:0947", "BE")?.address).toBe("::1");
  });

  it.each(["", "0100007F", "0100007F:947", "XYZ0007F:0947", "0100007F00:0947"])(
    "%j is not an address",
    (field) => {
      expect(decodeSocketAddress(field)).toBeUndefined();
    },
  );
});

describe("parseProcNetTcp", () => {
  it("reads every row with state, uid and inode", () => {
    const rows = parseProcNetTcp(TCP);
    expect(rows).toHaveLength(5);
    expect(rows[0]).toEqual({
      local: { family: 4, address: "0.0.0.0", port: 23755, scope: "any" },
      remote: { family: 4, address: "0.0.0.0", port: 0, scope: "any" },
      state: TCP_LISTEN,
      uid: 0,
      inode: 164400,
    });
    expect(rows[3]).toMatchObject({ state: 1, uid: 1000, inode: 164403 });
    expect(rows.filter((r) => r.state === TCP_LISTEN).map((r) => r.local.port)).toEqual([
      23755, 23754, 2376,
    ]);
  });

  it("reads tcp6, v4-mapped included", () => {
    expect(parseProcNetTcp(TCP6).map((r) => [r.local.address, r.local.port, r.inode])).toEqual([
      ["::", 23752, 164397],
      ["::ffff:127.0.0.1", 23753, 164398],
      ["::1", 23751, 164396],
      ["fe80::1", 2375, 170002],
      ["2001:db8::5", 2375, 170003],
    ]);
  });

  it("skips the header, blank and broken lines", () => {
    expect(parseProcNetTcp("  sl  local_address\n\n   0: garbage\n")).toEqual([]);
  });
});

describe("parseProcNetUnix", () => {
  it("reads listening flags, types, paths with spaces and abstract names", () => {
    expect(parseProcNetUnix(UNIX)).toEqual([
      {
        inode: 164421,
        type: "stream",
        listening: true,
        path: "/tmp/dwp-scratch/with space.sock",
        abstract: false,
      },
      {
        inode: 164423,
        type: "dgram",
        listening: false,
        path: "/tmp/dwp-scratch/dgram.sock",
        abstract: false,
      },
      { inode: 164422, type: "stream", listening: true, path: "@dwp-abstract", abstract: true },
      { inode: 105920, type: "stream", listening: false, path: undefined, abstract: false },
      { inode: 105931, type: "seqpacket", listening: true, path: "/run/seq.sock", abstract: false },
    ]);
  });
});

describe("socketInodes", () => {
  it("keeps socket:[N] links only", () => {
    expect(
      socketInodes([
        "socket:[164421]",
        "/dev/null",
        "pipe:[12]",
        "anon_inode:[eventpoll]",
        "socket:[7]",
      ]),
    ).toEqual(new Set([164421, 7]));
  });
});
