import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { Duplex } from "node:stream";
import { DockwardError } from "../errors.js";
import type { ParsedHost } from "./host.js";

type SshHost = Extract<ParsedHost, { scheme: "ssh" }>;

/**
 * The argv the docker CLI uses for ssh:// hosts (cli/connhelper/ssh): the system `ssh` runs
 * `docker system dial-stdio` on the remote host and HTTP flows over its stdin/stdout. Using the
 * system binary keeps ~/.ssh/config, ssh-agent, ProxyJump and host-key checking as the user set
 * them. BatchMode is added when dockward has no terminal to ask on, so a missing key fails at
 * once instead of hanging on a prompt nobody sees.
 */
export function sshArgs(host: SshHost, interactive: boolean): string[] {
  const args = ["-o", "ConnectTimeout=30", "-T"];
  if (!interactive) args.push("-o", "BatchMode=yes");
  if (host.user !== undefined) args.push("-l", host.user);
  if (host.port !== undefined) args.push("-p", String(host.port));
  args.push("--", host.hostname, "docker");
  if (host.remoteSocket !== undefined) args.push(`--host=unix://${host.remoteSocket}`);
  args.push("system", "dial-stdio");
  return args;
}

/**
 * One ssh process as a socket-like Duplex, so node:http can run keep-alive HTTP over it.
 * Node's http Agent calls setKeepAlive/setNoDelay/setTimeout/ref/unref on its sockets; they
 * are implemented here over the child process and its pipes.
 */
export class SshStream extends Duplex {
  readonly child: ChildProcessWithoutNullStreams;
  private stderr = "";
  private gotData = false;
  private idleMs = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private unrefed = false;

  constructor(
    readonly host: SshHost,
    sshBinary: string,
    args: string[],
  ) {
    super({ allowHalfOpen: false });
    this.child = spawn(sshBinary, args, { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout.on("data", (chunk: Buffer) => {
      this.gotData = true;
      this.touch();
      if (!this.push(chunk)) this.child.stdout.pause();
    });
    // end-of-stream is signalled from 'close' below, once ssh's exit status says whether it failed
    this.child.stdout.on("end", () => undefined);
    this.child.stderr.on("data", (chunk: Buffer) => {
      // keep the tail only: it holds ssh's reason ("Connection refused", "Host key verification failed.")
      this.stderr = (this.stderr + chunk.toString("utf8")).slice(-4096);
    });
    this.child.stdin.on("error", () => {
      /* reported through 'exit' with ssh's own reason */
    });
    this.child.on("error", (err: NodeJS.ErrnoException) => {
      const missing = err.code === "ENOENT";
      this.destroy(
        new DockwardError(
          missing ? "MISSING_TOOL" : "SSH_FAILED",
          missing
            ? `cannot run "${sshBinary}" for ${host.host}: not found`
            : `cannot run "${sshBinary}" for ${host.host}: ${err.message}`,
          {
            hint: missing
              ? "install an OpenSSH client (Debian: apt-get install openssh-client)"
              : "check the ssh binary",
            cause: err,
          },
        ),
      );
    });
    this.child.on("close", (code, signal) => {
      this.clearIdle();
      if (this.destroyed) return;
      if (code !== 0 && !this.gotData) {
        this.destroy(this.failure(code, signal));
      } else {
        this.push(null);
      }
    });
  }

  private failure(code: number | null, signal: NodeJS.Signals | null): DockwardError {
    const lines = this.stderr
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("Warning: Permanently added"));
    const reason =
      lines.at(-1) ?? (signal !== null ? `killed by ${signal}` : `exit code ${String(code)}`);
    const port = this.host.port !== undefined ? `-p ${this.host.port} ` : "";
    const user = this.host.user !== undefined ? `${this.host.user}@` : "";
    let hint = `check that \`ssh ${port}${user}${this.host.hostname} docker version\` works from this shell`;
    if (/host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(this.stderr)) {
      hint =
        "the host key is unknown or changed: verify it and add it to known_hosts (dockward never skips host-key checks)";
    } else if (/command not found|docker: not found/i.test(this.stderr)) {
      hint = "the remote host has no `docker` CLI on PATH for the ssh user; install it there";
    } else if (/permission denied/i.test(this.stderr)) {
      hint =
        "the key was refused: load it into ssh-agent or name it with IdentityFile in ~/.ssh/config";
    }
    return new DockwardError("SSH_FAILED", `ssh to ${this.host.host} failed: ${reason}`, { hint });
  }

  private touch(): void {
    if (this.idleMs > 0 && this.idleTimer !== undefined) this.idleTimer.refresh();
  }

  private clearIdle(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(
    chunk: Buffer,
    encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.touch();
    this.child.stdin.write(chunk, encoding, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.child.stdin.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.clearIdle();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    callback(error);
  }

  setTimeout(ms: number, callback?: () => void): this {
    this.clearIdle();
    this.idleMs = ms;
    if (callback !== undefined) this.once("timeout", callback);
    if (ms > 0) {
      this.idleTimer = setTimeout(() => this.emit("timeout"), ms);
      if (this.unrefed) this.idleTimer.unref();
    }
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  ref(): this {
    this.unrefed = false;
    this.child.ref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) {
      (s as unknown as { ref?: () => void }).ref?.();
    }
    this.idleTimer?.ref();
    return this;
  }

  unref(): this {
    this.unrefed = true;
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) {
      (s as unknown as { unref?: () => void }).unref?.();
    }
    this.idleTimer?.unref();
    return this;
  }
}
