import { spawn } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CLI, run, runCli } from "../harness/cli.js";

const h = inject("harness");
const PRINTK_RATELIMIT = "/proc/sys/kernel/printk_ratelimit";
const LOCK = "/run/dockward/seccomp-record.json";
const LABEL = "io.dockward.seccomp-workload";

/**
 * Lists files, writes and reads one, and sends it over loopback from a busybox nc server to an
 * nc client. The client starts once the server listens (a busy wait on /proc/net: no sleep, no
 * retries), and both ends finish on their own: the same syscalls every run. (busybox httpd +
 * wget is not: wget polls only when the body arrives after the headers: 5 runs of 10 here.)
 */
const WORKLOAD =
  "ls / >/dev/null; echo hi > /tmp/f; cat /tmp/f; " +
  "nc -l -p 8080 < /tmp/f & " +
  "until busybox grep -q ':1F90 [0:]* 0A ' /proc/net/tcp6 /proc/net/tcp; do :; done; " +
  "nc 127.0.0.1 8080 < /dev/null";

const docker = (args: string[]) =>
  run("docker", ["-H", h.unixHost, ...args], { ...process.env, DOCKER_CONFIG: "/nonexistent" });
const seccomp = (args: string[], timeoutMs = 120_000) =>
  runCli(["-H", h.unixHost, "seccomp", ...args], {}, timeoutMs);

const printkRatelimit = (): string => readFileSync(PRINTK_RATELIMIT, "utf8").trim();

interface RecordJson {
  runs: { run: number; syscalls: string[]; new: string[]; exitCode: number; records: number }[];
  total: string[];
  warnings: string[];
}

interface TestJson {
  passed: boolean;
  exitCode: number | null;
  output: string[];
  firstDenied: {
    name: string;
    number: number;
    explanation: string;
    refusal: { by: string };
  } | null;
  denied: string[];
}

const noStackTrace = (stderr: string): void => {
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr).not.toMatch(/internal error/);
};

async function leftoverContainers(): Promise<string[]> {
  const res = await docker(["ps", "-aq", "--filter", `label=${LABEL}`]);
  expect(res.code, res.stderr).toBe(0);
  return res.stdout.split("\n").filter((l) => l !== "");
}

function profileNames(file: string): string[] {
  const p = JSON.parse(readFileSync(file, "utf8")) as { syscalls: { names: string[] }[] };
  return p.syscalls.flatMap((r) => r.names);
}

