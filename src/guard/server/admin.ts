import * as http from "node:http";
import * as net from "node:net";
import { DockwardError } from "../../errors.js";
import { bindUnix, listen } from "./listeners.js";
import type { ListenerAddress } from "./types.js";

/**
 * The admin listener: `GET /healthz` (200 `ok` when the engine answers /_ping, 503 otherwise)
 * and `GET /metrics` (Prometheus text). Plain http, so only on loopback or a unix socket
 * (0600): the metrics name operations and rules, and nobody should scrape them from afar
 * without a proxy that authenticates.
 */

export type AdminAddress =
  { kind: "tcp"; host: string; port: number } | { kind: "unix"; path: string };

function loopback(host: string): boolean {
  if (host === "localhost") return true;
  const kind = net.isIP(host);
  if (kind === 4) return host.startsWith("127.");
  if (kind === 6) return host === "::1" || /^::ffff:127\./i.test(host);
  return false;
}

/** `127.0.0.1:9323`, `[::1]:9323`, `localhost:9323`, `unix:///run/x.sock` or `/run/x.sock`. */
export function parseAdminAddress(text: string): AdminAddress {
  const bad = (why: string): DockwardError =>
    new DockwardError("BAD_INPUT", `admin address ${JSON.stringify(text)}: ${why}`, {
      hint: "give 127.0.0.1:PORT, [::1]:PORT, or unix:///PATH",
    });
  if (text.startsWith("unix://") || text.startsWith("/")) {
    const path = text.startsWith("unix://") ? text.slice("unix://".length) : text;
    if (!path.startsWith("/")) throw bad("a unix socket path must be absolute");
    return { kind: "unix", path };
  }
  const rest = text.startsWith("tcp://") ? text.slice("tcp://".length) : text;
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(rest);
  if (m === null) throw bad("expected HOST:PORT");
  const host = m[1] ?? m[2] ?? "";
  const port = Number(m[3]);
  if (port > 65535) throw bad("the port is above 65535");
  if (!loopback(host))
    throw bad("the admin listener is plain http: it listens on loopback or a unix socket only");
  return { kind: "tcp", host, port };
}

export interface AdminHandlers {
  health(): Promise<{ ok: true } | { ok: false; why: string }>;
  metrics(): string;
}

export interface AdminServer {
  readonly address: ListenerAddress;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

export async function openAdmin(text: string, handlers: AdminHandlers): Promise<AdminServer> {
  const address = parseAdminAddress(text);
  const server = http.createServer({ requireHostHeader: false }, (req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      send(res, 405, "text/plain; charset=utf-8", "method not allowed\n");
      return;
    }
    if (path === "/metrics") {
      send(res, 200, "text/plain; version=0.0.4; charset=utf-8", handlers.metrics());
      return;
    }
    if (path === "/healthz") {
      void handlers.health().then((h) => {
        if (h.ok) send(res, 200, "text/plain; charset=utf-8", "ok\n");
        else send(res, 503, "text/plain; charset=utf-8", `upstream unavailable: ${h.why}\n`);
      });
      return;
    }
    send(res, 404, "text/plain; charset=utf-8", "not found: try /healthz or /metrics\n");
  });
  let remove: (() => void) | undefined;
  let listenerAddress: ListenerAddress;
  if (address.kind === "unix") {
    const name = `unix://${address.path}`;
    remove = await bindUnix(server, address.path, { mode: 0o600, gid: undefined, name });
    listenerAddress = { kind: "unix", name, path: address.path };
  } else {
    try {
      await listen(server, { host: address.host, port: address.port });
    } catch (err) {
      throw new DockwardError(
        "BAD_INPUT",
        `cannot listen on admin address ${text}: ${String(err)}`,
        {
          hint: "pick another port",
          cause: err,
        },
      );
    }
    const bound = server.address();
    const port = typeof bound === "object" && bound !== null ? bound.port : address.port;
    const host = address.host.includes(":") ? `[${address.host}]` : address.host;
    listenerAddress = { kind: "tcp", name: `http://${host}:${port}`, host: address.host, port };
  }
  return {
    address: listenerAddress,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
        remove?.();
      }),
  };
}
