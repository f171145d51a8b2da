import { allRules } from "../rules/registry.js";
import { SEVERITIES, type Finding, type Severity } from "../rules/types.js";
import { placeOf, type Report } from "./report.js";

/**
 * One self-contained HTML page: inline CSS, no script, no external resource of any kind (a
 * Content-Security-Policy of `default-src 'none'` makes sure of it). Findings carry strings the
 * user controls (service and container names, paths, messages), so every value goes through the
 * `h` template tag below, which escapes whatever is not already markup it built itself.
 * Grouping by severity or by theme, and hiding severities, are CSS-only controls: each finding is
 * in the page once, and the CSS `order` of the flex column decides which grouping shows.
 */

export interface HtmlOptions {
  /** the page's title and heading; default "dockward <mode> report" */
  title?: string;
  /** when the report was made, shown in the header; default now */
  generatedAt?: Date;
}

// ---------------------------------------------------------------------------------------------
// Escaping

/** Escape text for an HTML text node or a double- or single-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}
const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Markup built by `h`: the only values inserted without escaping. */
class SafeHtml {
  constructor(readonly value: string) {}
}
type Part = SafeHtml | string | number | readonly Part[] | undefined | false;

function part(v: Part): string {
  if (v === undefined || v === false) return "";
  if (v instanceof SafeHtml) return v.value;
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return escapeHtml(v);
  return v.map(part).join("");
}

/**
 * Template tag for markup: interpolated values are escaped unless they are SafeHtml (built by `h`
 * itself); arrays are joined. Values only ever go into text or double-quoted attribute values.
 * (Not named `html`, so that prettier leaves the templates' whitespace alone.)
 */
function h(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((v, i) => {
    out += part(v) + (strings[i + 1] ?? "");
  });
  return new SafeHtml(out);
}

/**
 * A link target only when it is a plain relative path (`docs/rules/DW-PRIV-001.md`): no scheme
 * (`javascript:`, `http:`), no `//host`, no absolute path, nothing to break out of the attribute.
 */
export function safeRelativeHref(path: string): string | undefined {
  return /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/.test(path) ? path : undefined;
}

// ---------------------------------------------------------------------------------------------
// Themes and scores

export const THEMES = [
  "Privileges",
  "Confinement",
  "Resource limits",
  "Exposure & hygiene",
  "Daemon protection",
  "Other",
] as const;
export type Theme = (typeof THEMES)[number];

const THEME_OF_AREA = new Map<string, Theme>([
  ["PRIV", "Privileges"],
  ["CAP", "Privileges"],
  ["NS", "Privileges"],
  ["MNT", "Privileges"],
  ["DEV", "Privileges"],
  ["SYS", "Privileges"],
  ["USR", "Privileges"],
  ["SEC", "Confinement"],
  ["SCMP", "Confinement"],
  ["RES", "Resource limits"],
  ["NET", "Exposure & hygiene"],
  ["RST", "Exposure & hygiene"],
  ["FS", "Exposure & hygiene"],
  ["DMN", "Daemon protection"],
  ["TLS", "Daemon protection"],
  ["CFG", "Daemon protection"],
  ["PKI", "Daemon protection"],
]);

const THEME_BLURB: Record<Theme, string> = {
  Privileges:
    "what the container may do to the host: privileged mode, capabilities, host namespaces, mounts, devices, sysctls, the user",
  Confinement: "the kernel's guard rails: seccomp, AppArmor, no-new-privileges, masked paths",
  "Resource limits": "memory, CPU, PIDs, swap, the OOM killer, cgroups",
  "Exposure & hygiene": "published ports, restart policy, a writable root filesystem",
  "Daemon protection":
    "the daemon itself: who can reach its API, its TLS material, socket and file permissions, its configuration",
  Other: "rules outside the themes above",
};

/** The theme of a rule, from its id's area: DW-<AREA>-NNN. */
export function themeOf(ruleId: string): Theme {
  const area = /^DW-([A-Z]+)-/.exec(ruleId)?.[1];
  return (area !== undefined ? THEME_OF_AREA.get(area) : undefined) ?? "Other";
}

export const SCORE_WEIGHTS: Record<Severity, number> = {
  critical: 25,
  high: 10,
  medium: 3,
  low: 1,
  info: 0,
};

/** Report order of the rules (the registry's), for sorting findings of one severity and theme. */
const RULE_ORDER = new Map<string, number>(allRules.map((r, i) => [r.meta.id, i]));

