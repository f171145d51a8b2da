import { defineDaemonRule, noOptions } from "../define.js";
import type { RuleHit } from "../types.js";
import { describeFile } from "./util.js";

export const tlsFilePermissions = defineDaemonRule({
  meta: {
    id: "DW-TLS-004",
    name: "tls-file-permissions",
    title: "Daemon TLS files not owned by root or too open",
    severity: "high",
    cis: ["3.9", "3.10", "3.11", "3.12", "3.13", "3.14"],
    pss: "none",
    presets: ["baseline", "restricted", "cis"],
    remediation: {
      daemon:
        "`chown root:root ca.pem server-cert.pem server-key.pem && chmod 444 ca.pem server-cert.pem && chmod 400 server-key.pem`",
    },
  },
  options: noOptions,
  check(spec) {
    const tls = spec.tls;
    if (tls === undefined || !tls.enabled || spec.settings.rootless?.value === true) return [];
    const hits: RuleHit[] = [];
    for (const [what, file] of [
      ["CA certificate", tls.caCert],
      ["server certificate", tls.cert],
    ] as const) {
      const f = file?.file;
      if (file === undefined || f === undefined) continue;
      const problems: string[] = [];
      if (f.uid !== 0) problems.push(`owned by ${f.owner ?? `uid ${f.uid}`}`);
      if ((f.permissions & 0o022) !== 0) problems.push("writable by group or others");
      if (problems.length > 0) {
        hits.push({
          message: `the ${what} ${file.path} (${describeFile(f)}) is ${problems.join(", ")}: whoever can replace ${what === "CA certificate" ? "it decides which clients the daemon trusts" : "it can swap in a certificate of their own"}`,
          origin: file.origin,
        });
      } else if ((f.permissions & ~0o444) !== 0) {
        hits.push({
          message: `the ${what} ${file.path} (${describeFile(f)}) should be 0444 or stricter`,
          origin: file.origin,
          severity: "low",
        });
      }
    }
    const key = tls.key;
    const f = key?.file;
    if (key !== undefined && f !== undefined) {
      if ((f.permissions & 0o077) !== 0 || f.uid !== 0) {
        hits.push({
          message: `the daemon's private key ${key.path} (${describeFile(f)}) can be read by ${f.uid !== 0 ? (f.owner ?? `uid ${f.uid}`) : "group or others"}: with it anyone can impersonate the daemon to its clients`,
          origin: key.origin,
          severity: (f.permissions & 0o004) !== 0 ? "critical" : "high",
        });
      } else if ((f.permissions & ~0o400) !== 0) {
        hits.push({
          message: `the daemon's private key ${key.path} (${describeFile(f)}) should be 0400`,
          origin: key.origin,
          severity: "low",
        });
      }
    }
    return hits;
  },
});
