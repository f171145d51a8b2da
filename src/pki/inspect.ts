import { createPrivateKey, X509Certificate } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import {
  type CertificateSummary,
  describeKeyObject,
  summariseCertificate,
} from "../audit/daemon/certificate.js";
import { DockwardError, errorMessage, systemErrorCode } from "../errors.js";
import type { FileFacts } from "../spec/daemon.js";
import {
  certificateBlocks,
  isEncryptedKey,
  issuedBy,
  pemBlocks,
  publicKeyOfCertificate,
  publicKeyOfKey,
} from "./material.js";

/**
 * `dockward tls inspect`: what a directory (or one file) of TLS material holds. The edge reads
 * the files once (`readMaterial`); `analyseMaterial` is pure and says, per certificate, what it
 * is, whom it chains to and which key belongs to it.
 */

export interface RawFile {
  path: string;
  name: string;
  facts: FileFacts | undefined;
  text: string | undefined;
  error: string | undefined;
}

export interface Material {
  /** the directory read */
  dir: string;
  /** the one file asked about, when PATH was a file */
  only: string | undefined;
  files: RawFile[];
}

const MATERIAL = /\.(pem|crt|cert|key)$/;

function facts(path: string): FileFacts {
  const st = statSync(path);
  return {
    path,
    permissions: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    owner: undefined,
    group: undefined,
    isDirectory: st.isDirectory(),
  };
}

function readOne(path: string): RawFile {
  const name = basename(path);
  let f: FileFacts | undefined;
  try {
    f = facts(path);
    return { path, name, facts: f, text: readFileSync(path, "utf8"), error: undefined };
  } catch (err) {
    const code = systemErrorCode(err);
    return {
      path,
      name,
      facts: f,
      text: undefined,
      error: code === "EACCES" ? "permission denied" : errorMessage(err),
    };
  }
}

/** Read PATH: a directory's PEM files, or one file plus its directory's (for the CA and the key). */
export function readMaterial(path: string): Material {
  const abs = resolve(path);
  let st;
  try {
    st = statSync(abs);
  } catch (err) {
    throw new DockwardError(
      "BAD_INPUT",
      `cannot read ${path}: ${systemErrorCode(err) === "ENOENT" ? "no such file or directory" : errorMessage(err)}`,
      { hint: "give a directory of TLS material (ca.pem, server-cert.pem, …) or one PEM file" },
    );
  }
  const dir = st.isDirectory() ? abs : dirname(abs);
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => MATERIAL.test(n))
      .sort();
  } catch (err) {
    if (st.isDirectory())
      throw new DockwardError("BAD_INPUT", `cannot list ${path}: ${errorMessage(err)}`, {
        hint: "check its permissions",
      });
    names = [];
  }
  if (!st.isDirectory() && !names.includes(basename(abs))) names.push(basename(abs));
  if (st.isDirectory() && names.length === 0)
    throw new DockwardError("BAD_INPUT", `${path} holds no .pem, .crt or .key files`, {
      hint: "give the directory `dockward tls init` wrote, or /etc/docker/tls, or ~/.docker",
    });
  return {
    dir,
    only: st.isDirectory() ? undefined : abs,
    files: names.map((n) => readOne(join(dir, n))),
  };
}

// ---------------------------------------------------------------------------------------------
// Pure analysis

export type CertRole = "ca" | "server" | "client" | "other";

export interface CertEntry {
  file: RawFile;
  /** 0-based position in the file (bundles hold several) */
  index: number;
  count: number;
  pem: string;
  summary: CertificateSummary;
  role: CertRole;
  /** CA files (by name) whose certificate signed this one */
  chainsTo: string[];
  /** CA files present that it was checked against (empty: there was nothing to check) */
  checkedAgainst: string[];
  /** the key file that belongs to it by Docker's naming, and whether it matches */
  key: { file: string; matches: boolean | undefined } | undefined;
}

export interface KeyEntry {
  file: RawFile;
  encrypted: boolean;
  key: { type: string; bits: number | undefined; curve: string | undefined } | undefined;
  error: string | undefined;
}

export interface Analysis {
  material: Material;
  certificates: CertEntry[];
  keys: KeyEntry[];
  /** files that are neither: unreadable, not PEM, or a PEM with nothing dockward knows */
  unreadable: { file: RawFile; why: string }[];
}

const CA_FILES = ["ca.pem", "ca-bundle.pem", "ca.old.pem"];

