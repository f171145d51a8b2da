import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { findParser, kernelHasAppArmor } from "../../src/apparmor/parser.js";
import { run, runCli } from "../harness/cli.js";

/**
 * AppArmor profiles against the real apparmor_parser (compile-only: this kernel has no
 * AppArmor), and the real engine's handling of apparmor= on such a kernel.
 */

const h = inject("harness");
let dir = "";

const specs: Record<string, string> = {
  web: `name: web
filesystem:
  readonly: [/usr/**, /etc/nginx/**, /etc/ssl/**]
  writable: [/var/cache/nginx/**, /var/log/nginx/**, /run/nginx.pid]
  deny: [/etc/shadow]
  log: [/etc/passwd]
executables:
  allow: [/usr/sbin/nginx]
  deny: [/bin/sh, /bin/bash]
capabilities:
  allow: [NET_BIND_SERVICE, SETUID, SETGID, CHOWN]
network:
  allow: [inet stream, inet6 stream]
`,
  worker: `name: worker
filesystem:
  readonly: [/app/**]
  writable: [/tmp/**]
executables:
  allow: [/usr/local/bin/worker]
network:
  allow: [inet tcp]
ptrace: none
`,
  "offline-tool": `name: offline-tool
filesystem:
  readonly: [/input/**]
  writable: [/output/**]
executables:
  allow: [/usr/bin/convert]
signal: all
mounts: { deny: true }
`,
  "permissive-with-execs": `name: permissive-with-execs
filesystem: { allowAll: true, deny: [/etc/shadow] }
executables: { allow: [/usr/bin/env], deny: [/usr/bin/su] }
capabilities: { allowAll: true }
network: { allow: [inet, inet6, unix], raw: true }
`,
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dw-apparmor-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("generated profiles compile with the real apparmor_parser", () => {
  it("the parser is installed (CI installs the apparmor package)", () => {
    expect(findParser()).toBeDefined();
  });

  it.each(Object.keys(specs))("%s", async (name) => {
    const specFile = join(dir, `${name}.yaml`);
    const out = join(dir, `${name}.profile`);
    await writeFile(specFile, specs[name] ?? "");
    const gen = await runCli(["apparmor", "generate", specFile, "-o", out]);
    expect(gen.stderr).toContain(`${out}: compiles with`);
    expect(gen.code).toBe(0);
    // and the parser itself agrees, run directly
    const direct = await run(
      findParser() ?? "apparmor_parser",
      ["-QK", "-M", "/usr/share/apparmor-features/features", out],
      process.env,
    );
    expect(direct.stderr).toBe("");
    expect(direct.code).toBe(0);
    const profile = await readFile(out, "utf8");
    expect(profile).toContain(`profile ${name} flags=(attach_disconnected,mediate_deleted) {`);
  });

  it("the default profile, under a chosen name", async () => {
    const out = join(dir, "default.profile");
    const res = await runCli(["apparmor", "default", "--name", "acme-default", "-o", out]);
    expect(res.code, res.stderr).toBe(0);
    const validate = await runCli(["apparmor", "validate", out]);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stderr).toMatch(/compiles with .*apparmor_parser/);
    expect(await readFile(out, "utf8")).toContain("profile acme-default ");
  });

  it("a broken profile: the parser's error, mapped to FILE:LINE, exit 2", async () => {
    const file = join(dir, "broken.profile");
    await writeFile(
      file,
      "#include <tunables/global>\nprofile broken {\n  #include <abstractions/base>\n  /etc/** r\n  capability chown,\n  capability net_foo,\n}\n",
    );
    const res = await runCli(["apparmor", "validate", file]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`${file}:5: syntax error`);
    await writeFile(file, "profile broken {\n  capability net_foo,\n}\n");
    const res2 = await runCli(["apparmor", "validate", file]);
    expect(res2.code).toBe(2);
    expect(res2.stderr).toContain(`${file}:2: Invalid capability net_foo.`);
  });

  it("a broken spec: line and column, exit 2, nothing written", async () => {
    const specFile = join(dir, "bad.yaml");
    const out = join(dir, "bad.profile");
    await writeFile(
      specFile,
      "name: bad\nfilesystem:\n  writable:\n    - /tmp/**\n    - var/cache\n",
    );
    const res = await runCli(["apparmor", "generate", specFile, "-o", out]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(
      `${specFile}:5:7: filesystem.writable.1: "var/cache" is not an absolute path`,
    );
    await expect(readFile(out, "utf8")).rejects.toThrow(/ENOENT/);
  });
});

describe("on this kernel", () => {
  it("load says the kernel cannot enforce profiles (exit 3), or loads where it can", async () => {
    const file = join(dir, "default-for-load.profile");
    await runCli(["apparmor", "default", "-o", file]);
    const res = await runCli(["apparmor", "load", file]);
    if (kernelHasAppArmor()) {
      expect(res.code, res.stderr).toBe(0);
    } else {
      expect(res.code).toBe(3);
      expect(res.stderr).toMatch(/this kernel has no AppArmor: profiles cannot be loaded/);
    }
  });

  it("info and audit say apparmor= is ignored; no false 'AppArmor missing'", async () => {
    if (kernelHasAppArmor()) return;
    const docker = (args: string[]) =>
      run("docker", ["-H", h.unixHost, ...args], { ...process.env, DOCKER_CONFIG: "/nonexistent" });
    const name = "dw-apparmor-ignored";
    await docker(["rm", "-f", name]);
    const created = await docker([
      "create",
      "--name",
      name,
      "--network",
      "none",
      "--security-opt",
      "apparmor=web",
      h.image,
      "true",
    ]);
    expect(created.code, created.stderr).toBe(0);
    try {
      const info = await runCli(["-H", h.unixHost, "info"]);
      expect(info.stdout).toMatch(/AppArmor: not available .*apparmor=… is silently ignored/);
      const res = await runCli([
        "-H",
        h.unixHost,
        "audit",
        "--format",
        "json",
        "--daemons",
        "none",
      ]);
      const json = JSON.parse(res.stdout) as {
        findings: { ruleId: string; severity: string; message: string; target: { name: string } }[];
        warnings: string[];
      };
      const mine = json.findings.filter((f) => f.target.name === name && f.ruleId === "DW-SEC-003");
      expect(mine.map((f) => [f.severity, f.message])).toEqual([
        ["info", expect.stringMatching(/apparmor=web is ignored here: the kernel has no AppArmor/)],
      ]);
      // no container is reported as lacking AppArmor above info on this kernel
      expect(
        json.findings.filter((f) => f.ruleId === "DW-SEC-003" && f.severity !== "info"),
      ).toEqual([]);
      expect(json.warnings.join("\n")).toMatch(/the kernel has no AppArmor/);
    } finally {
      await docker(["rm", "-f", name]);
    }
  });
});
