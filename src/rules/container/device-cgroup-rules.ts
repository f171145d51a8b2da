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
      const [type = "", numbers = ""] = r.value.trim().split(/\s+/);
      const [major = ""] = numbers.split(":");
      // `a` is every device; any block rule reaches disks; a wildcard major reaches every driver
      const wide = type === "a" || type === "b" || major === "*";
      const what =
        type === "a"
          ? "every device, block and character"
          : type === "b"
            ? `block devices (disks) matching ${numbers}`
            : `character devices matching ${numbers}`;
      return {
        message: `device cgroup rule "${r.value}" lets the container use ${what}, present or future, once it can create the node (mknod)`,
        origin: r.origin,
        severity: wide ? ("high" as const) : ("medium" as const),
      };
    });
  },
});
