import { mkdtempSync, rmSync } from "node:fs";
import { type Server, type Socket, connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { EngineClient } from "../../../src/engine/client.js";
import type { ResolvedEndpoint } from "../../../src/engine/endpoint.js";
import {
  BufferedPool,
  type BufferedRequest,
  PIPELINE_DEPTH,
  requestHead,
} from "../../../src/engine/transport.js";
import { DockwardError, EngineHttpError } from "../../../src/errors.js";

/** What a scripted server does with one request: the answer's bytes, or "hang", or "drop". */
type Reply = string;

interface Scripted {
  path: string;
  server: Server;
  connections: number;
  /** the most requests seen waiting on one connection at once */
  maxQueued: number;
  requests: string[];
}

const dirs: string[] = [];
const servers: Server[] = [];

afterEach(() => {
  for (const s of servers.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A unix-socket server that reads requests in order, as an HTTP/1.1 server must. */
async function scripted(reply: (path: string, index: number) => Reply): Promise<Scripted> {
  const dir = mkdtempSync(join(tmpdir(), "dw-pool-"));
  dirs.push(dir);
  const state: Scripted = {
    path: join(dir, "s.sock"),
    server: createServer(),
    connections: 0,
    maxQueued: 0,
    requests: [],
  };
  state.server.on("connection", (socket: Socket) => {
    state.connections += 1;
    let buf = "";
    let busy = false;
    const next = (): void => {
      if (busy) return;
      const end = buf.indexOf("\r\n\r\n");
      if (end === -1) return;
      state.maxQueued = Math.max(state.maxQueued, buf.split("\r\n\r\n").length - 1);
      const head = buf.slice(0, end);
      buf = buf.slice(end + 4);
      const path = head.split(" ")[1] ?? "";
      const index = state.requests.push(path) - 1;
      const r = reply(path, index);
      if (r === "hang") {
        busy = true;
        return;
      }
      if (r === "drop") {
        socket.destroy();
        return;
      }
      busy = true;
      // answer a little later, so that pipelined requests pile up
      setTimeout(() => {
        busy = false;
        if (socket.destroyed) return;
        // a server that says it closes (or answers HTTP/1.0 without a length) does
        if (r.includes("\r\nConnection: close\r\n") || r.startsWith("HTTP/1.0")) {
          socket.end(r);
          return;
        }
        socket.write(r);
        next();
      }, 2);
    };
    socket.on("data", (d: Buffer) => {
      buf += d.toString("latin1");
      next();
    });
    socket.on("error", () => undefined);
  });
  servers.push(state.server);
  await new Promise<void>((resolve) => state.server.listen(state.path, resolve));
  return state;
}

const json = (body: string, extra = ""): string =>
  `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

function chunked(body: string): string {
  const half = Math.floor(body.length / 2);
  const parts = [body.slice(0, half), body.slice(half)].filter((p) => p !== "");
  return `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${parts
    .map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`)
    .join("")}0\r\n\r\n`;
}

function request(path: string, over: Partial<BufferedRequest> = {}): BufferedRequest {
  return {
    head: requestHead("GET", path, "docker", { "User-Agent": "dockward" }) ?? "",
    timeoutMs: 5_000,
    maxBytes: 1 << 20,
    pipeline: false,
    timeoutError: (phase) => new DockwardError("TIMEOUT", `${path} timed out (${phase})`),
    tooLargeError: () => new DockwardError("ENGINE_PROTOCOL", `${path} too large`),
    ...over,
  };
}

function pool(s: Scripted, maxSockets = 8): BufferedPool {
  return new BufferedPool(() => connect({ path: s.path }), maxSockets);
}

describe("requestHead", () => {
  it("writes what node:http writes through a keep-alive agent", () => {
    expect(
      requestHead("GET", "/v1.41/info", "docker", { Host: "docker", "User-Agent": "dockward" }),
    ).toBe(
      "GET /v1.41/info HTTP/1.1\r\nHost: docker\r\nUser-Agent: dockward\r\nConnection: keep-alive\r\n\r\n",
    );
  });

  it("lets later headers override earlier ones whatever their case", () => {
    expect(requestHead("GET", "/x", "h:1", { "user-agent": "a", "User-Agent": "b" })).toBe(
      "GET /x HTTP/1.1\r\nUser-Agent: b\r\nHost: h:1\r\nConnection: keep-alive\r\n\r\n",
    );
  });

  it.each([
    ["/a b", {}],
    ["/a\r\nX: y", {}],
    ["/a", { "X-Evil": "v\r\nInjected: 1" }],
    ["/a", { "Bad Name": "v" }],
  ])("refuses what node:http would refuse (%j)", (path, headers: Record<string, string>) => {
    expect(requestHead("GET", path, "docker", headers)).toBeUndefined();
  });
});

describe("BufferedPool", () => {
  it("reads Content-Length, chunked and close-delimited bodies, skipping 100 Continue", async () => {
    const s = await scripted((path) => {
      if (path === "/length") return json('{"a":1}');
      if (path === "/chunked") return chunked('{"b":"two"}');
      if (path === "/continue") return `HTTP/1.1 100 Continue\r\n\r\n${json('{"c":3}')}`;
      if (path === "/empty") return "HTTP/1.1 204 No Content\r\n\r\n";
      return `HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close`;
    });
    const p = pool(s);
    const [length, chunk, cont, empty, close] = await Promise.all(
      ["/length", "/chunked", "/continue", "/empty", "/close"].map((path) =>
        p.request(request(path)),
      ),
    );
    expect(length?.body.toString()).toBe('{"a":1}');
    expect(length?.headers["content-type"]).toBe("application/json");
    expect(chunk?.body.toString()).toBe('{"b":"two"}');
    expect(cont?.body.toString()).toBe('{"c":3}');
    expect(empty?.status).toBe(204);
    expect(empty?.body.length).toBe(0);
    expect(close?.body.toString()).toBe("until close");
    p.destroy();
  });

  it("pipelines requests depth-first: as few connections as the requests need", async () => {
    const s = await scripted((path) => chunked(JSON.stringify({ path })));
    const p = pool(s);
    const n = PIPELINE_DEPTH * 3;
    const paths = Array.from({ length: n }, (_, i) => `/item/${i}`);
    const answers = await Promise.all(
      paths.map((path) => p.request(request(path, { pipeline: true }))),
    );
    expect(answers.map((a) => (JSON.parse(a.body.toString()) as { path: string }).path)).toEqual(
      paths,
    );
    expect(s.connections).toBe(3);
    expect(s.maxQueued).toBeGreaterThan(1);
    expect(s.maxQueued).toBeLessThanOrEqual(PIPELINE_DEPTH);
    p.destroy();
  });

  it("never queues an ordinary request behind others", async () => {
    const s = await scripted((path) => json(JSON.stringify({ path })));
    const p = pool(s, 3);
    const answers = await Promise.all(
      Array.from({ length: 9 }, (_, i) => p.request(request(`/plain/${i}`))),
    );
    expect(answers.every((a, i) => a.body.toString() === `{"path":"/plain/${i}"}`)).toBe(true);
    expect(s.connections).toBe(3);
    expect(s.maxQueued).toBe(1);
    p.destroy();
  });

  it("times out a hung request, and answers the ones pipelined behind it elsewhere", async () => {
    const s = await scripted((path) => (path === "/hang" ? "hang" : json(`"${path}"`)));
    const p = pool(s);
    const results = await Promise.allSettled(
      ["/a", "/hang", "/b", "/c"].map((path) =>
        p.request(request(path, { pipeline: true, timeoutMs: 300 })),
      ),
    );
    expect(
      results.map((r) =>
        r.status === "fulfilled" ? r.value.body.toString() : (r.reason as unknown),
      ),
    ).toEqual(['"/a"', new DockwardError("TIMEOUT", "/hang timed out (head)"), '"/b"', '"/c"']);
    // a hung container is no reason to stop pipelining
    expect(p.pipelining).toBe(true);
    p.destroy();
  });

  it("times each request out on its own when the daemon answers none", async () => {
    const s = await scripted(() => "hang");
    const p = pool(s);
    const results = await Promise.allSettled(
      ["/x", "/y", "/z"].map((path) =>
        p.request(request(path, { pipeline: true, timeoutMs: 100 })),
      ),
    );
    expect(results.map((r) => (r.status === "rejected" ? String(r.reason) : "answered"))).toEqual([
      "DockwardError: /x timed out (head)",
      "DockwardError: /y timed out (head)",
      "DockwardError: /z timed out (head)",
    ]);
    p.destroy();
  });

  it("sends a request again when the server closed the kept-alive connection under it", async () => {
    let first = true;
    const s = await scripted((path) => {
      if (path === "/second" && first) {
        first = false;
        return "drop";
      }
      return json(`"${path}"`);
    });
    const p = pool(s, 1);
    expect((await p.request(request("/first"))).body.toString()).toBe('"/first"');
    expect((await p.request(request("/second"))).body.toString()).toBe('"/second"');
    expect(s.connections).toBe(2);
    p.destroy();
  });

  it("stops pipelining for a server that closes after each answer, and loses nothing", async () => {
    const s = await scripted((path) => json(`"${path}"`, "Connection: close\r\n"));
    const p = pool(s, 2);
    const paths = Array.from({ length: 6 }, (_, i) => `/c/${i}`);
    const answers = await Promise.all(
      paths.map((path) => p.request(request(path, { pipeline: true }))),
    );
    expect(answers.map((a) => a.body.toString())).toEqual(paths.map((path) => `"${path}"`));
    expect(p.pipelining).toBe(false);
    p.destroy();
  });

  it("refuses what is not HTTP, and answers larger than allowed", async () => {
    const s = await scripted((path) =>
      path === "/big" ? json("x".repeat(5000)) : "SSH-2.0-OpenSSH\r\n",
    );
    const p = pool(s);
    await expect(p.request(request("/ssh"))).rejects.toThrow(
      "Parse Error: Expected HTTP/, RTSP/ or ICE/",
    );
    await expect(p.request(request("/big", { maxBytes: 1000 }))).rejects.toThrow("/big too large");
    p.destroy();
  });
});

describe("EngineClient over a unix socket", () => {
  function client(path: string): EngineClient {
    const endpoint: ResolvedEndpoint = {
      context: "default",
      host: `unix://${path}`,
      source: "--host",
      reason: "-H/--host flag",
      tls: undefined,
      configDir: "/nonexistent",
      apiVersion: "1.41",
    };
    return new EngineClient(endpoint, { timeoutMs: 2_000 });
  }

  it("sends versioned GETs and parses the JSON answers", async () => {
    const s = await scripted((path) =>
      path.startsWith("/v1.41/containers/")
        ? chunked(`{"Id":"${path.split("/")[3] ?? ""}"}`)
        : "drop",
    );
    const c = client(s.path);
    const docs = await Promise.all(
      ["a", "b", "c"].map((id) =>
        c.json("GET", `/containers/${id}/json`, z.object({ Id: z.string() }), { pipeline: true }),
      ),
    );
    expect(docs.map((d) => d.Id)).toEqual(["a", "b", "c"]);
    expect(s.requests).toEqual([
      "/v1.41/containers/a/json",
      "/v1.41/containers/b/json",
      "/v1.41/containers/c/json",
    ]);
    c.close();
  });

  it("turns an error answer into EngineHttpError with the daemon's message", async () => {
    const body = '{"message":"No such container: gone"}';
    const s = await scripted(
      () =>
        `HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    const c = client(s.path);
    const err: unknown = await c.request("GET", "/containers/gone/json").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineHttpError);
    expect((err as EngineHttpError).status).toBe(404);
    expect((err as EngineHttpError).message).toBe(
      "GET /containers/gone/json: the engine answered 404: No such container: gone",
    );
    c.close();
  });

  it("says which call got no answer in time", async () => {
    const s = await scripted(() => "hang");
    const c = client(s.path);
    await expect(c.request("GET", "/info", { timeoutMs: 200 })).rejects.toThrow(
      "GET /info to unix://" + s.path + " (-H/--host flag) got no answer within 0.2 s",
    );
    c.close();
  });
});
