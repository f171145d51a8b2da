import { readFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { Duplex } from "node:stream";
import { DockwardError, errorMessage } from "../errors.js";
import type { ResolvedEndpoint } from "./endpoint.js";
import { type ParsedHost, parseHost } from "./host.js";
import { SshStream, sshArgs } from "./ssh.js";

/**
 * A transport is an http.Agent plus the request options that reach the engine through it.
 * Every transport keeps connections alive: without it each request costs dockerd a new
 * connection (twice the daemon's CPU per request, measured), and ssh a new process.
 */
export interface Transport {
  readonly kind: "unix" | "tcp" | "tls" | "ssh";
  readonly host: ParsedHost;
  readonly agent: http.Agent;
  /** node:http or node:https request function */
  readonly request: typeof http.request;
  /** options merged into every request (socketPath / hostname / port / TLS) */
  readonly base: http.RequestOptions;
  /** headers every request carries (a Host for transports that have no host name) */
  readonly headers: Record<string, string>;
  /** path prefix of a tcp:// host with a path (the Go client honours it) */
  readonly basePath: string;
  /** how many ssh processes this transport has started (always 0 for others) */
  sshProcesses(): number;
  close(): void;
}

export interface TransportOptions {
  sshBinary?: string;
  interactive?: boolean;
  /** at most this many connections at once (ssh: processes) */
  maxSockets?: number;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new DockwardError("TLS_FILES", `cannot read ${what} ${path}: ${errorMessage(err)}`, {
      hint: "check the path and its permissions",
      cause: err,
    });
  }
}

class SshAgent extends http.Agent {
  started = 0;
  constructor(
    private readonly target: Extract<ParsedHost, { scheme: "ssh" }>,
    private readonly sshBinary: string,
    private readonly interactive: boolean,
    maxSockets: number,
  ) {
    super({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  override createConnection(): Duplex {
    this.started += 1;
    return new SshStream(this.target, this.sshBinary, sshArgs(this.target, this.interactive));
  }
}

export function createTransport(
  endpoint: ResolvedEndpoint,
  options: TransportOptions = {},
): Transport {
  const host = parseHost(endpoint.host, `endpoint of ${endpoint.reason}`);
  const maxSockets = options.maxSockets ?? 8;
  switch (host.scheme) {
    case "unix": {
      const agent = new http.Agent({ keepAlive: true, maxSockets });
      return {
        kind: "unix",
        host,
        agent,
        request: http.request,
        base: { socketPath: host.socketPath },
        headers: { Host: "docker" },
        basePath: "",
        sshProcesses: () => 0,
        close: () => {
          agent.destroy();
        },
      };
    }
    case "tcp": {
      const tls = endpoint.tls;
      if (tls === undefined) {
        const agent = new http.Agent({ keepAlive: true, maxSockets });
        return {
          kind: "tcp",
          host,
          agent,
          request: http.request,
          base: { hostname: host.hostname, port: host.port },
          headers: {},
          basePath: host.basePath,
          sshProcesses: () => 0,
          close: () => {
            agent.destroy();
          },
        };
      }
      const agentOptions: https.AgentOptions = {
        keepAlive: true,
        maxSockets,
        minVersion: "TLSv1.2",
        rejectUnauthorized: tls.verify,
      };
      if (tls.ca !== undefined && tls.verify) agentOptions.ca = readPem(tls.ca, "CA certificate");
      if (tls.cert !== undefined) agentOptions.cert = readPem(tls.cert, "client certificate");
      if (tls.key !== undefined) agentOptions.key = readPem(tls.key, "client key");
      if (!tls.verify) agentOptions.checkServerIdentity = () => undefined;
      const agent = new https.Agent(agentOptions);
      return {
        kind: "tls",
        host,
        agent,
        request: https.request,
        base: { hostname: host.hostname, port: host.port },
        headers: {},
        basePath: host.basePath,
        sshProcesses: () => 0,
        close: () => {
          agent.destroy();
        },
      };
    }
    case "ssh": {
      // One ssh process carries many requests; concurrency beyond it would start more, so the
      // default is a single connection that requests queue on.
      const agent = new SshAgent(
        host,
        options.sshBinary ?? "ssh",
        options.interactive ?? false,
        options.maxSockets ?? 1,
      );
      return {
        kind: "ssh",
        host,
        agent,
        request: http.request,
        base: { hostname: "docker", port: 80 },
        headers: { Host: "docker" },
        basePath: "",
        sshProcesses: () => agent.started,
        close: () => {
          agent.destroy();
        },
      };
    }
  }
}
