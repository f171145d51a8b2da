import { defineRule, noOptions } from "../define.js";

export const cgroupParent = defineRule({
  meta: {
    id: "DW-RES-006",
    name: "cgroup-parent",
    title: "Custom cgroup parent",
    severity: "medium",
    cis: ["5.24"],
    pss: "none",
    presets: ["restricted", "cis"],
    remediation: {
      run: "remove --cgroup-parent (the daemon's cgroup applies)",
      compose: "remove `cgroup_parent:`",
    },
  },
  options: noOptions,
  check(spec) {
    const c = spec.cgroupParent;
    if (c === undefined || c.value === "") return [];
    return [
      {
        message: `cgroup parent "${c.value}": the container's limits are accounted outside the daemon's cgroup and may escape the host's resource policy`,
        origin: c.origin,
      },
    ];
  },
});