describe("dockward seccomp record and test on the real engine", () => {
  let dir: string;
  let before: string;
  let profile: string;
  let recorded: RecordJson;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "dw-seccomp-record-"));
    before = printkRatelimit();
    // the test expects the kernel's default-like state: a rate limit that record must lift
    expect(before).not.toBe("0");
    profile = join(dir, "busybox.json");
    const res = await seccomp([
      "record",
      "--network",
      "none",
      "--format",
      "json",
      "--out",
      profile,
      "--",
      h.image,
      "sh",
      "-c",
      WORKLOAD,
    ]);
    expect(res.code, res.stderr).toBe(0);
    recorded = JSON.parse(res.stdout) as RecordJson;
    // measured numbers, for the record
    process.stderr.write(
      `seccomp record: ${recorded.runs.map((r) => `run ${r.run}: ${r.syscalls.length} syscalls (${r.new.length} new, ${r.records} records)`).join("; ")}; total ${recorded.total.length}\n`,
    );
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await docker(["rm", "-f", "dw-seccomp-created"]);
  });

  it("records three runs and restores kernel.printk_ratelimit afterwards", () => {
    expect(recorded.runs.map((r) => r.exitCode)).toEqual([0, 0, 0]);
    expect(recorded.warnings).toEqual([]);
    expect(printkRatelimit()).toBe(before);
    expect(existsSync(LOCK)).toBe(false);
  });

  it("allows what the workload does: files, processes, sockets over loopback", () => {
    const names = profileNames(profile);
    expect(names).toEqual(recorded.total);
    for (const call of [
      "execve",
      "clone",
      "wait4",
      "openat",
      "write",
      "read",
      "getdents64",
      "socket",
      "bind",
      "listen",
      "accept",
      "connect",
      "poll",
      "shutdown",
      "rt_sigreturn",
    ]) {
      expect(names).toContain(call);
    }
    // what neither the workload nor runc's last steps do
    for (const call of [
      "mount",
      "umount2",
      "unshare",
      "chroot",
      "ptrace",
      "reboot",
      "mkdir",
      "mkdirat",
      "init_module",
      "bpf",
    ]) {
      expect(names).not.toContain(call);
    }
  });

  it("writes a deny-by-default profile for the host's architectures", () => {
    const p = JSON.parse(readFileSync(profile, "utf8")) as Record<string, unknown>;
    expect(p).toMatchObject({
      defaultAction: "SCMP_ACT_ERRNO",
      defaultErrnoRet: 1,
      architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    });
  });

  it("the workload succeeds under the recorded profile, 5 runs out of 5", async () => {
    let passed = 0;
    for (let i = 0; i < 5; i++) {
      const res = await seccomp([
        "test",
        profile,
        "--network",
        "none",
        "--format",
        "json",
        "--",
        h.image,
        "sh",
        "-c",
        WORKLOAD,
      ]);
      const report = JSON.parse(res.stdout) as TestJson;
      expect(report.output).toContain("hi");
      if (res.code === 0 && report.passed) passed++;
    }
    expect(passed).toBe(5);
  });

  it.each([
    ["unshare -m", ["busybox", "unshare", "-m", "/bin/true"], "unshare"],
    ["mount", ["busybox", "mount", "-t", "tmpfs", "none", "/tmp"], "mount"],
    ["chroot", ["busybox", "chroot", "/", "/bin/true"], "chroot"],
  ])(
    "%s fails under it, with the capabilities it needs: only seccomp stops it",
    async (_, cmd, call) => {
      const caps = ["--cap-add", "SYS_ADMIN", "--cap-add", "SYS_CHROOT"];
      // control: the same command and capabilities with a profile that allows everything
      const allowAll = join(dir, "allow-all.json");
      writeFileSync(allowAll, JSON.stringify({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [] }));
      const control = await seccomp([
        "test",
        allowAll,
        ...caps,
        "--network",
        "none",
        "--",
        h.image,
        ...cmd,
      ]);
      expect(control.code, control.stdout + control.stderr).toBe(0);

      const res = await seccomp([
        "test",
        profile,
        ...caps,
        "--network",
        "none",
        "--format",
        "json",
        "--",
        h.image,
        ...cmd,
      ]);
      expect(res.code, res.stderr).toBe(1);
      const report = JSON.parse(res.stdout) as TestJson;
      expect(report.passed).toBe(false);
      expect(report.denied).toContain(call);
      expect(printkRatelimit()).toBe(before);
    },
  );

  it("test names the first refused syscall: mkdir, for a profile recorded without it", async () => {
    const mkdirProfile = join(dir, "mkdir.json");
    const rec = await seccomp([
      "record",
      "--runs",
      "2",
      "--network",
      "none",
      "--out",
      mkdirProfile,
      "--",
      h.image,
      "sh",
      "-c",
      "busybox mkdir /tmp/d && echo made",
    ]);
    expect(rec.code, rec.stderr).toBe(0);
    const names = profileNames(mkdirProfile);
    expect(names.some((n) => n === "mkdir" || n === "mkdirat")).toBe(true);
    const doc = JSON.parse(readFileSync(mkdirProfile, "utf8")) as {
      syscalls: { names: string[] }[];
    };
    for (const rule of doc.syscalls)
      rule.names = rule.names.filter((n) => n !== "mkdir" && n !== "mkdirat");
    const without = join(dir, "no-mkdir.json");
    writeFileSync(without, JSON.stringify(doc, null, 2));

    const res = await seccomp([
      "test",
      without,
      "--network",
      "none",
      "--",
      h.image,
      "sh",
      "-c",
      "busybox mkdir /tmp/d && echo made",
    ]);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stdout).toMatch(/^FAIL {2}/);
    expect(res.stdout).toMatch(/mkdir: can't create directory '\/tmp\/d': Operation not permitted/);
    expect(res.stdout).toMatch(
      /first refused syscall: mkdir(at)? \(x86_64 (83|258)\), called by busybox \(pid \d+\)\n {4}refused by the defaultAction SCMP_ACT_ERRNO: no rule allows it/,
    );
    expect(res.stdout).toMatch(/rerun exit 0/);
    noStackTrace(res.stderr);
  });

  it("records a created container through copies, leaving it as it was", async () => {
    const created = await docker([
      "create",
      "--name",
      "dw-seccomp-created",
      "--network",
      "none",
      "--security-opt",
      "no-new-privileges",
      h.image,
      "sh",
      "-c",
      "echo from-the-container; ls /",
    ]);
    expect(created.code, created.stderr).toBe(0);
    const out = join(dir, "created.json");
    const res = await seccomp([
      "record",
      "--runs",
      "1",
      "--container",
      "dw-seccomp-created",
      "--out",
      out,
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/no-new-privileges on/);
    const status = await docker([
      "inspect",
      "--format",
      "{{.State.Status}} {{json .HostConfig.SecurityOpt}}",
      "dw-seccomp-created",
    ]);
    expect(status.stdout.trim()).toBe('created ["no-new-privileges"]');
    const pass = await seccomp([
      "test",
      out,
      "--no-new-privileges",
      "--network",
      "none",
      "--",
      h.image,
      "sh",
      "-c",
      "echo from-the-container; ls /",
    ]);
    expect(pass.code, pass.stdout + pass.stderr).toBe(0);
    expect(await leftoverContainers()).toEqual([]);
  });

  it("Ctrl-C during a run: exit 130, printk_ratelimit restored, the container removed", async () => {
    const child = spawn(
      process.execPath,
      [
        CLI,
        "-H",
        h.unixHost,
        "seccomp",
        "record",
        "--network",
        "none",
        "--out",
        join(dir, "never.json"),
        "--",
        h.image,
        "sleep",
        "300",
      ],
      {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => {
      child.on("close", (code) => {
        resolve(code);
      });
    });
    // wait until it records: the setting is lifted and the run's container is up
    for (
      let i = 0;
      i < 600 && (printkRatelimit() !== "0" || (await leftoverContainers()).length === 0);
      i++
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(printkRatelimit()).toBe("0");
    expect(await leftoverContainers()).toHaveLength(1);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupted \(SIGINT\)/);
    expect(stderr).toMatch(/kernel\.printk_ratelimit was 0 for the recording, restored to/);
    expect(printkRatelimit()).toBe(before);
    expect(existsSync(LOCK)).toBe(false);
    expect(existsSync(join(dir, "never.json"))).toBe(false);
    expect(await leftoverContainers()).toEqual([]);
  });

  it("a run that outlives --timeout: exit 2 and nothing written, unless --keep-partial", async () => {
    const out = join(dir, "server.json");
    const refused = await runCli([
      "-H",
      h.unixHost,
      "--timeout",
      "2",
      "seccomp",
      "record",
      "--runs",
      "1",
      "--network",
      "none",
      "--out",
      out,
      "--",
      h.image,
      "sleep",
      "300",
    ]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(
      /run 1 did not finish within 2 s and was killed; no profile was written/,
    );
    expect(refused.stderr).toMatch(/fix: .*--keep-partial/);
    expect(existsSync(out)).toBe(false);
    expect(printkRatelimit()).toBe(before);

    const kept = await runCli([
      "-H",
      h.unixHost,
      "--timeout",
      "2",
      "seccomp",
      "record",
      "--runs",
      "1",
      "--keep-partial",
      "--network",
      "none",
      "--out",
      out,
      "--",
      h.image,
      "sleep",
      "300",
    ]);
    expect(kept.code, kept.stderr).toBe(0);
    expect(profileNames(out)).toContain("clock_nanosleep");
    expect(await leftoverContainers()).toEqual([]);
  });

  it("warns about a workload that exits non-zero, and still writes the profile", async () => {
    const out = join(dir, "failing.json");
    const res = await seccomp([
      "record",
      "--runs",
      "1",
      "--network",
      "none",
      "--out",
      out,
      "--",
      h.image,
      "sh",
      "-c",
      "ls /nonexistent",
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/warning: run 1: the workload exited with 1/);
    expect(existsSync(out)).toBe(true);
  });

  it("bad input: an image that is not there (exit 2, named), nothing changed", async () => {
    const res = await seccomp([
      "record",
      "--out",
      join(dir, "x.json"),
      "--",
      "dockward-no-such-image:1",
    ]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/image dockward-no-such-image:1 is not on the engine/);
    noStackTrace(res.stderr);
    expect(printkRatelimit()).toBe(before);
  });

  it("a command that does not exist in the image: exit 2 with the runtime's reason", async () => {
    const res = await seccomp([
      "record",
      "--runs",
      "1",
      "--network",
      "none",
      "--out",
      join(dir, "x.json"),
      "--",
      h.image,
      "no-such-command",
    ]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/the workload did not start: .*no-such-command/);
    expect(printkRatelimit()).toBe(before);
    expect(await leftoverContainers()).toEqual([]);
  });

  it("a remote engine is refused before anything runs (exit 3, says why)", async () => {
    const res = await runCli([
      "-H",
      "tcp://192.0.2.1:2376",
      "seccomp",
      "record",
      "--out",
      join(dir, "x.json"),
      "--",
      h.image,
    ]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(
      /not on this machine: seccomp records are read from the kernel log of the machine that runs the container/,
    );
    noStackTrace(res.stderr);
  });

  it("without root: exit 3 with the fix, kernel settings untouched", async () => {
    // the checkout may sit in a directory only root can enter (a mktemp -d clone): run a copy
    // of the built CLI from a place user nobody can read
    const copy = mkdtempSync(join(tmpdir(), "dw-nobody-cli-"));
    chmodSync(copy, 0o755);
    const cliDir = join(copy, "dist", "cli");
    mkdirSync(cliDir, { recursive: true, mode: 0o755 });
    for (const f of ["main.js", "dockward.cjs", "package.json"])
      copyFileSync(join(dirname(CLI), f), join(cliDir, f));
    copyFileSync(join(dirname(CLI), "..", "..", "package.json"), join(copy, "package.json"));
    const res = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          join(cliDir, "main.js"),
          "-H",
          h.unixHost,
          "seccomp",
          "record",
          "--out",
          "/tmp/dw-nobody.json",
          "--",
          h.image,
        ],
        {
          uid: 65534,
          gid: 65534,
          cwd: "/",
          env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent" },
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => {
        resolve({ code, stderr });
      });
    });
    rmSync(copy, { recursive: true, force: true });
    expect(res.code, res.stderr).toBe(3);
    expect(res.stderr).toMatch(/cannot read the kernel log \/dev\/kmsg: permission denied/);
    expect(res.stderr).toMatch(/fix: run dockward as root/);
    expect(printkRatelimit()).toBe(before);
  });
});