type Counts = Record<Severity, number>;

const zeroCounts = (): Counts =>
  Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;

/** 100 minus the weighted active findings, floored at 0. */
export function score(counts: Counts): number {
  const penalty = SEVERITIES.reduce((sum, s) => sum + SCORE_WEIGHTS[s] * counts[s], 0);
  return Math.max(0, 100 - penalty);
}

function band(n: number): { name: string; label: string } {
  if (n >= 90) return { name: "good", label: "good" };
  if (n >= 70) return { name: "fair", label: "fair" };
  if (n >= 40) return { name: "poor", label: "poor" };
  return { name: "bad", label: "bad" };
}

// ---------------------------------------------------------------------------------------------
// Grouping findings by target and by host (or file)

interface TargetRow {
  kind: string;
  name: string;
  file: string | undefined;
  /** the group (host, file) it belongs to */
  group: string;
  /** the name shown within its group: the container name without its `host/` prefix */
  shortName: string;
  counts: Counts;
  suppressed: number;
}

interface Group {
  key: string;
  label: string;
  endpoint?: string;
  error?: string;
  rows: TargetRow[];
  counts: Counts;
  suppressed: number;
}

const UNATTRIBUTED = "\u0000unattributed";

function groupTargets(report: Report): {
  groups: Group[];
  rows: TargetRow[];
  rowOf: (f: Finding) => TargetRow;
} {
  const hosts = report.hosts;
  const hostNames = new Set(hosts?.map((h) => h.name));

  const place = (kind: string, name: string, file: string | undefined): TargetRow => {
    // a daemon's own name is a URL (unix:///…): only a host prefix before it is a group
    const slash = kind === "daemon" && /^[a-z]+:\/\//.test(name) ? -1 : name.indexOf("/");
    const prefix = slash > 0 ? name.slice(0, slash) : undefined;
    let group: string;
    let shortName = name;
    if (hosts !== undefined) {
      if (prefix !== undefined && hostNames.has(prefix)) {
        group = prefix;
        shortName = name.slice(slash + 1);
      } else if (hosts.length === 1 && hosts[0] !== undefined) group = hosts[0].name;
      else group = UNATTRIBUTED;
    } else if (report.mode === "audit") {
      if (prefix !== undefined) {
        group = prefix;
        shortName = name.slice(slash + 1);
      } else group = UNATTRIBUTED;
    } else group = file ?? name;
    return { kind, name, file, group, shortName, counts: zeroCounts(), suppressed: 0 };
  };

  const rows: TargetRow[] = report.targets.map((t) => place(t.kind, t.name, t.file));
  const byKey = new Map<string, TargetRow[]>();
  for (const r of rows) {
    const key = `${r.kind}\u0000${r.name}`;
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  const rowOf = (f: Finding): TargetRow => {
    const key = `${f.target.kind}\u0000${f.target.name}`;
    const candidates = byKey.get(key);
    const found = candidates?.find((r) => r.file === f.target.file) ?? candidates?.[0];
    if (found !== undefined) return found;
    // a finding about something the report does not list as a target (a daemon, say)
    const row = place(f.target.kind, f.target.name, f.target.file);
    rows.push(row);
    byKey.set(key, [row]);
    return row;
  };
  for (const f of report.findings) {
    const row = rowOf(f);
    if (f.suppressed !== undefined) row.suppressed += 1;
    else row.counts[f.severity] += 1;
  }

  const groups = new Map<string, Group>();
  const labelOf = (key: string): string =>
    key !== UNATTRIBUTED
      ? key
      : hosts !== undefined
        ? "(no matching host)"
        : report.mode === "audit"
          ? "(audited host)"
          : "(unknown)";
  for (const h of hosts ?? []) {
    groups.set(h.name, {
      key: h.name,
      label: h.name,
      endpoint: h.endpoint,
      ...(h.error !== undefined ? { error: h.error } : {}),
      rows: [],
      counts: zeroCounts(),
      suppressed: 0,
    });
  }
  for (const r of rows) {
    let g = groups.get(r.group);
    if (g === undefined) {
      g = { key: r.group, label: labelOf(r.group), rows: [], counts: zeroCounts(), suppressed: 0 };
      groups.set(r.group, g);
    }
    g.rows.push(r);
    for (const s of SEVERITIES) g.counts[s] += r.counts[s];
    g.suppressed += r.suppressed;
  }
  // worst first: unreachable hosts, then the lowest score
  const sorted = [...groups.values()].sort(
    (a, b) =>
      Number(b.error !== undefined) - Number(a.error !== undefined) ||
      score(a.counts) - score(b.counts) ||
      a.label.localeCompare(b.label),
  );
  for (const g of sorted) g.rows.sort((a, b) => score(a.counts) - score(b.counts));
  return { groups: sorted, rows, rowOf };
}

// ---------------------------------------------------------------------------------------------
// Pieces

const SEVERITY_LABEL: Record<Severity, string> = {
  critical: "Critical",
  high: "High",
  medium: "Medium",
  low: "Low",
  info: "Info",
};

const KIND_LABEL: Record<string, string> = {
  compose: "service",
  run: "docker run",
  container: "container",
  request: "API request",
  daemon: "daemon",
  seccomp: "seccomp profile",
};

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function badge(s: Severity): SafeHtml {
  return h`<span class="badge sev-${s}">${SEVERITY_LABEL[s]}</span>`;
}

function location(f: Finding): string | undefined {
  const t = f.target;
  if (
    t.kind !== "daemon" &&
    t.line === undefined &&
    t.argIndex === undefined &&
    t.pointer !== undefined &&
    t.pointer !== ""
  )
    return `JSON ${t.pointer}`;
  const where = placeOf(f);
  return where === "" ? undefined : where;
}

function scoreCell(counts: Counts, unreachable = false): SafeHtml {
  if (unreachable) return h`<td class="score"><span class="muted">n/a</span></td>`;
  const n = score(counts);
  const b = band(n);
  return h`<td class="score"><span class="score-num band-${b.name}">${n}</span><span class="score-bar" aria-hidden="true"><span class="band-${b.name}" style="width:${n}%"></span></span><span class="band-label">${b.label}</span></td>`;
}

function countCells(counts: Counts): SafeHtml[] {
  return SEVERITIES.map((s) =>
    counts[s] === 0
      ? h`<td class="num zero">0</td>`
      : h`<td class="num"><span class="count sev-${s}" title="${SEVERITY_LABEL[s]}">${counts[s]}</span></td>`,
  );
}

function countHeads(): SafeHtml[] {
  return SEVERITIES.map((s) => h`<th class="num" scope="col">${badge(s)}</th>`);
}

function docsLink(f: Finding): SafeHtml {
  const href = safeRelativeHref(f.docs);
  return href !== undefined
    ? h`<a class="rule-id" href="${href}">${f.ruleId}</a>`
    : h`<span class="rule-id">${f.ruleId}</span>`;
}

/** Text with `backtick` spans (as rule remediations and messages write code) as <code>. */
function prose(text: string): SafeHtml {
  return h`${text
    .split(/(`[^`]+`)/)
    .map((piece, i) => (i % 2 === 1 ? h`<code>${piece.slice(1, -1)}</code>` : piece))}`;
}

/** The fix as the target is written: compose for compose, docker run for the rest; both if unknown. */
function remediation(f: Finding): SafeHtml {
  const kind = f.target.kind;
  if ("daemon" in f.remediation)
    return h`<p class="fix"><span class="fix-kind">Fix (daemon)</span> ${prose(f.remediation.daemon)}</p>`;
  if ("profile" in f.remediation)
    return h`<p class="fix"><span class="fix-kind">Fix (profile)</span> ${prose(f.remediation.profile)}</p>`;
  const run = h`<p class="fix"><span class="fix-kind">Fix (docker run)</span> ${prose(f.remediation.run)}</p>`;
  const compose = h`<p class="fix"><span class="fix-kind">Fix (compose)</span> ${prose(f.remediation.compose)}</p>`;
  if (kind === "compose") return compose;
  if (kind === "run" || kind === "container" || kind === "request") return run;
  return h`${run}
