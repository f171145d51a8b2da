import * as fs from "node:fs/promises";
import { endianness as hostEndianness } from "node:os";
import { join } from "node:path";
import { pathSeenBy } from "./process.js";
import {
  type Endianness,
  type SocketAddress,
  TCP_LISTEN,
  type UnixSocketType,
  parseProcNetTcp,
  parseProcNetUnix,
  socketInodes,
} from "./proc-net.js";
import type { ProcOptions, Problem } from "./types.js";
import { systemErrorCode } from "../../errors.js";

/**
 * The sockets one process really listens on, from /proc: the rows of its network namespace's
 * tcp, tcp6 and unix tables whose inode the process holds as an open fd. What dockerd was
 * told (-H, daemon.json) can differ from this (socket activation, a file edited after start,
 * a listener added by a plugin): this is the ground truth for "what can be reached".
 *
 * The I/O edge only; decoding lives in proc-net.ts. Reading another user's /proc/PID/fd needs
 * root (or the same user): failures come back as problems.
 */

export interface TcpListener extends SocketAddress {
  inode: number;
}

export interface SocketFile {
  /** st_mode, type bits included (0o140660 for a socket rw-rw----) */
  mode: number;
  /** mode & 0o7777 */
  permissions: number;
  uid: number;
  gid: number;
  isSocket: boolean;
  /** where it was stat'ed: through /proc/PID/root, as the daemon sees its file system */
  statPath: string;
}

export interface UnixListener {
  inode: number;
  type: UnixSocketType;
  /** the bound path ("@name" for an abstract socket) */
  path: string | undefined;
  abstract: boolean;
  /** the socket file, when the path names one that could be stat'ed */
  file: SocketFile | undefined;
}

export interface ProcessListeners {
  pid: number;
  tcp: TcpListener[];
  unix: UnixListener[];
  problems: Problem[];
}

export interface ListenerOptions extends ProcOptions {
  /** byte order of the kernel's address words (default: this machine's) */
  endianness?: Endianness;
}

function unreadable(path: string, err: unknown, why: string): Problem {
  const code = systemErrorCode(err);
  return {
    code: "PROC_UNREADABLE",
    message: `cannot read ${path} (${code ?? String(err)}): ${why}`,
    path,
    ...(code === undefined ? {} : { errno: code }),
  };
}

async function fdLinks(fdDir: string): Promise<string[]> {
  const names = await fs.readdir(fdDir);
  const links = await Promise.all(
    // an fd may close between readdir and readlink
    names.map((name) => fs.readlink(join(fdDir, name)).catch(() => "")),
  );
  return links.filter((l) => l !== "");
}

async function statSocketFile(
  procDir: string,
  path: string,
): Promise<{ file: SocketFile } | { problem: Problem }> {
  const statPath = pathSeenBy(procDir, path);
  try {
    const st = await fs.stat(statPath);
    return {
      file: {
        mode: st.mode,
        permissions: st.mode & 0o7777,
        uid: st.uid,
        gid: st.gid,
        isSocket: st.isSocket(),
        statPath,
      },
    };
  } catch (err) {
    const code = systemErrorCode(err);
    return {
      problem: {
        code: "SOCKET_FILE",
        message:
          code === "ENOENT"
            ? `the daemon listens on ${path}, but no file is there now (deleted or replaced): clients cannot reach this socket`
            : `cannot stat ${path} (${code ?? String(err)})`,
        path: statPath,
        ...(code === undefined ? {} : { errno: code }),
      },
    };
  }
}

/**
 * The TCP and unix sockets `pid` listens on.
 *
 * @example
 * const { tcp, unix } = await listeners(dockerd.pid);
 * tcp.filter((l) => l.scope !== "loopback"); // reachable from the network
 */
export async function listeners(
  pid: number,
  options: ListenerOptions = {},
): Promise<ProcessListeners> {
  const procDir = join(options.procRoot ?? "/proc", String(pid));
  const order = options.endianness ?? hostEndianness();
  const problems: Problem[] = [];
  const result: ProcessListeners = { pid, tcp: [], unix: [], problems };

  let inodes: Set<number>;
  try {
    inodes = socketInodes(await fdLinks(join(procDir, "fd")));
  } catch (err) {
    problems.push(unreadable(join(procDir, "fd"), err, "the process exited, or this needs root"));
    return result;
  }

  for (const table of ["tcp", "tcp6"] as const) {
    const path = join(procDir, "net", table);
    let text: string;
    try {
      text = await fs.readFile(path, "utf8");
    } catch (err) {
      // tcp6 is missing when IPv6 is disabled in the kernel: not a problem.
      if (!(table === "tcp6" && systemErrorCode(err) === "ENOENT")) {
        problems.push(unreadable(path, err, "TCP listeners unknown"));
      }
      continue;
    }
    for (const entry of parseProcNetTcp(text, order)) {
      if (entry.state !== TCP_LISTEN || !inodes.has(entry.inode)) continue;
      result.tcp.push({ ...entry.local, inode: entry.inode });
    }
  }

  const unixPath = join(procDir, "net", "unix");
  let unixText: string | undefined;
  try {
    unixText = await fs.readFile(unixPath, "utf8");
  } catch (err) {
    problems.push(unreadable(unixPath, err, "unix listeners unknown"));
  }
  for (const entry of parseProcNetUnix(unixText ?? "")) {
    if (!entry.listening || !inodes.has(entry.inode)) continue;
    let file: SocketFile | undefined;
    if (entry.path !== undefined && !entry.abstract) {
      const stat = await statSocketFile(procDir, entry.path);
      if ("file" in stat) file = stat.file;
      else problems.push(stat.problem);
    }
    result.unix.push({
      inode: entry.inode,
      type: entry.type,
      path: entry.path,
      abstract: entry.abstract,
      file,
    });
  }
  result.tcp.sort((a, b) => a.port - b.port || a.family - b.family);
  return result;
}
