import * as z from "zod/mini";
import { defineRule } from "../define.js";

export const restartPolicy = defineRule({
  meta: {
    id: "DW-RST-001",
    name: "restart-policy",
    title: "Restart policy retries without bound",
    severity: "low",
    cis: ["5.14"],
    pss: "none",
    presets: ["cis"],
    remediation: {
      run: "--restart on-failure:5",
      compose:
        "restart: on-failure:5 (or deploy.restart_policy: {condition: on-failure, max_attempts: 5})",
    },
  },
  options: z.strictObject({ maxRetries: z._default(z.int().check(z.positive()), 5) }),
  check(spec, options) {
    const r = spec.restart;
    if (r === undefined) return [];
    const { name, maximumRetryCount } = r.value;
    if (name === "always" || name === "unless-stopped") {
      return [
        {
          message: `restart policy "${name}" restarts a crashing (or compromised) container forever; use on-failure:${options.maxRetries}`,
          origin: r.origin,
        },
      ];
    }
    if (
      name === "on-failure" &&
      (maximumRetryCount <= 0 || maximumRetryCount > options.maxRetries)
    ) {
      return [
        {
          message: `restart policy on-failure ${maximumRetryCount <= 0 ? "has no retry limit" : `retries ${maximumRetryCount} times`}; limit it to ${options.maxRetries}`,
          origin: r.origin,
        },
      ];
    }
    return [];
  },
});