/** Docker's pairs (ca.pem/ca-key.pem, server-cert.pem/server-key.pem, cert.pem/key.pem) and X-cert/X-key, X.crt/X.key. */
export function keyFileFor(certName: string): string | undefined {
  if (certName === "ca.pem") return "ca-key.pem";
  if (certName === "ca.old.pem") return "ca-key.old.pem";
  if (certName === "cert.pem") return "key.pem";
  if (certName === "cert.old.pem") return "key.old.pem";
  const m = /^(.*)-cert(\.old)?\.pem$/.exec(certName);
  if (m !== null) return `${m[1] ?? ""}-key${m[2] ?? ""}.pem`;
  if (certName.endsWith(".crt")) return certName.replace(/\.crt$/, ".key");
  if (certName.endsWith(".cert")) return certName.replace(/\.cert$/, ".key");
  return undefined;
}

function roleOf(s: CertificateSummary, name: string): CertRole {
  if (s.isCa) return "ca";
  const eku = s.extendedKeyUsage;
  if (eku !== undefined) {
    if (eku.includes("serverAuth") && !eku.includes("clientAuth")) return "server";
    if (eku.includes("clientAuth") && !eku.includes("serverAuth")) return "client";
  }
  if (name.startsWith("server")) return "server";
  if (name === "cert.pem" || name === "cert.old.pem") return "client";
  return "other";
}

export function analyseMaterial(material: Material): Analysis {
  const certificates: CertEntry[] = [];
  const keys: KeyEntry[] = [];
  const unreadable: Analysis["unreadable"] = [];
  const keyTexts = new Map<string, string>();
  for (const file of material.files) {
    if (file.text === undefined) {
      unreadable.push({ file, why: file.error ?? "unreadable" });
      continue;
    }
    const blocks = pemBlocks(file.text);
    const certs = certificateBlocks(file.text);
    const keyBlock = blocks.find((b) => b.label.endsWith("PRIVATE KEY"));
    if (certs.length === 0 && keyBlock === undefined) {
      unreadable.push({
        file,
        why:
          blocks.length === 0
            ? "not a PEM file"
            : `holds ${blocks.map((b) => b.label).join(", ")}, no certificate or private key`,
      });
      continue;
    }
    certs.forEach((pem, index) => {
      try {
        const summary = summariseCertificate(pem);
        certificates.push({
          file,
          index,
          count: certs.length,
          pem,
          summary,
          role: roleOf(summary, file.name),
          chainsTo: [],
          checkedAgainst: [],
          key: undefined,
        });
      } catch (err) {
        unreadable.push({
          file,
          why: `certificate ${index + 1} does not parse: ${errorMessage(err)}`,
        });
      }
    });
    if (keyBlock !== undefined) {
      const encrypted = isEncryptedKey(file.text);
      let key: KeyEntry["key"];
      let error: string | undefined;
      if (!encrypted) {
        try {
          key = describeKey(keyBlock.text);
          keyTexts.set(file.name, keyBlock.text);
        } catch (err) {
          error = errorMessage(err);
        }
      }
      keys.push({ file, encrypted, key, error });
    }
  }
  // chains: every non-self-signed certificate against the CA files present
  const cas = certificates.filter((c) => CA_FILES.includes(c.file.name) && c.role === "ca");
  for (const c of certificates) {
    if (c.summary.selfSigned) continue;
    const x = new X509Certificate(c.pem);
    const against = [...new Set(cas.map((ca) => ca.file.name))];
    c.checkedAgainst = against;
    c.chainsTo = [
      ...new Set(
        cas.filter((ca) => issuedBy(x, new X509Certificate(ca.pem))).map((ca) => ca.file.name),
      ),
    ];
  }
  for (const c of certificates) {
    if (c.index !== 0) continue;
    const keyName = keyFileFor(c.file.name);
    if (keyName === undefined || !material.files.some((f) => f.name === keyName)) continue;
    const keyText = keyTexts.get(keyName);
    c.key = {
      file: keyName,
      matches:
        keyText === undefined
          ? undefined
          : publicKeyOfKey(keyText).equals(publicKeyOfCertificate(c.pem)),
    };
  }
  return { material, certificates, keys, unreadable };
}

export function describeKey(keyPem: string): NonNullable<KeyEntry["key"]> {
  return describeKeyObject(createPrivateKey(keyPem));
}

const DAY = 24 * 60 * 60 * 1000;

/** Whole days from now to notAfter (negative once expired). */
export function daysLeft(summary: CertificateSummary, now: Date): number {
  return Math.floor((Date.parse(summary.notAfter) - now.getTime()) / DAY);
}
