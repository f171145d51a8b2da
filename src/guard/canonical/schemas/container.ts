/**
 * Container bodies: create (and the legacy start body), update, commit, exec.
 * Source: moby api/types/container at v28.5.2 (Engine API 1.51), runconfig at v20.10.24 for
 * the create wrapper. Fields newer than dockerd 20.10 (API 1.41) carry the API version that
 * added them; a 20.10 daemon ignores them.
 */

import { embed, go, stringSet, struct } from "../go-types.js";
import { mount } from "./mount.js";
import { networkingConfig } from "./network.js";

/** container.HealthConfig (docker-image-spec HealthcheckConfig in 28.x) */
export const healthConfig = struct("container.HealthConfig", {
  Test: go.slice(go.string),
  Interval: go.duration,
  Timeout: go.duration,
  StartPeriod: go.duration,
  /** API 1.44 */
  StartInterval: go.duration,
  Retries: go.int,
});

export const containerConfig = struct("container.Config", {
  Hostname: go.string,
  Domainname: go.string,
  User: go.string,
  AttachStdin: go.bool,
  AttachStdout: go.bool,
  AttachStderr: go.bool,
  /** nat.PortSet */
  ExposedPorts: stringSet,
  Tty: go.bool,
  OpenStdin: go.bool,
  StdinOnce: go.bool,
  Env: go.slice(go.string),
  Cmd: go.strSlice,
  Healthcheck: go.ptr(healthConfig),
  ArgsEscaped: go.bool,
  Image: go.string,
  Volumes: stringSet,
  WorkingDir: go.string,
  Entrypoint: go.strSlice,
  NetworkDisabled: go.bool,
  MacAddress: go.string,
  OnBuild: go.slice(go.string),
  Labels: go.map(go.string),
  StopSignal: go.string,
  StopTimeout: go.ptr(go.int),
  Shell: go.strSlice,
});

/** go-units Ulimit (container.Ulimit) */
export const ulimit = struct("container.Ulimit", {
  Name: go.string,
  Hard: go.int64,
  Soft: go.int64,
});

const throttleDevice = struct("blkiodev.ThrottleDevice", { Path: go.string, Rate: go.uint64 });

export const resources = struct("container.Resources", {
  CpuShares: go.int64,
  Memory: go.int64,
  NanoCpus: go.int64,
  CgroupParent: go.string,
  BlkioWeight: go.uint16,
  BlkioWeightDevice: go.slice(
    go.ptr(struct("blkiodev.WeightDevice", { Path: go.string, Weight: go.uint16 })),
  ),
  BlkioDeviceReadBps: go.slice(go.ptr(throttleDevice)),
  BlkioDeviceWriteBps: go.slice(go.ptr(throttleDevice)),
  BlkioDeviceReadIOps: go.slice(go.ptr(throttleDevice)),
  BlkioDeviceWriteIOps: go.slice(go.ptr(throttleDevice)),
  CpuPeriod: go.int64,
  CpuQuota: go.int64,
  CpuRealtimePeriod: go.int64,
  CpuRealtimeRuntime: go.int64,
  CpusetCpus: go.string,
  CpusetMems: go.string,
  Devices: go.slice(
    struct("container.DeviceMapping", {
      PathOnHost: go.string,
      PathInContainer: go.string,
      CgroupPermissions: go.string,
    }),
  ),
  DeviceCgroupRules: go.slice(go.string),
  DeviceRequests: go.slice(
    struct("container.DeviceRequest", {
      Driver: go.string,
      Count: go.int,
      DeviceIDs: go.slice(go.string),
      Capabilities: go.slice(go.slice(go.string)),
      Options: go.map(go.string),
    }),
  ),
  KernelMemory: go.int64,
  KernelMemoryTCP: go.int64,
  MemoryReservation: go.int64,
  MemorySwap: go.int64,
  MemorySwappiness: go.ptr(go.int64),
  OomKillDisable: go.ptr(go.bool),
  PidsLimit: go.ptr(go.int64),
  Ulimits: go.slice(go.ptr(ulimit)),
  CpuCount: go.int64,
  CpuPercent: go.int64,
  IOMaximumIOps: go.uint64,
  IOMaximumBandwidth: go.uint64,
});

export const restartPolicy = struct("container.RestartPolicy", {
  Name: go.string,
  MaximumRetryCount: go.int,
});

