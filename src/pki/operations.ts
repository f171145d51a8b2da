import { X509Certificate } from "node:crypto";
import { type Issuer, importKeyPair, issueWithNewKey } from "./issue.js";
import { caBundle, type LoadedCa } from "./material.js";
import { CERT_MODE, CONFIG_MODE, KEY_MODE, type Overwrite, type PlannedFile } from "./plan.js";
import {
  type CertificateProfile,
  caProfile,
  clientProfile,
  type Eku,
  type KeyType,
  serverProfile,
  withOverrides,
} from "./profiles.js";
import { type SubjectAltName, serverSans } from "./san.js";

/**
 * What each `dockward tls` command makes, as planned files (names, contents, modes). Signing is
 * async (WebCrypto); nothing here touches the file system.
 */

export const DEFAULT_CA_NAME = "dockward CA";
export const DEFAULT_LISTEN = ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"] as const;

/** Test-only and rescue overrides of a leaf's dates and usages. */
export interface LeafOverrides {
  notBefore?: Date;
  notAfter?: Date;
  extendedKeyUsage?: Eku[] | undefined;
}

function leaf(
  name: string,
  contents: string,
  kind: "key" | "cert",
  overwrite: Overwrite,
): PlannedFile {
  return { name, contents, mode: kind === "key" ? KEY_MODE : CERT_MODE, overwrite };
}

async function issuerOf(ca: LoadedCa): Promise<Issuer> {
  return {
    certificatePem: ca.certificatePem,
    keys: await importKeyPair(ca.keyPem, `${ca.dir}/ca-key.pem`),
  };
}

function apply(profile: CertificateProfile, o: LeafOverrides | undefined): CertificateProfile {
  return o === undefined ? profile : withOverrides(profile, o);
}

/** The daemon.json fragment: TLS on, client certificates required, and where to listen. */
export function daemonJson(dir: string, listen: readonly string[]): Record<string, unknown> {
  return {
    tls: true,
    tlsverify: true,
    tlscacert: `${dir}/ca.pem`,
    tlscert: `${dir}/server-cert.pem`,
    tlskey: `${dir}/server-key.pem`,
    hosts: [...listen],
  };
}

export interface InitOptions {
  /** absolute: daemon.json names the files by it */
  dir: string;
  sans: readonly SubjectAltName[];
  keyType: KeyType;
  days: number;
  caDays?: number;
  caName?: string;
  client: boolean;
  clientName?: string;
  listen: readonly string[];
  now: Date;
}

export async function planInit(o: InitOptions): Promise<PlannedFile[]> {
  const ca = await issueWithNewKey(
    caProfile({
      name: o.caName ?? DEFAULT_CA_NAME,
      now: o.now,
      ...(o.caDays !== undefined ? { days: o.caDays } : {}),
    }),
    o.keyType,
    "self",
  );
  const issuer: Issuer = { certificatePem: ca.certificatePem, keys: ca.keys };
  const [server, client] = await Promise.all([
    issueWithNewKey(
      serverProfile({ sans: serverSans(o.sans), key: o.keyType, now: o.now, days: o.days }),
      o.keyType,
      issuer,
    ),
    o.client
      ? issueWithNewKey(
          clientProfile({
            name: o.clientName ?? "admin",
            key: o.keyType,
            now: o.now,
            days: o.days,
          }),
          o.keyType,
          issuer,
        )
      : undefined,
  ]);
  const files = [
    leaf("ca.pem", ca.certificatePem, "cert", "refuse"),
    leaf("ca-key.pem", ca.keyPem, "key", "refuse"),
    leaf("server-cert.pem", server.certificatePem, "cert", "refuse"),
    leaf("server-key.pem", server.keyPem, "key", "refuse"),
  ];
  if (client !== undefined)
    files.push(
      leaf("cert.pem", client.certificatePem, "cert", "refuse"),
      leaf("key.pem", client.keyPem, "key", "refuse"),
    );
  files.push({
    name: "daemon.json",
    contents: `${JSON.stringify(daemonJson(o.dir, o.listen), null, 2)}\n`,
    mode: CONFIG_MODE,
    overwrite: "refuse",
  });
  return files;
}

