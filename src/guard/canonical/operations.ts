/**
 * The request bodies the guard canonicalises: for each operation (named by its swagger
 * operationId, as src/guard/route-table.ts names routes), the route and the Go type the daemon
 * decodes its body into. A route whose body is not listed here carries no JSON the daemon acts
 * on, or is one the guard does not understand and must refuse.
 */

import type { GoType } from "../../json/decode.js";
import {
  checkpointCreate,
  containerCopy,
  containerCreate,
  containerUpdate,
  execCreate,
  execStart,
} from "./schemas/container.js";
import { networkConnect, networkCreate, networkDisconnect } from "./schemas/network.js";
import { pluginPrivileges, pluginSet } from "./schemas/plugin.js";
import {
  configSpec,
  nodeSpec,
  secretSpec,
  serviceSpec,
  swarmInit,
  swarmJoin,
  swarmSpec,
  swarmUnlock,
} from "./schemas/swarm.js";
import { systemAuth } from "./schemas/system.js";
import { volumeCreate, volumeUpdate } from "./schemas/volume.js";

export interface Operation {
  /** method and path (without the version prefix) */
  route: string;
  type: GoType;
}

export const OPERATIONS = {
  ContainerCreate: { route: "POST /containers/create", type: containerCreate },
  /**
   * API < 1.24 only: a body over 7 bytes is decoded as the create wrapper and its HostConfig
   * applied; newer API versions refuse such a body and ignore a shorter one.
   */
  ContainerStart: { route: "POST /containers/{id}/start", type: containerCreate },
  ContainerUpdate: { route: "POST /containers/{id}/update", type: containerUpdate },
  ContainerExec: { route: "POST /containers/{id}/exec", type: execCreate },
  ExecStart: { route: "POST /exec/{id}/start", type: execStart },
  CheckpointCreate: { route: "POST /containers/{id}/checkpoints", type: checkpointCreate },
  ContainerCopy: { route: "POST /containers/{id}/copy", type: containerCopy },
  /** the wrapper is decoded and validated; only its Config becomes the image's config */
  ImageCommit: { route: "POST /commit", type: containerCreate },
  SystemAuth: { route: "POST /auth", type: systemAuth },
  VolumeCreate: { route: "POST /volumes/create", type: volumeCreate },
  VolumeUpdate: { route: "PUT /volumes/{name}", type: volumeUpdate },
  NetworkCreate: { route: "POST /networks/create", type: networkCreate },
  NetworkConnect: { route: "POST /networks/{id}/connect", type: networkConnect },
  NetworkDisconnect: { route: "POST /networks/{id}/disconnect", type: networkDisconnect },
  PluginPull: { route: "POST /plugins/pull", type: pluginPrivileges },
  PluginUpgrade: { route: "POST /plugins/{name}/upgrade", type: pluginPrivileges },
  PluginSet: { route: "POST /plugins/{name}/set", type: pluginSet },
  ServiceCreate: { route: "POST /services/create", type: serviceSpec },
  ServiceUpdate: { route: "POST /services/{id}/update", type: serviceSpec },
  SecretCreate: { route: "POST /secrets/create", type: secretSpec },
  SecretUpdate: { route: "POST /secrets/{id}/update", type: secretSpec },
  ConfigCreate: { route: "POST /configs/create", type: configSpec },
  ConfigUpdate: { route: "POST /configs/{id}/update", type: configSpec },
  NodeUpdate: { route: "POST /nodes/{id}/update", type: nodeSpec },
  SwarmInit: { route: "POST /swarm/init", type: swarmInit },
  SwarmJoin: { route: "POST /swarm/join", type: swarmJoin },
  SwarmUpdate: { route: "POST /swarm/update", type: swarmSpec },
  SwarmUnlock: { route: "POST /swarm/unlock", type: swarmUnlock },
} as const satisfies Record<string, Operation>;

export type OperationName = keyof typeof OPERATIONS;

export function isOperationName(name: string): name is OperationName {
  return Object.hasOwn(OPERATIONS, name);
}
