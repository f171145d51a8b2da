/**
 * mount.Mount: HostConfig.Mounts and a swarm ContainerSpec's Mounts.
 * Source: moby api/types/mount/mount.go at v28.5.2 (Engine API 1.51).
 * Fields newer than dockerd 20.10 (API 1.41) are marked with the API version that added them;
 * a 20.10 daemon ignores them.
 */

import { go, struct } from "../go-types.js";

export const mount = struct("mount.Mount", {
  Type: go.string,
  Source: go.string,
  Target: go.string,
  ReadOnly: go.bool,
  Consistency: go.string,
  BindOptions: go.ptr(
    struct("mount.BindOptions", {
      Propagation: go.string,
      NonRecursive: go.bool,
      /** API 1.42 */
      CreateMountpoint: go.bool,
      /** API 1.44 */
      ReadOnlyNonRecursive: go.bool,
      /** API 1.44 */
      ReadOnlyForceRecursive: go.bool,
    }),
  ),
  VolumeOptions: go.ptr(
    struct("mount.VolumeOptions", {
      NoCopy: go.bool,
      Labels: go.map(go.string),
      /** API 1.45 */
      Subpath: go.string,
      DriverConfig: go.ptr(
        struct("mount.Driver", {
          Name: go.string,
          Options: go.map(go.string),
        }),
      ),
    }),
  ),
  /** API 1.48 */
  ImageOptions: go.ptr(struct("mount.ImageOptions", { Subpath: go.string })),
  TmpfsOptions: go.ptr(
    struct("mount.TmpfsOptions", {
      SizeBytes: go.int64,
      Mode: go.fileMode,
      /** API 1.46 */
      Options: go.slice(go.slice(go.string)),
    }),
  ),
  /** API 1.42 */
  ClusterOptions: go.ptr(struct("mount.ClusterOptions", {})),
});
