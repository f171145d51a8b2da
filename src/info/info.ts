import * as z from "zod/mini";
import type { EngineClient } from "../engine/client.js";
import { MAX_API_VERSION } from "../engine/client.js";

/** The parts of GET /info and GET /version that `dockward info` reports. */
const infoSchema = z.looseObject({
  ID: z.optional(z.string()),
  Name: z.optional(z.string()),
  ServerVersion: z.optional(z.string()),
  OperatingSystem: z.optional(z.string()),
  OSType: z.optional(z.string()),
  KernelVersion: z.optional(z.string()),
  Architecture: z.optional(z.string()),
  CgroupVersion: z.optional(z.string()),
  CgroupDriver: z.optional(z.string()),
  SecurityOptions: z.nullish(z.array(z.string())),
  DockerRootDir: z.optional(z.string()),
  Containers: z.optional(z.number()),
  Images: z.optional(z.number()),
  Warnings: z.nullish(z.array(z.string())),
});

const versionSchema = z.looseObject({
  Version: z.optional(z.string()),
  ApiVersion: z.optional(z.string()),
  MinAPIVersion: z.optional(z.string()),
  Os: z.optional(z.string()),
  Arch: z.optional(z.string()),
});

export interface SecurityOption {
  name: string;
  [key: string]: string;
}

/** "name=seccomp,profile=default" → { name: "seccomp", profile: "default" } */
export function parseSecurityOptions(options: readonly string[]): SecurityOption[] {
  return options.map((entry) => {
    const out: SecurityOption = { name: "" };
    for (const part of entry.split(",")) {
      const eq = part.indexOf("=");
      if (eq === -1) out[part] = "true";
      else out[part.slice(0, eq)] = part.slice(eq + 1);
    }
    // Very old daemons listed bare names ("seccomp") instead of name=… pairs.
    if (out.name === "" && options.length > 0 && !entry.includes("=")) out.name = entry;
    return out;
  });
}

export interface SecuritySummary {
  seccomp: { enabled: boolean; profile: string | undefined };
  apparmor: boolean;
  selinux: boolean;
  rootless: boolean;
  userns: boolean;
  cgroupns: boolean;
}

export function summariseSecurity(options: readonly SecurityOption[]): SecuritySummary {
  const byName = new Map(options.map((o) => [o.name, o]));
  const seccomp = byName.get("seccomp");
  return {
    seccomp: { enabled: seccomp !== undefined, profile: seccomp?.profile },
    apparmor: byName.has("apparmor"),
    selinux: byName.has("selinux"),
    rootless: byName.has("rootless"),
    userns: byName.has("userns"),
    cgroupns: byName.has("cgroupns"),
  };
}

export interface InfoReport {
  endpoint: {
    host: string;
    context: string;
    source: string;
    reason: string;
    transport: string;
    tls: { verify: boolean; ca: string | null; cert: string | null; key: string | null } | null;
  };
  daemon: {
    id: string | null;
    name: string | null;
    version: string | null;
    server: string | null;
    apiVersion: string | null;
    minApiVersion: string | null;
  };
  api: { negotiated: string; clientMax: string; pinned: boolean };
  os: {
    type: string | null;
    name: string | null;
    kernel: string | null;
    architecture: string | null;
  };
  cgroup: { version: string | null; driver: string | null };
  security: SecuritySummary & { options: SecurityOption[] };
  warnings: string[];
}

const TRANSPORT_NAMES = {
  unix: "unix socket",
  tcp: "TCP, plain HTTP (no TLS: anyone who can reach the port controls the daemon)",
  tls: "TCP with TLS",
  ssh: "ssh (docker system dial-stdio)",
} as const;

