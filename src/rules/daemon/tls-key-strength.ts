import { defineDaemonRule, noOptions } from "../define.js";
import type { RuleHit } from "../types.js";

/** Why a key is too weak, or undefined when it is strong enough. */
export function weakKey(key: {
  type: string;
  bits: number | undefined;
  curve?: string | undefined;
}): string | undefined {
  switch (key.type) {
    case "rsa":
    case "rsa-pss":
      return key.bits !== undefined && key.bits < 2048
        ? `RSA ${key.bits} bits (at least 2048)`
        : undefined;
    case "ec":
      // a curve of unknown size is reported, not assumed strong (Go's TLS takes P-256/384/521)
      if (key.bits === undefined)
        return `EC on curve ${key.curve ?? "unknown"} (use P-256 or larger)`;
      return key.bits < 256 ? `EC ${key.bits} bits (at least P-256)` : undefined;
    case "dsa":
      return "DSA (deprecated, and refused by Go's TLS)";
    default:
      return undefined;
  }
}

export const tlsKeyStrength = defineDaemonRule({
  meta: {
    id: "DW-TLS-002",
    name: "tls-key-strength",
    title: "Daemon TLS key too weak",
    severity: "high",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      daemon:
        "re-issue with an ECDSA P-256 key: `dockward tls rotate server --ca DIR --out DIR` (or `dockward tls rotate ca` for a weak CA key), then restart the daemon",
    },
  },
  options: noOptions,
  check(spec) {
    const hits: RuleHit[] = [];
    const tls = spec.tls;
    if (tls === undefined) return hits;
    for (const [what, file] of [
      ["server certificate", tls.cert],
      ["CA certificate", tls.caCert],
    ] as const) {
      const key = file?.certificate?.key;
      const why = key === undefined ? undefined : weakKey(key);
      if (file !== undefined && why !== undefined)
        hits.push({
          message: `the daemon's ${what} ${file.path} has a weak key: ${why}`,
          origin: file.origin,
        });
    }
    const key = tls.key?.key;
    const why = key === undefined ? undefined : weakKey(key);
    if (tls.key !== undefined && why !== undefined && tls.cert?.certificate === undefined)
      hits.push({
        message: `the daemon's TLS key ${tls.key.path} is weak: ${why}`,
        origin: tls.key.origin,
      });
    return hits;
  },
});
