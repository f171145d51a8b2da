import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Command, Option } from "commander";
import { ContextStore, DEFAULT_CONTEXT, configDir } from "../engine/context-store.js";
import { normaliseHost, parseHost } from "../engine/host.js";
import { authorizedKeysLine, parsePublicKey } from "../contexts/authorized-keys.js";
import { checkEndpoint } from "../contexts/check.js";
import { checkContextName } from "../contexts/names.js";
import {
  contextExists,
  removeContext,
  setCurrentContext,
  writeContext,
} from "../contexts/store-writer.js";
import { TLS_FILE_NAMES, type TlsMaterial, validateTlsMaterial } from "../contexts/tls-material.js";
import {
  currentContextName,
  formatContextRows,
  inspectContext,
  listContexts,
  notFound,
} from "../contexts/view.js";
import { DockwardError, errorMessage, systemErrorCode } from "../errors.js";
import type { GlobalOptions } from "./engine-options.js";

export interface CreateArguments {
  name: string | undefined;
  host: string | undefined;
  tls: string | undefined;
  description: string | undefined;
  force: boolean;
  check: boolean;
  publicKey: string | undefined;
}

/** Global options that take a value: skipped while looking for `context create`. */
const GLOBAL_VALUE_FLAGS = new Set([
  "-c",
  "--context",
  "-H",
  "--host",
  "--tlscacert",
  "--tlscert",
  "--tlskey",
  "--timeout",
]);

/**
 * `context create`'s own arguments, read from the raw command line. The program's global
 * `-H/--host` and boolean `--tls` (docker's names, kept for every other command) are parsed
 * anywhere on the line by commander, so they would swallow `create --host H --tls DIR`; the
 * words after `context create` are therefore parsed here, as the user wrote them.
 */
export function createArguments(rawArgs: readonly string[]): CreateArguments {
  let start = -1;
  let seen = 0;
  for (let i = 0; i < rawArgs.length && start === -1; i++) {
    const arg = rawArgs[i] ?? "";
    if (GLOBAL_VALUE_FLAGS.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith("-")) continue;
    if (seen === 0 && arg === "context") seen = 1;
    else if (seen === 1 && arg === "create") start = i + 1;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: start === -1 ? [] : rawArgs.slice(start),
      allowPositionals: true,
      strict: true,
      options: {
        host: { type: "string", short: "H" },
        tls: { type: "string" },
        description: { type: "string" },
        force: { type: "boolean", short: "f" },
        "no-check": { type: "boolean" },
        "public-key": { type: "string" },
        // global options a user may also put after the subcommand
        context: { type: "string", short: "c" },
        timeout: { type: "string" },
        tlscacert: { type: "string" },
        tlscert: { type: "string" },
        tlskey: { type: "string" },
        tlsverify: { type: "boolean" },
      },
    });
  } catch (err) {
    throw new DockwardError("USAGE", `context create: ${errorMessage(err)}`, {
      hint: "dockward context create NAME (--host tcp://H:P --tls DIR | --host ssh://user@host) [--description D]",
    });
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    throw new DockwardError(
      "USAGE",
      `context create takes one name, got ${positionals.map((p) => JSON.stringify(p)).join(" ")}`,
      { hint: "one NAME, then --host and, for tcp, --tls DIR" },
    );
  }
  return {
    name: positionals[0],
    host: values.host,
    tls: values.tls,
    description: values.description,
    force: values.force === true,
    check: values["no-check"] !== true,
    publicKey: values["public-key"],
  };
}

/** The words the program was parsed from (commander keeps them, untyped, on the root). */
function rawArgsOf(command: Command): string[] {
  let root = command;
  while (root.parent !== null) root = root.parent;
  const raw: unknown = Reflect.get(root, "rawArgs");
  return Array.isArray(raw) && raw.every((a): a is string => typeof a === "string")
    ? raw
    : process.argv.slice(2);
}

function store(): ContextStore {
  return new ContextStore(configDir(process.env));
}

function readTlsDir(dir: string): TlsMaterial {
  const read = (file: string): Buffer => {
    const path = join(dir, file);
    try {
      return readFileSync(path);
    } catch (err) {
      const missing = systemErrorCode(err) === "ENOENT" || systemErrorCode(err) === "ENOTDIR";
      throw new DockwardError(
        "TLS_FILES",
        missing ? `--tls ${dir}: ${file} is missing` : `cannot read ${path}: ${errorMessage(err)}`,
        {
          hint: "--tls takes a directory holding ca.pem, cert.pem and key.pem (the docker CLI's file names)",
          kind: "usage",
          cause: err,
        },
      );
    }
  };
  const [ca, cert, key] = TLS_FILE_NAMES.map(read);
  if (ca === undefined || cert === undefined || key === undefined) throw new Error("unreachable");
  const material: TlsMaterial = { "ca.pem": ca, "cert.pem": cert, "key.pem": key };
  validateTlsMaterial(dir, material);
  return material;
}

