import { readFileSync, watch, type FSWatcher } from "node:fs";
import { resolve } from "node:path";
import { Command, Option } from "commander";
import { z } from "zod/mini";
import { parseSecurityOptions, summariseSecurity } from "../info/info.js";
import { EngineClient } from "../engine/client.js";
import { type ResolvedEndpoint, resolveEndpoint } from "../engine/endpoint.js";
import { DockwardError, errorMessage, isDockwardError } from "../errors.js";
import { openDecisionLog, verifyLogText, type LogSink } from "../guard/decision-log.js";
import { createDecider, DEFAULT_BODY_LIMIT, type DeciderOptions } from "../guard/decide.js";
import { NEWEST_DAEMON_API_VERSION, compareApiVersions } from "../guard/routes.js";
import { runAuthzPlugin } from "../guard/authz/command.js";
import { DEFAULT_AUTHZ_SOCKET } from "../guard/authz/protocol.js";
import { startGuard } from "../guard/server/guard.js";
import { kernelHasAppArmor } from "../apparmor/parser.js";
import type { Decider, ListenerSpec } from "../guard/server/types.js";
import { choosePolicy } from "../policy/choose.js";
import type { Policy } from "../policy/policy.js";
import { PRESETS, type HostFacts, type PresetName } from "../rules/types.js";
import type { GlobalOptions } from "./engine-options.js";

/**
 * `dockward guard`: dockerd's own flags mean the same here — `-H` is where to LISTEN, and
 * `--tlsverify --tlscacert --tlscert --tlskey` are the listener's CA and server certificate —
 * so a guard is set up the way a daemon is. The engine it protects is `--upstream`.
 */

interface GuardOptions {
  upstream?: string;
  policy?: string;
  preset?: PresetName;
  log?: string;
  admin?: string;
  bodyLimit?: string;
  graceSeconds: string;
}

/** `unix:///run/ci.sock?mode=0660&group=ci&name=ci&groups=deployer` */
function unixListener(url: URL, raw: string): ListenerSpec {
  const path = decodeURIComponent(url.pathname);
  if (path === "" || !path.startsWith("/")) {
    throw new DockwardError("USAGE", `-H ${raw}: a unix listener needs an absolute path`, {
      hint: "for example -H unix:///run/dockward.sock",
    });
  }
  const known = new Set(["mode", "group", "name", "groups"]);
  for (const key of url.searchParams.keys()) {
    if (!known.has(key)) {
      throw new DockwardError("USAGE", `-H ${raw}: unknown listener option "${key}"`, {
        hint: "unix listeners take ?mode=0660&group=NAME&name=IDENTITY",
      });
    }
  }
  const modeText = url.searchParams.get("mode");
  let mode: number | undefined;
  if (modeText !== null) {
    if (!/^0?[0-7]{3}$/.test(modeText)) {
      throw new DockwardError("USAGE", `-H ${raw}: mode=${modeText} is not an octal file mode`, {
        hint: "for example mode=0660 (owner and group may connect)",
      });
    }
    mode = Number.parseInt(modeText, 8);
  }
  const group = url.searchParams.get("group");
  const name = url.searchParams.get("name") ?? path;
  const groups = url.searchParams.get("groups");
  return {
    kind: "unix",
    path,
    identity: name,
    name,
    ...(mode !== undefined ? { mode } : {}),
    ...(group !== null ? { group: /^\d+$/.test(group) ? Number(group) : group } : {}),
    ...(groups !== null ? { groups: groups.split(",").filter((g) => g !== "") } : {}),
  };
}

