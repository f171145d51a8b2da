import { X509Certificate, createPrivateKey } from "node:crypto";
import { join } from "node:path";
import { DockwardError, errorMessage } from "../errors.js";

/** Docker's client file names: the CLI and `docker context` look for exactly these. */
export const TLS_FILE_NAMES = ["ca.pem", "cert.pem", "key.pem"] as const;
export type TlsFileName = (typeof TLS_FILE_NAMES)[number];

/** The three PEM files of a client, as read from disk, keyed by Docker's file names. */
export type TlsMaterial = Record<TlsFileName, Buffer>;

function bad(message: string, hint: string, cause?: unknown): DockwardError {
  return new DockwardError("TLS_FILES", message, {
    hint,
    kind: "usage",
    ...(cause !== undefined ? { cause } : {}),
  });
}

function certificates(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * Check a client's TLS material before it goes into the store: every file parses, the CA file
 * holds at least one certificate (a bundle is fine: rotating a CA serves several), the key is
 * unencrypted and belongs to the client certificate. Pure: `dir` only names the files in errors.
 */
export function validateTlsMaterial(dir: string, material: TlsMaterial): void {
  const caFile = join(dir, "ca.pem");
  const cas = certificates(material["ca.pem"].toString("utf8"));
  if (cas.length === 0) {
    throw bad(
      `${caFile} holds no PEM certificate`,
      "ca.pem must be the CA that signed the daemon's certificate",
    );
  }
  for (const [i, pem] of cas.entries()) {
    try {
      new X509Certificate(pem);
    } catch (err) {
      throw bad(
        `${caFile}: certificate ${i + 1} does not parse: ${errorMessage(err)}`,
        "replace ca.pem with the CA's PEM certificate",
        err,
      );
    }
  }
  const certFile = join(dir, "cert.pem");
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(material["cert.pem"]);
  } catch (err) {
    throw bad(
      `${certFile} is not a PEM certificate: ${errorMessage(err)}`,
      "cert.pem must be the client certificate (EKU clientAuth)",
      err,
    );
  }
  const keyFile = join(dir, "key.pem");
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey({ key: material["key.pem"], format: "pem" });
  } catch (err) {
    const encrypted =
      /encrypted|passphrase|bad decrypt/i.test(errorMessage(err)) ||
      material["key.pem"].toString("utf8").includes("ENCRYPTED");
    throw bad(
      encrypted
        ? `${keyFile} is encrypted: the docker CLI cannot use a key with a passphrase`
        : `${keyFile} is not a PEM private key: ${errorMessage(err)}`,
      encrypted
        ? `decrypt it (openssl pkey -in ${keyFile} -out key.pem) and keep the file 0600`
        : "key.pem must be the private key of cert.pem",
      err,
    );
  }
  if (!cert.checkPrivateKey(key)) {
    throw bad(
      `${keyFile} does not belong to ${certFile}`,
      "give the key that was used to request cert.pem",
    );
  }
}
