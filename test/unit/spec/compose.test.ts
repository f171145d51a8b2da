import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { DockwardError } from "../../../src/errors.js";
import {
  ComposeInputError,
  type ComposeInput,
  type ComposeResult,
  findDefaultComposeFile,
  loadCompose,
} from "../../../src/spec/compose/index.js";
import type { ContainerSpec, Origin } from "../../../src/spec/model.js";

const FIXTURES = fileURLToPath(new URL("../../fixtures/compose/", import.meta.url));
/** fixture paths as a user would type them from the repo root (vitest's cwd) */
const fx = (path: string): string => relative(process.cwd(), join(FIXTURES, path));
const abs = (path: string): string => resolve(FIXTURES, path);
const at = (file: string, line: number, column: number): Origin => ({ file, line, column });

function load(files: string[], extra: Partial<ComposeInput> = {}): ComposeResult {
  return loadCompose({ files: files.map(fx), env: { HOME: "/home/dev" }, ...extra });
}

function service(result: ComposeResult, name: string): ContainerSpec {
  const spec = result.specs.find((s) => s.target.name === name);
  if (spec === undefined) throw new Error(`no service ${name}`);
  return spec;
}

const tmpRoot = mkdtempSync(join(tmpdir(), "dockward-compose-"));
afterAll(() => {
  rmSync(tmpRoot, { recursive: true, force: true });
});
let tmpCount = 0;
/** Write files into a fresh temp project; returns its directory. */
function project(files: Record<string, string>): string {
  const dir = join(tmpRoot, `p${String(tmpCount++)}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function loadText(text: string, extra: Partial<ComposeInput> = {}): ComposeResult {
  const dir = project({ "compose.yml": text });
  return loadCompose({ files: [join(dir, "compose.yml")], env: {}, ...extra });
}

function errorOf(fn: () => unknown): ComposeInputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ComposeInputError) return err;
    throw err;
  }
  throw new Error("expected a ComposeInputError");
}

describe("webapp fixture: a typical web + db + proxy app", () => {
  const F = fx("webapp/compose.yml");
  const result = load(["webapp/compose.yml"]);

  it("maps every service without a profile, in file order", () => {
    expect(result.specs.map((s) => s.target.name)).toEqual(["proxy", "web", "db"]);
    expect(service(result, "web").target).toEqual({
      kind: "compose",
      name: "web",
      origin: at(F, 26, 3),
      image: "registry.example.com/shop/web:1.4.2",
      labels: {},
      service: "web",
      container: undefined,
    });
  });

  it("interpolates from .env (quoted, exported, with comments) under the process env", () => {
    expect(service(result, "proxy").target.image).toBe("traefik:v3.1.2");
    const env = service(result, "db").env;
    // single quotes in .env keep `$` literal; substituted values are not interpolated again
    expect(env).toEqual([{ value: "POSTGRES_PASSWORD=s3cr3t$notavar", origin: at(F, 75, 9) }]);
    const overridden = load(["webapp/compose.yml"], { env: { WEB_TAG: "2.0.0", HOME: "/h" } });
    expect(service(overridden, "web").target.image).toBe("registry.example.com/shop/web:2.0.0");
  });

  it.each<[string, (s: ContainerSpec) => unknown, unknown]>([
    ["proxy read_only", (s) => s.readOnlyRootfs, { value: true, origin: at(F, 24, 16) }],
    ["proxy no-new-privileges", (s) => s.noNewPrivileges, { value: true, origin: at(F, 23, 9) }],
    ["web user", (s) => s.user, { value: "1000:1000", origin: at(F, 29, 11) }],
    ["web cap_drop", (s) => s.capDrop, [{ value: "ALL", origin: at(F, 30, 16) }]],
    [
      "web cap_add (canonical names)",
      (s) => s.capAdd,
      [
        { value: "NET_BIND_SERVICE", origin: at(F, 32, 9) },
        { value: "SYS_PTRACE", origin: at(F, 33, 9) },
      ],
    ],
    ["web apparmor", (s) => s.apparmor, { value: "docker-default", origin: at(F, 41, 9) }],
    ["web tmpfs", (s) => s.tmpfs, [{ value: "/tmp:size=64m", origin: at(F, 43, 9) }]],
    ["web mem_limit", (s) => s.resources.memory, { value: 512 * 1024 ** 2, origin: at(F, 44, 16) }],
    ["web cpus", (s) => s.resources.nanoCpus, { value: 1.5e9, origin: at(F, 45, 11) }],
    ["web pids_limit", (s) => s.resources.pidsLimit, { value: 256, origin: at(F, 46, 17) }],
    [
      "web ulimits (mapping and single value)",
      (s) => s.resources.ulimits,
      [
        { name: "nofile", soft: 4096, hard: 8192, origin: at(F, 49, 9) },
        { name: "nproc", soft: 512, hard: 512, origin: at(F, 51, 14) },
      ],
    ],
    [
      "web restart",
      (s) => s.restart,
      { value: { name: "on-failure", maximumRetryCount: 5 }, origin: at(F, 53, 14) },
    ],
    ["db privileged", (s) => s.privileged, { value: true, origin: at(F, 58, 17) }],
    [
      "db namespaces",
      (s) => s.namespaces,
      {
        pid: { value: "host", origin: at(F, 59, 10) },
        network: { value: "host", origin: at(F, 60, 19) },
      },
    ],
    ["db shm_size", (s) => s.resources.shmSize, { value: 256 * 1024 ** 2, origin: at(F, 61, 15) }],
    [
      "db devices",
      (s) => s.devices,
      [
        {
          hostPath: "/dev/sdb",
          containerPath: "/dev/xvdb",
          permissions: "rw",
          origin: at(F, 70, 9),
        },
      ],
    ],
    [
      "db sysctls (mapping values become strings)",
      (s) => s.sysctls,
      [
        { name: "net.core.somaxconn", value: "1024", origin: at(F, 72, 27) },
        { name: "kernel.shm_rmid_forced", value: "1", origin: at(F, 73, 31) },
      ],
    ],
    [
      "db deploy memory limit",
      (s) => s.resources.memory,
      { value: 2 * 1024 ** 3, origin: at(F, 79, 19) },
    ],
    ["db deploy pids limit", (s) => s.resources.pidsLimit, { value: 200, origin: at(F, 80, 17) }],
  ])("%s", (name, pick, expected) => {
    expect(pick(service(result, name.split(" ")[0] ?? ""))).toEqual(expected);
  });

  it("reads ports in short syntax with host IPs and protocols", () => {
    expect(service(result, "proxy").ports).toEqual([
      { hostIp: "", hostPort: "80", containerPort: "80", protocol: "tcp", origin: at(F, 16, 9) },
      { hostIp: "", hostPort: "443", containerPort: "443", protocol: "tcp", origin: at(F, 17, 9) },
      {
        hostIp: "127.0.0.1",
        hostPort: "8080",
        containerPort: "8080",
        protocol: "tcp",
        origin: at(F, 18, 9),
      },
    ]);
  });

  it("resolves binds against the project and named volumes through local bind drivers", () => {
    expect(service(result, "proxy").mounts).toEqual([
      {
        type: "bind",
        source: "/var/run/docker.sock",
        hostPath: "/var/run/docker.sock",
        target: "/var/run/docker.sock",
        readOnly: true,
        propagation: undefined,
        origin: at(F, 20, 9),
      },
      {
        type: "bind",
        source: "./traefik",
        hostPath: abs("webapp/traefik"),
        target: "/etc/traefik",
        readOnly: true,
        propagation: undefined,
        origin: at(F, 21, 9),
      },
    ]);
    expect(service(result, "db").mounts).toEqual([
      {
        type: "volume",
        source: "db-data",
        hostPath: abs("webapp/pgdata"),
        target: "/var/lib/postgresql/data",
        readOnly: false,
        propagation: undefined,
        origin: at(F, 63, 9),
      },
      {
        type: "bind",
        source: "./backups",
        hostPath: abs("webapp/backups"),
        target: "/backups",
        readOnly: false,
        propagation: "rshared",
        origin: at(F, 64, 9),
      },
    ]);
  });

  it("reads the seccomp profile file into the spec", () => {
    const web = service(result, "web");
    expect(web.seccomp?.origin).toEqual(at(F, 40, 9));
    expect(web.seccomp?.value).toEqual({
      kind: "profile",
      json: JSON.parse(readFileSync(abs("webapp/seccomp/web.json"), "utf8")) as unknown,
    });
  });

  it("merges env_file under environment; env file values point into the env file", () => {
    expect(service(result, "web").env).toEqual([
      { value: "API_KEY=abc123", origin: at(fx("webapp/web.env"), 2, 1) },
      { value: "NODE_ENV=production", origin: at(F, 38, 17) },
      { value: "DATABASE_URL=postgres://shop:s3cr3t$notavar@db:5432/shop", origin: at(F, 36, 21) },
    ]);
    // `LOG_LEVEL:` with no value takes the process env's value, or is left out
    const withLevel = load(["webapp/compose.yml"], { env: { LOG_LEVEL: "debug" } });
    expect(service(withLevel, "web").env.map((e) => e.value)).toContain("LOG_LEVEL=debug");
  });

  it("collects suppressions: file-wide before services, per service inside one", () => {
    expect(result.suppressions).toEqual([
      {
        ruleId: "DW-RESTART-001",
        reason: "restart policies are set by the platform team",
        file: F,
        line: 2,
      },
      {
        ruleId: "DW-CAP-002",
        reason: "the APM agent attaches to the app",
        file: F,
        line: 33,
        service: "web",
      },
      {
        ruleId: "DW-PRIV-001",
        reason: "the backup agent needs the host's processes",
        file: F,
        line: 55,
        service: "db",
      },
      {
        ruleId: "DW-NS-PID-001",
        reason: "the backup agent needs the host's processes",
        file: F,
        line: 55,
        service: "db",
      },
    ]);
  });

  it("includes a service with a profile only when the profile is active", () => {
    const names = (r: ComposeResult) => r.specs.map((s) => s.target.name);
    expect(names(load(["webapp/compose.yml"], { profiles: ["debug"] }))).toEqual([
      "proxy",
      "web",
      "db",
      "debug",
    ]);
    expect(
      names(load(["webapp/compose.yml"], { env: { COMPOSE_PROFILES: "ops, debug" } })),
    ).toContain("debug");
    expect(names(load(["webapp/compose.yml"], { profiles: ["*"] }))).toContain("debug");
    expect(
      names(
        load(["webapp/compose.yml"], { profiles: ["ops"], env: { COMPOSE_PROFILES: "debug" } }),
      ),
    ).not.toContain("debug");
    const debug = service(load(["webapp/compose.yml"], { profiles: ["debug"] }), "debug");
    expect(debug.namespaces.network).toEqual({ value: "service:web", origin: at(F, 86, 19) });
  });

  it("has no warnings", () => {
    expect(result.warnings).toEqual([]);
  });
});

describe("multi-file override (compose.yml + compose.prod.yml)", () => {
  const A = fx("override/compose.yml");
  const B = fx("override/compose.prod.yml");
  const result = load(["override/compose.yml", "override/compose.prod.yml"]);
  const api = service(result, "api");

  it("replaces scalars, keeping the override file's position", () => {
    expect(api.target.image).toBe("example/api:1.1");
    expect(api.target.origin).toEqual(at(A, 2, 3));
  });

  it("appends capabilities", () => {
    expect(api.capAdd).toEqual([
      { value: "NET_ADMIN", origin: at(A, 4, 15) },
      { value: "SYS_TIME", origin: at(B, 5, 15) },
    ]);
  });

  it("appends ports, keeping one of two identical mappings (the later, in the earlier's place)", () => {
    expect(
      api.ports.map((p) => [`${p.hostIp}|${p.hostPort}:${p.containerPort}`, p.origin]),
    ).toEqual([
      ["|8080:80", at(B, 7, 9)],
      ["|9090:9090", at(A, 7, 9)],
      ["127.0.0.1|9443:443", at(B, 8, 9)],
    ]);
  });

  it("replaces a volume with the same target in place", () => {
    expect(api.mounts.map((m) => [m.source, m.target, m.origin])).toEqual([
      ["./config-prod", "/etc/api", at(B, 10, 9)],
      ["logs", "/var/log/api", at(A, 10, 9)],
    ]);
  });

  it("merges environment mappings and lists by key", () => {
    expect(api.env).toEqual([
      { value: "DEBUG=1", origin: at(A, 13, 14) },
      { value: "MODE=prod", origin: at(B, 12, 9) },
    ]);
  });

  it("honours !reset and appends security options (the later seccomp setting stays)", () => {
    expect(api.target.labels).toEqual({});
    expect(api.securityOpt.map((o) => o.value)).toEqual([
      "seccomp:unconfined",
      "no-new-privileges=true",
    ]);
    expect(api.seccomp).toEqual({ value: { kind: "unconfined" }, origin: at(A, 18, 9) });
    expect(api.noNewPrivileges).toEqual({ value: true, origin: at(B, 16, 9) });
  });

  it("adds services that only the override defines", () => {
    expect(service(result, "worker").readOnlyRootfs).toEqual({
      value: true,
      origin: at(B, 19, 16),
    });
    expect(service(result, "worker").target.origin).toEqual(at(B, 17, 3));
  });

  it("keeps the base when the override file is left out", () => {
    const base = service(load(["override/compose.yml"]), "api");
    expect(base.target.labels).toEqual({ tier: "backend" });
    expect(base.ports).toHaveLength(2);
  });
});

describe("extends: a chain across files", () => {
  const M = fx("extends/compose.yml");
  const BASE = fx("extends/common/base.yml");
  const result = load(["extends/compose.yml"]);

  it("merges the chain base → hardened → app, each value keeping its own file", () => {
    const app = service(result, "app");
    expect(app.target.image).toBe("example/app:2.0");
    expect(app.readOnlyRootfs).toEqual({ value: true, origin: at(BASE, 4, 16) });
    expect(app.capDrop).toEqual([{ value: "ALL", origin: at(BASE, 5, 16) }]);
    expect(app.capAdd).toEqual([{ value: "CHOWN", origin: at(M, 7, 15) }]);
    expect(app.noNewPrivileges).toEqual({ value: true, origin: at(BASE, 11, 9) });
    expect(app.user).toEqual({ value: "10001", origin: at(BASE, 12, 11) });
  });

  it("resolves relative paths of an extended file against that file's directory", () => {
    expect(service(result, "app").mounts.map((m) => [m.hostPath, m.target, m.origin])).toEqual([
      [abs("extends/common/certs"), "/certs", at(BASE, 7, 9)],
      [abs("extends/app-data"), "/data", at(M, 9, 9)],
    ]);
  });

  it("extends within the same file, on top of a resolved chain", () => {
    const worker = service(result, "worker");
    expect(worker.privileged).toEqual({ value: true, origin: at(M, 13, 17) });
    expect(worker.target.image).toBe("example/app:2.0");
    expect(worker.capDrop.map((c) => c.value)).toEqual(["ALL"]);
  });
});

describe("anchors, aliases and merge keys", () => {
  const F = fx("anchors/compose.yml");
  const result = load(["anchors/compose.yml"]);

  it("places merged values at the alias in the service (not at the anchor)", () => {
    const api = service(result, "api");
    expect(api.readOnlyRootfs).toEqual({ value: true, origin: at(F, 12, 9) });
    expect(api.capDrop).toEqual([{ value: "ALL", origin: at(F, 12, 9) }]);
    expect(api.capAdd).toEqual([
      { value: "NET_BIND_SERVICE", origin: at(F, 14, 14) },
      { value: "NET_RAW", origin: at(F, 14, 14) },
    ]);
  });

  it("lets an explicit key beat a merged one, and merges a list of aliases", () => {
    const admin = service(result, "admin");
    expect(admin.readOnlyRootfs).toEqual({ value: false, origin: at(F, 18, 16) });
    expect(admin.noNewPrivileges).toEqual({ value: true, origin: at(F, 16, 10) });
  });
});

describe("every error path: file:line:col and what is expected", () => {
  const dir = join(FIXTURES, "errors");
  const cases = readdirSync(dir)
    .filter((f) => f.endsWith(".yml"))
    .sort()
    .map((f) => {
      const file = fx(`errors/${f}`);
      const first = readFileSync(join(dir, f), "utf8").split("\n")[0] ?? "";
      const m = /^# expect-error (\d+):(\d+) (.*)$/.exec(first);
      if (m === null) throw new Error(`${f}: first line must be # expect-error LINE:COL message`);
      return [
        f,
        file,
        Number(m[1]),
        Number(m[2]),
        (m[3] ?? "").replaceAll("{file}", file),
      ] as const;
    });

  it("has a fixture for each error path", () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases)("%s", (_name, file, line, column, message) => {
    const err = errorOf(() => loadCompose({ files: [file], env: {} }));
    expect(err).toBeInstanceOf(DockwardError);
    expect(err.code).toBe("BAD_INPUT");
    expect(err.exitCode).toBe(2);
    expect([err.file, err.line, err.column]).toEqual([file, line, column]);
    expect(err.message.startsWith(`${file}:${String(line)}:${String(column)}: `)).toBe(true);
    expect(err.message).toContain(message);
    // the excerpt shows the offending line with a caret under the column
    const lines = err.excerpt.split("\n");
    expect(lines[1]).toBe(`${" ".repeat(column - 1)}^`);
  });

  it("hints how to fix an unset variable", () => {
    const err = errorOf(() =>
      loadCompose({ files: [fx("errors/undefined-variable.yml")], env: {} }),
    );
    expect(err.hint).toBe("set it in the environment or .env, or give a default ${VAR:-value}");
  });

  it("a document nested thousands of levels deep is BAD_INPUT, not a crash", () => {
    const deep = `${"[".repeat(20000)}${"]".repeat(20000)}`;
    expect(() => loadText(`services:\n  web:\n    image: nginx\nx-deep: ${deep}\n`)).toThrow(
      expect.objectContaining({
        code: "BAD_INPUT",
        message: expect.stringContaining("nested too deeply") as unknown,
      }),
    );
  });

  it("a missing file is BAD_INPUT naming the file", () => {
    expect(() => loadCompose({ files: [fx("nope.yml")], env: {} })).toThrow(
      /cannot read compose file .*nope\.yml: no such file/,
    );
  });
});