function listenersFrom(globals: GlobalOptions): ListenerSpec[] {
  const hosts = globals.host ?? [];
  if (hosts.length === 0) {
    throw new DockwardError("USAGE", "the guard needs somewhere to listen", {
      hint: "give -H unix:///run/dockward.sock, or -H tcp://0.0.0.0:2376 with --tlsverify --tlscacert --tlscert --tlskey",
    });
  }
  return hosts.map((raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new DockwardError("USAGE", `-H ${raw} is not a listener address`, {
        hint: "write unix:///PATH or tcp://HOST:PORT",
      });
    }
    if (url.protocol === "unix:") return unixListener(url, raw);
    if (url.protocol !== "tcp:") {
      throw new DockwardError("USAGE", `-H ${raw}: the guard listens on unix:// or tcp:// only`, {
        hint: "reach a remote guard over tcp with mutual TLS; ssh needs no guard listener",
      });
    }
    if (globals.tlsverify !== true) {
      throw new DockwardError(
        "USAGE",
        `-H ${raw}: a tcp listener must use mutual TLS, and --tlsverify was not given`,
        {
          hint: "add --tlsverify --tlscacert ca.pem --tlscert server-cert.pem --tlskey server-key.pem (dockward tls can issue them); an open TCP socket hands out root",
        },
      );
    }
    const missing = (["tlscacert", "tlscert", "tlskey"] as const).filter(
      (k) => globals[k] === undefined,
    );
    if (missing.length > 0) {
      throw new DockwardError(
        "USAGE",
        `-H ${raw}: mutual TLS needs ${missing.map((m) => `--${m}`).join(", ")}`,
        {
          hint: "give the CA that signs client certificates and the guard's server certificate and key",
        },
      );
    }
    const port = Number(url.port === "" ? "2376" : url.port);
    return {
      kind: "tcp",
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port,
      name: raw,
      tls: {
        ca: globals.tlscacert ?? "",
        cert: globals.tlscert ?? "",
        key: globals.tlskey ?? "",
      },
    };
  });
}

/** The upstream: --upstream, else what DOCKER_HOST / the current context name (never -H: that is where the guard listens). */
function upstreamOf(opts: GuardOptions, globals: GlobalOptions): ResolvedEndpoint {
  return resolveEndpoint({
    flags: {
      context: opts.upstream === undefined ? globals.context : undefined,
      hosts: opts.upstream !== undefined ? [opts.upstream] : undefined,
    },
    env: process.env,
  });
}

const infoSchema = z.looseObject({
  SecurityOptions: z.optional(z.nullable(z.array(z.string()))),
});

/** What the engine says of itself: its API version (route layout) and AppArmor. */
async function engineFacts(
  endpoint: ResolvedEndpoint,
): Promise<{ apiVersion: string; host: HostFacts }> {
  const client = new EngineClient(endpoint, { timeoutMs: 10_000, interactive: false });
  try {
    const ping = await client.ping();
    const info = await client.json("GET", "/info", infoSchema);
    const reported = ping.apiVersion ?? "1.41";
    const apiVersion =
      compareApiVersions(reported, NEWEST_DAEMON_API_VERSION) > 0
        ? NEWEST_DAEMON_API_VERSION
        : compareApiVersions(reported, "1.41") < 0
          ? "1.41"
          : reported;
    return {
      apiVersion,
      host: {
        apparmor: summariseSecurity(parseSecurityOptions(info.SecurityOptions ?? [])).apparmor,
      },
    };
  } finally {
    client.close();
  }
}

function say(text: string): void {
  process.stderr.write(`dockward guard: ${text}\n`);
}

function describePolicy(p: Policy): string {
  return p.guard.configured
    ? `${p.source} (preset ${p.preset}, ${String(p.guard.identities.length)} identities)`
    : `${p.source} (preset ${p.preset}; no guard section: every authenticated client is a deployer)`;
}

