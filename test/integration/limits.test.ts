import * as http from "node:http";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { run, runCli } from "../harness/cli.js";

const h = inject("harness");
const M = 1024 * 1024;

const RUNNING = ["dw-limits-a", "dw-limits-b", "dw-limits-quota", "dw-limits-cpu", "dw-limits-fat"];
const NAMES = [...RUNNING, "dw-limits-stopped"];

const docker = (args: string[]) =>
  run("docker", ["-H", h.unixHost, ...args], { ...process.env, DOCKER_CONFIG: "/nonexistent" });
const limits = (args: string[]) => runCli(["-H", h.unixHost, "limits", ...args]);

/** POST /containers/{name}/update straight to the engine, as any API client could. */
function engineUpdate(name: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(
      {
        socketPath: h.socketPath,
        method: "POST",
        path: `/containers/${name}/update`,
        headers: { "Content-Type": "application/json", "Content-Length": payload.length },
      },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body: text });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

interface Kernel {
  memory: string;
  cpuQuota: string;
  cpuPeriod: string;
  pids: string;
}

/**
 * The limits as the kernel enforces them, read from inside the container (Docker mounts the
 * container's own cgroup at /sys/fs/cgroup): a path independent of dockward's host-side reader.
 */
async function kernel(name: string): Promise<Kernel> {
  const cat = async (...files: string[]): Promise<string[]> => {
    const res = await docker(["exec", name, "cat", ...files]);
    expect(res.code, res.stderr).toBe(0);
    return res.stdout.trim().split("\n");
  };
  const v2 = (await docker(["exec", name, "test", "-f", "/sys/fs/cgroup/cgroup.controllers"])).code;
  if (v2 === 0) {
    const [memory = "", cpu = "", pids = ""] = await cat(
      "/sys/fs/cgroup/memory.max",
      "/sys/fs/cgroup/cpu.max",
      "/sys/fs/cgroup/pids.max",
    );
    const [quota = "", period = ""] = cpu.split(" ");
    return { memory, cpuQuota: quota === "max" ? "-1" : quota, cpuPeriod: period, pids };
  }
  const [memory = "", cpuQuota = "", cpuPeriod = "", pids = ""] = await cat(
    "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
    "/sys/fs/cgroup/cpu/cpu.cfs_period_us",
    "/sys/fs/cgroup/pids/pids.max",
  );
  return { memory, cpuQuota, cpuPeriod, pids };
}

async function hostConfig(name: string): Promise<Record<string, unknown>> {
  const res = await docker(["inspect", "--format", "{{json .HostConfig}}", name]);
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as Record<string, unknown>;
}

interface ApplyJson {
  containers: {
    name: string;
    status: string;
    missing: string[];
    body: Record<string, number>;
    notes: string[];
    after: { memory: number; nanoCpus: number; cpuQuota: number; pidsLimit: number } | null;
    kernel: {
      memory: number | string;
      cpu: { quota: number | string; period: number } | null;
      pids: number | string;
    } | null;
  }[];
}

interface ShowJson {
  kernelUnavailable: string | null;
  containers: {
    name: string;
    inspect: { nanoCpus: number; cpuQuota: number };
    kernel: { cpu: { quota: number | string } | null } | null;
    mismatches: { limit: string; message: string }[];
    warnings: string[];
  }[];
}

const noStackTrace = (stderr: string): void => {
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr).not.toMatch(/internal error/);
};

