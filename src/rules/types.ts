import type { ZodMiniType } from "zod/mini";
import type { Analysis } from "../pki/inspect.js";
import type { ProfileDocument } from "../seccomp/checks/document.js";
import type { DockerVersion } from "../seccomp/checks/docker-version.js";
import type { DaemonSpec } from "../spec/daemon.js";
import type { ContainerSpec, Origin, TargetKind } from "../spec/model.js";

export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Higher is worse. */
export function severityRank(s: Severity): number {
  return SEVERITIES.length - SEVERITIES.indexOf(s);
}

/** The Kubernetes Pod Security Standards level whose control a rule mirrors. */
export type PssLevel = "baseline" | "restricted" | "none";

export const PRESETS = ["baseline", "restricted", "cis"] as const;
export type PresetName = (typeof PRESETS)[number];

export interface ContainerRemediation {
  /** as a `docker run` flag, e.g. `--cap-drop ALL` */
  run: string;
  /** as a compose key, e.g. `cap_drop: [ALL]` */
  compose: string;
}

export interface DaemonRemediation {
  /** the daemon.json key or dockerd flag, or the command, that fixes it */
  daemon: string;
}

/** The change to make in a seccomp profile file. */
export interface ProfileRemediation {
  profile: string;
}

export type Remediation = ContainerRemediation | DaemonRemediation | ProfileRemediation;

/** The fix for a finding, as its target is written. */
export function fixText(remediation: Remediation, kind: string): string {
  if ("daemon" in remediation) return remediation.daemon;
  if ("profile" in remediation) return remediation.profile;
  return kind === "compose" ? remediation.compose : remediation.run;
}

export interface RuleMeta<R extends Remediation = Remediation> {
  /** stable forever once released: DW-<AREA>-<NNN> */
  id: string;
  /** readable alias, usable wherever an id is */
  name: string;
  title: string;
  severity: Severity;
  /** CIS Docker Benchmark v1.6.0 control ids */
  cis: readonly string[];
  pss: PssLevel;
  /** presets that enable the rule */
  presets: readonly PresetName[];
  remediation: R;
}

/**
 * Facts about the host a container runs on, known to audit and guard (from `docker info`), not
 * to lint. Rules use them to say "not applicable here" instead of raising a false alarm.
 */
export interface HostFacts {
  /** the kernel enforces AppArmor (docker info lists name=apparmor) */
  apparmor: boolean;
}

export interface RuleContext {
  host?: HostFacts | undefined;
}

/** What a rule says about one spec: a message, the place, and optionally a sharper severity. */
export interface RuleHit {
  message: string;
  origin: Origin;
  severity?: Severity;
}

export interface Rule<O = unknown> {
  kind: "container";
  meta: RuleMeta<ContainerRemediation> & { docs: string };
  /** schema for the rule's options in a policy file (defaults applied by the schema) */
  options: ZodMiniType<O>;
  check(spec: ContainerSpec, options: O, context: RuleContext): RuleHit[];
}

/** A rule about a daemon: its exposure, its TLS material, its files, its configuration. */
export interface DaemonRule<O = unknown> {
  kind: "daemon";
  meta: RuleMeta<DaemonRemediation> & { docs: string };
  options: ZodMiniType<O>;
  check(spec: DaemonSpec, options: O, context: DaemonRuleContext): RuleHit[];
}

export interface DaemonRuleContext {
  /** when the audit runs: certificate expiry is judged against it */
  now: Date;
}

/**
 * A rule about certificate material on disk (`dockward tls inspect`): client certificates,
 * chains, key pairs, key files. The daemon's own files are the DW-TLS rules' (a DaemonSpec).
 */
export interface PkiRule<O = unknown> {
  kind: "pki";
  meta: RuleMeta<DaemonRemediation> & { docs: string };
  options: ZodMiniType<O>;
  check(material: Analysis, options: O, context: PkiRuleContext): RuleHit[];
}

export interface PkiRuleContext {
  now: Date;
  /** files the DW-TLS rules already judged (the daemon's ca.pem, server-cert.pem, server-key.pem) */
  judged: ReadonlySet<string>;
}

/**
 * A rule about a seccomp profile file (`dockward seccomp validate`): what the daemon and runc
 * refuse, and what they accept but run differently from what the profile seems to say.
 */
export interface SeccompProfileRule<O = unknown> {
  kind: "seccomp";
  meta: RuleMeta<ProfileRemediation> & { docs: string };
  /**
   * A hit means the daemon or runc refuses the profile (or what it runs cannot be known):
   * `parseProfile` and `loadProfile` fail on these and give no model.
   */
  refuses: boolean;
  options: ZodMiniType<O>;
  check(profile: ProfileDocument, options: O, context: SeccompRuleContext): RuleHit[];
}

export interface SeccompRuleContext {
  /** the Docker Engine version the profile is meant for (`--docker-version`) */
  dockerVersion: DockerVersion;
}

export type AnyRule = Rule | DaemonRule | PkiRule | SeccompProfileRule;

/** A finding: the JSON contract other tools rely on (see README, "JSON output"). */
export interface Finding {
  ruleId: string;
  ruleName: string;
  title: string;
  severity: Severity;
  cis: string[];
  pss: PssLevel;
  target: {
    kind: TargetKind;
    name: string;
    image?: string;
    file?: string;
    line?: number;
    column?: number;
    argIndex?: number;
    pointer?: string;
  };
  message: string;
  remediation: Remediation;
  docs: string;
  /** set when an exception or inline suppression silenced it (only listed with --show-suppressed) */
  suppressed?: { reason: string; by: string };
}
