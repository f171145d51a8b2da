import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { EngineClient } from "../../src/engine/client.js";
import { resolveEndpoint } from "../../src/engine/endpoint.js";
import { parsePolicy } from "../../src/policy/policy.js";
import { evaluate } from "../../src/rules/evaluate.js";
import { containerRules } from "../../src/rules/registry.js";
import { parseRunArgv } from "../../src/spec/adapters/run.js";
import { specFromInspect } from "../../src/spec/adapters/inspect.js";
import { specFromCreateRequest } from "../../src/spec/adapters/request.js";
import { loadCompose } from "../../src/spec/compose/index.js";
import type { ContainerSpec } from "../../src/spec/model.js";
import { run } from "../harness/cli.js";
import { type RecordedRequest, startRecordingProxy } from "../harness/recording-proxy.js";

const h = inject("harness");

/** Every rule on, so the comparison covers the whole catalogue. */
const everything = parsePolicy(
  `rules:\n${containerRules.map((r) => `  ${r.meta.id}: true`).join("\n")}\n`,
  "all-rules.yaml",
);

function ruleIds(spec: ContainerSpec): string[] {
  return [...new Set(evaluate([spec], everything).findings.map((f) => f.ruleId))].sort();
}

/**
 * One insecure container written four ways: a docker run line, a compose service, the
 * container the real docker CLI created from that line (inspect), and the create request the
 * CLI sent for it. All four must get the same rule ids.
 */
const cases: { name: string; flags: string[]; compose: string }[] = [
  {
    name: "host namespaces, capabilities, sensitive mounts and no confinement",
    flags: [
      "--cap-add",
      "SYS_ADMIN",
      "--cap-add",
      "net_admin",
      "--pid",
      "host",
      "--uts",
      "host",
      "--userns",
      "host",
      "--cgroupns",
      "host",
      "--network",
      "none",
      "--security-opt",
      "seccomp=unconfined",
      "--security-opt",
      "apparmor=unconfined",
      "--security-opt",
      "systempaths=unconfined",
      "-v",
      "/etc:/host-etc:ro",
      "-v",
      "/var/run/docker.sock:/var/run/docker.sock",
      "--device",
      "/dev/kmsg",
      "--device-cgroup-rule",
      "c 1:3 rwm",
      "--sysctl",
      "net.ipv4.ip_forward=1",
      "--oom-kill-disable",
      "--memory-swap",
      "-1",
      "--memory",
      "64m",
      "--cgroup-parent",
      "/dockward-test",
      "--restart",
      "always",
      "--user",
      "0",
      "--volumes-from",
      "dockward-same-src",
    ],
    compose: `services:
  app:
    image: IMAGE
    cap_add: [SYS_ADMIN, net_admin]
    pid: host
    uts: host
    userns_mode: host
    cgroup: host
    network_mode: none
    security_opt:
      - seccomp:unconfined
      - apparmor:unconfined
      - systempaths=unconfined
    volumes:
      - /etc:/host-etc:ro
      - /var/run/docker.sock:/var/run/docker.sock
    devices: [/dev/kmsg]
    device_cgroup_rules: ["c 1:3 rwm"]
    sysctls: { net.ipv4.ip_forward: 1 }
    oom_kill_disable: true
    memswap_limit: -1
    mem_limit: 64m
    cgroup_parent: /dockward-test
    restart: always
    user: "0"
    volumes_from: ["container:dockward-same-src"]
`,
  },
  {
    name: "privileged with published ports",
    flags: [
      "--privileged",
      "-p",
      "80:80",
      "-p",
      "127.0.0.1:8443:443/tcp",
      "--read-only",
      "--pids-limit",
      "50",
      "--cpus",
      "0.5",
      "--cgroupns",
      "host",
    ],
    compose: `services:
  app:
    image: IMAGE
    privileged: true
    ports: ["80:80", "127.0.0.1:8443:443/tcp"]
    read_only: true
    pids_limit: 50
    cpus: 0.5
    cgroup: host
`,
  },
];

describe("one rule set: the same container gets the same verdict from every source", () => {
  const dir = { path: "" };
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  const client = new EngineClient(
    resolveEndpoint({ flags: { hosts: [h.unixHost] }, env: { DOCKER_CONFIG: "/nonexistent" } }),
  );
  const created: string[] = [];

  beforeAll(async () => {
    dir.path = await mkdtemp(join(tmpdir(), "dw-same-"));
    proxy = await startRecordingProxy(join(h.root, "rec.sock"), h.socketPath);
    await client.negotiate();
    await client
      .request("DELETE", "/containers/dockward-same-src", { query: { force: true } })
      .catch(() => undefined);
    await client.request("POST", "/containers/create", {
      query: { name: "dockward-same-src" },
      body: { Image: h.image, Cmd: ["true"], HostConfig: { NetworkMode: "none" } },
    });
    created.push("dockward-same-src");
  });
  afterAll(async () => {
    for (const id of created)
      await client
        .request("DELETE", `/containers/${id}`, { query: { force: true } })
        .catch(() => undefined);
    client.close();
    await proxy.close();
    await rm(dir.path, { recursive: true, force: true });
  });

  it.each(cases.map((c, i) => [c.name, c, i] as const))("%s", async (_name, c, i) => {
    const name = `dockward-same-${i}`;
    // 1. the docker run line, as lint sees it
    const fromRun = parseRunArgv({
      argv: ["docker", "run", ...c.flags, h.image, "true"],
      cwd: dir.path,
    });

    // 2. the compose service
    const composeFile = join(dir.path, `compose-${i}.yaml`);
    await writeFile(composeFile, c.compose.replace("IMAGE", h.image));
    const fromCompose = loadCompose({ files: [composeFile], env: {} }).specs[0];
    expect(fromCompose).toBeDefined();

    // 3 + 4. the real docker CLI creates it through a recording proxy: its request, then inspect
    const before = proxy.requests.length;
    const made = await run(
      "docker",
      [
        "-H",
        `unix://${join(h.root, "rec.sock")}`,
        "create",
        "--name",
        name,
        ...c.flags,
        h.image,
        "true",
      ],
      { ...process.env, DOCKER_CONFIG: dir.path },
    );
    expect(made.stderr, made.stderr).not.toMatch(/Error response/);
    expect(made.code).toBe(0);
    created.push(name);
    const sent: RecordedRequest | undefined = proxy.requests
      .slice(before)
      .find((r) => r.method === "POST" && r.url.includes("/containers/create"));
    expect(sent).toBeDefined();
    const fromRequest = specFromCreateRequest(
      JSON.parse(sent?.body.toString() ?? "{}") as unknown,
      { name },
    );
    const inspected = await client.json("GET", `/containers/${name}/json`, z.unknown());
    const fromInspect = specFromInspect(inspected);

    const expected = ruleIds(fromRun);
    expect(expected.length).toBeGreaterThan(5);
    expect({
      compose: fromCompose === undefined ? [] : ruleIds(fromCompose),
      request: ruleIds(fromRequest),
      inspect: ruleIds(fromInspect),
    }).toEqual({
      compose: expected,
      request: expected,
      inspect: expected,
    });
  });
});