${compose}`;
}

/** ` on host-1` after a target's name, where targets are grouped by host. */
function onHost(row: TargetRow, hostLike: boolean): Part {
  return hostLike && row.group !== UNATTRIBUTED
    ? h` <span class="muted">on</span> ${row.group}`
    : false;
}

function findingCard(
  f: Finding,
  row: TargetRow,
  order: { sev: number; theme: number },
  hostLike: boolean,
): SafeHtml {
  const where = location(f);
  const kind = KIND_LABEL[f.target.kind] ?? f.target.kind;
  const facts: SafeHtml[] = [
    h`<span class="fact"><span class="muted">${kind}</span> <strong>${row.shortName}</strong>${onHost(row, hostLike)}</span>`,
  ];
  if (f.target.image !== undefined)
    facts.push(h`<span class="fact"><span class="muted">image</span> ${f.target.image}</span>`);
  if (where !== undefined) facts.push(h`<span class="fact"><code>${where}</code></span>`);
  if (f.cis.length > 0)
    facts.push(h`<span class="fact"><span class="muted">CIS</span> ${f.cis.join(", ")}</span>`);
  return h`<article class="finding s-${f.severity}" style="--os:${order.sev};--ot:${order.theme}">
<header>${badge(f.severity)} ${docsLink(f)} <span class="title">${f.title}</span><span class="theme-tag">${themeOf(f.ruleId)}</span></header>
<p class="message">${prose(f.message)}</p>
<p class="facts">${facts}</p>
${remediation(f)}
</article>
`;
}

// ---------------------------------------------------------------------------------------------
// The page

export function formatHtml(report: Report, options: HtmlOptions = {}): string {
  const title = options.title ?? `dockward ${report.mode} report`;
  const generatedAt = options.generatedAt ?? new Date();
  const s = report.summary;
  const { groups, rows, rowOf } = groupTargets(report);
  const active = report.findings.filter((f) => f.suppressed === undefined);
  const suppressed = report.findings.filter((f) => f.suppressed !== undefined);
  const sevIndex = (x: Severity): number => SEVERITIES.indexOf(x);
  const themeIndex = (id: string): number => THEMES.indexOf(themeOf(id));
  const ruleIndex = (id: string): number => RULE_ORDER.get(id) ?? RULE_ORDER.size;
  const sorted = active
    .map((f) => ({ f, row: rowOf(f) }))
    .sort(
      (a, b) =>
        sevIndex(a.f.severity) - sevIndex(b.f.severity) ||
        themeIndex(a.f.ruleId) - themeIndex(b.f.ruleId) ||
        ruleIndex(a.f.ruleId) - ruleIndex(b.f.ruleId) ||
        a.f.ruleId.localeCompare(b.f.ruleId) ||
        a.row.group.localeCompare(b.row.group) ||
        a.row.name.localeCompare(b.row.name) ||
        (a.f.target.line ?? a.f.target.argIndex ?? 0) -
          (b.f.target.line ?? b.f.target.argIndex ?? 0),
    );

  const hostLike = report.hosts !== undefined || report.mode === "audit";
  const groupNoun = hostLike ? "Host" : rows.every((r) => r.file !== undefined) ? "File" : "Source";
  const when = generatedAt.toISOString();

  // header
  // not failed although findings reach failOn: the run was told never to fail (--fail-on none)
  const neverFails = !s.failed && active.some((f) => sevIndex(f.severity) <= sevIndex(s.failOn));
  const verdict = s.failed
    ? h`<p class="verdict fail"><strong>FAIL</strong> findings at or above <em>${s.failOn}</em></p>`
    : neverFails
      ? h`<p class="verdict pass"><strong>PASS</strong> failing is turned off (fail-on none)</p>`
      : h`<p class="verdict pass"><strong>PASS</strong> nothing at or above <em>${s.failOn}</em></p>`;
  const tiles = SEVERITIES.map(
    (x) =>
      h`<div class="tile${s.bySeverity[x] === 0 ? " zero" : ""}"><span class="tile-n">${s.bySeverity[x]}</span>${badge(x)}</div>`,
  );
  const header = h`<header class="page">
