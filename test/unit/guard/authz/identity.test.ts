import { beforeAll, describe, expect, it } from "vitest";
import { identityOf } from "../../../../src/guard/authz/identity.js";
import { type AuthzRequest, decodeAuthzRequest } from "../../../../src/guard/authz/protocol.js";
import { type Pki, type ReqShape, authzReq, makePki } from "./fixtures.js";

function request(shape: ReqShape): AuthzRequest {
  const decoded = decodeAuthzRequest(authzReq(shape));
  if (!decoded.ok) throw new Error(decoded.problem);
  return decoded.request;
}

describe("identity in plugin mode", () => {
  let pki: Pki;
  beforeAll(async () => {
    pki = await makePki();
  });

  it("is one unauthenticated identity when dockerd names no user (its unix socket)", () => {
    expect(identityOf(request({}))).toEqual({
      ok: true,
      identity: { kind: "unix", name: "dockerd-socket", groups: [], listener: "authz" },
    });
  });

  it("is the certificate's CN, with its O then OU as groups, over TLS", () => {
    expect(
      identityOf(request({ User: "alice", UserAuthNMethod: "TLS", certs: [pki.alice, pki.ca] })),
    ).toEqual({
      ok: true,
      identity: { kind: "tls", name: "alice", groups: ["admins", "ops"], listener: "authz-tls" },
    });
  });

  it("refuses a certificate without extendedKeyUsage unless told to accept it", () => {
    const r = request({ User: "bob", UserAuthNMethod: "TLS", certs: [pki.noEku] });
    expect(identityOf(r)).toMatchObject({ ok: false, message: /no extendedKeyUsage/ });
    expect(identityOf(r, { allowCertificatesWithoutEku: true })).toMatchObject({
      ok: true,
      identity: { kind: "tls", name: "bob", groups: [] },
    });
  });

  it.each<[string, (p: Pki) => ReqShape, RegExp]>([
    [
      "a certificate not for client authentication",
      (p) => ({ User: "carol", UserAuthNMethod: "TLS", certs: [p.serverOnly] }),
      /does not include clientAuth/,
    ],
    [
      "a CA certificate",
      (p) => ({ User: "authz-test-ca", UserAuthNMethod: "TLS", certs: [p.ca] }),
      /CA certificate/,
    ],
    [
      "a user that is not the certificate's CN",
      (p) => ({ User: "root", UserAuthNMethod: "TLS", certs: [p.alice] }),
      /user "root" is not the certificate's CN "alice"/,
    ],
    [
      "TLS without a certificate",
      () => ({ User: "alice", UserAuthNMethod: "TLS" }),
      /no client certificate/,
    ],
    ["a user without an authentication method", () => ({ User: "alice" }), /without saying how/],
    [
      "an authentication method dockward does not know",
      () => ({ User: "alice", UserAuthNMethod: "krb" }),
      /"krb", which dockward does not know/,
    ],
    ["certificates without TLS", (p) => ({ certs: [p.alice] }), /without saying how/],
    [
      "a certificate that cannot be read",
      () => ({
        User: "x",
        UserAuthNMethod: "TLS",
        certs: ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"],
      }),
      /cannot be read/,
    ],
  ])("refuses %s", (_what, shape, message) => {
    expect(identityOf(request(shape(pki)))).toMatchObject({ ok: false, message });
  });
});
