import type * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import type { Duplex } from "node:stream";
import * as tls from "node:tls";
import { type ResolvedEndpoint, resolveEndpoint } from "../../engine/endpoint.js";
import { type Transport, createTransport } from "../../engine/transport.js";

/**
 * The Docker engine behind the guard, reached the way every dockward client reaches it (the
 * endpoint parsing and transports of src/engine): a pooled keep-alive agent for ordinary
 * requests (without keep-alive every proxied request costs dockerd a new connection: twice its
 * CPU, measured), and a fresh connection per hijack, which the daemon keeps for the session.
 */
export class Upstream {
  readonly transport: Transport;

  constructor(
    readonly endpoint: ResolvedEndpoint,
    maxSockets: number,
  ) {
    this.transport = createTransport(endpoint, { maxSockets });
  }

  static from(upstream: string | ResolvedEndpoint, maxSockets = Infinity): Upstream {
    const endpoint =
      typeof upstream === "string"
        ? resolveEndpoint({ flags: { hosts: [upstream] }, env: {} })
        : upstream;
    return new Upstream(endpoint, maxSockets);
  }

  /** the unix socket path, for a unix upstream */
  get socketPath(): string | undefined {
    return this.transport.host.scheme === "unix" ? this.transport.host.socketPath : undefined;
  }

  /** Request options for `path` through the pooled agent. */
  options(method: string, path: string, headers: http.OutgoingHttpHeaders): http.RequestOptions {
    return {
      ...this.transport.base,
      agent: this.transport.agent,
      method,
      path: this.transport.basePath + path,
      headers,
      // what the client sent was judged as a whole: no second Host from node:http
      setHost: false,
    };
  }

  request(options: http.RequestOptions): http.ClientRequest {
    return this.transport.request(options);
  }

  /**
   * A new connection that stays open after the daemon answers 101: half-open, so the client's
   * end of stdin can be passed on while the daemon's output still flows.
   */
  connect(): Duplex {
    const t = this.transport;
    const host = t.host;
    switch (host.scheme) {
      case "unix":
        return net.connect({ path: host.socketPath, allowHalfOpen: true });
      case "tcp": {
        if (t.kind === "tls") {
          // createTransport made an https.Agent for "tls": its options hold the client material
          if (!(t.agent instanceof https.Agent)) throw new Error("a TLS upstream without TLS");
          const o = t.agent.options;
          // the TLS socket takes allowHalfOpen from the connection under it
          const raw = net.connect({ host: host.hostname, port: host.port, allowHalfOpen: true });
          raw.setNoDelay(true);
          return tls.connect({
            socket: raw,
            ...(net.isIP(host.hostname) === 0 ? { servername: host.hostname } : {}),
            ...(o.ca !== undefined ? { ca: o.ca } : {}),
            ...(o.cert !== undefined ? { cert: o.cert } : {}),
            ...(o.key !== undefined ? { key: o.key } : {}),
            minVersion: "TLSv1.2",
            rejectUnauthorized: o.rejectUnauthorized !== false,
            ...(o.checkServerIdentity !== undefined
              ? { checkServerIdentity: o.checkServerIdentity }
              : {}),
          });
        }
        const socket = net.connect({ host: host.hostname, port: host.port, allowHalfOpen: true });
        socket.setNoDelay(true);
        return socket;
      }
      case "ssh": {
        const made = t.agent.createConnection({});
        if (made === null || made === undefined) throw new Error("no ssh connection");
        return made;
      }
    }
  }

  /** GET /_ping through the pool: the status, or why there is none. */
  ping(timeoutMs: number): Promise<{ ok: true } | { ok: false; why: string }> {
    return new Promise((resolve) => {
      const req = this.request(
        this.options("GET", "/_ping", {
          host: this.transport.hostHeader,
          ...this.transport.headers,
        }),
      );
      req.setTimeout(timeoutMs, () => {
        req.destroy(new Error(`no answer within ${timeoutMs} ms`));
      });
      req.on("response", (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        res.on("end", () => {
          resolve(status === 200 ? { ok: true } : { ok: false, why: `/_ping answered ${status}` });
        });
        res.on("error", (err) => {
          resolve({ ok: false, why: err.message });
        });
      });
      req.on("error", (err: NodeJS.ErrnoException) => {
        resolve({ ok: false, why: err.code ?? err.message });
      });
      req.end();
    });
  }

  close(): void {
    this.transport.close();
  }
}
