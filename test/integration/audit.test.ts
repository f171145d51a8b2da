import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { run, runCli } from "../harness/cli.js";

const h = inject("harness");

interface Json {
  findings: {
    ruleId: string;
    severity: string;
    cis: string[];
    target: { kind: string; name: string; pointer?: string };
    message: string;
  }[];
  summary: { failed: boolean; targets: number };
  warnings: string[];
}

/** Risky containers (created, never started: privileged ones cannot start here) and one hardened, running one. */
const risky: Record<string, { flags: string[]; expect: [string, string][] }> = {
  "dw-audit-priv": { flags: ["--privileged"], expect: [["DW-PRIV-001", "5.4"]] },
  "dw-audit-sysadmin": { flags: ["--cap-add", "SYS_ADMIN"], expect: [["DW-CAP-001", "5.3"]] },
  "dw-audit-pid": { flags: ["--pid", "host"], expect: [["DW-NS-001", "5.15"]] },
  "dw-audit-net": { flags: ["--network", "host"], expect: [["DW-NS-003", "5.9"]] },
  "dw-audit-root": {
    flags: ["-v", "/:/host"],
    expect: [
      ["DW-MNT-002", "5.5"],
      ["DW-MNT-001", "5.31"],
    ],
  },
  "dw-audit-sock": {
    flags: ["-v", "/var/run/docker.sock:/var/run/docker.sock"],
    expect: [["DW-MNT-001", "5.31"]],
  },
  "dw-audit-seccomp": {
    flags: ["--security-opt", "seccomp=unconfined"],
    expect: [["DW-SEC-002", "5.21"]],
  },
  "dw-audit-nolimits": {
    flags: [],
    expect: [
      ["DW-RES-001", "5.10"],
      ["DW-RES-003", "5.28"],
      ["DW-RES-002", "5.11"],
    ],
  },
};
const hardenedFlags = [
  "--user",
  "10001:10001",
  "--cap-drop",
  "ALL",
  "--security-opt",
  "no-new-privileges",
  "--read-only",
  "--memory",
  "64m",
  "--memory-swap",
  "64m",
  "--cpus",
  "0.5",
  "--pids-limit",
  "50",
  "--cgroupns",
  "private",
  "--restart",
  "on-failure:3",
];