export interface ClientOptions {
  name: string;
  groups: readonly string[];
  keyType: KeyType;
  days: number;
  ca: LoadedCa;
  now: Date;
  /** the output directory holds the CA itself (ca-key.pem): its ca.pem is left alone */
  outHoldsCa: boolean;
  overwrite: Overwrite;
  overrides?: LeafOverrides;
}

/** cert.pem, key.pem and the ca.pem a client verifies the daemon with (the bundle mid-rotation). */
export async function planClient(o: ClientOptions): Promise<PlannedFile[]> {
  const profile = apply(
    clientProfile({ name: o.name, groups: o.groups, key: o.keyType, now: o.now, days: o.days }),
    o.overrides,
  );
  const c = await issueWithNewKey(profile, o.keyType, await issuerOf(o.ca));
  const files = [
    leaf("cert.pem", c.certificatePem, "cert", o.overwrite),
    leaf("key.pem", c.keyPem, "key", o.overwrite),
  ];
  if (!o.outHoldsCa)
    files.push(leaf("ca.pem", o.ca.bundlePem ?? o.ca.certificatePem, "cert", o.overwrite));
  return files;
}

export async function planServer(o: {
  sans: readonly SubjectAltName[];
  keyType: KeyType;
  days: number;
  ca: LoadedCa;
  now: Date;
  overrides?: LeafOverrides;
}): Promise<PlannedFile[]> {
  const profile = apply(
    serverProfile({ sans: serverSans(o.sans), key: o.keyType, now: o.now, days: o.days }),
    o.overrides,
  );
  const s = await issueWithNewKey(profile, o.keyType, await issuerOf(o.ca));
  return [
    leaf("server-cert.pem", s.certificatePem, "cert", "keep-old"),
    leaf("server-key.pem", s.keyPem, "key", "keep-old"),
  ];
}

/**
 * A new CA, the bundle (new + old) for `tlscacert` during the overlap, and the server
 * certificate re-issued from the new CA. The old ca.pem / ca-key.pem are kept as *.old.pem.
 */
export async function planRotateCa(o: {
  old: LoadedCa;
  sans: readonly SubjectAltName[];
  keyType: KeyType;
  days: number;
  caDays?: number;
  caName?: string;
  now: Date;
}): Promise<PlannedFile[]> {
  const ca = await issueWithNewKey(
    caProfile({
      name: o.caName ?? DEFAULT_CA_NAME,
      now: o.now,
      ...(o.caDays !== undefined ? { days: o.caDays } : {}),
    }),
    o.keyType,
    "self",
  );
  const server = await issueWithNewKey(
    serverProfile({ sans: serverSans(o.sans), key: o.keyType, now: o.now, days: o.days }),
    o.keyType,
    { certificatePem: ca.certificatePem, keys: ca.keys },
  );
  return [
    leaf("ca.pem", ca.certificatePem, "cert", "keep-old"),
    leaf("ca-key.pem", ca.keyPem, "key", "keep-old"),
    leaf("ca-bundle.pem", caBundle(ca.certificatePem, [o.old.certificatePem]), "cert", "keep-old"),
    leaf("server-cert.pem", server.certificatePem, "cert", "keep-old"),
    leaf("server-key.pem", server.keyPem, "key", "keep-old"),
  ];
}

/** The SANs of an existing server certificate, to renew it with the same names. */
export function sansOf(certPem: string): SubjectAltName[] {
  const text = new X509Certificate(certPem).subjectAltName ?? "";
  const out: SubjectAltName[] = [];
  for (const part of text.split(", ")) {
    if (part.startsWith("DNS:")) out.push({ type: "dns", value: part.slice(4) });
    else if (part.startsWith("IP Address:")) out.push({ type: "ip", value: part.slice(11) });
  }
  return out;
}

/** The O attributes of an existing client certificate: its groups. */
export function groupsOf(certPem: string): { name: string | undefined; groups: string[] } {
  const lines = new X509Certificate(certPem).subject.split("\n");
  return {
    name: lines.find((l) => l.startsWith("CN="))?.slice(3),
    groups: lines.filter((l) => l.startsWith("O=")).map((l) => l.slice(2)),
  };
}
