import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../harness/cli.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const fixture = (p: string): string => join(repo, p);

interface Json {
  findings: {
    ruleId: string;
    severity: string;
    cis: string[];
    target: {
      kind: string;
      name: string;
      file?: string;
      line?: number;
      column?: number;
      argIndex?: number;
    };
    message: string;
    remediation: { run: string; compose: string };
    suppressed?: { reason: string };
  }[];
  summary: {
    findings: number;
    suppressed: number;
    failed: boolean;
    failOn: string;
    bySeverity: Record<string, number>;
  };
  warnings: string[];
}

async function lintJson(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; json: Json; stderr: string }> {
  const dash = args.indexOf("--");
  const argv =
    dash === -1
      ? [...args, "--format", "json"]
      : [...args.slice(0, dash), "--format", "json", ...args.slice(dash)];
  const res = await runCli(["lint", ...argv], env);
  return { code: res.code, json: JSON.parse(res.stdout || "{}") as Json, stderr: res.stderr };
}

describe("lint: a realistic compose file with inline expectation markers", () => {
  it("finds exactly what the markers say, at those lines and columns", async () => {
    const file = fixture("test/fixtures/lint/stack.yaml");
    const text = await readFile(file, "utf8");
    const expected: string[] = [];
    text.split("\n").forEach((line, i) => {
      const m = /# expect: (.*)$/.exec(line);
      for (const item of m?.[1]?.split(",") ?? []) {
        const [id = "", col] = item.trim().split("@");
        expected.push(`${i + 1}${col !== undefined ? `:${col}` : ""} ${id}`);
      }
    });
    const { code, json } = await lintJson(["-f", file, "--preset", "restricted"]);
    const got = json.findings
      .filter((f) => f.suppressed === undefined)
      .map((f) => {
        const marker = expected.find(
          (e) => e.startsWith(`${f.target.line ?? 0}:`) && e.endsWith(` ${f.ruleId}`),
        );
        return marker !== undefined
          ? `${f.target.line ?? 0}:${f.target.column ?? 0} ${f.ruleId}`
          : `${f.target.line ?? 0} ${f.ruleId}`;
      });
    expect(got.sort()).toEqual(expected.sort());
    expect(json.summary.suppressed).toBe(1);
    expect(json.findings.find((f) => f.suppressed !== undefined)?.ruleId).toBe("DW-NS-003");
    expect(code).toBe(1);
  });
});

describe("lint: the examples", () => {
  it("the insecure example fails with the findings a reviewer would flag", async () => {
    const { code, json } = await lintJson(["-f", fixture("examples/insecure/compose.yaml")]);
    expect(code).toBe(1);
    const ids = new Set(json.findings.map((f) => `${f.target.name} ${f.ruleId}`));
    for (const want of [
      "proxy DW-MNT-001",
      "monitor DW-PRIV-001",
      "monitor DW-NS-001",
      "monitor DW-DEV-001",
      "monitor DW-MNT-002",
      "debug DW-NS-003",
      "debug DW-CAP-001",
      "debug DW-SEC-002",
      "debug DW-SEC-003",
      "debug DW-MNT-002",
    ]) {
      expect(ids, want).toContain(want);
    }
    expect(ids).not.toContain("app DW-PRIV-001");
    expect(json.summary.failed).toBe(true);
  });

  it("the hardened example is clean under the restricted preset", async () => {
    const { code, json } = await lintJson(["-f", fixture("examples/hardened/compose.yaml")]);
    expect(json.findings).toEqual([]);
    expect(code).toBe(0);
  });

  it("text output shows the source line and a caret under the finding", async () => {
    const res = await runCli(["lint", "-f", fixture("examples/insecure/compose.yaml")], {
      NO_COLOR: "1",
    });
    expect(res.code).toBe(1);
    const lines = res.stdout.split("\n");
    const at = lines.findIndex((l) => l.includes("DW-CAP-001") && l.includes("SYS_ADMIN"));
    expect(at).toBeGreaterThan(-1);
    const src = lines[at + 2] ?? "";
    const caret = lines[at + 3] ?? "";
    expect(src).toMatch(/\| {5}cap_add: \[SYS_ADMIN, SYS_PTRACE\]$/);
    expect(caret.indexOf("^")).toBe(src.indexOf("SYS_ADMIN"));
  });
});

