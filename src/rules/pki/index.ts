import { weakKey } from "../daemon/tls-key-strength.js";
import { octal, plural, validityOf } from "../daemon/util.js";
import { definePkiRule, noOptions } from "../define.js";
import type { PkiRule, RuleHit } from "../types.js";
import type { CertEntry, RawFile } from "../../pki/inspect.js";

/**
 * The certificate-material rules of `dockward tls inspect`: what the DW-TLS rules (the daemon's
 * own ca.pem, server-cert.pem, server-key.pem) cannot see — client certificates, chains,
 * key/certificate pairs, other key files. Registered like every rule: the same policy, presets,
 * severities and exceptions apply.
 */

function where(c: CertEntry): string {
  return c.count > 1 ? `${c.file.path} (certificate ${c.index + 1} of ${c.count})` : c.file.path;
}

const at = (f: RawFile): { file: string } => ({ file: f.path });

export const certificateChain = definePkiRule({
  meta: {
    id: "DW-PKI-001",
    name: "certificate-chain",
    title: "Certificate does not chain to the CA beside it",
    severity: "high",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      daemon:
        "re-issue it from this CA: `dockward tls client NAME --ca DIR --out DIR` or `dockward tls rotate server --ca DIR --out DIR`",
    },
  },
  options: noOptions,
  check(a) {
    return a.certificates
      .filter((c) => c.role !== "ca" && c.checkedAgainst.length > 0 && c.chainsTo.length === 0)
      .map((c) => ({
        message: `${where(c)} (${c.summary.subject}, issued by ${c.summary.issuer}) was not signed by ${c.checkedAgainst.join(" or ")}: a daemon trusting that CA refuses it (or a client refuses the daemon)`,
        origin: at(c.file),
      }));
  },
});

export const keyMismatch = definePkiRule({
  meta: {
    id: "DW-PKI-002",
    name: "key-mismatch",
    title: "Private key does not belong to its certificate",
    severity: "high",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      daemon:
        "put the key the certificate was issued for beside it, or issue a new pair (`dockward tls rotate …`)",
    },
  },
  options: noOptions,
  check(a) {
    return a.certificates
      .filter((c) => c.key?.matches === false)
      .map((c) => ({
        message: `${c.key?.file ?? "the key"} does not match ${c.file.name} (${c.summary.subject}): ${c.role === "ca" ? "nothing can be issued from this CA" : "dockerd or the docker CLI fails at start with 'private key does not match public key'"}`,
        origin: at(c.file),
      }));
  },
});

export const keyFileProtection = definePkiRule({
  meta: {
    id: "DW-PKI-003",
    name: "key-file-protection",
    title: "Private key readable by others, encrypted, or not 0400",
    severity: "high",
    cis: ["3.14"],
    pss: "none",
    presets: ["baseline", "restricted", "cis"],
    remediation: {
      daemon:
        "`chmod 400 KEY` (owned by the one user or root that uses it); keep ca-key.pem off the daemon host; decrypt with `openssl pkey` (Docker cannot prompt for a passphrase)",
    },
  },
  options: noOptions,
  check(a, _options, context) {
    const hits: RuleHit[] = [];
    for (const k of a.keys) {
      if (k.encrypted) {
        hits.push({
          message: `${k.file.path} is encrypted: dockerd and the docker CLI refuse encrypted keys`,
          origin: at(k.file),
        });
      }
      const f = k.file.facts;
      if (f === undefined || context.judged.has(k.file.path)) continue;
      const ca = k.file.name.startsWith("ca-key");
      if ((f.permissions & 0o077) !== 0) {
        hits.push({
          message: `${k.file.path} (${octal(f.permissions)}) can be read by ${(f.permissions & 0o004) !== 0 ? "everyone on this machine" : "its group"}: ${ca ? "whoever reads the CA key can issue certificates the daemon accepts: root on every host that trusts it" : "whoever reads it can act as this identity"}`,
          origin: at(k.file),
          severity: ca || (f.permissions & 0o004) !== 0 ? "critical" : "high",
        });
      } else if ((f.permissions & ~0o400) !== 0) {
        hits.push({
          message: `${k.file.path} (${octal(f.permissions)}) should be 0400`,
          origin: at(k.file),
          severity: "low",
        });
      }
    }
    return hits;
  },
});

