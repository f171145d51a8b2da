/** Something compose would accept that the user should still hear about. */
export interface ComposeWarning {
  code: "UNDEFINED_VARIABLE" | "YAML_1_1_BOOLEAN" | "UNKNOWN_VOLUME_OPTION" | "YAML_WARNING";
  /** `file:line:col: text`, ready to print */
  message: string;
  file: string;
  line: number;
  column: number;
}

/** `# dockward-ignore <rule-id>[, <rule-id>...]: <reason>`, collected for the rule engine. */
export interface Suppression {
  ruleId: string;
  reason: string;
  file: string;
  /** the line of the comment */
  line: number;
  /** the service it applies to, or undefined for file-wide */
  service?: string;
}
