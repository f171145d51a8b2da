import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";

/**
 * The real `apparmor_parser`, used two ways: compile-only checking (`-QK`: no kernel, no
 * cache, nothing loaded), which works on any machine with the apparmor package, and loading
 * (`-r -W`), which needs a kernel with AppArmor. The parser's error lines are turned into
 * file:line diagnostics.
 */

/** The features file the Debian/Ubuntu apparmor package ships, for compiling without a kernel. */
export const FEATURES_FILE = "/usr/share/apparmor-features/features";
const SECURITYFS = "/sys/kernel/security/apparmor";

export interface Diagnostic {
  file: string;
  line: number | undefined;
  message: string;
}

export type CheckResult =
  | { status: "ok"; checkedBy: "apparmor_parser"; parser: string }
  | { status: "errors"; checkedBy: "apparmor_parser" | "structure"; diagnostics: Diagnostic[] }
  | { status: "ok"; checkedBy: "structure"; why: string };

/** apparmor_parser on PATH, or in the sbin directories a non-root PATH often lacks. */
export function findParser(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [...(env.PATH ?? "").split(delimiter), "/usr/sbin", "/sbin"];
  for (const dir of dirs) {
    if (dir === "") continue;
    const candidate = join(dir, "apparmor_parser");
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Whether this kernel enforces AppArmor (the module is loaded and enabled). */
export function kernelHasAppArmor(): boolean {
  try {
    const enabled = readFileSync("/sys/module/apparmor/parameters/enabled", "utf8").trim();
    return enabled === "Y" && existsSync(SECURITYFS);
  } catch {
    return false;
  }
}

/**
 * The parser's stderr as diagnostics. It writes, e.g.
 * `AppArmor parser error for /tmp/p in profile /tmp/p at line 12: Invalid capability net_foo.`
 * or `AppArmor parser error, in /tmp/p line 3: syntax error, unexpected TOK_END_OF_RULE`.
 */
export function parseParserOutput(stderr: string, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const raw of stderr.split("\n")) {
    const line = raw.trim();
    if (line === "" || /^Warning[: ]/i.test(line)) continue;
    const forProfile =
      /^AppArmor parser error for (\S+) in profile (\S+) at line (\d+): (.*)$/.exec(line);
    if (forProfile !== null) {
      out.push({
        file: forProfile[2] ?? file,
        line: Number(forProfile[3]),
        message: forProfile[4] ?? line,
      });
      continue;
    }
    const inFile = /^AppArmor parser error,? (?:in|for) (\S+?):? (?:at )?line (\d+):? (.*)$/.exec(
      line,
    );
    if (inFile !== null) {
      out.push({ file: inFile[1] ?? file, line: Number(inFile[2]), message: inFile[3] ?? line });
      continue;
    }
    out.push({ file, line: undefined, message: line });
  }
  return out;
}

/**
 * What can be checked without the parser: braces balance, there is a profile, and every rule
 * line ends the way AppArmor rules end (`,`, `{` or `}`).
 */
export function structuralCheck(text: string, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  let depth = 0;
  let profiles = 0;
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#(?!include).*$/, "").trim();
    if (line === "" || line.startsWith("#include") || line.startsWith("include ")) return;
    if (/^@\{[^}]+\}\s*\+?=/.test(line) || line.startsWith("abi ")) return;
    if (line.endsWith("{")) {
      if (depth === 0) profiles += 1;
      depth += 1;
      return;
    }
    if (line === "}") {
      depth -= 1;
      if (depth < 0) out.push({ file, line: i + 1, message: "} without a matching {" });
      return;
    }
    if (depth === 0)
      out.push({ file, line: i + 1, message: `a rule outside any profile: ${line}` });
    else if (!line.endsWith(","))
      out.push({ file, line: i + 1, message: `a rule must end with a comma: ${line}` });
  });
  if (depth > 0) out.push({ file, line: undefined, message: `${depth} unclosed {` });
  if (profiles === 0) out.push({ file, line: undefined, message: "no profile in the file" });
  return out;
}

/** Check a profile file: compile it with apparmor_parser when there is one, else structurally. */
export function checkProfile(file: string, text: string, parser = findParser()): CheckResult {
  const features = existsSync(FEATURES_FILE) ? FEATURES_FILE : undefined;
  if (parser !== undefined && (features !== undefined || kernelHasAppArmor())) {
    const args = ["-QK", ...(features !== undefined ? ["-M", features] : []), file];
    const res = spawnSync(parser, args, { encoding: "utf8", timeout: 60_000 });
    if (res.status === 0) return { status: "ok", checkedBy: "apparmor_parser", parser };
    const diagnostics = parseParserOutput(
      `${res.stderr}${res.error ? `\n${res.error.message}` : ""}`,
      file,
    );
    return {
      status: "errors",
      checkedBy: "apparmor_parser",
      diagnostics:
        diagnostics.length > 0
          ? diagnostics
          : [
              {
                file,
                line: undefined,
                message: `apparmor_parser exited ${String(res.status)} without a message`,
              },
            ],
    };
  }
  const diagnostics = structuralCheck(text, file);
  if (diagnostics.length > 0) return { status: "errors", checkedBy: "structure", diagnostics };
  return {
    status: "ok",
    checkedBy: "structure",
    why:
      parser === undefined
        ? "apparmor_parser is not installed (Debian: apt-get install apparmor)"
        : `neither ${FEATURES_FILE} nor a kernel with AppArmor is there to compile against`,
  };
}

/** Load (or replace) a profile in the kernel: `apparmor_parser -r -W FILE`. */
export function loadProfile(
  file: string,
  parser: string,
): { ok: true } | { ok: false; diagnostics: Diagnostic[]; status: number | null } {
  const res = spawnSync(parser, ["-r", "-W", file], { encoding: "utf8", timeout: 60_000 });
  if (res.status === 0) return { ok: true };
  return { ok: false, diagnostics: parseParserOutput(res.stderr, file), status: res.status };
}