describe("dockward audit on the real engine", () => {
  const docker = (args: string[]) =>
    run("docker", ["-H", h.unixHost, ...args], { ...process.env, DOCKER_CONFIG: "/nonexistent" });
  const names = [...Object.keys(risky), "dw-audit-hardened", "dw-audit-apparmor"];

  beforeAll(async () => {
    await docker(["rm", "-f", ...names]);
    for (const [name, c] of Object.entries(risky)) {
      const net = c.flags.includes("--network") ? [] : ["--network", "none"];
      const res = await docker([
        "create",
        "--name",
        name,
        ...net,
        ...c.flags,
        h.image,
        "sleep",
        "600",
      ]);
      expect(res.code, res.stderr).toBe(0);
    }
    const apparmor = await docker([
      "create",
      "--name",
      "dw-audit-apparmor",
      "--network",
      "none",
      "--security-opt",
      "apparmor=unconfined",
      h.image,
      "true",
    ]);
    expect(apparmor.code, apparmor.stderr).toBe(0);
    const hard = await docker([
      "run",
      "-d",
      "--name",
      "dw-audit-hardened",
      "--network",
      "none",
      ...hardenedFlags,
      h.image,
      "sleep",
      "600",
    ]);
    expect(hard.code, hard.stderr).toBe(0);
  });
  afterAll(async () => {
    await docker(["rm", "-f", ...names]);
  });

  async function audit(args: string[]): Promise<{ code: number; json: Json }> {
    const res = await runCli(["-H", h.unixHost, "audit", "--format", "json", ...args]);
    expect(res.stderr).toBe("");
    return { code: res.code, json: JSON.parse(res.stdout) as Json };
  }

  it("finds every risk with its CIS control, in created (never started) containers too", async () => {
    const { code, json } = await audit(["--preset", "cis"]);
    expect(code).toBe(1);
    for (const [name, c] of Object.entries(risky)) {
      const mine = json.findings.filter((f) => f.target.name === name);
      for (const [ruleId, cis] of c.expect) {
        const f = mine.find((x) => x.ruleId === ruleId);
        expect(f, `${name} ${ruleId}`).toBeDefined();
        expect(f?.cis).toContain(cis);
        expect(f?.target.kind).toBe("container");
      }
    }
    expect(
      json.findings.find((f) => f.target.name === "dw-audit-priv" && f.ruleId === "DW-PRIV-001")
        ?.target.pointer,
    ).toBe("/HostConfig/Privileged");
  });

  it("reports nothing on the hardened container", async () => {
    const { json } = await audit(["--preset", "restricted"]);
    expect(json.findings.filter((f) => f.target.name === "dw-audit-hardened")).toEqual([]);
    expect(json.summary.targets).toBeGreaterThanOrEqual(names.length);
  });

  it("says AppArmor is not applicable when the kernel has none, instead of a false alarm", async () => {
    const info = await docker(["info", "--format", "{{json .SecurityOptions}}"]);
    const hasAppArmor = info.stdout.includes("name=apparmor");
    const { json } = await audit(["--preset", "baseline"]);
    const f = json.findings.find(
      (x) => x.target.name === "dw-audit-apparmor" && x.ruleId === "DW-SEC-003",
    );
    expect(f?.severity).toBe(hasAppArmor ? "high" : "info");
    if (!hasAppArmor) expect(json.warnings.join("\n")).toMatch(/no AppArmor/);
  });

  it("audits a fleet of contexts (unix, TLS, ssh) concurrently; an unreachable one is reported, not fatal", async () => {
    const config = await mkdtemp(join(tmpdir(), "dw-fleet-"));
    try {
      const env = { ...process.env, DOCKER_CONFIG: config };
      const tls = `ca=${join(h.tlsDir, "ca.pem")},cert=${join(h.tlsDir, "cert.pem")},key=${join(h.tlsDir, "key.pem")}`;
      for (const [name, host] of [
        ["f-unix", `host=${h.unixHost}`],
        ["f-tls", `host=${h.tlsHost},${tls}`],
        ["f-ssh", `host=${h.sshRemoteSocketHost}`],
        ["f-dead", `host=unix://${config}/dead.sock`],
      ]) {
        const made = await run(
          "docker",
          ["context", "create", name ?? "", "--docker", host ?? ""],
          env,
        );
        expect(made.code, made.stderr).toBe(0);
      }
      const res = await runCli(
        [
          "--context",
          "f-unix,f-tls,f-ssh,f-dead",
          "audit",
          "--format",
          "json",
          "--preset",
          "baseline",
          "--fail-on",
          "none",
        ],
        {
          DOCKER_CONFIG: config,
          PATH: `${h.binDir}:${process.env.PATH ?? ""}`,
        },
      );
      expect(res.code, res.stderr).toBe(3); // nothing fails the policy, but one engine was not audited
      const json = JSON.parse(res.stdout) as Json & { hosts: { name: string; error?: string }[] };
      expect(json.hosts.map((x) => x.name)).toEqual(["f-unix", "f-tls", "f-ssh", "f-dead"]);
      expect(json.hosts.filter((x) => x.error !== undefined).map((x) => x.name)).toEqual([
        "f-dead",
      ]);
      for (const host of ["f-unix", "f-tls", "f-ssh"]) {
        expect(
          json.findings.some(
            (f) => f.target.name === `${host}/dw-audit-priv` && f.ruleId === "DW-PRIV-001",
          ),
          host,
        ).toBe(true);
      }
      expect(json.warnings.join("\n")).toMatch(
        /engine f-dead .* could not be audited: cannot reach the Docker engine/,
      );
    } finally {
      await rm(config, { recursive: true, force: true });
    }
  });

  it("text output points at the inspect field, or at the container as a whole", async () => {
    const res = await runCli(["-H", h.unixHost, "audit", "--preset", "restricted"], {
      NO_COLOR: "1",
    });
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/DW-PRIV-001 .*\n\s+at \/HostConfig\/Privileged {2}\(CIS 5\.4\)/);
    expect(res.stdout).toMatch(/DW-USR-001 .*\n\s+at the container as a whole {2}\(CIS 4\.1\)/);
  });

  it("an unreachable engine is exit 3 with the reason", async () => {
    const res = await runCli(["-H", `unix://${h.root}/nothing.sock`, "audit"]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/cannot reach the Docker engine/);
  });
});
