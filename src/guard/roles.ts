import type { PresetName } from "../rules/types.js";
import type { Identity } from "./server/types.js";

/**
 * Who may do what through the guard. An identity (a client certificate's CN and O/OU, or the
 * unix listener a client connected to) is mapped to ONE role by the first matching entry of the
 * policy's `guard.identities`; a role names the API areas it may use and the preset its
 * requests are judged by. An identity that matches nothing gets no role, and every request
 * but `/_ping` is denied.
 */

/** The API areas of the routing table, plus `read`: every read-only route of the everyday areas. */
export const AREAS = [
  "containers",
  "images",
  "networks",
  "volumes",
  "exec",
  "system",
  "build",
  "plugins",
  "swarm",
  "services",
  "nodes",
  "tasks",
  "secrets",
  "configs",
  "session",
  "distribution",
] as const;
export type Area = (typeof AREAS)[number];
export type Permission = Area | "read" | "*";
export const PERMISSIONS: readonly Permission[] = ["read", "*", ...AREAS];

/**
 * `read` covers looking, not taking: container file reads (`GET /containers/{id}/archive`,
 * `export`) and image exports hand out content, so they need the `containers`/`images` area.
 */
const READ_AREAS: ReadonlySet<string> = new Set([
  "containers",
  "images",
  "networks",
  "volumes",
  "exec",
  "system",
  "distribution",
]);
const READ_EXCLUDED: ReadonlySet<string> = new Set([
  "ContainerArchive",
  "ContainerArchiveInfo",
  "ContainerExport",
  "ImageGet",
  "ImageGetAll",
]);

export interface Role {
  name: string;
  allow: ReadonlySet<Permission>;
  /** the preset its requests are judged by (the policy's own when unset) */
  preset: PresetName | undefined;
  /** false: findings are logged, never enforced (an audited admin) */
  enforce: boolean;
}

export const BUILTIN_ROLES: readonly Role[] = [
  { name: "readonly", allow: new Set<Permission>(["read"]), preset: undefined, enforce: true },
  {
    name: "deployer",
    allow: new Set<Permission>([
      "read",
      "containers",
      "exec",
      "images",
      "networks",
      "volumes",
      "build",
    ]),
    preset: undefined,
    enforce: true,
  },
  { name: "admin", allow: new Set<Permission>(["*"]), preset: undefined, enforce: false },
];

export interface IdentityMatch {
  /** certificate subject CN, exactly */
  cn?: string;
  /** any O or OU value of the certificate */
  group?: string;
  /** the name of the unix listener the client connected to */
  listener?: string;
}

export interface IdentityRule {
  match: IdentityMatch;
  role: string;
  /** where it is written, for messages */
  at: string;
}

export type { Identity };

/** Every given field of a match must hold; an entry with no fields matches nothing. */
function matches(m: IdentityMatch, id: Identity): boolean {
  const checks: boolean[] = [];
  if (m.cn !== undefined) checks.push(id.kind === "tls" && id.name === m.cn);
  if (m.group !== undefined) checks.push(id.kind === "tls" && id.groups.includes(m.group));
  if (m.listener !== undefined) checks.push(id.listener === m.listener);
  return checks.length > 0 && checks.every(Boolean);
}

export function roleFor(
  id: Identity,
  rules: readonly IdentityRule[],
  roles: ReadonlyMap<string, Role>,
): Role | undefined {
  const hit = rules.find((r) => matches(r.match, id));
  return hit === undefined ? undefined : roles.get(hit.role);
}

export interface RouteFacts {
  id: string;
  area: string;
  readOnly: boolean;
}

/** May this role use this route at all? (Whether the request is safe is the rule set's call.) */
export function permits(role: Role, route: RouteFacts): boolean {
  if (role.allow.has("*")) return true;
  if (role.allow.has(route.area as Area)) return true;
  return (
    role.allow.has("read") &&
    route.readOnly &&
    READ_AREAS.has(route.area) &&
    !READ_EXCLUDED.has(route.id)
  );
}
