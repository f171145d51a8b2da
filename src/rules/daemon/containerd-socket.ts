import { defineDaemonRule, noOptions } from "../define.js";
import { describeFile } from "./util.js";

export const containerdSocket = defineDaemonRule({
  meta: {
    id: "DW-DMN-006",
    name: "containerd-socket",
    title: "containerd socket not root:root 0660 or stricter",
    severity: "high",
    cis: ["3.23", "3.24"],
    pss: "none",
    presets: ["baseline", "restricted", "cis"],
    remediation: {
      daemon:
        "`chown root:root /run/containerd/containerd.sock && chmod 660 /run/containerd/containerd.sock`",
    },
  },
  options: noOptions,
  check(spec) {
    const s = spec.containerdSocket;
    const f = s?.file;
    if (s === undefined || f === undefined || spec.settings.rootless?.value === true) return [];
    const problems: string[] = [];
    if (f.uid !== 0) problems.push(`owned by ${f.owner ?? `uid ${f.uid}`}`);
    if (f.gid !== 0 && (f.permissions & 0o060) !== 0)
      problems.push(`open to group ${f.group ?? `gid ${f.gid}`}`);
    if ((f.permissions & 0o007) !== 0) problems.push("open to every user");
    if (problems.length === 0 && (f.permissions & ~0o660) !== 0)
      problems.push("mode wider than 0660");
    if (problems.length === 0) return [];
    return [
      {
        message: `containerd's socket ${s.path} (${describeFile(f)}) is ${problems.join(", ")}: containerd runs containers below Docker, with no Docker authorization in the way`,
        origin: s.origin,
      },
    ];
  },
});
