/**
 * The guard as a Docker authorization plugin: dockerd asks it about every API request, and the
 * same Decider as the proxy's answers. See docs/guard-authz.md for set-up and limits.
 */
export { type AuthzPluginCommandOptions, runAuthzPlugin, setupHints } from "./command.js";
export {
  AUTHZ_LISTENER,
  AUTHZ_TLS_LISTENER,
  type IdentityOptions,
  UNAUTHENTICATED_NAME,
  identityOf,
} from "./identity.js";
export { AUTHZ_RULES, type AuthzJudgement, judgeAuthzRequest, judgeRequest } from "./judge.js";
export { type AuthzPlugin, type AuthzPluginOptions, startAuthzPlugin } from "./plugin.js";
export {
  type AuthzAnswer,
  type AuthzRequest,
  DEFAULT_AUTHZ_SOCKET,
  PLUGIN_CONTENT_TYPE,
  PLUGIN_PATHS,
  decodeAuthzRequest,
  pluginNameOf,
} from "./protocol.js";