function readPublicKey(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new DockwardError("BAD_INPUT", `--public-key ${file}: ${errorMessage(err)}`, {
      hint: "give the .pub file of the key ssh uses, e.g. ~/.ssh/id_ed25519.pub",
      cause: err,
    });
  }
  return parsePublicKey(text, file);
}

async function create(command: Command): Promise<void> {
  const args = createArguments(rawArgsOf(command));
  const global = command.optsWithGlobals<GlobalOptions>();
  if (args.name === undefined) {
    throw new DockwardError("USAGE", "context create needs a NAME", {
      hint: "dockward context create NAME --host ...",
    });
  }
  const name = checkContextName(args.name);
  if (args.host === undefined) {
    throw new DockwardError("USAGE", `context create ${name}: --host is required`, {
      hint: "--host tcp://HOST:2376 --tls DIR, or --host ssh://USER@HOST",
    });
  }
  const dir = configDir(process.env);
  if (!args.force && contextExists(dir, name)) {
    throw new DockwardError("BAD_INPUT", `context "${name}" already exists`, {
      hint: `pick another name, or replace it with --force`,
    });
  }
  const isSsh = args.host.startsWith("ssh://");
  const host = isSsh ? args.host : normaliseHost(args.host, args.tls !== undefined, "--host");
  const parsed = parseHost(host, "--host");
  if (parsed.scheme === "tcp" && args.tls === undefined) {
    throw new DockwardError("BAD_INPUT", `--host ${host} without --tls`, {
      hint: "an engine port without mutual TLS is root for anyone who reaches it: give --tls DIR (ca.pem, cert.pem, key.pem), or use ssh://",
    });
  }
  if (parsed.scheme !== "tcp" && args.tls !== undefined) {
    throw new DockwardError("BAD_INPUT", `--tls is for tcp:// hosts, not ${host}`, {
      hint: "ssh and unix endpoints are secured by ssh and file permissions: drop --tls",
    });
  }
  if (args.publicKey !== undefined && parsed.scheme !== "ssh") {
    throw new DockwardError("BAD_INPUT", "--public-key is for ssh:// hosts", {
      hint: "drop --public-key",
    });
  }
  const tls = args.tls === undefined ? undefined : readTlsDir(args.tls);
  const publicKey = args.publicKey === undefined ? undefined : readPublicKey(args.publicKey);
  const out: string[] = [];
  if (args.check) {
    const ping = await checkEndpoint(
      name,
      host,
      args.tls === undefined
        ? undefined
        : {
            verify: true,
            ca: join(args.tls, "ca.pem"),
            cert: join(args.tls, "cert.pem"),
            key: join(args.tls, "key.pem"),
          },
      dir,
      { timeoutMs: Number(global.timeout ?? "30") * 1000, interactive: process.stdin.isTTY },
    );
    const steps =
      parsed.scheme === "ssh"
        ? "ssh connected, host key known, `docker system dial-stdio` ran, the daemon answered"
        : parsed.scheme === "tcp"
          ? "TLS handshake with the client certificate passed, the daemon answered"
          : "the daemon answered";
    out.push(
      `Checked ${host}: ${steps} (${ping.server ?? "Docker"}, API ${ping.apiVersion ?? "unknown"})`,
    );
  } else {
    out.push(`Not checked (--no-check): ${host}`);
  }
  const paths = writeContext(
    dir,
    { name, description: args.description, host, tls },
    { force: args.force },
  );
  out.push(`Created context "${name}" in ${paths.metaDir}`);
  out.push(`Use it with: docker --context ${name} info   or   dockward --context ${name} info`);
  if (parsed.scheme === "ssh") {
    const who = `${parsed.user !== undefined ? `${parsed.user}@` : ""}${parsed.hostname}`;
    out.push(
      "",
      `To let this key reach the daemon and nothing else, put this line in ~/.ssh/authorized_keys on ${who}:`,
      "",
      `  ${authorizedKeysLine(parsed, publicKey)}`,
    );
    if (parsed.remoteSocket !== undefined) {
      out.push(
        "",
        `Note: the docker CLI 20.10 refuses a socket path in an ssh:// host ("extra path after the host"); newer docker CLIs (28.x) and dockward accept it.`,
      );
    }
    if (publicKey === undefined) {
      out.push(
        "",
        "(replace the placeholder with your public key, or rerun with --public-key FILE.pub)",
      );
    }
  }
  process.stdout.write(`${out.join("\n")}\n`);
}

function mustExist(st: ContextStore, name: string): void {
  if (name === DEFAULT_CONTEXT) return;
  checkContextName(name);
  if (!contextExists(st.dir, name)) throw notFound(name, st.dir);
}

