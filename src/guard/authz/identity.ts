import { X509Certificate } from "node:crypto";
import { identityFromCertificate } from "../server/identity.js";
import type { Identity } from "../server/types.js";
import type { AuthzRequest } from "./protocol.js";

/**
 * Who is asking, from what dockerd tells its authorization plugin. dockerd authenticates
 * nobody but TLS clients: with a verified client certificate it sends the certificate's CN as
 * `User` ("TLS" as `UserAuthNMethod`) and the chain as `RequestPeerCertificates`; for
 * everything else (its unix socket, and also a tcp listener without --tlsverify) it sends
 * neither, so all of those clients are one identity.
 */

/**
 * The listener of every client dockerd did not authenticate: a policy maps them with
 * `listener: authz`. TLS clients carry AUTHZ_TLS_LISTENER instead, so such an entry never
 * matches a certificate holder by accident (map those by `cn` or `group`).
 */
export const AUTHZ_LISTENER = "authz";
export const AUTHZ_TLS_LISTENER = "authz-tls";
/** The identity of every client dockerd did not authenticate (no client certificate). */
export const UNAUTHENTICATED_NAME = "dockerd-socket";

export interface IdentityOptions {
  /** accept a client certificate without extendedKeyUsage (dockerd does); default false, as the proxy */
  allowCertificatesWithoutEku?: boolean;
}

export type IdentityResult = { ok: true; identity: Identity } | { ok: false; message: string };

/** Node's legacy subject object, checked rather than cast: strings, or arrays when repeated. */
function subjectOf(cert: X509Certificate): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const subject: unknown = cert.toLegacyObject().subject;
  if (typeof subject !== "object" || subject === null) return out;
  for (const [k, v] of Object.entries(subject)) {
    if (typeof v === "string") out[k] = v;
    else if (Array.isArray(v) && v.every((x): x is string => typeof x === "string")) out[k] = v;
  }
  return out;
}

export function identityOf(request: AuthzRequest, options: IdentityOptions = {}): IdentityResult {
  const { user, userAuthNMethod: method, peerCertificates } = request;
  if (method === "" && user === "" && peerCertificates.length === 0)
    return {
      ok: true,
      identity: { kind: "unix", name: UNAUTHENTICATED_NAME, groups: [], listener: AUTHZ_LISTENER },
    };
  if (method !== "TLS")
    return {
      ok: false,
      message:
        method === ""
          ? "the daemon sent a user or certificates without saying how the client was authenticated"
          : `the daemon authenticated the user by ${JSON.stringify(method)}, which dockward does not know`,
    };
  const first = peerCertificates[0];
  if (first === undefined)
    return { ok: false, message: "the daemon said TLS but sent no client certificate" };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(first);
  } catch (err) {
    return {
      ok: false,
      message: `the client certificate cannot be read: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  // the EXTENDED key usage list, undefined when the certificate has none (whatever the typings say)
  const eku: readonly string[] | undefined = cert.keyUsage;
  const check = identityFromCertificate(
    { subject: subjectOf(cert), extendedKeyUsage: eku, ca: cert.ca },
    AUTHZ_TLS_LISTENER,
    options.allowCertificatesWithoutEku === true ? { allowCertificatesWithoutEku: true } : {},
  );
  if (!check.ok) return { ok: false, message: check.message };
  // dockerd read User from the same certificate: a difference means the two disagree on it
  if (check.identity.name !== user)
    return {
      ok: false,
      message: `the daemon's user ${JSON.stringify(user)} is not the certificate's CN ${JSON.stringify(check.identity.name)}`,
    };
  return { ok: true, identity: check.identity };
}
