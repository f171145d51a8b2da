import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { DockwardError } from "../errors.js";
import { parseYamlInput, readInputFile } from "../yaml-input.js";
import { allRules, findRule } from "../rules/registry.js";
import { PRESETS, type PresetName, SEVERITIES, type Severity } from "../rules/types.js";
import {
  BUILTIN_ROLES,
  type IdentityRule,
  PERMISSIONS,
  type Permission,
  type Role,
} from "../guard/roles.js";

// zod/mini ships no messages of its own ("Invalid input" for everything); the English locale
// keeps the messages a policy error quotes the same as the classic API's.
z.config(en());

/**
 * The policy file (dockward.yaml): a preset, per-rule settings and exceptions. One policy drives
 * lint, audit and guard. Every error names file:line:column and what to write instead.
 */

const isoDate = z.pipe(
  z.union([z.string(), z.date()]),
  z.transform((v: string | Date, ctx) => {
    const d = v instanceof Date ? v : new Date(`${v}T23:59:59Z`);
    if (Number.isNaN(d.getTime()) || (typeof v === "string" && !/^\d{4}-\d{2}-\d{2}$/.test(v))) {
      ctx.issues.push({
        code: "custom",
        message: `"${String(v)}" is not a date like 2027-01-31`,
        input: v,
      });
      return z.NEVER;
    }
    return v instanceof Date ? new Date(d.getTime() + 86_399_000) : d;
  }),
);

const ruleSetting = z.union([
  z.pipe(
    z.boolean(),
    z.transform((enabled: boolean) => ({ enabled, severity: undefined, options: undefined })),
  ),
  z.strictObject({
    enabled: z.optional(z.boolean()),
    severity: z.optional(z.enum(SEVERITIES)),
    options: z.optional(z.record(z.string(), z.unknown())),
  }),
]);

const exceptionSchema = z.strictObject({
  rules: z.union([z.literal("*"), z.array(z.string()).check(z.minLength(1))]),
  match: z
    .strictObject({
      image: z.optional(z.string()),
      service: z.optional(z.string()),
      container: z.optional(z.string()),
      label: z.optional(z.string()),
      file: z.optional(z.string()),
      /** a daemon, by the name audit gives it: its API socket or endpoint (unix:///var/run/docker.sock) */
      daemon: z.optional(z.string()),
    })
    .check(
      z.refine((m) => Object.values(m).some((v) => v !== undefined), {
        error: "match needs at least one of image, service, container, label, file, daemon",
      }),
    ),
  reason: z.string().check(z.trim(), z.minLength(1, "an exception needs a reason")),
  expires: z.optional(isoDate),
});

const guardSchema = z.strictObject({
  /** findings at or above this severity deny a request (default: failOn, else high) */
  denyAt: z.optional(z.enum(SEVERITIES)),
  roles: z._default(
    z.record(
      z.string(),
      z.strictObject({
        allow: z.array(z.enum(PERMISSIONS as [Permission, ...Permission[]])),
        preset: z.optional(z.enum(PRESETS)),
        enforce: z.optional(z.boolean()),
      }),
    ),
    {},
  ),
  identities: z._default(
    z.array(
      z.strictObject({
        match: z
          .strictObject({
            cn: z.optional(z.string()),
            group: z.optional(z.string()),
            listener: z.optional(z.string()),
          })
          .check(
            z.refine((m) => Object.values(m).some((v) => v !== undefined), {
              error: "match needs at least one of cn, group, listener",
            }),
          ),
        role: z.string(),
      }),
    ),
    [],
  ),
});

const policySchema = z.strictObject({
  preset: z._default(z.enum(PRESETS), "restricted"),
  failOn: z.optional(z.enum(SEVERITIES)),
  rules: z._default(z.record(z.string(), ruleSetting), {}),
  exceptions: z._default(z.array(exceptionSchema), []),
  guard: z.optional(guardSchema),
});

export interface RuleConfig {
  enabled: boolean;
  severity: Severity | undefined;
  options: unknown;
}

export interface PolicyException {
  rules: "*" | string[];
  match: {
    image?: string;
    service?: string;
    container?: string;
    label?: string;
    file?: string;
    daemon?: string;
  };
  reason: string;
  expires: Date | undefined;
  /** where it is written, for messages */
  at: string;
}

export interface GuardPolicy {
  denyAt: Severity | undefined;
  /** the built-in roles (readonly, deployer, admin) and the file's, which may redefine them */
  roles: Map<string, Role>;
  /** in order: the first match gives the role */
  identities: IdentityRule[];
  /** false when the policy file has no `guard:` section */
  configured: boolean;
}

export interface Policy {
  source: string;
  preset: PresetName;
  failOn: Severity | undefined;
  /** resolved per rule id */
  rules: Map<string, RuleConfig>;
  /** ids of the rules the file sets itself: their on/off state does not follow the preset */
  setByFile: ReadonlySet<string>;
  exceptions: PolicyException[];
  guard: GuardPolicy;
}

/**
 * The same policy judged by another preset: the preset decides which rules are on, except
 * those the file sets itself (a guard role with a preset of its own).
 */
export function withPreset(policy: Policy, preset: PresetName): Policy {
  if (preset === policy.preset) return policy;
  const rules = new Map(policy.rules);
  for (const rule of allRules) {
    const config = rules.get(rule.meta.id);
    if (config === undefined || policy.setByFile.has(rule.meta.id)) continue;
    rules.set(rule.meta.id, {
      ...config,
      enabled: (rule.meta.presets as readonly string[]).includes(preset),
    });
  }
  return { ...policy, preset, rules };
}

