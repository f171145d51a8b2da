import type { DaemonFact, FileFacts, TcpEndpoint } from "../../spec/daemon.js";
import type { Origin } from "../../spec/model.js";
import type { RuleHit } from "../types.js";

/** 0o660 → "0660" */
export function octal(permissions: number): string {
  return `0${permissions.toString(8).padStart(3, "0")}`;
}

/** "root:docker 0660" */
export function describeFile(f: FileFacts): string {
  return `${f.owner ?? `uid ${f.uid}`}:${f.group ?? `gid ${f.gid}`} ${octal(f.permissions)}`;
}

/** "tcp://0.0.0.0:2375 (all interfaces)" */
export function describeEndpoint(e: TcpEndpoint): string {
  const host = e.host.includes(":") ? `[${e.host}]` : e.host;
  const scope =
    e.scope === "any"
      ? "all interfaces: anyone on the network"
      : e.scope === "loopback"
        ? "loopback: every local user and every host-network container"
        : e.scope === "remote"
          ? "as dialled from here"
          : "one address: anyone who can route to it";
  return `tcp://${host}:${e.port} (${scope})`;
}

/** A hit when a boolean daemon setting has the unsafe value. */
export function whenSetting<T>(
  fact: DaemonFact<T> | undefined,
  unsafe: (value: T) => boolean,
  message: (fact: DaemonFact<T>) => string,
): RuleHit[] {
  if (fact === undefined || !unsafe(fact.value)) return [];
  return [{ message: message(fact), origin: fact.origin }];
}

/** " (dockerd's default)" or " (set by …)" for a message. */
export function how(fact: DaemonFact<unknown>): string {
  switch (fact.source) {
    case "default":
      return " (dockerd's default: nothing sets it)";
    case "info":
      return " (as the running daemon reports it)";
    case "environment":
      return " (from the daemon's environment)";
    default:
      return "";
  }
}

export function originOf(file: { origin: Origin }): Origin {
  return file.origin;
}