function verifyLogCommand(): Command {
  return new Command("verify-log")
    .description(
      "check a guard decision log's hash chain: every line unedited, none removed or reordered",
    )
    .argument("<file>", "the decision log (--log FILE of `dockward guard`)")
    .option(
      "--head <hash>",
      "the last hash the guard printed or served (detects lines cut off the end)",
    )
    .addHelpText(
      "after",
      `
Exit 0 when the chain holds, 1 at the first broken line (printed with what is wrong there).

Example:
  dockward guard verify-log /var/log/dockward/decisions.log --head 3f9c…`,
    )
    .action((file: string, opts: { head?: string }) => {
      let content: string;
      try {
        content = readFileSync(file, "utf8");
      } catch (err) {
        throw new DockwardError("BAD_INPUT", `cannot read ${file}: ${errorMessage(err)}`, {
          hint: "give the path of a decision log written with `dockward guard --log FILE`",
        });
      }
      const r = verifyLogText(content, opts.head);
      if (r.ok) {
        process.stdout.write(
          `${file}: ${String(r.lines)} records, chain intact${r.firstSeq !== undefined && r.firstSeq > 0 ? ` (starts at record ${String(r.firstSeq)}: earlier records are not in this file)` : ""}; head ${r.head}\n`,
        );
        return;
      }
      process.stdout.write(
        `${file}:${String(r.brokenAt ?? 0)}: chain broken: ${r.problem ?? "?"}\n`,
      );
      process.exitCode = 1;
    });
}

export function guardCommand(): Command {
  const cmd = new Command("guard")
    .description(
      "guard a Docker engine: authenticate every client (mutual TLS or per-socket identity) and let each API request through only if the policy allows it",
    )
    .addOption(
      new Option(
        "--upstream <endpoint>",
        "the engine to protect: unix:///var/run/docker.sock, tcp://… (TLS from DOCKER_CERT_PATH) or ssh://… (default: DOCKER_HOST or the current context)",
      ),
    )
    .addOption(
      new Option(
        "--policy <file>",
        "policy file with rules, exceptions and guard roles (default ./dockward.yaml if present)",
      ),
    )
    .addOption(new Option("--preset <name>", "judge requests by this preset").choices(PRESETS))
    .addOption(
      new Option("--log <file>", "append one hash-chained JSON line per request (- for stdout)"),
    )
    .addOption(
      new Option(
        "--admin <address>",
        "serve /healthz and Prometheus /metrics here (127.0.0.1:9323 or unix:///PATH)",
      ),
    )
    .addOption(
      new Option("--body-limit <bytes>", "largest JSON body judged; larger ones get 413").default(
        String(DEFAULT_BODY_LIMIT),
      ),
    )
    .addOption(
      new Option(
        "--grace-seconds <n>",
        "on SIGTERM/SIGINT, let running requests and attached sessions finish this long",
      ).default("10"),
    )
    .addHelpText(
      "after",
      `
-H, --tlsverify, --tlscacert, --tlscert and --tlskey mean what they mean to dockerd: where the
guard LISTENS and its server TLS material. tcp listeners always use mutual TLS (a client
certificate signed by --tlscacert, with clientAuth); the client's identity is its certificate's
CN, its groups its O and OU. A unix listener's identity is its name; the socket's mode and group
decide who may connect: -H 'unix:///run/ci.sock?mode=0660&group=ci&name=ci'.

Without a guard section in the policy, every authenticated client is a deployer judged by the
preset. Denials reach the docker CLI as "Error response from daemon: dockward: denied by <rule>".
SIGHUP (or an edit of the policy file) reloads the policy; an invalid one is refused and the
old one stays.

Examples:
  dockward guard -H unix:///run/dockward.sock --upstream unix:///var/run/docker.sock --preset baseline
  dockward guard -H tcp://0.0.0.0:2376 --tlsverify --tlscacert ca.pem --tlscert server-cert.pem \\
      --tlskey server-key.pem --upstream unix:///var/run/docker.sock --policy dockward.yaml \\
      --log /var/log/dockward/decisions.log --admin 127.0.0.1:9323
  dockward guard verify-log /var/log/dockward/decisions.log`,
    )
    .action(async (opts: GuardOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const listeners = listenersFrom(globals);
      const bodyLimit = Number(opts.bodyLimit);
      if (!Number.isInteger(bodyLimit) || bodyLimit < 1024) {
        throw new DockwardError(
          "USAGE",
          `--body-limit ${opts.bodyLimit ?? ""} is not a byte count of at least 1024`,
          {
            hint: "for example --body-limit 4194304 (4 MiB)",
          },
        );
      }
      const graceMs = Number(opts.graceSeconds) * 1000;
      const cwd = process.cwd();
      const load = (): Policy => choosePolicy({ policy: opts.policy, preset: opts.preset }, cwd);
      const policy = load();
      const endpoint = upstreamOf(opts, globals);
      let facts: { apiVersion: string; host: HostFacts };
      try {
        facts = await engineFacts(endpoint);
      } catch (err) {
        if (isDockwardError(err)) {
          throw new DockwardError(
            "ENGINE_UNREACHABLE",
            `the upstream engine ${endpoint.host} does not answer: ${err.message}`,
            {
              hint: "start dockerd first, or point --upstream at it",
            },
          );
        }
        throw err;
      }
      const deciderFor = (p: Policy): Decider => {
        const o: DeciderOptions = {
          policy: p,
          daemonApiVersion: facts.apiVersion,
          host: facts.host,
          bodyLimit,
        };
        return createDecider(o);
      };
      const live = livePolicy(load, policy, deciderFor, watchedFile(opts.policy, policy));
      const log: LogSink | undefined =
        opts.log !== undefined ? openDecisionLog(opts.log) : undefined;
      const server = await startGuard({
        listeners,
        upstream: endpoint,
        decider: () => live.decider,
        ...(log !== undefined
          ? {
              onDecision: (r) => {
                log.write(r);
              },
              decisionLogHead: () => log.head(),
            }
          : {}),
        ...(opts.admin !== undefined ? { admin: { address: opts.admin } } : {}),
      });
      for (const a of server.addresses) {
        say(
          `listening on ${a.kind === "tcp" ? `tcp://${a.host}:${String(a.port)} (mutual TLS)` : `unix://${a.path}`}`,
        );
      }
      if (server.admin !== undefined) {
        const a = server.admin;
        say(
          `admin (/healthz, /metrics) on ${a.kind === "tcp" ? `http://${a.host}:${String(a.port)}` : `unix://${a.path}`}`,
        );
      }
      say(`upstream ${endpoint.host} (API ${facts.apiVersion}); policy ${describePolicy(policy)}`);

      await new Promise<void>((done) => {
        const stop = (signal: string): void => {
          say(`${signal}: closing (up to ${opts.graceSeconds}s for running requests and sessions)`);
          live.stop();
          void server.close({ graceMs }).then(() => {
            if (log !== undefined) {
              say(`decision log head ${log.head()}`);
              log.close();
            }
            done();
          });
        };
        process.once("SIGTERM", () => {
          stop("SIGTERM");
        });
        process.once("SIGINT", () => {
          stop("SIGINT");
        });
      });
    });
  cmd.addCommand(verifyLogCommand());
  return cmd;
}

