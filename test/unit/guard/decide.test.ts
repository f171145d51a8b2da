/**
 * The decision core, pure: (identity, method, target, headers, body) → allow or deny, with the
 * rule ids. Every case goes through `admit` and, when the admission asks for the body, through
 * its `judge`, exactly as the transport drives a Decider.
 */
import { describe, expect, it } from "vitest";
import { createDecider, GUARD_RULES } from "../../../src/guard/decide.js";
import type { Decider, Identity, Verdict } from "../../../src/guard/server/types.js";
import { defaultPolicy, parsePolicy, type Policy } from "../../../src/policy/policy.js";

const tls = (name: string, groups: string[] = []): Identity => ({
  kind: "tls",
  name,
  groups,
  listener: "tcp://127.0.0.1:2376",
});

/** No guard section: every authenticated client is a deployer judged by the preset. */
const BASELINE = defaultPolicy("baseline");

const ROLES = parsePolicy(
  `
preset: baseline
rules:
  DW-CAP-002: { severity: low }
guard:
  denyAt: medium
  roles:
    ci:
      allow: [read, containers, images]
      preset: restricted
    ops:
      allow: ["*"]
  identities:
    - { match: { cn: viewer }, role: readonly }
    - { match: { cn: dev }, role: deployer }
    - { match: { cn: root }, role: admin }
    - { match: { cn: ci-runner }, role: ci }
    - { match: { cn: operator }, role: ops }
`,
  "dockward.yaml",
);

interface Outcome {
  allow: boolean;
  rules: string[];
  status: number | undefined;
  operation: string | undefined;
  message: string | undefined;
  /** the bytes the transport forwards for an allowed buffered body */
  body: string | undefined;
}

interface Request {
  identity?: Identity;
  method?: string;
  target: string;
  headers?: Record<string, string>;
  body?: string;
}

function outcomeOf(v: Verdict): Outcome {
  return v.allow
    ? {
        allow: true,
        rules: v.rules,
        status: undefined,
        operation: v.operation,
        message: undefined,
        body: v.body?.toString("utf8"),
      }
    : {
        allow: false,
        rules: v.rules,
        status: v.status,
        operation: v.operation,
        message: v.message,
        body: undefined,
      };
}

/** Drive a Decider as the transport does: admit, then (if asked) read the body and judge it. */
async function decide(decider: Decider, r: Request): Promise<Outcome> {
  const body = Buffer.from(r.body ?? "", "utf8");
  const headers: Record<string, string> = { host: "docker", ...r.headers };
  if (r.body !== undefined) {
    headers["content-type"] ??= "application/json";
    headers["content-length"] = String(body.length);
  }
  const a = await decider.admit({
    identity: r.identity ?? tls("dev"),
    method: r.method ?? (r.body !== undefined ? "POST" : "GET"),
    rawTarget: r.target,
    headers,
    upgrade: undefined,
  });
  switch (a.action) {
    case "deny":
      return {
        allow: false,
        rules: a.rules,
        status: a.status,
        operation: a.operation,
        message: a.message,
        body: undefined,
      };
    case "stream":
      return outcomeOf(a.verdict);
    case "buffer":
      if (body.length > a.limit) {
        return {
          allow: false,
          rules: ["(413)"],
          status: 413,
          operation: undefined,
          message: undefined,
          body: undefined,
        };
      }
      return outcomeOf(await a.judge(body));
  }
}

const create = (hostConfig: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ Image: "busybox", Cmd: ["true"], ...extra, HostConfig: hostConfig });

interface Case extends Request {
  name: string;
  policy?: Policy;
  allow: boolean;
  rules: string[];
  status?: number;
  operation?: string;
}

