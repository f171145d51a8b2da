import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DockwardError, errorMessage, systemErrorCode } from "../errors.js";

/** PEM blocks, key/certificate pairing and CA bundles. Pure apart from `readMaterial`/`loadCa`. */

export interface PemBlock {
  label: string;
  text: string;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

export function pemBlocks(text: string): PemBlock[] {
  return [...text.matchAll(BLOCK)].map((m) => ({ label: m[1] ?? "", text: `${m[0]}\n` }));
}

export function certificateBlocks(text: string): string[] {
  return pemBlocks(text)
    .filter((b) => b.label === "CERTIFICATE")
    .map((b) => b.text);
}

/** A PEM private key that is encrypted (PKCS#8 or the legacy Proc-Type header). */
export function isEncryptedKey(text: string): boolean {
  return text.includes("ENCRYPTED PRIVATE KEY") || /Proc-Type:\s*4,ENCRYPTED/.test(text);
}

/** The SubjectPublicKeyInfo of a private key or a certificate, as DER, for comparison. */
export function publicKeyOfKey(keyPem: string): Buffer {
  return createPublicKey(createPrivateKey(keyPem)).export({ type: "spki", format: "der" });
}

export function publicKeyOfCertificate(certPem: string): Buffer {
  return new X509Certificate(certPem).publicKey.export({ type: "spki", format: "der" });
}

/** The key belongs to the certificate. Throws when either does not parse. */
export function keyMatchesCertificate(keyPem: string, certPem: string): boolean {
  return publicKeyOfKey(keyPem).equals(publicKeyOfCertificate(certPem));
}

/** `issuer` signed `cert` (names and signature; dates are judged separately). */
export function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

/**
 * The CA bundle served during a rotation: the new CA first, then the CA certificates being
 * replaced, each once (a second rotation drops nothing still in the old file, and duplicates
 * by fingerprint are removed).
 */
export function caBundle(newCaPem: string, oldCaPems: readonly string[]): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const pem of [newCaPem, ...oldCaPems].flatMap(certificateBlocks)) {
    const fp = new X509Certificate(pem).fingerprint256;
    if (seen.has(fp)) continue;
    seen.add(fp);
    out.push(pem);
  }
  return out.join("");
}

export function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    const code = systemErrorCode(err);
    throw new DockwardError(
      "BAD_INPUT",
      `cannot read ${what} ${file}: ${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : errorMessage(err)}`,
      {
        hint:
          code === "EACCES"
            ? "run as a user who may read it (keys are 0400: their owner, or root)"
            : "check the path",
        cause: err,
      },
    );
  }
}

export interface LoadedCa {
  dir: string;
  certificatePem: string;
  keyPem: string;
  /** ca-bundle.pem when a rotation is under way: what clients need as their ca.pem */
  bundlePem: string | undefined;
}

/** ca.pem + ca-key.pem from a directory, checked to belong together. */
export function loadCa(dir: string): LoadedCa {
  const certFile = join(dir, "ca.pem");
  const keyFile = join(dir, "ca-key.pem");
  const certText = readText(certFile, "CA certificate");
  const keyPem = readText(keyFile, "CA key");
  const certificatePem = certificateBlocks(certText)[0];
  if (certificatePem === undefined)
    throw new DockwardError("BAD_INPUT", `${certFile} holds no PEM certificate`, {
      hint: "give --ca the directory `dockward tls init` wrote",
    });
  if (isEncryptedKey(keyPem))
    throw new DockwardError("BAD_INPUT", `${keyFile} is encrypted`, {
      hint: "decrypt it to a private place first: openssl pkey -in ca-key.pem -out ca-key.plain.pem",
    });
  let cert: X509Certificate;
  let matches: boolean;
  try {
    cert = new X509Certificate(certificatePem);
    matches = keyMatchesCertificate(keyPem, certificatePem);
  } catch (err) {
    throw new DockwardError("BAD_INPUT", `cannot parse the CA in ${dir}: ${errorMessage(err)}`, {
      hint: "ca.pem must be a PEM certificate and ca-key.pem its unencrypted PEM key",
      cause: err,
    });
  }
  if (!matches)
    throw new DockwardError(
      "BAD_INPUT",
      `the CA key ${keyFile} does not match the CA certificate ${certFile}`,
      {
        hint: "they come from different CAs (a rotation half done?): ca-key.old.pem belongs to ca.old.pem; nothing was written",
      },
    );
  if (!cert.ca)
    throw new DockwardError(
      "BAD_INPUT",
      `${certFile} is not a CA certificate (basicConstraints CA:false)`,
      {
        hint: "give --ca the directory that holds the CA, not a leaf certificate",
      },
    );
  let bundlePem: string | undefined;
  try {
    bundlePem = readFileSync(join(dir, "ca-bundle.pem"), "utf8");
  } catch {
    bundlePem = undefined;
  }
  return { dir, certificatePem, keyPem, bundlePem };
}
