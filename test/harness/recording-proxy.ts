import { request as httpRequest, createServer, type Server } from "node:http";
import { rm } from "node:fs/promises";

export interface RecordedRequest {
  method: string;
  url: string;
  body: Buffer;
}

/**
 * A pass-through proxy on a unix socket that records each request the real docker CLI sends,
 * so tests can feed the exact create body the CLI produced to the request adapter.
 */
export async function startRecordingProxy(
  listenPath: string,
  upstreamSocket: string,
): Promise<{ server: Server; requests: RecordedRequest[]; close: () => Promise<void> }> {
  const requests: RecordedRequest[] = [];
  await rm(listenPath, { force: true });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? "", url: req.url ?? "", body });
      const headers = { ...req.headers };
      delete headers["transfer-encoding"];
      headers["content-length"] = String(body.length);
      const up = httpRequest(
        { socketPath: upstreamSocket, method: req.method, path: req.url, headers },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on("error", (err) => {
        res.writeHead(502, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ message: err.message }));
      });
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(listenPath, resolve));
  return {
    server,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
