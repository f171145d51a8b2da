import { noAufs } from "./aufs.js";
import { authorizationPlugin } from "./authorization-plugin.js";
import { cgroupParentDefault } from "./cgroup-parent.js";
import { configFilePermissions } from "./config-file.js";
import { containerdSocket } from "./containerd-socket.js";
import { defaultUlimits } from "./default-ulimits.js";
import { noExperimental } from "./experimental.js";
import { iccDisabled } from "./icc.js";
import { noInsecureRegistries } from "./insecure-registries.js";
import { iptablesManaged } from "./iptables.js";
import { liveRestore } from "./live-restore.js";
import { logLevelInfo } from "./log-level.js";
import { daemonNoNewPrivileges } from "./no-new-privileges.js";
import { plainTcp } from "./plain-tcp.js";
import { rootlessDaemon } from "./rootless.js";
import { daemonSeccomp } from "./seccomp.js";
import { socketGroup } from "./socket-group.js";
import { socketPermissions } from "./socket-permissions.js";
import { tlsClientAuth } from "./tls-client-auth.js";
import { tlsExpiry } from "./tls-expiry.js";
import { tlsFilePermissions } from "./tls-file-permissions.js";
import { tlsKeyStrength } from "./tls-key-strength.js";
import { tlsServerIdentity } from "./tls-server-identity.js";
import { usernsRemap } from "./userns-remap.js";
import { userlandProxyDisabled } from "./userland-proxy.js";
import type { DaemonRule } from "../types.js";

/**
 * Every daemon rule, in report order: exposure, TLS material, files, configuration. Adding one
 * means adding it here and writing docs/rules/<id>.md; test/unit/rules/meta.test.ts checks.
 */
export const daemonRules = [
  plainTcp,
  tlsClientAuth,
  socketPermissions,
  socketGroup,
  configFilePermissions,
  containerdSocket,
  tlsExpiry,
  tlsKeyStrength,
  tlsServerIdentity,
  tlsFilePermissions,
  iccDisabled,
  logLevelInfo,
  iptablesManaged,
  noInsecureRegistries,
  noAufs,
  defaultUlimits,
  usernsRemap,
  cgroupParentDefault,
  authorizationPlugin,
  daemonNoNewPrivileges,
  liveRestore,
  userlandProxyDisabled,
  daemonSeccomp,
  noExperimental,
  rootlessDaemon,
] as const satisfies readonly DaemonRule[];
