import { createPrivateKey, createPublicKey, randomBytes, webcrypto } from "node:crypto";
import type * as X509 from "@peculiar/x509";
import { DockwardError, errorMessage } from "../errors.js";
import type { CertificateProfile, KeyType, KeyUsage, NameAttribute } from "./profiles.js";

/**
 * The signing edge: keys from Node's WebCrypto, certificates built by @peculiar/x509 from a
 * pure CertificateProfile. No files here (src/pki/files.ts writes them).
 */

type Crypto = webcrypto.Crypto;
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
type KeyAlgorithm = webcrypto.KeyAlgorithm;
type RsaHashedImportParams = webcrypto.RsaHashedImportParams;
type EcKeyImportParams = webcrypto.EcKeyImportParams;
type RsaHashedKeyGenParams = webcrypto.RsaHashedKeyGenParams;
type EcKeyGenParams = webcrypto.EcKeyGenParams;

const crypto: Crypto = webcrypto;

/**
 * @peculiar/x509 (and the reflect-metadata it needs first), loaded on first use: every other
 * command would otherwise pay for it at start-up.
 */
let loaded: typeof X509 | undefined;
async function x509lib(): Promise<typeof X509> {
  if (loaded === undefined) {
    await import("reflect-metadata");
    const lib = await import("@peculiar/x509");
    lib.cryptoProvider.set(crypto);
    loaded = lib;
  }
  return loaded;
}

export interface KeyPair {
  keys: CryptoKeyPair;
  /** PKCS#8 PEM ("PRIVATE KEY"), unencrypted: dockerd and the docker CLI refuse encrypted keys */
  privateKeyPem: string;
}

type SigningAlgorithm = RsaHashedImportParams | EcKeyImportParams;

function algorithmFor(type: KeyType): RsaHashedKeyGenParams | EcKeyGenParams {
  switch (type) {
    case "ecdsa-p256":
      return { name: "ECDSA", namedCurve: "P-256" };
    case "rsa-2048":
    case "rsa-4096":
      return {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: type === "rsa-2048" ? 2048 : 4096,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      };
  }
}

function signatureFor(alg: KeyAlgorithm): Algorithm | EcdsaParams {
  return alg.name === "ECDSA" ? { name: "ECDSA", hash: "SHA-256" } : { name: "RSASSA-PKCS1-v1_5" };
}

/** DER to PEM: base64 in 64-character lines between BEGIN/END lines. */
function pem(der: ArrayBuffer, tag: string): string {
  const body = Buffer.from(der)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .replace(/\n$/, "");
  return `-----BEGIN ${tag}-----\n${body}\n-----END ${tag}-----\n`;
}

export async function generateKeyPair(type: KeyType): Promise<KeyPair> {
  const keys = await crypto.subtle.generateKey(algorithmFor(type), true, ["sign", "verify"]);
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
  return { keys, privateKeyPem: pem(pkcs8, "PRIVATE KEY") };
}

/**
 * A key from a PEM file (PKCS#8, PKCS#1 or SEC1, as openssl or dockward wrote it), as a WebCrypto
 * key pair that can sign. Throws BAD_INPUT when it is not an unencrypted RSA or EC key.
 */
export async function importKeyPair(text: string, file: string): Promise<CryptoKeyPair> {
  let privateKey;
  try {
    privateKey = createPrivateKey({ key: text, format: "pem" });
  } catch (err) {
    throw new DockwardError(
      "BAD_INPUT",
      `${file} is not an unencrypted private key: ${errorMessage(err)}`,
      {
        hint: "give the PEM key the certificate was made with; decrypt it first with `openssl pkey -in KEY -out KEY.plain`",
        cause: err,
      },
    );
  }
  const type = privateKey.asymmetricKeyType;
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  const curves: Record<string, string> = {
    prime256v1: "P-256",
    secp384r1: "P-384",
    secp521r1: "P-521",
  };
  const namedCurve = curve === undefined ? undefined : curves[curve];
  let algorithm: SigningAlgorithm;
  if (type === "rsa") algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  else if (type === "ec" && namedCurve !== undefined) algorithm = { name: "ECDSA", namedCurve };
  else
    throw new DockwardError(
      "BAD_INPUT",
      `${file} holds a ${type ?? "unknown"}${curve !== undefined ? ` (${curve})` : ""} key, which dockward cannot sign with`,
      {
        hint: "use an RSA or an ECDSA P-256/P-384/P-521 key",
      },
    );
  const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" });
  const spki = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  return {
    privateKey: await crypto.subtle.importKey("pkcs8", pkcs8, algorithm, true, ["sign"]),
    publicKey: await crypto.subtle.importKey("spki", spki, algorithm, true, ["verify"]),
  };
}

