/**
 * Process, file and mount helpers shared by the test harnesses (engine.ts, extra-daemons.ts):
 * everything needed to find and end what a crashed run left behind under its ROOT.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from "node:child_process";
import * as fs from "node:fs/promises";
import * as net from "node:net";

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll `check` every 50 ms until it holds; throw after `timeoutMs`. */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  for (let waited = 0; waited < timeoutMs; waited += 50) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`gave up waiting for ${what}`);
}

export interface Collecting {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  /** the exit code (-1 when killed by a signal) */
  exit: Promise<number>;
}

/** Start a process that keeps running (docker attach, logs -f), collecting what it prints. */
export function spawnCollecting(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Collecting {
  const child = spawn(command, args, { env, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number>((resolve) => {
    child.on("close", (code) => {
      resolve(code ?? -1);
    });
  });
  return { child, out: () => out, err: () => err, exit };
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function errnoCode(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err) {
    const code = err.code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** The last `lines` lines of a file, or a note saying why it could not be read. */
export async function tail(file: string, lines: number): Promise<string> {
  try {
    const all = (await fs.readFile(file, "utf8")).split("\n");
    if (all.at(-1) === "") all.pop();
    return all.slice(-lines).join("\n");
  } catch (err) {
    return `(could not read ${file}: ${errorMessage(err)})`;
  }
}

/** A free TCP port on 127.0.0.1 (listen on port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("could not read the port of a listening socket"));
        return;
      }
      const { port } = address;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Processes

export interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
  state: string;
  /** NUL-separated argv joined with spaces */
  cmdline: string;
  /** field 22 of /proc/PID/stat: tells a live process from a recycled pid */
  startTime: string;
}

export async function readProc(pid: number): Promise<ProcInfo | undefined> {
  try {
    const [stat, cmdline] = await Promise.all([
      fs.readFile(`/proc/${pid}/stat`, "utf8"),
      fs.readFile(`/proc/${pid}/cmdline`, "utf8"),
    ]);
    const open = stat.indexOf("(");
    const close = stat.lastIndexOf(")");
    if (open < 0 || close < open) return undefined;
    const rest = stat
      .slice(close + 2)
      .split(" ")
      .filter((s) => s !== "");
    return {
      pid,
      ppid: Number(rest[1] ?? "0"),
      comm: stat.slice(open + 1, close),
      state: rest[0] ?? "?",
      cmdline: cmdline.replaceAll("\0", " ").trim(),
      startTime: rest[19] ?? "",
    };
  } catch {
    return undefined;
  }
}

export async function listProcesses(): Promise<ProcInfo[]> {
  const pids = (await fs.readdir("/proc")).filter((e) => /^\d+$/.test(e)).map(Number);
  const infos = await Promise.all(pids.map((pid) => readProc(pid)));
  return infos.filter((p): p is ProcInfo => p !== undefined);
}

/** Alive and not a zombie (this sandbox's init reaps slowly). */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (errnoCode(err) === "ESRCH") return false;
  }
  const info = await readProc(pid);
  return info !== undefined && info.state !== "Z" && info.state !== "X";
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export async function waitGone(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = [...pids];
  while (alive.length > 0) {
    const checks = await Promise.all(alive.map(async (pid) => ((await isAlive(pid)) ? pid : -1)));
    alive = checks.filter((pid) => pid >= 0);
    if (alive.length === 0 || Date.now() >= deadline) break;
    await sleep(50);
  }
  return alive;
}

/** SIGTERM (when graceMs > 0), wait, SIGKILL, wait. Returns the pids that survived SIGKILL. */
export async function terminate(pids: readonly number[], graceMs: number): Promise<number[]> {
  if (pids.length === 0) return [];
  let left = [...pids];
  if (graceMs > 0) {
    for (const pid of left) signal(pid, "SIGTERM");
    left = await waitGone(left, graceMs);
    if (left.length === 0) return [];
  }
  for (const pid of left) signal(pid, "SIGKILL");
  return waitGone(left, 10_000);
}

export function mentionsRoot(info: ProcInfo, root: string): boolean {
  return info.cmdline.includes(root + "/") || info.cmdline.split(" ").includes(root);
}

/**
 * Everything a run under `root` may have left: processes named in `comms` (or a containerd
 * shim) whose command line mentions root, and all their descendants (container processes under
 * shims, sshd sessions, …).
 */
export async function findLeftovers(root: string, comms: readonly string[]): Promise<ProcInfo[]> {
  const procs = await listProcesses();
  const self = new Set([process.pid, process.ppid]);
  const selected = new Map<number, ProcInfo>();
  for (const p of procs) {
    if (self.has(p.pid)) continue;
    const sweepable = comms.includes(p.comm) || p.comm.startsWith("containerd-shim");
    if (sweepable && mentionsRoot(p, root)) selected.set(p.pid, p);
  }
  const children = new Map<number, ProcInfo[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const queue = [...selected.keys()];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    for (const child of children.get(pid) ?? []) {
      if (self.has(child.pid) || selected.has(child.pid)) continue;
      selected.set(child.pid, child);
      queue.push(child.pid);
    }
  }
  return [...selected.values()];
}

/** SIGKILL what findLeftovers finds; throws if any survive. Returns what was killed. */
export async function killLeftovers(root: string, comms: readonly string[]): Promise<ProcInfo[]> {
  const leftovers = await findLeftovers(root, comms);
  const survivors = await terminate(
    leftovers.map((p) => p.pid),
    0,
  );
  if (survivors.length > 0) {
    throw new Error(
      `processes under ${root} survived SIGKILL: ${survivors.join(", ")} ` +
        `(check \`ps -o pid,stat,args -p ${survivors.join(",")}\`; state D means stuck in the kernel)`,
    );
  }
  return leftovers;
}

// ---------------------------------------------------------------------------------------------
// Mounts: dockerd leaves its data-root bind-mounted even after a clean SIGTERM.

function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Mount points at or below root, deepest first. */
export async function mountsUnder(root: string): Promise<string[]> {
  const text = await fs.readFile("/proc/self/mountinfo", "utf8");
  const found = new Set<string>();
  for (const line of text.split("\n")) {
    const field = line.split(" ")[4];
    if (field === undefined) continue;
    const mp = unescapeMountPath(field);
    if (mp === root || mp.startsWith(root + "/")) found.add(mp);
  }
  return [...found].sort((a, b) => b.split("/").length - a.split("/").length);
}

function umount(mountPoint: string): Promise<void> {
  return new Promise((resolve) => {
    execFile("umount", ["-l", mountPoint], { timeout: 10_000 }, () => {
      resolve(); // retried on the next pass; what never goes away is returned to the caller
    });
  });
}

/** Lazily unmount everything under root, a few passes deep. Returns what is still mounted. */
export async function unmountUnder(root: string): Promise<string[]> {
  for (let pass = 0; pass < 5; pass++) {
    const mounts = await mountsUnder(root);
    if (mounts.length === 0) return [];
    for (const mp of mounts) await umount(mp);
  }
  return mountsUnder(root);
}
