import { isMap, isSeq, parseDocument, type YAMLMap, type YAMLSeq } from "yaml";
import type { Finding } from "../rules/types.js";
import {
  addPairs,
  applySplices,
  commentOutPair,
  editSeq,
  itemAt,
  pairOf,
  setValue,
  type Splice,
  TextLines,
} from "./yaml-edit.js";

/**
 * Harden one compose file: apply the fixes the findings call for, as edits of the file's text,
 * and say what was changed and why. Pure: the findings come in (from lint of the original
 * file), the new text goes out; the caller lints the new text again, and whatever is still
 * found is a manual step, listed, never silently dropped.
 *
 * What is fixed automatically, per service (only where the key is written in that service's
 * own mapping; a value from an anchor, `extends` or another file is left for a manual step):
 * - privileged: true → commented out, with a note (add back only the capabilities it needs);
 * - cap_add entries the policy does not allow → removed;
 * - cap_drop without ALL → ALL added;
 * - security_opt: no-new-privileges:true added; seccomp / apparmor / systempaths unconfined
 *   removed; --seccomp FILE / --apparmor NAME added when given;
 * - memory, CPU and PIDs limits from --memory / --cpus / --pids (into deploy.resources.limits
 *   when the service has it, else mem_limit / cpus / pids_limit), swap pinned to memory;
 * - read_only: true, with tmpfs /tmp when it has no tmpfs;
 * - cgroup: private; user: from --user when given.
 */

export interface HardenComposeOptions {
  memory?: string | undefined;
  cpus?: string | undefined;
  pids?: number | undefined;
  seccomp?: string | undefined;
  apparmor?: string | undefined;
  user?: string | undefined;
}

export interface HardenChange {
  service: string;
  /** 1-based line in the ORIGINAL file */
  line: number;
  what: string;
  ruleId: string | undefined;
}

export interface HardenedText {
  text: string;
  changes: HardenChange[];
}

/** Quote a scalar for YAML when it would otherwise change meaning. */
function yamlScalar(value: string): string {
  return /^[A-Za-z0-9_./=-][A-Za-z0-9_./=:+-]*$/.test(value) &&
    !/^(true|false|null|yes|no|on|off|~)$/i.test(value) &&
    !/^[0-9.]+$/.test(value)
    ? value
    : JSON.stringify(value);
}

/** A scalar node's value as text ("" for anything else). */
function scalarText(node: unknown): string {
  const v = (node as { value?: unknown } | null | undefined)?.value;
  return typeof v === "string" || typeof v === "number" ? String(v) : "";
}

const hasRule = (findings: readonly Finding[], id: string): boolean =>
  findings.some((f) => f.ruleId === id);

function asMap(node: unknown): YAMLMap | undefined {
  return isMap(node) ? node : undefined;
}

function asSeq(node: unknown): YAMLSeq | undefined {
  return isSeq(node) ? node : undefined;
}

/** The security_opt item that says `kind=value` or `kind:value` (value may be omitted). */
function securityOptIndex(seq: YAMLSeq, kind: string, value: string | undefined): number[] {
  const out: number[] = [];
  seq.items.forEach((item, i) => {
    const v = (item as { value?: unknown }).value;
    if (typeof v !== "string") return;
    const m = /^([a-z-]+)[=:](.*)$/.exec(v.trim());
    if (m?.[1] === kind && (value === undefined || m[2]?.trim() === value)) out.push(i);
  });
  return out;
}

