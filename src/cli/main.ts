#!/usr/bin/env node
import { createRequire } from "node:module";
import { Command, CommanderError } from "commander";
import { DockwardError, isDockwardError } from "../errors.js";
import { addEngineOptions, normaliseBooleanFlags } from "./engine-options.js";
import { apparmorCommand } from "./apparmor.js";
import { auditCommand } from "./audit.js";
import { contextCommand } from "./context.js";
import { authzPluginCommand, guardCommand } from "./guard.js";
import { hardenCommand } from "./harden.js";
import { infoCommand } from "./info.js";
import { limitsCommand } from "./limits.js";
import { lintCommand } from "./lint.js";
import { rulesCommand } from "./rules.js";
import { seccompCommand } from "./seccomp/index.js";
import { tlsCommand } from "./tls.js";

const require = createRequire(import.meta.url);
const pkg = require("../../package.json") as { version: string };

export function buildProgram(): Command {
  const program = new Command("dockward")
    .description(
      "Harden Docker hosts and prove they are: lint compose files and docker run lines, and see how an engine is secured.",
    )
    .version(pkg.version, "-v, --version", "print the dockward version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  addEngineOptions(program);
  program.addCommand(lintCommand().exitOverride());
  program.addCommand(auditCommand().exitOverride());
  program.addCommand(infoCommand().exitOverride());
  program.addCommand(rulesCommand().exitOverride());
  const apparmor = apparmorCommand().exitOverride();
  for (const sub of apparmor.commands) sub.exitOverride();
  program.addCommand(apparmor);
  const context = contextCommand().exitOverride();
  for (const sub of context.commands) sub.exitOverride();
  program.addCommand(context);
  program.addCommand(limitsCommand().exitOverride());
  const harden = hardenCommand().exitOverride();
  for (const sub of harden.commands) sub.exitOverride();
  program.addCommand(harden);
  const tls = tlsCommand().exitOverride();
  for (const sub of tls.commands) sub.exitOverride();
  program.addCommand(tls);
  const guard = guardCommand().exitOverride();
  for (const sub of guard.commands) sub.exitOverride();
  program.addCommand(guard);
  program.addCommand(authzPluginCommand().exitOverride());
  const seccomp = seccompCommand().exitOverride();
  for (const sub of seccomp.commands) sub.exitOverride();
  program.addCommand(seccomp);
  program.addHelpText(
    "after",
    `
Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad usage or input, 3 environment
(engine unreachable, TLS or ssh failure, missing tool).`,
  );
  return program;
}

export function reportError(err: unknown): number {
  if (isDockwardError(err)) {
    process.stderr.write(`dockward: ${err.message}\n`);
    if (err.excerpt !== undefined) {
      process.stderr.write(
        `${err.excerpt
          .split("\n")
          .map((l) => `  | ${l}`)
          .join("\n")}\n`,
      );
    }
    if (err.hint !== undefined) process.stderr.write(`  fix: ${err.hint}\n`);
    return err.exitCode;
  }
  if (err instanceof CommanderError) {
    if (
      err.code === "commander.helpDisplayed" ||
      err.code === "commander.version" ||
      err.code === "commander.help"
    )
      return 0;
    // commander has already printed its message
    return 2;
  }
  process.stderr.write(
    `dockward: internal error (a bug, please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  return 70;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const program = buildProgram();
    await program.parseAsync(normaliseBooleanFlags(argv), { from: "user" });
    // commands that judge (lint, audit) set their verdict as the exit code
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError && err.cause !== undefined && isDockwardError(err.cause))
      return reportError(err.cause);
    return reportError(err);
  }
}

const exitCode = await main(process.argv.slice(2));
process.exitCode = exitCode;
export { DockwardError };
