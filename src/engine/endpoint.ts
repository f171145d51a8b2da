import { join } from "node:path";
import { DockwardError } from "../errors.js";
import {
  ContextStore,
  DEFAULT_CONTEXT,
  type FileReader,
  configDir,
  realFiles,
} from "./context-store.js";
import { normaliseHost } from "./host.js";

/**
 * Which engine to talk to, decided exactly as the docker CLI decides (cli/command/cli.go):
 *
 *   --context  >  -H/--host  >  DOCKER_HOST  >  DOCKER_CONTEXT  >  currentContext  >  default
 *
 * `-H` and `--context` together are an error. The "default" context is built from -H /
 * DOCKER_HOST and the TLS flags/env; a stored context carries its own host and TLS files and
 * ignores the TLS flags. This module is pure apart from reading the context store through an
 * injected FileReader.
 */

export interface EndpointFlags {
  context?: string | undefined;
  hosts?: readonly string[] | undefined;
  /** --tls given (value) */
  tls?: boolean | undefined;
  /** --tlsverify given (value); undefined when the flag was not given */
  tlsVerify?: boolean | undefined;
  tlsCaCert?: string | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
}

export type EndpointSource =
  "--context" | "--host" | "DOCKER_HOST" | "DOCKER_CONTEXT" | "currentContext" | "built-in default";

export interface TlsSettings {
  /** verify the server certificate against `ca` (false = --tls without --tlsverify, or SkipTLSVerify) */
  verify: boolean;
  ca: string | undefined;
  cert: string | undefined;
  key: string | undefined;
}

export interface ResolvedEndpoint {
  /** "default" or the name of a stored context */
  context: string;
  host: string;
  source: EndpointSource;
  /** a sentence saying why this endpoint was chosen */
  reason: string;
  tls: TlsSettings | undefined;
  configDir: string;
  /** DOCKER_API_VERSION, when pinned */
  apiVersion: string | undefined;
}

