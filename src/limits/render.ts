/** Text output of `dockward limits apply` and `dockward limits show`: one small table per container. */
import type { AppliedContainer, ApplyReport } from "./apply.js";
import type { ShowReport } from "./show.js";
import { LIMIT_LABELS, LIMIT_NAMES, type LimitName } from "./types.js";
import { inspectCell, kernelCell } from "./values.js";

function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  return rows.map((row) =>
    `  ${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ")}`.trimEnd(),
  );
}

const short = (id: string): string => id.slice(0, 12);

function appliedBlock(c: AppliedContainer, dryRun: boolean): string[] {
  const lacked =
    c.missing.length > 0 ? `, lacked ${c.missing.map((m) => LIMIT_LABELS[m]).join(", ")}` : "";
  const head = `${c.name} (${short(c.id)}${lacked})`;
  if (c.status === "vanished" || c.status === "failed") {
    return [`${head}: NOT updated: ${c.error ?? "unknown error"}`];
  }
  const lines = [
    dryRun
      ? `${head}: would send ${JSON.stringify(c.body)} (dry run: nothing sent)`
      : `${head}: updated`,
  ];
  const rows: string[][] = [
    ["limit", "before", dryRun ? "planned" : "after", dryRun ? "kernel now" : "kernel"],
  ];
  for (const name of LIMIT_NAMES) {
    rows.push([
      LIMIT_LABELS[name],
      inspectCell(name, c.before),
      c.after === null ? "n/a" : inspectCell(name, c.after),
      c.kernel === null ? "n/a" : kernelCell(name, c.kernel),
    ]);
  }
  lines.push(...table(rows));
  for (const note of c.notes) lines.push(`  note: ${note}`);
  if (c.kernelNote !== null) lines.push(`  kernel view unavailable: ${c.kernelNote}`);
  return lines;
}

export function formatApply(report: ApplyReport): string {
  const out: string[] = [];
  if (report.selection === "all-unlimited" && report.containers.length === 0) {
    return `No running container lacks the requested limits (${report.examined} examined).\n`;
  }
  for (const c of report.containers) out.push(...appliedBlock(c, report.dryRun), "");
  const count = (s: AppliedContainer["status"]): number =>
    report.containers.filter((c) => c.status === s).length;
  const parts = report.dryRun
    ? [`dry run: ${count("planned")} container(s) would be updated, nothing was sent`]
    : [`${count("updated")} container(s) updated`];
  if (count("vanished") > 0) parts.push(`${count("vanished")} removed during the run`);
  if (count("failed") > 0) parts.push(`${count("failed")} refused by the engine`);
  if (report.selection === "all-unlimited")
    parts.push(`${report.examined} running container(s) examined`);
  out.push(`${parts.join("; ")}.`);
  return `${out.join("\n")}\n`;
}

export function formatShow(report: ShowReport): string {
  const out: string[] = [];
  if (report.kernelUnavailable !== null) {
    out.push(`Kernel view unavailable: ${report.kernelUnavailable}. Showing inspect only.`, "");
  }
  if (report.containers.length === 0) out.push("No running containers.");
  for (const c of report.containers) {
    const cgroup = c.kernel === null ? "" : `, cgroup v${c.kernel.cgroupVersion}`;
    out.push(`${c.name} (${short(c.id)}) ${c.status}${cgroup}`);
    const withKernel = report.kernelUnavailable === null;
    const differs = new Set<LimitName>(c.mismatches.map((m) => m.limit));
    const rows: string[][] = [
      withKernel ? ["limit", "inspect", "kernel", ""] : ["limit", "inspect"],
    ];
    for (const name of LIMIT_NAMES) {
      const row = [LIMIT_LABELS[name], inspectCell(name, c.inspect)];
      if (withKernel)
        row.push(
          c.kernel === null ? "n/a" : kernelCell(name, c.kernel),
          differs.has(name) ? "<- differs" : "",
        );
      rows.push(row);
    }
    out.push(...table(rows));
    if (withKernel && c.kernelNote !== null) out.push(`  kernel view unavailable: ${c.kernelNote}`);
    for (const m of c.mismatches) out.push(`  MISMATCH ${m.message}`);
    for (const w of c.warnings) out.push(`  WARNING ${w}`);
    out.push("");
  }
  if (report.vanished.length > 0) {
    out.push(`Removed while being read, skipped: ${report.vanished.join(", ")}`);
  }
  const mismatched = report.containers.filter((c) => c.mismatches.length > 0).length;
  if (report.kernelUnavailable === null && report.containers.length > 0) {
    out.push(
      mismatched === 0
        ? `${report.containers.length} container(s): inspect and the kernel agree.`
        : `${mismatched} of ${report.containers.length} container(s): inspect and the kernel disagree.`,
    );
  }
  return `${out.join("\n")}\n`;
}
