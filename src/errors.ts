/**
 * Failures are typed data: a stable `code`, a one-line message that names the input, a `hint`
 * that says what to do, and the exit code the CLI uses. A user never sees a stack trace for
 * these; anything that is not a DockwardError is a bug and is reported as one.
 */

/** usage = bad flags or bad input (exit 2); environment = engine, network, missing tool (exit 3). */
export type ErrorKind = "usage" | "environment";

export type ErrorCode =
  | "USAGE"
  | "BAD_INPUT"
  | "ENDPOINT_INVALID"
  | "ENDPOINT_CONFLICT"
  | "CONTEXT_NOT_FOUND"
  | "CONTEXT_INVALID"
  | "CONFIG_INVALID"
  | "TLS_FILES"
  | "ENGINE_UNREACHABLE"
  | "TLS_HANDSHAKE"
  | "SSH_FAILED"
  | "ENGINE_HTTP"
  | "ENGINE_PROTOCOL"
  | "TIMEOUT"
  | "MISSING_TOOL"
  /** the kernel lacks a feature the command needs (AppArmor) */
  | "KERNEL_UNSUPPORTED";

const ENVIRONMENT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "ENGINE_UNREACHABLE",
  "TLS_HANDSHAKE",
  "SSH_FAILED",
  "ENGINE_HTTP",
  "ENGINE_PROTOCOL",
  "TIMEOUT",
  "MISSING_TOOL",
  "KERNEL_UNSUPPORTED",
  "TLS_FILES",
  "CONTEXT_NOT_FOUND",
  "CONTEXT_INVALID",
  "CONFIG_INVALID",
]);

export interface DockwardErrorOptions {
  hint?: string;
  cause?: unknown;
  kind?: ErrorKind;
}

export class DockwardError extends Error {
  override readonly name = "DockwardError";
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly kind: ErrorKind;
  /** the offending source line and a caret under the column, when the input is a file */
  readonly excerpt: string | undefined = undefined;

  constructor(code: ErrorCode, message: string, options: DockwardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.kind = options.kind ?? (ENVIRONMENT_CODES.has(code) ? "environment" : "usage");
  }

  get exitCode(): 2 | 3 {
    return this.kind === "environment" ? 3 : 2;
  }
}

/** An HTTP error answered by the daemon, with its own message. */
export class EngineHttpError extends DockwardError {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  constructor(status: number, method: string, path: string, daemonMessage: string) {
    super("ENGINE_HTTP", `${method} ${path}: the engine answered ${status}: ${daemonMessage}`);
    this.status = status;
    this.method = method;
    this.path = path;
  }
}

export function isDockwardError(err: unknown): err is DockwardError {
  return err instanceof DockwardError;
}

/** The `code` of a Node system error (ECONNREFUSED, ENOENT, ...), if any. */
export function systemErrorCode(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err) {
    const code = err.code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** For a message: the system error code (ENOENT, EACCES, ...) when there is one, else the error's text. */
export function errorReason(err: unknown): string {
  return systemErrorCode(err) ?? errorMessage(err);
}