describe("interpolation in compose files", () => {
  const env = { TAG: "1.25", EMPTY: "", PORT: "8080" };
  it.each<[string, string, string]>([
    ["$VAR", "nginx:$TAG", "nginx:1.25"],
    ["${VAR}", "nginx:${TAG}", "nginx:1.25"],
    ["${VAR:-default} set", "nginx:${TAG:-x}", "nginx:1.25"],
    ["${VAR:-default} empty", "nginx:${EMPTY:-x}", "nginx:x"],
    ["${VAR-default} empty", "nginx:${EMPTY-x}", "nginx:"],
    ["${VAR-default} unset", "nginx:${NOPE-x}", "nginx:x"],
    ["${VAR:+alt} set", "nginx:${TAG:+alt}", "nginx:alt"],
    ["${VAR:+alt} empty", "nginx:${EMPTY:+alt}", "nginx:"],
    ["${VAR+alt} empty", "nginx:${EMPTY+alt}", "nginx:alt"],
    ["${VAR+alt} unset", "nginx:${NOPE+alt}", "nginx:"],
    ["${VAR:?err} set", "nginx:${TAG:?no tag}", "nginx:1.25"],
    ["${VAR?err} empty", "nginx:${EMPTY?no tag}latest", "nginx:latest"],
    ["$$ escape", "nginx:$${TAG}", "nginx:${TAG}"],
    ["nested defaults", "nginx:${NOPE:-${ALSO_NOPE:-${TAG}}}", "nginx:1.25"],
    ["a lone $ stays", "nginx:$5", "nginx:$5"],
  ])("%s", (_name, template, expected) => {
    const r = loadText(`services:\n  web:\n    image: "${template}"\n`, { env });
    expect(service(r, "web").target.image).toBe(expected);
  });

  it.each<[string, string, string]>([
    [
      "${VAR:?err} unset",
      "${NOPE:?give a tag}",
      "3:13: required variable NOPE is missing a value: give a tag",
    ],
    ["${VAR:?err} empty", "${EMPTY:?}", "3:13: required variable EMPTY is missing a value"],
    ["${VAR?err} unset", "${NOPE?}", "3:13: required variable NOPE is missing a value"],
    ["plain unset", "x-$NOPE", "3:15: variable NOPE is not set and has no default"],
    ["unset in a nested default", "${NOPE:-${ALSO_NOPE}}", "3:21: variable ALSO_NOPE is not set"],
    ["unclosed", "${TAG", "3:13: invalid interpolation format"],
  ])("%s is refused at the $", (_name, template, message) => {
    expect(() => loadText(`services:\n  web:\n    image: "${template}"\n`, { env })).toThrow(
      message,
    );
  });

  it('undefinedVariables: "warn" substitutes "" and warns at the variable, as compose does', () => {
    const r = loadText(`services:\n  web:\n    image: nginx:$NOPE\n    user: \${ALSO}\n`, {
      undefinedVariables: "warn",
    });
    expect(service(r, "web").target.image).toBe("nginx:");
    expect(service(r, "web").user?.value).toBe("");
    expect(r.warnings.map((w) => [w.code, w.line, w.column])).toEqual([
      ["UNDEFINED_VARIABLE", 3, 18],
      ["UNDEFINED_VARIABLE", 4, 11],
    ]);
    expect(r.warnings[0]?.message).toMatch(/compose\.yml:3:18: variable NOPE is not set/);
  });

  it("casts interpolated booleans and numbers as compose-go does", () => {
    const r = loadText(
      'services:\n  web:\n    image: nginx\n    privileged: ${PRIV:-false}\n    pids_limit: ${PIDS:-100}\n    read_only: "TRUE"\n',
      { env: { PRIV: "true" } },
    );
    const web = service(r, "web");
    expect(web.privileged?.value).toBe(true);
    expect(web.resources.pidsLimit?.value).toBe(100);
    expect(web.readOnlyRootfs?.value).toBe(true);
  });

  it('reads YAML 1.1 booleans as compose does ("yes" is true) and warns', () => {
    const r = loadText('services:\n  web:\n    image: nginx\n    privileged: "yes"\n');
    expect(service(r, "web").privileged).toMatchObject({
      value: true,
      origin: { line: 4, column: 17 },
    });
    expect(r.warnings.map((w) => w.code)).toEqual(["YAML_1_1_BOOLEAN"]);
  });

  it("does not interpolate keys, and interpolates x- extensions (compose does too)", () => {
    expect(() => loadText("x-notes: ${NOPE}\nservices:\n  web:\n    image: nginx\n")).toThrow(
      "1:10: variable NOPE",
    );
    const r = loadText("services:\n  web:\n    image: nginx\n    labels:\n      $$KEY: v\n");
    expect(service(r, "web").target.labels).toEqual({ $$KEY: "v" });
  });
});