/** The file to watch: --policy, or the ./dockward.yaml that was found. */
function watchedFile(flag: string | undefined, policy: Policy): string | undefined {
  return flag ?? (policy.source.endsWith("dockward.yaml") ? policy.source : undefined);
}

interface LivePolicy {
  /** the decider of the policy in force */
  readonly decider: Decider;
  stop(): void;
}

/**
 * The policy in force and its decider, reloaded on SIGHUP or an edit of `file`; an invalid
 * policy is refused, said with its place and fix, and the old one stays.
 */
function livePolicy(
  load: () => Policy,
  initial: Policy,
  deciderFor: (p: Policy) => Decider,
  file: string | undefined,
): LivePolicy {
  let decider = deciderFor(initial);
  const reload = (why: string): void => {
    try {
      const next = load();
      decider = deciderFor(next);
      say(`policy reloaded (${why}): ${describePolicy(next)}`);
    } catch (err) {
      say(
        `policy NOT reloaded (${why}), the previous one stays: ${isDockwardError(err) ? `${err.message}${err.hint !== undefined ? ` — fix: ${err.hint}` : ""}` : errorMessage(err)}`,
      );
    }
  };
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  if (file !== undefined) {
    try {
      // editors write in several steps: reload once they are done
      watcher = watch(resolve(file), () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          reload("file changed");
        }, 200);
      });
    } catch {
      say(`cannot watch ${file}; reload with SIGHUP`);
    }
  }
  const onHup = (): void => {
    reload("SIGHUP");
  };
  process.on("SIGHUP", onHup);
  return {
    get decider() {
      return decider;
    },
    stop() {
      clearTimeout(timer);
      watcher?.close();
      process.off("SIGHUP", onHup);
    },
  };
}