export const hostConfig = struct("container.HostConfig", {
  Binds: go.slice(go.string),
  ContainerIDFile: go.string,
  LogConfig: struct("container.LogConfig", { Type: go.string, Config: go.map(go.string) }),
  NetworkMode: go.string,
  /** nat.PortMap */
  PortBindings: go.map(
    go.slice(struct("nat.PortBinding", { HostIp: go.string, HostPort: go.string })),
  ),
  RestartPolicy: restartPolicy,
  AutoRemove: go.bool,
  VolumeDriver: go.string,
  VolumesFrom: go.slice(go.string),
  ConsoleSize: go.array(2, go.uint),
  /** API 1.43 */
  Annotations: go.map(go.string),
  CapAdd: go.strSlice,
  CapDrop: go.strSlice,
  CgroupnsMode: go.string,
  Dns: go.slice(go.string),
  DnsOptions: go.slice(go.string),
  DnsSearch: go.slice(go.string),
  ExtraHosts: go.slice(go.string),
  GroupAdd: go.slice(go.string),
  IpcMode: go.string,
  Cgroup: go.string,
  Links: go.slice(go.string),
  OomScoreAdj: go.int,
  PidMode: go.string,
  Privileged: go.bool,
  PublishAllPorts: go.bool,
  ReadonlyRootfs: go.bool,
  SecurityOpt: go.slice(go.string),
  StorageOpt: go.map(go.string),
  Tmpfs: go.map(go.string),
  UTSMode: go.string,
  UsernsMode: go.string,
  ShmSize: go.int64,
  Sysctls: go.map(go.string),
  Runtime: go.string,
  Isolation: go.string,
  Resources: embed(resources),
  Mounts: go.slice(mount),
  MaskedPaths: go.slice(go.string),
  ReadonlyPaths: go.slice(go.string),
  Init: go.ptr(go.bool),
});

/**
 * The body of `POST /containers/create` as dockerd ≤ 26 decodes it: runconfig's
 * ContainerConfigWrapper, which embeds *container.Config AND a legacy *container.HostConfig, so
 * HostConfig fields may also sit at the top level (API < 1.24 clients). dockerd ≥ 27 decodes
 * container.CreateRequest (no legacy fields, no Cpuset) and ignores those keys; keeping them is
 * harmless there and exact for the older daemons, and src/spec/adapters/request.ts judges them
 * as the older daemons read them. The same wrapper decodes a legacy `POST /containers/{id}/start`
 * body and a `POST /commit` body.
 */
export const containerCreate = struct("runconfig.ContainerConfigWrapper", {
  Config: embed(containerConfig, { pointer: true }),
  HostConfig: go.ptr(hostConfig),
  /** deprecated: fills an empty CpusetCpus */
  Cpuset: go.string,
  NetworkingConfig: go.ptr(networkingConfig),
  // the embedded legacy HostConfig; its type name is no key ("HostConfig" above is the inner one)
  LegacyHostConfig: embed(hostConfig, { pointer: true }),
});

/** `POST /containers/{id}/update`: container.UpdateConfig */
export const containerUpdate = struct("container.UpdateConfig", {
  Resources: embed(resources),
  RestartPolicy: restartPolicy,
});

/** `POST /containers/{id}/exec`: container.ExecOptions (types.ExecConfig in 20.10) */
export const execCreate = struct("container.ExecOptions", {
  User: go.string,
  Privileged: go.bool,
  Tty: go.bool,
  /** API 1.42 */
  ConsoleSize: go.ptr(go.array(2, go.uint)),
  AttachStdin: go.bool,
  AttachStderr: go.bool,
  AttachStdout: go.bool,
  DetachKeys: go.string,
  Env: go.slice(go.string),
  WorkingDir: go.string,
  Cmd: go.slice(go.string),
  Detach: go.bool,
});

/** `POST /exec/{id}/start`: container.ExecStartOptions (types.ExecStartCheck in 20.10) */
export const execStart = struct("container.ExecStartOptions", {
  Detach: go.bool,
  Tty: go.bool,
  /** API 1.42 */
  ConsoleSize: go.ptr(go.array(2, go.uint)),
});

/** `POST /containers/{id}/checkpoints` (experimental): checkpoint.CreateOptions */
export const checkpointCreate = struct("checkpoint.CreateOptions", {
  CheckpointID: go.string,
  /** a directory ON THE HOST the daemon writes the checkpoint to */
  CheckpointDir: go.string,
  Exit: go.bool,
});

/** `POST /containers/{id}/copy` (API < 1.24, gone from dockerd 26): types.CopyConfig */
export const containerCopy = struct("types.CopyConfig", { Resource: go.string });
