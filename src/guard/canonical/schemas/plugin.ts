/**
 * Plugin bodies. Source: moby api/types/plugin_responses.go and the plugin router at v28.5.2
 * (unchanged since 20.10).
 */

import type { GoType } from "../../../json/decode.js";
import { go, struct } from "../go-types.js";

/**
 * `POST /plugins/pull` and `POST /plugins/{name}/upgrade`: types.PluginPrivileges, the
 * privileges the client accepts (`network: host`, `mount: /`, `capabilities: CAP_SYS_ADMIN` …).
 */
export const pluginPrivileges: GoType = go.slice(
  struct("types.PluginPrivilege", {
    Name: go.string,
    Description: go.string,
    Value: go.slice(go.string),
  }),
);

/** `POST /plugins/{name}/set`: []string of `KEY=VALUE`, `SOURCE.source=…`, `DEVICE.path=…` */
export const pluginSet: GoType = go.slice(go.string);
