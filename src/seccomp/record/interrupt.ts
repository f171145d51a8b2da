/**
 * Ctrl-C (SIGINT) and SIGTERM during a recording: the kernel settings go back at once, in the
 * signal handler itself (a synchronous write), before anything that could hang; then the run's
 * container is killed and removed, and the command ends with 128 + the signal number. A second
 * signal ends the process at once; so does a cleanup that takes longer than FORCE_EXIT_MS. The
 * process's `exit` event restores as a last resort too.
 */

const FORCE_EXIT_MS = 15_000;
const SIGNAL_EXIT: Record<"SIGINT" | "SIGTERM", number> = { SIGINT: 130, SIGTERM: 143 };

export class Interrupted extends Error {
  override readonly name = "Interrupted";
  constructor(
    readonly signal: "SIGINT" | "SIGTERM",
    readonly exitCode: number,
  ) {
    super(`interrupted by ${signal}`);
  }
}

/**
 * Run `body` with signal handlers that call `restore` (synchronous, idempotent) and abort the
 * signal `body` gets. Resolves with body's value, or rejects with Interrupted after body has
 * cleaned up. `restore` runs once more when body settles, whatever happened.
 */
export async function withInterrupts<T>(
  restore: () => void,
  body: (signal: AbortSignal) => Promise<T>,
  onSignal: (signal: "SIGINT" | "SIGTERM") => void = () => undefined,
): Promise<T> {
  const controller = new AbortController();
  let received: "SIGINT" | "SIGTERM" | undefined;
  let force: NodeJS.Timeout | undefined;
  const handler = (sig: "SIGINT" | "SIGTERM"): void => {
    if (received !== undefined) process.exit(SIGNAL_EXIT[received]);
    received = sig;
    restore();
    onSignal(sig);
    controller.abort();
    force = setTimeout(() => process.exit(SIGNAL_EXIT[sig]), FORCE_EXIT_MS).unref();
  };
  const onInt = (): void => {
    handler("SIGINT");
  };
  const onTerm = (): void => {
    handler("SIGTERM");
  };
  const onExit = (): void => {
    restore();
  };
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  process.on("exit", onExit);
  try {
    const value = await body(controller.signal);
    if (received !== undefined) throw new Interrupted(received, SIGNAL_EXIT[received]);
    return value;
  } catch (err) {
    if (received !== undefined) throw new Interrupted(received, SIGNAL_EXIT[received]);
    throw err;
  } finally {
    clearTimeout(force);
    restore();
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    process.off("exit", onExit);
  }
}