<div class="head-row"><h1>${title}</h1>${verdict}</div>
<dl class="meta">
<div><dt>Tool</dt><dd>${report.tool.name} ${report.tool.version}</dd></div>
<div><dt>Mode</dt><dd>${report.mode}</dd></div>
<div><dt>Policy</dt><dd>${report.policy.preset} <span class="muted">from</span> ${report.policy.source}</dd></div>
<div><dt>Fail on</dt><dd>${s.failOn}</dd></div>
<div><dt>Generated</dt><dd><time datetime="${when}">${when.slice(0, 16).replace("T", " ")} UTC</time></dd></div>
</dl>
<div class="tiles">${tiles}<div class="tile plain"><span class="tile-n">${s.targets}</span><span class="tile-l">${s.targets === 1 ? "target" : "targets"}</span></div><div class="tile plain"><span class="tile-n">${s.suppressed}</span><span class="tile-l">suppressed</span></div></div>
</header>`;

  // per host (or file)
  const withHosts = report.hosts !== undefined;
  const groupRows = groups.map((g) => {
    const unreachable = g.error !== undefined;
    const hostCells = withHosts
      ? h`<td><code>${g.endpoint ?? ""}</code></td>${
          unreachable
            ? h`<td class="status"><span class="down">unreachable</span> <span class="error">${g.error ?? ""}</span></td>`
            : h`<td class="status"><span class="up">reachable</span></td>`
        }`
      : false;
    return h`<tr${unreachable ? h` class="unreachable"` : false}><th scope="row"><span class="group-name">${g.label}</span></th>${hostCells}<td class="num">${g.rows.length}</td>${countCells(g.counts)}<td class="num">${g.suppressed}</td>${scoreCell(g.counts, unreachable)}</tr>