export async function collectInfo(client: EngineClient): Promise<InfoReport> {
  const pinned = client.endpoint.apiVersion !== undefined;
  const ping = await client.ping();
  const negotiated = await client.negotiate(ping);
  const [info, version] = await Promise.all([
    client.json("GET", "/info", infoSchema),
    client.json("GET", "/version", versionSchema),
  ]);
  const options = parseSecurityOptions(info.SecurityOptions ?? []);
  const ep = client.endpoint;
  return {
    endpoint: {
      host: ep.host,
      context: ep.context,
      source: ep.source,
      reason: ep.reason,
      transport:
        client.transport.kind === "tls" && ep.tls?.verify === false
          ? "tls-noverify"
          : client.transport.kind,
      tls:
        ep.tls === undefined
          ? null
          : {
              verify: ep.tls.verify,
              ca: ep.tls.ca ?? null,
              cert: ep.tls.cert ?? null,
              key: ep.tls.key ?? null,
            },
    },
    daemon: {
      id: info.ID ?? null,
      name: info.Name ?? null,
      version: version.Version ?? info.ServerVersion ?? null,
      server: ping.server ?? null,
      apiVersion: version.ApiVersion ?? ping.apiVersion ?? null,
      minApiVersion: version.MinAPIVersion ?? null,
    },
    api: { negotiated, clientMax: MAX_API_VERSION, pinned },
    os: {
      type: info.OSType ?? version.Os ?? null,
      name: info.OperatingSystem ?? null,
      kernel: info.KernelVersion ?? null,
      architecture: info.Architecture ?? version.Arch ?? null,
    },
    cgroup: { version: info.CgroupVersion ?? null, driver: info.CgroupDriver ?? null },
    security: { ...summariseSecurity(options), options },
    warnings: info.Warnings ?? [],
  };
}

export function formatInfo(report: InfoReport): string {
  const lines: string[] = [];
  const row = (label: string, value: string): void => {
    lines.push(`${label.padEnd(16)}${value}`);
  };
  const ep = report.endpoint;
  row("Endpoint", ep.host);
  row("  chosen by", ep.reason);
  row("  context", ep.context);
  const transport =
    ep.transport === "tls-noverify"
      ? "TCP with TLS, server certificate NOT verified"
      : TRANSPORT_NAMES[ep.transport as keyof typeof TRANSPORT_NAMES];
  row("  transport", transport);
  if (ep.tls !== null) {
    row("  TLS CA", ep.tls.ca ?? "(none: system roots)");
    row("  TLS client", ep.tls.cert ?? "(no client certificate)");
  }
  const d = report.daemon;
  row("Daemon", `Docker ${d.version ?? "?"}${d.name !== null ? ` on ${d.name}` : ""}`);
  if (d.id !== null) row("  ID", d.id);
  row(
    "  API",
    `daemon ${d.apiVersion ?? "?"} (min ${d.minApiVersion ?? "?"}), using ${report.api.negotiated}${report.api.pinned ? " (pinned by DOCKER_API_VERSION)" : ""}`,
  );
  row("OS", `${report.os.name ?? "?"} (${report.os.type ?? "?"}/${report.os.architecture ?? "?"})`);
  row("  kernel", report.os.kernel ?? "?");
  row("Cgroups", `v${report.cgroup.version ?? "?"}, driver ${report.cgroup.driver ?? "?"}`);
  const s = report.security;
  row(
    "Security",
    `seccomp: ${s.seccomp.enabled ? `on, profile ${s.seccomp.profile ?? "default"}` : "OFF (the daemon runs containers without syscall filtering)"}`,
  );
  row(
    "",
    `AppArmor: ${s.apparmor ? "on" : "not available (no AppArmor in this kernel: --security-opt apparmor=… is silently ignored)"}`,
  );
  row("", `SELinux: ${s.selinux ? "on" : "off"}`);
  row("", `rootless: ${s.rootless ? "yes" : "no"}`);
  row(
    "",
    `user namespaces: ${s.userns ? "on (userns-remap)" : "off (container root is host root)"}`,
  );
  row("", `cgroup namespaces: ${s.cgroupns ? "private by default" : "host by default"}`);
  for (const w of report.warnings) row("Warning", w);
  return `${lines.join("\n")}\n`;
}
