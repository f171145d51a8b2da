import { describe, expect, it } from "vitest";
import {
  CLIENT_AUTH_OID,
  type PeerCertificateFacts,
  type RefusalReason,
  identityFromCertificate,
  identityLabel,
} from "../../../../src/guard/server/identity.js";

const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

describe("identityFromCertificate", () => {
  it("names the client by its CN, with O then OU as groups", () => {
    expect(
      identityFromCertificate(
        {
          subject: { CN: "alice", O: ["ops", "dev"], OU: "platform" },
          extendedKeyUsage: [CLIENT_AUTH_OID],
          ca: false,
        },
        "tcp://0.0.0.0:2376",
      ),
    ).toEqual({
      ok: true,
      identity: {
        kind: "tls",
        name: "alice",
        groups: ["ops", "dev", "platform"],
        listener: "tcp://0.0.0.0:2376",
      },
    });
  });

  const refusals: [
    string,
    PeerCertificateFacts | undefined,
    { allowCertificatesWithoutEku?: boolean },
    RefusalReason,
  ][] = [
    ["no certificate", undefined, {}, "no-certificate"],
    [
      "a CA certificate",
      { subject: { CN: "ca" }, extendedKeyUsage: undefined, ca: true },
      {},
      "ca-certificate",
    ],
    [
      "no extendedKeyUsage",
      { subject: { CN: "a" }, extendedKeyUsage: undefined, ca: false },
      {},
      "no-extended-key-usage",
    ],
    [
      "serverAuth only",
      { subject: { CN: "a" }, extendedKeyUsage: [SERVER_AUTH], ca: false },
      { allowCertificatesWithoutEku: true },
      "not-for-client-auth",
    ],
    [
      "no CN",
      { subject: { O: "ops" }, extendedKeyUsage: [CLIENT_AUTH_OID], ca: false },
      {},
      "no-common-name",
    ],
    [
      "an empty CN",
      { subject: { CN: "" }, extendedKeyUsage: [CLIENT_AUTH_OID], ca: false },
      {},
      "no-common-name",
    ],
    [
      "two CNs",
      { subject: { CN: ["a", "b"] }, extendedKeyUsage: [CLIENT_AUTH_OID], ca: false },
      {},
      "several-common-names",
    ],
  ];
  it.each(refusals)("refuses %s", (_what, peer, options, reason) => {
    const r = identityFromCertificate(peer, "l", options);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe(reason);
  });

  it("accepts a certificate without extendedKeyUsage only when the listener allows it", () => {
    const peer = { subject: { CN: "legacy" }, extendedKeyUsage: undefined, ca: false };
    expect(identityFromCertificate(peer, "l").ok).toBe(false);
    expect(identityFromCertificate(peer, "l", { allowCertificatesWithoutEku: true }).ok).toBe(true);
  });

  it("labels identities by kind", () => {
    expect(identityLabel({ kind: "tls", name: "alice", groups: [], listener: "l" })).toBe(
      "tls:alice",
    );
    expect(identityLabel({ kind: "unix", name: "ci", groups: [], listener: "l" })).toBe("unix:ci");
  });
});