`;
  });
  const groupSection = h`<section id="summary">
<h2>By ${groupNoun.toLowerCase()}</h2>
<p class="note">Worst first. Score: 100 minus weighted active findings (see the foot of the page).</p>
<div class="scroll"><table class="summary">
<thead><tr><th scope="col">${groupNoun}</th>${withHosts ? h`<th scope="col">Endpoint</th><th scope="col">Status</th>` : false}<th class="num" scope="col">Targets</th>${countHeads()}<th class="num" scope="col">Suppr.</th><th scope="col">Score</th></tr></thead>
<tbody>
${groupRows}</tbody>
</table></div>
</section>`;

  // per target
  const manyGroups = groups.length > 1;
  const targetRows = groups.flatMap((g) =>
    g.rows.map(
      (r) =>
        h`<tr><th scope="row">${r.shortName}</th><td>${KIND_LABEL[r.kind] ?? r.kind}</td>${manyGroups ? h`<td class="group-cell">${g.label}</td>` : false}${countCells(r.counts)}<td class="num">${r.suppressed}</td>${scoreCell(r.counts)}</tr>
`,
    ),
  );
  const targetSection =
    rows.length === 0
      ? false
      : h`<section id="targets">
<details${rows.length <= 40 ? h` open` : false}><summary><h2>By target <span class="muted">(${rows.length})</span></h2></summary>
<div class="scroll"><table class="summary">
<thead><tr><th scope="col">Target</th><th scope="col">Kind</th>${manyGroups ? h`<th scope="col">${groupNoun}</th>` : false}${countHeads()}<th class="num" scope="col">Suppr.</th><th scope="col">Score</th></tr></thead>
<tbody>
${targetRows}</tbody>
</table></div>
</details>
</section>`;

  // per theme
  const themeCounts = new Map<Theme, Counts>();
  for (const f of active) {
    const t = themeOf(f.ruleId);
    const c = themeCounts.get(t) ?? zeroCounts();
    c[f.severity] += 1;
    themeCounts.set(t, c);
  }
  const themeTotal = (c: Counts): number => SEVERITIES.reduce((n, x) => n + c[x], 0);
  const themeRows = THEMES.flatMap((t) => {
    const c = themeCounts.get(t);
    return c === undefined
      ? []
      : [
          h`<tr><th scope="row">${t}<span class="blurb">${THEME_BLURB[t]}</span></th>${countCells(c)}<td class="num total">${themeTotal(c)}</td></tr>
`,
        ];
  });
  const themeSection =
    themeRows.length === 0
      ? false
      : h`<section id="themes">
<h2>By theme</h2>
<div class="scroll"><table class="summary">
<thead><tr><th scope="col">Theme</th>${countHeads()}<th class="num" scope="col">Total</th></tr></thead>
<tbody>
${themeRows}</tbody>
</table></div>
</section>`;

  // The findings, each once. Headings for both groupings are items of the same flex column, and
  // CSS `order` (--os by severity, --ot by theme) arranges whichever grouping is selected.
  const items: SafeHtml[] = [];
  SEVERITIES.forEach((x, i) => {
    const n = s.bySeverity[x];
    if (n > 0)
      items.push(
        h`<h3 class="gh gh-sev s-${x}" style="--os:${i * 1000};--ot:-1">${badge(x)} ${plural(n, "finding")}</h3>
`,
      );
  });
  THEMES.forEach((t, i) => {
    const c = themeCounts.get(t);
    if (c !== undefined)
      items.push(
        h`<h3 class="gh gh-theme" style="--os:-1;--ot:${i * 1000}">${t} <span class="muted">${plural(themeTotal(c), "finding")}</span></h3>
