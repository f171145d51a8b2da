import { readFile } from "node:fs/promises";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { EngineClient } from "../../src/engine/client.js";
import { resolveEndpoint } from "../../src/engine/endpoint.js";
import { EngineHttpError } from "../../src/errors.js";

const h = inject("harness");

function client(host: string, env: Record<string, string> = {}): EngineClient {
  return new EngineClient(
    resolveEndpoint({ flags: { hosts: [host] }, env: { DOCKER_CONFIG: "/nonexistent", ...env } }),
    {
      timeoutMs: 20_000,
    },
  );
}

async function sshStarts(): Promise<number> {
  const text = await readFile(h.sshLog, "utf8").catch(() => "");
  return text.split("\n").filter((l) => l.trim() !== "").length;
}

describe("ssh transport", () => {
  const savedPath = process.env.PATH;
  beforeAll(() => {
    // the client spawns `ssh` from PATH, like the docker CLI: put the harness wrapper first
    process.env.PATH = `${h.binDir}:${savedPath ?? ""}`;
  });
  afterAll(() => {
    process.env.PATH = savedPath;
  });

  it("50 sequential requests start one ssh process, not 50", async () => {
    const c = client(h.sshRemoteSocketHost);
    const before = await sshStarts();
    try {
      await c.negotiate();
      const ids = new Set<string>();
      for (let i = 0; i < 50; i++) {
        const info = await c.json("GET", "/info", z.looseObject({ ID: z.string() }));
        ids.add(info.ID);
      }
      expect([...ids]).toEqual([h.daemonId]);
      expect(c.transport.sshProcesses()).toBe(1);
      expect((await sshStarts()) - before).toBe(1);
    } finally {
      c.close();
    }
  });

  it("concurrent requests queue on the one connection and all succeed", async () => {
    const c = client(h.sshRemoteSocketHost);
    try {
      const results = await Promise.all(Array.from({ length: 10 }, () => c.ping()));
      expect(results.every((p) => p.apiVersion !== undefined)).toBe(true);
      expect(c.transport.sshProcesses()).toBe(1);
    } finally {
      c.close();
    }
  });
});

describe("engine client against the real daemon", () => {
  const c = client(h.unixHost);
  const created: string[] = [];
  beforeAll(async () => {
    await c.negotiate();
  });
  afterEach(async () => {
    for (const id of created.splice(0)) {
      await c
        .request("DELETE", `/containers/${id}`, { query: { force: true } })
        .catch(() => undefined);
    }
  });
  afterAll(() => {
    c.close();
  });

  const createSchema = z.object({ Id: z.string() });

  it("negotiates down to the daemon's API version", async () => {
    const ping = await c.ping();
    expect(c.apiVersion).toBe(ping.apiVersion);
  });

  it("surfaces the daemon's own message on HTTP errors", async () => {
    const err: unknown = await c
      .request("GET", "/containers/does-not-exist/json")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineHttpError);
    expect((err as EngineHttpError).status).toBe(404);
    expect((err as EngineHttpError).message).toMatch(/No such container: does-not-exist/);
  });

  it("streams a response (events) as it happens", async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const events = await c.stream("GET", "/events", {
      query: { since, filters: JSON.stringify({ type: ["container"], event: ["create"] }) },
    });
    const first = new Promise<string>((resolve) => {
      events.once("data", (chunk: Buffer) => {
        resolve(chunk.toString());
      });
    });
    const made = await c.json("POST", "/containers/create", createSchema, {
      body: { Image: h.image, Cmd: ["true"], HostConfig: { NetworkMode: "none" } },
    });
    created.push(made.Id);
    const event = JSON.parse(await first) as { Action: string; id: string };
    events.destroy();
    expect(event).toMatchObject({ Action: "create", id: made.Id });
  });

  it("hijacks an attach connection and talks to the container's shell", async () => {
    const made = await c.json("POST", "/containers/create", createSchema, {
      body: {
        Image: h.image,
        Cmd: ["sh"],
        OpenStdin: true,
        StdinOnce: true,
        AttachStdin: true,
        AttachStdout: true,
        Tty: true,
        HostConfig: { NetworkMode: "none" },
      },
    });
    created.push(made.Id);
    const sock = await c.hijack("POST", `/containers/${made.Id}/attach`, {
      query: { stream: 1, stdin: 1, stdout: 1, stderr: 1 },
    });
    let output = "";
    const seen = new Promise<void>((resolve) => {
      sock.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("dockward-attach-42")) resolve();
      });
    });
    await c.request("POST", `/containers/${made.Id}/start`);
    // with a TTY the input is echoed back: only the shell's arithmetic proves it ran
    sock.write("echo dockward-attach-$((40+2))\n");
    await seen;
    sock.write("exit\n");
    sock.destroy();
    expect(output).toContain("dockward-attach-42");
  });

  it("a per-call timeout bounds a call that would wait forever", async () => {
    const made = await c.json("POST", "/containers/create", createSchema, {
      body: { Image: h.image, Cmd: ["sleep", "600"], HostConfig: { NetworkMode: "none" } },
    });
    created.push(made.Id);
    await c.request("POST", `/containers/${made.Id}/start`);
    // /wait blocks until the container exits: ten minutes here
    const err: unknown = await c
      .request("POST", `/containers/${made.Id}/wait`, { timeoutMs: 500 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "TIMEOUT" });
    // the client is still usable afterwards
    expect((await c.ping()).apiVersion).toBeDefined();
  });
});
