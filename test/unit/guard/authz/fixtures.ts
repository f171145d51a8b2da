import { issueWithNewKey } from "../../../../src/pki/issue.js";
import {
  type CertificateProfile,
  caProfile,
  clientProfile,
  withOverrides,
} from "../../../../src/pki/profiles.js";

/** An AuthZReq body as dockerd 20.10 writes it (encoding/json, omitempty, []byte as base64). */
export interface ReqShape {
  User?: string;
  UserAuthNMethod?: string;
  RequestMethod?: string;
  RequestUri?: string;
  /** raw bytes: base64-encoded here, as Go marshals a []byte */
  body?: string | Buffer;
  RequestHeaders?: Record<string, string>;
  /** PEM texts: base64-encoded here, as PeerCertificate.MarshalJSON does */
  certs?: string[];
}

export function authzReq(shape: ReqShape): Buffer {
  const out: Record<string, unknown> = {};
  if (shape.User !== undefined) out.User = shape.User;
  if (shape.UserAuthNMethod !== undefined) out.UserAuthNMethod = shape.UserAuthNMethod;
  out.RequestMethod = shape.RequestMethod ?? "GET";
  out.RequestUri = shape.RequestUri ?? "/_ping";
  if (shape.body !== undefined) out.RequestBody = Buffer.from(shape.body).toString("base64");
  if (shape.RequestHeaders !== undefined) out.RequestHeaders = shape.RequestHeaders;
  if (shape.certs !== undefined)
    out.RequestPeerCertificates = shape.certs.map((p) => Buffer.from(p).toString("base64"));
  return Buffer.from(JSON.stringify(out));
}

export interface Pki {
  /** CN alice, O admins, OU ops, clientAuth */
  alice: string;
  /** CN bob, no extendedKeyUsage at all */
  noEku: string;
  /** CN carol, serverAuth only */
  serverOnly: string;
  /** the CA itself */
  ca: string;
}

/** Certificates signed by a throwaway CA (ECDSA P-256, made in-process). */
export async function makePki(): Promise<Pki> {
  const now = new Date();
  const ca = await issueWithNewKey(caProfile({ name: "authz-test-ca", now }), "ecdsa-p256", "self");
  const issuer = { certificatePem: ca.certificatePem, keys: ca.keys };
  const issue = async (profile: CertificateProfile): Promise<string> =>
    (await issueWithNewKey(profile, "ecdsa-p256", issuer)).certificatePem;
  const base = clientProfile({ name: "alice", groups: ["admins"], key: "ecdsa-p256", now });
  const alice: CertificateProfile = {
    ...base,
    subject: [...base.subject, { type: "OU", value: "ops" }],
  };
  return {
    alice: await issue(alice),
    noEku: await issue(
      withOverrides(clientProfile({ name: "bob", key: "ecdsa-p256", now }), {
        extendedKeyUsage: undefined,
      }),
    ),
    serverOnly: await issue(
      withOverrides(clientProfile({ name: "carol", key: "ecdsa-p256", now }), {
        extendedKeyUsage: ["serverAuth"],
      }),
    ),
    ca: ca.certificatePem,
  };
}
