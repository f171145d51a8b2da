import { DockwardError } from "../../errors.js";

/**
 * The Docker Engine version a profile is meant for (`--docker-version`): which fields the
 * daemon reads changed over time (moby profiles/seccomp/seccomp.go):
 * - `errnoRet` on a rule: read since 20.10.10;
 * - `defaultErrnoRet`, `flags`, `listenerPath`, `listenerMetadata`: read since 23.0.0 (moby
 *   5d244675bd, 0ef7e727d2, fb794166d9, mid-2021, first released in 23.0). 20.10 ignores them
 *   as unknown keys.
 *
 * `MAJOR.MINOR` means an up-to-date release of that line (20.10 is 20.10.27, the last one), so
 * the default, 20.10, warns about what no 20.10 reads; `20.10.9` also warns about `errnoRet`.
 */
export interface DockerVersion {
  /** as the user wrote it, for messages */
  label: string;
  major: number;
  minor: number;
  /** Infinity when not given: the newest patch release of that line */
  patch: number;
}

export const DEFAULT_DOCKER_VERSION = "20.10";

export const LATEST: DockerVersion = {
  label: "latest",
  major: Infinity,
  minor: Infinity,
  patch: Infinity,
};

/** `20.10`, `20.10.24`, `23`, `28.2.2`, `v24.0.7` or `latest`; anything else is a usage error. */
export function parseDockerVersion(text: string): DockerVersion {
  if (text === "latest") return LATEST;
  const m = /^v?(\d{1,4})(?:\.(\d{1,4})(?:\.(\d{1,4}))?)?$/.exec(text.trim());
  if (m === null) {
    throw new DockwardError("USAGE", `--docker-version ${text}: not a Docker version`, {
      hint: "give MAJOR.MINOR[.PATCH] as `docker version --format '{{.Server.Version}}'` prints it (20.10.24, 28.2.2), or latest",
    });
  }
  return {
    label: text,
    major: Number(m[1]),
    minor: m[2] === undefined ? Infinity : Number(m[2]),
    patch: m[3] === undefined ? Infinity : Number(m[3]),
  };
}

/** Whether `v` is at least major.minor.patch. */
export function atLeast(v: DockerVersion, major: number, minor: number, patch = 0): boolean {
  if (v.major !== major) return v.major > major;
  if (v.minor !== minor) return v.minor > minor;
  return v.patch >= patch;
}

/** "Docker 20.10" or "Docker 20.10.9", for messages. */
export function dockerLabel(v: DockerVersion): string {
  return v === LATEST ? "the latest Docker" : `Docker ${v.label.replace(/^v/, "")}`;
}
