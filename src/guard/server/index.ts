/**
 * The guard's transport: listeners that authenticate, forwarding with fresh framing, hijacked
 * streams, the admin listener. The decision is injected (see Decider).
 */
export { startGuard } from "./guard.js";
export type {
  Admission,
  CloseOptions,
  Decider,
  GuardServer,
  GuardServerOptions,
  Identity,
  ListenerAddress,
  ListenerSpec,
  Pending,
  TcpListenerSpec,
  TlsFiles,
  UnixListenerSpec,
  Verdict,
} from "./types.js";
export { PROXY_RULES, type ProxyRule, denialMessage } from "./answers.js";
export { CLIENT_AUTH_OID, identityFromCertificate, identityLabel } from "./identity.js";
export { parseAdminAddress } from "./admin.js";