describe("ports, volumes and devices syntaxes", () => {
  function ports(list: string): string[] {
    const r = loadText(`services:\n  web:\n    image: nginx\n    ports:\n${list}`);
    return service(r, "web").ports.map(
      (p) => `${p.hostIp}|${p.hostPort}|${p.containerPort}/${p.protocol}`,
    );
  }

  it.each<[string, string, string[]]>([
    ["container port only", "      - 80\n", ["||80/tcp"]],
    ["host:container", '      - "8080:80"\n', ["|8080|80/tcp"]],
    ["ip:host:container/proto", "      - 127.0.0.1:53:53/udp\n", ["127.0.0.1|53|53/udp"]],
    ["IPv6 in brackets", '      - "[::1]:80:80"\n', ["::1|80|80/tcp"]],
    ["ranges pair up", '      - "8000-8001:80-81"\n', ["|8000|80/tcp", "|8001|81/tcp"]],
    ["a host range for one port", '      - "9000-9010:90"\n', ["|9000-9010|90/tcp"]],
    ["ephemeral host port", '      - "127.0.0.1::80"\n', ["127.0.0.1||80/tcp"]],
    [
      "long syntax",
      '      - target: 80\n        published: "8080"\n        host_ip: 10.0.0.1\n        protocol: udp\n        mode: host\n',
      ["10.0.0.1|8080|80/udp"],
    ],
    ["long syntax without published", "      - target: 80\n", ["||80/tcp"]],
  ])("%s", (_name, list, expected) => {
    expect(ports(list)).toEqual(expected);
  });

  it.each<[string, string, string]>([
    ["a port above 65535", '      - "70000"\n', "invalid containerPort: 70000"],
    ["a bad IP", '      - "300.1.1.1:80:80"\n', "invalid IP address: 300.1.1.1"],
    ["mismatched ranges", '      - "8000-8002:80-81"\n', "invalid ranges specified"],
    ["a long entry without target", "      - published: 80\n", "needs a target port"],
    [
      "an unknown long key",
      "      - target: 80\n        hostip: 1.2.3.4\n",
      'unknown key "hostip"',
    ],
    ["a boolean", "      - true\n", "must be a port mapping"],
  ])("refuses %s", (_name, list, message) => {
    expect(() => ports(list)).toThrow(message);
  });

  function mounts(list: string, extra = "") {
    const dir = project({
      "compose.yml": `services:\n  web:\n    image: nginx\n    volumes:\n${list}${extra}`,
    });
    const r = loadCompose({ files: [join(dir, "compose.yml")], env: { HOME: "/home/dev" } });
    return { dir, mounts: service(r, "web").mounts, warnings: r.warnings };
  }

  it.each<[string, string, Partial<ReturnType<typeof mounts>["mounts"][number]>]>([
    [
      "relative bind, read-only",
      "      - ./data:/data:ro\n",
      { type: "bind", source: "./data", target: "/data", readOnly: true },
    ],
    [
      "absolute bind",
      "      - /etc/ssl:/etc/ssl/:rw,rslave\n",
      { type: "bind", hostPath: "/etc/ssl", target: "/etc/ssl", propagation: "rslave" },
    ],
    ["home bind", "      - ~/.aws:/root/.aws\n", { type: "bind", hostPath: "/home/dev/.aws" }],
    [
      "anonymous volume",
      "      - /var/cache\n",
      { type: "volume", source: undefined, hostPath: undefined, target: "/var/cache" },
    ],
    [
      "tmpfs long syntax",
      "      - type: tmpfs\n        target: /run\n",
      { type: "tmpfs", source: undefined, target: "/run" },
    ],
    [
      "bind long syntax, relative",
      "      - type: bind\n        source: ../shared\n        target: /shared\n        read_only: true\n",
      { type: "bind", source: "../shared", readOnly: true },
    ],
  ])("%s", (_name, list, expected) => {
    expect(mounts(list).mounts[0]).toMatchObject(expected);
  });

  it("resolves relative bind sources against the project directory", () => {
    const { dir, mounts: m } = mounts(
      "      - ./data:/data\n      - type: bind\n        source: ../shared\n        target: /s\n",
    );
    expect(m.map((x) => x.hostPath)).toEqual([join(dir, "data"), join(dir, "..", "shared")]);
  });

  it("an external or plain named volume exposes no host path", () => {
    const { mounts: m } = mounts(
      "      - cache:/a\n      - ext:/b\n",
      "volumes:\n  cache:\n  ext:\n    external: true\n",
    );
    expect(m.map((x) => [x.type, x.source, x.hostPath])).toEqual([
      ["volume", "cache", undefined],
      ["volume", "ext", undefined],
    ]);
    // compose-go reads a one-letter source as a Windows drive: `c:/x` is an anonymous volume
    expect(mounts("      - c:/x\n").mounts[0]).toMatchObject({
      type: "volume",
      source: undefined,
      target: "c:/x",
    });
  });

  it("warns about volume options docker compose ignores", () => {
    const { warnings, mounts: m } = mounts("      - ./data:/data:rox\n");
    expect(m[0]?.readOnly).toBe(false);
    expect(warnings.map((w) => [w.code, w.line, w.column])).toEqual([
      ["UNKNOWN_VOLUME_OPTION", 5, 9],
    ]);
  });

  it("reads devices in short and long syntax, the later entry for a target winning", () => {
    const r = loadText(
      "services:\n  web:\n    image: nginx\n    devices:\n      - /dev/fuse\n      - /dev/sda:/dev/xvda\n      - source: /dev/sdb\n        target: /dev/xvda\n        permissions: r\n",
    );
    expect(
      service(r, "web").devices.map((d) => [
        d.hostPath,
        d.containerPath,
        d.permissions,
        d.origin.line,
      ]),
    ).toEqual([
      ["/dev/fuse", "/dev/fuse", "rwm", 5],
      ["/dev/sdb", "/dev/xvda", "r", 7],
    ]);
  });

  it("gpus and deploy.resources.reservations.devices are device requests, where written", () => {
    const r = loadText(
      [
        "services:",
        "  ml:",
        "    image: nginx",
        "    gpus: all",
        "  train:",
        "    image: nginx",
        "    deploy:",
        "      resources:",
        "        reservations:",
        "          devices:",
        "            - driver: nvidia",
        "              count: 1",
        "              capabilities: [gpu]",
        "  plain:",
        "    image: nginx",
        "",
      ].join("\n"),
    );
    expect(service(r, "ml").deviceRequests.map((d) => [d.value, d.origin.line])).toEqual([
      ["services.ml.gpus: all", 4],
    ]);
    expect(service(r, "train").deviceRequests.map((d) => [d.value, d.origin.line])).toEqual([
      [
        "services.train.deploy.resources.reservations.devices[0] {driver: nvidia, count: 1, capabilities: [gpu]}",
        11,
      ],
    ]);
    expect(service(r, "plain").deviceRequests).toEqual([]);
  });

  it("use_api_socket is a bind mount of the engine socket", () => {
    const r = loadText("services:\n  web:\n    image: docker:cli\n    use_api_socket: true\n");
    expect(service(r, "web").mounts).toEqual([
      expect.objectContaining({
        type: "bind",
        hostPath: "/var/run/docker.sock",
        origin: expect.objectContaining({ line: 4, column: 21 }) as unknown,
      }),
    ]);
  });
});

