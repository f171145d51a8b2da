import * as http from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCli } from "../harness/cli.js";

/**
 * `dockward seccomp validate` against the real engine: every profile the daemon or runc refuses
 * when a container starts with it must be an error (a high DW-SCMP-001…006 finding) for
 * validate, and profiles the engine runs must not be. Each profile is sent the way the docker
 * CLI sends `--security-opt seccomp=FILE`: inline, in HostConfig.SecurityOpt of a create request.
 */

const h = inject("harness");

const ERRORS = new Set([
  "DW-SCMP-001",
  "DW-SCMP-002",
  "DW-SCMP-003",
  "DW-SCMP-004",
  "DW-SCMP-005",
  "DW-SCMP-006",
]);

interface Reply {
  status: number;
  body: string;
}

/** One Engine API call on the harness socket; a connection the daemon drops is status 0. */
function api(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? "" : JSON.stringify(body);
    const req = http.request(
      {
        socketPath: h.socketPath,
        method,
        path,
        headers: {
          "Content-Type": "application/json",
          "Content-Length": Buffer.byteLength(payload),
        },
        timeout: timeoutMs,
      },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString("latin1")));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body: text });
        });
      },
    );
    req.on("timeout", () => {
      req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`));
    });
    req.on("error", (err) => {
      // dockerd 20.10 dereferences a null rule while starting and drops the connection
      if (
        (err as NodeJS.ErrnoException).code === "ECONNRESET" ||
        err.message.includes("socket hang up")
      )
        resolve({ status: 0, body: err.message });
      else reject(err);
    });
    req.end(payload);
  });
}

interface EngineVerdict {
  refused: boolean;
  /** the daemon's message, for the failure report */
  why: string;
  /** the container's /proc/self/status Seccomp line, when it ran */
  seccomp?: string;
}

let seq = 0;
const created: string[] = [];

/** Create and start a container with the profile, as the docker CLI would send it. */
async function engineVerdict(profile: string): Promise<EngineVerdict> {
  const name = `dw-scmp-val-${process.pid}-${seq++}`;
  const create = await api("POST", `/containers/create?name=${name}`, {
    Image: h.image,
    Cmd: ["cat", "/proc/self/status"],
    HostConfig: { NetworkMode: "none", SecurityOpt: [`seccomp=${profile}`] },
  });
  if (create.status !== 201)
    return { refused: true, why: `create ${create.status} ${create.body}` };
  created.push(name);
  const start = await api("POST", `/containers/${name}/start`);
  if (start.status !== 204) return { refused: true, why: `start ${start.status} ${start.body}` };
  await api("POST", `/containers/${name}/wait`);
  const logs = await api("GET", `/containers/${name}/logs?stdout=1&stderr=1`);
  const seccomp = /Seccomp:\s*(\d)/.exec(logs.body)?.[1];
  return { refused: false, why: "ran", ...(seccomp !== undefined ? { seccomp } : {}) };
}

interface Finding {
  ruleId: string;
  severity: string;
  target: { line?: number; column?: number; pointer?: string };
}

let dir = "";

/** `dockward seccomp validate` on the profile, as a user runs it; its JSON findings. */
async function validate(profile: string): Promise<{ code: number; findings: Finding[] }> {
  const file = join(dir, `p${seq++}.json`);
  await writeFile(file, profile);
  const res = await runCli(["seccomp", "validate", file, "--format", "json"]);
  expect(res.stderr).toBe("");
  const report = JSON.parse(res.stdout) as { findings: Finding[] };
  return { code: res.code, findings: report.findings };
}

const p = (o: unknown): string => JSON.stringify(o);
const allowExcept = (rule: Record<string, unknown>): string =>
  p({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], ...rule }] });
const errnoArg = (arg: Record<string, unknown>): string =>
  allowExcept({
    action: "SCMP_ACT_ERRNO",
    args: [{ index: 0, value: 1, op: "SCMP_CMP_EQ", ...arg }],
  });

/** Profiles that the daemon or runc refuse (checked here, not assumed), and where validate says so. */
const broken: [name: string, profile: string, rule: string, pointer: string][] = [
  ["not JSON", '{"defaultAction": "SCMP_ACT_ERRNO",}', "DW-SCMP-001", ""],
  ["text after the profile", '{"defaultAction":"SCMP_ACT_ALLOW"} x', "DW-SCMP-001", ""],
  [
    "unknown default action",
    p({ defaultAction: "SCMP_ACT_DENY" }),
    "DW-SCMP-004",
    "/defaultAction",
  ],
  ["lowercase action", p({ defaultAction: "scmp_act_allow" }), "DW-SCMP-004", "/defaultAction"],
  [
    "unknown rule action",
    allowExcept({ action: "SCMP_ACT_NOPE" }),
    "DW-SCMP-004",
    "/syscalls/0/action",
  ],
  ["rule without action", allowExcept({}), "DW-SCMP-004", "/syscalls/0"],
  [
    "rules without defaultAction",
    p({ syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO" }] }),
    "DW-SCMP-004",
    "",
  ],
  [
    "unknown architecture",
    p({ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_NOPE"] }),
    "DW-SCMP-004",
    "/architectures/0",
  ],
  [
    "unknown sub-architecture of the host's archMap entry",
    p({
      defaultAction: "SCMP_ACT_ALLOW",
      archMap: [{ architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_I386"] }],
    }),
    "DW-SCMP-004",
    "/archMap/0/subArchitectures/0",
  ],
  [
    "PA-RISC, which libseccomp knows and runc does not",
    p({ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_PARISC"] }),
    "DW-SCMP-004",
    "/architectures/0",
  ],
  ["unknown operator", errnoArg({ op: "SCMP_CMP_NOPE" }), "DW-SCMP-004", "/syscalls/0/args/0/op"],
  ["condition without operator", errnoArg({ op: undefined }), "DW-SCMP-004", "/syscalls/0/args/0"],
  ["argument index 6", errnoArg({ index: 6 }), "DW-SCMP-005", "/syscalls/0/args/0/index"],
  [
    "errno 4095",
    allowExcept({ action: "SCMP_ACT_ERRNO", errnoRet: 4095 }),
    "DW-SCMP-005",
    "/syscalls/0/errnoRet",
  ],
  [
    "empty syscall name",
    p({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: [""], action: "SCMP_ACT_ERRNO" }] }),
    "DW-SCMP-005",
    "/syscalls/0/names/0",
  ],
  [
    "minKernel without a major",
    allowExcept({ action: "SCMP_ACT_ERRNO", includes: { minKernel: "4" } }),
    "DW-SCMP-005",
    "/syscalls/0/includes/minKernel",
  ],
  [
    "minKernel 0.0",
    allowExcept({ action: "SCMP_ACT_ERRNO", excludes: { minKernel: "0.0" } }),
    "DW-SCMP-005",
    "/syscalls/0/excludes/minKernel",
  ],
  [
    "minKernel above 255",
    allowExcept({ action: "SCMP_ACT_ERRNO", includes: { minKernel: "4.256" } }),
    "DW-SCMP-005",
    "/syscalls/0/includes/minKernel",
  ],
  ["NOTIFY as default", p({ defaultAction: "SCMP_ACT_NOTIFY" }), "DW-SCMP-005", "/defaultAction"],
  [
    "NOTIFY on 20.10 (listenerPath is dropped)",
    p({
      defaultAction: "SCMP_ACT_ALLOW",
      listenerPath: "/run/agent.sock",
      syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }],
    }),
    "DW-SCMP-005",
    "/syscalls/0/action",
  ],
  [
    "name with names",
    allowExcept({ name: "rmdir", action: "SCMP_ACT_ERRNO" }),
    "DW-SCMP-006",
    "/syscalls/0/name",
  ],
  [
    "architectures with archMap",
    p({
      defaultAction: "SCMP_ACT_ALLOW",
      architectures: ["SCMP_ARCH_X86_64"],
      archMap: [{ architecture: "SCMP_ARCH_X86_64", subArchitectures: [] }],
    }),
    "DW-SCMP-006",
    "/archMap",
  ],
  ["defaultAction a number", p({ defaultAction: 1 }), "DW-SCMP-002", "/defaultAction"],
  [
    "names a string",
    allowExcept({ names: "mkdir", action: "SCMP_ACT_ERRNO" }),
    "DW-SCMP-002",
    "/syscalls/0/names",
  ],
  ["index a string", errnoArg({ index: "0" }), "DW-SCMP-002", "/syscalls/0/args/0/index"],
  [
    "index 1.0",
    '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","args":[{"index":1.0,"value":1,"op":"SCMP_CMP_EQ"}]}]}',
    "DW-SCMP-002",
    "/syscalls/0/args/0/index",
  ],
  ["index -1", errnoArg({ index: -1 }), "DW-SCMP-002", "/syscalls/0/args/0/index"],
  [
    "value past uint64",
    '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":18446744073709551616,"op":"SCMP_CMP_EQ"}]}]}',
    "DW-SCMP-002",
    "/syscalls/0/args/0/value",
  ],
  [
    "negative errnoRet",
    allowExcept({ action: "SCMP_ACT_ERRNO", errnoRet: -1 }),
    "DW-SCMP-002",
    "/syscalls/0/errnoRet",
  ],
  [
    "minKernel a number",
    allowExcept({ action: "SCMP_ACT_ERRNO", includes: { minKernel: 4.8 } }),
    "DW-SCMP-002",
    "/syscalls/0/includes/minKernel",
  ],
  [
    "syscalls an object",
    p({ defaultAction: "SCMP_ACT_ALLOW", syscalls: {} }),
    "DW-SCMP-002",
    "/syscalls",
  ],
  ["an array", "[1]", "DW-SCMP-002", ""],
  [
    "a null rule (dockerd drops the connection)",
    p({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [null] }),
    "DW-SCMP-002",
    "/syscalls/0",
  ],
];

/** Profiles the engine runs, that validate must not call errors (warnings are fine). */
const accepted: [name: string, profile: string, expectedWarnings: string[]][] = [
  [
    "a denylist with errnoRet (an up-to-date 20.10 reads it)",
    allowExcept({ action: "SCMP_ACT_ERRNO", errnoRet: 38 }),
    ["DW-SCMP-007"],
  ],
  [
    "an unknown field",
    p({ defaultAction: "SCMP_ACT_ALLOW", bogus: 1 }),
    ["DW-SCMP-007", "DW-SCMP-009"],
  ],
  [
    "an unknown syscall name and names: []",
    p({
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [
        { names: ["nosuchcall"], action: "SCMP_ACT_ERRNO" },
        { names: [], action: "SCMP_ACT_ERRNO" },
      ],
    }),
    ["DW-SCMP-007", "DW-SCMP-011", "DW-SCMP-012"],
  ],
  [
    "fields 20.10 ignores",
    p({
      defaultAction: "SCMP_ACT_ALLOW",
      defaultErrnoRet: 38,
      flags: ["SECCOMP_FILTER_FLAG_LOG"],
      listenerMetadata: "x",
    }),
    ["DW-SCMP-007", "DW-SCMP-010", "DW-SCMP-010", "DW-SCMP-010"],
  ],
  [
    "a rule equal to the default, two actions for one syscall",
    p({
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [
        { names: ["mkdir"], action: "SCMP_ACT_ALLOW" },
        { names: ["rmdir"], action: "SCMP_ACT_ERRNO" },
        { names: ["rmdir"], action: "SCMP_ACT_LOG" },
      ],
    }),
    ["DW-SCMP-007", "DW-SCMP-012", "DW-SCMP-013"],
  ],
  [
    "two conditions on one argument",
    errnoArg({}).replace('"args":[{', '"args":[{"index":0,"value":2,"op":"SCMP_CMP_EQ"},{'),
    ["DW-SCMP-007", "DW-SCMP-014"],
  ],
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dw-scmp-val-"));
});

afterAll(async () => {
  for (const name of created) await api("DELETE", `/containers/${name}?force=1`);
  await rm(dir, { recursive: true, force: true });
});

describe("every profile the engine refuses is an error for validate", () => {
  it.each(broken)("%s", async (_name, profile, rule, pointer) => {
    const engine = await engineVerdict(profile);
    // the table lists refused profiles: if the engine now runs one, the facts changed
    expect(engine.refused, `the engine ran it: ${engine.why}`).toBe(true);
    const { code, findings } = await validate(profile);
    const errors = findings.filter((f) => ERRORS.has(f.ruleId));
    expect(errors.length, `${engine.why}\n${JSON.stringify(findings)}`).toBeGreaterThan(0);
    expect(errors.every((f) => f.severity === "high")).toBe(true);
    expect(errors.map((f) => [f.ruleId, f.target.pointer])).toContainEqual([rule, pointer]);
    expect(errors.every((f) => (f.target.line ?? 0) >= 1 && (f.target.column ?? 0) >= 1)).toBe(
      true,
    );
    expect(code).toBe(1);
  });
});

describe("profiles the engine runs are not errors for validate", () => {
  it.each(accepted)("%s", async (_name, profile, warnings) => {
    const engine = await engineVerdict(profile);
    expect(engine, engine.why).toMatchObject({ refused: false, seccomp: "2" });
    const { findings } = await validate(profile);
    expect(findings.map((f) => f.ruleId).sort()).toEqual([...warnings].sort());
  });

  it("{} is accepted and runs with no seccomp filter; validate warns high", async () => {
    const engine = await engineVerdict("{}");
    expect(engine).toMatchObject({ refused: false, seccomp: "0" });
    const { code, findings } = await validate("{}");
    expect(findings.map((f) => [f.ruleId, f.severity, f.target.line, f.target.column])).toEqual([
      ["DW-SCMP-007", "high", 1, 1],
    ]);
    expect(code).toBe(1);
  });
});
