import * as z from "zod/mini";
import { defineDaemonRule } from "../define.js";
import type { RuleHit } from "../types.js";

const DAY = 24 * 60 * 60 * 1000;

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
    const now = context.now.getTime();
    const hits: RuleHit[] = [];
    for (const [what, file] of [
      ["server certificate", spec.tls?.cert],
      ["CA certificate", spec.tls?.caCert],
    ] as const) {
      const c = file?.certificate;
      if (file === undefined || c === undefined) continue;
      const notAfter = Date.parse(c.notAfter);
      const notBefore = Date.parse(c.notBefore);
      const day = (t: number): string => new Date(t).toISOString().slice(0, 10);
      if (notAfter < now) {
        hits.push({
          message: `the daemon's ${what} ${file.path} (${c.subject}) expired on ${day(notAfter)}: clients must either fail or stop verifying, and stopping verifying is how mutual TLS quietly ends`,
          origin: file.origin,
        });
      } else if (notBefore > now) {
        hits.push({
          message: `the daemon's ${what} ${file.path} (${c.subject}) is not valid until ${day(notBefore)}: check the clock of the machine that issued it`,
          origin: file.origin,
        });
      } else if (notAfter - now < options.warnDays * DAY) {
        const days = Math.floor((notAfter - now) / DAY);
        hits.push({
          message: `the daemon's ${what} ${file.path} (${c.subject}) expires in ${days} day${days === 1 ? "" : "s"} (${day(notAfter)})`,
          origin: file.origin,
          severity: "medium",
        });
      }
    }
    return hits;
  },
});
