/**
 * Volume bodies. Source: moby api/types/volume at v28.5.2 (Engine API 1.51); 20.10's
 * volume.VolumeCreateBody had Driver, DriverOpts, Labels and Name.
 */

import { go, struct } from "../go-types.js";

const topology = struct("volume.Topology", { Segments: go.map(go.string) });

/** API 1.42 (cluster volumes) */
const clusterVolumeSpec = struct("volume.ClusterVolumeSpec", {
  Group: go.string,
  AccessMode: go.ptr(
    struct("volume.AccessMode", {
      Scope: go.string,
      Sharing: go.string,
      MountVolume: go.ptr(
        struct("volume.TypeMount", { FsType: go.string, MountFlags: go.slice(go.string) }),
      ),
      BlockVolume: go.ptr(struct("volume.TypeBlock", {})),
    }),
  ),
  AccessibilityRequirements: go.ptr(
    struct("volume.TopologyRequirement", {
      Requisite: go.slice(topology),
      Preferred: go.slice(topology),
    }),
  ),
  CapacityRange: go.ptr(
    struct("volume.CapacityRange", { RequiredBytes: go.int64, LimitBytes: go.int64 }),
  ),
  Secrets: go.slice(struct("volume.Secret", { Key: go.string, Secret: go.string })),
  Availability: go.string,
});

/**
 * `POST /volumes/create`: volume.CreateOptions. The local driver with `o=bind` and a `device`
 * mounts a host path, like a bind mount.
 */
export const volumeCreate = struct("volume.CreateOptions", {
  /** API 1.42 */
  ClusterVolumeSpec: go.ptr(clusterVolumeSpec),
  Driver: go.string,
  DriverOpts: go.map(go.string),
  Labels: go.map(go.string),
  Name: go.string,
});

/** `PUT /volumes/{name}` (API 1.42): volume.UpdateOptions */
export const volumeUpdate = struct("volume.UpdateOptions", {
  Spec: go.ptr(clusterVolumeSpec),
});
