import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalise } from "../../../../src/guard/canonical/canonicalise.js";
import { createSpec } from "../../../../src/guard/canonical/create.js";
import { isOperationName, OPERATIONS } from "../../../../src/guard/canonical/operations.js";
import type { ContainerSpec } from "../../../../src/spec/model.js";

// Bodies the docker CLI 28.2.2 sent to a fake daemon offering API 1.51 (the CLI stops at 1.50)
// and 1.41 (dockerd 20.10); see fixtures/capture.mjs.
const DIR = join(import.meta.dirname, "fixtures", "cli");

interface Captured {
  file: string;
  operation: string;
  url: string;
  command: string;
}

const index = JSON.parse(readFileSync(join(DIR, "index.json"), "utf8")) as {
  cli: string;
  bodies: Captured[];
};

function body(file: string): string {
  return readFileSync(join(DIR, file), "utf8");
}

function canonicalCreate(file: string, name?: string): ContainerSpec {
  const c = canonicalise("ContainerCreate", body(file));
  if (!c.ok) throw new Error(c.message);
  const r = createSpec(c.value, name === undefined ? {} : { name });
  if (!r.ok) throw new Error(r.message);
  return r.spec;
}

describe("docker CLI bodies round-trip byte for byte", () => {
  it("has the same operations at both API versions", () => {
    expect(index.cli).toBe("28.2.2");
    const at = (version: string) =>
      index.bodies
        .filter((b) => b.url.startsWith(`/v${version}/`))
        .map((b) => b.operation)
        .sort();
    expect(at("1.41")).toEqual(at("1.50"));
    expect(new Set(at("1.50"))).toEqual(
      new Set([
        "ConfigCreate",
        "ContainerCreate",
        "ContainerExec",
        "ContainerUpdate",
        "ExecStart",
        "NetworkCreate",
        "PluginPull",
        "PluginSet",
        "PluginUpgrade",
        "SecretCreate",
        "ServiceCreate",
        "SwarmInit",
        "SwarmJoin",
        "VolumeCreate",
      ]),
    );
  });

  it.each(index.bodies)("$file ($operation)", ({ file, operation }) => {
    if (!isOperationName(operation)) throw new Error(`unknown operation ${operation}`);
    const text = body(file);
    const c = canonicalise(operation, text);
    if (!c.ok) throw new Error(c.message);
    // the CLI's encoder ends the body with a newline; nothing else may differ, and no field the
    // CLI sends is unknown to the schema (it would be dropped and noted)
    expect(c.body.toString("utf8")).toBe(text.replace(/\n$/, ""));
    expect(c.notes).toEqual([]);
  });

  it("routes each captured request to the operation of its path", () => {
    for (const { url, operation } of index.bodies) {
      if (!isOperationName(operation)) throw new Error(operation);
      const [method, route] = OPERATIONS[operation].route.split(" ");
      expect(method).toBe("POST");
      const pattern = new RegExp(
        `^/v[0-9.]+${(route ?? "").replace(/\{[a-z]+\}/g, "[^/]+")}(\\?|$)`,
      );
      expect(url).toMatch(pattern);
    }
  });
});

describe("createSpec judges what the CLI asked for", () => {
  it.each(["v1.50", "v1.41"])("docker create --privileged -v /:/host (%s)", (v) => {
    const spec = canonicalCreate(`create-privileged.${v}.body`);
    expect(spec.privileged).toEqual({ value: true, origin: { pointer: "/HostConfig/Privileged" } });
    expect(spec.mounts.map((m) => [m.type, m.hostPath, m.target])).toEqual([
      ["bind", "/", "/host"],
    ]);
    expect(spec.target.image).toBe("busybox");
  });

  it("docker create with many flags", () => {
    const spec = canonicalCreate("create-many-flags.v1.50.body", "web");
    expect(spec.target.name).toBe("web");
    expect(spec.target.service).toBe("db");
    expect(spec.privileged?.value).toBe(false);
    expect(spec.capAdd.map((f) => f.value)).toEqual(["SYS_ADMIN"]);
    expect(spec.capDrop.map((f) => f.value)).toEqual(["ALL"]);
    expect(spec.seccomp?.value).toEqual({ kind: "unconfined" });
    expect(spec.namespaces.pid?.value).toBe("host");
    expect(spec.namespaces.network?.value).toBe("host");
    expect(spec.namespaces.userns?.value).toBe("host");
    expect(spec.resources.memory?.value).toBe(536870912);
    expect(spec.resources.nanoCpus?.value).toBe(1500000000);
    expect(spec.resources.pidsLimit?.value).toBe(100);
    expect(spec.resources.ulimits.map((u) => [u.name, u.soft, u.hard])).toEqual([
      ["nofile", 1024, 2048],
    ]);
    expect(spec.devices.map((d) => d.hostPath)).toEqual(["/dev/fuse"]);
    // a local-driver volume with o=bind is a bind of its device
    expect(spec.mounts.map((m) => [m.type, m.hostPath, m.target, m.propagation])).toEqual([
      ["volume", "/etc", "/v", undefined],
      ["bind", "/var/run/docker.sock", "/s", "rshared"],
    ]);
    expect(spec.readOnlyRootfs?.value).toBe(true);
    expect(spec.user?.value).toBe("0:0");
  });
});
