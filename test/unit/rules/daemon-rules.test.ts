import { describe, expect, it } from "vitest";
import type { CertificateSummary } from "../../../src/audit/daemon/certificate.js";
import type { ProbeResult } from "../../../src/audit/daemon/probe.js";
import { defaultPolicy, parsePolicy } from "../../../src/policy/policy.js";
import { evaluateDaemons } from "../../../src/rules/evaluate.js";
import { daemonRules, findRule } from "../../../src/rules/registry.js";
import type { RuleHit } from "../../../src/rules/types.js";
import type { DaemonFact, DaemonSpec, FileFacts, TcpEndpoint } from "../../../src/spec/daemon.js";

const NOW = new Date("2026-06-01T00:00:00Z");
const DAY = 86_400_000;

function fact<T>(value: T, pointer: string): DaemonFact<T> {
  return { value, origin: { file: "/etc/docker/daemon.json", pointer }, source: "daemon.json" };
}

function file(
  path: string,
  permissions: number,
  uid = 0,
  gid = 0,
  extra: Partial<FileFacts> = {},
): FileFacts {
  return {
    path,
    permissions,
    uid,
    gid,
    owner: uid === 0 ? "root" : `user${uid}`,
    group: gid === 0 ? "root" : gid === 999 ? "docker" : `group${gid}`,
    isDirectory: false,
    ...extra,
  };
}

function cert(edit: Partial<CertificateSummary> = {}): CertificateSummary {
  return {
    subject: "CN=docker-host",
    issuer: "CN=ca",
    subjectAltNames: ["DNS:docker-host", "IP:10.0.0.5"],
    notBefore: new Date(NOW.getTime() - 10 * DAY).toISOString(),
    notAfter: new Date(NOW.getTime() + 300 * DAY).toISOString(),
    serialNumber: "01",
    fingerprint256: "AA",
    key: { type: "ec", bits: 256, curve: "prime256v1" },
    extendedKeyUsage: ["serverAuth"],
    isCa: false,
    selfSigned: false,
    ...edit,
  };
}

const mtlsProbe: ProbeResult = {
  host: "10.0.0.5",
  port: 2376,
  elapsedMs: 3,
  exposure: "tls-client-auth",
  tls: {
    protocol: "TLSv1.3",
    cipher: "x",
    certificate: undefined,
    chain: [],
    authorizationError: undefined,
  },
  evidence: "alert 116",
};

function endpoint(
  probe: ProbeResult | undefined,
  scope: TcpEndpoint["scope"] = "any",
): TcpEndpoint {
  return {
    host: "0.0.0.0",
    port: 2376,
    scope,
    configured: true,
    origin: { file: "/proc/1/cmdline", argIndex: 2 },
    probe,
  };
}