export interface ResolveInput {
  flags: EndpointFlags;
  env: Readonly<Record<string, string | undefined>>;
  home?: string;
  files?: FileReader;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

export function resolveEndpoint(input: ResolveInput): ResolvedEndpoint {
  const { flags, env } = input;
  const files = input.files ?? realFiles;
  const dir = configDir(env, input.home);
  const store = new ContextStore(dir, files);
  const hosts = flags.hosts ?? [];
  const apiVersion = nonEmpty(env.DOCKER_API_VERSION);

  if (flags.context !== undefined && hosts.length > 0) {
    throw new DockwardError(
      "ENDPOINT_CONFLICT",
      "conflicting options: both --host and --context were given",
      { hint: "give one of them: --context NAME or -H HOST" },
    );
  }
  if (hosts.length > 1) {
    throw new DockwardError("USAGE", `-H/--host was given ${hosts.length} times`, {
      hint: "a client talks to one engine: give -H once (audit a fleet with `dockward audit`)",
    });
  }

  let name: string;
  let source: EndpointSource;
  let reason: string;
  const envHost = nonEmpty(env.DOCKER_HOST);
  const envContext = nonEmpty(env.DOCKER_CONTEXT);
  if (flags.context !== undefined) {
    name = flags.context;
    source = "--context";
    reason = `--context ${name}`;
  } else if (hosts.length > 0) {
    name = DEFAULT_CONTEXT;
    source = "--host";
    reason = "-H/--host flag";
  } else if (envHost !== undefined) {
    name = DEFAULT_CONTEXT;
    source = "DOCKER_HOST";
    reason = "DOCKER_HOST is set";
    if (envContext !== undefined) reason += ` (it overrides DOCKER_CONTEXT=${envContext})`;
  } else if (envContext !== undefined) {
    name = envContext;
    source = "DOCKER_CONTEXT";
    reason = `DOCKER_CONTEXT=${envContext}`;
  } else {
    const current = store.currentContext();
    if (current !== undefined) {
      name = current;
      source = "currentContext";
      reason = `currentContext "${current}" in ${store.configPath}`;
    } else {
      name = DEFAULT_CONTEXT;
      source = "built-in default";
      reason = "no flag, DOCKER_HOST, DOCKER_CONTEXT or currentContext is set";
    }
  }

  if (name !== DEFAULT_CONTEXT) {
    const via =
      source === "--context"
        ? "--context"
        : source === "DOCKER_CONTEXT"
          ? "DOCKER_CONTEXT"
          : `currentContext in ${store.configPath}`;
    const ctx = store.load(name, via);
    const host = normaliseHost(ctx.host, false, `context "${name}" host`);
    const hasFiles =
      ctx.tls.ca !== undefined || ctx.tls.cert !== undefined || ctx.tls.key !== undefined;
    if ((ctx.tls.cert === undefined) !== (ctx.tls.key === undefined)) {
      throw new DockwardError(
        "TLS_FILES",
        `context "${name}": ${store.tlsDir(name)} has ${ctx.tls.cert === undefined ? "key.pem but no cert.pem" : "cert.pem but no key.pem"}`,
        {
          hint: `re-create the context's TLS material (docker context update ${name} --docker ca=..,cert=..,key=..)`,
        },
      );
    }
    const tls =
      hasFiles || ctx.skipTLSVerify
        ? { verify: !ctx.skipTLSVerify, ca: ctx.tls.ca, cert: ctx.tls.cert, key: ctx.tls.key }
        : undefined;
    return {
      context: name,
      host,
      source,
      reason: `${reason} → context "${name}"`,
      tls,
      configDir: dir,
      apiVersion,
    };
  }

  // The default context: -H / DOCKER_HOST plus the TLS flags and environment.
  const verifyFromEnv = nonEmpty(env.DOCKER_TLS_VERIFY) !== undefined;
  const verify = flags.tlsVerify ?? verifyFromEnv;
  const tlsOn =
    (flags.tls ?? nonEmpty(env.DOCKER_TLS) !== undefined) ||
    flags.tlsVerify !== undefined ||
    verify;
  const certPath = nonEmpty(env.DOCKER_CERT_PATH) ?? dir;
  let tls: TlsSettings | undefined;
  if (tlsOn) {
    const caFile = flags.tlsCaCert ?? join(certPath, "ca.pem");
    const certFile = flags.tlsCert ?? join(certPath, "cert.pem");
    const keyFile = flags.tlsKey ?? join(certPath, "key.pem");
    const need = (
      file: string,
      what: string,
      flag: string,
      explicit: boolean,
    ): string | undefined => {
      if (files.exists(file)) return file;
      if (!explicit) return undefined;
      throw new DockwardError("TLS_FILES", `${what} ${file} (from ${flag}) does not exist`, {
        hint: `point ${flag} at an existing PEM file, or make one with \`dockward tls\``,
      });
    };
    const ca = verify
      ? need(
          caFile,
          "CA certificate",
          flags.tlsCaCert !== undefined ? "--tlscacert" : "DOCKER_CERT_PATH",
          true,
        )
      : files.exists(caFile)
        ? caFile
        : undefined;
    const cert = need(certFile, "client certificate", "--tlscert", flags.tlsCert !== undefined);
    const key = need(keyFile, "client key", "--tlskey", flags.tlsKey !== undefined);
    if ((cert === undefined) !== (key === undefined)) {
      throw new DockwardError(
        "TLS_FILES",
        `a client ${cert === undefined ? "key" : "certificate"} was found (${cert ?? key ?? ""}) but not its ${cert === undefined ? "certificate" : "key"}`,
        { hint: "give both --tlscert and --tlskey, or neither" },
      );
    }
    tls = { verify, ca, cert, key };
  }
  const rawHost = hosts[0] ?? envHost ?? "";
  const hostSource =
    hosts.length > 0 ? "-H/--host" : envHost !== undefined ? "DOCKER_HOST" : "default host";
  const host = normaliseHost(rawHost, tls !== undefined, hostSource);
  if (tls !== undefined && !host.startsWith("tcp://")) {
    // The docker CLI ignores TLS settings for unix and ssh hosts; so do we, but say so.
    tls = undefined;
  }
  return { context: DEFAULT_CONTEXT, host, source, reason, tls, configDir: dir, apiVersion };
}
