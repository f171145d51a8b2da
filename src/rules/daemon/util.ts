import type { CertificateSummary } from "../../audit/daemon/certificate.js";
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

const DAY = 24 * 60 * 60 * 1000;

/**
 * Where a certificate stands in its validity window: expired, not yet valid, or expiring
 * within `warnDays` (with whole days left); undefined when none of these. `date` is the day
 * (YYYY-MM-DD) that matters: notAfter, or notBefore for one not yet valid.
 */
export function validityOf(
  c: CertificateSummary,
  now: Date,
  warnDays: number,
):
  | { state: "expired" | "not-yet-valid"; date: string }
  | { state: "expiring"; days: number; date: string }
  | undefined {
  const notAfter = Date.parse(c.notAfter);
  const notBefore = Date.parse(c.notBefore);
  const day = (t: number): string => new Date(t).toISOString().slice(0, 10);
  if (notAfter < now.getTime()) return { state: "expired", date: day(notAfter) };
  if (notBefore > now.getTime()) return { state: "not-yet-valid", date: day(notBefore) };
  if (notAfter - now.getTime() < warnDays * DAY)
    return {
      state: "expiring",
      days: Math.floor((notAfter - now.getTime()) / DAY),
      date: day(notAfter),
    };
  return undefined;
}

/** "in 3 days", "in 1 day" */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
