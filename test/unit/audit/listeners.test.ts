import * as fs from "node:fs/promises";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listeners } from "../../../src/audit/daemon/listeners.js";
import { type FakeProc, fakeProc } from "./fake-proc.js";

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0947 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5001 1 0000000000000000 100 0 0 10 0
   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9001 1 0000000000000000 100 0 0 10 0
   2: 0100007F:0947 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 5003 1 0000000000000000 20 0 0 10 -1
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0948 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5002 1 0000000000000000 100 0 0 10 0
`;
const UNIX = `Num       RefCount Protocol Flags    Type St Inode Path
0000000000000001: 00000002 00000000 00010000 0001 01 6001 /run/docker.sock
0000000000000002: 00000002 00000000 00010000 0001 01 6002 /run/not-a-socket
0000000000000003: 00000002 00000000 00010000 0001 01 6003 /run/deleted.sock
0000000000000004: 00000002 00000000 00010000 0001 01 6004 @abstract-dockerd
0000000000000005: 00000003 00000000 00000000 0001 03 6005 /run/docker.sock
0000000000000006: 00000002 00000000 00010000 0001 01 9002 /run/someone-else.sock
`;

describe("listeners on a fake /proc", () => {
  let proc: FakeProc;
  let server: net.Server;

  beforeAll(async () => {
    proc = await fakeProc([
      {
        pid: 777,
        fds: {
          0: "/dev/null",
          3: "socket:[5001]",
          4: "socket:[5002]",
          5: "socket:[5003]",
          6: "socket:[6001]",
          7: "socket:[6002]",
          8: "socket:[6003]",
          9: "socket:[6004]",
          10: "socket:[6005]",
          11: "anon_inode:[eventpoll]",
        },
        net: { tcp: TCP, tcp6: TCP6, unix: UNIX },
        rootFiles: { "run/not-a-socket": "" },
      },
      // a process whose fd directory cannot be read
      { pid: 778 },
    ]);
    // a real socket file where the fake process's /run/docker.sock is
    const socketPath = join(proc.procRoot, "777", "root", "run", "docker.sock");
    server = net.createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    await fs.chmod(socketPath, 0o660);
    await fs.chmod(join(proc.procRoot, "777", "root", "run", "not-a-socket"), 0o644);
  });

  afterAll(async () => {
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
    await proc.cleanup();
  });

  it("keeps the listening sockets the process holds, and only those", async () => {
    const l = await listeners(777, { procRoot: proc.procRoot, endianness: "LE" });
    expect(l.tcp).toEqual([
      { family: 4, address: "127.0.0.1", port: 2375, scope: "loopback", inode: 5001 },
      { family: 6, address: "::", port: 2376, scope: "any", inode: 5002 },
    ]);
    expect(l.unix.map((u) => [u.inode, u.path, u.abstract])).toEqual([
      [6001, "/run/docker.sock", false],
      [6002, "/run/not-a-socket", false],
      [6003, "/run/deleted.sock", false],
      [6004, "@abstract-dockerd", true],
    ]);
  });

  it("stats each socket file through /proc/PID/root", async () => {
    const l = await listeners(777, { procRoot: proc.procRoot });
    const [api, notSocket, deleted, abstract] = l.unix;
    expect(api?.file).toEqual({
      mode: 0o140660,
      permissions: 0o660,
      uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0,
      isSocket: true,
      statPath: join(proc.procRoot, "777", "root", "run", "docker.sock"),
    });
    expect(notSocket?.file).toMatchObject({ isSocket: false, permissions: 0o644 });
    expect(deleted?.file).toBeUndefined();
    expect(abstract?.file).toBeUndefined();
    expect(l.problems).toMatchObject([
      {
        code: "SOCKET_FILE",
        errno: "ENOENT",
        message: expect.stringMatching(/deleted\.sock/) as unknown,
      },
    ]);
  });

  it("an unreadable fd directory is a problem, not a throw", async () => {
    const l = await listeners(778, { procRoot: proc.procRoot });
    expect(l).toMatchObject({ pid: 778, tcp: [], unix: [] });
    expect(l.problems).toMatchObject([{ code: "PROC_UNREADABLE", errno: "ENOENT" }]);
  });
});

describe("listeners on this process (the real /proc)", () => {
  it("sees a TCP and a unix listener this test opens", async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), "dw-listen-"));
    const socketPath = join(dir, "api.sock");
    const tcp = net.createServer();
    const unix = net.createServer();
    await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
    await new Promise<void>((resolve) => unix.listen(socketPath, resolve));
    try {
      await fs.chmod(socketPath, 0o600);
      const address = tcp.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      const l = await listeners(process.pid);
      expect(l.tcp).toContainEqual(
        expect.objectContaining({ family: 4, address: "127.0.0.1", port, scope: "loopback" }),
      );
      expect(l.unix.find((u) => u.path === socketPath)?.file).toMatchObject({
        permissions: 0o600,
        isSocket: true,
      });
    } finally {
      await new Promise<void>((resolve) =>
        tcp.close(() => {
          resolve();
        }),
      );
      await new Promise<void>((resolve) =>
        unix.close(() => {
          resolve();
        }),
      );
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
