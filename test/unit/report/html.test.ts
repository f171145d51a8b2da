import { describe, expect, it } from "vitest";
import { defaultPolicy, type Policy } from "../../../src/policy/policy.js";
import {
  escapeHtml,
  formatHtml,
  safeRelativeHref,
  score,
  themeOf,
} from "../../../src/report/html.js";
import { buildReport, type Report } from "../../../src/report/report.js";
import { evaluate } from "../../../src/rules/evaluate.js";
import { SEVERITIES, type Finding, type Severity } from "../../../src/rules/types.js";
import { parseRunArgv } from "../../../src/spec/adapters/run.js";
import { type ContainerSpec, emptySpec, type Target } from "../../../src/spec/model.js";

const NOW = new Date("2026-03-04T05:06:07Z");
const HOSTILE = `<script>alert("x")</script> & 'q' " onmouseover="alert(1)`;

function target(over: Partial<Target> & { name: string }): Target {
  return {
    kind: "compose",
    origin: { file: "compose.yaml", line: 1, column: 3 },
    image: "busybox:1.36",
    labels: {},
    ...over,
  };
}

/** A privileged compose service whose name, file, image and mount path are all hostile. */
function hostileSpec(): ContainerSpec {
  const file = `evil"><img src=x onerror=alert(1)>.yml`;
  const s = emptySpec(
    target({
      name: HOSTILE,
      origin: { file, line: 2, column: 3 },
      image: `img"><script>alert(2)</script>`,
    }),
  );
  s.privileged = { value: true, origin: { file, line: 3, column: 5 } };
  s.mounts = [
    {
      type: "bind",
      source: "/etc/<script>alert(3)</script>",
      hostPath: "/etc/<script>alert(3)</script>",
      target: "/host",
      readOnly: false,
      origin: { file, line: 4, column: 7 },
    },
  ];
  return s;
}

/** A service with every restricted control satisfied: no findings, score 100. */
function hardenedSpec(): ContainerSpec {
  const at = { file: "compose.yaml", line: 20, column: 5 };
  const s = emptySpec(target({ name: "plain", origin: at }));
  s.capDrop = [{ value: "ALL", origin: at }];
  s.noNewPrivileges = { value: true, origin: at };
  s.resources.memory = { value: 256 * 1024 * 1024, origin: at };
  s.resources.nanoCpus = { value: 500_000_000, origin: at };
  s.resources.pidsLimit = { value: 100, origin: at };
  s.user = { value: "10001:10001", origin: at };
  s.readOnlyRootfs = { value: true, origin: at };
  s.namespaces.cgroupns = { value: "private", origin: at };
  return s;
}

function runSpec(): ContainerSpec {
  return parseRunArgv({
    argv: ["docker", "run", "-v", "/var/run/docker.sock:/var/run/docker.sock", "busybox", "sh"],
    cwd: "/",
    home: "/root",
  });
}

function policyWithException(reason: string): Policy {
  const policy = defaultPolicy("restricted");
  policy.exceptions.push({
    rules: ["DW-RES-002"],
    match: {},
    reason,
    expires: undefined,
    at: "dockward.yaml:7:5",
  });
  return policy;
}

function lintReport(): { report: Report; html: string } {
  const specs = [hostileSpec(), runSpec(), emptySpec(target({ name: "bare" })), hardenedSpec()];
  const policy = policyWithException(`accepted <script>alert(4)</script> & "risk"`);
  const evaluation = evaluate(specs, policy, { now: NOW });
  const report = buildReport({
    mode: "lint",
    policy: { source: `policies/<script>alert(7)</script>.yaml`, preset: policy.preset },
    targets: specs.map((s) => s.target),
    findings: evaluation.findings,
    expiredExceptions: evaluation.expiredExceptions,
    failOn: "high",
    warnings: [`a warning with <script>alert(5)</script>`],
  });
  return { report, html: formatHtml(report, { generatedAt: NOW }) };
}

const ALLOWED_TAGS = new Set(
  "html head meta title style body header main footer section h1 h2 h3 p div span strong em code dl dt dd time table thead tbody tr th td details summary input label a article ul li".split(
    " ",
  ),
);
const ALLOWED_ATTRS = new Set(
  "lang charset http-equiv content name class id style href type checked for open scope title datetime aria-hidden".split(
    " ",
  ),
);