describe("other fields", () => {
  it("reads labels and sysctls in list form, the later entry for a key winning", () => {
    const r = loadText(
      'services:\n  web:\n    image: nginx\n    labels: [a=1, b, a=2]\n    sysctls:\n      - net.ipv4.ip_forward=1\n    group_add: [docker, 999]\n    volumes_from: [db:ro]\n    device_cgroup_rules: [\'c 1:3 mr\']\n    cgroup_parent: /docker\n    cgroup: host\n    ipc: host\n    uts: host\n    userns_mode: host\n    cpu_shares: 512\n    cpu_quota: "50000"\n    cpu_period: 100000\n    cpuset: "0-1"\n    oom_kill_disable: true\n    memswap_limit: -1\n    mem_reservation: 128m\n  db:\n    image: postgres\n',
    );
    const web = service(r, "web");
    expect(web.target.labels).toEqual({ a: "2", b: "" });
    expect(web.sysctls).toEqual([
      {
        name: "net.ipv4.ip_forward",
        value: "1",
        origin: expect.objectContaining({ line: 6, column: 9 }) as unknown,
      },
    ]);
    expect(web.groupAdd.map((g) => g.value)).toEqual(["docker", "999"]);
    expect(web.volumesFrom.map((g) => g.value)).toEqual(["db:ro"]);
    expect(web.deviceCgroupRules.map((g) => g.value)).toEqual(["c 1:3 mr"]);
    expect(web.cgroupParent?.value).toBe("/docker");
    expect(
      Object.fromEntries(Object.entries(web.namespaces).map(([k, v]) => [k, v.value])),
    ).toEqual({
      cgroupns: "host",
      ipc: "host",
      uts: "host",
      userns: "host",
    });
    expect([
      web.resources.cpuShares?.value,
      web.resources.cpuQuota?.value,
      web.resources.cpuPeriod?.value,
    ]).toEqual([512, 50000, 100000]);
    expect(web.resources.cpusetCpus?.value).toBe("0-1");
    expect(web.resources.oomKillDisable?.value).toBe(true);
    expect(web.resources.memorySwap?.value).toBe(-1);
    expect(web.resources.memoryReservation?.value).toBe(128 * 1024 ** 2);
    expect(service(r, "db").privileged).toBeUndefined();
  });

  it("uses deploy limits when the service-level fields are not set", () => {
    const r = loadText(
      "services:\n  web:\n    image: nginx\n    deploy:\n      resources:\n        limits: {cpus: '0.25', memory: 64M}\n",
    );
    expect(service(r, "web").resources.nanoCpus).toMatchObject({
      value: 250_000_000,
      origin: { line: 6, column: 24 },
    });
    expect(service(r, "web").resources.memory?.value).toBe(64 * 1024 ** 2);
  });

  it("accepts equal values in both places", () => {
    const r = loadText(
      "services:\n  web:\n    image: nginx\n    mem_limit: 1g\n    deploy:\n      resources:\n        limits: {memory: 1024m}\n",
    );
    expect(service(r, "web").resources.memory).toMatchObject({
      value: 1024 ** 3,
      origin: { line: 7, column: 26 },
    });
  });

  it("refuses a service-level value next to deploy limits that do not set it (docker compose ≥ 2.26 does)", () => {
    expect(() =>
      loadText(
        "services:\n  web:\n    image: nginx\n    pids_limit: 10\n    deploy:\n      resources:\n        limits: {memory: 1g}\n",
      ),
    ).toThrow(
      "4:17: services.web: can't set distinct values on 'pids_limit' and 'deploy.resources.limits.pids'",
    );
  });

  it("reads security options: the last seccomp wins, seccomp=unconfined, systempaths", () => {
    const r = loadText(
      "services:\n  web:\n    image: nginx\n    security_opt:\n      - seccomp:unconfined\n      - systempaths=unconfined\n      - label:type:svirt_t\n",
    );
    const web = service(r, "web");
    expect(web.seccomp).toMatchObject({
      value: { kind: "unconfined" },
      origin: { line: 5, column: 9 },
    });
    expect(web.systemPathsUnconfined?.value).toBe(true);
  });

  it("refuses a seccomp profile that is not JSON", () => {
    const dir = project({
      "compose.yml": "services:\n  web:\n    image: nginx\n    security_opt: [seccomp=p.json]\n",
      "p.json": "{nope",
    });
    expect(() => loadCompose({ files: [join(dir, "compose.yml")], env: {} })).toThrow(
      /4:20: services\.web\.security_opt: the seccomp profile .*p\.json is not valid JSON/,
    );
  });

  it("skips an optional env_file that is missing, and refuses a required one", () => {
    const ok = loadText(
      "services:\n  web:\n    image: nginx\n    env_file:\n      - path: missing.env\n        required: false\n",
    );
    expect(service(ok, "web").env).toEqual([]);
    expect(() =>
      loadText("services:\n  web:\n    image: nginx\n    env_file: missing.env\n"),
    ).toThrow("4:15: services.web.env_file: cannot read env file");
  });

  it.each<[string, string, string]>([
    [
      "user as a number",
      "    user: 1000\n",
      "4:11: services.web.user must be a string, not the number 1000",
    ],
    [
      "a null field",
      "    privileged:\n",
      "4:5: services.web.privileged must be a boolean (true or false), not null",
    ],
    [
      "restart policy",
      "    restart: sometimes\n",
      '4:14: services.web.restart must be no, always, unless-stopped or on-failure[:max-retries], not "sometimes"',
    ],
    ["retries on always", "    restart: always:3\n", "4:14: services.web.restart must be"],
    [
      "cgroup value",
      "    cgroup: shared\n",
      '4:13: services.web.cgroup must be host or private, not "shared"',
    ],
    [
      "a ulimit name",
      "    ulimits:\n      NOFILE: 10\n",
      '5:7: services.web.ulimits.NOFILE: "NOFILE" is not a ulimit name',
    ],
    ["cpus", "    cpus: lots\n", "4:11: services.web.cpus must be a number of CPUs"],
    [
      "a float pids_limit",
      "    pids_limit: 1.5\n",
      "4:17: services.web.pids_limit must be an integer, not the number 1.5",
    ],
    [
      "a volume type",
      "    volumes:\n      - type: nfs\n        target: /x\n",
      '5:15: services.web.volumes[0].type must be one of bind, volume, tmpfs, npipe, cluster, image, not "nfs"',
    ],
    [
      "too many colons",
      "    volumes:\n      - ./a:/b:ro:extra\n",
      '5:9: services.web.volumes[0]: invalid volume "./a:/b:ro:extra": too many colons',
    ],
    [
      "a device with four parts",
      "    devices: ['/a:/b:rwm:x']\n",
      '4:15: services.web.devices[0]: confusing device mapping "/a:/b:rwm:x"',
    ],
    [
      "environment as a string",
      "    environment: FOO=bar\n",
      "4:18: services.web.environment must be a mapping or a list of KEY=VALUE strings",
    ],
    ["a bad service name", "", ""],
  ])("refuses %s", (_name, lines, message) => {
    if (lines === "") {
      expect(() => loadText("services:\n  web app:\n    image: nginx\n")).toThrow(
        '2:3: "web app" is not a valid service name',
      );
      return;
    }
    expect(() => loadText(`services:\n  web:\n    image: nginx\n${lines}`)).toThrow(message);
  });

  it("suggests the key the user probably meant", () => {
    const err = errorOf(() =>
      loadText("services:\n  web:\n    image: nginx\n    cap-add: [NET_ADMIN]\n"),
    );
    expect(err.hint).toBe('did you mean "cap_add"?');
  });

  it("accepts every Compose Specification service key and x- extensions", () => {
    const r = loadText(
      "services:\n  web:\n    image: nginx\n    x-team: payments\n    hostname: web\n    init: true\n    stop_grace_period: 10s\n    healthcheck:\n      test: [CMD, true]\n    models: [m]\n    use_api_socket: false\n",
    );
    expect(service(r, "web").target.name).toBe("web");
  });
});

