import { defineRule, noOptions } from "../define.js";

export const volumesFrom = defineRule({
  meta: {
    id: "DW-MNT-003",
    name: "volumes-from",
    title: "Mounts inherited from another container",
    severity: "medium",
    cis: [],
    pss: "none",
    presets: ["restricted"],
    remediation: {
      run: "replace --volumes-from with explicit -v/--mount entries",
      compose: "replace `volumes_from:` with explicit `volumes:`",
    },
  },
  options: noOptions,
  check(spec) {
    return spec.volumesFrom.map((v) => ({
      message: `inherits every mount of container "${v.value}": what it can reach is decided elsewhere and cannot be judged here`,
      origin: v.origin,
    }));
  },
});
