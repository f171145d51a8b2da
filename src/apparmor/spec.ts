import * as z from "zod/mini";
import { canonicalCapability, isKnownCapability } from "../spec/capabilities.js";
import { parseYamlInput, readInputFile } from "../yaml-input.js";

/**
 * The AppArmor spec: a readable YAML description of what a container may touch, from which
 * `dockward apparmor generate` writes a profile. Every value is checked here, with errors at
 * file:line:column, so the profile text never carries something the parser would choke on.
 *
 * @example
 * name: web
 * filesystem:
 *   readonly: [/usr/**, /etc/nginx/**]
 *   writable: [/var/cache/nginx/**, /run/nginx.pid]
 *   deny: [/etc/shadow]
 * executables: { allow: [/usr/sbin/nginx] }
 * capabilities: { allow: [NET_BIND_SERVICE, SETUID, SETGID] }
 * network: { allow: [inet stream, inet6 stream] }
 */

/** A profile name apparmor_parser takes without quoting, and that `--security-opt apparmor=` can carry. */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * An absolute path or AppArmor glob (`*`, `**`, `?`, `[...]`, `{a,b}`). Quotes, commas outside
 * braces, whitespace and control characters would end the rule early: refused.
 */
function pathProblem(path: string): string | undefined {
  if (!path.startsWith("/")) return `"${path}" is not an absolute path (it must start with /)`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\s"\\#\0-\x1f]/.test(path))
    return `"${path}" has whitespace, a quote, a backslash or # (not allowed in a profile path here)`;
  if (path.includes("@{"))
    return `"${path}" uses an AppArmor variable (@{...}): write the path out`;
  if (path.includes("{}")) return `"${path}" has an empty {} alternation`;
  let depth = 0;
  let inClass = false;
  for (const c of path) {
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") inClass = true;
    else if (c === "]") return `"${path}" has a ] without a [`;
    else if (c === "{") depth += 1;
    else if (c === "}") depth -= 1;
    else if (c === "," && depth === 0) return `"${path}" has a comma outside {alternatives}`;
    if (depth < 0) return `"${path}" has an unbalanced }`;
  }
  if (inClass) return `"${path}" has an unclosed [`;
  if (depth !== 0) return `"${path}" has an unbalanced {`;
  if (/\/\.\.?(\/|$)/.test(path))
    return `"${path}" has a . or .. segment (AppArmor matches literal paths)`;
  return undefined;
}

const path = z.string().check(
  z.superRefine((value, ctx) => {
    const problem = pathProblem(value);
    if (problem !== undefined) ctx.issues.push({ code: "custom", message: problem, input: value });
  }),
);
const paths = z._default(z.array(path), []);

const capability = z.pipe(
  z.string(),
  z.transform((value: string, ctx) => {
    const canonical = canonicalCapability(value);
    if (!isKnownCapability(canonical) || canonical === "ALL") {
      ctx.issues.push({
        code: "custom",
        message: `"${value}" is not a Linux capability (e.g. NET_BIND_SERVICE, CHOWN)`,
        input: value,
      });
      return z.NEVER;
    }
    return canonical;
  }),
);

export const NETWORK_DOMAINS = ["inet", "inet6", "unix", "netlink", "packet"] as const;
export const NETWORK_TYPES = ["stream", "dgram", "seqpacket", "raw", "rdm", "packet"] as const;
export const NETWORK_PROTOCOLS = ["tcp", "udp", "icmp"] as const;

/** "inet", "inet stream", "inet6 tcp", "unix dgram" → [domain, type or protocol] */
const networkRule = z.pipe(
  z.string(),
  z.transform((value: string, ctx) => {
    const words = value.trim().split(/\s+/);
    const [domain, kind, ...rest] = words;
    const okDomain = (NETWORK_DOMAINS as readonly string[]).includes(domain ?? "");
    const okKind =
      kind === undefined ||
      (NETWORK_TYPES as readonly string[]).includes(kind) ||
      (NETWORK_PROTOCOLS as readonly string[]).includes(kind);
    if (!okDomain || !okKind || rest.length > 0) {
      ctx.issues.push({
        code: "custom",
        message: `"${value}" is not DOMAIN [TYPE]: DOMAIN one of ${NETWORK_DOMAINS.join(", ")}; TYPE one of ${[...NETWORK_TYPES, ...NETWORK_PROTOCOLS].join(", ")}`,
        input: value,
      });
      return z.NEVER;
    }
    return kind === undefined ? (domain ?? "") : `${domain ?? ""} ${kind}`;
  }),
);

export const apparmorSpecSchema = z.strictObject({
  name: z.string().check(
    z.regex(PROFILE_NAME, {
      error:
        "a profile name is letters, digits, '.', '_' and '-', starting with a letter or digit (at most 128)",
    }),
  ),
  filesystem: z._default(
    z.strictObject({
      /** allow every file access, as Docker's default profile does; the lists below still apply */
      allowAll: z._default(z.boolean(), false),
      readonly: paths,
      writable: paths,
      deny: paths,
      /** allowed read, and logged (AppArmor `audit`) */
      log: paths,
    }),
    { allowAll: false, readonly: [], writable: [], deny: [], log: [] },
  ),
  executables: z._default(z.strictObject({ allow: paths, deny: paths }), { allow: [], deny: [] }),
  capabilities: z._default(
    z.strictObject({
      /** leave capabilities to Docker's own set (--cap-add/--cap-drop), as its default profile does */
      allowAll: z._default(z.boolean(), false),
      allow: z._default(z.array(capability), []),
    }),
    { allowAll: false, allow: [] },
  ),
  network: z._default(
    z.strictObject({
      allow: z._default(z.array(networkRule), []),
      /** raw and packet sockets (ping, sniffers): denied unless true */
      raw: z._default(z.boolean(), false),
    }),
    { allow: [], raw: false },
  ),
  mounts: z._default(z.strictObject({ deny: z._default(z.boolean(), true) }), { deny: true }),
  /** who processes under the profile may trace / be traced by, and signal */
  ptrace: z._default(z.enum(["none", "profile"]), "profile"),
  signal: z._default(z.enum(["profile", "all"]), "profile"),
  /** Docker's usual protections: no writes to /proc/sys, /sys, /proc/sysrq-trigger, ... */
  kernelProtections: z._default(z.boolean(), true),
});

export type AppArmorSpec = z.output<typeof apparmorSpecSchema>;

const HINT =
  "an AppArmor spec has name, filesystem {allowAll, readonly, writable, deny, log}, executables {allow, deny}, capabilities {allowAll, allow}, network {allow, raw}, mounts {deny}, ptrace, signal, kernelProtections; see docs/apparmor.md";

export function parseAppArmorSpec(text: string, file: string): AppArmorSpec {
  return parseYamlInput(text, file, apparmorSpecSchema, HINT).data;
}

export function loadAppArmorSpec(file: string): AppArmorSpec {
  const text = readInputFile(
    file,
    "AppArmor spec",
    "give the path of a YAML spec, e.g. dockward apparmor generate web.yaml",
  );
  return parseAppArmorSpec(text, file);
}