describe("suppressions", () => {
  it("applies an end-of-line comment to the service of its line, and one before a service key to that service", () => {
    const r = loadText(
      [
        "services:",
        "  # dockward-ignore DW-A-1: before the key",
        "  web:",
        "    image: nginx",
        "    privileged: true # dockward-ignore DW-B-2 ,DW-C-3 : two rules, spaces around",
        "  # dockward-ignore DW-D-4: before db, at the indentation of web's keys",
        "  db:",
        "    image: postgres",
        "# dockward-ignore DW-E-5: after services, before volumes",
        "volumes:",
        "  data: {}",
        "# dockward-ignore-all: not a suppression (another word)",
        "",
      ].join("\n"),
    );
    expect(r.suppressions.map((s) => [s.ruleId, s.line, s.service, s.reason])).toEqual([
      ["DW-A-1", 2, "web", "before the key"],
      ["DW-B-2", 5, "web", "two rules, spaces around"],
      ["DW-C-3", 5, "web", "two rules, spaces around"],
      ["DW-D-4", 6, "db", "before db, at the indentation of web's keys"],
      ["DW-E-5", 9, undefined, "after services, before volumes"],
    ]);
  });

  it("collects suppressions from extended files, for the service they are in", () => {
    const dir = project({
      "compose.yml": "services:\n  web:\n    extends: {file: base.yml, service: base}\n",
      "base.yml":
        "services:\n  base:\n    image: nginx\n    privileged: true # dockward-ignore DW-PRIV-001: lab only\n",
    });
    const r = loadCompose({ files: [join(dir, "compose.yml")], env: {} });
    expect(r.suppressions).toEqual([
      {
        ruleId: "DW-PRIV-001",
        reason: "lab only",
        file: join(dir, "base.yml"),
        line: 4,
        service: "base",
      },
    ]);
  });

  it.each<[string, string]>([
    ["# dockward-ignore DW-X-1", "a suppression needs a reason"],
    ["# dockward-ignore DW-X-1:   ", "a suppression needs a reason"],
    ["# dockward-ignore : because", "a suppression names the rules it silences"],
    ["# dockward-ignore DW X: because", '"DW X" is not a rule id'],
  ])("refuses %j", (comment, message) => {
    expect(() => loadText(`services:\n  web:\n    image: nginx ${comment}\n`)).toThrow(
      `3:18: ${message}`,
    );
  });
});

