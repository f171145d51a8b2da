import { canonicalHostPath } from "../util.js";
import * as z from "zod/mini";
import { defineRule } from "../define.js";
import type { Severity } from "../types.js";

/** Devices that expose host memory or whole disks: read or write them and the host is yours. */
const CRITICAL =
  /^\/dev\/(mem|kmem|port|kmsg|mmcblk\d+(p\d+)?|sd[a-z]+\d*|nvme\d+(n\d+(p\d+)?)?|vd[a-z]+\d*|xvd[a-z]+\d*|dm-\d+|mapper\/.*|loop\d+|md\d+|disk\/.*)$/;

export const hostDevices = defineRule({
  meta: {
    id: "DW-DEV-001",
    name: "host-devices",
    title: "Host device exposed",
    severity: "high",
    cis: ["5.17"],
    pss: "baseline",
    presets: ["baseline", "restricted", "cis"],
    remediation: {
      run: "remove --device and --gpus unless the workload needs that device; prefer read-only (:r) permissions",
      compose:
        "remove entries from `devices:`, `gpus:` and `deploy.resources.reservations.devices`",
    },
  },
  options: z.strictObject({ allowed: z._default(z.array(z.string()), []) }),
  check(spec, options) {
    const allowed = new Set(options.allowed.map((p) => canonicalHostPath(p)));
    // a device driver (NVIDIA's hook, a CDI spec) decides on the host which device nodes,
    // libraries and mounts come in: nothing here names them, so nothing can be allowed by path
    const requested = spec.deviceRequests.map((r) => ({
      message: `requests host devices through a device driver (${r.value}): the driver adds device nodes, libraries and mounts from the host that nothing here names, and its hook runs on the host as root`,
      origin: r.origin,
      severity: "high" as const,
    }));
    const byPath = spec.devices
      .filter((d) => !allowed.has(canonicalHostPath(d.hostPath)))
      .map((d) => {
        const severity: Severity =
          CRITICAL.test(d.hostPath) && d.permissions.includes("w") ? "critical" : "high";
        return {
          message: `exposes host device ${d.hostPath} as ${d.containerPath} with "${d.permissions}" access${severity === "critical" ? ": raw access to host memory, disks or the kernel log" : ""}`,
          origin: d.origin,
          severity,
        };
      });
    return [...byPath, ...requested];
  },
});