`,
      );
  });
  for (const { f, row } of sorted) {
    const order = {
      sev: sevIndex(f.severity) * 1000 + 1,
      theme: themeIndex(f.ruleId) * 1000 + 1 + sevIndex(f.severity),
    };
    items.push(findingCard(f, row, order, hostLike));
  }
  const present = SEVERITIES.filter((x) => s.bySeverity[x] > 0);
  const findingsSection =
    active.length === 0
      ? h`<section id="findings">
<h2>Findings</h2>
<p class="all-clear">No active findings${suppressed.length > 0 ? ` (${suppressed.length} suppressed, listed below)` : ""}.</p>
</section>`
      : h`<section id="findings">
<h2>Findings <span class="muted">(${active.length})</span></h2>
<input class="ctl" type="radio" name="group-by" id="g-sev" checked>
<input class="ctl" type="radio" name="group-by" id="g-theme">
${present.map(
  (x) => h`<input class="ctl" type="checkbox" id="show-${x}" checked>
`,
)}<div class="controls"><span class="ctl-label">Group by</span><span class="seg"><label for="g-sev" class="seg-sev">Severity</label><label for="g-theme" class="seg-theme">Theme</label></span><span class="ctl-label">Show</span>${present.map((x) => h`<label for="show-${x}" class="chip chip-${x}">${badge(x)} ${s.bySeverity[x]}</label>`)}</div>
<div class="findings">
${items}</div>
</section>`;

  // suppressed
  const suppressedRows = suppressed.map((f) => {
    const row = rowOf(f);
    return h`<tr class="s-${f.severity}"><td>${badge(f.severity)}</td><td>${docsLink(f)}<div class="muted">${f.title}</div></td><td>${row.shortName}${onHost(row, hostLike)}</td><td><code>${location(f) ?? ""}</code></td><td class="reason">${f.suppressed?.reason ?? ""}</td><td class="muted">${f.suppressed?.by ?? ""}</td></tr>
`;
  });
  const suppressedSection =
    suppressed.length === 0
      ? false
      : h`<section id="suppressed">
<details><summary><h2>Suppressed findings <span class="muted">(${suppressed.length})</span></h2></summary>
<p class="note">Silenced by a policy exception or a <code>dockward-ignore</code> comment. They count towards neither the scores nor the verdict.</p>
<div class="scroll"><table class="list">
<thead><tr><th scope="col">Severity</th><th scope="col">Rule</th><th scope="col">Target</th><th scope="col">Location</th><th scope="col">Reason</th><th scope="col">Suppressed by</th></tr></thead>
<tbody>
${suppressedRows}</tbody>
</table></div>
</details>
</section>`;

  const warningsSection =
    report.warnings.length === 0
      ? false
      : h`<section id="warnings">
<h2>Warnings <span class="muted">(${report.warnings.length})</span></h2>
<ul class="warnings">
${report.warnings.map(
  (w) => h`<li>${w}</li>
`,
)}</ul>
</section>`;

  const footer = h`<footer>
<h2>How to read this report</h2>
<p><strong>Score</strong> = max(0, 100 &minus; (25 &times; critical + 10 &times; high + 3 &times; medium + 1 &times; low)), counted over the active findings of a ${groupNoun.toLowerCase()} or a target. Info findings weigh nothing, and suppressed findings are not counted. Bands: 90&ndash;100 good, 70&ndash;89 fair, 40&ndash;69 poor, 0&ndash;39 bad.${withHosts ? " A host that could not be reached has no score." : ""}</p>
<p><strong>Verdict</strong>: FAIL when an active finding is at or above the fail-on severity (<em>${s.failOn}</em>); the command then exits 1.</p>
<p><strong>Themes</strong>: Privileges (DW-PRIV, CAP, NS, MNT, DEV, SYS, USR), Confinement (DW-SEC), Resource limits (DW-RES), Exposure &amp; hygiene (DW-NET, RST, FS), Daemon protection (DW-DMN, TLS). Each rule id links to its page under <code>docs/rules/</code>, relative to this file.</p>
<p class="muted">Generated by ${report.tool.name} ${report.tool.version} at ${when}. This page loads nothing from the network.</p>
</footer>`;

  return h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${title}</title>
<style>${new SafeHtml(CSS)}</style>
</head>
<body>
${header}
<main>
${groupSection}
${targetSection}
${themeSection}
${findingsSection}
${suppressedSection}
${warningsSection}
</main>
${footer}
</body>
</html>
`.value;
}

