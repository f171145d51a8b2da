/**
 * The mode string of a `-v SRC:DST:MODE` / HostConfig.Binds entry, as moby's Linux mount parser
 * validates it (volume/mounts/linux_parser.go linuxValidMountMode): every option known, at most
 * one from each group.
 */

export const PROPAGATIONS: ReadonlySet<string> = new Set([
  "private",
  "rprivate",
  "shared",
  "rshared",
  "slave",
  "rslave",
]);

/** ro-non-recursive, ro-force-recursive and rro arrived with moby 25 (API 1.44). */
const READ_ONLY_RECURSIVE = ["ro-non-recursive", "ro-force-recursive", "rro"];

function groups(recursiveReadOnly: boolean): readonly ReadonlySet<string>[] {
  return [
    new Set(["rw", "ro", ...(recursiveReadOnly ? READ_ONLY_RECURSIVE : [])]),
    new Set(["z", "Z"]),
    PROPAGATIONS,
    new Set(["nocopy"]),
    new Set(["consistent", "cached", "delegated"]),
  ];
}

const MODERN = groups(true);
const DOCKER_20_10 = groups(false);

/**
 * `recursiveReadOnly`: accept the moby 25+ read-only variants (the CLI does); the request
 * adapter judges against the 20.10 daemon and refuses them, failing closed.
 */
export function validBindMode(mode: string, options: { recursiveReadOnly: boolean }): boolean {
  if (mode === "") return true;
  const table = options.recursiveReadOnly ? MODERN : DOCKER_20_10;
  const counts = table.map(() => 0);
  for (const opt of mode.split(",")) {
    const group = table.findIndex((g) => g.has(opt));
    if (group === -1) return false;
    counts[group] = (counts[group] ?? 0) + 1;
  }
  return counts.every((n) => n <= 1);
}