export function hardenComposeText(
  file: string,
  text: string,
  findings: readonly Finding[],
  options: HardenComposeOptions,
): HardenedText {
  const doc = parseDocument(text, { uniqueKeys: false });
  const lines = new TextLines(text);
  const services = asMap(doc.get("services", true));
  const splices: Splice[] = [];
  const changes: HardenChange[] = [];
  if (services === undefined) return { text, changes };

  const byService = new Map<string, Finding[]>();
  for (const f of findings) {
    if (f.suppressed !== undefined || f.target.file !== file) continue;
    const name = f.target.name;
    byService.set(name, [...(byService.get(name) ?? []), f]);
  }

  for (const pair of services.items) {
    const name = String((pair.key as { value?: unknown }).value);
    const svc = asMap(pair.value);
    const found = byService.get(name) ?? [];
    if (svc === undefined) continue;
    const svcLine = lines.line((pair.key as { range?: number[] }).range?.[0] ?? 0);
    const change = (what: string, ruleId: string | undefined, line = svcLine): void => {
      changes.push({ service: name, line, what, ruleId });
    };
    const newPairs: [string, string][] = [];
    const lineOf = (key: string): number => {
      const p = pairOf(svc, key);
      return p === undefined
        ? svcLine
        : lines.line((p.key as { range?: number[] }).range?.[0] ?? 0);
    };

    // privileged
    const privileged = pairOf(svc, "privileged");
    if (hasRule(found, "DW-PRIV-001") && privileged !== undefined && svc.flow !== true) {
      splices.push(
        ...commentOutPair(
          lines,
          privileged,
          "removed `privileged: true` (DW-PRIV-001); add back only the capabilities (cap_add) and devices it needs",
        ),
      );
      change("removed privileged: true", "DW-PRIV-001", lineOf("privileged"));
    }

    // cap_add: the entries the policy does not allow
    const capAdd = pairOf(svc, "cap_add");
    const capAddSeq = asSeq(capAdd?.value);
    if (capAdd !== undefined && capAddSeq !== undefined) {
      const remove = new Set<number>();
      for (const f of found.filter((x) => x.ruleId === "DW-CAP-001")) {
        const i =
          f.target.line === undefined
            ? undefined
            : itemAt(lines, capAddSeq, f.target.line, f.target.column);
        if (i === undefined) continue;
        remove.add(i);
        change(
          `removed ${String((capAddSeq.items[i] as { value?: unknown }).value)} from cap_add: ${f.message}`,
          "DW-CAP-001",
          f.target.line,
        );
      }
      if (remove.size > 0 && remove.size === capAddSeq.items.length && svc.flow !== true) {
        splices.push(
          ...commentOutPair(
            lines,
            capAdd,
            "removed cap_add: none of its capabilities is allowed (DW-CAP-001)",
          ),
        );
      } else splices.push(...editSeq(lines, capAddSeq, remove, []));
    }

    // cap_drop: ALL
    if (hasRule(found, "DW-CAP-002")) {
      const capDrop = pairOf(svc, "cap_drop");
      const seq = asSeq(capDrop?.value);
      if (capDrop === undefined) {
        newPairs.push(["cap_drop", "[ALL]"]);
        change("added cap_drop: [ALL]", "DW-CAP-002");
      } else if (seq !== undefined) {
        splices.push(...editSeq(lines, seq, new Set(), ["ALL"]));
        change("added ALL to cap_drop", "DW-CAP-002", lineOf("cap_drop"));
      }
    }

    // security_opt
    const secPair = pairOf(svc, "security_opt");
    const secSeq = asSeq(secPair?.value);
    const secRemove = new Set<number>();
    const secAppend: string[] = [];
    const secRules: [string, string, string | undefined][] = [
      ["DW-SEC-002", "seccomp", "unconfined"],
      ["DW-SEC-003", "apparmor", "unconfined"],
      ["DW-SEC-004", "systempaths", "unconfined"],
    ];
    for (const [rule, kind, value] of secRules) {
      if (!hasRule(found, rule) || secSeq === undefined) continue;
      for (const i of securityOptIndex(secSeq, kind, value)) {
        secRemove.add(i);
        change(`removed security_opt ${scalarText(secSeq.items[i])}`, rule, lineOf("security_opt"));
      }
    }
    const wants: [string, string, string | undefined][] = [
      ...(hasRule(found, "DW-SEC-001")
        ? [
            ["no-new-privileges", "no-new-privileges:true", "DW-SEC-001"] as [
              string,
              string,
              string,
            ],
          ]
        : []),
      ...(options.seccomp !== undefined
        ? [["seccomp", `seccomp=${options.seccomp}`, undefined] as [string, string, undefined]]
        : []),
      ...(options.apparmor !== undefined
        ? [["apparmor", `apparmor=${options.apparmor}`, undefined] as [string, string, undefined]]
        : []),
    ];
    for (const [kind, entry, rule] of wants) {
      const existing =
        secSeq === undefined
          ? []
          : securityOptIndex(secSeq, kind, undefined).filter((i) => !secRemove.has(i));
      if (existing.length > 0 && rule === undefined) {
        // a profile already named: replace it with the one asked for
        for (const i of existing) secRemove.add(i);
      } else if (existing.length > 0) continue;
      secAppend.push(yamlScalar(entry));
      change(`added security_opt ${entry}`, rule);
    }
    if (
      secPair !== undefined &&
      secSeq !== undefined &&
      secAppend.length === 0 &&
      secRemove.size > 0 &&
      secRemove.size === secSeq.items.length &&
      svc.flow !== true
    ) {
      // an empty list would read as null, which compose refuses
      splices.push(
        ...commentOutPair(
          lines,
          secPair,
          "removed security_opt: each entry turned a protection off",
        ),
      );
    } else if (secSeq !== undefined) splices.push(...editSeq(lines, secSeq, secRemove, secAppend));
    else if (secAppend.length > 0) newPairs.push(["security_opt", `[${secAppend.join(", ")}]`]);

    // limits: into deploy.resources.limits when the service has that mapping
    const limits = asMap(
      asMap(asMap(svc.get("deploy", true))?.get("resources", true))?.get("limits", true),
    );
    const limitPairs: [string, string][] = [];
    const setLimit = (
      rule: string,
      value: string | undefined,
      deployKey: string,
      key: string,
      what: string,
    ): void => {
      if (!hasRule(found, rule) || value === undefined) return;
      if (limits !== undefined && pairOf(limits, deployKey) === undefined)
        limitPairs.push([deployKey, value]);
      else if (pairOf(svc, key) !== undefined) {
        const p = pairOf(svc, key);
        if (p !== undefined) splices.push(...setValue(p, value));
      } else newPairs.push([key, value]);
      change(`set ${what} ${value}`, rule, limits !== undefined ? svcLine : lineOf(key));
    };
    setLimit("DW-RES-001", options.memory, "memory", "mem_limit", "memory limit");
    setLimit(
      "DW-RES-002",
      options.cpus === undefined ? undefined : JSON.stringify(options.cpus),
      "cpus",
      "cpus",
      "CPU limit",
    );
    setLimit(
      "DW-RES-003",
      options.pids === undefined ? undefined : String(options.pids),
      "pids",
      "pids_limit",
      "PIDs limit",
    );
    if (
      hasRule(found, "DW-RES-004") ||
      (hasRule(found, "DW-RES-001") &&
        options.memory !== undefined &&
        pairOf(svc, "memswap_limit") === undefined)
    ) {
      const memory = options.memory ?? scalarText(pairOf(svc, "mem_limit")?.value);
      if (memory !== "" && pairOf(svc, "memswap_limit") === undefined) {
        newPairs.push(["memswap_limit", memory]);
        change(`set memswap_limit ${memory}: no swap beyond the memory limit`, "DW-RES-004");
      }
    }
    if (limits !== undefined && limitPairs.length > 0)
      splices.push(...addPairs(lines, limits, limitPairs));

    // read-only root filesystem
    if (hasRule(found, "DW-FS-001") && pairOf(svc, "read_only") === undefined) {
      newPairs.push(["read_only", "true"]);
      if (pairOf(svc, "tmpfs") === undefined) newPairs.push(["tmpfs", "[/tmp]"]);
      change(
        "set read_only: true (with tmpfs /tmp): check where it writes, and give those paths a volume or tmpfs",
        "DW-FS-001",
      );
    }
    if (hasRule(found, "DW-NS-006") && pairOf(svc, "cgroup") === undefined) {
      newPairs.push(["cgroup", "private"]);
      change("set cgroup: private", "DW-NS-006");
    }
    if (
      hasRule(found, "DW-USR-001") &&
      options.user !== undefined &&
      pairOf(svc, "user") === undefined
    ) {
      newPairs.push(["user", JSON.stringify(options.user)]);
      change(`set user ${options.user}`, "DW-USR-001");
    }
    splices.push(...addPairs(lines, svc, newPairs));
  }
  return { text: applySplices(text, splices), changes };
}
