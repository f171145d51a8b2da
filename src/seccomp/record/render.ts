/**
 * Text for what record and test did: the per-run summary, the kernel settings, warnings.
 */
import type { RestoreOutcome, SettingChange } from "./kernel-settings.js";
import type { RecordReport } from "./record.js";

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function listed(names: readonly string[], max = 12): string {
  if (names.length <= max) return names.join(", ");
  return `${names.slice(0, max).join(", ")}, … (+${names.length - max})`;
}

export function formatRecordSummary(report: RecordReport, out: string): string {
  const lines = [
    `recorded ${report.workload}: ${plural(report.runs.length, "run")}, no-new-privileges ${report.noNewPrivileges ? "on" : "off"}`,
  ];
  for (const r of report.runs) {
    const ending = r.timedOut ? "killed at the deadline" : `exit ${r.exitCode ?? "?"}`;
    const fresh =
      r.run === 1 ? "" : r.new.length === 0 ? ", 0 new" : `, ${r.new.length} new: ${listed(r.new)}`;
    const procs = r.pids.container + (r.unresolvedCounted ? r.pids.unresolved : 0);
    lines.push(
      `  run ${r.run}: ${plural(r.syscalls.length, "syscall")} seen${fresh} (${plural(r.records, "record")} from ${plural(procs, "process", "processes")}; ${ending})`,
    );
  }
  for (const a of report.added)
    lines.push(`  added ${a.name}, though no run made it: ${a.because}`);
  lines.push(`  total: ${plural(report.total.length, "syscall")} allowed in ${out}`);
  return `${lines.join("\n")}\n`;
}

export function formatSettings(changed: readonly SettingChange[], outcome: RestoreOutcome): string {
  const lines: string[] = [];
  for (const c of changed) {
    const back = outcome.restored.includes(c)
      ? `restored to ${c.previous}`
      : outcome.leftAlone.some((l) => l.change === c)
        ? `NOT restored: something else set it to ${outcome.leftAlone.find((l) => l.change === c)?.current ?? "?"} meanwhile`
        : `NOT restored (${outcome.failed.find((f) => f.change === c)?.reason ?? "unknown"}): set it back with: sysctl -w ${c.name}='${c.previous}'`;
    lines.push(`kernel: ${c.name} was ${c.value} for the recording, ${back}`);
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

export function formatRecovered(outcome: RestoreOutcome): string {
  const lines = outcome.restored.map(
    (c) =>
      `note: ${c.name} put back to ${c.previous}: an earlier recording was killed before it could`,
  );
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

export function formatWarnings(warnings: readonly string[]): string {
  return warnings.map((w) => `warning: ${w}\n`).join("");
}
