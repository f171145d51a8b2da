/**
 * Swarm bodies: services, secrets, configs, nodes, the swarm itself.
 * Source: moby api/types/swarm at v28.5.2 (Engine API 1.51). Fields newer than dockerd 20.10
 * (API 1.41) carry the API version that added them; a 20.10 daemon ignores them.
 */

import { embed, go, struct } from "../go-types.js";
import { healthConfig, ulimit } from "./container.js";
import { mount } from "./mount.js";

const annotations = struct("swarm.Annotations", {
  Name: go.string,
  Labels: go.map(go.string),
});

const driver = struct("swarm.Driver", { Name: go.string, Options: go.map(go.string) });

const privileges = struct("swarm.Privileges", {
  CredentialSpec: go.ptr(
    struct("swarm.CredentialSpec", { Config: go.string, File: go.string, Registry: go.string }),
  ),
  SELinuxContext: go.ptr(
    struct("swarm.SELinuxContext", {
      Disable: go.bool,
      User: go.string,
      Role: go.string,
      Type: go.string,
      Level: go.string,
    }),
  ),
  /** API 1.44 */
  Seccomp: go.ptr(struct("swarm.SeccompOpts", { Mode: go.string, Profile: go.bytes })),
  /** API 1.44 */
  AppArmor: go.ptr(struct("swarm.AppArmorOpts", { Mode: go.string })),
  /** API 1.44 */
  NoNewPrivileges: go.bool,
});

const fileTarget = (name: string) =>
  struct(name, { Name: go.string, UID: go.string, GID: go.string, Mode: go.fileMode });

const containerSpec = struct("swarm.ContainerSpec", {
  Image: go.string,
  Labels: go.map(go.string),
  Command: go.slice(go.string),
  Args: go.slice(go.string),
  Hostname: go.string,
  Env: go.slice(go.string),
  Dir: go.string,
  User: go.string,
  Groups: go.slice(go.string),
  Privileges: go.ptr(privileges),
  Init: go.ptr(go.bool),
  StopSignal: go.string,
  TTY: go.bool,
  OpenStdin: go.bool,
  ReadOnly: go.bool,
  Mounts: go.slice(mount),
  StopGracePeriod: go.ptr(go.duration),
  Healthcheck: go.ptr(healthConfig),
  Hosts: go.slice(go.string),
  DNSConfig: go.ptr(
    struct("swarm.DNSConfig", {
      Nameservers: go.slice(go.string),
      Search: go.slice(go.string),
      Options: go.slice(go.string),
    }),
  ),
  Secrets: go.slice(
    go.ptr(
      struct("swarm.SecretReference", {
        File: go.ptr(fileTarget("swarm.SecretReferenceFileTarget")),
        SecretID: go.string,
        SecretName: go.string,
      }),
    ),
  ),
  Configs: go.slice(
    go.ptr(
      struct("swarm.ConfigReference", {
        File: go.ptr(fileTarget("swarm.ConfigReferenceFileTarget")),
        Runtime: go.ptr(struct("swarm.ConfigReferenceRuntimeTarget", {})),
        ConfigID: go.string,
        ConfigName: go.string,
      }),
    ),
  ),
  Isolation: go.string,
  Sysctls: go.map(go.string),
  CapabilityAdd: go.slice(go.string),
  CapabilityDrop: go.slice(go.string),
  Ulimits: go.slice(go.ptr(ulimit)),
  /** API 1.46 */
  OomScoreAdj: go.int64,
});

/** runtime.PluginSpec: generated from protobuf, hence the lower-case JSON names */
const pluginSpec = struct("runtime.PluginSpec", {
  name: go.string,
  remote: go.string,
  privileges: go.slice(
    go.ptr(
      struct("runtime.PluginPrivilege", {
        name: go.string,
        description: go.string,
        value: go.slice(go.string),
      }),
    ),
  ),
  disabled: go.bool,
  env: go.slice(go.string),
});

const networkAttachmentConfig = struct("swarm.NetworkAttachmentConfig", {
  Target: go.string,
  Aliases: go.slice(go.string),
  DriverOpts: go.map(go.string),
});

const taskSpec = struct("swarm.TaskSpec", {
  ContainerSpec: go.ptr(containerSpec),
  PluginSpec: go.ptr(pluginSpec),
  NetworkAttachmentSpec: go.ptr(struct("swarm.NetworkAttachmentSpec", { ContainerID: go.string })),
  Resources: go.ptr(
    struct("swarm.ResourceRequirements", {
      Limits: go.ptr(
        struct("swarm.Limit", { NanoCPUs: go.int64, MemoryBytes: go.int64, Pids: go.int64 }),
      ),
      Reservations: go.ptr(
        struct("swarm.Resources", {
          NanoCPUs: go.int64,
          MemoryBytes: go.int64,
          GenericResources: go.slice(
            struct("swarm.GenericResource", {
              NamedResourceSpec: go.ptr(
                struct("swarm.NamedGenericResource", { Kind: go.string, Value: go.string }),
              ),
              DiscreteResourceSpec: go.ptr(
                struct("swarm.DiscreteGenericResource", { Kind: go.string, Value: go.int64 }),
              ),
            }),
          ),
        }),
      ),
    }),
  ),
  RestartPolicy: go.ptr(
    struct("swarm.RestartPolicy", {
      Condition: go.string,
      Delay: go.ptr(go.duration),
      MaxAttempts: go.ptr(go.uint64),
      Window: go.ptr(go.duration),
    }),
  ),
  Placement: go.ptr(
    struct("swarm.Placement", {
      Constraints: go.slice(go.string),
      Preferences: go.slice(
        struct("swarm.PlacementPreference", {
          Spread: go.ptr(struct("swarm.SpreadOver", { SpreadDescriptor: go.string })),
        }),
      ),
      MaxReplicas: go.uint64,
      Platforms: go.slice(struct("swarm.Platform", { Architecture: go.string, OS: go.string })),
    }),
  ),
  Networks: go.slice(networkAttachmentConfig),
  LogDriver: go.ptr(driver),
  ForceUpdate: go.uint64,
  Runtime: go.string,
});

