import { defineRule, noOptions } from "../define.js";

export const mountPropagation = defineRule({
  meta: {
    id: "DW-MNT-004",
    name: "mount-propagation",
    title: "Shared mount propagation",
    severity: "medium",
    cis: ["5.19"],
    pss: "none",
    presets: ["restricted", "cis"],
    remediation: {
      run: "drop the shared/rshared option from the bind (private is the default)",
      compose: "remove `bind.propagation: shared|rshared`",
    },
  },
  options: noOptions,
  check(spec) {
    return spec.mounts
      .filter((m) => m.propagation === "shared" || m.propagation === "rshared")
      .map((m) => ({
        message: `bind ${m.source ?? m.target} uses ${m.propagation ?? ""} propagation: mounts made in the container appear on the host`,
        origin: m.origin,
      }));
  },
});
