import * as z from "zod/mini";
import { canonicalCapability, effectiveCapabilities } from "../../spec/capabilities.js";
import { defineRule } from "../define.js";
import { originOf } from "../util.js";

export const capDrop = defineRule({
  meta: {
    id: "DW-CAP-002",
    name: "cap-drop-all",
    title: "Capabilities not dropped",
    severity: "medium",
    cis: ["5.3"],
    pss: "restricted",
    presets: ["restricted", "cis"],
    remediation: {
      run: "--cap-drop ALL, then --cap-add only what the workload needs (often nothing, or NET_BIND_SERVICE)",
      compose: "cap_drop: [ALL] and a minimal `cap_add:` list",
    },
  },
  options: z.strictObject({
    /** capabilities a container may keep (Pod Security "restricted" allows NET_BIND_SERVICE) */
    allowed: z._default(z.array(z.string()), ["NET_BIND_SERVICE"]),
  }),
  check(spec, options) {
    if (spec.privileged?.value === true) return []; // DW-PRIV-001 says it louder
    const allowed = new Set(options.allowed.map(canonicalCapability));
    const effective = effectiveCapabilities(
      spec.capAdd.map((c) => c.value),
      spec.capDrop.map((c) => c.value),
      false,
    );
    const extra = [...effective].filter((c) => !allowed.has(c)).sort();
    if (extra.length === 0) return [];
    const droppedAll = spec.capDrop.some((c) => canonicalCapability(c.value) === "ALL");
    return [
      {
        message: droppedAll
          ? `keeps capabilities beyond the allowed set: ${extra.join(", ")}`
          : `does not drop ALL capabilities; it keeps ${extra.length}: ${extra.join(", ")}`,
        origin: originOf(spec.capDrop[0], spec),
      },
    ];
  },
});
