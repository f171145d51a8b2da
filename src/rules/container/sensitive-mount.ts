import * as z from "zod/mini";
import { defineRule } from "../define.js";
import type { RuleHit, Severity } from "../types.js";
import { canonicalHostPath, isUnder } from "../util.js";
import { exposesRuntimeSocket } from "./docker-socket.js";

/** Host paths whose exposure hands over the host (writable) or its secrets (read-only). */
export const SENSITIVE_PATHS = [
  "/",
  "/etc",
  "/proc",
  "/sys",
  "/boot",
  "/dev",
  "/usr",
  "/lib",
  "/lib64",
  "/bin",
  "/sbin",
  "/root",
  "/var/lib/docker",
  "/var/lib/containerd",
  "/run",
];
/** Read-only, these still hand over secrets: password hashes, keys, every container's data. */
const SECRET_READONLY = new Set(["/", "/etc", "/root", "/var/lib/docker", "/var/lib/containerd"]);
/** Writable, these are an immediate escape: the host's root, kernel interfaces and Docker's own state. */
const CRITICAL_WRITABLE = new Set([
  "/",
  "/proc",
  "/sys",
  "/dev",
  "/var/lib/docker",
  "/etc",
  "/boot",
]);

export const sensitiveMount = defineRule({
  meta: {
    id: "DW-MNT-002",
    name: "sensitive-mount",
    title: "Sensitive host path mounted",
    severity: "high",
    cis: ["5.5"],
    pss: "baseline",
    presets: ["baseline", "restricted", "cis"],
    remediation: {
      run: "mount only the application's own data directory, read-only where possible (-v /srv/app/data:/data:ro), or a named volume",
      compose:
        "replace the bind with a named volume or a narrow, read-only bind (`./data:/data:ro`)",
    },
  },
  options: z.strictObject({ allowedPaths: z._default(z.array(z.string()), []) }),
  check(spec, options) {
    const allowed = options.allowedPaths.map(canonicalHostPath);
    const hits: RuleHit[] = [];
    for (const m of spec.mounts) {
      if (m.hostPath === undefined) continue;
      const path = canonicalHostPath(m.hostPath);
      if (allowed.some((a) => isUnder(path, a))) continue;
      // a socket, or a directory under /run that holds one, is DW-MNT-001's finding; / holds the
      // socket too but exposes far more, so both rules report it
      if (isUnder(path, "/run") && exposesRuntimeSocket(path) !== undefined) continue;
      // sensitive if it is one of those paths, inside one, or a parent of one (/var holds /var/lib/docker)
      const hit = SENSITIVE_PATHS.find((s) =>
        s === "/" ? path === "/" : isUnder(path, s) || isUnder(s, path),
      );
      if (hit === undefined) continue;
      const severity: Severity = m.readOnly
        ? SECRET_READONLY.has(hit) && (path === hit || isUnder(path, hit))
          ? "high"
          : "medium"
        : CRITICAL_WRITABLE.has(hit) || path === "/"
          ? "critical"
          : "high";
      const what =
        path === hit
          ? hit
          : isUnder(path, hit)
            ? `${path} (inside ${hit})`
            : `${path} (which contains ${hit})`;
      hits.push({
        message: `mounts the host's ${what}${m.readOnly ? " read-only: host secrets and configuration are readable" : " writable: the container can change the host"}`,
        origin: m.origin,
        severity,
      });
    }
    return hits;
  },
});
