import * as z from "zod/mini";
import { defineDaemonRule } from "../define.js";
import type { RuleHit } from "../types.js";
import { plural, validityOf } from "./util.js";

export const tlsExpiry = defineDaemonRule({
  meta: {
    id: "DW-TLS-001",
    name: "tls-certificate-expiry",
    title: "Daemon TLS certificate expired, not yet valid, or expiring soon",
    severity: "high",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      daemon:
        "`dockward tls rotate server --ca DIR --out DIR` (same CA, so clients keep working; for an expiring CA: `dockward tls rotate ca`), then restart the daemon: dockerd reads its TLS files only at start",
    },
  },
  options: z.strictObject({ warnDays: z._default(z.int().check(z.nonnegative()), 30) }),
  check(spec, options, context) {
    const hits: RuleHit[] = [];
    for (const [what, file] of [
      ["server certificate", spec.tls?.cert],
      ["CA certificate", spec.tls?.caCert],
    ] as const) {
      const c = file?.certificate;
      if (file === undefined || c === undefined) continue;
      const v = validityOf(c, context.now, options.warnDays);
      if (v?.state === "expired") {
        hits.push({
          message: `the daemon's ${what} ${file.path} (${c.subject}) expired on ${v.date}: clients must either fail or stop verifying, and stopping verifying is how mutual TLS quietly ends`,
          origin: file.origin,
        });
      } else if (v?.state === "not-yet-valid") {
        hits.push({
          message: `the daemon's ${what} ${file.path} (${c.subject}) is not valid until ${v.date}: check the clock of the machine that issued it`,
          origin: file.origin,
        });
      } else if (v?.state === "expiring") {
        hits.push({
          message: `the daemon's ${what} ${file.path} (${c.subject}) expires in ${plural(v.days, "day")} (${v.date})`,
          origin: file.origin,
          severity: "medium",
        });
      }
    }
    return hits;
  },
});