describe("include", () => {
  it("imports the services of an included project, with its own directory and .env", () => {
    const dir = project({
      "compose.yml": "include:\n  - db/compose.yml\nservices:\n  web:\n    image: nginx\n",
      "db/compose.yml":
        "services:\n  db:\n    image: postgres:${PG}\n    volumes: [./data:/var/lib/postgresql/data]\n",
      "db/.env": "PG=16\n",
    });
    const r = loadCompose({ files: [join(dir, "compose.yml")], env: {} });
    expect(r.specs.map((x) => x.target.name)).toEqual(["web", "db"]);
    const db = service(r, "db");
    expect(db.target.image).toBe("postgres:16");
    expect(db.target.origin).toEqual(at(join(dir, "db/compose.yml"), 2, 3));
    expect(db.mounts[0]?.hostPath).toBe(join(dir, "db/data"));
  });

  it("lets the including environment win over the included .env, and the local definition over the imported one", () => {
    const dir = project({
      "compose.yml": [
        "include:",
        "  - path: [db/compose.yml]",
        "    env_file: db/custom.env",
        "services:",
        "  db:",
        "    read_only: true",
        "",
      ].join("\n"),
      "db/compose.yml": "services:\n  db:\n    image: postgres:${PG}\n    privileged: true\n",
      "db/custom.env": "PG=15\n",
    });
    const r = loadCompose({ files: [join(dir, "compose.yml")], env: { PG: "17" } });
    const db = service(r, "db");
    expect(db.target.image).toBe("postgres:17");
    expect(db.privileged?.value).toBe(true);
    expect(db.readOnlyRootfs).toEqual({ value: true, origin: at(join(dir, "compose.yml"), 6, 16) });
  });

  it("refuses an include cycle at the include entry", () => {
    const dir = project({
      "compose.yml": "include: [b.yml]\nservices: {}\n",
      "b.yml": "include:\n  - compose.yml\nservices: {}\n",
    });
    expect(() => loadCompose({ files: [join(dir, "compose.yml")], env: {} })).toThrow(
      /b\.yml:2:5: include cycle: .*compose\.yml → .*b\.yml → .*compose\.yml/,
    );
  });
});