export function defaultPolicy(preset: PresetName = "restricted"): Policy {
  return buildPolicy(
    { preset, rules: {}, exceptions: [], guard: undefined },
    "built-in defaults",
    undefined,
  );
}

type ParsedPolicy = z.output<typeof policySchema>;

function buildPolicy(
  data: Pick<ParsedPolicy, "preset" | "rules" | "exceptions" | "guard"> & {
    failOn?: Severity | undefined;
  },
  source: string,
  locate: ((path: (string | number)[]) => string) | undefined,
): Policy {
  const where = (path: (string | number)[]): string => (locate ? locate(path) : source);
  const rules = new Map<string, RuleConfig>();
  for (const rule of allRules) {
    rules.set(rule.meta.id, {
      enabled: (rule.meta.presets as readonly string[]).includes(data.preset),
      severity: undefined,
      options: rule.options.parse({}),
    });
  }
  for (const [key, setting] of Object.entries(data.rules)) {
    const rule = findRule(key);
    if (rule === undefined) {
      throw new DockwardError("BAD_INPUT", `${where(["rules", key])}: unknown rule "${key}"`, {
        hint: "list the rules with `dockward rules`; ids look like DW-PRIV-001, names like no-privileged",
      });
    }
    const current = rules.get(rule.meta.id);
    if (current === undefined) continue;
    let options = current.options;
    if (setting.options !== undefined) {
      const parsed = rule.options.safeParse(setting.options);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const sub = issue?.path.map((p) => (typeof p === "number" ? p : String(p))) ?? [];
        let message = issue?.message ?? "invalid";
        if (issue?.code === "unrecognized_keys") {
          sub.push(issue.keys[0] ?? "");
          message = `unknown option ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
        }
        throw new DockwardError(
          "BAD_INPUT",
          `${where(["rules", key, "options", ...sub])}: ${rule.meta.id} options${sub.length > 0 ? `.${sub.join(".")}` : ""}: ${message}`,
          { hint: `see docs/rules/${rule.meta.id}.md for the options it takes` },
        );
      }
      options = parsed.data;
    }
    rules.set(rule.meta.id, {
      enabled: setting.enabled ?? true,
      severity: setting.severity ?? current.severity,
      options,
    });
  }
  const exceptions = data.exceptions.map((e, i): PolicyException => {
    if (e.rules !== "*") {
      e.rules.forEach((key, j) => {
        if (findRule(key) === undefined) {
          throw new DockwardError(
            "BAD_INPUT",
            `${where(["exceptions", i, "rules", j])}: unknown rule "${key}"`,
            {
              hint: 'name rules by id (DW-PRIV-001) or name (no-privileged), or use "*"',
            },
          );
        }
      });
    }
    const match: PolicyException["match"] = {};
    for (const [k, v] of Object.entries(e.match))
      if (v !== undefined) match[k as keyof PolicyException["match"]] = v;
    return {
      rules: e.rules === "*" ? "*" : e.rules.map((k) => findRule(k)?.meta.id ?? k),
      match,
      reason: e.reason,
      expires: e.expires,
      at: where(["exceptions", i]),
    };
  });
  return {
    source,
    preset: data.preset,
    failOn: data.failOn,
    rules,
    setByFile: new Set(Object.keys(data.rules).map((key) => findRule(key)?.meta.id ?? key)),
    exceptions,
    guard: buildGuard(data.guard, where),
  };
}

function buildGuard(
  data: ParsedPolicy["guard"],
  where: (path: (string | number)[]) => string,
): GuardPolicy {
  const roles = new Map(BUILTIN_ROLES.map((r) => [r.name, r]));
  for (const [name, r] of Object.entries(data?.roles ?? {})) {
    roles.set(name, {
      name,
      allow: new Set(r.allow),
      preset: r.preset,
      enforce: r.enforce ?? true,
    });
  }
  const identities = (data?.identities ?? []).map((entry, i): IdentityRule => {
    if (!roles.has(entry.role)) {
      throw new DockwardError(
        "BAD_INPUT",
        `${where(["guard", "identities", i, "role"])}: unknown role "${entry.role}"`,
        {
          hint: `use a built-in role (readonly, deployer, admin) or define it under guard.roles; known: ${[...roles.keys()].join(", ")}`,
        },
      );
    }
    const match: IdentityRule["match"] = {};
    if (entry.match.cn !== undefined) match.cn = entry.match.cn;
    if (entry.match.group !== undefined) match.group = entry.match.group;
    if (entry.match.listener !== undefined) match.listener = entry.match.listener;
    return { match, role: entry.role, at: where(["guard", "identities", i]) };
  });
  return { denyAt: data?.denyAt, roles, identities, configured: data !== undefined };
}

export function loadPolicy(file: string, presetOverride?: PresetName): Policy {
  const text = readInputFile(
    file,
    "policy",
    "check --policy, or run without it to use the built-in preset",
  );
  return parsePolicy(text, file, presetOverride);
}

export function parsePolicy(text: string, file: string, presetOverride?: PresetName): Policy {
  const { data, locate } = parseYamlInput(
    text,
    file,
    policySchema,
    'a policy has preset (baseline|restricted|cis), failOn, rules and exceptions; see README "Policy"',
  );
  return buildPolicy({ ...data, preset: presetOverride ?? data.preset }, file, locate);
}