describe("dockward limits on the real engine", () => {
  beforeAll(async () => {
    await docker(["rm", "-f", ...NAMES]);
    const start: Record<string, string[]> = {
      "dw-limits-a": [],
      "dw-limits-b": [],
      // a CPU limit given as a quota: Docker then refuses NanoCpus ("Conflicting options")
      "dw-limits-quota": ["--cpu-quota", "25000"],
      "dw-limits-cpu": ["--cpus", "0.5"],
      "dw-limits-fat": [],
    };
    for (const [name, flags] of Object.entries(start)) {
      const res = await docker([
        "run",
        "-d",
        "--name",
        name,
        "--network",
        "none",
        ...flags,
        h.image,
        "sleep",
        "600",
      ]);
      expect(res.code, res.stderr).toBe(0);
    }
    const stopped = await docker([
      "create",
      "--name",
      "dw-limits-stopped",
      "--network",
      "none",
      h.image,
      "sleep",
      "600",
    ]);
    expect(stopped.code, stopped.stderr).toBe(0);
    // 20 MiB in the container's tmpfs: memory the kernel charges to it and cannot drop
    const fill = await docker([
      "exec",
      "dw-limits-fat",
      "sh",
      "-c",
      "busybox head -c 20971520 /dev/zero > /dev/shm/fill",
    ]);
    expect(fill.code, fill.stderr).toBe(0);
  });

  afterAll(async () => {
    await docker(["rm", "-f", ...NAMES]);
  });

  it("apply --memory 64m --cpus 0.5 --pids 64: the kernel's cgroup files show the new limits", async () => {
    const res = await limits([
      "apply",
      "--memory",
      "64m",
      "--cpus",
      "0.5",
      "--pids",
      "64",
      "dw-limits-a",
      "dw-limits-b",
      "dw-limits-quota",
      "--format",
      "json",
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toBe("");
    const report = JSON.parse(res.stdout) as ApplyJson;
    expect(report.containers.map((c) => [c.name, c.status])).toEqual([
      ["dw-limits-a", "updated"],
      ["dw-limits-b", "updated"],
      ["dw-limits-quota", "updated"],
    ]);
    for (const c of report.containers) {
      expect(c.after).toMatchObject({ memory: 64 * M, pidsLimit: 64 });
      expect(c.kernel).toMatchObject({
        memory: 64 * M,
        cpu: { quota: 50000, period: 100000 },
        pids: 64,
      });
      expect(await kernel(c.name)).toEqual({
        memory: String(64 * M),
        cpuQuota: "50000",
        cpuPeriod: "100000",
        pids: "64",
      });
    }
    // NanoCpus where Docker takes it; period + quota where the container already had a quota
    expect(report.containers[0]?.body).toEqual({
      Memory: 64 * M,
      MemorySwap: 64 * M,
      NanoCpus: 500_000_000,
      PidsLimit: 64,
    });
    expect(await hostConfig("dw-limits-a")).toMatchObject({
      Memory: 64 * M,
      MemorySwap: 64 * M,
      NanoCpus: 500_000_000,
      PidsLimit: 64,
    });
    expect(await hostConfig("dw-limits-quota")).toMatchObject({
      NanoCpus: 0,
      CpuQuota: 50000,
      CpuPeriod: 100000,
    });
  });

  it("shows before, after and kernel per container in text", async () => {
    const res = await limits(["apply", "--memory", "128m", "dw-limits-b"]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^dw-limits-b \([0-9a-f]{12}\): updated$/m);
    expect(res.stdout).toMatch(/^ {2}limit +before +after +kernel$/m);
    // 64m memory + 64m memory-swap: swap is raised with memory, or Docker refuses the update
    expect(res.stdout).toMatch(/^ {2}memory +64m +128m +128m$/m);
    expect(res.stdout).toMatch(/^ {2}memory\+swap +64m +128m +128m$/m);
    expect(res.stdout).toContain("memory-swap raised from 64m to 128m");
    expect((await kernel("dw-limits-b")).memory).toBe(String(128 * M));
  });

  it("show reports a CPU quota removed behind inspect's back", async () => {
    // Docker 20.10 accepts CpuQuota -1 on a --cpus container (-1 is not a "set" quota, so the
    // NanoCpus conflict check passes): the kernel loses the quota, inspect keeps NanoCpus
    const update = await engineUpdate("dw-limits-cpu", { CpuQuota: -1 });
    expect(update.status, update.body).toBe(200);
    expect(await hostConfig("dw-limits-cpu")).toMatchObject({
      NanoCpus: 500_000_000,
      CpuQuota: -1,
    });
    expect((await kernel("dw-limits-cpu")).cpuQuota).toBe("-1");

    const json = await limits(["show", "dw-limits-cpu", "--format", "json"]);
    expect(json.code, json.stderr).toBe(0);
    const shown = (JSON.parse(json.stdout) as ShowJson).containers[0];
    expect(shown?.inspect.nanoCpus).toBe(500_000_000);
    expect(shown?.kernel?.cpu?.quota).toBe("unlimited");
    expect(shown?.mismatches.map((m) => m.limit)).toEqual(["cpus"]);

    const text = await limits(["show"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^dw-limits-cpu \([0-9a-f]{12}\) running, cgroup v[12]$/m);
    expect(text.stdout).toMatch(/^ {2}cpus +0\.5 \(CpuQuota -1\) +unlimited +<- differs$/m);
    expect(text.stdout).toContain(
      "MISMATCH cpus: inspect claims NanoCpus 500000000 (0.5 CPUs) but the kernel has no CPU quota",
    );
    // the containers dockward limited agree with their kernel
    expect(text.stdout).toMatch(/^dw-limits-a \([0-9a-f]{12}\) running/m);
    expect(text.stdout).toMatch(/inspect and the kernel disagree/);
  });

  it("apply --cpus puts the removed quota back in the kernel, and says the -1 returns at the next start", async () => {
    const res = await limits(["apply", "--cpus", "0.5", "dw-limits-cpu", "--format", "json"]);
    expect(res.code, res.stderr).toBe(0);
    const c = (JSON.parse(res.stdout) as ApplyJson).containers[0];
    expect(c?.body).toEqual({ NanoCpus: 500_000_000 });
    expect(c?.notes.join("\n")).toMatch(/inspect keeps CpuQuota -1/);
    expect((await kernel("dw-limits-cpu")).cpuQuota).toBe("50000");
    const shown = JSON.parse(
      (await limits(["show", "dw-limits-cpu", "--format", "json"])).stdout,
    ) as ShowJson;
    expect(shown.containers[0]?.mismatches).toEqual([]);
    expect(shown.containers[0]?.warnings.join("\n")).toMatch(/next start/);
  });

  it("--all-unlimited picks only running containers lacking a requested limit; --dry-run sends nothing", async () => {
    const dry = await limits([
      "apply",
      "--pids",
      "48",
      "--all-unlimited",
      "--dry-run",
      "--format",
      "json",
    ]);
    expect(dry.code, dry.stderr).toBe(0);
    const planned = (JSON.parse(dry.stdout) as ApplyJson).containers;
    const mine = planned.filter((c) => c.name.startsWith("dw-limits-"));
    expect(mine.map((c) => [c.name, c.status, c.missing])).toEqual(
      expect.arrayContaining([
        ["dw-limits-cpu", "planned", ["pids"]],
        ["dw-limits-fat", "planned", ["pids"]],
      ]),
    );
    expect(mine.map((c) => c.name).sort()).toEqual(["dw-limits-cpu", "dw-limits-fat"]);
    expect((await kernel("dw-limits-fat")).pids).toBe("max");

    const real = await limits(["apply", "--pids", "48", "--all-unlimited", "--format", "json"]);
    expect(real.code, real.stderr).toBe(0);
    expect((await kernel("dw-limits-fat")).pids).toBe("48");
    expect((await kernel("dw-limits-cpu")).pids).toBe("48");
    expect((await kernel("dw-limits-a")).pids).toBe("64");
  });

  it("refuses memory below a container's usage, and changes nothing on any container", async () => {
    const res = await limits([
      "apply",
      "--memory",
      "8m",
      "--pids",
      "32",
      "dw-limits-a",
      "dw-limits-fat",
    ]);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(
      /dockward: nothing was changed: a container cannot take these limits:\n {2}dw-limits-fat: --memory 8m is below its current memory usage of \d+(\.\d)?m/,
    );
    expect(res.stderr).toContain("fix: ");
    noStackTrace(res.stderr);
    expect(await kernel("dw-limits-a")).toMatchObject({ memory: String(64 * M), pids: "64" });
    expect((await kernel("dw-limits-fat")).pids).toBe("48");
  });

  it("bad input: clear errors, exit 2, nothing written", async () => {
    const cases: [string[], string][] = [
      [["apply", "--memory", "12x", "dw-limits-a"], '--memory "12x": not a size like 512m or 2g'],
      [["apply", "--cpus", "lots", "dw-limits-a"], '--cpus "lots": not a CPU count like 0.5 or 2'],
      [["apply", "--cpus", "64", "dw-limits-a"], "the engine's host has only"],
      [
        ["apply", "--pids", "32", "dw-limits-a", "dw-limits-ghost"],
        "no such container: dw-limits-ghost: nothing was changed",
      ],
      [["apply", "--pids", "32", "dw-limits-stopped"], "not running: dw-limits-stopped (created)"],
      [["apply", "--pids", "32"], "no container given"],
      [["show", "dw-limits-ghost"], "no such container: dw-limits-ghost"],
    ];
    for (const [args, message] of cases) {
      const res = await limits(args);
      expect(res.code, `${args.join(" ")}: ${res.stderr}`).toBe(2);
      expect(res.stderr).toContain(message);
      expect(res.stdout).toBe("");
      noStackTrace(res.stderr);
    }
    expect((await kernel("dw-limits-a")).pids).toBe("64");
  });

  it("a remote engine: show gives inspect only and exits 0", async () => {
    const res = await runCli(["-H", h.sshRemoteSocketHost, "limits", "show", "dw-limits-a"], {
      PATH: `${h.binDir}:${process.env.PATH ?? ""}`,
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(
      /^Kernel view unavailable: the engine at ssh:\/\/.* is not on this machine/,
    );
    expect(res.stdout).toMatch(/^ {2}pids +64$/m);
  });

  it("--help has examples", async () => {
    const res = await limits(["apply", "--help"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(
      "dockward limits apply --memory 256m --cpus 0.5 --pids 128 web worker",
    );
  });
});
