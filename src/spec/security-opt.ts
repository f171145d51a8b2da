import type { ContainerSpec, Field, SeccompSetting } from "./model.js";

/**
 * Apply `--security-opt` / `security_opt` / HostConfig.SecurityOpt entries the way the daemon
 * reads them (moby daemon/container.go parseSecurityOpt): `no-new-privileges` alone means true;
 * `=` and (deprecated) `:` both separate key and value; the LAST entry for a key wins.
 * `systempaths=unconfined` is the CLI's and compose's spelling for empty MaskedPaths and
 * ReadonlyPaths. Returns the entries the daemon would refuse, so the adapter can report them.
 */

const TRUE = new Set(["1", "t", "T", "true", "TRUE", "True"]);
const FALSE = new Set(["0", "f", "F", "false", "FALSE", "False"]);

export interface SecurityOptProblem {
  entry: Field<string>;
  reason: string;
}

export function splitSecurityOpt(opt: string): [string, string] | undefined {
  const eq = opt.indexOf("=");
  const colon = opt.indexOf(":");
  const at = eq !== -1 ? eq : colon;
  if (at === -1) return undefined;
  return [opt.slice(0, at), opt.slice(at + 1)];
}

/**
 * `seccomp=` values: `unconfined`, an inline JSON profile (the CLI inlines files; a request
 * carries JSON), or — from run argv and compose — a file path, left for the caller to read.
 */
export function seccompSetting(value: string): SeccompSetting {
  if (value === "unconfined") return { kind: "unconfined" };
  if (value === "builtin" || value === "") return { kind: "default" };
  const trimmed = value.trimStart();
  if (trimmed.startsWith("{")) {
    try {
      return { kind: "profile", json: JSON.parse(trimmed) as unknown };
    } catch {
      return { kind: "profile", json: undefined };
    }
  }
  return { kind: "file", path: value };
}

export function applySecurityOpts(
  spec: ContainerSpec,
  entries: readonly Field<string>[],
): SecurityOptProblem[] {
  const problems: SecurityOptProblem[] = [];
  for (const entry of entries) {
    spec.securityOpt.push(entry);
    const opt = entry.value;
    if (opt === "no-new-privileges") {
      spec.noNewPrivileges = { value: true, origin: entry.origin };
      continue;
    }
    if (opt === "disable") continue; // label=disable, old spelling
    const kv = splitSecurityOpt(opt);
    if (kv === undefined) {
      problems.push({ entry, reason: `"${opt}" is not KEY=VALUE` });
      continue;
    }
    const [key, value] = kv;
    switch (key) {
      case "seccomp":
        spec.seccomp = { value: seccompSetting(value), origin: entry.origin };
        break;
      case "apparmor":
        spec.apparmor = { value, origin: entry.origin };
        break;
      case "no-new-privileges":
        if (TRUE.has(value)) spec.noNewPrivileges = { value: true, origin: entry.origin };
        else if (FALSE.has(value)) spec.noNewPrivileges = { value: false, origin: entry.origin };
        else
          problems.push({ entry, reason: `no-new-privileges takes true or false, not "${value}"` });
        break;
      case "systempaths":
        // the CLI and compose only recognise the `=` spelling; `systempaths:unconfined` reaches
        // the daemon, which refuses it
        if (value === "unconfined" && opt.startsWith("systempaths="))
          spec.systemPathsUnconfined = { value: true, origin: entry.origin };
        else
          problems.push({ entry, reason: `systempaths takes only "unconfined", not "${value}"` });
        break;
      case "label":
        break;
      default:
        problems.push({ entry, reason: `unknown security option "${key}"` });
    }
  }
  return problems;
}
