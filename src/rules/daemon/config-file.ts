import { defineDaemonRule, noOptions } from "../define.js";
import type { RuleHit } from "../types.js";
import { describeFile } from "./util.js";

export const configFilePermissions = defineDaemonRule({
  meta: {
    id: "DW-DMN-005",
    name: "config-file-permissions",
    title: "daemon.json or its directory writable by someone other than root",
    severity: "high",
    cis: ["3.5", "3.6", "3.17", "3.18"],
    pss: "none",
    presets: ["baseline", "restricted", "cis"],
    remediation: {
      daemon:
        "`chown root:root /etc/docker /etc/docker/daemon.json && chmod 755 /etc/docker && chmod 644 /etc/docker/daemon.json`",
    },
  },
  options: noOptions,
  check(spec) {
    if (spec.settings.rootless?.value === true) return [];
    const hits: RuleHit[] = [];
    for (const [what, entry, max] of [
      ["daemon.json", spec.configFile, 0o644],
      ["the directory holding daemon.json", spec.configDir, 0o755],
    ] as const) {
      const f = entry?.file;
      if (entry === undefined || f === undefined) continue;
      const problems: string[] = [];
      if (f.uid !== 0) problems.push(`owned by ${f.owner ?? `uid ${f.uid}`}`);
      if (f.gid !== 0 && (f.permissions & 0o020) !== 0)
        problems.push(`writable by group ${f.group ?? `gid ${f.gid}`}`);
      if ((f.permissions & 0o002) !== 0) problems.push("writable by every user");
      const severe = problems.length > 0;
      if (!severe && (f.permissions & ~max) !== 0)
        problems.push(`mode wider than ${max.toString(8)}`);
      if (problems.length === 0) continue;
      hits.push({
        message: `${what} ${entry.path} (${describeFile(f)}) is ${problems.join(", ")}: whoever can change it decides how the daemon runs (hosts, TLS, authorization) at its next start`,
        origin: { file: entry.path },
        ...(severe ? {} : { severity: "low" as const }),
      });
    }
    return hits;
  },
});
