import { describe, expect, it } from "vitest";
import {
  pathOf,
  rawResponseHead,
  relayedResponseHeaders,
  requestFraming,
  upgradeProtocol,
  upstreamRequestHeaders,
} from "../../../../src/guard/server/headers.js";

describe("requestFraming", () => {
  it.each([
    [{}, { kind: "none" }],
    [{ "content-length": "0" }, { kind: "none" }],
    [{ "content-length": "42" }, { kind: "length", length: 42 }],
    [{ "transfer-encoding": "chunked" }, { kind: "chunked" }],
    [{ "transfer-encoding": " Chunked " }, { kind: "chunked" }],
  ] as const)("%j → %j", (headers, expected) => {
    expect(requestFraming(headers)).toEqual(expected);
  });

  it.each([
    [{ "transfer-encoding": "gzip, chunked" }, /gzip, chunked/],
    [{ "transfer-encoding": "identity" }, /identity/],
    [{ "content-length": "-1" }, /Content-Length "-1"/],
    [{ "content-length": "1e3" }, /Content-Length/],
  ] as const)("refuses %j", (headers, why) => {
    const f = requestFraming(headers);
    expect(f.kind).toBe("invalid");
    if (f.kind === "invalid") expect(f.why).toMatch(why);
  });
});

describe("upgradeProtocol", () => {
  it.each(["tcp", "TCP", " h2c ", "websocket"])("relays %j", (value) => {
    expect(upgradeProtocol(value)).toEqual({ ok: true, protocol: value.trim().toLowerCase() });
  });

  it.each([undefined, "", "foo", "tcp, h2c", "h2"])("refuses %j", (value) => {
    expect(upgradeProtocol(value).ok).toBe(false);
  });
});

describe("upstreamRequestHeaders", () => {
  const client = {
    host: "127.0.0.1:2376",
    "content-type": "application/json",
    "content-length": "999",
    "transfer-encoding": "chunked",
    connection: "keep-alive, X-Secret",
    "keep-alive": "timeout=5",
    "proxy-authorization": "Basic eA==",
    "proxy-connection": "keep-alive",
    te: "trailers",
    trailer: "X-T",
    upgrade: "tcp",
    expect: "100-continue",
    "x-secret": "listed in Connection",
    "x-registry-auth": "e30=",
    "user-agent": "Docker-Client/28.2.2 (linux)",
  };

  it("drops hop-by-hop fields (and those Connection lists), sets Host and a fresh length", () => {
    expect(
      upstreamRequestHeaders(client, { host: "docker", contentLength: 17, upgrade: undefined }),
    ).toEqual({
      host: "docker",
      "content-type": "application/json",
      "content-length": "17",
      "x-registry-auth": "e30=",
      "user-agent": "Docker-Client/28.2.2 (linux)",
    });
  });

  it("announces no length when there is none to announce", () => {
    const h = upstreamRequestHeaders(client, {
      host: "docker",
      contentLength: undefined,
      upgrade: undefined,
    });
    expect(h["content-length"]).toBeUndefined();
    expect(h["transfer-encoding"]).toBeUndefined();
  });

  it("keeps the upgrade of a hijack", () => {
    const h = upstreamRequestHeaders(client, { host: "docker", contentLength: 0, upgrade: "tcp" });
    expect(h.connection).toBe("Upgrade");
    expect(h.upgrade).toBe("tcp");
    expect(h["content-length"]).toBe("0");
  });
});

describe("relayedResponseHeaders", () => {
  it("keeps end-to-end fields only", () => {
    expect(
      relayedResponseHeaders({
        "content-type": "application/json",
        "content-length": "2",
        "transfer-encoding": "chunked",
        connection: "close, X-Hop",
        "x-hop": "1",
        "keep-alive": "timeout=5",
        "api-version": "1.41",
        "set-cookie": ["a=1", "b=2"],
      }),
    ).toEqual([
      ["content-type", "application/json"],
      ["content-length", "2"],
      ["api-version", "1.41"],
      ["set-cookie", ["a=1", "b=2"]],
    ]);
  });
});

describe("rawResponseHead", () => {
  it("writes the status line and the fields kept, then the extra lines", () => {
    const head = rawResponseHead(
      101,
      "UPGRADED",
      [
        "Content-Type",
        "application/vnd.docker.raw-stream",
        "Connection",
        "Upgrade",
        "Bad",
        "a\r\nb",
      ],
      (name) => name !== "connection",
      ["Connection: close"],
    ).toString("latin1");
    expect(head).toBe(
      "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: close\r\n\r\n",
    );
  });
});

describe("pathOf", () => {
  it.each([
    ["/v1.41/containers/json?all=1", "/v1.41/containers/json"],
    ["/_ping", "/_ping"],
    ["/images/create?fromImage=x&token=secret", "/images/create"],
  ])("%s → %s", (target, path) => {
    expect(pathOf(target)).toBe(path);
  });
});