/** A daemon with every control satisfied: every daemon rule must stay quiet on it. */
function hardened(edit: (d: DaemonSpec) => void = () => undefined): DaemonSpec {
  const d: DaemonSpec = {
    target: {
      kind: "daemon",
      name: "unix:///var/run/docker.sock",
      origin: { file: "/etc/docker/daemon.json" },
      image: undefined,
      labels: {},
    },
    seen: { process: true, api: true },
    pid: 1,
    configFile: {
      path: "/etc/docker/daemon.json",
      origin: { file: "/etc/docker/daemon.json" },
      file: file("/etc/docker/daemon.json", 0o644),
      error: undefined,
      status: "ok",
    },
    configDir: {
      path: "/etc/docker",
      origin: { file: "/etc/docker" },
      file: file("/etc/docker", 0o755, 0, 0, { isDirectory: true }),
      error: undefined,
    },
    settings: {
      icc: fact(false, "/icc"),
      iptables: fact(true, "/iptables"),
      userlandProxy: fact(false, "/userland-proxy"),
      liveRestore: fact(true, "/live-restore"),
      experimental: fact(false, "/experimental"),
      noNewPrivileges: fact(true, "/no-new-privileges"),
      debug: fact(false, "/debug"),
      logLevel: fact("info", "/log-level"),
      usernsRemap: fact("default", "/userns-remap"),
      rootless: fact(false, "/rootless"),
      seccompProfile: fact("", "/seccomp-profile"),
      seccompAvailable: fact(true, "/SecurityOptions/0"),
      authorizationPlugins: fact(["dockward"], "/authorization-plugins"),
      insecureRegistries: fact([], "/insecure-registries"),
      defaultUlimits: fact(["nofile=1024:4096"], "/default-ulimits"),
      cgroupParent: fact("", "/cgroup-parent"),
      storageDriver: fact("overlay2", "/storage-driver"),
    },
    tcp: [endpoint(mtlsProbe)],
    unix: [
      {
        path: "/var/run/docker.sock",
        origin: { file: "/etc/docker/daemon.json", pointer: "/hosts/0" },
        file: file("/var/run/docker.sock", 0o660, 0, 999),
        groupMembers: [],
        error: undefined,
      },
    ],
    tls: {
      enabled: true,
      clientAuth: true,
      origin: { file: "/etc/docker/daemon.json", pointer: "/tlsverify" },
      caCert: {
        path: "/etc/docker/ca.pem",
        origin: { pointer: "/tlscacert" },
        file: file("/etc/docker/ca.pem", 0o444),
        error: undefined,
        certificate: cert({
          subject: "CN=ca",
          isCa: true,
          extendedKeyUsage: undefined,
          subjectAltNames: [],
        }),
      },
      cert: {
        path: "/etc/docker/cert.pem",
        origin: { pointer: "/tlscert" },
        file: file("/etc/docker/cert.pem", 0o444),
        error: undefined,
        certificate: cert(),
      },
      key: {
        path: "/etc/docker/key.pem",
        origin: { pointer: "/tlskey" },
        file: file("/etc/docker/key.pem", 0o400),
        error: undefined,
        key: { type: "ec", bits: 256, curve: "prime256v1" },
      },
    },
    containerdSocket: {
      path: "/run/containerd/containerd.sock",
      origin: {},
      file: file("/run/containerd/containerd.sock", 0o660),
      error: undefined,
    },
    problems: [],
  };
  edit(d);
  return d;
}

function run(id: string, d: DaemonSpec, options: unknown = {}): RuleHit[] {
  const rule = findRule(id);
  if (rule?.kind !== "daemon") throw new Error(`no daemon rule ${id}`);
  return rule.check(d, rule.options.parse(options), { now: NOW });
}

interface Case {
  name: string;
  edit: (d: DaemonSpec) => void;
  options?: unknown;
  /** one entry per expected hit: the message pattern and the severity when the hit sets one */
  expect: { message: RegExp; severity?: string }[];
}

const open: ProbeResult = {
  host: "127.0.0.1",
  port: 2375,
  elapsedMs: 1,
  exposure: "open",
  ping: { status: 200, apiVersion: "1.41", server: "Docker/20.10.24 (linux)", osType: "linux" },
};

