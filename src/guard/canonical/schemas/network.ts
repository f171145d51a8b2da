/**
 * Network bodies: a create request's NetworkingConfig, `POST /networks/create`,
 * `POST /networks/{id}/connect` and `/disconnect`.
 * Source: moby api/types/network at v28.5.2 (Engine API 1.51); 20.10 had the same shapes as
 * types.NetworkCreateRequest (EnableIPv6 and CheckDuplicate plain bools: same JSON).
 */

import { embed, go, struct } from "../go-types.js";

export const endpointSettings = struct("network.EndpointSettings", {
  IPAMConfig: go.ptr(
    struct("network.EndpointIPAMConfig", {
      IPv4Address: go.string,
      IPv6Address: go.string,
      LinkLocalIPs: go.slice(go.string),
    }),
  ),
  Links: go.slice(go.string),
  Aliases: go.slice(go.string),
  MacAddress: go.string,
  DriverOpts: go.map(go.string),
  /** API 1.48 */
  GwPriority: go.int,
  NetworkID: go.string,
  EndpointID: go.string,
  Gateway: go.string,
  IPAddress: go.string,
  IPPrefixLen: go.int,
  IPv6Gateway: go.string,
  GlobalIPv6Address: go.string,
  GlobalIPv6PrefixLen: go.int,
  /** API 1.44 */
  DNSNames: go.slice(go.string),
});

export const networkingConfig = struct("network.NetworkingConfig", {
  EndpointsConfig: go.map(go.ptr(endpointSettings)),
});

const ipam = struct("network.IPAM", {
  Driver: go.string,
  Options: go.map(go.string),
  Config: go.slice(
    struct("network.IPAMConfig", {
      Subnet: go.string,
      IPRange: go.string,
      Gateway: go.string,
      AuxiliaryAddresses: go.map(go.string),
    }),
  ),
});

export const configReference = struct("network.ConfigReference", { Network: go.string });

/** network.CreateRequest: CreateOptions embedded, then Name and the deprecated CheckDuplicate. */
export const networkCreate = struct("network.CreateRequest", {
  CreateOptions: embed(
    struct("network.CreateOptions", {
      Driver: go.string,
      Scope: go.string,
      /** API 1.48 */
      EnableIPv4: go.ptr(go.bool),
      EnableIPv6: go.ptr(go.bool),
      IPAM: go.ptr(ipam),
      Internal: go.bool,
      Attachable: go.bool,
      Ingress: go.bool,
      ConfigOnly: go.bool,
      ConfigFrom: go.ptr(configReference),
      Options: go.map(go.string),
      Labels: go.map(go.string),
    }),
  ),
  Name: go.string,
  CheckDuplicate: go.ptr(go.bool),
});

export const networkConnect = struct("network.ConnectOptions", {
  Container: go.string,
  EndpointConfig: go.ptr(endpointSettings),
});

export const networkDisconnect = struct("network.DisconnectOptions", {
  Container: go.string,
  Force: go.bool,
});
