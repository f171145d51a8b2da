import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { summariseCertificate } from "../../../src/audit/daemon/certificate.js";
import { issueWithNewKey } from "../../../src/pki/issue.js";
import {
  caBundle,
  certificateBlocks,
  issuedBy,
  keyMatchesCertificate,
} from "../../../src/pki/material.js";
import { groupsOf, planInit, sansOf } from "../../../src/pki/operations.js";
import { CERT_MODE, CONFIG_MODE, KEY_MODE, type PlannedFile } from "../../../src/pki/plan.js";
import {
  caProfile,
  clientProfile,
  type KeyType,
  parseKeyType,
  serverProfile,
} from "../../../src/pki/profiles.js";
import { parseSan } from "../../../src/pki/san.js";

const now = new Date("2025-03-01T12:00:00Z");

function file(files: PlannedFile[], name: string): PlannedFile {
  const f = files.find((x) => x.name === name);
  if (f === undefined) throw new Error(`${name} not planned`);
  return f;
}

describe("tls init material", async () => {
  const files = await planInit({
    dir: "/etc/docker/tls",
    sans: [parseSan("DNS:docker.test"), parseSan("IP:10.0.0.5")],
    keyType: "ecdsa-p256",
    days: 365,
    client: true,
    listen: ["tcp://0.0.0.0:2376"],
    now,
  });
  const ca = new X509Certificate(file(files, "ca.pem").contents);
  const server = new X509Certificate(file(files, "server-cert.pem").contents);
  const client = new X509Certificate(file(files, "cert.pem").contents);

  it("uses Docker's names and modes", () => {
    expect(files.map((f) => [f.name, f.mode])).toEqual([
      ["ca.pem", CERT_MODE],
      ["ca-key.pem", KEY_MODE],
      ["server-cert.pem", CERT_MODE],
      ["server-key.pem", KEY_MODE],
      ["cert.pem", CERT_MODE],
      ["key.pem", KEY_MODE],
      ["daemon.json", CONFIG_MODE],
    ]);
    for (const k of ["ca-key.pem", "server-key.pem", "key.pem"]) {
      expect(file(files, k).contents).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    }
  });

  it("makes a CA that outlives its leaves, with CA:true", () => {
    const s = summariseCertificate(ca.toString());
    expect(s.isCa).toBe(true);
    expect(s.selfSigned).toBe(true);
    expect(s.key).toMatchObject({ type: "ec", bits: 256, curve: "prime256v1" });
    expect(Date.parse(s.notAfter)).toBeGreaterThan(
      Date.parse(summariseCertificate(server.toString()).notAfter),
    );
  });

  it("makes a server certificate with SANs (defaults first) and serverAuth only", () => {
    const s = summariseCertificate(server.toString());
    expect(s.subjectAltNames).toEqual([
      "DNS:localhost",
      "IP:127.0.0.1",
      "DNS:docker.test",
      "IP:10.0.0.5",
    ]);
    expect(s.extendedKeyUsage).toEqual(["serverAuth"]);
    expect(s.isCa).toBe(false);
    expect(issuedBy(server, ca)).toBe(true);
    expect(keyMatchesCertificate(file(files, "server-key.pem").contents, server.toString())).toBe(
      true,
    );
    expect(Date.parse(s.notAfter) - now.getTime()).toBe(365 * 86_400_000);
  });

  it("makes a client certificate with clientAuth only", () => {
    const s = summariseCertificate(client.toString());
    expect(s.extendedKeyUsage).toEqual(["clientAuth"]);
    expect(s.subject).toBe("CN=admin");
    expect(issuedBy(client, ca)).toBe(true);
    expect(keyMatchesCertificate(file(files, "key.pem").contents, client.toString())).toBe(true);
    expect(keyMatchesCertificate(file(files, "server-key.pem").contents, client.toString())).toBe(
      false,
    );
  });

  it("uses random 16-byte serials", () => {
    const serials = [ca, server, client].map((c) => c.serialNumber);
    expect(new Set(serials).size).toBe(3);
    for (const s of serials) expect(s).toMatch(/^[0-9A-F]{32}$/);
  });

  it("writes the daemon.json fragment with tls and tlsverify both true", () => {
    expect(JSON.parse(file(files, "daemon.json").contents)).toEqual({
      tls: true,
      tlsverify: true,
      tlscacert: "/etc/docker/tls/ca.pem",
      tlscert: "/etc/docker/tls/server-cert.pem",
      tlskey: "/etc/docker/tls/server-key.pem",
      hosts: ["tcp://0.0.0.0:2376"],
    });
  });

  it("reads SANs and groups back", () => {
    expect(sansOf(server.toString()).map((s) => `${s.type}:${s.value}`)).toEqual([
      "dns:localhost",
      "ip:127.0.0.1",
      "dns:docker.test",
      "ip:10.0.0.5",
    ]);
  });
});

describe("key types", () => {
  it.each<[KeyType, string, number, boolean]>([
    ["ecdsa-p256", "ec", 256, false],
    ["rsa-2048", "rsa", 2048, true],
    ["rsa-4096", "rsa", 4096, true],
  ])(
    "%s",
    async (keyType, type, bits, keyEncipherment) => {
      const ca = await issueWithNewKey(caProfile({ name: "t", now }), keyType, "self");
      const leaf = await issueWithNewKey(
        clientProfile({ name: "bob", groups: ["ops", "dev"], key: keyType, now }),
        keyType,
        { certificatePem: ca.certificatePem, keys: ca.keys },
      );
      const s = summariseCertificate(leaf.certificatePem);
      expect(s.key).toMatchObject({ type, bits });
      expect(
        issuedBy(new X509Certificate(leaf.certificatePem), new X509Certificate(ca.certificatePem)),
      ).toBe(true);
      expect(groupsOf(leaf.certificatePem)).toEqual({ name: "bob", groups: ["ops", "dev"] });
      expect(
        clientProfile({ name: "x", key: keyType, now }).keyUsage.includes("keyEncipherment"),
      ).toBe(keyEncipherment);
    },
    60_000,
  );

  it("refuses an unknown key type", () => {
    expect(() => parseKeyType("dsa-1024")).toThrow(/unknown key type "dsa-1024"/);
  });

  it("refuses identities that are not names", () => {
    expect(() => clientProfile({ name: "alice, O=admins", key: "ecdsa-p256", now })).toThrow(
      /invalid client name/,
    );
    expect(() => clientProfile({ name: "alice", groups: ["a/b"], key: "ecdsa-p256", now })).toThrow(
      /invalid client group/,
    );
  });

  it("profiles: CA signs, leaves do not", () => {
    expect(caProfile({ name: "x", now })).toMatchObject({
      isCa: true,
      keyUsage: ["keyCertSign", "cRLSign"],
      extendedKeyUsage: undefined,
    });
    expect(serverProfile({ sans: [], key: "ecdsa-p256", now })).toMatchObject({
      isCa: false,
      keyUsage: ["digitalSignature"],
      extendedKeyUsage: ["serverAuth"],
    });
  });
});

describe("caBundle", () => {
  it("puts the new CA first and each CA once", async () => {
    const a = await issueWithNewKey(caProfile({ name: "old", now }), "ecdsa-p256", "self");
    const b = await issueWithNewKey(caProfile({ name: "new", now }), "ecdsa-p256", "self");
    const bundle = caBundle(b.certificatePem, [a.certificatePem + b.certificatePem]);
    const subjects = certificateBlocks(bundle).map((p) => new X509Certificate(p).subject);
    expect(subjects).toEqual(["CN=new", "CN=old"]);
  });
});