const cases: Case[] = [
  // ─── ping and roles ──────────────────────────────────────────────────────────────────────────
  {
    name: "GET /_ping is allowed for an identity without a role",
    policy: ROLES,
    identity: tls("stranger"),
    target: "/_ping",
    allow: true,
    rules: [],
    operation: "SystemPing",
  },
  {
    name: "HEAD /v1.41/_ping is allowed for an identity without a role",
    policy: ROLES,
    identity: tls("stranger"),
    method: "HEAD",
    target: "/v1.41/_ping",
    allow: true,
    rules: [],
    operation: "SystemPingHead",
  },
  {
    name: "an identity the guard section does not name is denied",
    policy: ROLES,
    identity: tls("stranger"),
    target: "/v1.41/containers/json",
    allow: false,
    rules: [GUARD_RULES.role],
    status: 403,
    operation: "ContainerList",
  },
  {
    name: "readonly may list containers",
    policy: ROLES,
    identity: tls("viewer"),
    target: "/v1.41/containers/json?all=1",
    allow: true,
    rules: [],
  },
  {
    name: "readonly may not create",
    policy: ROLES,
    identity: tls("viewer"),
    target: "/v1.41/containers/create",
    body: create({ NetworkMode: "none" }),
    allow: false,
    rules: [GUARD_RULES.role],
    status: 403,
  },
  {
    name: "readonly may not read a container's files (archive hands out content)",
    policy: ROLES,
    identity: tls("viewer"),
    target: "/v1.41/containers/abc/archive?path=/etc/shadow",
    allow: false,
    rules: [GUARD_RULES.role],
  },
  {
    name: "deployer may not pull plugins",
    policy: ROLES,
    identity: tls("dev"),
    target: "/v1.41/plugins/pull?remote=evil/plugin",
    body: "[]",
    allow: false,
    rules: [GUARD_RULES.role],
    operation: "PluginPull",
  },
  {
    name: "deployer may not create services",
    policy: ROLES,
    identity: tls("dev"),
    target: "/v1.41/services/create",
    body: "{}",
    allow: false,
    rules: [GUARD_RULES.role],
  },
  {
    name: "without a guard section every client is a deployer: a plain create is allowed",
    policy: BASELINE,
    identity: tls("anyone"),
    target: "/v1.41/containers/create?name=web",
    body: create({ NetworkMode: "none" }),
    allow: true,
    rules: [],
    operation: "ContainerCreate",
  },
  // ─── container create: the rule set ──────────────────────────────────────────────────────────
  {
    name: "create --privileged",
    target: "/v1.41/containers/create",
    body: create({ Privileged: true }),
    allow: false,
    rules: ["DW-PRIV-001"],
    status: 403,
  },
  {
    name: "create --pid host",
    target: "/v1.41/containers/create",
    body: create({ PidMode: "host" }),
    allow: false,
    rules: ["DW-NS-001"],
  },
  {
    name: "create --cap-add SYS_ADMIN",
    target: "/v1.41/containers/create",
    body: create({ CapAdd: ["SYS_ADMIN"] }),
    allow: false,
    rules: ["DW-CAP-001"],
  },
  {
    name: "create --cap-add cap_sys_admin (lower case, prefixed)",
    target: "/v1.41/containers/create",
    body: create({ CapAdd: ["cap_sys_admin"] }),
    allow: false,
    rules: ["DW-CAP-001"],
  },
  {
    name: "create -v /:/host",
    target: "/v1.41/containers/create",
    body: create({ Binds: ["/:/host"] }),
    allow: false,
    rules: ["DW-MNT-002", "DW-MNT-001"],
  },
  {
    name: "create --mount type=bind,source=/var/run/docker.sock",
    target: "/v1.41/containers/create",
    body: create({
      Mounts: [{ Type: "bind", Source: "/var/run/docker.sock", Target: "/var/run/docker.sock" }],
    }),
    allow: false,
    rules: ["DW-MNT-001"],
  },
  {
    name: "create --security-opt seccomp=unconfined",
    target: "/v1.41/containers/create",
    body: create({ SecurityOpt: ["seccomp=unconfined"] }),
    allow: false,
    rules: ["DW-SEC-002"],
  },
  {
    name: "create --security-opt seccomp:unconfined (colon separator)",
    target: "/v1.41/containers/create",
    body: create({ SecurityOpt: ["seccomp:unconfined"] }),
    allow: false,
    rules: ["DW-SEC-002"],
  },
  {
    name: "last-wins SecurityOpt: a profile, then unconfined",
    target: "/v1.41/containers/create",
    body: create({ SecurityOpt: ["seccomp=default.json", "seccomp=unconfined"] }),
    allow: false,
    rules: ["DW-SEC-002"],
  },
  // ─── ambiguous bodies ────────────────────────────────────────────────────────────────────────
  {
    name: "a duplicate key (the last one wins in Go)",
    target: "/v1.41/containers/create",
    body: '{"Image":"busybox","HostConfig":{"Privileged":false,"Privileged":true}}',
    allow: false,
    rules: [GUARD_RULES.body],
    status: 400,
  },
  {
    name: "two spellings of one field (Privileged, privileged)",
    target: "/v1.41/containers/create",
    body: '{"Image":"busybox","HostConfig":{"Privileged":false,"privileged":true}}',
    allow: false,
    rules: [GUARD_RULES.body],
    status: 400,
  },
  {
    name: "a duplicate HostConfig object (Go merges them)",
    target: "/v1.41/containers/create",
    body: '{"Image":"busybox","HostConfig":{"NetworkMode":"none"},"HostConfig":{"PidMode":"host"}}',
    allow: false,
    rules: [GUARD_RULES.body],
  },
  {
    name: "one lower-case spelling is read as the field: privileged",
    target: "/v1.41/containers/create",
    body: '{"image":"busybox","hostconfig":{"privileged":true}}',
    allow: false,
    rules: ["DW-PRIV-001"],
  },
  {
    name: "ſecurityOpt (matches SecurityOpt only through Unicode folding)",
    target: "/v1.41/containers/create",
    body: '{"Image":"busybox","HostConfig":{"ſecurityOpt":["seccomp=unconfined"]}}',
    allow: false,
    rules: [GUARD_RULES.body],
    status: 400,
  },
  {
    name: "ſecurityOpt written as a JSON escape",
    target: "/v1.41/containers/create",
    body: '{"Image":"busybox","HostConfig":{"\\u017fecurityOpt":["seccomp=unconfined"]}}',
    allow: false,
    rules: [GUARD_RULES.body],
  },
  {
    name: "legacy top-level Privileged without a HostConfig",
    target: "/v1.41/containers/create",
    body: '{"Image":"busybox","Privileged":true}',
    allow: false,
    rules: ["DW-PRIV-001"],
  },
  {
    name: "legacy top-level Binds without a HostConfig",
    target: "/v1.41/containers/create",
    body: '{"Image":"busybox","Binds":["/:/host"]}',
    allow: false,
    rules: ["DW-MNT-002", "DW-MNT-001"],
  },
  {
    name: "legacy top-level PidMode beside a null HostConfig",
    target: "/v1.41/containers/create",
    body: '{"Image":"busybox","HostConfig":null,"PidMode":"host"}',
    allow: false,
    rules: ["DW-NS-001"],
  },
  {
    name: "a body that is not JSON",
    target: "/v1.41/containers/create",
    body: "Image=busybox",
    allow: false,
    rules: [GUARD_RULES.body],
    status: 400,
  },
  {
    name: "a second JSON value after the body",
    target: "/v1.41/containers/create",
    body: '{"Image":"busybox"}{"HostConfig":{"Privileged":true}}',
    allow: false,
    rules: [GUARD_RULES.body],
  },
  // ─── start, update, exec ─────────────────────────────────────────────────────────────────────
  {
    name: "start with a HostConfig body",
    target: "/v1.41/containers/abc/start",
    body: '{"Privileged":true}',
    allow: false,
    rules: [GUARD_RULES.body],
    status: 400,
  },
  {
    name: "start with an empty object body",
    target: "/v1.41/containers/abc/start",
    body: "{}",
    allow: false,
    rules: [GUARD_RULES.body],
  },
  {
    name: "start on API 1.23 with a HostConfig body: the version is refused first",
    target: "/v1.23/containers/abc/start",
    body: '{"Privileged":true}',
    allow: false,
    rules: [GUARD_RULES.route],
    status: 400,
  },
  {
    name: "start without a body",
    method: "POST",
    target: "/v1.41/containers/abc/start",
    allow: true,
    rules: [],
    operation: "ContainerStart",
  },
  ...(
    [
      ['{"PidsLimit":0}', "PidsLimit 0"],
      ['{"PidsLimit":-1}', "PidsLimit -1"],
      ['{"CpuQuota":-1}', "CpuQuota -1"],
      ['{"Memory":67108864,"MemorySwap":-1}', "MemorySwap -1"],
      ['{"pidslimit":-1}', "pidslimit -1 (lower case)"],
    ] as const
  ).map(([body, what]): Case => ({
    name: `update ${what} removes a limit`,
    target: "/v1.41/containers/abc/update",
    body,
    allow: false,
    rules: [GUARD_RULES.update],
    status: 403,
  })),
  {
    name: "update to positive limits",
    target: "/v1.41/containers/abc/update",
    body: '{"PidsLimit":100,"CpuQuota":50000,"Memory":67108864}',
    allow: true,
    rules: [],
    operation: "ContainerUpdate",
  },
  {
    name: "exec Privileged",
    target: "/v1.41/containers/abc/exec",
    body: '{"Cmd":["sh"],"Privileged":true}',
    allow: false,
    rules: ["DW-PRIV-001"],
  },
  {
    name: "exec PRIVILEGED (case variant)",
    target: "/v1.41/containers/abc/exec",
    body: '{"Cmd":["sh"],"PRIVILEGED":true}',
    allow: false,
    rules: ["DW-PRIV-001"],
  },
  {
    name: "exec without Privileged: what the create left unset is not judged again",
    target: "/v1.41/containers/abc/exec",
    body: '{"Cmd":["sh"],"AttachStdout":true}',
    allow: true,
    rules: [],
    operation: "ContainerExec",
  },
  // ─── build, image import, volumes, services ──────────────────────────────────────────────────
  {
    name: "build on the host network",
    method: "POST",
    target: "/v1.41/build?networkmode=host",
    headers: { "content-type": "application/x-tar" },
    allow: false,
    rules: ["DW-NS-003"],
  },
  {
    name: "build with networkmode given twice (the daemon reads the first)",
    method: "POST",
    target: "/v1.41/build?networkmode=host&networkmode=none",
    headers: { "content-type": "application/x-tar" },
    allow: false,
    rules: ["DW-GRD-007"],
  },
  {
    name: "build from a remote URL",
    method: "POST",
    target: "/v1.41/build?remote=https%3A%2F%2Fexample.com%2Fctx.tar",
    allow: false,
    rules: [GUARD_RULES.remote],
  },
  {
    name: "an ordinary build",
    method: "POST",
    target: "/v1.41/build?t=app%3A1",
    headers: { "content-type": "application/x-tar" },
    allow: true,
    rules: [],
    operation: "ImageBuild",
  },
  {
    name: "image import from a URL",
    method: "POST",
    target: "/v1.41/images/create?fromSrc=http%3A%2F%2Fexample.com%2Froot.tar&repo=x",
    allow: false,
    rules: [GUARD_RULES.remote],
  },
  {
    name: "image import from the client (fromSrc=-)",
    method: "POST",
    target: "/v1.41/images/create?fromSrc=-&repo=x&tag=1",
    headers: { "content-type": "application/x-tar" },
    allow: true,
    rules: [],
  },
  {
    name: "volume create: local driver, o=bind, device=/",
    target: "/v1.41/volumes/create",
    body: JSON.stringify({
      Name: "rootfs",
      Driver: "local",
      DriverOpts: { type: "none", o: "bind", device: "/" },
    }),
    allow: false,
    rules: ["DW-MNT-002", "DW-MNT-001"],
  },
  {
    name: "volume create: an ordinary named volume",
    target: "/v1.41/volumes/create",
    body: JSON.stringify({ Name: "data", Driver: "local" }),
    allow: true,
    rules: [],
  },
  {
    name: "service create with a bind of /",
    policy: ROLES,
    identity: tls("operator"),
    target: "/v1.41/services/create",
    body: JSON.stringify({
      Name: "evil",
      TaskTemplate: {
        ContainerSpec: {
          Image: "busybox",
          Mounts: [{ Type: "bind", Source: "/", Target: "/host" }],
        },
      },
    }),
    allow: false,
    rules: ["DW-MNT-002", "DW-MNT-001"],
  },
  {
    name: "service create with CapabilityAdd SYS_ADMIN",
    policy: ROLES,
    identity: tls("operator"),
    target: "/v1.41/services/create",
    body: JSON.stringify({
      Name: "evil",
      TaskTemplate: { ContainerSpec: { Image: "busybox", CapabilityAdd: ["CAP_SYS_ADMIN"] } },
    }),
    allow: false,
    rules: ["DW-CAP-001"],
  },
  {
    name: "service create with an inline local volume that binds /",
    policy: ROLES,
    identity: tls("operator"),
    target: "/v1.41/services/create",
    body: JSON.stringify({
      Name: "evil",
      TaskTemplate: {
        ContainerSpec: {
          Image: "busybox",
          Mounts: [
            {
              Type: "volume",
              Target: "/host",
              VolumeOptions: {
                DriverConfig: { Name: "local", Options: { type: "none", o: "bind", device: "/" } },
              },
            },
          ],
        },
      },
    }),
    allow: false,
    rules: ["DW-MNT-002", "DW-MNT-001"],
  },
  {
    name: "service update with a bind of /",
    policy: ROLES,
    identity: tls("operator"),
    target: "/v1.41/services/abc/update?version=3",
    body: JSON.stringify({
      Name: "evil",
      TaskTemplate: {
        ContainerSpec: { Image: "busybox", Mounts: [{ Type: "bind", Source: "/", Target: "/h" }] },
      },
    }),
    allow: false,
    rules: ["DW-MNT-002", "DW-MNT-001"],
    operation: "ServiceUpdate",
  },
  {
    name: "service create with seccomp unconfined (API 1.44 Privileges)",
    policy: ROLES,
    identity: tls("operator"),
    target: "/v1.41/services/create",
    body: JSON.stringify({
      Name: "evil",
      TaskTemplate: {
        ContainerSpec: { Image: "busybox", Privileges: { Seccomp: { Mode: "unconfined" } } },
      },
    }),
    allow: false,
    rules: ["DW-SEC-002"],
  },
  {
    name: "service create with an unsafe sysctl (denyAt medium)",
    policy: ROLES,
    identity: tls("operator"),
    target: "/v1.41/services/create",
    body: JSON.stringify({
      Name: "evil",
      TaskTemplate: {
        ContainerSpec: { Image: "busybox", Sysctls: { "kernel.msgmax": "65536" } },
      },
    }),
    allow: false,
    rules: ["DW-SYS-001"],
  },
  {
    name: "an ordinary service",
    policy: ROLES,
    identity: tls("operator"),
    target: "/v1.41/services/create",
    body: JSON.stringify({
      Name: "web",
      TaskTemplate: {
        ContainerSpec: {
          Image: "busybox",
          Mounts: [{ Type: "volume", Source: "data", Target: "/data" }],
        },
      },
    }),
    allow: true,
    rules: [],
  },
  // ─── the target ──────────────────────────────────────────────────────────────────────────────
  {
    name: "a form content type (the daemon would read parameters from the body)",
    target: "/v1.41/containers/create",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "Image=busybox",
    allow: false,
    rules: [GUARD_RULES.route],
    status: 403,
  },
  {
    name: "a percent-encoded path is routed as create and judged",
    target: "/v1.41/containers/%63reate",
    body: create({ Privileged: true }),
    allow: false,
    rules: ["DW-PRIV-001"],
    operation: "ContainerCreate",
  },
  {
    name: "a percent-encoded path, harmless body: allowed as a create",
    target: "/v1.41/%63ontainers/%63reate",
    body: create({ NetworkMode: "none" }),
    allow: true,
    rules: [],
    operation: "ContainerCreate",
  },
  {
    name: "a path with // (the daemon redirects)",
    target: "/v1.41//containers/create",
    body: create({ Privileged: true }),
    allow: false,
    rules: [GUARD_RULES.route],
    status: 403,
  },
  {
    name: "a path with /../",
    target: "/v1.41/images/../containers/create",
    body: create({ Privileged: true }),
    allow: false,
    rules: [GUARD_RULES.route],
  },
  {
    name: "an encoded dot segment (%2e%2e)",
    target: "/v1.41/images/%2e%2e/containers/create",
    body: create({ Privileged: true }),
    allow: false,
    rules: [GUARD_RULES.route],
  },
  {
    name: "an odd version (v1.041)",
    target: "/v1.041/containers/create",
    body: create({ Privileged: true }),
    allow: false,
    rules: [GUARD_RULES.route],
  },
  {
    name: "an odd version (v1.41.0)",
    target: "/v1.41.0/containers/json",
    allow: false,
    rules: [GUARD_RULES.route],
  },
  {
    name: "version 1.23 (< 1.24)",
    target: "/v1.23/containers/json",
    allow: false,
    rules: [GUARD_RULES.route],
    status: 400,
  },
  {
    name: "a version newer than the daemon's",
    target: "/v1.99/containers/json",
    allow: false,
    rules: [GUARD_RULES.route],
    status: 400,
  },
  {
    name: "no such route",
    target: "/v1.41/containers/abc/escape",
    method: "POST",
    allow: false,
    rules: [GUARD_RULES.route],
    status: 404,
  },
  // ─── per-role preset and enforcement ─────────────────────────────────────────────────────────
  {
    // (naming DW-CAP-002 in the file enabled it: a finding below denyAt is listed, not enforced)
    name: "a plain create by a deployer under the file's baseline preset",
    policy: ROLES,
    identity: tls("dev"),
    target: "/v1.41/containers/create",
    body: create({ NetworkMode: "none" }),
    allow: true,
    rules: ["DW-CAP-002"],
  },
  {
    // DW-CAP-002 runs too, but the file lowered it to low, below denyAt: the file's settings
    // still apply over the role's preset
    name: "the same create by the ci role, judged by its own preset (restricted)",
    policy: ROLES,
    identity: tls("ci-runner"),
    target: "/v1.41/containers/create",
    body: create({ NetworkMode: "none" }),
    allow: false,
    rules: ["DW-SEC-001", "DW-RES-001", "DW-RES-003", "DW-USR-001"],
  },
  {
    name: "the ci role: a create that meets the restricted preset",
    policy: ROLES,
    identity: tls("ci-runner"),
    target: "/v1.41/containers/create",
    body: create(
      {
        NetworkMode: "none",
        CapDrop: ["ALL"],
        SecurityOpt: ["no-new-privileges"],
        Memory: 67108864,
        MemorySwap: 67108864,
        NanoCpus: 500000000,
        PidsLimit: 100,
        ReadonlyRootfs: true,
      },
      { User: "1000:1000" },
    ),
    allow: true,
    rules: [],
  },
  {
    name: "admin (enforce false): a privileged create is allowed, the findings listed",
    policy: ROLES,
    identity: tls("root"),
    target: "/v1.41/containers/create",
    body: create({ Privileged: true, PidMode: "host" }),
    allow: true,
    rules: ["DW-PRIV-001", "DW-NS-001"],
  },
  {
    name: "admin: update removing a limit is allowed, and the removal listed",
    policy: ROLES,
    identity: tls("root"),
    target: "/v1.41/containers/abc/update",
    body: '{"PidsLimit":-1}',
    allow: true,
    rules: [GUARD_RULES.update],
  },
  {
    name: "admin: an ambiguous body is still refused",
    policy: ROLES,
    identity: tls("root"),
    target: "/v1.41/containers/create",
    body: '{"Image":"busybox","HostConfig":{"Privileged":false,"Privileged":true}}',
    allow: false,
    rules: [GUARD_RULES.body],
  },
];