/** 16 random bytes, positive (top bit clear) and never starting with a zero byte. */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString("hex");
}

function jsonName(attributes: readonly NameAttribute[]): X509.JsonName {
  return attributes.map((a) => ({ [a.type]: [a.value] }));
}

const keyUsageFlags = (x509: typeof X509): Record<KeyUsage, X509.KeyUsageFlags> => ({
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
  keyCertSign: x509.KeyUsageFlags.keyCertSign,
  cRLSign: x509.KeyUsageFlags.cRLSign,
});

const ekuOids = (x509: typeof X509) => ({
  serverAuth: x509.ExtendedKeyUsage.serverAuth,
  clientAuth: x509.ExtendedKeyUsage.clientAuth,
});

export interface Issuer {
  /** the CA certificate (PEM); undefined = self-signed */
  certificatePem: string | undefined;
  keys: CryptoKeyPair;
}

/** Sign a profile for `subjectKey`. Returns the certificate as PEM. */
export async function issueCertificate(
  profile: CertificateProfile,
  subjectKey: CryptoKey,
  issuer: Issuer,
): Promise<string> {
  const x509 = await x509lib();
  const KEY_USAGE_FLAGS = keyUsageFlags(x509);
  const EKU_OIDS = ekuOids(x509);
  const extensions: X509.Extension[] = [
    new x509.BasicConstraintsExtension(profile.isCa, undefined, true),
    new x509.KeyUsagesExtension(
      // a bit set: the enum's values are the bits, and an OR of them is no single member
      // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
      profile.keyUsage.reduce<number>((flags, u) => flags | KEY_USAGE_FLAGS[u], 0),
      true,
    ),
  ];
  if (profile.extendedKeyUsage !== undefined)
    extensions.push(
      new x509.ExtendedKeyUsageExtension(
        profile.extendedKeyUsage.map((e) => EKU_OIDS[e]),
        false,
      ),
    );
  if (profile.subjectAltNames.length > 0)
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        profile.subjectAltNames.map((s) => ({ type: s.type, value: s.value })),
        false,
      ),
    );
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(subjectKey, false, crypto));
  const base = {
    serialNumber: randomSerial(),
    subject: jsonName(profile.subject),
    notBefore: profile.notBefore,
    notAfter: profile.notAfter,
    signingAlgorithm: signatureFor(issuer.keys.privateKey.algorithm),
  };
  if (issuer.certificatePem === undefined) {
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(subjectKey, false, crypto));
    const cert = await x509.X509CertificateGenerator.create(
      {
        ...base,
        issuer: base.subject,
        publicKey: subjectKey,
        signingKey: issuer.keys.privateKey,
        extensions,
      },
      crypto,
    );
    return cert.toString("pem") + "\n";
  }
  const ca = new x509.X509Certificate(issuer.certificatePem);
  // the AKI must equal the CA's SKI, whichever way the CA computed it (openssl, cfssl, dockward)
  const ski = ca.getExtension(x509.SubjectKeyIdentifierExtension);
  extensions.push(
    ski !== null
      ? new x509.AuthorityKeyIdentifierExtension(ski.keyId, false)
      : await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey, false, crypto),
  );
  const cert = await x509.X509CertificateGenerator.create(
    {
      ...base,
      issuer: ca.subjectName,
      publicKey: subjectKey,
      signingKey: issuer.keys.privateKey,
      extensions,
    },
    crypto,
  );
  return cert.toString("pem") + "\n";
}

/** Generate a key and a certificate for it in one step. */
export async function issueWithNewKey(
  profile: CertificateProfile,
  keyType: KeyType,
  issuer: Issuer | "self",
): Promise<{ certificatePem: string; keyPem: string; keys: CryptoKeyPair }> {
  const pair = await generateKeyPair(keyType);
  const certificatePem = await issueCertificate(
    profile,
    pair.keys.publicKey,
    issuer === "self" ? { certificatePem: undefined, keys: pair.keys } : issuer,
  );
  return { certificatePem, keyPem: pair.privateKeyPem, keys: pair.keys };
}
