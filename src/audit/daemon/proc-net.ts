/**
 * Pure decoders for the kernel's socket tables: /proc/PID/net/tcp, tcp6 and unix, and the
 * `socket:[INODE]` links in /proc/PID/fd. The tables list every socket of the network
 * namespace; the fd links say which of them a given process holds.
 *
 * Addresses are printed as 32-bit words in the kernel's byte order (little-endian on x86-64
 * and arm64), ports as big-endian 16-bit hex: `0100007F:0CEA` is 127.0.0.1:3306.
 */

export type Endianness = "LE" | "BE";

/** TCP_LISTEN in include/net/tcp_states.h. */
export const TCP_LISTEN = 0x0a;
/** __SO_ACCEPTCON in include/linux/net.h: a unix socket that called listen(). */
const SO_ACCEPTCON = 0x10000;

export type AddressScope = "loopback" | "any" | "specific";

export interface SocketAddress {
  family: 4 | 6;
  /** canonical text: 127.0.0.1, ::1, ::ffff:127.0.0.1 */
  address: string;
  port: number;
  /** for ::ffff:a.b.c.d, the IPv4 address */
  ipv4Mapped?: string;
  /**
   * loopback (127/8, ::1, ::ffff:127/8), any (0.0.0.0, ::: every interface; Go listens on
   * :: dual-stack for 0.0.0.0), or one specific address
   */
  scope: AddressScope;
}

export interface TcpSocketEntry {
  local: SocketAddress;
  remote: SocketAddress;
  /** TCP state, e.g. 0x0A = LISTEN */
  state: number;
  uid: number;
  inode: number;
}

export type UnixSocketType = "stream" | "dgram" | "seqpacket" | "other";

export interface UnixSocketEntry {
  inode: number;
  type: UnixSocketType;
  /** called listen() */
  listening: boolean;
  /** undefined for an unnamed socket; abstract names start with "@" */
  path: string | undefined;
  abstract: boolean;
}

function wordBytes(hex8: string, endianness: Endianness): number[] {
  const bytes = [0, 2, 4, 6].map((i) => parseInt(hex8.slice(i, i + 2), 16));
  return endianness === "LE" ? bytes.reverse() : bytes;
}

function formatIpv6(bytes: readonly number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // RFC 5952: compress the longest run of two or more zero groups (the first on a tie).
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLength < 2) return hex.join(":");
  const head = hex.slice(0, bestStart).join(":");
  const tail = hex.slice(bestStart + bestLength).join(":");
  return `${head}::${tail}`;
}

function ipv4Scope(bytes: readonly number[]): AddressScope {
  if (bytes[0] === 127) return "loopback";
  if (bytes.every((b) => b === 0)) return "any";
  return "specific";
}

/**
 * Decode one `ADDRESS:PORT` field of /proc/net/tcp (8 hex digits) or tcp6 (32 hex digits).
 * Returns undefined for text that is neither.
 */
export function decodeSocketAddress(
  field: string,
  endianness: Endianness = "LE",
): SocketAddress | undefined {
  const match = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(field);
  if (match === null) return undefined;
  const hex = match[1] ?? "";
  const port = parseInt(match[2] ?? "0", 16);
  if (hex.length === 8) {
    const bytes = wordBytes(hex, endianness);
    return { family: 4, address: bytes.join("."), port, scope: ipv4Scope(bytes) };
  }
  const bytes: number[] = [];
  for (let i = 0; i < 32; i += 8) bytes.push(...wordBytes(hex.slice(i, i + 8), endianness));
  const mapped =
    bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) {
    const v4 = bytes.slice(12);
    const ipv4 = v4.join(".");
    return { family: 6, address: `::ffff:${ipv4}`, port, ipv4Mapped: ipv4, scope: ipv4Scope(v4) };
  }
  const loopback = bytes.slice(0, 15).every((b) => b === 0) && bytes[15] === 1;
  const any = bytes.every((b) => b === 0);
  return {
    family: 6,
    address: formatIpv6(bytes),
    port,
    scope: loopback ? "loopback" : any ? "any" : "specific",
  };
}

/** Every row of /proc/PID/net/tcp or tcp6. Rows that do not parse are skipped. */
export function parseProcNetTcp(text: string, endianness: Endianness = "LE"): TcpSocketEntry[] {
  const entries: TcpSocketEntry[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (!/^\d+:$/.test(fields[0] ?? "")) continue; // the header, or a blank line
    const local = decodeSocketAddress(fields[1] ?? "", endianness);
    const remote = decodeSocketAddress(fields[2] ?? "", endianness);
    const state = parseInt(fields[3] ?? "", 16);
    const uid = Number(fields[7]);
    const inode = Number(fields[9]);
    if (local === undefined || remote === undefined || Number.isNaN(state)) continue;
    if (!Number.isInteger(inode) || !Number.isInteger(uid)) continue;
    entries.push({ local, remote, state, uid, inode });
  }
  return entries;
}

const UNIX_TYPES: Readonly<Record<number, UnixSocketType>> = {
  1: "stream",
  2: "dgram",
  5: "seqpacket",
};

/**
 * Every row of /proc/PID/net/unix:
 * `Num RefCount Protocol Flags Type St Inode [Path]`. The path is the rest of the line (it may
 * hold spaces); the kernel prints an abstract name's leading NUL as "@".
 */
export function parseProcNetUnix(text: string): UnixSocketEntry[] {
  const entries: UnixSocketEntry[] = [];
  const row =
    /^\s*[0-9A-Fa-f]+:\s+[0-9A-Fa-f]+\s+[0-9A-Fa-f]+\s+([0-9A-Fa-f]+)\s+([0-9A-Fa-f]+)\s+[0-9A-Fa-f]+\s+(\d+)(?: (.*))?$/;
  for (const line of text.split("\n")) {
    const match = row.exec(line);
    if (match === null) continue;
    const flags = parseInt(match[1] ?? "0", 16);
    const type = parseInt(match[2] ?? "0", 16);
    const path = match[4] === undefined || match[4] === "" ? undefined : match[4];
    entries.push({
      inode: Number(match[3]),
      type: UNIX_TYPES[type] ?? "other",
      listening: (flags & SO_ACCEPTCON) !== 0,
      path,
      abstract: path?.startsWith("@") ?? false,
    });
  }
  return entries;
}

/** The socket inodes among readlink() results of /proc/PID/fd/*: `socket:[12345]`. */
export function socketInodes(links: Iterable<string>): Set<number> {
  const inodes = new Set<number>();
  for (const link of links) {
    const match = /^socket:\[(\d+)\]$/.exec(link);
    if (match?.[1] !== undefined) inodes.add(Number(match[1]));
  }
  return inodes;
}
