import { describe, expect, it } from "vitest";
import type { DecisionRecord } from "../../../../src/guard/decision-log.js";
import { GuardMetrics, escapeLabel } from "../../../../src/guard/server/metrics.js";

function rec(o: Partial<DecisionRecord>): DecisionRecord {
  return {
    time: "2026-01-01T00:00:00.000Z",
    identity: "tls:a",
    method: "GET",
    path: "/_ping",
    decision: "allow",
    rules: [],
    latencyMs: 1,
    ...o,
  };
}

describe("GuardMetrics", () => {
  it("counts requests, denials by rule, and a cumulative duration histogram", () => {
    const m = new GuardMetrics();
    m.observe(rec({ operation: "Ping", latencyMs: 0.5 }));
    m.observe(rec({ operation: "Ping", latencyMs: 3 }));
    m.observe(
      rec({
        operation: "ContainerCreate",
        decision: "deny",
        rules: ["DW-A", "DW-B"],
        latencyMs: 20_000,
      }),
    );
    m.observe(rec({ decision: "deny", rules: [], latencyMs: 7 }));
    m.hijackedSessions = 2;
    m.upstreamErrors = 1;
    m.tlsRefused("handshake");
    const text = m.render({ decisionLogHead: "ab".repeat(32) });
    const lines = text.split("\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        "# TYPE dockward_guard_requests_total counter",
        'dockward_guard_requests_total{decision="allow",operation="Ping"} 2',
        'dockward_guard_requests_total{decision="deny",operation="ContainerCreate"} 1',
        'dockward_guard_requests_total{decision="deny",operation="unknown"} 1',
        'dockward_guard_denials_total{rule="DW-A"} 1',
        'dockward_guard_denials_total{rule="DW-B"} 1',
        'dockward_guard_denials_total{rule="none"} 1',
        "# TYPE dockward_guard_request_duration_seconds histogram",
        'dockward_guard_request_duration_seconds_bucket{le="0.001"} 1',
        'dockward_guard_request_duration_seconds_bucket{le="0.005"} 2',
        'dockward_guard_request_duration_seconds_bucket{le="0.01"} 3',
        'dockward_guard_request_duration_seconds_bucket{le="10"} 3',
        'dockward_guard_request_duration_seconds_bucket{le="+Inf"} 4',
        "dockward_guard_request_duration_seconds_count 4",
        "dockward_guard_request_duration_seconds_sum 20.0105",
        "# TYPE dockward_guard_hijacked_sessions gauge",
        "dockward_guard_hijacked_sessions 2",
        "dockward_guard_upstream_errors_total 1",
        'dockward_guard_tls_refusals_total{reason="handshake"} 1',
        `dockward_guard_decision_log_head_info{head="${"ab".repeat(32)}"} 1`,
      ]),
    );
    expect(text.endsWith("\n")).toBe(true);
    // every sample line is NAME{LABELS} VALUE or NAME VALUE
    for (const l of lines.filter((x) => x !== "" && !x.startsWith("#")))
      expect(l).toMatch(
        /^[a-z_]+(\{[a-z]+="(?:[^"\\]|\\.)*"(,[a-z]+="(?:[^"\\]|\\.)*")*\})? [0-9.e+-]+$/,
      );
  });

  it("escapes label values", () => {
    expect(escapeLabel('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    const m = new GuardMetrics();
    m.observe(rec({ operation: 'we"ird\n' }));
    expect(m.render()).toContain('operation="we\\"ird\\n"} 1');
  });
});
