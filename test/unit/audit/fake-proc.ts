import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * A /proc look-alike in a temporary directory, for the /proc readers' `procRoot` option:
 * comm, exe (a symlink, dangling is fine), cmdline and environ (NUL-separated), fd/N symlinks,
 * net/tcp|tcp6|unix, and files under root/ (the process's view of the file system).
 */
export interface FakeProcess {
  pid: number;
  comm?: string;
  exe?: string;
  /** argv; a string is written as is (e.g. "" for a zombie) */
  cmdline?: readonly string[] | string;
  /** omitted: no environ file (as when it is unreadable) */
  environ?: Readonly<Record<string, string>>;
  /** file system as the process sees it: path → content */
  rootFiles?: Readonly<Record<string, string>>;
  /** fd number → link target, e.g. "socket:[123]" */
  fds?: Readonly<Record<number, string>>;
  net?: { tcp?: string; tcp6?: string; unix?: string };
}

export interface FakeProc {
  procRoot: string;
  /** the temporary directory the tree lives in (root/ paths are below procRoot/PID/root) */
  dir: string;
  cleanup(): Promise<void>;
}

export async function fakeProc(processes: readonly FakeProcess[]): Promise<FakeProc> {
  const dir = await fs.mkdtemp(join(tmpdir(), "dw-fake-proc-"));
  const procRoot = join(dir, "proc");
  for (const p of processes) {
    const pd = join(procRoot, String(p.pid));
    await fs.mkdir(join(pd, "root"), { recursive: true });
    await fs.mkdir(join(pd, "cwd"), { recursive: true });
    if (p.comm !== undefined) await fs.writeFile(join(pd, "comm"), `${p.comm}\n`);
    if (p.exe !== undefined) await fs.symlink(p.exe, join(pd, "exe"));
    if (p.cmdline !== undefined) {
      const raw =
        typeof p.cmdline === "string" ? p.cmdline : p.cmdline.map((a) => `${a}\0`).join("");
      await fs.writeFile(join(pd, "cmdline"), raw);
    }
    if (p.environ !== undefined) {
      const raw = Object.entries(p.environ)
        .map(([k, v]) => `${k}=${v}\0`)
        .join("");
      await fs.writeFile(join(pd, "environ"), raw);
    }
    for (const [path, content] of Object.entries(p.rootFiles ?? {})) {
      const file = join(pd, "root", path);
      await fs.mkdir(dirname(file), { recursive: true });
      await fs.writeFile(file, content);
    }
    if (p.fds !== undefined) {
      await fs.mkdir(join(pd, "fd"));
      for (const [fd, target] of Object.entries(p.fds)) {
        await fs.symlink(target, join(pd, "fd", fd));
      }
    }
    if (p.net !== undefined) {
      await fs.mkdir(join(pd, "net"));
      for (const [table, text] of Object.entries(p.net)) {
        await fs.writeFile(join(pd, "net", table), text);
      }
    }
  }
  return {
    procRoot,
    dir,
    cleanup: () => fs.rm(dir, { recursive: true, force: true }),
  };
}
