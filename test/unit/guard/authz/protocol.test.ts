import { describe, expect, it } from "vitest";
import {
  decodeAuthzRequest,
  discoverableByName,
  encodeAuthzAnswer,
  pluginNameOf,
} from "../../../../src/guard/authz/protocol.js";
import { authzReq } from "./fixtures.js";

const b64 = (s: string): string => Buffer.from(s).toString("base64");

describe("decodeAuthzRequest", () => {
  it("reads what dockerd sends for a request on its unix socket", () => {
    const decoded = decodeAuthzRequest(
      authzReq({
        RequestMethod: "POST",
        RequestUri: "/v1.41/containers/create?name=x",
        body: '{"Image":"busybox"}',
        RequestHeaders: { "Content-Length": "19", "Content-Type": "application/json" },
      }),
    );
    expect(decoded).toEqual({
      ok: true,
      request: {
        user: "",
        userAuthNMethod: "",
        method: "POST",
        uri: "/v1.41/containers/create?name=x",
        body: Buffer.from('{"Image":"busybox"}'),
        headers: { "content-length": "19", "content-type": "application/json" },
        peerCertificates: [],
      },
    });
  });

  it("keeps the PEM of each peer certificate, and the user", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    const decoded = decodeAuthzRequest(
      authzReq({ User: "alice", UserAuthNMethod: "TLS", certs: [pem] }),
    );
    expect(decoded.ok && decoded.request).toMatchObject({
      user: "alice",
      userAuthNMethod: "TLS",
      peerCertificates: [pem],
    });
  });

  it("takes an empty RequestBody as no body (Go omits an empty []byte)", () => {
    const decoded = decodeAuthzRequest(
      Buffer.from('{"RequestMethod":"GET","RequestUri":"/_ping","RequestBody":""}'),
    );
    expect(decoded.ok && decoded.request.body).toBeUndefined();
  });

  it.each([
    ["not JSON", "{", /^not JSON: /],
    ["an array", "[]", /not a JSON object/],
    ["no method", '{"RequestUri":"/_ping"}', /RequestMethod and RequestUri are required/],
    ["no target", '{"RequestMethod":"GET"}', /RequestMethod and RequestUri are required/],
    [
      "a key dockerd never writes",
      '{"RequestMethod":"GET","RequestUri":"/","Extra":1}',
      /unexpected key "Extra"/,
    ],
    [
      "a key in another case",
      '{"RequestMethod":"GET","requesturi":"/"}',
      /unexpected key "requesturi"/,
    ],
    [
      "a Response key in a request",
      '{"RequestMethod":"GET","RequestUri":"/","ResponseStatusCode":200}',
      /unexpected key "ResponseStatusCode"/,
    ],
    [
      "a repeated key",
      '{"RequestMethod":"GET","RequestUri":"/a","RequestUri":"/b"}',
      /RequestUri appears twice/,
    ],
    ["a method of the wrong type", '{"RequestMethod":1,"RequestUri":"/"}', /not a string/],
    ["a method that is no token", '{"RequestMethod":"G T","RequestUri":"/"}', /not an HTTP method/],
    [
      "a target with a space",
      '{"RequestMethod":"GET","RequestUri":"/a b"}',
      /not a request target/,
    ],
    ["a null user", '{"RequestMethod":"GET","RequestUri":"/","User":null}', /User is not a string/],
    [
      "a body that is not base64",
      '{"RequestMethod":"POST","RequestUri":"/","RequestBody":"e30"}',
      /RequestBody is not base64/,
    ],
    [
      "a body in the URL alphabet",
      `{"RequestMethod":"POST","RequestUri":"/","RequestBody":"-_8="}`,
      /RequestBody is not base64/,
    ],
    [
      "headers that are not an object",
      '{"RequestMethod":"GET","RequestUri":"/","RequestHeaders":["a"]}',
      /RequestHeaders is not an object/,
    ],
    [
      "a header value that is a list",
      '{"RequestMethod":"GET","RequestUri":"/","RequestHeaders":{"A":["1"]}}',
      /RequestHeaders\["A"\] is not a string/,
    ],
    [
      "one header twice in different case",
      '{"RequestMethod":"GET","RequestUri":"/","RequestHeaders":{"Content-Length":"0","content-length":"9"}}',
      /names "content-length" twice/,
    ],
    [
      "certificates that are not a list",
      '{"RequestMethod":"GET","RequestUri":"/","RequestPeerCertificates":"x"}',
      /not an array/,
    ],
    [
      "a certificate that is not PEM",
      `{"RequestMethod":"GET","RequestUri":"/","RequestPeerCertificates":["${b64("hello")}"]}`,
      /RequestPeerCertificates\[0\] is not a PEM certificate/,
    ],
  ])("refuses %s", (_what, text, problem) => {
    const decoded = decodeAuthzRequest(Buffer.from(text));
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.problem).toMatch(problem);
  });
});

describe("answers", () => {
  it("says allow and deny in a 200, a fault as a non-200 with Err", () => {
    expect(encodeAuthzAnswer({ kind: "allow" })).toEqual({
      status: 200,
      body: '{"Allow":true,"Msg":"","Err":""}',
    });
    expect(encodeAuthzAnswer({ kind: "deny", message: "no" })).toEqual({
      status: 200,
      body: '{"Allow":false,"Msg":"no","Err":""}',
    });
    expect(encodeAuthzAnswer({ kind: "fault", message: "broken" })).toEqual({
      status: 500,
      body: '{"Allow":false,"Msg":"broken","Err":"broken"}',
    });
  });
});

describe("the plugin's name", () => {
  it.each([
    ["/run/docker/plugins/dockward.sock", "dockward", true],
    ["/run/docker/plugins/dockward/dockward.sock", "dockward", true],
    ["/run/dockward/guard.sock", "guard", false],
    ["/run/dockward/authz", "authz", false],
  ])("%s is %s (found by name: %s)", (socket, name, byName) => {
    expect(pluginNameOf(socket)).toBe(name);
    expect(discoverableByName(socket, name)).toBe(byName);
  });

  it.each(["/run/docker/plugins/.sock", "/run/docker/plugins/a b.sock", "/x/-x.sock"])(
    "%s gives none",
    (socket) => {
      expect(pluginNameOf(socket)).toBeUndefined();
    },
  );
});
