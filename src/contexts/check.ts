import { EngineClient, type Ping } from "../engine/client.js";
import type { ResolvedEndpoint, TlsSettings } from "../engine/endpoint.js";

/**
 * Prove a new context works before it is written: the same client dockward and the docker CLI
 * would use pings the daemon. Over ssh one ping covers every step (ssh reachable, host key
 * known, key accepted, remote `docker system dial-stdio` runs, the daemon answers); a failure
 * comes back as the typed error of the step that broke, with ssh's own reason.
 */
export async function checkEndpoint(
  name: string,
  host: string,
  tls: TlsSettings | undefined,
  configDir: string,
  options: { timeoutMs: number; interactive: boolean },
): Promise<Ping> {
  const endpoint: ResolvedEndpoint = {
    context: name,
    host,
    source: "--host",
    reason: `checking the new context "${name}"`,
    tls,
    configDir,
    apiVersion: undefined,
  };
  const client = new EngineClient(endpoint, options);
  try {
    return await client.ping();
  } finally {
    client.close();
  }
}
