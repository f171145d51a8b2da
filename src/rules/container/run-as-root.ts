import { defineRule, noOptions } from "../define.js";

/** `root`, `0`, `0:0`, `root:root`, `0:1000`… : the user part decides. */
export function isRootUser(user: string): boolean {
  const name = user.split(":")[0]?.trim() ?? "";
  return name === "" || name === "root" || /^0+$/.test(name);
}

export const runAsRoot = defineRule({
  meta: {
    id: "DW-USR-001",
    name: "run-as-root",
    title: "Container runs as root",
    severity: "medium",
    cis: ["4.1"],
    pss: "restricted",
    presets: ["restricted", "cis"],
    remediation: {
      run: "--user 10001:10001 (a non-root uid the image's files allow)",
      compose: 'user: "10001:10001"',
    },
  },
  options: noOptions,
  check(spec) {
    const u = spec.user;
    if (u !== undefined && !isRootUser(u.value)) return [];
    return [
      {
        message:
          u === undefined
            ? "no user is set, so the image's user applies, which is root unless the image says otherwise"
            : `runs as "${u.value}", which is root: without user namespaces that is the host's uid 0`,
        origin: u?.origin ?? spec.target.origin,
      },
    ];
  },
});