// ---------------------------------------------------------------------------------------------
// Style. Severity colours come from the Okabe–Ito palette (safe for the common colour-vision
// deficiencies), darkened where white text sits on them; every badge also says its severity.

const CSS = `
:root{--crit:#5b1a72;--high:#b3410b;--med:#e69f00;--low:#56b4e9;--info:#d9d9d9;--good:#009e73;
--fg:#1b1f24;--muted:#5c6570;--line:#d8dde3;--bg:#fff;--soft:#f5f7f9;
--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header.page,main,footer{max-width:1180px;margin:0 auto;padding:0 24px}
header.page{padding-top:24px;padding-bottom:8px;border-bottom:1px solid var(--line)}
h1{font-size:26px;margin:0;line-height:1.2}
h2{font-size:19px;margin:0 0 10px}
h3{font-size:15px}
section{margin:28px 0}
code{font-family:var(--mono);font-size:13px;background:var(--soft);border:1px solid var(--line);border-radius:4px;padding:0 4px;overflow-wrap:anywhere}
a{color:#0b5cad}
.muted{color:var(--muted);font-weight:normal}
.note{color:var(--muted);margin:-4px 0 10px;font-size:14px}
.head-row{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:12px}
.verdict{margin:0;padding:6px 14px;border-radius:6px;border:2px solid;font-size:15px}
.verdict.fail{border-color:var(--high);color:var(--high)}
.verdict.pass{border-color:var(--good);color:#00664a}
.verdict strong{letter-spacing:.06em;margin-right:6px}
.meta{display:flex;flex-wrap:wrap;gap:6px 28px;margin:14px 0}
.meta div{display:flex;gap:6px}
.meta dt{color:var(--muted)}
.meta dd{margin:0;font-weight:600;overflow-wrap:anywhere}
.tiles{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0 12px}
.tile{display:flex;flex-direction:column;align-items:flex-start;gap:4px;min-width:96px;padding:8px 12px;border:1px solid var(--line);border-radius:8px;background:var(--soft)}
.tile-n{font-size:26px;font-weight:700;line-height:1}
.tile-l{font-size:13px;color:var(--muted)}
.tile.zero .tile-n{color:var(--muted)}
.tile.plain{background:#fff}
.badge{display:inline-block;min-width:64px;text-align:center;padding:1px 7px;border-radius:4px;font-size:12px;font-weight:700;letter-spacing:.04em;text-transform:uppercase;border:1px solid rgba(0,0,0,.25);-webkit-print-color-adjust:exact;print-color-adjust:exact}
.sev-critical{background:var(--crit);color:#fff}
.sev-high{background:var(--high);color:#fff}
.sev-medium{background:var(--med);color:#000}
.sev-low{background:var(--low);color:#000}
.sev-info{background:var(--info);color:#000}
.tile.zero .badge{opacity:.55}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{border-bottom:2px solid var(--line);font-weight:600;white-space:nowrap}
thead .badge{min-width:0}
tbody th{font-weight:600}
table th,table td,table code{overflow-wrap:break-word}
.group-name,.summary code{white-space:nowrap}
.num{text-align:right;white-space:nowrap}
.zero{color:#b3b9c0}
.count{display:inline-block;min-width:26px;text-align:center;padding:0 6px;border-radius:10px;font-weight:700;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.total{font-weight:700}
.blurb{display:block;font-weight:normal;color:var(--muted);font-size:13px}
.group-cell{color:var(--muted)}
.score{white-space:nowrap}
.score-num{display:inline-block;min-width:30px;font-weight:700;text-align:right}
.score-bar{display:inline-block;width:80px;height:8px;margin:0 8px;background:#e6e9ed;border-radius:4px;vertical-align:middle;overflow:hidden}
.score-bar span{display:block;height:100%;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.score-bar .band-good{background:var(--good)}.score-bar .band-fair{background:var(--med)}.score-bar .band-poor{background:var(--high)}.score-bar .band-bad{background:var(--crit)}
.score-num.band-good{color:#00664a}.score-num.band-fair{color:#7a5400}.score-num.band-poor{color:var(--high)}.score-num.band-bad{color:var(--crit)}
.band-label{font-size:12px;color:var(--muted)}
tr.unreachable{background:#fbf3ee}
.status .up{color:#00664a;font-weight:600}
.status .down{color:var(--high);font-weight:700}
.status .error{display:block;font-family:var(--mono);font-size:12px;color:var(--fg)}
details>summary{cursor:pointer}
details>summary h2{display:inline}
.ctl{position:absolute;opacity:0;width:1px;height:1px;margin:0}
.controls{display:flex;flex-wrap:wrap;align-items:center;gap:8px;margin:0 0 14px;padding:8px 10px;background:var(--soft);border:1px solid var(--line);border-radius:8px;font-size:14px}
.ctl-label{color:var(--muted);margin-left:6px}
.seg{display:inline-flex;border:1px solid #9aa4ae;border-radius:6px;overflow:hidden}
.seg label{padding:2px 12px;cursor:pointer;background:#fff}
.seg label+label{border-left:1px solid #9aa4ae}
#g-sev:checked~.controls .seg-sev,#g-theme:checked~.controls .seg-theme{background:#1b1f24;color:#fff}
.chip{cursor:pointer;padding:2px 8px 2px 2px;border:1px solid #9aa4ae;border-radius:6px;background:#fff;font-weight:600}
.chip .badge{min-width:0}
#g-sev:focus-visible~.controls .seg-sev,#g-theme:focus-visible~.controls .seg-theme,
#show-critical:focus-visible~.controls .chip-critical,#show-high:focus-visible~.controls .chip-high,#show-medium:focus-visible~.controls .chip-medium,#show-low:focus-visible~.controls .chip-low,#show-info:focus-visible~.controls .chip-info{outline:3px solid #0b5cad;outline-offset:2px}
#show-critical:not(:checked)~.controls .chip-critical,#show-high:not(:checked)~.controls .chip-high,#show-medium:not(:checked)~.controls .chip-medium,#show-low:not(:checked)~.controls .chip-low,#show-info:not(:checked)~.controls .chip-info{opacity:.45;text-decoration:line-through}
#show-critical:not(:checked)~.findings .s-critical,#show-high:not(:checked)~.findings .s-high,#show-medium:not(:checked)~.findings .s-medium,#show-low:not(:checked)~.findings .s-low,#show-info:not(:checked)~.findings .s-info{display:none}
.findings{display:flex;flex-direction:column;gap:8px}
.findings>*{order:var(--os)}
#g-theme:checked~.findings>*{order:var(--ot)}
.gh{margin:14px 0 0;padding-bottom:4px;border-bottom:2px solid var(--line);display:flex;align-items:center;gap:8px}
.gh-theme{display:none}
#g-theme:checked~.findings .gh-theme{display:flex}
#g-theme:checked~.findings .gh-sev{display:none}
.finding{border:1px solid var(--line);border-left:6px solid var(--info);border-radius:6px;padding:8px 14px;background:#fff;break-inside:avoid}
.finding.s-critical{border-left-color:var(--crit)}.finding.s-high{border-left-color:var(--high)}.finding.s-medium{border-left-color:var(--med)}.finding.s-low{border-left-color:var(--low)}
.finding header{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 10px}
.rule-id{font-family:var(--mono);font-weight:700;font-size:14px}
.finding .title{font-weight:600}
.theme-tag{margin-left:auto;font-size:12px;color:var(--muted);border:1px solid var(--line);border-radius:10px;padding:0 8px}
.message{margin:4px 0 6px;overflow-wrap:anywhere}
.facts{display:flex;flex-wrap:wrap;gap:2px 18px;margin:0 0 4px;font-size:14px}
.fact{overflow-wrap:anywhere}
.fix{margin:0;font-size:14px;overflow-wrap:anywhere}
.fix-kind{font-weight:600;color:#00664a;margin-right:4px}
.all-clear{padding:12px 14px;border:2px solid var(--good);border-radius:6px;color:#00664a;font-weight:600}
table.list td{overflow-wrap:anywhere}
table.list code{white-space:normal}
.reason{max-width:360px}
.warnings{padding-left:20px}
.warnings li{margin:4px 0;overflow-wrap:anywhere}
footer{margin-top:36px;padding-top:14px;padding-bottom:36px;border-top:1px solid var(--line);font-size:14px}
footer h2{font-size:16px}
footer p{max-width:900px}
@media (max-width:700px){header.page,main,footer{padding:0 12px}.finding dl{grid-template-columns:1fr}.theme-tag{margin-left:0}}
@media print{
@page{margin:14mm}
body{font-size:11pt}
.controls{display:none}
header.page,main,footer{max-width:none;padding:0}
.finding,tr{break-inside:avoid}
.gh{break-after:avoid}
a{color:inherit;text-decoration:none}
.scroll{overflow:visible}
}
`;
