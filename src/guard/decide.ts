import { isUtf8 } from "node:buffer";
import { isGoStruct, type GoValue } from "../json/decode.js";
import { escapePointerToken } from "../json/fold.js";
import { type Policy, withPreset } from "../policy/policy.js";
import { evaluate } from "../rules/evaluate.js";
import type { Finding, HostFacts, Severity } from "../rules/types.js";
import { severityRank } from "../rules/types.js";
import { cleanPath, localBindDevice } from "../spec/adapters/host-config.js";
import { emptySpec, type ContainerSpec, type Target } from "../spec/model.js";
import { type Canonical, canonicalise, type Refusal } from "./canonical/canonicalise.js";
import { createSpec } from "./canonical/create.js";
import { isOperationName, type OperationName } from "./canonical/operations.js";
import { permits, type Role, roleFor } from "./roles.js";
import { DEFAULT_DAEMON_API_VERSION } from "./routes.js";
import type { Admission, Decider, Identity, Pending, Verdict } from "./server/types.js";
import { firstValue, parseTarget, repeatedKeys, type TargetAccepted } from "./target.js";

/**
 * The guard's decision core: pure, apart from the policy and host facts it is built with. For
 * each request it finds the route exactly as dockerd would, the client's role, and — for every
 * request that can gain power over the host — the ContainerSpec the one rule set judges.
 * Anything it does not understand is denied.
 */

/** The guard's own reasons, beside the rule set's ids (docs/guard.md lists them). */
export const GUARD_RULES = {
  /** the target is not one dockerd would route the same way, or not a route at all */
  route: "DW-GRD-001",
  /** the identity has no role, or its role does not grant the route's area */
  role: "DW-GRD-002",
  /** a body that is not JSON, or is ambiguous (duplicate or case-variant keys), or the daemon would refuse */
  body: "DW-GRD-003",
  /** the guard cannot judge this request (a body it has no schema for, an upgrade it cannot read) */
  unjudgeable: "DW-GRD-004",
  /** the daemon would fetch a URL itself (remote build context, image import from a URL) */
  remote: "DW-GRD-005",
  /** `docker container update` would remove or loosen a limit */
  update: "DW-GRD-006",
  /** a request parameter the rule set judges is given twice (the daemon reads the first) */
  query: "DW-GRD-007",
} as const;

export interface DeciderOptions {
  policy: Policy;
  /** the upstream daemon's API version (its route layout, and the default version) */
  daemonApiVersion?: string;
  /** what the engine says of its host (AppArmor present …), for rules that depend on it */
  host?: HostFacts;
  /** largest JSON body buffered and judged (default 4 MiB) */
  bodyLimit?: number;
  now?: () => Date;
}

export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;

const PING = new Set(["SystemPing", "SystemPingHead"]);

function deny(rule: string, message: string, status = 403, operation?: string): Admission {
  return {
    action: "deny",
    status,
    message,
    rules: [rule],
    ...(operation !== undefined ? { operation } : {}),
  };
}

function allow(t: TargetAccepted, rules: string[] = []): Verdict {
  return { allow: true, rules, operation: t.route.id, path: t.path };
}

function denied(t: TargetAccepted, rules: string[], message: string, status = 403): Verdict {
  return { allow: false, status, rules, message, operation: t.route.id, path: t.path };
}

/** The rule-set threshold: the guard's own, else the policy's failOn, else high. */
function threshold(policy: Policy): Severity {
  return policy.guard.denyAt ?? policy.failOn ?? "high";
}

/** Findings that deny, worst first, each as `RULE: message (fix: …)`. */
function blocking(findings: readonly Finding[], at: Severity): Finding[] {
  const rank = severityRank(at);
  return findings
    .filter((f) => f.suppressed === undefined && severityRank(f.severity) >= rank)
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
}

function describeFindings(findings: readonly Finding[]): string {
  return findings
    .map((f) => {
      const fix = "run" in f.remediation ? f.remediation.run : "";
      const where =
        f.target.pointer !== undefined && f.target.pointer !== "" ? ` at ${f.target.pointer}` : "";
      // one finding: its id is already in "denied by RULE"
      const id = findings.length > 1 ? `${f.ruleId} ` : "";
      return `${id}${f.message}${where}${fix !== "" ? ` (fix: ${fix})` : ""}`;
    })
    .join("; ");
}

