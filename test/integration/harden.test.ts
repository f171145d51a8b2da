import { copyFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { splitShellWords } from "../../src/spec/shell-words.js";
import { run, runCli } from "../harness/cli.js";

const h = inject("harness");
const fixtures = resolve(__dirname, "../fixtures/harden");
const docker = (args: string[]) =>
  run("docker", ["-H", h.unixHost, ...args], { ...process.env, DOCKER_CONFIG: "/nonexistent" });

interface LintJson {
  findings: { ruleId: string; severity: string; target: { name: string } }[];
}

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dw-harden-"));
});
afterAll(async () => {
  await docker(["rm", "-f", "dw-harden-run"]);
  await rm(dir, { recursive: true, force: true });
});

describe("dockward harden -- docker run …", () => {
  it("prints a command that the real engine runs and that passes lint", async () => {
    await docker(["rm", "-f", "dw-harden-run"]);
    const res = await runCli([
      "harden",
      "--memory",
      "64m",
      "--cpus",
      "0.5",
      "--pids",
      "64",
      "--user",
      "10001:10001",
      "--",
      "docker",
      "run",
      "-d",
      "--privileged",
      "--cap-add",
      "SYS_ADMIN",
      "--security-opt",
      "seccomp=unconfined",
      "--network",
      "none",
      "--name",
      "dw-harden-run",
      h.image,
      "sleep",
      "60",
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/removed --privileged \[DW-PRIV-001\]/);
    const words = splitShellWords(res.stdout.trim()).words;
    expect(words.slice(0, 2)).toEqual(["docker", "run"]);
    expect(words).not.toContain("--privileged");
    const started = await docker(words.slice(1));
    expect(started.code, started.stderr).toBe(0);
    const state = await docker([
      "inspect",
      "-f",
      "{{.State.Running}} {{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.ReadonlyRootfs}}",
      "dw-harden-run",
    ]);
    expect(state.stdout.trim()).toBe(`true ${64 * 1024 * 1024} 64 true`);
    const lint = await runCli(["lint", "--format", "json", "--", ...words]);
    expect(lint.code, lint.stdout).toBe(0);
    expect((JSON.parse(lint.stdout) as LintJson).findings).toEqual([]);
  });

  it("bad limits are usage errors", async () => {
    const res = await runCli(["harden", "--memory", "12x", "--", "docker", "run", "busybox"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--memory "12x": not a size like 512m or 2g');
  });
});

describe("dockward harden compose", () => {
  it.each(["monitoring.yaml", "ci-runner.yaml", "dind.yaml", "tracing.yaml"])(
    "%s: --write keeps a backup, and lint --preset baseline finds only the listed manual steps",
    async (name) => {
      const file = join(dir, name);
      copyFileSync(join(fixtures, name), file);
      const original = await readFile(file, "utf8");
      const res = await runCli([
        "harden",
        "compose",
        "-f",
        file,
        "--preset",
        "baseline",
        "--memory",
        "256m",
        "--cpus",
        "1",
        "--pids",
        "256",
        "--write",
        "--fail-on",
        "none",
      ]);
      expect(res.code, res.stderr).toBe(0);
      expect(await readFile(`${file}.bak`, "utf8")).toBe(original);
      const hardened = await readFile(file, "utf8");
      expect(hardened).not.toBe(original);
      const lint = await runCli([
        "lint",
        "-f",
        file,
        "--preset",
        "baseline",
        "--format",
        "json",
        "--fail-on",
        "none",
      ]);
      expect(lint.code, lint.stderr).toBe(0);
      const serious = (JSON.parse(lint.stdout) as LintJson).findings.filter((f) =>
        ["critical", "high"].includes(f.severity),
      );
      // every serious finding left is one harden listed as a manual step
      for (const f of serious)
        expect(res.stderr).toContain(`${f.target.name}: ${f.severity.toUpperCase()} ${f.ruleId}`);
      for (const f of serious)
        expect([
          "DW-MNT-001",
          "DW-MNT-002",
          "DW-NS-001",
          "DW-NS-002",
          "DW-NS-003",
          "DW-DEV-001",
        ]).toContain(f.ruleId);
    },
  );

  it("--diff prints a unified diff and writes nothing", async () => {
    const file = join(dir, "diff.yaml");
    copyFileSync(join(fixtures, "dind.yaml"), file);
    const res = await runCli(["harden", "compose", "-f", file, "--diff", "--fail-on", "none"]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^Index: .*\n={10,}\n--- .*\n\+\+\+ .*\n@@ /);
    expect(res.stdout).toContain("-    privileged: true");
    expect(await readFile(file, "utf8")).toBe(await readFile(join(fixtures, "dind.yaml"), "utf8"));
  });

  it("a file with a syntax error: line and column, exit 2, nothing written", async () => {
    const file = join(dir, "broken.yaml");
    await writeFile(file, "services:\n  a:\n    image: x\n    cap_add: [SYS_ADMIN\n");
    const res = await runCli(["harden", "compose", "-f", file, "--write"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(new RegExp(`${file.replaceAll(".", "\\.")}:\\d+:\\d+`));
    expect(await readFile(file, "utf8")).toBe(
      "services:\n  a:\n    image: x\n    cap_add: [SYS_ADMIN\n",
    );
  });
});