export function contextCommand(): Command {
  const context = new Command("context")
    .description("manage docker contexts in the docker CLI's own store ($DOCKER_CONFIG/contexts)")
    .addHelpText(
      "after",
      `
Contexts live where the docker CLI keeps them ($DOCKER_CONFIG, default ~/.docker), so
\`docker --context NAME\` and \`dockward --context NAME\` see the same ones.

Examples:
  dockward context create prod --host tcp://10.0.0.5:2376 --tls ./client-certs
  dockward context create build --host ssh://admin@build-1 --public-key ~/.ssh/id_ed25519.pub
  dockward context ls
  dockward context use prod`,
    );

  context.addCommand(
    new Command("create")
      .description("create a context after checking that the engine answers through it")
      .argument("<name>", "context name ([a-zA-Z0-9][a-zA-Z0-9_.+-]+, not `default`)")
      .addOption(
        new Option(
          "--host <host>",
          "tcp://HOST:PORT (with --tls) or ssh://[USER@]HOST[:PORT][/SOCKET]",
        ),
      )
      .addOption(new Option("--tls <dir>", "directory holding ca.pem, cert.pem and key.pem"))
      .addOption(new Option("--description <text>", "description shown by `context ls`"))
      .addOption(new Option("-f, --force", "replace a context of the same name"))
      .addOption(new Option("--no-check", "write the context without connecting first"))
      .addOption(
        new Option(
          "--public-key <file>",
          "ssh: the .pub file to put in the printed authorized_keys line",
        ),
      )
      .allowExcessArguments(true)
      .addHelpText(
        "after",
        `
--tls DIR and --tls=DIR both name the directory here (elsewhere --tls is the global yes/no flag).
Exit codes: 0 created, 2 bad name, host or files (nothing written), 3 the check failed
(ssh or TLS error, engine unreachable; nothing written).`,
      )
      .action(async (_name: string, _opts: unknown, command: Command) => {
        await create(command);
      }),
  );

  context.addCommand(
    new Command("ls")
      .alias("list")
      .description("list contexts; * marks the current one")
      .addOption(
        new Option("--format <format>", "output format").choices(["text", "json"]).default("text"),
      )
      .addOption(new Option("-q, --quiet", "print names only"))
      .action((opts: { format: "text" | "json"; quiet?: boolean }, command: Command) => {
        const global = command.optsWithGlobals<GlobalOptions>();
        const rows = listContexts(store(), process.env, global.context);
        if (opts.quiet === true) {
          process.stdout.write(rows.map((r) => `${r.Name}\n`).join(""));
        } else if (opts.format === "json") {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        } else {
          process.stdout.write(formatContextRows(rows));
        }
      }),
  );

  context.addCommand(
    new Command("use")
      .description("make a context the current one (currentContext in config.json)")
      .argument("<name>", "context name, or `default` to go back to DOCKER_HOST / the local socket")
      .action((name: string) => {
        const st = store();
        mustExist(st, name);
        setCurrentContext(st.dir, name === DEFAULT_CONTEXT ? undefined : name);
        process.stdout.write(`${name}\n`);
        process.stderr.write(`Current context is now "${name}"\n`);
        const env = process.env;
        if ((env.DOCKER_HOST ?? "") !== "")
          process.stderr.write("Warning: DOCKER_HOST is set and overrides the current context\n");
        else if ((env.DOCKER_CONTEXT ?? "") !== "")
          process.stderr.write(
            "Warning: DOCKER_CONTEXT is set and overrides the current context\n",
          );
      }),
  );

  context.addCommand(
    new Command("rm")
      .alias("remove")
      .description("remove contexts (the current one only with --force)")
      .argument("<name...>", "context names")
      .addOption(new Option("-f, --force", "remove even the current context (and unset it)"))
      .action((names: string[], opts: { force?: boolean }) => {
        const st = store();
        const current = st.currentContext();
        for (const name of names) {
          if (name === DEFAULT_CONTEXT) {
            throw new DockwardError("BAD_INPUT", `the "default" context cannot be removed`, {
              hint: "it is built from DOCKER_HOST or the local socket and is never stored",
            });
          }
          mustExist(st, name);
          if (name === current && opts.force !== true) {
            throw new DockwardError("BAD_INPUT", `context "${name}" is the current context`, {
              hint: `switch first (dockward context use default) or remove it with --force`,
            });
          }
        }
        for (const name of names) {
          removeContext(st.dir, name);
          if (name === current) setCurrentContext(st.dir, undefined);
          process.stdout.write(`${name}\n`);
        }
      }),
  );

  context.addCommand(
    new Command("inspect")
      .description("print contexts as JSON, in the shape `docker context inspect` prints")
      .argument("[name...]", "context names (default: the current context)")
      .action((names: string[], _opts: unknown, command: Command) => {
        const st = store();
        const global = command.optsWithGlobals<GlobalOptions>();
        const wanted =
          names.length > 0 ? names : [currentContextName(st, process.env, global.context)];
        const result = wanted.map((name) => {
          mustExist(st, name);
          return inspectContext(st, name, process.env);
        });
        process.stdout.write(`${JSON.stringify(result, null, 4)}\n`);
      }),
  );
  return context;
}
