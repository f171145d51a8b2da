import type { DecisionRecord } from "../decision-log.js";

/**
 * The guard's counters, and their Prometheus text exposition (format 0.0.4), written by hand.
 * Labels carry operations and rule ids only: never identities, paths or queries.
 */

/** Upper bounds of the request-duration histogram, in seconds. */
export const DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/** A label value as the exposition format escapes it: backslash, double quote, newline. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labels(pairs: Record<string, string>): string {
  const parts = Object.entries(pairs).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

/** Go's strconv.FormatFloat('g')-like: what Prometheus clients print. */
function num(n: number): string {
  if (n === Infinity) return "+Inf";
  return String(n);
}

export class GuardMetrics {
  private readonly requests = new Map<string, number>();
  private readonly denials = new Map<string, number>();
  private readonly bucketCounts: number[] = DURATION_BUCKETS.map(() => 0);
  private durationCount = 0;
  private durationSum = 0;
  private readonly tlsRefusals = new Map<string, number>();
  hijackedSessions = 0;
  upstreamErrors = 0;
  recordFailures = 0;

  observe(record: DecisionRecord): void {
    const operation = record.operation ?? "unknown";
    const key = `${record.decision}\u0000${operation}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    if (record.decision === "deny") {
      const rules = record.rules.length > 0 ? record.rules : ["none"];
      for (const rule of rules) this.denials.set(rule, (this.denials.get(rule) ?? 0) + 1);
    }
    const seconds = record.latencyMs / 1000;
    for (const [i, bound] of DURATION_BUCKETS.entries()) {
      if (seconds <= bound) this.bucketCounts[i] = (this.bucketCounts[i] ?? 0) + 1;
    }
    this.durationCount += 1;
    this.durationSum += seconds;
  }

  tlsRefused(reason: string): void {
    this.tlsRefusals.set(reason, (this.tlsRefusals.get(reason) ?? 0) + 1);
  }

  render(extra: { decisionLogHead?: string } = {}): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };

    family(
      "dockward_guard_requests_total",
      "counter",
      "Requests judged, by decision and operation.",
    );
    for (const [key, n] of [...this.requests].sort(([a], [b]) => a.localeCompare(b))) {
      const [decision = "", operation = ""] = key.split("\u0000");
      out.push(`dockward_guard_requests_total${labels({ decision, operation })} ${n}`);
    }

    family("dockward_guard_denials_total", "counter", "Denials, by the rule that denied.");
    for (const [rule, n] of [...this.denials].sort(([a], [b]) => a.localeCompare(b)))
      out.push(`dockward_guard_denials_total${labels({ rule })} ${n}`);

    family(
      "dockward_guard_request_duration_seconds",
      "histogram",
      "Time from a request's arrival to its answer's head.",
    );
    for (const [i, bound] of DURATION_BUCKETS.entries())
      out.push(
        `dockward_guard_request_duration_seconds_bucket${labels({ le: num(bound) })} ${this.bucketCounts[i] ?? 0}`,
      );
    out.push(
      `dockward_guard_request_duration_seconds_bucket${labels({ le: "+Inf" })} ${this.durationCount}`,
      `dockward_guard_request_duration_seconds_sum ${num(this.durationSum)}`,
      `dockward_guard_request_duration_seconds_count ${this.durationCount}`,
    );

    family(
      "dockward_guard_hijacked_sessions",
      "gauge",
      "Hijacked connections (attach, exec, session) open now.",
    );
    out.push(`dockward_guard_hijacked_sessions ${this.hijackedSessions}`);

    family(
      "dockward_guard_upstream_errors_total",
      "counter",
      "Requests the Docker engine could not be reached for, or broke off.",
    );
    out.push(`dockward_guard_upstream_errors_total ${this.upstreamErrors}`);

    family(
      "dockward_guard_tls_refusals_total",
      "counter",
      "TLS clients refused after the handshake, by reason.",
    );
    for (const [reason, n] of [...this.tlsRefusals].sort(([a], [b]) => a.localeCompare(b)))
      out.push(`dockward_guard_tls_refusals_total${labels({ reason })} ${n}`);

    family(
      "dockward_guard_decision_record_failures_total",
      "counter",
      "Decision records that could not be written (their answers were withheld).",
    );
    out.push(`dockward_guard_decision_record_failures_total ${this.recordFailures}`);

    if (extra.decisionLogHead !== undefined) {
      family(
        "dockward_guard_decision_log_head_info",
        "gauge",
        "The hash of the decision log's last line.",
      );
      out.push(`dockward_guard_decision_log_head_info${labels({ head: extra.decisionLogHead })} 1`);
    }
    return `${out.join("\n")}\n`;
  }
}
