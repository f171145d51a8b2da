import { describe, expect, it } from "vitest";
import { containerRules, findRule } from "../../../src/rules/registry.js";
import type { RuleContext, RuleHit } from "../../../src/rules/types.js";
import type { ContainerSpec } from "../../../src/spec/model.js";
import { at, f, hardened, spec } from "./build.js";

type Expect = { line: number; severity?: string | undefined; message: RegExp }[];
interface Case {
  name: string;
  spec: ContainerSpec;
  options?: Record<string, unknown>;
  expect: Expect;
}

function run(
  ruleId: string,
  s: ContainerSpec,
  options: Record<string, unknown> = {},
  context: RuleContext = {},
): RuleHit[] {
  const rule = findRule(ruleId);
  if (rule?.kind !== "container") throw new Error(`no container rule ${ruleId}`);
  return rule.check(s, rule.options.parse(options), context);
}

const MiB = 1024 * 1024;

const cases: Record<string, Case[]> = {
  "DW-PRIV-001": [
    {
      name: "privileged: true",
      spec: spec((s) => (s.privileged = f(true, 4))),
      expect: [{ line: 4, message: /root on the host/ }],
    },
    { name: "privileged: false", spec: spec((s) => (s.privileged = f(false, 4))), expect: [] },
  ],
  "DW-CAP-001": [
    {
      name: "dangerous caps are rated by danger",
      spec: spec(
        (s) => (s.capAdd = [f("SYS_ADMIN", 3), f("NET_ADMIN", 4), f("WAKE_ALARM", 5), f("ALL", 6)]),
      ),
      expect: [
        { line: 3, severity: "critical", message: /SYS_ADMIN: mount/ },
        { line: 4, severity: "high", message: /NET_ADMIN/ },
        { line: 5, severity: "medium", message: /WAKE_ALARM/ },
        { line: 6, severity: "critical", message: /adds capability ALL/ },
      ],
    },
    {
      name: "re-adding a default capability widens nothing",
      spec: spec((s) => (s.capAdd = [f("CHOWN", 3), f("NET_BIND_SERVICE", 4)])),
      expect: [],
    },
    {
      name: "the policy's allowed list",
      spec: spec((s) => (s.capAdd = [f("NET_ADMIN", 3)])),
      options: { allowed: ["cap_net_admin"] },
      expect: [],
    },
  ],
  "DW-CAP-002": [
    {
      name: "nothing dropped",
      spec: spec(),
      expect: [
        {
          line: 1,
          message:
            /does not drop ALL capabilities; it keeps 13: AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_RAW, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT$/,
        },
      ],
    },
    { name: "drop ALL", spec: spec((s) => (s.capDrop = [f("all", 2)])), expect: [] },
    {
      name: "drop ALL, add NET_BIND_SERVICE",
      spec: spec((s) => {
        s.capDrop = [f("ALL", 2)];
        s.capAdd = [f("NET_BIND_SERVICE", 3)];
      }),
      expect: [],
    },
    {
      name: "drop ALL, add CHOWN",
      spec: spec((s) => {
        s.capDrop = [f("ALL", 2)];
        s.capAdd = [f("CHOWN", 3)];
      }),
      expect: [{ line: 2, message: /keeps capabilities beyond the allowed set: CHOWN$/ }],
    },
    {
      name: "add ALL beats drop ALL (the daemon's order)",
      spec: spec((s) => {
        s.capDrop = [f("ALL", 2)];
        s.capAdd = [f("ALL", 3)];
      }),
      expect: [{ line: 2, message: /SYS_ADMIN/ }],
    },
    {
      name: "privileged is left to DW-PRIV-001",
      spec: spec((s) => (s.privileged = f(true, 2))),
      expect: [],
    },
  ],
  "DW-SEC-001": [
    { name: "missing", spec: spec(), expect: [{ line: 1, message: /is not set/ }] },
    {
      name: "explicitly false",
      spec: spec((s) => (s.noNewPrivileges = f(false, 6))),
      expect: [{ line: 6, message: /explicitly turned off/ }],
    },
    { name: "true", spec: spec((s) => (s.noNewPrivileges = f(true, 6))), expect: [] },
  ],
  "DW-SEC-002": [
    {
      name: "unconfined",
      spec: spec((s) => (s.seccomp = f({ kind: "unconfined" }, 7))),
      expect: [{ line: 7, severity: undefined, message: /seccomp=unconfined/ }],
    },
    {
      name: "{} disables seccomp",
      spec: spec((s) => (s.seccomp = f({ kind: "profile", json: {} }, 7))),
      expect: [{ line: 7, message: /effectively unconfined: the profile has no defaultAction/ }],
    },
    {
      name: "allow-all profile",
      spec: spec(
        (s) =>
          (s.seccomp = f(
            {
              kind: "profile",
              json: {
                defaultAction: "SCMP_ACT_ALLOW",
                syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW" }],
              },
            },
            7,
          )),
      ),
      expect: [{ line: 7, message: /blocks nothing/ }],
    },
    {
      name: "denylist profile",
      spec: spec(
        (s) =>
          (s.seccomp = f(
            {
              kind: "profile",
              json: {
                defaultAction: "SCMP_ACT_ALLOW",
                syscalls: [{ names: ["mount"], action: "SCMP_ACT_ERRNO" }],
              },
            },
            7,
          )),
      ),
      expect: [{ line: 7, severity: "medium", message: /allows by default/ }],
    },
    {
      name: "allowlist profile",
      spec: spec(
        (s) =>
          (s.seccomp = f(
            { kind: "profile", json: { defaultAction: "SCMP_ACT_ERRNO", syscalls: [] } },
            7,
          )),
      ),
      expect: [],
    },
    { name: "default", spec: spec(), expect: [] },
    {
      name: "two spellings of defaultAction: the daemon's pick cannot be known",
      spec: spec(
        (s) =>
          (s.seccomp = f(
            {
              kind: "profile",
              json: { defaultAction: "SCMP_ACT_ERRNO", DefaultAction: "SCMP_ACT_ALLOW" },
            },
            7,
          )),
      ),
      expect: [{ line: 7, message: /case-insensitively/ }],
    },
    {
      name: "keys in any case, as Go reads them",
      spec: spec(
        (s) => (s.seccomp = f({ kind: "profile", json: { DefaultAction: "SCMP_ACT_ERRNO" } }, 7)),
      ),
      expect: [],
    },
    {
      name: "rules without defaultAction: runc refuses it",
      spec: spec(
        (s) =>
          (s.seccomp = f(
            {
              kind: "profile",
              json: { syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW" }] },
            },
            7,
          )),
      ),
      expect: [{ line: 7, severity: "low", message: /runc refuses/ }],
    },
    {
      name: "unreadable file",
      spec: spec((s) => (s.seccomp = f({ kind: "file", path: "p.json" }, 7))),
      expect: [{ line: 7, severity: "info", message: /could not be read/ }],
    },
  ],
  "DW-SEC-003": [
    {
      name: "unconfined",
      spec: spec((s) => (s.apparmor = f("unconfined", 8))),
      expect: [{ line: 8, message: /apparmor=unconfined/ }],
    },
    { name: "a profile", spec: spec((s) => (s.apparmor = f("docker-default", 8))), expect: [] },
    {
      name: "a profile that is not one of the intended ones",
      spec: spec((s) => (s.apparmor = f("loose", 8))),
      options: { profiles: ["web", "docker-default"] },
      expect: [
        {
          line: 8,
          severity: "medium",
          message: /profile loose, not one of the intended profiles \(web, docker-default\)/,
        },
      ],
    },
    {
      name: "no profile named: docker-default, which is not intended",
      spec: spec(),
      options: { profiles: ["web"] },
      expect: [
        {
          line: 1,
          severity: "medium",
          message: /docker-default \(Docker's default, as nothing names one\)/,
        },
      ],
    },
    {
      name: "the intended profile",
      spec: spec((s) => (s.apparmor = f("web", 8))),
      options: { profiles: ["web"] },
      expect: [],
    },
  ],
  "DW-SEC-004": [
    {
      name: "systempaths=unconfined",
      spec: spec((s) => (s.systemPathsUnconfined = f(true, 9))),
      expect: [{ line: 9, message: /sysrq-trigger/ }],
    },
  ],
  "DW-NS-001": [
    {
      name: "pid host",
      spec: spec((s) => (s.namespaces.pid = f("host", 3))),
      expect: [{ line: 3, message: /host's PID namespace/ }],
    },
    {
      name: "pid of another container",
      spec: spec((s) => (s.namespaces.pid = f("container:db", 3))),
      expect: [],
    },
  ],
  "DW-NS-002": [
    {
      name: "ipc host",
      spec: spec((s) => (s.namespaces.ipc = f("host", 3))),
      expect: [{ line: 3, message: /host's IPC namespace/ }],
    },
  ],
  "DW-NS-003": [
    {
      name: "network host (any case)",
      spec: spec((s) => (s.namespaces.network = f("HOST", 3))),
      expect: [{ line: 3, message: /network namespace/ }],
    },
    {
      name: "a user network",
      spec: spec((s) => (s.namespaces.network = f("backend", 3))),
      expect: [],
    },
  ],
  "DW-NS-004": [
    {
      name: "uts host",
      spec: spec((s) => (s.namespaces.uts = f("host", 3))),
      expect: [{ line: 3, message: /hostname/ }],
    },
  ],
  "DW-NS-005": [
    {
      name: "userns host",
      spec: spec((s) => (s.namespaces.userns = f("host", 3))),
      expect: [{ line: 3, message: /host's user namespace: .*remapping/ }],
    },
  ],
  "DW-NS-006": [
    {
      name: "cgroupns host",
      spec: spec((s) => (s.namespaces.cgroupns = f("host", 3))),
      expect: [{ line: 3, message: /cgroup namespace/ }],
    },
    {
      name: "cgroupns private",
      spec: spec((s) => (s.namespaces.cgroupns = f("private", 3))),
      expect: [],
    },
  ],
  "DW-MNT-001": [
    {
      name: "the socket",
      spec: spec((s) =>
        s.mounts.push({
          type: "bind",
          source: "/var/run/docker.sock",
          hostPath: "/var/run/docker.sock",
          target: "/var/run/docker.sock",
          readOnly: true,
          origin: at(5),
        }),
      ),
      expect: [
        { line: 5, message: /engine socket \/var\/run\/docker\.sock \(read-only does not help/ },
      ],
    },
    {
      name: "its directory",
      spec: spec((s) =>
        s.mounts.push({
          type: "bind",
          source: "/run",
          hostPath: "/run",
          target: "/host-run",
          readOnly: false,
          origin: at(6),
        }),
      ),
      expect: [
        { line: 6, message: /mounts \/run, which contains the engine socket \/run\/docker\.sock/ },
      ],
    },
    {
      name: "containerd's socket",
      spec: spec((s) =>
        s.mounts.push({
          type: "bind",
          source: "/run/containerd",
          hostPath: "/run/containerd",
          target: "/c",
          readOnly: false,
          origin: at(6),
        }),
      ),
      expect: [{ line: 6, message: /containerd\.sock/ }],
    },
    {
      name: "a rootless socket path",
      spec: spec((s) =>
        s.mounts.push({
          type: "bind",
          source: "/run/user/1000/docker.sock",
          hostPath: "/run/user/1000/docker.sock",
          target: "/d",
          readOnly: false,
          origin: at(6),
        }),
      ),
      expect: [{ line: 6, message: /engine socket/ }],
    },
    {
      name: "a named volume",
      spec: spec((s) =>
        s.mounts.push({
          type: "volume",
          source: "data",
          hostPath: undefined,
          target: "/data",
          readOnly: false,
          origin: at(6),
        }),
      ),
      expect: [],
    },
  ],
  "DW-MNT-002": [
    {
      name: "writable /",
      spec: spec((s) =>
        s.mounts.push({
          type: "bind",
          source: "/",
          hostPath: "/",
          target: "/host",
          readOnly: false,
          origin: at(5),
        }),
      ),
      expect: [{ line: 5, severity: "critical", message: /host's \/ writable/ }],
    },
    {
      name: "read-only /etc",
      spec: spec((s) =>
        s.mounts.push({
          type: "bind",
          source: "/etc",
          hostPath: "/etc",
          target: "/h",
          readOnly: true,
          origin: at(5),
        }),
      ),
      expect: [{ line: 5, severity: "high", message: /\/etc read-only/ }],
    },
    {
      name: "read-only /sys",
      spec: spec((s) =>
        s.mounts.push({
          type: "bind",
          source: "/sys",
          hostPath: "/sys",
          target: "/sys",
          readOnly: true,
          origin: at(6),
        }),
      ),
      expect: [{ line: 6, severity: "medium", message: /\/sys read-only/ }],
    },
    {
      name: "a file inside /etc",
      spec: spec((s) =>
        s.mounts.push({
          type: "bind",
          source: "/etc/shadow",
          hostPath: "/etc/shadow",
          target: "/s",
          readOnly: false,
          origin: at(5),
        }),
      ),
      expect: [{ line: 5, severity: "critical", message: /\/etc\/shadow \(inside \/etc\)/ }],
    },
    {
      name: "a parent of /var/lib/docker",
      spec: spec((s) =>
        s.mounts.push({
          type: "bind",
          source: "/var",
          hostPath: "/var",
          target: "/v",
          readOnly: false,
          origin: at(5),
        }),
      ),
      expect: [
        { line: 5, severity: "critical", message: /\/var \(which contains \/var\/lib\/docker\)/ },
      ],
    },
    {
      name: "an application directory",
      spec: spec((s) =>
        s.mounts.push({
          type: "bind",
          source: "/srv/app",
          hostPath: "/srv/app",
          target: "/app",
          readOnly: false,
          origin: at(5),
        }),
      ),
      expect: [],
    },
    {
      name: "allowed by policy",
      spec: spec((s) =>
        s.mounts.push({
          type: "bind",
          source: "/etc/ssl/certs",
          hostPath: "/etc/ssl/certs",
          target: "/c",
          readOnly: true,
          origin: at(5),
        }),
      ),
      options: { allowedPaths: ["/etc/ssl"] },
      expect: [],
    },
    {
      name: "the socket is left to DW-MNT-001",
      spec: spec((s) =>
        s.mounts.push({
          type: "bind",
          source: "/var/run/docker.sock",
          hostPath: "/var/run/docker.sock",
          target: "/s",
          readOnly: false,
          origin: at(5),
        }),
      ),
      expect: [],
    },
  ],
  "DW-MNT-003": [
    {
      name: "volumes_from",
      spec: spec((s) => (s.volumesFrom = [f("db:ro", 4)])),
      expect: [{ line: 4, message: /container "db:ro"/ }],
    },
  ],
  "DW-MNT-004": [
    {
      name: "rshared",
      spec: spec((s) =>
        s.mounts.push({
          type: "bind",
          source: "/mnt",
          hostPath: "/mnt",
          target: "/m",
          readOnly: false,
          propagation: "rshared",
          origin: at(5),
        }),
      ),
      expect: [{ line: 5, message: /rshared propagation/ }],
    },
    {
      name: "rprivate",
      spec: spec((s) =>
        s.mounts.push({
          type: "bind",
          source: "/mnt",
          hostPath: "/mnt",
          target: "/m",
          readOnly: false,
          propagation: "rprivate",
          origin: at(5),
        }),
      ),
      expect: [],
    },
  ],
  "DW-DEV-001": [
    {
      name: "an SD-card disk",
      spec: spec((s) =>
        s.devices.push({
          hostPath: "/dev/mmcblk0p2",
          containerPath: "/dev/x",
          permissions: "rw",
          origin: at(4),
        }),
      ),
      expect: [
        {
          line: 4,
          severity: "critical",
          message: /raw access to host memory, disks or the kernel log/,
        },
      ],
    },
    {
      name: "a device request (--gpus, CDI, DeviceRequests) is reported, and no path allows it",
      spec: spec((s) => s.deviceRequests.push({ value: "--gpus all", origin: at(6) })),
      options: { allowed: ["/dev/nvidia0", "--gpus all"] },
      expect: [
        {
          line: 6,
          severity: "high",
          message: /requests host devices through a device driver \(--gpus all\)/,
        },
      ],
    },
    {
      name: "the allowed list is compared as normalised paths",
      spec: spec((s) =>
        s.devices.push({
          hostPath: "/dev//fuse",
          containerPath: "/dev/fuse",
          permissions: "rw",
          origin: at(4),
        }),
      ),
      options: { allowed: ["/dev/fuse/"] },
      expect: [],
    },
    {
      name: "a writable disk",
      spec: spec((s) =>
        s.devices.push({
          hostPath: "/dev/sda",
          containerPath: "/dev/sda",
          permissions: "rwm",
          origin: at(4),
        }),
      ),
      expect: [
        {
          line: 4,
          severity: "critical",
          message: /raw access to host memory, disks or the kernel log/,
        },
      ],
    },
    {
      name: "a GPU",
      spec: spec((s) =>
        s.devices.push({
          hostPath: "/dev/dri/renderD128",
          containerPath: "/dev/dri/renderD128",
          permissions: "rw",
          origin: at(4),
        }),
      ),
      expect: [{ line: 4, severity: "high", message: /renderD128/ }],
    },
    {
      name: "allowed",
      spec: spec((s) =>
        s.devices.push({
          hostPath: "/dev/fuse",
          containerPath: "/dev/fuse",
          permissions: "rwm",
          origin: at(4),
        }),
      ),
      options: { allowed: ["/dev/fuse"] },
      expect: [],
    },
  ],
  "DW-DEV-002": [
    {
      name: "any block rule reaches disks",
      spec: spec((s) => (s.deviceCgroupRules = [f("b 8:* rwm", 4)])),
      expect: [{ line: 4, severity: "high", message: /block devices \(disks\) matching 8:\*/ }],
    },
    {
      name: "every device",
      spec: spec((s) => (s.deviceCgroupRules = [f("a *:* rwm", 4)])),
      expect: [{ line: 4, severity: "high", message: /every device/ }],
    },
    {
      name: "one major",
      spec: spec((s) => (s.deviceCgroupRules = [f("c 42:* rmw", 4)])),
      expect: [{ line: 4, severity: "medium", message: /character devices matching 42:\*/ }],
    },
  ],
  "DW-SYS-001": [
    {
      name: "safe",
      spec: spec((s) =>
        s.sysctls.push({ name: "net.ipv4.ip_unprivileged_port_start", value: "0", origin: at(4) }),
      ),
      expect: [],
    },
    {
      name: "unsafe",
      spec: spec((s) => s.sysctls.push({ name: "kernel.msgmax", value: "65536", origin: at(4) })),
      expect: [
        { line: 4, severity: undefined, message: /kernel\.msgmax=65536 is not in the safe set/ },
      ],
    },
    {
      name: "net.* with host networking",
      spec: spec((s) => {
        s.namespaces.network = f("host", 2);
        s.sysctls.push({ name: "net.ipv4.ip_forward", value: "1", origin: at(4) });
      }),
      expect: [{ line: 4, severity: "low", message: /runc refuses to start the container/ }],
    },
    {
      name: "slash spelling",
      spec: spec((s) =>
        s.sysctls.push({ name: "net/ipv4/tcp_syncookies", value: "1", origin: at(4) }),
      ),
      expect: [],
    },
  ],
  "DW-RES-001": [
    { name: "missing", spec: spec(), expect: [{ line: 1, message: /no memory limit/ }] },
    {
      name: "0 is unlimited",
      spec: spec((s) => (s.resources.memory = f(0, 4))),
      expect: [{ line: 4, message: /no memory limit/ }],
    },
    {
      name: "over the max",
      spec: spec((s) => (s.resources.memory = f(2048 * MiB, 4))),
      options: { max: "1g" },
      expect: [{ line: 4, message: /2g is above the policy's maximum 1g/ }],
    },
    {
      name: "within",
      spec: spec((s) => (s.resources.memory = f(512 * MiB, 4))),
      options: { max: "1g" },
      expect: [],
    },
  ],
  "DW-RES-002": [
    { name: "missing", spec: spec(), expect: [{ line: 1, message: /no CPU limit/ }] },
    { name: "--cpus", spec: spec((s) => (s.resources.nanoCpus = f(1_500_000_000, 4))), expect: [] },
    { name: "quota", spec: spec((s) => (s.resources.cpuQuota = f(50_000, 4))), expect: [] },
    {
      name: "over the max",
      spec: spec((s) => (s.resources.nanoCpus = f(4e9, 4))),
      options: { max: 2 },
      expect: [{ line: 4, message: /CPU limit 4 is above/ }],
    },
    {
      name: "shares alone are not a limit",
      spec: spec((s) => (s.resources.cpuShares = f(512, 4))),
      expect: [{ line: 1, message: /no CPU limit/ }],
    },
  ],
  "DW-RES-003": [
    { name: "missing", spec: spec(), expect: [{ line: 1, message: /no PIDs limit/ }] },
    {
      name: "-1",
      spec: spec((s) => (s.resources.pidsLimit = f(-1, 4))),
      expect: [{ line: 4, message: /PIDs limit -1 means unlimited/ }],
    },
    { name: "set", spec: spec((s) => (s.resources.pidsLimit = f(100, 4))), expect: [] },
  ],
  "DW-RES-004": [
    {
      name: "-1",
      spec: spec((s) => (s.resources.memorySwap = f(-1, 4))),
      expect: [{ line: 4, message: /without bound/ }],
    },
  ],
  "DW-RES-005": [
    {
      name: "no memory limit",
      spec: spec((s) => (s.resources.oomKillDisable = f(true, 4))),
      expect: [{ line: 4, severity: "high", message: /no memory limit/ }],
    },
    {
      name: "with a memory limit",
      spec: spec((s) => {
        s.resources.oomKillDisable = f(true, 4);
        s.resources.memory = f(MiB, 5);
      }),
      expect: [{ line: 4, severity: "medium", message: /hangs/ }],
    },
  ],
  "DW-RES-006": [
    {
      name: "set",
      spec: spec((s) => (s.cgroupParent = f("/custom", 4))),
      expect: [{ line: 4, message: /cgroup parent "\/custom"/ }],
    },
  ],
  "DW-USR-001": [
    { name: "unset", spec: spec(), expect: [{ line: 1, message: /image's user applies/ }] },
    {
      name: "0:1000",
      spec: spec((s) => (s.user = f("0:1000", 4))),
      expect: [{ line: 4, message: /"0:1000", which is root/ }],
    },
    {
      name: "root",
      spec: spec((s) => (s.user = f("root", 4))),
      expect: [{ line: 4, message: /root/ }],
    },
    { name: "10001", spec: spec((s) => (s.user = f("10001", 4))), expect: [] },
    { name: "a name", spec: spec((s) => (s.user = f("nginx", 4))), expect: [] },
  ],
  "DW-FS-001": [
    { name: "unset", spec: spec(), expect: [{ line: 1, message: /writable/ }] },
    { name: "read_only: true", spec: spec((s) => (s.readOnlyRootfs = f(true, 4))), expect: [] },
  ],
  "DW-NET-001": [
    {
      name: "all interfaces vs loopback",
      spec: spec((s) => {
        s.ports.push({
          hostIp: "",
          hostPort: "8080",
          containerPort: "80",
          protocol: "tcp",
          origin: at(4),
        });
        s.ports.push({
          hostIp: "127.0.0.1",
          hostPort: "8443",
          containerPort: "443",
          protocol: "tcp",
          origin: at(5),
        });
        s.ports.push({
          hostIp: "::",
          hostPort: "",
          containerPort: "53",
          protocol: "udp",
          origin: at(6),
        });
      }),
      expect: [
        { line: 4, message: /80\/tcp on all host interfaces \(host port 8080\)/ },
        { line: 6, message: /53\/udp on all host interfaces;/ },
      ],
    },
    {
      name: "-P",
      spec: spec((s) => (s.publishAll = f(true, 3))),
      expect: [{ line: 3, message: /every exposed port/ }],
    },
  ],
  "DW-NET-002": [
    {
      name: "host port 0 is ephemeral",
      spec: spec((s) =>
        s.ports.push({
          hostIp: "",
          hostPort: "0",
          containerPort: "80",
          protocol: "tcp",
          origin: at(4),
        }),
      ),
      expect: [],
    },
    {
      name: "below 1024",
      spec: spec((s) => {
        s.ports.push({
          hostIp: "",
          hostPort: "80",
          containerPort: "80",
          protocol: "tcp",
          origin: at(4),
        });
        s.ports.push({
          hostIp: "",
          hostPort: "8080",
          containerPort: "80",
          protocol: "tcp",
          origin: at(5),
        });
        s.ports.push({
          hostIp: "",
          hostPort: "",
          containerPort: "22",
          protocol: "tcp",
          origin: at(6),
        });
      }),
      expect: [{ line: 4, message: /privileged host port 80$/ }],
    },
  ],
  "DW-RST-001": [
    {
      name: "always",
      spec: spec((s) => (s.restart = f({ name: "always", maximumRetryCount: 0 }, 4))),
      expect: [{ line: 4, message: /"always"/ }],
    },
    {
      name: "on-failure unbounded",
      spec: spec((s) => (s.restart = f({ name: "on-failure", maximumRetryCount: 0 }, 4))),
      expect: [{ line: 4, message: /no retry limit/ }],
    },
    {
      name: "on-failure:5",
      spec: spec((s) => (s.restart = f({ name: "on-failure", maximumRetryCount: 5 }, 4))),
      expect: [],
    },
    {
      name: "no",
      spec: spec((s) => (s.restart = f({ name: "no", maximumRetryCount: 0 }, 4))),
      expect: [],
    },
  ],
};

describe.each(Object.keys(cases))("%s", (ruleId) => {
  it.each((cases[ruleId] ?? []).map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const hits = run(ruleId, c.spec, c.options);
    expect(hits.map((h) => ({ line: h.origin.line, severity: h.severity }))).toEqual(
      c.expect.map((e) => ({ line: e.line, severity: e.severity })),
    );
    c.expect.forEach((e, i) => {
      expect(hits[i]?.message).toMatch(e.message);
    });
  });
});

describe("host facts", () => {
  it("AppArmor options are not applicable on a kernel without AppArmor", () => {
    const s = spec((x) => (x.apparmor = f("unconfined", 8)));
    expect(run("DW-SEC-003", s, {}, { host: { apparmor: false } })).toEqual([
      expect.objectContaining({
        severity: "info",
        message: expect.stringMatching(/not applicable on this host/) as unknown,
      }),
    ]);
    expect(run("DW-SEC-003", s, {}, { host: { apparmor: true } })[0]?.severity).toBeUndefined();
  });

  it("a named profile on a kernel without AppArmor is reported as ignored, not as missing", () => {
    const s = spec((x) => (x.apparmor = f("web", 8)));
    expect(run("DW-SEC-003", s, {}, { host: { apparmor: false } })).toEqual([
      expect.objectContaining({
        severity: "info",
        message: expect.stringMatching(
          /apparmor=web is ignored here: the kernel has no AppArmor/,
        ) as unknown,
      }),
    ]);
    // the intended-profile check needs a kernel that applies profiles
    expect(run("DW-SEC-003", spec(), { profiles: ["web"] }, { host: { apparmor: false } })).toEqual(
      [],
    );
    expect(run("DW-SEC-003", s, {}, { host: { apparmor: true } })).toEqual([]);
  });
});

describe("the catalogue", () => {
  it("every rule has table cases, with at least one that fires", () => {
    for (const rule of containerRules) {
      const list = cases[rule.meta.id];
      expect(list, rule.meta.id).toBeDefined();
      expect(
        list?.some((c) => c.expect.length > 0),
        rule.meta.id,
      ).toBe(true);
    }
  });

  it("a hardened spec passes every rule in every preset", () => {
    for (const { meta } of containerRules) {
      expect(run(meta.id, hardened()), meta.id).toEqual([]);
    }
  });

  it("rule options reject what they do not know", () => {
    expect(findRule("DW-RES-001")?.options.safeParse({ max: "lots" }).success).toBe(false);
    expect(findRule("DW-CAP-001")?.options.safeParse({ alowed: [] }).success).toBe(false);
  });
});