const cases: Record<string, Case[]> = {
  "DW-DMN-001": [
    {
      name: "open on all interfaces",
      edit: (d) => (d.tcp = [endpoint(open)]),
      expect: [
        {
          message:
            /tcp:\/\/0\.0\.0\.0:2376 \(all interfaces.*clear text.*API 1\.41.*root on this host/,
        },
      ],
    },
    {
      name: "open on loopback",
      edit: (d) => (d.tcp = [endpoint(open, "loopback")]),
      expect: [{ message: /loopback: every local user/ }],
    },
    { name: "mutual TLS", edit: () => undefined, expect: [] },
    { name: "not probed", edit: (d) => (d.tcp = [endpoint(undefined)]), expect: [] },
  ],
  "DW-DMN-002": [
    {
      name: "TLS without client auth",
      edit: (d) =>
        (d.tcp = [
          endpoint({
            ...open,
            exposure: "tls-no-client-auth",
            tls: {
              protocol: "TLSv1.3",
              cipher: "x",
              certificate: undefined,
              chain: [],
              authorizationError: undefined,
            },
          }),
        ]),
      expect: [{ message: /TLS handshake with no client certificate/ }],
    },
    {
      name: "a listener that cannot be verified is reported, not assumed safe",
      edit: (d) =>
        (d.tcp = [
          endpoint({
            host: "h",
            port: 1,
            elapsedMs: 1,
            exposure: "unknown",
            reason: "timeout",
            detail: "no answer",
          }),
        ]),
      expect: [{ message: /could not be verified \(timeout: no answer\)/, severity: "high" }],
    },
    { name: "mutual TLS", edit: () => undefined, expect: [] },
    { name: "plain HTTP is the other rule's", edit: (d) => (d.tcp = [endpoint(open)]), expect: [] },
    {
      name: "another port of the daemon that is not the API (--metrics-addr)",
      edit: (d) =>
        (d.tcp = [
          {
            ...endpoint({
              host: "h",
              port: 9323,
              elapsedMs: 1,
              exposure: "unknown",
              reason: "not-docker",
              detail: "HTTP 404",
            }),
            configured: false,
          },
        ]),
      expect: [],
    },
    {
      name: "an unconfigured port that does not answer is still reported",
      edit: (d) =>
        (d.tcp = [
          {
            ...endpoint({
              host: "h",
              port: 9323,
              elapsedMs: 1,
              exposure: "unknown",
              reason: "timeout",
              detail: "no answer",
            }),
            configured: false,
          },
        ]),
      expect: [{ message: /could not be verified/, severity: "high" }],
    },
  ],
  "DW-DMN-003": [
    {
      name: "world-writable",
      edit: (d) => {
        const f = d.unix[0]?.file;
        if (f) f.permissions = 0o666;
      },
      expect: [
        {
          message: /written\) by every local user|written by every local user/,
          severity: "critical",
        },
      ],
    },
    {
      // connect(2) needs write permission: readable alone lets nobody in, but it is wider than needed
      name: "world-readable only",
      edit: (d) => {
        const f = d.unix[0]?.file;
        if (f) f.permissions = 0o664;
      },
      expect: [{ message: /mode 0664: 0660 or stricter/, severity: "medium" }],
    },
    {
      name: "executable bit",
      edit: (d) => {
        const f = d.unix[0]?.file;
        if (f) f.permissions = 0o770;
      },
      expect: [{ message: /mode 0770/, severity: "medium" }],
    },
    {
      name: "owned by a user",
      edit: (d) => {
        const f = d.unix[0]?.file;
        if (f) {
          f.uid = 1000;
          f.owner = "alice";
        }
      },
      expect: [{ message: /owned by alice, not root/ }],
    },
    {
      name: "another group",
      edit: (d) => {
        const f = d.unix[0]?.file;
        if (f) {
          f.gid = 100;
          f.group = "users";
        }
      },
      expect: [{ message: /gives group users access/, severity: "medium" }],
    },
    {
      name: "rootless: the user owns it",
      edit: (d) => {
        d.settings.rootless = fact(true, "/rootless");
        const f = d.unix[0]?.file;
        if (f) {
          f.uid = 1000;
          f.gid = 1000;
          f.permissions = 0o600;
        }
      },
      expect: [],
    },
    { name: "root:docker 0660", edit: () => undefined, expect: [] },
  ],
  "DW-DMN-004": [
    {
      name: "members listed",
      edit: (d) => {
        const u = d.unix[0];
        if (u) u.groupMembers = ["alice", "root", "ci"];
      },
      expect: [{ message: /group docker .*\(alice, ci\)/ }],
    },
    {
      name: "trusted members",
      edit: (d) => {
        const u = d.unix[0];
        if (u) u.groupMembers = ["alice"];
      },
      options: { trusted: ["alice"] },
      expect: [],
    },
    {
      name: "socket not open to its group",
      edit: (d) => {
        const u = d.unix[0];
        if (u?.file) {
          u.groupMembers = ["alice"];
          u.file.permissions = 0o600;
        }
      },
      expect: [],
    },
  ],
  "DW-DMN-005": [
    {
      name: "daemon.json writable by others",
      edit: (d) => {
        const f = d.configFile?.file;
        if (f) f.permissions = 0o666;
      },
      expect: [{ message: /daemon\.json \/etc\/docker\/daemon\.json .*writable by every user/ }],
    },
    {
      name: "daemon.json owned by a user",
      edit: (d) => {
        const f = d.configFile?.file;
        if (f) {
          f.uid = 1000;
          f.owner = "user1000";
        }
      },
      expect: [{ message: /owned by user1000/ }],
    },
    {
      name: "directory group-writable",
      edit: (d) => {
        const f = d.configDir?.file;
        if (f) {
          f.gid = 999;
          f.group = "docker";
          f.permissions = 0o775;
        }
      },
      expect: [{ message: /directory holding daemon\.json .*writable by group docker/ }],
    },
    {
      name: "mode 0640 is stricter than 0644",
      edit: (d) => {
        const f = d.configFile?.file;
        if (f) f.permissions = 0o640;
      },
      expect: [],
    },
    {
      name: "mode 0744: wider, not writable",
      edit: (d) => {
        const f = d.configFile?.file;
        if (f) f.permissions = 0o744;
      },
      expect: [{ message: /mode wider than 644/, severity: "low" }],
    },
  ],
  "DW-DMN-006": [
    {
      name: "world-open containerd socket",
      edit: (d) => {
        const f = d.containerdSocket?.file;
        if (f) f.permissions = 0o666;
      },
      expect: [{ message: /open to every user/ }],
    },
    {
      name: "docker group on containerd",
      edit: (d) => {
        const f = d.containerdSocket?.file;
        if (f) {
          f.gid = 999;
          f.group = "docker";
        }
      },
      expect: [{ message: /open to group docker/ }],
    },
    { name: "root:root 0660", edit: () => undefined, expect: [] },
  ],
  "DW-TLS-001": [
    {
      name: "expired server certificate",
      edit: (d) => {
        const c = d.tls?.cert;
        if (c) c.certificate = cert({ notAfter: new Date(NOW.getTime() - DAY).toISOString() });
      },
      expect: [{ message: /server certificate .* expired on 2026-05-31/ }],
    },
    {
      name: "expires in 10 days",
      edit: (d) => {
        const c = d.tls?.cert;
        if (c)
          c.certificate = cert({
            notAfter: new Date(NOW.getTime() + 10 * DAY + 1000).toISOString(),
          });
      },
      expect: [{ message: /expires in 10 days/, severity: "medium" }],
    },
    {
      name: "10 days left, warnDays 5",
      options: { warnDays: 5 },
      edit: (d) => {
        const c = d.tls?.cert;
        if (c) c.certificate = cert({ notAfter: new Date(NOW.getTime() + 10 * DAY).toISOString() });
      },
      expect: [],
    },
    {
      name: "CA not yet valid",
      edit: (d) => {
        const c = d.tls?.caCert;
        if (c) c.certificate = cert({ notBefore: new Date(NOW.getTime() + DAY).toISOString() });
      },
      expect: [{ message: /CA certificate .* not valid until/ }],
    },
  ],
  "DW-TLS-002": [
    {
      name: "RSA 1024 server key",
      edit: (d) => {
        const c = d.tls?.cert;
        if (c) c.certificate = cert({ key: { type: "rsa", bits: 1024, curve: undefined } });
      },
      expect: [{ message: /RSA 1024 bits/ }],
    },
    {
      name: "EC P-224",
      edit: (d) => {
        const c = d.tls?.cert;
        if (c) c.certificate = cert({ key: { type: "ec", bits: 224, curve: "secp224r1" } });
      },
      expect: [{ message: /EC 224 bits/ }],
    },
    {
      name: "an EC curve of unknown size is reported, not assumed strong",
      edit: (d) => {
        const c = d.tls?.cert;
        if (c)
          c.certificate = cert({ key: { type: "ec", bits: undefined, curve: "brainpoolP256r1" } });
      },
      expect: [{ message: /curve brainpoolP256r1/ }],
    },
    {
      name: "RSA 2048 is enough",
      edit: (d) => {
        const c = d.tls?.cert;
        if (c) c.certificate = cert({ key: { type: "rsa", bits: 2048, curve: undefined } });
      },
      expect: [],
    },
  ],
  "DW-TLS-003": [
    {
      name: "no SAN",
      edit: (d) => {
        const c = d.tls?.cert;
        if (c) c.certificate = cert({ subjectAltNames: [] });
      },
      expect: [{ message: /no subjectAltName/, severity: "high" }],
    },
    {
      name: "clientAuth only",
      edit: (d) => {
        const c = d.tls?.cert;
        if (c) c.certificate = cert({ extendedKeyUsage: ["clientAuth"] });
      },
      expect: [{ message: /allows clientAuth but not serverAuth/ }],
    },
    {
      name: "server certificate is a CA",
      edit: (d) => {
        const c = d.tls?.cert;
        if (c) c.certificate = cert({ isCa: true });
      },
      expect: [{ message: /is a CA certificate/ }],
    },
  ],
  "DW-TLS-004": [
    {
      name: "key readable by all",
      edit: (d) => {
        const k = d.tls?.key?.file;
        if (k) k.permissions = 0o644;
      },
      expect: [{ message: /private key .* can be read by group or others/, severity: "critical" }],
    },
    {
      name: "key 0600",
      edit: (d) => {
        const k = d.tls?.key?.file;
        if (k) k.permissions = 0o600;
      },
      expect: [{ message: /should be 0400/, severity: "low" }],
    },
    {
      name: "CA writable by group",
      edit: (d) => {
        const c = d.tls?.caCert?.file;
        if (c) c.permissions = 0o664;
      },
      expect: [
        {
          message:
            /CA certificate .* writable by group or others: whoever can replace it decides which clients/,
        },
      ],
    },
    {
      name: "cert 0644",
      edit: (d) => {
        const c = d.tls?.cert?.file;
        if (c) c.permissions = 0o644;
      },
      expect: [{ message: /should be 0444 or stricter/, severity: "low" }],
    },
    {
      name: "TLS off: nothing to judge",
      edit: (d) => {
        if (d.tls) {
          d.tls.enabled = false;
          const k = d.tls.key?.file;
          if (k) k.permissions = 0o666;
        }
      },
      expect: [],
    },
  ],
  "DW-CFG-001": [
    {
      name: "icc on",
      edit: (d) => (d.settings.icc = fact(true, "/icc")),
      expect: [{ message: /inter-container communication/ }],
    },
    { name: "unknown (remote)", edit: (d) => delete d.settings.icc, expect: [] },
  ],
  "DW-CFG-002": [
    {
      name: "debug level",
      edit: (d) => (d.settings.logLevel = fact("debug", "/log-level")),
      expect: [{ message: /logs at "debug"/ }],
    },
    {
      name: "debug mode",
      edit: (d) => (d.settings.debug = fact(true, "/debug")),
      expect: [{ message: /runs in debug mode/ }],
    },
    {
      name: "debug reported by /info for a daemon seen from outside",
      edit: (d) => {
        delete d.settings.logLevel;
        d.settings.debug = {
          value: true,
          origin: { file: "GET /info", pointer: "/Debug" },
          source: "info",
        };
      },
      expect: [{ message: /debug mode \(as the running daemon reports it\)/ }],
    },
  ],
  "DW-CFG-003": [
    {
      name: "iptables off",
      edit: (d) => (d.settings.iptables = fact(false, "/iptables")),
      expect: [{ message: /iptables management is off/ }],
    },
  ],
  "DW-CFG-004": [
    {
      name: "insecure registry",
      edit: (d) =>
        (d.settings.insecureRegistries = fact(["reg.local:5000"], "/insecure-registries")),
      expect: [{ message: /reg\.local:5000/ }],
    },
  ],
  "DW-CFG-005": [
    {
      name: "aufs",
      edit: (d) => (d.settings.storageDriver = fact("aufs", "/storage-driver")),
      expect: [{ message: /aufs/ }],
    },
    { name: "overlay2", edit: () => undefined, expect: [] },
  ],
  "DW-CFG-006": [
    {
      name: "no ulimits",
      edit: (d) => (d.settings.defaultUlimits = fact([], "/default-ulimits")),
      expect: [{ message: /no default ulimits/ }],
    },
  ],
  "DW-CFG-007": [
    {
      name: "no remap",
      edit: (d) => (d.settings.usernsRemap = fact("", "/userns-remap")),
      expect: [{ message: /uid 0 on the host/ }],
    },
    {
      name: "rootless instead",
      edit: (d) => {
        d.settings.usernsRemap = fact("", "/userns-remap");
        d.settings.rootless = fact(true, "/rootless");
      },
      expect: [],
    },
  ],
  "DW-CFG-008": [
    {
      name: "custom parent",
      edit: (d) => (d.settings.cgroupParent = fact("/docker-limited", "/cgroup-parent")),
      expect: [{ message: /"\/docker-limited"/ }],
    },
  ],
  "DW-CFG-009": [
    {
      name: "no plugin",
      edit: (d) => (d.settings.authorizationPlugins = fact([], "/authorization-plugins")),
      expect: [{ message: /no authorization plugin/ }],
    },
  ],
  "DW-CFG-010": [
    {
      name: "off",
      edit: (d) => (d.settings.noNewPrivileges = fact(false, "/no-new-privileges")),
      expect: [{ message: /setuid/ }],
    },
  ],
  "DW-CFG-011": [
    {
      name: "off",
      edit: (d) => (d.settings.liveRestore = fact(false, "/live-restore")),
      expect: [{ message: /live restore is off/ }],
    },
  ],
  "DW-CFG-012": [
    {
      name: "on",
      edit: (d) => (d.settings.userlandProxy = { value: true, origin: {}, source: "default" }),
      expect: [{ message: /userland proxy is on \(dockerd's default/ }],
    },
  ],
  "DW-CFG-013": [
    {
      name: "unconfined",
      edit: (d) => (d.settings.seccompProfile = fact("unconfined", "/seccomp-profile")),
      expect: [{ message: /unconfined/ }],
    },
    {
      name: "no seccomp in the kernel",
      edit: (d) => (d.settings.seccompAvailable = fact(false, "/SecurityOptions")),
      expect: [{ message: /no seccomp support/, severity: "medium" }],
    },
    {
      name: "a custom profile",
      edit: (d) =>
        (d.settings.seccompProfile = fact("/etc/docker/seccomp.json", "/seccomp-profile")),
      expect: [],
    },
  ],
  "DW-CFG-014": [
    {
      name: "on",
      edit: (d) => (d.settings.experimental = fact(true, "/experimental")),
      expect: [{ message: /experimental/ }],
    },
  ],
  "DW-CFG-015": [
    {
      name: "root",
      edit: (d) => (d.settings.rootless = fact(false, "/rootless")),
      expect: [{ message: /runs as root/ }],
    },
  ],
};

describe.each(Object.entries(cases))("%s", (id, list) => {
  it.each(list.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const hits = run(id, hardened(c.edit), c.options);
    expect(hits.map((h) => h.message)).toHaveLength(c.expect.length);
    c.expect.forEach((e, i) => {
      expect(hits[i]?.message).toMatch(e.message);
      if (e.severity !== undefined) expect(hits[i]?.severity).toBe(e.severity);
    });
  });
});

describe("the daemon catalogue", () => {
  it("every daemon rule has cases, with at least one that fires", () => {
    for (const rule of daemonRules) {
      expect(
        cases[rule.meta.id]?.some((c) => c.expect.length > 0),
        rule.meta.id,
      ).toBe(true);
    }
  });

  it("a hardened daemon passes every daemon rule except running as root (an info, cis only)", () => {
    for (const { meta } of daemonRules) {
      const expected = meta.id === "DW-CFG-015" ? 1 : 0;
      expect(run(meta.id, hardened()), meta.id).toHaveLength(expected);
    }
  });

  it("a daemon seen only through its API gives no finding for what it could not see", () => {
    const remote = hardened((d) => {
      d.seen = { process: false, api: true };
      d.settings = { liveRestore: fact(true, "/LiveRestoreEnabled") };
      d.unix = [];
      d.tcp = [];
      d.tls = undefined;
      d.configFile = undefined;
      d.configDir = undefined;
      d.containerdSocket = undefined;
    });
    for (const { meta } of daemonRules) expect(run(meta.id, remote), meta.id).toEqual([]);
  });

  it("evaluateDaemons applies presets, severities and daemon exceptions", () => {
    const d = hardened((x) => {
      x.tcp = [endpoint(open)];
      x.settings.icc = fact(true, "/icc");
    });
    const baseline = evaluateDaemons([d], defaultPolicy("baseline"), { now: NOW });
    expect(baseline.findings.map((f) => f.ruleId)).toEqual(["DW-DMN-001"]);
    expect(baseline.findings[0]?.target).toMatchObject({
      kind: "daemon",
      name: "unix:///var/run/docker.sock",
      file: "/proc/1/cmdline",
      argIndex: 2,
    });
    expect(baseline.findings[0]?.remediation).toHaveProperty("daemon");
    const restricted = evaluateDaemons([d], defaultPolicy("restricted"), { now: NOW });
    expect(restricted.findings.map((f) => f.ruleId)).toEqual(["DW-DMN-001", "DW-CFG-001"]);
    const policy = parsePolicy(
      [
        "preset: restricted",
        "exceptions:",
        "  - rules: [DW-CFG-001]",
        '    match: { daemon: "unix:///var/run/*" }',
        "    reason: legacy links between containers (OPS-12)",
        "  - rules: [DW-DMN-001]",
        '    match: { daemon: "tcp://*" }',
        "    reason: does not match this daemon",
      ].join("\n"),
      "p.yaml",
    );
    const excepted = evaluateDaemons([d], policy, { now: NOW });
    expect(excepted.findings.find((f) => f.ruleId === "DW-CFG-001")?.suppressed?.reason).toMatch(
      /OPS-12/,
    );
    expect(excepted.findings.find((f) => f.ruleId === "DW-DMN-001")?.suppressed).toBeUndefined();
  });
});
