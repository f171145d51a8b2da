import { DockwardError } from "../errors.js";
import type { SubjectAltName } from "./san.js";

/**
 * What a certificate says, before any key or signature exists: the profile of the CA, the
 * daemon's server certificate and a client certificate, as dockerd and Go's TLS check them.
 * Pure: the I/O edge (src/pki/issue.ts) turns a profile into DER.
 */

export const KEY_TYPES = ["ecdsa-p256", "rsa-2048", "rsa-4096"] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export function parseKeyType(text: string): KeyType {
  const t = text.toLowerCase();
  if ((KEY_TYPES as readonly string[]).includes(t)) return t as KeyType;
  throw new DockwardError("BAD_INPUT", `unknown key type ${JSON.stringify(text)}`, {
    hint: `use one of ${KEY_TYPES.join(", ")} (ecdsa-p256 is the default: small, fast, and accepted by dockerd and both docker CLIs)`,
  });
}

export type Role = "ca" | "server" | "client";
export type Eku = "serverAuth" | "clientAuth";
export type KeyUsage = "digitalSignature" | "keyEncipherment" | "keyCertSign" | "cRLSign";

/** One relative distinguished name attribute, in order. */
export interface NameAttribute {
  type: "CN" | "O" | "OU";
  value: string;
}

export interface CertificateProfile {
  role: Role;
  subject: NameAttribute[];
  subjectAltNames: SubjectAltName[];
  /** undefined = no extendedKeyUsage extension */
  extendedKeyUsage: Eku[] | undefined;
  keyUsage: KeyUsage[];
  isCa: boolean;
  notBefore: Date;
  notAfter: Date;
}

const DAY = 24 * 60 * 60 * 1000;
/** The CA outlives the leaves it signs: renewing a leaf is routine, rotating the CA is not. */
export const CA_DAYS = 5 * 365;
export const LEAF_DAYS = 365;
/** Backdated a little so a client whose clock is slightly behind accepts a fresh certificate. */
const BACKDATE_MS = 5 * 60 * 1000;

export function validity(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  return {
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + days * DAY),
  };
}

export function parseDays(text: string, flag = "--days"): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1 || n > 36500)
    throw new DockwardError(
      "BAD_INPUT",
      `${flag} ${JSON.stringify(text)} is not a whole number of days from 1 to 36500`,
      {
        hint: `for example ${flag} 365`,
      },
    );
  return n;
}

// what may go into the CN / O of a client certificate: the identities the guard's roles name
const IDENTITY = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;

export function checkIdentity(text: string, what: "name" | "group"): string {
  if (!IDENTITY.test(text))
    throw new DockwardError("BAD_INPUT", `invalid client ${what} ${JSON.stringify(text)}`, {
      hint: "use 1-64 characters: letters, digits and . _ @ + - (starting with a letter or digit)",
    });
  return text;
}

/** Leaves sign TLS handshakes; RSA key exchange (TLS 1.2 RSA suites) also needs keyEncipherment. */
function leafKeyUsage(key: KeyType): KeyUsage[] {
  return key.startsWith("rsa") ? ["digitalSignature", "keyEncipherment"] : ["digitalSignature"];
}

export function caProfile(opts: { name: string; now: Date; days?: number }): CertificateProfile {
  return {
    role: "ca",
    subject: [{ type: "CN", value: opts.name }],
    subjectAltNames: [],
    extendedKeyUsage: undefined,
    keyUsage: ["keyCertSign", "cRLSign"],
    isCa: true,
    ...validity(opts.now, opts.days ?? CA_DAYS),
  };
}

export function serverProfile(opts: {
  sans: readonly SubjectAltName[];
  key: KeyType;
  now: Date;
  days?: number;
}): CertificateProfile {
  // the CN is only a label (Go ignores it): the first DNS name, as people read it
  const cn = opts.sans.find((s) => s.type === "dns")?.value ?? opts.sans[0]?.value ?? "dockerd";
  return {
    role: "server",
    subject: [{ type: "CN", value: cn }],
    subjectAltNames: [...opts.sans],
    extendedKeyUsage: ["serverAuth"],
    keyUsage: leafKeyUsage(opts.key),
    isCa: false,
    ...validity(opts.now, opts.days ?? LEAF_DAYS),
  };
}

/**
 * A client certificate: CN = the person or machine, one O per group (the Kubernetes
 * convention), which is what an AuthZ plugin or the guard sees as the client's identity.
 */
export function clientProfile(opts: {
  name: string;
  groups?: readonly string[];
  key: KeyType;
  now: Date;
  days?: number;
}): CertificateProfile {
  return {
    role: "client",
    subject: [
      { type: "CN", value: checkIdentity(opts.name, "name") },
      ...(opts.groups ?? []).map((g) => ({ type: "O" as const, value: checkIdentity(g, "group") })),
    ],
    subjectAltNames: [],
    extendedKeyUsage: ["clientAuth"],
    keyUsage: leafKeyUsage(opts.key),
    isCa: false,
    ...validity(opts.now, opts.days ?? LEAF_DAYS),
  };
}

/** Test and rescue overrides: a profile with other dates or usages (an expired client, a wrong EKU). */
export function withOverrides(
  profile: CertificateProfile,
  o: { notBefore?: Date; notAfter?: Date; extendedKeyUsage?: Eku[] | undefined },
): CertificateProfile {
  return {
    ...profile,
    ...(o.notBefore !== undefined ? { notBefore: o.notBefore } : {}),
    ...(o.notAfter !== undefined ? { notAfter: o.notAfter } : {}),
    ...("extendedKeyUsage" in o ? { extendedKeyUsage: o.extendedKeyUsage } : {}),
  };
}
