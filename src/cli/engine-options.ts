import { type Command, Option } from "commander";
import { EngineClient } from "../engine/client.js";
import { type EndpointFlags, resolveEndpoint } from "../engine/endpoint.js";
import { DockwardError } from "../errors.js";

/** The docker CLI's global connection flags, with the same names and meanings. */
export function addEngineOptions(program: Command): Command {
  return program
    .addOption(
      new Option(
        "-c, --context <name>",
        "docker context to use (overrides DOCKER_HOST, DOCKER_CONTEXT and `docker context use`)",
      ),
    )
    .addOption(
      new Option(
        "-H, --host <host>",
        "engine to connect to: unix:///path, tcp://host:port or ssh://[user@]host[:port][/socket]",
      ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
    )
    .addOption(new Option("--tls", "use TLS (implied by --tlsverify)"))
    .addOption(
      new Option("--tlsverify", "use TLS and verify the daemon's certificate (DOCKER_TLS_VERIFY)"),
    )
    .addOption(new Option("--no-tlsverify", "do not verify the daemon's certificate").hideHelp())
    .addOption(new Option("--tlscacert <file>", "CA to trust (default $DOCKER_CERT_PATH/ca.pem)"))
    .addOption(
      new Option("--tlscert <file>", "client certificate (default $DOCKER_CERT_PATH/cert.pem)"),
    )
    .addOption(new Option("--tlskey <file>", "client key (default $DOCKER_CERT_PATH/key.pem)"))
    .addOption(
      new Option("--timeout <seconds>", "give up on any engine call after this long")
        .default("30")
        .argParser((v: string) => {
          const n = Number(v);
          if (!Number.isFinite(n) || n <= 0) {
            throw new DockwardError(
              "USAGE",
              `--timeout ${JSON.stringify(v)} is not a positive number of seconds`,
              {
                hint: "for example --timeout 10",
              },
            );
          }
          return v;
        }),
    );
}

export interface GlobalOptions {
  context?: string;
  host?: string[];
  tls?: boolean;
  tlsverify?: boolean;
  tlscacert?: string;
  tlscert?: string;
  tlskey?: string;
  timeout?: string;
}

/** The docker CLI accepts `--tlsverify=false`; commander wants `--no-tlsverify`. */
export function normaliseBooleanFlags(argv: readonly string[]): string[] {
  // after `context create`, --tls takes a directory (--tls=DIR): not the global bool flag
  const create = argv.findIndex((a, i) => a === "context" && argv[i + 1] === "create");
  return argv
    .map((arg, i) => {
      const m = /^--(tls|tlsverify)=(.*)$/.exec(arg);
      if (m === null || (create !== -1 && i > create && m[1] === "tls")) return arg;
      const [, flag = "", value = ""] = m;
      if (/^(1|t|true|TRUE|True)$/.test(value)) return `--${flag}`;
      if (/^(0|f|false|FALSE|False)$/.test(value))
        return flag === "tlsverify" ? "--no-tlsverify" : "--no-tls-placeholder";
      throw new DockwardError("USAGE", `--${flag}=${value}: expected true or false`, {
        hint: `write --${flag} or --${flag}=false`,
      });
    })
    .filter((arg) => arg !== "--no-tls-placeholder");
}

export function endpointFlags(opts: GlobalOptions): EndpointFlags {
  return {
    context: opts.context,
    hosts: opts.host,
    tls: opts.tls,
    tlsVerify: opts.tlsverify,
    tlsCaCert: opts.tlscacert,
    tlsCert: opts.tlscert,
    tlsKey: opts.tlskey,
  };
}

/** Resolve the endpoint from flags + environment and open a client for it. */
export function connect(command: Command): EngineClient {
  const opts = command.optsWithGlobals<GlobalOptions>();
  const endpoint = resolveEndpoint({ flags: endpointFlags(opts), env: process.env });
  return new EngineClient(endpoint, {
    timeoutMs: Number(opts.timeout ?? "30") * 1000,
    interactive: process.stdin.isTTY,
  });
}
