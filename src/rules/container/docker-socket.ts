import * as z from "zod/mini";
import { defineRule } from "../define.js";
import type { RuleHit } from "../types.js";
import { canonicalHostPath, isUnder } from "../util.js";

/** Engine and runtime sockets that give whoever can write them control of the host. */
export const RUNTIME_SOCKETS = [
  "/run/docker.sock",
  "/run/containerd/containerd.sock",
  "/run/crio/crio.sock",
  "/run/podman/podman.sock",
  "/run/buildkit/buildkitd.sock",
];

/** Is this host path an engine socket, or a directory that contains one? */
export function exposesRuntimeSocket(
  hostPath: string,
  extra: readonly string[] = [],
): string | undefined {
  const path = canonicalHostPath(hostPath);
  for (const sock of [...RUNTIME_SOCKETS, ...extra.map(canonicalHostPath)]) {
    if (isUnder(sock, path)) return sock;
  }
  if (path.endsWith("/docker.sock")) return path;
  return undefined;
}

export const dockerSocket = defineRule({
  meta: {
    id: "DW-MNT-001",
    name: "docker-socket",
    title: "Docker socket mounted into the container",
    severity: "critical",
    cis: ["5.31"],
    pss: "baseline",
    presets: ["baseline", "restricted", "cis"],
    remediation: {
      run: "remove the -v /var/run/docker.sock bind; if the workload must talk to Docker, give it a `dockward guard` socket with a narrow policy",
      compose:
        "remove the docker.sock entry from `volumes:`; point the service at a dockward guard socket instead",
    },
  },
  options: z.strictObject({ sockets: z._default(z.array(z.string()), []) }),
  check(spec, options) {
    const hits: RuleHit[] = [];
    for (const m of spec.mounts) {
      if (m.hostPath === undefined) continue;
      const sock = exposesRuntimeSocket(m.hostPath, options.sockets);
      if (sock === undefined) continue;
      const dir = canonicalHostPath(m.hostPath) !== sock;
      hits.push({
        message: `${dir ? `mounts ${m.hostPath}, which contains the engine socket ${sock}` : `mounts the engine socket ${m.hostPath}`}${m.readOnly ? " (read-only does not help: a socket is used by connecting, not writing the file)" : ""}: anyone in the container controls the daemon and so the host`,
        origin: m.origin,
      });
    }
    return hits;
  },
});