/** The canonicaliser's messages already say where (pointer, line and column). */
function refusal(t: TargetAccepted, r: Refusal): Verdict {
  return denied(t, [GUARD_RULES.body], r.message, r.status);
}

function field(v: GoValue | undefined, name: string): GoValue | undefined {
  return isGoStruct(v) ? v[name] : undefined;
}

function text(v: GoValue | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function int(v: GoValue | undefined): bigint | undefined {
  return typeof v === "bigint" ? v : undefined;
}

function stringMap(v: GoValue | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (v instanceof Map) for (const [k, x] of v) if (typeof x === "string") out[k] = x;
  return out;
}

/** The host path a `local` driver with `o=bind` options mounts (`pointer`: where the options are). */
function bindDevice(
  driver: string,
  options: GoValue | undefined,
  pointer: string,
): string | undefined {
  const opts = stringMap(options);
  return localBindDevice({
    Name: { value: driver, pointer },
    Options: {
      value: Object.entries(opts).map(([key, value]) => ({
        key,
        value,
        pointer: `${pointer}/${escapePointerToken(key)}`,
      })),
      pointer,
    },
  });
}

/** The state one decider works with: the policy per role, and the request's facts. */
class Core implements Decider {
  private readonly policies = new Map<string, Policy>();

  constructor(private readonly options: DeciderOptions) {}

  private get policy(): Policy {
    return this.options.policy;
  }

  /** The policy a role's requests are judged by: its own preset over the file's settings. */
  private policyFor(role: Role): Policy {
    if (role.preset === undefined || role.preset === this.policy.preset) return this.policy;
    const cached = this.policies.get(role.preset);
    if (cached !== undefined) return cached;
    const variant = withPreset(this.policy, role.preset);
    this.policies.set(role.preset, variant);
    return variant;
  }

  private role(id: Identity): Role | undefined {
    const g = this.policy.guard;
    // without a guard section, every authenticated client is a deployer judged by the preset
    if (!g.configured) return g.roles.get("deployer");
    return roleFor(id, g.identities, g.roles);
  }

  admit(p: Pending): Admission {
    const t = parseTarget(p.method, p.rawTarget, {
      contentType: p.headers["content-type"],
      daemonApiVersion: this.options.daemonApiVersion ?? DEFAULT_DAEMON_API_VERSION,
    });
    if (!t.ok) return deny(GUARD_RULES.route, t.reason, t.status);
    const op = t.route.id;
    // version negotiation: the CLI pings before anything else, and a refused ping breaks it
    if (PING.has(op)) return { action: "stream", verdict: allow(t) };

    const role = this.role(p.identity);
    if (role === undefined) {
      return deny(
        GUARD_RULES.role,
        `${p.identity.kind === "tls" ? `certificate CN=${p.identity.name}` : `unix listener ${p.identity.listener}`} has no role in the guard policy (add it under guard.identities)`,
        403,
        op,
      );
    }
    if (!permits(role, t.route)) {
      return deny(
        GUARD_RULES.role,
        `role ${role.name} may not use ${op} (${t.route.area}); grant the area "${t.route.area}" to the role in guard.roles`,
        403,
        op,
      );
    }
    if (p.upgrade !== undefined && !t.route.hijack) {
      return deny(
        GUARD_RULES.unjudgeable,
        `${op} is not a route that takes over the connection`,
        400,
        op,
      );
    }
    const judge = new Judge(t, role, this.policyFor(role), this.options);
    return judge.admission(p);
  }
}

/** One request under one role. */
class Judge {
  constructor(
    private readonly t: TargetAccepted,
    private readonly role: Role,
    private readonly policy: Policy,
    private readonly options: DeciderOptions,
  ) {}

  private get limit(): number {
    return this.options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  }

  admission(p: Pending): Admission {
    const t = this.t;
    const op = t.route.id;
    const queryVerdict = this.judgeQuery();
    if (queryVerdict !== undefined) return { action: "stream", verdict: queryVerdict };

    if (t.route.body === "json") {
      if (!isOperationName(op)) {
        if (this.role.allow.has("*") && !this.role.enforce) {
          return { action: "buffer", limit: this.limit, judge: () => allow(t) };
        }
        // a JSON body the guard has no schema for cannot be judged: fail closed
        return deny(
          GUARD_RULES.unjudgeable,
          `dockward cannot read the body of ${op}, so it does not forward it`,
          403,
          op,
        );
      }
      return {
        action: "buffer",
        limit: this.limit,
        judge: (body) => this.judgeBody(op, body),
      };
    }
    if (t.route.body === "none" && hasBody(p)) {
      return {
        action: "buffer",
        limit: 64 * 1024,
        judge: (body) =>
          body.length === 0
            ? allow(t)
            : denied(t, [GUARD_RULES.body], `${op} takes no request body`, 400),
      };
    }
    return { action: "stream", verdict: allow(t) };
  }

  /** Query parameters the daemon acts on that the rule set judges. */
  private judgeQuery(): Verdict | undefined {
    const t = this.t;
    const q = t.query;
    const repeated = repeatedKeys(q);
    if (repeated.length > 0 && (t.route.id === "ImageBuild" || t.route.id === "ImageCreate")) {
      return denied(
        t,
        [GUARD_RULES.query],
        `query parameter ${repeated.join(", ")} given more than once; the daemon reads only the first`,
        400,
      );
    }
    if (t.route.id === "ImageBuild") {
      const remote = firstValue(q, "remote");
      if (remote !== "") {
        return denied(
          t,
          [GUARD_RULES.remote],
          `a build from remote=${remote} makes the daemon fetch a URL itself; send the build context from the client instead`,
        );
      }
      const spec = this.specOf("docker build");
      const network = firstValue(q, "networkmode");
      if (network !== "") {
        spec.namespaces.network = { value: network, origin: { pointer: "?networkmode" } };
      }
      return this.verdictFor(spec, ["?networkmode"]);
    }
    if (t.route.id === "ImageCreate") {
      const src = firstValue(q, "fromSrc");
      if (src !== "" && src !== "-") {
        return denied(
          t,
          [GUARD_RULES.remote],
          `an image import from fromSrc=${src} makes the daemon fetch a URL itself; import from the client (fromSrc=-)`,
        );
      }
    }
    return undefined;
  }

  private specOf(name: string): ContainerSpec {
    const target: Target = {
      kind: "request",
      name,
      origin: { pointer: "" },
      image: undefined,
      labels: {},
    };
    return emptySpec(target);
  }

  /**
   * Judge a spec with the rule set. `only`: judge only findings about these places (a request
   * that sets a few fields, such as exec or update, must not be denied for what it leaves
   * unset — that was judged when the container was created).
   */
  private verdictFor(spec: ContainerSpec, only?: readonly string[]): Verdict {
    const t = this.t;
    const now = this.options.now?.() ?? new Date();
    const { findings } = evaluate([spec], this.policy, { now, host: this.options.host });
    const relevant =
      only === undefined
        ? findings
        : findings.filter((f) =>
            only.some(
              (p) => f.target.pointer === p || f.target.pointer?.startsWith(`${p}/`) === true,
            ),
          );
    const worst = blocking(relevant, threshold(this.policy));
    const ids = [...new Set(relevant.map((f) => f.ruleId))];
    if (worst.length === 0 || !this.role.enforce) return allow(t, ids);
    return denied(t, [...new Set(worst.map((f) => f.ruleId))], describeFindings(worst));
  }

  private judgeBody(op: OperationName, body: Buffer): Verdict {
    const t = this.t;
    const c = canonicalise(op, body.toString("utf8"));
    if (!c.ok) return refusal(t, c);
    if (!isUtf8(body)) {
      return denied(t, [GUARD_RULES.body], "the body is not valid UTF-8", 400);
    }
    const verdict = this.judgeCanonical(op, c);
    if (!verdict.allow) return verdict;
    return { ...verdict, body: c.body };
  }

  private judgeCanonical(op: OperationName, c: Canonical): Verdict {
    const t = this.t;
    switch (op) {
      case "ContainerCreate": {
        const name = firstValue(t.query, "name");
        const r = createSpec(c.value, {
          ...(name !== "" ? { name } : {}),
          apiVersion: t.version,
          locate: c.locate,
        });
        if (!r.ok) return refusal(t, r);
        return this.verdictFor(r.spec);
      }
      case "ContainerStart":
        // the daemon refuses a start body from API 1.24 on, and the guard refuses older APIs
        return c.value === null || (isGoStruct(c.value) && Object.keys(c.value).length === 0)
          ? allow(t)
          : denied(
              t,
              [GUARD_RULES.body],
              "a start request with a HostConfig body (API < 1.24) would change the container after it was judged; set the options at create",
              400,
            );
      case "ContainerExec":
        return this.judgeExec(c.value);
      case "ContainerUpdate":
        return this.judgeUpdate(c.value);
      case "VolumeCreate":
        return this.judgeVolume(c.value);
      case "ServiceCreate":
      case "ServiceUpdate":
        return this.judgeService(c.value);
      case "ImageCommit": {
        // commit's wrapper may carry a HostConfig; only its Config becomes the image's
        return allow(t);
      }
      default:
        return allow(t);
    }
  }

  private judgeExec(v: GoValue): Verdict {
    const spec = this.specOf("exec create");
    const places: string[] = [];
    if (field(v, "Privileged") === true) {
      spec.privileged = { value: true, origin: { pointer: "/Privileged" } };
      places.push("/Privileged");
    }
    const user = text(field(v, "User"));
    if (user !== undefined && user !== "") {
      spec.user = { value: user, origin: { pointer: "/User" } };
      places.push("/User");
    }
    return this.verdictFor(spec, places);
  }

  /**
   * An update changes limits after create. Zero means "unchanged" for most fields; what an
   * update may never do is make a limit unlimited: PidsLimit 0 or -1, CpuQuota -1, MemorySwap -1
   * (when memory is limited). Set values are judged by the same resource rules as a create.
   */
  private judgeUpdate(v: GoValue): Verdict {
    const t = this.t;
    const removing: string[] = [];
    const pids = int(field(v, "PidsLimit"));
    if (pids !== undefined && pids <= 0n)
      removing.push(`PidsLimit ${pids.toString()} (unlimited processes)`);
    if (int(field(v, "CpuQuota")) === -1n) removing.push("CpuQuota -1 (unlimited CPU)");
    if (int(field(v, "MemorySwap")) === -1n) removing.push("MemorySwap -1 (unlimited swap)");
    if (int(field(v, "Memory")) === -1n) removing.push("Memory -1 (unlimited memory)");
    if (removing.length > 0 && this.role.enforce) {
      return denied(
        t,
        [GUARD_RULES.update],
        `the update would remove a limit: ${removing.join(", ")}; give a positive limit instead`,
      );
    }
    // a role that is not enforced is let through, and the removal is still on the record
    const noted = removing.length > 0 ? [GUARD_RULES.update] : [];
    const spec = this.specOf("container update");
    const set: string[] = [];
    const memory = int(field(v, "Memory"));
    if (memory !== undefined && memory > 0n) {
      spec.resources.memory = { value: Number(memory), origin: { pointer: "/Memory" } };
      set.push("/Memory");
    }
    const nano = int(field(v, "NanoCpus"));
    if (nano !== undefined && nano > 0n) {
      spec.resources.nanoCpus = { value: Number(nano), origin: { pointer: "/NanoCpus" } };
      set.push("/NanoCpus");
    }
    if (pids !== undefined && pids > 0n) {
      spec.resources.pidsLimit = { value: Number(pids), origin: { pointer: "/PidsLimit" } };
      set.push("/PidsLimit");
    }
    const verdict = set.length === 0 ? allow(t) : this.verdictFor(spec, set);
    return verdict.allow ? { ...verdict, rules: [...noted, ...verdict.rules] } : verdict;
  }

  /** A `local` volume with `o=bind` mounts a host path: judged like a bind mount. */
  private judgeVolume(v: GoValue): Verdict {
    const t = this.t;
    const hostPath = bindDevice(
      text(field(v, "Driver")) ?? "",
      field(v, "DriverOpts"),
      "/DriverOpts",
    );
    if (hostPath === undefined) return allow(t);
    const spec = this.specOf(`volume ${text(field(v, "Name")) ?? ""}`.trim());
    spec.mounts.push({
      type: "volume",
      source: text(field(v, "Name")),
      hostPath: cleanPath(hostPath),
      target: "/volume",
      readOnly: false,
      origin: { pointer: "/DriverOpts/device" },
    });
    return this.verdictFor(spec, ["/DriverOpts"]);
  }

  /**
   * A service's task containers: the fields that gain host power are judged as a create would
   * be (binds and local-bind volumes, added capabilities, sysctls, seccomp and AppArmor turned
   * off); what the guard does not map is listed in the docs.
   */
  private judgeService(v: GoValue): Verdict {
    const cs = field(field(v, "TaskTemplate"), "ContainerSpec");
    const spec = this.specOf(`service ${text(field(v, "Name")) ?? ""}`.trim());
    const places: string[] = [];
    const base = "/TaskTemplate/ContainerSpec";
    const caps = field(cs, "CapabilityAdd");
    if (Array.isArray(caps)) {
      caps.forEach((c, i) => {
        if (typeof c === "string") {
          spec.capAdd.push({
            value: c.toUpperCase().replace(/^CAP_/, ""),
            origin: { pointer: `${base}/CapabilityAdd/${String(i)}` },
          });
        }
      });
      places.push(`${base}/CapabilityAdd`);
    }
    const mounts = field(cs, "Mounts");
    if (Array.isArray(mounts)) {
      mounts.forEach((m, i) => {
        const type = text(field(m, "Type"));
        const source = text(field(m, "Source"));
        const at = `${base}/Mounts/${String(i)}`;
        if (type === "bind" && source !== undefined && source !== "") {
          spec.mounts.push({
            type: "bind",
            source,
            hostPath: cleanPath(source),
            target: text(field(m, "Target")) ?? "/",
            readOnly: field(m, "ReadOnly") === true,
            origin: { pointer: at },
          });
        }
        // an inline volume of the local driver with bind options: each node creates it, a bind
        if (type === "volume") {
          const driver = field(field(m, "VolumeOptions"), "DriverConfig");
          const hostPath = bindDevice(
            text(field(driver, "Name")) ?? "",
            field(driver, "Options"),
            `${at}/VolumeOptions/DriverConfig/Options`,
          );
          if (hostPath !== undefined) {
            spec.mounts.push({
              type: "volume",
              source,
              hostPath,
              target: text(field(m, "Target")) ?? "/",
              readOnly: field(m, "ReadOnly") === true,
              origin: { pointer: at },
            });
          }
        }
      });
      places.push(`${base}/Mounts`);
    }
    // API 1.44+: a task's seccomp and AppArmor modes
    const privileges = field(cs, "Privileges");
    const seccomp = text(field(field(privileges, "Seccomp"), "Mode"));
    if (seccomp === "unconfined") {
      spec.seccomp = {
        value: { kind: "unconfined" },
        origin: { pointer: `${base}/Privileges/Seccomp/Mode` },
      };
    }
    const apparmor = text(field(field(privileges, "AppArmor"), "Mode"));
    if (apparmor === "disabled") {
      spec.apparmor = {
        value: "unconfined",
        origin: { pointer: `${base}/Privileges/AppArmor/Mode` },
      };
    }
    places.push(`${base}/Privileges`);
    for (const [name, value] of Object.entries(stringMap(field(cs, "Sysctls")))) {
      spec.sysctls.push({
        name,
        value,
        origin: { pointer: `${base}/Sysctls/${escapePointerToken(name)}` },
      });
    }
    places.push(`${base}/Sysctls`);
    return this.verdictFor(spec, places);
  }
}

/** A request carries a body when it says so: a non-zero length, or a transfer coding. */
function hasBody(p: Pending): boolean {
  const len = p.headers["content-length"];
  if (len !== undefined && len !== "0") return true;
  return p.headers["transfer-encoding"] !== undefined;
}

export function createDecider(options: DeciderOptions): Decider {
  return new Core(options);
}