/** Every `<x` in the page opens a well-formed tag we emit, with attributes we emit. */
function assertOnlyOurMarkup(html: string): void {
  const body = html.replace(/<style>[\s\S]*?<\/style>/, "<style></style>");
  const tagAt = /<\/?([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z-]+(?:="[^"<>]*")?)*)\s*\/?>/y;
  for (let i = body.indexOf("<"); i !== -1; i = body.indexOf("<", i + 1)) {
    if (body.startsWith("<!doctype", i)) continue;
    tagAt.lastIndex = i;
    const m = tagAt.exec(body);
    expect(m, `malformed tag at ${body.slice(i, i + 60)}`).not.toBeNull();
    if (m === null) continue;
    expect(ALLOWED_TAGS, m[0]).toContain(m[1]?.toLowerCase());
    for (const attr of (m[2] ?? "").matchAll(/([a-zA-Z-]+)(?:="([^"]*)")?/g)) {
      expect(ALLOWED_ATTRS, `${attr[1] ?? ""} in ${m[0]}`).toContain(attr[1]);
    }
  }
}

describe("escapeHtml", () => {
  it("escapes the five characters that matter in text and attributes", () => {
    expect(escapeHtml(`<script>alert("x")</script>`)).toBe(
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;",
    );
    expect(escapeHtml(`a & b`)).toBe("a &amp; b");
    expect(escapeHtml(`it's`)).toBe("it&#39;s");
    expect(escapeHtml(`" onmouseover="alert(1)`)).toBe("&quot; onmouseover=&quot;alert(1)");
    expect(escapeHtml("&lt;")).toBe("&amp;lt;");
    expect(escapeHtml("plain text")).toBe("plain text");
  });
});

describe("safeRelativeHref", () => {
  it("accepts a docs path and refuses schemes, absolute paths and quotes", () => {
    expect(safeRelativeHref("docs/rules/DW-PRIV-001.md")).toBe("docs/rules/DW-PRIV-001.md");
    for (const bad of [
      "javascript:alert(1)",
      "https://evil.example/x.md",
      "//evil.example/x",
      "/etc/passwd",
      `docs/rules/x.md" onclick="alert(1)`,
      "docs/rules/<x>.md",
      "",
    ]) {
      expect(safeRelativeHref(bad), bad).toBeUndefined();
    }
  });
});

describe("themeOf and score", () => {
  it("maps rule id areas to themes", () => {
    expect(themeOf("DW-PRIV-001")).toBe("Privileges");
    expect(themeOf("DW-USR-001")).toBe("Privileges");
    expect(themeOf("DW-SEC-004")).toBe("Confinement");
    expect(themeOf("DW-RES-006")).toBe("Resource limits");
    expect(themeOf("DW-FS-001")).toBe("Exposure & hygiene");
    expect(themeOf("DW-TLS-001")).toBe("Daemon protection");
    expect(themeOf("DW-XYZ-001")).toBe("Other");
    expect(themeOf("constructor")).toBe("Other");
  });

  it("is 100 minus weighted findings, floored at 0", () => {
    const c = (p: Partial<Record<Severity, number>>): Record<Severity, number> => ({
      critical: 0,
      high: 0,
      medium: 0,
      low: 0,
      info: 0,
      ...p,
    });
    expect(score(c({}))).toBe(100);
    expect(score(c({ info: 50 }))).toBe(100);
    expect(score(c({ critical: 1, high: 2, medium: 3, low: 4 }))).toBe(100 - 25 - 20 - 9 - 4);
    expect(score(c({ critical: 5 }))).toBe(0);
  });
});

describe("formatHtml", () => {
  const { report, html } = lintReport();
  const active = report.findings.filter((f) => f.suppressed === undefined);
  const suppressed = report.findings.filter((f) => f.suppressed !== undefined);

  it("has findings of every kind to show (sanity)", () => {
    expect(active.length).toBeGreaterThan(5);
    expect(suppressed.length).toBeGreaterThan(0);
    expect(active.some((f) => f.severity === "critical")).toBe(true);
  });

  it("shows the header: version, mode, policy, date and verdict", () => {
    expect(html).toContain(`dockward ${report.tool.version}`);
    expect(html).toMatch(/<dt>Mode<\/dt>\s*<dd>lint<\/dd>/);
    expect(html).toContain("restricted");
    expect(html).toContain("policies/&lt;script&gt;alert(7)&lt;/script&gt;.yaml");
    expect(html).toContain("2026-03-04 05:06 UTC");
    expect(html).toContain("<title>dockward lint report</title>");
    expect(html).toContain("FAIL");
  });

  it("shows the severity counts", () => {
    for (const s of SEVERITIES) {
      const n = report.summary.bySeverity[s];
      expect(html).toMatch(
        new RegExp(`class="tile-n">${n}</span>\\s*<span class="badge sev-${s}">`, "i"),
      );
    }
  });

  it("shows each target's score", () => {
    for (const t of report.targets) {
      const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
      for (const f of active) if (f.target.name === t.name) counts[f.severity] += 1;
      const expected = Math.max(
        0,
        100 - 25 * counts.critical - 10 * counts.high - 3 * counts.medium - counts.low,
      );
      const row = new RegExp(
        `<th scope="row">${escapeHtml(t.name).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}</th>[\\s\\S]*?class="score-num band-\\w+">${expected}<`,
      );
      expect(html, t.name).toMatch(row);
    }
    expect(html).toMatch(/class="score-num band-good">100</); // the plain service loses nothing
    expect(html).toContain("100 minus weighted active findings");
    expect(html).toContain("25 &times; critical + 10 &times; high + 3 &times; medium");
  });

  it("shows every finding once, with its rule id linked to its docs page", () => {
    const ids = new Set(report.findings.map((f) => f.ruleId));
    for (const id of ids) {
      const expected = report.findings.filter((f) => f.ruleId === id).length;
      const links =
        html.split(`<a class="rule-id" href="docs/rules/${id}.md">${id}</a>`).length - 1;
      expect(links, id).toBe(expected);
    }
    const cards = html.match(/<article class="finding /g) ?? [];
    expect(cards).toHaveLength(active.length);
    for (const m of html.matchAll(/href="([^"]*)"/g)) {
      expect(m[1]).toMatch(/^docs\/rules\/DW-[A-Z]+-\d{3}\.md$/);
    }
  });

  it("escapes every hostile string", () => {
    expect(html.toLowerCase()).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).toContain("&lt;script&gt;alert(3)&lt;/script&gt;"); // a message (mount path)
    expect(html).toContain("&lt;script&gt;alert(4)&lt;/script&gt;"); // an exception's reason
    expect(html).toContain("&lt;script&gt;alert(5)&lt;/script&gt;"); // a warning
    expect(html).toContain("evil&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.yml");
    // the input's `onerror=` survives only as text: no tag carries an event handler
    expect(html).not.toMatch(/<[a-z][^<>]*\son[a-z]+=/i);
    assertOnlyOurMarkup(html);
  });

  it("loads nothing from anywhere", () => {
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/<[a-z][^<>]*\ssrc=/i);
    expect(html).not.toMatch(/url\(|@import|<link|<script|<img|<iframe/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'`);
  });

  it("puts suppressed findings, with their reasons, in a closed <details>", () => {
    const section = /<section id="suppressed">\s*<details>([\s\S]*?)<\/details>/.exec(html)?.[1];
    expect(section).toBeDefined();
    for (const f of suppressed) {
      expect(section).toContain(`href="docs/rules/${f.ruleId}.md"`);
      expect(section).toContain(escapeHtml(f.suppressed?.reason ?? "?"));
      expect(section).toContain("exception at dockward.yaml:7:5");
    }
    // DW-RES-002 is excepted everywhere: it appears nowhere outside the suppressed section
    const outside = html.replace(/<section id="suppressed">[\s\S]*?<\/section>/, "");
    expect(outside).not.toContain("DW-RES-002");
  });

  it("shows the fix for the target's kind, and warnings", () => {
    const compose = active.find((f) => f.target.kind === "compose" && f.ruleId === "DW-PRIV-001");
    const run = active.find((f) => f.target.kind === "run" && f.ruleId === "DW-MNT-001");
    expect(compose).toBeDefined();
    expect(run).toBeDefined();
    expect(html).toContain("Fix (compose)");
    expect(html).toContain("Fix (docker run)");
    expect(html).toContain("<code>privileged: true</code>"); // backticks become <code>
    expect(html).toMatch(/<section id="warnings">[\s\S]*a warning with &lt;script&gt;/);
    expect(html).toContain("argv[2]"); // the run finding's location (the -v flag)
    expect(html).toContain("compose.yaml:1:3"); // a compose finding's location
  });

  it("groups findings by severity, critical first, and by theme", () => {
    const order = SEVERITIES.filter((s) => report.summary.bySeverity[s] > 0).map((s) =>
      html.indexOf(`<h3 class="gh gh-sev s-${s}"`),
    );
    expect(order.every((i) => i !== -1)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const firstCard = /<article class="finding s-(\w+)"/.exec(html)?.[1];
    expect(firstCard).toBe("critical");
    expect(html).toContain(`<h3 class="gh gh-theme"`);
    expect(html).toMatch(/Privileges\s*<span class="muted">\d+ findings?<\/span>/);
  });

  it("uses the title option and says when there is nothing to report", () => {
    const empty = buildReport({
      mode: "lint",
      policy: { source: "built-in defaults", preset: "restricted" },
      targets: [],
      findings: [],
      expiredExceptions: [],
      failOn: "high",
    });
    const page = formatHtml(empty, { title: `My <b>"report"</b>`, generatedAt: NOW });
    expect(page).toContain("<title>My &lt;b&gt;&quot;report&quot;&lt;/b&gt;</title>");
    expect(page).toContain("No active findings");
    expect(page).toContain("PASS");
    assertOnlyOurMarkup(page);
  });

  it("says PASS when failing is turned off (--fail-on none)", () => {
    const page = formatHtml(
      { ...report, summary: { ...report.summary, failed: false } },
      { generatedAt: NOW },
    );
    expect(page).toContain("<strong>PASS</strong> failing is turned off");
  });

  it("drops a docs link that is not a plain relative path", () => {
    const f = active[0];
    expect(f).toBeDefined();
    if (f === undefined) return;
    const evil: Finding = { ...f, docs: `javascript:alert(1)` };
    const page = formatHtml({ ...report, findings: [evil] }, { generatedAt: NOW });
    expect(page).not.toContain("javascript:");
    expect(page).toContain(`<span class="rule-id">${f.ruleId}</span>`);
  });
});

describe("formatHtml for audits across hosts", () => {
  function auditReport(hosts?: { name: string; endpoint: string; error?: string }[]): Report {
    const specs = [
      emptySpec(target({ kind: "container", name: "web-1/nginx", origin: { pointer: "" } })),
      emptySpec(target({ kind: "container", name: "web-1/redis", origin: { pointer: "" } })),
    ];
    const first = specs[0];
    if (first !== undefined)
      first.privileged = { value: true, origin: { pointer: "/HostConfig/Privileged" } };
    const policy = defaultPolicy("baseline");
    const evaluation = evaluate(specs, policy, { now: NOW });
    return buildReport({
      mode: "audit",
      policy: { source: policy.source, preset: policy.preset },
      targets: specs.map((s) => s.target),
      findings: evaluation.findings,
      expiredExceptions: [],
      failOn: "critical",
      ...(hosts !== undefined ? { hosts } : {}),
    });
  }

  it("buildReport passes hosts through only when given", () => {
    expect(auditReport()).not.toHaveProperty("hosts");
    const hosts = [{ name: "web-1", endpoint: "ssh://ops@web-1" }];
    expect(auditReport(hosts).hosts).toEqual(hosts);
  });

  it("renders a per-host table, unreachable hosts with their escaped error", () => {
    const report = auditReport([
      { name: "web-1", endpoint: "ssh://ops@web-1" },
      { name: "db-1", endpoint: "tcp://db-1:2376", error: `<script>alert(6)</script> refused` },
    ]);
    const html = formatHtml(report, { generatedAt: NOW });
    const table = /<section id="summary">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? "";
    expect(table).toContain("<h2>By host</h2>");
    expect(table).toMatch(/<th scope="col">Endpoint<\/th>/);
    expect(table).toContain("ssh://ops@web-1");
    expect(table).toContain("tcp://db-1:2376");
    expect(table).toMatch(
      /<tr class="unreachable">[\s\S]*db-1[\s\S]*unreachable[\s\S]*&lt;script&gt;alert\(6\)&lt;\/script&gt; refused[\s\S]*n\/a/,
    );
    // web-1 has one privileged container: 100 - 25
    expect(table).toMatch(/web-1[\s\S]*reachable[\s\S]*class="score-num band-fair">75</);
    // container names are shown without their host prefix, with the host beside them
    expect(html).toMatch(/<strong>nginx<\/strong>\s*<span class="muted">on<\/span> web-1/);
    expect(html).toContain("JSON /HostConfig/Privileged");
    expect(html).toContain("Fix (docker run)");
    expect(html).not.toContain("Fix (compose)");
    assertOnlyOurMarkup(html);
  });

  it("groups audit targets by their host prefix when no hosts are listed", () => {
    const html = formatHtml(auditReport(), { generatedAt: NOW });
    const table = /<section id="summary">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? "";
    expect(table).toContain("<h2>By host</h2>");
    expect(table).toMatch(/<span class="group-name">web-1<\/span>/);
    expect(table).not.toContain("Endpoint");
  });
});
