import { type LogSink, openDecisionLog } from "../decision-log.js";
import { GuardMetrics } from "../server/metrics.js";
import type { Decider } from "../server/types.js";
import { type AuthzPlugin, startAuthzPlugin } from "./plugin.js";
import { DEFAULT_AUTHZ_SOCKET, discoverableByName } from "./protocol.js";

/**
 * `dockward authz-plugin`, ready for the CLI to call with parsed flags: start the plugin, say
 * how to point dockerd at it, run until SIGINT or SIGTERM (or `signal`), stop, and print the
 * decision log's head hash.
 */

export interface AuthzPluginCommandOptions {
  /** --socket PATH; default /run/docker/plugins/dockward.sock */
  socket?: string;
  decider: Decider | (() => Decider);
  /** --log FILE (`-` for stdout): the hash-chained decision log; default none */
  log?: string;
  /** --allow-certificates-without-eku */
  allowCertificatesWithoutEku?: boolean;
  /** status lines; default stderr */
  print?: (line: string) => void;
  /** stops the plugin when aborted; default: the first SIGINT or SIGTERM */
  signal?: AbortSignal;
  /** called once the plugin listens (tests, or a CLI that also serves metrics) */
  onStarted?: (plugin: AuthzPlugin, metrics: GuardMetrics) => void;
}

/** How to point dockerd at the plugin, one line each. */
export function setupHints(socket: string, name: string): string[] {
  const lines = [
    `start dockerd with --authorization-plugin=${name} (or "authorization-plugins": ["${name}"] in daemon.json), after this plugin is up`,
  ];
  if (!discoverableByName(socket, name))
    lines.push(
      `dockerd finds plugins by name only in /run/docker/plugins: write unix://${socket} into /etc/docker/plugins/${name}.spec`,
    );
  return lines;
}

function signals(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const stop = (): void => {
    controller.abort();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    },
  };
}

/** Run the plugin until stopped. Throws a DockwardError when it cannot start. */
export async function runAuthzPlugin(options: AuthzPluginCommandOptions): Promise<void> {
  const print =
    options.print ??
    ((line: string): void => {
      process.stderr.write(`${line}\n`);
    });
  const socket = options.socket ?? DEFAULT_AUTHZ_SOCKET;
  const log: LogSink | undefined =
    options.log === undefined ? undefined : openDecisionLog(options.log);
  const metrics = new GuardMetrics();
  const stop = options.signal === undefined ? signals() : undefined;
  const signal = options.signal ?? stop?.signal;
  try {
    const plugin = await startAuthzPlugin({
      socket,
      decider: options.decider,
      metrics,
      ...(log !== undefined
        ? {
            onDecision: (r) => {
              log.write(r);
            },
          }
        : {}),
      ...(options.allowCertificatesWithoutEku === true
        ? { allowCertificatesWithoutEku: true }
        : {}),
    });
    print(`dockward: authz plugin "${plugin.name}" listening on ${plugin.socket}`);
    for (const line of setupHints(plugin.socket, plugin.name)) print(`  ${line}`);
    options.onStarted?.(plugin, metrics);
    if (signal !== undefined && !signal.aborted)
      await new Promise<void>((resolve) => {
        signal.addEventListener(
          "abort",
          () => {
            resolve();
          },
          { once: true },
        );
      });
    await plugin.close();
    print(
      `dockward: authz plugin "${plugin.name}" stopped: dockerd refuses every request until it is back`,
    );
  } finally {
    stop?.dispose();
    if (log !== undefined) {
      print(`dockward: decision log head ${log.head()}`);
      log.close();
    }
  }
}
