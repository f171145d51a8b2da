import { defineRule, noOptions } from "../define.js";

export const deviceCgroupRules = defineRule({
  meta: {
    id: "DW-DEV-002",
    name: "device-cgroup-rules",
    title: "Device cgroup rules widen device access",
    severity: "medium",
    cis: ["5.17"],
    pss: "none",
    presets: ["baseline", "restricted", "cis"],
    remediation: {
      run: "remove --device-cgroup-rule; expose single devices with --device",
      compose: "remove `device_cgroup_rules:`",
    },
  },
  options: noOptions,
  check(spec) {
    return spec.deviceCgroupRules.map((r) => {
      const everything = /^a\b|\*:\*/.test(r.value.trim());
      return {
        message: `device cgroup rule "${r.value}" lets the container use ${everything ? "every device it can create (with mknod), block and character alike" : "devices matching it, present or future"}`,
        origin: r.origin,
        severity: everything ? ("high" as const) : ("medium" as const),
      };
    });
  },
});
