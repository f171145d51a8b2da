import type { Identity } from "./types.js";

/**
 * Who a client is, from what its TLS handshake proved. Pure: the listener hands in what Node
 * read from the peer certificate.
 *
 * OpenSSL already refuses, during Node's verification, a client certificate whose
 * extendedKeyUsage lacks clientAuth (INVALID_PURPOSE, measured on Node 20) and a CA
 * certificate presented as a client's; this check repeats both (it must not hinge on an
 * OpenSSL default) and adds what OpenSSL lets through: a certificate with NO extendedKeyUsage
 * (refused unless the listener allows it: dockerd accepts them, but every certificate
 * `dockward tls` and the Docker documentation's recipe issue states clientAuth), and subjects
 * with no CN or several.
 */

export const CLIENT_AUTH_OID = "1.3.6.1.5.5.7.3.2";

/** What the listener read from the verified peer certificate. */
export interface PeerCertificateFacts {
  /** Node's `getPeerCertificate().subject`: one string per attribute, or an array when repeated */
  subject: Readonly<Record<string, string | string[] | undefined>> | undefined;
  /** extendedKeyUsage OIDs; undefined when the certificate has no such extension */
  extendedKeyUsage: readonly string[] | undefined;
  /** basicConstraints CA:TRUE */
  ca: boolean;
}

export type RefusalReason =
  | "no-certificate"
  | "ca-certificate"
  | "no-extended-key-usage"
  | "not-for-client-auth"
  | "no-common-name"
  | "several-common-names";

export type CertificateCheck =
  { ok: true; identity: Identity } | { ok: false; reason: RefusalReason; message: string };

function values(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

export function identityFromCertificate(
  peer: PeerCertificateFacts | undefined,
  listener: string,
  options: { allowCertificatesWithoutEku?: boolean } = {},
): CertificateCheck {
  if (peer?.subject === undefined)
    return { ok: false, reason: "no-certificate", message: "no client certificate was presented" };
  if (peer.ca)
    return {
      ok: false,
      reason: "ca-certificate",
      message: "a CA certificate is not a client certificate",
    };
  if (peer.extendedKeyUsage === undefined) {
    if (options.allowCertificatesWithoutEku !== true)
      return {
        ok: false,
        reason: "no-extended-key-usage",
        message: "the client certificate has no extendedKeyUsage (clientAuth is required)",
      };
  } else if (!peer.extendedKeyUsage.includes(CLIENT_AUTH_OID)) {
    return {
      ok: false,
      reason: "not-for-client-auth",
      message: "the client certificate's extendedKeyUsage does not include clientAuth",
    };
  }
  const cns = values(peer.subject.CN);
  const cn = cns[0];
  if (cn === undefined || cn === "")
    return { ok: false, reason: "no-common-name", message: "the client certificate has no CN" };
  if (cns.length > 1)
    return {
      ok: false,
      reason: "several-common-names",
      message: "the client certificate has several CNs: its identity is ambiguous",
    };
  const groups = [...values(peer.subject.O), ...values(peer.subject.OU)].filter((g) => g !== "");
  return { ok: true, identity: { kind: "tls", name: cn, groups, listener } };
}

/** How a record and the metrics name an identity: `tls:CN` or `unix:IDENTITY`. */
export function identityLabel(identity: Identity): string {
  return `${identity.kind}:${identity.name}`;
}
