import type { Policy } from "../policy/policy.js";
import { evaluateDaemons, evaluatePki } from "../rules/evaluate.js";
import type { Finding } from "../rules/types.js";
import type { DaemonSpec, TlsCertificateFile, TlsKeyFile } from "../spec/daemon.js";
import type { Target } from "../spec/model.js";
import type { Analysis, RawFile } from "./inspect.js";

/**
 * Findings for `dockward tls inspect`. The daemon's own material (ca.pem, server-cert.pem,
 * server-key.pem) is judged by the registered DW-TLS rules through a DaemonSpec, exactly as
 * `audit` judges a live daemon's files. What those rules cannot see — client certificates,
 * chains, key/certificate pairs, key files other than the daemon's — is judged by the checks
 * below (DW-PKI-*), which produce the same Finding shape and go into the same report.
 */

export function daemonSpecOf(
  a: Analysis,
  target: Target,
): { spec: DaemonSpec; judged: Set<string> } | undefined {
  const byName = (n: string): RawFile | undefined => a.material.files.find((f) => f.name === n);
  const server = byName("server-cert.pem");
  const serverKey = byName("server-key.pem");
  if (server === undefined && serverKey === undefined) return undefined;
  const judged = new Set<string>();
  const certFile = (f: RawFile | undefined): TlsCertificateFile | undefined => {
    if (f === undefined) return undefined;
    const first = a.certificates.find((c) => c.file === f && c.index === 0);
    if (first !== undefined) judged.add(`${f.path}#0`);
    return {
      path: f.path,
      origin: { file: f.path },
      file: f.facts,
      error: f.error,
      certificate: first?.summary,
    };
  };
  const keyFile = (f: RawFile | undefined): TlsKeyFile | undefined => {
    if (f === undefined) return undefined;
    judged.add(f.path);
    return {
      path: f.path,
      origin: { file: f.path },
      file: f.facts,
      error: f.error,
      key: a.keys.find((k) => k.file === f)?.key,
    };
  };
  const spec: DaemonSpec = {
    target,
    seen: { process: false, api: false },
    pid: undefined,
    configFile: undefined,
    configDir: undefined,
    settings: {},
    tcp: [],
    unix: [],
    tls: {
      enabled: true,
      clientAuth: true,
      origin: { file: a.material.dir },
      caCert: certFile(byName("ca.pem")),
      cert: certFile(server),
      key: keyFile(serverKey),
    },
    containerdSocket: undefined,
    problems: [],
  };
  return { spec, judged };
}

/** Every finding about the material, in report order; limited to one file when PATH was a file. */
export function inspectFindings(
  a: Analysis,
  policy: Policy,
  now: Date,
): { target: Target; findings: Finding[]; expired: Policy["exceptions"] } {
  const target: Target = {
    kind: "daemon",
    name: a.material.only ?? a.material.dir,
    origin: { file: a.material.only ?? a.material.dir },
    image: undefined,
    labels: {},
  };
  const daemon = daemonSpecOf(a, target);
  const judged = daemon?.judged ?? new Set<string>();
  const evaluation =
    daemon === undefined ? undefined : evaluateDaemons([daemon.spec], policy, { now });
  const pki = evaluatePki(a, target, policy, { now, judged });
  const findings: Finding[] = [
    ...(evaluation?.findings ?? []).filter((f) => f.ruleId.startsWith("DW-TLS-")),
    ...pki.findings,
  ];
  const only = a.material.only;
  return {
    target,
    findings: only === undefined ? findings : findings.filter((f) => f.target.file === only),
    expired: [...new Set([...(evaluation?.expiredExceptions ?? []), ...pki.expiredExceptions])],
  };
}