const updateConfig = struct("swarm.UpdateConfig", {
  Parallelism: go.uint64,
  Delay: go.duration,
  FailureAction: go.string,
  Monitor: go.duration,
  MaxFailureRatio: go.float32,
  Order: go.string,
});

/** `POST /services/create` and `POST /services/{id}/update`: swarm.ServiceSpec */
export const serviceSpec = struct("swarm.ServiceSpec", {
  Annotations: embed(annotations),
  TaskTemplate: taskSpec,
  Mode: struct("swarm.ServiceMode", {
    Replicated: go.ptr(struct("swarm.ReplicatedService", { Replicas: go.ptr(go.uint64) })),
    Global: go.ptr(struct("swarm.GlobalService", {})),
    ReplicatedJob: go.ptr(
      struct("swarm.ReplicatedJob", {
        MaxConcurrent: go.ptr(go.uint64),
        TotalCompletions: go.ptr(go.uint64),
      }),
    ),
    GlobalJob: go.ptr(struct("swarm.GlobalJob", {})),
  }),
  UpdateConfig: go.ptr(updateConfig),
  RollbackConfig: go.ptr(updateConfig),
  Networks: go.slice(networkAttachmentConfig),
  EndpointSpec: go.ptr(
    struct("swarm.EndpointSpec", {
      Mode: go.string,
      Ports: go.slice(
        struct("swarm.PortConfig", {
          Name: go.string,
          Protocol: go.string,
          TargetPort: go.uint32,
          PublishedPort: go.uint32,
          PublishMode: go.string,
        }),
      ),
    }),
  ),
});

/** `POST /secrets/create`, `POST /secrets/{id}/update`: swarm.SecretSpec */
export const secretSpec = struct("swarm.SecretSpec", {
  Annotations: embed(annotations),
  Data: go.bytes,
  Driver: go.ptr(driver),
  Templating: go.ptr(driver),
});

/** `POST /configs/create`, `POST /configs/{id}/update`: swarm.ConfigSpec */
export const configSpec = struct("swarm.ConfigSpec", {
  Annotations: embed(annotations),
  Data: go.bytes,
  Templating: go.ptr(driver),
});

/** `POST /nodes/{id}/update`: swarm.NodeSpec (Role "manager" promotes a node) */
export const nodeSpec = struct("swarm.NodeSpec", {
  Annotations: embed(annotations),
  Role: go.string,
  Availability: go.string,
});

/** `POST /swarm/update`, and InitRequest.Spec: swarm.Spec */
export const swarmSpec = struct("swarm.Spec", {
  Annotations: embed(annotations),
  Orchestration: struct("swarm.OrchestrationConfig", {
    TaskHistoryRetentionLimit: go.ptr(go.int64),
  }),
  Raft: struct("swarm.RaftConfig", {
    SnapshotInterval: go.uint64,
    KeepOldSnapshots: go.ptr(go.uint64),
    LogEntriesForSlowFollowers: go.uint64,
    ElectionTick: go.int,
    HeartbeatTick: go.int,
  }),
  Dispatcher: struct("swarm.DispatcherConfig", { HeartbeatPeriod: go.duration }),
  CAConfig: struct("swarm.CAConfig", {
    NodeCertExpiry: go.duration,
    ExternalCAs: go.slice(
      go.ptr(
        struct("swarm.ExternalCA", {
          Protocol: go.string,
          URL: go.string,
          Options: go.map(go.string),
          CACert: go.string,
        }),
      ),
    ),
    SigningCACert: go.string,
    SigningCAKey: go.string,
    ForceRotate: go.uint64,
  }),
  TaskDefaults: struct("swarm.TaskDefaults", { LogDriver: go.ptr(driver) }),
  EncryptionConfig: struct("swarm.EncryptionConfig", { AutoLockManagers: go.bool }),
});

/** `POST /swarm/init` */
export const swarmInit = struct("swarm.InitRequest", {
  ListenAddr: go.string,
  AdvertiseAddr: go.string,
  DataPathAddr: go.string,
  DataPathPort: go.uint32,
  ForceNewCluster: go.bool,
  Spec: swarmSpec,
  AutoLockManagers: go.bool,
  Availability: go.string,
  DefaultAddrPool: go.slice(go.string),
  SubnetSize: go.uint32,
});

/** `POST /swarm/join` */
export const swarmJoin = struct("swarm.JoinRequest", {
  ListenAddr: go.string,
  AdvertiseAddr: go.string,
  DataPathAddr: go.string,
  RemoteAddrs: go.slice(go.string),
  JoinToken: go.string,
  Availability: go.string,
});

/** `POST /swarm/unlock` */
export const swarmUnlock = struct("swarm.UnlockRequest", { UnlockKey: go.string });