export const clientCertificateUsage = definePkiRule({
  meta: {
    id: "DW-PKI-004",
    name: "client-certificate-usage",
    title: "Client certificate that dockerd refuses or should not trust",
    severity: "high",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      daemon:
        "issue client certificates with extendedKeyUsage=clientAuth and CA:false: `dockward tls client NAME --ca DIR --out DIR`",
    },
  },
  options: noOptions,
  check(a) {
    const hits: RuleHit[] = [];
    for (const c of a.certificates) {
      const clientFile = c.file.name === "cert.pem" || c.role === "client";
      if (!clientFile || c.role === "ca") continue;
      const eku = c.summary.extendedKeyUsage;
      if (eku !== undefined && !eku.includes("clientAuth") && !eku.includes("anyExtendedKeyUsage"))
        hits.push({
          message: `${where(c)} (${c.summary.subject}) allows ${eku.join(", ") || "no usage"} but not clientAuth: dockerd refuses it as a client certificate`,
          origin: at(c.file),
        });
      else if (eku === undefined)
        hits.push({
          message: `${where(c)} (${c.summary.subject}) has no extendedKeyUsage: dockerd accepts it, but so would any TLS server that trusts the CA, as its own identity`,
          origin: at(c.file),
          severity: "low",
        });
    }
    return hits;
  },
});

export const certificateValidity = definePkiRule({
  meta: {
    id: "DW-PKI-005",
    name: "certificate-validity",
    title: "Certificate expired, not yet valid, or expiring soon",
    severity: "high",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      daemon:
        "renew before notAfter: `dockward tls rotate client NAME --ca DIR --out DIR` (or `rotate server`)",
    },
  },
  options: noOptions,
  check(a, _options, context) {
    const hits: RuleHit[] = [];
    for (const c of a.certificates) {
      if (context.judged.has(`${c.file.path}#${c.index}`)) continue;
      const v = validityOf(c.summary, context.now, 30);
      if (v?.state === "expired")
        hits.push({
          message: `${where(c)} (${c.summary.subject}) expired on ${v.date}`,
          origin: at(c.file),
        });
      else if (v?.state === "not-yet-valid")
        hits.push({
          message: `${where(c)} (${c.summary.subject}) is not valid until ${v.date}`,
          origin: at(c.file),
        });
      else if (v?.state === "expiring")
        hits.push({
          message: `${where(c)} (${c.summary.subject}) expires in ${plural(v.days, "day")} (${v.date})`,
          origin: at(c.file),
          severity: "medium",
        });
    }
    return hits;
  },
});

export const unreadableMaterial = definePkiRule({
  meta: {
    id: "DW-PKI-006",
    name: "unreadable-material",
    title: "TLS file unreadable or not understood",
    severity: "high",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      daemon:
        "make it a readable PEM certificate or unencrypted PEM key, or move it out of the TLS directory",
    },
  },
  options: noOptions,
  check(a) {
    return [
      ...a.unreadable.map((u) => ({
        message: `${u.file.path}: ${u.why}`,
        origin: at(u.file),
        ...(u.why === "not a PEM file" ? { severity: "low" as const } : {}),
      })),
      ...a.keys
        .filter((k) => k.error !== undefined)
        .map((k) => ({
          message: `${k.file.path}: the key does not parse: ${k.error ?? ""}`,
          origin: at(k.file),
        })),
    ];
  },
});

export const weakKeyFile = definePkiRule({
  meta: {
    id: "DW-PKI-007",
    name: "weak-key",
    title: "Certificate key too weak",
    severity: "high",
    cis: [],
    pss: "none",
    presets: ["baseline", "restricted"],
    remediation: {
      daemon:
        "re-issue with ECDSA P-256 (the default) or RSA 3072+: `dockward tls client NAME --ca DIR --out DIR --key ecdsa-p256`",
    },
  },
  options: noOptions,
  check(a, _options, context) {
    return a.certificates.flatMap((c) => {
      const why = context.judged.has(`${c.file.path}#${c.index}`)
        ? undefined
        : weakKey(c.summary.key);
      return why === undefined
        ? []
        : [
            {
              message: `${where(c)} (${c.summary.subject}) has a weak key: ${why}`,
              origin: at(c.file),
            },
          ];
    });
  },
});

/** Every certificate-material rule, in report order. */
export const pkiRules = [
  certificateChain,
  keyMismatch,
  keyFileProtection,
  clientCertificateUsage,
  certificateValidity,
  unreadableMaterial,
  weakKeyFile,
] as const satisfies readonly PkiRule[];