describe("lint: docker run command lines", () => {
  it("points at the argv index of the flag", async () => {
    const { code, json } = await lintJson([
      "--",
      "docker",
      "run",
      "--rm",
      "--privileged",
      "-v",
      "/:/host",
      "busybox",
      "sh",
    ]);
    expect(code).toBe(1);
    expect(json.findings.find((f) => f.ruleId === "DW-PRIV-001")?.target).toMatchObject({
      kind: "run",
      argIndex: 3,
    });
    expect(json.findings.find((f) => f.ruleId === "DW-MNT-002")?.target).toMatchObject({
      argIndex: 4,
    });
  });

  it("--run-file gives file:line:col for each word", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dw-run-"));
    try {
      const file = join(dir, "run.sh");
      await writeFile(
        file,
        "docker run -d \\\n  --name web \\\n  --cap-add SYS_ADMIN \\\n  nginx:1.27\n",
      );
      const { json } = await lintJson(["--run-file", file]);
      expect(json.findings.find((f) => f.ruleId === "DW-CAP-001")?.target).toMatchObject({
        file,
        line: 3,
        column: 3,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("lint: bad input is exit 2 with a place and a fix, never a stack trace", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "dw-bad-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cases: [string, string | null, string[], RegExp][] = [
    ["invalid YAML", "services:\n  web:\n    image: [unclosed\n", [], /compose\.yaml:\d+:\d+: /],
    ["not a compose file", "- just\n- a list\n", [], /compose\.yaml:1:1: /],
    [
      "an undefined variable without a default",
      "services:\n  web:\n    image: nginx:${TAG}\n",
      [],
      /compose\.yaml:3:18: variable TAG is not set/,
    ],
    [
      "an unknown service key",
      "services:\n  web:\n    image: nginx\n    privilegd: true\n",
      [],
      /compose\.yaml:4:5: .*privilegd/,
    ],
    [
      "a wrong type",
      'services:\n  web:\n    image: nginx\n    privileged: "maybe"\n',
      [],
      /compose\.yaml:4:17: /,
    ],
    [
      "an unknown docker flag",
      null,
      ["--", "docker", "run", "--privileg", "busybox"],
      /unknown flag --privileg .*argv\[2\]/,
    ],
    ["a docker run line with no image", null, ["--", "docker", "run", "--rm"], /image/i],
  ];

  it.each(cases)("%s", async (_name, compose, args, message) => {
    let argv = args;
    if (compose !== null) {
      const file = join(dir, "compose.yaml");
      await writeFile(file, compose);
      argv = ["-f", file];
    }
    const res = await runCli(["lint", ...argv]);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(res.stderr).toMatch(/fix: /);
  });

  it("an unterminated quote in a run file", async () => {
    const file = join(dir, "run.sh");
    await writeFile(file, "docker run \\\n  -e 'A=1 busybox\n");
    const res = await runCli(["lint", "--run-file", file]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/unterminated single quote opened at .*run\.sh:2:6/);
  });

  it("an invalid policy names file:line:col", async () => {
    const policy = join(dir, "policy.yaml");
    await writeFile(
      policy,
      "preset: restricted\nrules:\n  DW-CAP-001:\n    options:\n      alowed: [NET_ADMIN]\n",
    );
    const res = await runCli(["lint", "--policy", policy, "--", "docker", "run", "busybox"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(
      /policy\.yaml:5:7: DW-CAP-001 options\.alowed: unknown option "alowed"/,
    );
  });

  it("an unknown rule in a policy names file:line:col", async () => {
    const policy = join(dir, "policy2.yaml");
    await writeFile(policy, "rules:\n  DW-NOPE-001: false\n");
    const res = await runCli(["lint", "--policy", policy, "--", "docker", "run", "busybox"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/policy2\.yaml:2:3: unknown rule "DW-NOPE-001"/);
  });
});

describe("lint: policy, fail-on and formats", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "dw-pol-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("exceptions silence findings with a reason; expired ones stop applying and are reported", async () => {
    const policy = join(dir, "dockward.yaml");
    await writeFile(
      policy,
      [
        "preset: baseline",
        "exceptions:",
        "  - rules: [DW-MNT-001]",
        "    match: { service: proxy }",
        "    reason: traefik reads the socket",
        "  - rules: [no-privileged]",
        '    match: { image: "gcr.io/cadvisor/*" }',
        "    reason: was allowed for the pilot",
        "    expires: 2020-01-31",
      ].join("\n"),
    );
    const { json } = await lintJson([
      "-f",
      fixture("examples/insecure/compose.yaml"),
      "--policy",
      policy,
    ]);
    const socket = json.findings.find(
      (f) => f.ruleId === "DW-MNT-001" && f.target.name === "proxy",
    );
    expect(socket?.suppressed?.reason).toBe("traefik reads the socket");
    expect(json.findings.find((f) => f.ruleId === "DW-PRIV-001")?.suppressed).toBeUndefined();
    expect(json.warnings.join("\n")).toMatch(/dockward\.yaml:6:\d+ expired on 2020-01-31/);
  });

  it("--fail-on decides the exit code", async () => {
    const args = ["--", "docker", "run", "--cap-add", "NET_ADMIN", "busybox"];
    expect((await runCli(["lint", ...args])).code).toBe(1); // NET_ADMIN is high
    expect((await runCli(["lint", "--fail-on", "critical", ...args])).code).toBe(0);
    expect(
      (
        await runCli([
          "lint",
          "--fail-on",
          "none",
          "--",
          "docker",
          "run",
          "--privileged",
          "busybox",
        ])
      ).code,
    ).toBe(0);
    expect((await runCli(["lint", "--fail-on", "loud", ...args])).code).toBe(2);
  });

  it("SARIF 2.1.0 with rule metadata, help and precise regions", async () => {
    const out = join(dir, "out.sarif");
    const res = await runCli([
      "lint",
      "-f",
      fixture("examples/insecure/compose.yaml"),
      "--format",
      "sarif",
      "-o",
      out,
    ]);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    const sarif = JSON.parse(await readFile(out, "utf8")) as {
      version: string;
      runs: {
        tool: {
          driver: {
            rules: {
              id: string;
              help?: { markdown: string };
              properties: { "security-severity": string };
            }[];
          };
        };
        results: {
          ruleId: string;
          ruleIndex: number;
          level: string;
          locations: {
            physicalLocation?: {
              artifactLocation: { uri: string };
              region: { startLine: number; startColumn?: number };
            };
          }[];
        }[];
      }[];
    };
    expect(sarif.version).toBe("2.1.0");
    const run0 = sarif.runs[0];
    expect(run0?.tool.driver.rules.length).toBeGreaterThan(30);
    expect(
      run0?.tool.driver.rules.every((r) => r.help?.markdown.startsWith(`# ${r.id}:`) === true),
    ).toBe(true);
    const result = run0?.results.find((r) => r.ruleId === "DW-PRIV-001");
    expect(result?.level).toBe("error");
    expect(run0?.tool.driver.rules[result?.ruleIndex ?? -1]?.id).toBe("DW-PRIV-001");
    expect(result?.locations[0]?.physicalLocation?.region.startLine).toBeGreaterThan(1);
    expect(result?.locations[0]?.physicalLocation?.artifactLocation.uri).toMatch(
      /examples\/insecure\/compose\.yaml$/,
    );
  });
});

describe("lint: finding input, scale and colour", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "dw-scale-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("finds the compose file as docker compose does, from a subdirectory too", async () => {
    await writeFile(
      join(dir, "docker-compose.yml"),
      "services:\n  web:\n    image: nginx\n    privileged: true\n",
    );
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(dir, "sub"), { recursive: true });
    const res = await runCli(["lint", "--format", "json"], {}, 60_000, join(dir, "sub"));
    expect(res.code).toBe(1);
    const json = JSON.parse(res.stdout) as Json;
    expect(json.findings.find((f) => f.ruleId === "DW-PRIV-001")?.target).toMatchObject({
      file: join(dir, "docker-compose.yml"),
      line: 4,
      column: 17,
    });
  });

  it("says so when there is no compose file", async () => {
    const empty = await mkdtemp(join(tmpdir(), "dw-empty-"));
    try {
      const res = await runCli(["lint"], {}, 60_000, empty);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/no compose file in .* or its parents/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it("a 10,000-service compose file works", async () => {
    const file = join(dir, "huge.yaml");
    const services = Array.from(
      { length: 10_000 },
      (_, i) => `  s${i}:\n    image: app:${i}\n${i % 1000 === 0 ? "    privileged: true\n" : ""}`,
    );
    await writeFile(file, `services:\n${services.join("")}`);
    const { code, json } = await lintJson(["-f", file, "--preset", "baseline"]);
    expect(code).toBe(1);
    expect(
      json.findings.filter((f) => f.ruleId === "DW-PRIV-001").map((f) => f.target.name),
    ).toEqual(Array.from({ length: 10 }, (_, i) => `s${i * 1000}`));
  });

  it("colours only when asked or on a terminal", async () => {
    const args = ["lint", "--", "docker", "run", "--privileged", "busybox"];
    const ESC = String.fromCharCode(27);
    expect((await runCli(args, { FORCE_COLOR: "1" })).stdout).toContain(`${ESC}[35mCRITICAL`);
    expect((await runCli(args, { NO_COLOR: "1", FORCE_COLOR: "1" })).stdout).not.toContain(ESC);
    expect((await runCli(args)).stdout).not.toContain(ESC);
  });
});
