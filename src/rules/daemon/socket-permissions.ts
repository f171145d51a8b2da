import { defineDaemonRule, noOptions } from "../define.js";
import type { RuleHit } from "../types.js";
import { describeFile, octal } from "./util.js";

export const socketPermissions = defineDaemonRule({
  meta: {
    id: "DW-DMN-003",
    name: "socket-permissions",
    title: "Docker socket ownership or permissions too open",
    severity: "high",
    cis: ["3.15", "3.16"],
    pss: "none",
    presets: ["baseline", "restricted", "cis"],
    remediation: {
      daemon:
        '`chown root:docker /var/run/docker.sock && chmod 660 /var/run/docker.sock`; for a lasting fix set the group with `--group` / `"group"` and never chmod the socket wider',
    },
  },
  options: noOptions,
  check(spec) {
    const rootless = spec.settings.rootless?.value === true;
    return spec.unix.flatMap((s): RuleHit[] => {
      const f = s.file;
      if (f === undefined) return [];
      const hits: RuleHit[] = [];
      const where = `unix://${s.path} (${describeFile(f)})`;
      // connect(2) on a unix socket needs write permission: world-writable is world-root
      if ((f.permissions & 0o002) !== 0) {
        hits.push({
          message: `${where} can be written by every local user: any of them, and any container that mounts it, is root on this host`,
          origin: s.origin,
          severity: "critical",
        });
      } else if ((f.permissions & ~0o660) !== 0) {
        hits.push({
          message: `${where} has mode ${octal(f.permissions)}: 0660 or stricter is enough for the daemon's group`,
          origin: s.origin,
          severity: "medium",
        });
      }
      if (!rootless && f.uid !== 0) {
        hits.push({
          message: `${where} is owned by ${f.owner ?? `uid ${f.uid}`}, not root: that user controls the daemon`,
          origin: s.origin,
        });
      }
      if (!rootless && f.gid !== 0 && f.group !== "docker" && (f.permissions & 0o060) !== 0) {
        hits.push({
          message: `${where} gives group ${f.group ?? `gid ${f.gid}`} access: every member is root-equivalent; the daemon's group should be docker (or root)`,
          origin: s.origin,
          severity: "medium",
        });
      }
      return hits;
    });
  },
});
