import { defineRule, noOptions } from "../define.js";

export const oomKillDisable = defineRule({
  meta: {
    id: "DW-RES-005",
    name: "oom-kill-disable",
    title: "OOM killer disabled",
    severity: "medium",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: { run: "remove --oom-kill-disable", compose: "remove `oom_kill_disable: true`" },
  },
  options: noOptions,
  check(spec) {
    const o = spec.resources.oomKillDisable;
    if (o?.value !== true) return [];
    const limited = (spec.resources.memory?.value ?? 0) > 0;
    return [
      {
        message: limited
          ? "the OOM killer is disabled: at its memory limit the container hangs instead of being killed"
          : "the OOM killer is disabled and there is no memory limit: the container can take the host's memory and the kernel will kill other processes instead",
        origin: o.origin,
        severity: limited ? "medium" : "high",
      },
    ];
  },
});