interface AuthzOptions {
  socket: string;
  policy?: string;
  preset?: PresetName;
  log?: string;
  daemonApiVersion: string;
  allowCertificatesWithoutEku?: boolean;
}

export function authzPluginCommand(): Command {
  return new Command("authz-plugin")
    .description(
      "serve the Docker AuthZ plugin protocol, so dockerd itself asks dockward about every request (same decision core as `dockward guard`)",
    )
    .addOption(
      new Option(
        "--socket <path>",
        "the plugin socket; its file name without .sock is the plugin name",
      ).default(DEFAULT_AUTHZ_SOCKET),
    )
    .addOption(new Option("--policy <file>", "policy file (default ./dockward.yaml if present)"))
    .addOption(new Option("--preset <name>", "judge requests by this preset").choices(PRESETS))
    .addOption(
      new Option("--log <file>", "append one hash-chained JSON line per request (- for stdout)"),
    )
    .addOption(
      new Option(
        "--daemon-api-version <v>",
        "the API version of the dockerd that asks (its route layout)",
      ).default("1.41"),
    )
    .addOption(
      new Option(
        "--allow-certificates-without-eku",
        "accept TLS client certificates that state no extended key usage",
      ),
    )
    .addHelpText(
      "after",
      `
Start the plugin first, then dockerd with --authorization-plugin=NAME (NAME = the socket's file
name without .sock). dockerd refuses every request while the plugin is down (fail closed).

Limits (docs/guard-authz.md): dockerd sends plugins JSON bodies under 1 MiB only, so a request
whose body did not arrive is denied; the daemon decodes the client's own bytes, so ambiguous
bodies (duplicate or case-variant keys) are denied rather than rewritten; every client of the
daemon's unix socket is one identity (listener authz).

Example:
  dockward authz-plugin --preset baseline --log /var/log/dockward/authz.log &
  dockerd --authorization-plugin=dockward`,
    )
    .action(async (opts: AuthzOptions) => {
      const v = opts.daemonApiVersion;
      if (
        !/^\d+\.\d+$/.test(v) ||
        compareApiVersions(v, "1.41") < 0 ||
        compareApiVersions(v, NEWEST_DAEMON_API_VERSION) > 0
      ) {
        throw new DockwardError(
          "USAGE",
          `--daemon-api-version ${v} is not a version from 1.41 to ${NEWEST_DAEMON_API_VERSION}`,
          { hint: "give the API version `docker version` reports for the server" },
        );
      }
      const cwd = process.cwd();
      const load = (): Policy => choosePolicy({ policy: opts.policy, preset: opts.preset }, cwd);
      const deciderFor = (p: Policy): Decider =>
        createDecider({
          policy: p,
          daemonApiVersion: v,
          host: { apparmor: kernelHasAppArmor() },
        });
      const policy = load();
      say(`policy ${describePolicy(policy)}`);
      const live = livePolicy(load, policy, deciderFor, watchedFile(opts.policy, policy));
      try {
        await runAuthzPlugin({
          socket: opts.socket,
          decider: () => live.decider,
          ...(opts.log !== undefined ? { log: opts.log } : {}),
          ...(opts.allowCertificatesWithoutEku === true
            ? { allowCertificatesWithoutEku: true }
            : {}),
        });
      } finally {
        live.stop();
      }
    });
}