describe("createDecider", () => {
  const deciders = new Map<Policy, Decider>();
  const deciderFor = (policy: Policy): Decider => {
    let d = deciders.get(policy);
    if (d === undefined) {
      d = createDecider({ policy, daemonApiVersion: "1.41", now: () => new Date(0) });
      deciders.set(policy, d);
    }
    return d;
  };

  it.each(cases)("$name", async (c) => {
    const got = await decide(deciderFor(c.policy ?? BASELINE), c);
    expect({ allow: got.allow, rules: [...got.rules].sort() }, got.message).toEqual({
      allow: c.allow,
      rules: [...c.rules].sort(),
    });
    if (c.status !== undefined) expect(got.status).toBe(c.status);
    if (c.operation !== undefined) expect(got.operation).toBe(c.operation);
    if (!got.allow) expect(got.message).toMatch(/\S/);
  });

  it("names the finding and its place in a denial", async () => {
    const got = await decide(deciderFor(BASELINE), {
      target: "/v1.41/containers/create",
      body: '{"Image":"busybox","HostConfig":{"privileged":true}}',
    });
    expect(got.allow).toBe(false);
    expect(got.message).toMatch(/privileged/i);
    expect(got.message).toContain("/HostConfig/Privileged");
  });

  it("forwards the canonical body of an allowed create: Go's field names, unknown keys dropped", async () => {
    const got = await decide(deciderFor(BASELINE), {
      target: "/v1.41/containers/create",
      body: '{"image":"busybox","cmd":["true"],"X-Smuggled":{"Privileged":true},"hostconfig":{"networkmode":"none","memory":67108864}}',
    });
    expect(got.allow).toBe(true);
    expect(got.body).toBe(
      '{"Image":"busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"none","Memory":67108864}}',
    );
  });

  it("forwards a docker CLI body unchanged", async () => {
    const body =
      '{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"Image":"busybox","Labels":{"a":"1"},"HostConfig":{"NetworkMode":"none","Binds":null}}';
    const got = await decide(deciderFor(BASELINE), { target: "/v1.41/containers/create", body });
    expect(got.allow).toBe(true);
    const canonical: unknown = JSON.parse(got.body ?? "null");
    expect(canonical).toMatchObject({
      Image: "busybox",
      Labels: { a: "1" },
      HostConfig: { NetworkMode: "none" },
    });
  });

  it("a JSON body larger than the limit is not judged (the transport answers 413)", async () => {
    const d = createDecider({ policy: BASELINE, bodyLimit: 1024 });
    const got = await decide(d, {
      target: "/v1.41/containers/create",
      body: create({ NetworkMode: "none" }, { Env: ["X=" + "a".repeat(2000)] }),
    });
    expect(got.status).toBe(413);
  });

  it("a hot-reloaded policy is a new decider: the old one keeps its judgement", async () => {
    const readonly = parsePolicy(
      "preset: baseline\nguard:\n  identities:\n    - { match: { cn: dev }, role: readonly }\n",
      "a.yaml",
    );
    const deployer = parsePolicy(
      "preset: baseline\nguard:\n  identities:\n    - { match: { cn: dev }, role: deployer }\n",
      "b.yaml",
    );
    const req = { target: "/v1.41/containers/create", body: create({ NetworkMode: "none" }) };
    const before = await decide(createDecider({ policy: readonly }), req);
    const after = await decide(createDecider({ policy: deployer }), req);
    expect([before.allow, before.rules]).toEqual([false, [GUARD_RULES.role]]);
    expect([after.allow, after.rules]).toEqual([true, []]);
  });
});

describe("bodies that are not UTF-8", () => {
  it("are refused, though Go would read the bad byte as U+FFFD", async () => {
    const d = createDecider({ policy: defaultPolicy("baseline") });
    const a = await d.admit({
      identity: tls("dev"),
      method: "POST",
      rawTarget: "/v1.41/containers/create",
      headers: { host: "docker", "content-type": "application/json" },
      upgrade: undefined,
    });
    if (a.action !== "buffer") throw new Error(`expected buffer, got ${a.action}`);
    const good = Buffer.from('{"Image":"busybox","Labels":{"a":"é"}}', "utf8");
    const bad = Buffer.concat([good.subarray(0, 34), Buffer.from([0xff]), good.subarray(36)]);
    expect((await a.judge(good)).allow).toBe(true);
    expect(await a.judge(bad)).toMatchObject({
      allow: false,
      status: 400,
      rules: ["DW-GRD-003"],
      message: "the body is not valid UTF-8",
    });
  });
});
