import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Duplex } from "node:stream";
import type * as tls from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  splitSubjectAltNames,
  summariseCertificate,
} from "../../../src/audit/daemon/certificate.js";
import {
  type HttpAnswer,
  classifyPingAnswer,
  clientCertDemand,
  parseHttpResponse,
  probe,
} from "../../../src/audit/daemon/probe.js";

/**
 * The probe against in-process servers that answer like dockerd does (Go's HTTP server and its
 * TLS port that answers plain HTTP with a 400), and like things that are not dockerd. The real
 * daemons are in test/integration/daemon-probe.test.ts.
 */

const PING_OK =
  "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nCache-Control: no-cache, no-store, must-revalidate\r\n" +
  "Content-Length: 2\r\nContent-Type: text/plain; charset=utf-8\r\nDocker-Experimental: false\r\n" +
  "Ostype: linux\r\nPragma: no-cache\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\n" +
  "Date: Sat, 28 Nov 2026 17:10:05 GMT\r\n\r\nOK";
const GO_TLS_PORT_ANSWER =
  "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n";

function answer(text: string, ended = true): HttpAnswer {
  const parsed = parseHttpResponse(Buffer.from(text, "latin1"), ended);
  if (parsed === undefined) throw new Error(`not an HTTP response: ${text}`);
  return parsed.answer;
}

describe("parseHttpResponse", () => {
  it("reads status, lower-cased headers and a Content-Length body", () => {
    const parsed = parseHttpResponse(Buffer.from(PING_OK), false);
    expect(parsed?.complete).toBe(true);
    expect(parsed?.answer.status).toBe(200);
    expect(parsed?.answer.headers.get("api-version")).toBe("1.41");
    expect(parsed?.answer.body.toString()).toBe("OK");
  });

  it("waits for the rest of the body, or for the end without a Content-Length", () => {
    expect(parseHttpResponse(Buffer.from(PING_OK.slice(0, -1)), false)?.complete).toBe(false);
    expect(parseHttpResponse(Buffer.from(GO_TLS_PORT_ANSWER), false)?.complete).toBe(false);
    expect(parseHttpResponse(Buffer.from(GO_TLS_PORT_ANSWER), true)).toMatchObject({
      complete: true,
      answer: { status: 400 },
    });
  });

  it.each(["", "HTTP/1.1 200 OK\r\n", "SSH-2.0-OpenSSH_9.2\r\n\r\n", "HTTP/2 200\r\n\r\n"])(
    "%j is not (yet) a response",
    (text) => {
      expect(parseHttpResponse(Buffer.from(text), true)).toBeUndefined();
    },
  );
});

describe("classifyPingAnswer", () => {
  it("a Docker daemon: 200, OK, Api-Version", () => {
    expect(classifyPingAnswer(answer(PING_OK))).toEqual({
      kind: "docker",
      ping: {
        status: 200,
        apiVersion: "1.41",
        server: "Docker/20.10.24+dfsg1 (linux)",
        osType: "linux",
      },
    });
  });

  it("Go's answer to plain HTTP on a TLS port", () => {
    expect(classifyPingAnswer(answer(GO_TLS_PORT_ANSWER))).toEqual({ kind: "tls-port" });
  });

  it.each([
    ["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK", /answered 200, no Api-Version header: "OK"/],
    [
      "HTTP/1.1 404 Not Found\r\nServer: nginx\r\nContent-Length: 9\r\n\r\nnot found",
      /answered 404 \(Server: nginx\)/,
    ],
    [
      "HTTP/1.1 403 Forbidden\r\nApi-Version: 1.41\r\nContent-Length: 0\r\n\r\n",
      /403.*Api-Version 1\.41/,
    ],
  ])("anything else is not a Docker /_ping: %j", (text, detail) => {
    const verdict = classifyPingAnswer(answer(text));
    expect(verdict.kind).toBe("other");
    if (verdict.kind === "other") expect(verdict.detail).toMatch(detail);
  });
});

