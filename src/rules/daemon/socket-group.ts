import * as z from "zod/mini";
import { defineDaemonRule } from "../define.js";
import type { RuleHit } from "../types.js";

export const socketGroup = defineDaemonRule({
  meta: {
    id: "DW-DMN-004",
    name: "socket-group-members",
    title: "Users in the Docker socket's group are root-equivalent",
    severity: "low",
    cis: ["1.1.2"],
    pss: "none",
    presets: ["restricted", "cis"],
    remediation: {
      daemon:
        "keep the socket's group to the people who administer the host (`gpasswd -d USER docker`); list reviewed members under this rule's `trusted` option",
    },
  },
  options: z.strictObject({ trusted: z._default(z.array(z.string()), []) }),
  check(spec, options) {
    const trusted = new Set(["root", ...options.trusted]);
    return spec.unix.flatMap((s): RuleHit[] => {
      if (s.file === undefined || s.groupMembers === undefined) return [];
      if ((s.file.permissions & 0o060) === 0 || s.file.gid === 0) return [];
      const members = s.groupMembers.filter((m) => !trusted.has(m));
      if (members.length === 0) return [];
      return [
        {
          message: `group ${s.file.group ?? `gid ${s.file.gid}`} may use unix://${s.path}, and its members (${members.join(", ")}) are therefore root on this host: review them, and list the ones you accept as trusted`,
          origin: s.origin,
        },
      ];
    });
  },
});