describe("null services", () => {
  it("a null service in an override file changes nothing", () => {
    const dir = project({
      "a.yml": "services:\n  web:\n    image: nginx\n",
      "b.yml": "services:\n  web:\n",
    });
    const r = loadCompose({ files: [join(dir, "a.yml"), join(dir, "b.yml")], env: {} });
    expect(service(r, "web").target.image).toBe("nginx");
  });

  it("a service that stays null is refused at its key", () => {
    expect(() => loadText("services:\n  web:\n")).toThrow(
      "2:3: services.web must be a mapping, not null",
    );
  });
});

describe("multiple documents, merge keys across files, .env parsing", () => {
  it("merges YAML documents of one file in order", () => {
    const r = loadText(
      "services:\n  web:\n    image: nginx:1\n---\nservices:\n  web:\n    image: nginx:2\n",
    );
    expect(service(r, "web").target.image).toBe("nginx:2");
  });

  it("reads .env from the project directory: quotes, export, escapes, interpolation, comments", () => {
    const dir = project({
      "compose.yml":
        "services:\n  web:\n    image: nginx\n    environment: [A, B, C, D, E, F, G]\n",
      ".env": [
        "# comment",
        "A=plain value # trailing comment",
        "export B='single $quoted'",
        'C="double\\nline ${A}"',
        "D=${A}-x",
        "E=",
        "F: colon",
        'G="multi',
        'line"',
      ].join("\n"),
    });
    const r = loadCompose({ files: [join(dir, "compose.yml")], env: { F: "from process" } });
    expect(service(r, "web").env.map((e) => e.value)).toEqual([
      "A=plain value",
      "B=single $quoted",
      "C=double\nline plain value",
      "D=plain value-x",
      "E=",
      "F=from process",
      "G=multi\nline",
    ]);
  });

  it("reports a broken .env line with its position", () => {
    const dir = project({
      "compose.yml": "services:\n  web:\n    image: nginx\n",
      ".env": "OK=1\nBAD KEY=2\n",
    });
    expect(() => loadCompose({ files: [join(dir, "compose.yml")], env: {} })).toThrow(
      /\.env:2:5: unexpected character "K" in variable name "BAD"/,
    );
  });

  it("projectDir moves relative paths and .env", () => {
    const dir = project({
      "sub/compose.yml": "services:\n  web:\n    image: nginx:${T}\n    volumes: [./d:/d]\n",
      ".env": "T=7\n",
    });
    const r = loadCompose({ files: [join(dir, "sub/compose.yml")], env: {}, projectDir: dir });
    expect(service(r, "web").target.image).toBe("nginx:7");
    expect(service(r, "web").mounts[0]?.hostPath).toBe(join(dir, "d"));
  });
});

describe("findDefaultComposeFile", () => {
  it("prefers compose.yaml, then compose.yml, docker-compose.yaml, docker-compose.yml", () => {
    const dir = project({ "docker-compose.yml": "", "compose.yml": "", "docker-compose.yaml": "" });
    expect(findDefaultComposeFile(dir)).toBe(join(dir, "compose.yml"));
    writeFileSync(join(dir, "compose.yaml"), "");
    expect(findDefaultComposeFile(dir)).toBe(join(dir, "compose.yaml"));
  });

  it("searches parent directories", () => {
    const dir = project({ "docker-compose.yml": "", "a/b/.keep": "" });
    expect(findDefaultComposeFile(join(dir, "a/b"))).toBe(join(dir, "docker-compose.yml"));
  });

  it("returns undefined when there is none up to the root", () => {
    const dir = project({ "x/.keep": "" });
    // (assumes no compose file in the temp directory's ancestors, e.g. /tmp or /)
    expect(findDefaultComposeFile(join(dir, "x"))).toBeUndefined();
  });
});
