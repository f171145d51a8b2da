import { type KeyObject, X509Certificate } from "node:crypto";

/**
 * A certificate as an audit reports it, from the DER bytes a TLS peer sent. Pure apart from
 * parsing with node:crypto.
 */

export interface CertificateSummary {
  /** e.g. "CN=localhost" (node's one-attribute-per-line form joined with ", ") */
  subject: string;
  issuer: string;
  /** "DNS:localhost", "IP:127.0.0.1", ... */
  subjectAltNames: string[];
  /** ISO 8601 */
  notBefore: string;
  notAfter: string;
  serialNumber: string;
  fingerprint256: string;
  key: { type: string; bits: number | undefined; curve: string | undefined };
  /** extended key usage names (serverAuth, clientAuth) or OIDs; undefined when the extension is absent */
  extendedKeyUsage: string[] | undefined;
  isCa: boolean;
  selfSigned: boolean;
}

const EKU_NAMES: Readonly<Record<string, string>> = {
  "1.3.6.1.5.5.7.3.1": "serverAuth",
  "1.3.6.1.5.5.7.3.2": "clientAuth",
  "1.3.6.1.5.5.7.3.3": "codeSigning",
  "1.3.6.1.5.5.7.3.4": "emailProtection",
  "1.3.6.1.5.5.7.3.8": "timeStamping",
  "1.3.6.1.5.5.7.3.9": "OCSPSigning",
  "2.5.29.37.0": "anyExtendedKeyUsage",
};

/** Key sizes of the named curves node reports (secp224r1 is too small, but it is a size). */
const CURVE_BITS: Readonly<Record<string, number>> = {
  secp224r1: 224,
  prime256v1: 256,
  secp256k1: 256,
  secp384r1: 384,
  secp521r1: 521,
};

const OKP_BITS: Readonly<Record<string, number>> = { ed25519: 256, ed448: 456, x25519: 256 };

/**
 * Node prints SANs as `DNS:a, IP Address:1.2.3.4`, quoting a value that holds a comma or a
 * quote with JSON string syntax.
 */
export function splitSubjectAltNames(text: string | undefined): string[] {
  if (text === undefined || text.trim() === "") return [];
  const names: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (quoted) {
      current += c;
      if (c === "\\") {
        current += text[i + 1] ?? "";
        i += 1;
      } else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') {
      quoted = true;
      current += c;
    } else if (c === "," && text[i + 1] === " ") {
      names.push(current);
      current = "";
      i += 1;
    } else current += c;
  }
  if (current !== "") names.push(current);
  return names.map((n) => {
    const colon = n.indexOf(":");
    const kind = n.slice(0, colon);
    let value = n.slice(colon + 1);
    if (value.startsWith('"')) {
      try {
        const parsed: unknown = JSON.parse(value);
        if (typeof parsed === "string") value = parsed;
      } catch {
        /* keep it as printed */
      }
    }
    return `${kind === "IP Address" ? "IP" : kind}:${value}`;
  });
}

function oneLine(name: string): string {
  return name
    .split("\n")
    .filter((s) => s !== "")
    .join(", ");
}

function iso(date: string): string {
  const ms = Date.parse(date);
  return Number.isNaN(ms) ? date : new Date(ms).toISOString();
}

/** A key's type, size in bits (RSA modulus, EC curve, Ed25519/448) and curve name. */
export function describeKeyObject(key: KeyObject): CertificateSummary["key"] {
  const type = key.asymmetricKeyType ?? "unknown";
  const details = key.asymmetricKeyDetails ?? {};
  const curve = details.namedCurve;
  const bits =
    details.modulusLength ??
    (curve === undefined ? undefined : CURVE_BITS[curve]) ??
    OKP_BITS[type];
  return { type, bits, curve };
}

/** Summarise a DER (or PEM) certificate. */
export function summariseCertificate(der: Buffer | string): CertificateSummary {
  const cert = new X509Certificate(der);
  // X509Certificate.keyUsage is the EXTENDED key usage list (undefined when absent).
  const eku = cert.keyUsage as string[] | undefined;
  return {
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    subjectAltNames: splitSubjectAltNames(cert.subjectAltName),
    notBefore: iso(cert.validFrom),
    notAfter: iso(cert.validTo),
    serialNumber: cert.serialNumber,
    fingerprint256: cert.fingerprint256,
    key: describeKeyObject(cert.publicKey),
    extendedKeyUsage: eku?.map((oid) => EKU_NAMES[oid] ?? oid),
    isCa: cert.ca,
    selfSigned: cert.checkIssued(cert) && cert.verify(cert.publicKey),
  };
}