describe("clientCertDemand", () => {
  it.each([
    ["ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", "early", /certificate_required/],
    ["ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE", "server-certificate", /bad_certificate/],
    ["ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE", "finished", /bad_certificate/],
    ["ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE", "server-certificate", /handshake_failure/],
    ["ECONNRESET", "finished", /dropped the connection \(ECONNRESET\)/],
    ["EPIPE", "server-certificate", /EPIPE/],
  ] as const)("%s at stage %s → %s", (code, stage, evidence) => {
    expect(clientCertDemand(code, stage)).toMatch(evidence);
  });

  it.each([
    // a handshake failure before the server's certificate is version or cipher trouble
    ["ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE", "early"],
    ["ECONNRESET", "early"],
    ["ERR_SSL_WRONG_VERSION_NUMBER", "early"],
    ["ERR_SSL_WRONG_VERSION_NUMBER", "server-certificate"],
    [undefined, "finished"],
  ] as const)("%s at stage %s is not a demand", (code, stage) => {
    expect(clientCertDemand(code, stage)).toBeUndefined();
  });
});

describe("splitSubjectAltNames", () => {
  it("splits node's list and spells IP Address as IP", () => {
    expect(
      splitSubjectAltNames("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"),
    ).toEqual(["DNS:localhost", "IP:127.0.0.1", "IP:0:0:0:0:0:0:0:1"]);
  });

  it("keeps a quoted value with a comma whole", () => {
    expect(splitSubjectAltNames('URI:"https://a.test/x,y", DNS:b.test')).toEqual([
      "URI:https://a.test/x,y",
      "DNS:b.test",
    ]);
  });

  it("no extension, no names", () => {
    expect(splitSubjectAltNames(undefined)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// In-process servers

interface Pki {
  dir: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  rsaCert: Buffer;
}

function openssl(args: readonly string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** A CA and a server certificate (EC P-256), and a self-signed RSA CA certificate. */
function makePki(): Pki {
  const dir = fs.mkdtempSync(join(tmpdir(), "dw-probe-pki-"));
  const f = (name: string): string => join(dir, name);
  fs.writeFileSync(
    f("ext.cnf"),
    "basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n" +
      "subjectAltName=DNS:localhost,DNS:probe.test,IP:127.0.0.1\n",
  );
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl(
    ["req", "-x509", ...ec, "-keyout", f("ca-key.pem"), "-out", f("ca.pem"), "-days", "2"].concat([
      "-subj",
      "/CN=probe-ca",
    ]),
  );
  openssl([
    "req",
    "-new",
    ...ec,
    "-keyout",
    f("key.pem"),
    "-out",
    f("server.csr"),
    "-subj",
    "/CN=localhost",
  ]);
  openssl([
    ...["x509", "-req", "-in", f("server.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca-key.pem")],
    ...["-CAcreateserial", "-days", "2", "-extfile", f("ext.cnf"), "-out", f("cert.pem")],
  ]);
  openssl([
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f("rsa-key.pem")],
    ...["-out", f("rsa.pem"), "-days", "2", "-subj", "/CN=rsa-ca/O=Probe, Inc."],
  ]);
  return {
    dir,
    ca: fs.readFileSync(f("ca.pem")),
    cert: fs.readFileSync(f("cert.pem")),
    key: fs.readFileSync(f("key.pem")),
    rsaCert: fs.readFileSync(f("rsa.pem")),
  };
}

const servers: net.Server[] = [];
/** Every request line any test server received: the probe may only ever send GET /_ping. */
const requests: string[] = [];

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

function pingHandler(req: http.IncomingMessage, res: http.ServerResponse): void {
  requests.push(`${req.method ?? "?"} ${req.url ?? "?"}`);
  res.setHeader("Api-Version", "1.41");
  res.setHeader("Ostype", "linux");
  res.setHeader("Server", "Docker/20.10.24 (linux)");
  res.end("OK");
}

/**
 * A TLS port like dockerd's: a TLS ClientHello goes to the TLS server, plain HTTP gets Go's
 * 400 answer.
 */
async function goLikeTlsPort(options: tls.TlsOptions): Promise<number> {
  const tlsServer = https.createServer(options, pingHandler);
  tlsServer.on("tlsClientError", () => undefined);
  const front = net.createServer((socket) => {
    socket.on("error", () => undefined);
    socket.once("data", (first: Buffer) => {
      if (first[0] === 0x16) {
        // TLSWrap reads a net.Socket's handle directly, past anything unshifted: hand the TLS
        // server a plain stream instead, starting with the bytes already read.
        const duplex = new Duplex({
          read() {
            socket.resume();
          },
          write(chunk: Buffer, _encoding, callback) {
            socket.write(chunk, callback);
          },
          final(callback) {
            socket.end(callback);
          },
          destroy(err, callback) {
            socket.destroy();
            callback(err);
          },
        });
        duplex.on("error", () => undefined);
        duplex.push(first);
        socket.on("data", (chunk: Buffer) => {
          if (!duplex.push(chunk)) socket.pause();
        });
        socket.on("end", () => duplex.push(null));
        socket.on("close", () => duplex.destroy());
        tlsServer.emit("connection", duplex);
        return;
      }
      requests.push(first.toString("latin1").split("\r\n")[0] ?? "");
      socket.end(GO_TLS_PORT_ANSWER);
    });
  });
  return listen(front);
}

describe("probe against in-process servers", () => {
  let pki: Pki;

  beforeAll(() => {
    pki = makePki();
  });

  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.close();
      // keep-alive or half-open test sockets must not hold the test up
      (s as Partial<http.Server>).closeAllConnections?.();
    }
    await Promise.resolve();
  });

  afterAll(() => {
    fs.rmSync(pki.dir, { recursive: true, force: true });
    expect(new Set(requests)).toEqual(new Set(["GET /_ping HTTP/1.1", "GET /_ping"]));
  });

  it("an open daemon", async () => {
    const port = await listen(http.createServer(pingHandler));
    const r = await probe("127.0.0.1", port);
    expect(r).toMatchObject({
      exposure: "open",
      host: "127.0.0.1",
      port,
      ping: { status: 200, apiVersion: "1.41", osType: "linux", server: "Docker/20.10.24 (linux)" },
    });
    expect(r.elapsedMs).toBeGreaterThanOrEqual(0);
  });

  it("TLS without client auth, with the server's certificate and chain facts", async () => {
    const port = await goLikeTlsPort({ key: pki.key, cert: pki.cert });
    const r = await probe("127.0.0.1", port);
    expect(r.exposure).toBe("tls-no-client-auth");
    if (r.exposure !== "tls-no-client-auth") return;
    expect(r.ping.apiVersion).toBe("1.41");
    expect(r.tls).toMatchObject({
      protocol: "TLSv1.3",
      authorizationError: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      chain: [],
      certificate: {
        subject: "CN=localhost",
        issuer: "CN=probe-ca",
        subjectAltNames: ["DNS:localhost", "DNS:probe.test", "IP:127.0.0.1"],
        key: { type: "ec", bits: 256, curve: "prime256v1" },
        extendedKeyUsage: ["serverAuth"],
        isCa: false,
        selfSigned: false,
      },
    });
  });

  it.each(["TLSv1.3", "TLSv1.2"] as const)(
    "TLS that demands a client certificate (%s), certificate still reported",
    async (maxVersion) => {
      const port = await goLikeTlsPort({
        key: pki.key,
        cert: pki.cert,
        ca: pki.ca,
        requestCert: true,
        rejectUnauthorized: true,
        maxVersion,
      });
      const r = await probe("127.0.0.1", port);
      expect(r.exposure).toBe("tls-client-auth");
      if (r.exposure !== "tls-client-auth") return;
      expect(r.evidence).toMatch(
        maxVersion === "TLSv1.3" ? /certificate_required/ : /handshake_failure/,
      );
      expect(r.tls.protocol).toBe(maxVersion);
      expect(r.tls.certificate?.subjectAltNames).toContain("DNS:probe.test");
    },
  );

  it("an HTTP server that is not Docker: unknown, and no TLS attempt", async () => {
    let connections = 0;
    const server = http.createServer((req, res) => {
      requests.push(`${req.method ?? "?"} ${req.url ?? "?"}`);
      res.statusCode = 404;
      res.setHeader("Server", "nginx");
      res.end("not found");
    });
    server.on("connection", () => (connections += 1));
    const port = await listen(server);
    const r = await probe("127.0.0.1", port);
    expect(r).toMatchObject({ exposure: "unknown", reason: "not-docker" });
    if (r.exposure === "unknown") expect(r.detail).toMatch(/404 \(Server: nginx\)/);
    expect(connections).toBe(1);
  });

  it("a server that talks first (sshd): not HTTP, not TLS, without waiting for the timeout", async () => {
    const port = await listen(
      net.createServer((socket) => {
        socket.on("error", () => undefined);
        socket.write("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
      }),
    );
    const r = await probe("127.0.0.1", port, { timeoutMs: 3_000 });
    expect(r).toMatchObject({ exposure: "unknown", reason: "not-tls" });
    expect(r.elapsedMs).toBeLessThan(2_000);
  });

  it("a server that closes at once: unknown", async () => {
    const port = await listen(net.createServer((socket) => socket.destroy()));
    const r = await probe("127.0.0.1", port, { timeoutMs: 2_000 });
    expect(r.exposure).toBe("unknown");
    if (r.exposure === "unknown") expect(["not-tls", "closed", "error"]).toContain(r.reason);
  });

  it("nothing listening: refused", async () => {
    const port = await listen(net.createServer());
    await new Promise<void>((resolve) =>
      servers.pop()?.close(() => {
        resolve();
      }),
    );
    const r = await probe("127.0.0.1", port);
    expect(r).toMatchObject({ exposure: "unknown", reason: "refused", port });
  });

  it("accepts and never answers: timeout, once (no TLS attempt after a silent port)", async () => {
    let connections = 0;
    const held: net.Socket[] = [];
    const port = await listen(
      net.createServer((socket) => {
        connections += 1;
        held.push(socket);
      }),
    );
    const r = await probe("127.0.0.1", port, { timeoutMs: 300 });
    for (const s of held) s.destroy();
    expect(r).toMatchObject({ exposure: "unknown", reason: "timeout" });
    if (r.exposure === "unknown") expect(r.detail).toBe("connected, but no answer within 300 ms");
    expect(connections).toBe(1);
  });

  it.each([0, 70_000, 1.5])("a bad port (%s) is an answer, not a throw", async (port) => {
    expect(await probe("127.0.0.1", port)).toMatchObject({ exposure: "unknown", reason: "error" });
  });

  it("an unresolvable name: unreachable", async () => {
    const r = await probe("no-such-host.invalid", 2375, { timeoutMs: 3_000 });
    expect(r.exposure).toBe("unknown");
    if (r.exposure === "unknown") expect(["unreachable", "timeout"]).toContain(r.reason);
  });

  it("an IPv6 loopback endpoint", async () => {
    const server = http.createServer(pingHandler);
    servers.push(server);
    const listening = await new Promise<boolean>((resolve) => {
      server.once("error", () => {
        resolve(false);
      });
      server.listen(0, "::1", () => {
        resolve(true);
      });
    });
    if (!listening) return; // no IPv6 on this machine
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    expect(await probe("::1", port)).toMatchObject({ exposure: "open", host: "::1" });
  });
});

describe("summariseCertificate", () => {
  it("an RSA self-signed CA certificate", () => {
    const pki = makePki();
    try {
      const s = summariseCertificate(pki.rsaCert);
      expect(s).toMatchObject({
        subject: "CN=rsa-ca, O=Probe\\, Inc.",
        key: { type: "rsa", bits: 2048, curve: undefined },
        isCa: true,
        selfSigned: true,
        subjectAltNames: [],
        extendedKeyUsage: undefined,
      });
      expect(Date.parse(s.notAfter) - Date.parse(s.notBefore)).toBe(2 * 86_400_000);
      expect(s.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    } finally {
      fs.rmSync(pki.dir, { recursive: true, force: true });
    }
  });
});
