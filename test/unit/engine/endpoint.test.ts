import { describe, expect, it } from "vitest";
import { contextDirName, type FileReader } from "../../../src/engine/context-store.js";
import { type EndpointFlags, resolveEndpoint } from "../../../src/engine/endpoint.js";
import { DockwardError } from "../../../src/errors.js";

const CFG = "/cfg";

function meta(name: string, host: string, skipTLSVerify = false): [string, string] {
  return [
    `${CFG}/contexts/meta/${contextDirName(name)}/meta.json`,
    JSON.stringify({
      Name: name,
      Metadata: {},
      Endpoints: { docker: { Host: host, SkipTLSVerify: skipTLSVerify } },
    }),
  ];
}

function files(entries: Record<string, string>): FileReader {
  return { read: (p) => entries[p], exists: (p) => p in entries };
}

const store = files(
  Object.fromEntries([
    meta("ctx-flag", "unix:///ctx-flag.sock"),
    meta("ctx-env", "unix:///ctx-env.sock"),
    meta("ctx-current", "unix:///ctx-current.sock"),
    meta("ctx-tls", "tcp://10.0.0.9:2376"),
    meta("ctx-skip", "tcp://10.0.0.8:2376", true),
    [`${CFG}/contexts/tls/${contextDirName("ctx-tls")}/docker/ca.pem`, "CA"],
    [`${CFG}/contexts/tls/${contextDirName("ctx-tls")}/docker/cert.pem`, "CERT"],
    [`${CFG}/contexts/tls/${contextDirName("ctx-tls")}/docker/key.pem`, "KEY"],
    [`${CFG}/config.json`, JSON.stringify({ currentContext: "ctx-current", auths: {} })],
    ["/certs/ca.pem", "CA"],
    ["/certs/cert.pem", "C"],
    ["/certs/key.pem", "K"],
  ]),
);

function resolve(flags: EndpointFlags, env: Record<string, string>, reader = store) {
  return resolveEndpoint({ flags, env: { DOCKER_CONFIG: CFG, ...env }, files: reader });
}

describe("endpoint precedence: --context > -H > DOCKER_HOST > DOCKER_CONTEXT > currentContext", () => {
  it.each<[string, EndpointFlags, Record<string, string>, string, string, string]>([
    [
      "--context beats everything",
      { context: "ctx-flag" },
      { DOCKER_HOST: "unix:///env.sock", DOCKER_CONTEXT: "ctx-env" },
      "ctx-flag",
      "unix:///ctx-flag.sock",
      "--context",
    ],
    [
      "-H beats env and config",
      { hosts: ["unix:///flag.sock"] },
      { DOCKER_HOST: "unix:///env.sock", DOCKER_CONTEXT: "ctx-env" },
      "default",
      "unix:///flag.sock",
      "--host",
    ],
    [
      "DOCKER_HOST beats DOCKER_CONTEXT",
      {},
      { DOCKER_HOST: "unix:///env.sock", DOCKER_CONTEXT: "ctx-env" },
      "default",
      "unix:///env.sock",
      "DOCKER_HOST",
    ],
    [
      "DOCKER_CONTEXT beats currentContext",
      {},
      { DOCKER_CONTEXT: "ctx-env" },
      "ctx-env",
      "unix:///ctx-env.sock",
      "DOCKER_CONTEXT",
    ],
    [
      "currentContext from config.json",
      {},
      {},
      "ctx-current",
      "unix:///ctx-current.sock",
      "currentContext",
    ],
    [
      "empty DOCKER_HOST counts as unset",
      {},
      { DOCKER_HOST: "", DOCKER_CONTEXT: "ctx-env" },
      "ctx-env",
      "unix:///ctx-env.sock",
      "DOCKER_CONTEXT",
    ],
    [
      "DOCKER_CONTEXT=default means the env/flags endpoint",
      {},
      { DOCKER_CONTEXT: "default" },
      "default",
      "unix:///var/run/docker.sock",
      "DOCKER_CONTEXT",
    ],
    [
      "--context default ignores currentContext",
      { context: "default" },
      {},
      "default",
      "unix:///var/run/docker.sock",
      "--context",
    ],
  ])("%s", (_name, flags, env, context, host, source) => {
    const ep = resolve(flags, env);
    expect(ep.context).toBe(context);
    expect(ep.host).toBe(host);
    expect(ep.source).toBe(source);
  });

  it("falls back to the built-in default without config.json", () => {
    const ep = resolve({}, {}, files({}));
    expect(ep).toMatchObject({
      context: "default",
      host: "unix:///var/run/docker.sock",
      source: "built-in default",
      tls: undefined,
    });
  });

  it("refuses --context together with -H, as the docker CLI does", () => {
    expect(() => resolve({ context: "ctx-flag", hosts: ["unix:///x"] }, {})).toThrow(
      /conflicting options/,
    );
  });

  it("refuses two -H flags", () => {
    expect(() => resolve({ hosts: ["unix:///a", "unix:///b"] }, {})).toThrow(/given 2 times/);
  });
});

describe("TLS settings", () => {
  it("a stored context with TLS files verifies with them", () => {
    const ep = resolve({ context: "ctx-tls" }, {});
    expect(ep.tls).toEqual({
      verify: true,
      ca: `${CFG}/contexts/tls/${contextDirName("ctx-tls")}/docker/ca.pem`,
      cert: `${CFG}/contexts/tls/${contextDirName("ctx-tls")}/docker/cert.pem`,
      key: `${CFG}/contexts/tls/${contextDirName("ctx-tls")}/docker/key.pem`,
    });
  });

  it("SkipTLSVerify alone turns TLS on without verification", () => {
    expect(resolve({ context: "ctx-skip" }, {}).tls).toEqual({
      verify: false,
      ca: undefined,
      cert: undefined,
      key: undefined,
    });
  });

  it("a stored context ignores the TLS flags", () => {
    expect(resolve({ context: "ctx-flag", tlsVerify: true }, {}).tls).toBeUndefined();
  });

  it("any non-empty DOCKER_TLS_VERIFY means verify, even 0", () => {
    const ep = resolve(
      {},
      { DOCKER_HOST: "tcp://h:2376", DOCKER_TLS_VERIFY: "0", DOCKER_CERT_PATH: "/certs" },
    );
    expect(ep.tls).toEqual({
      verify: true,
      ca: "/certs/ca.pem",
      cert: "/certs/cert.pem",
      key: "/certs/key.pem",
    });
  });

  it("--tlsverify without a host defaults to tcp://localhost:2376", () => {
    const ep = resolve(
      { tlsVerify: true, tlsCaCert: "/certs/ca.pem" },
      { DOCKER_CERT_PATH: "/nowhere" },
      files({ "/certs/ca.pem": "CA" }),
    );
    expect(ep.host).toBe("tcp://localhost:2376");
    expect(ep.tls).toEqual({ verify: true, ca: "/certs/ca.pem", cert: undefined, key: undefined });
  });

  it("--tls alone does not verify and needs no CA", () => {
    const ep = resolve({ tls: true, hosts: ["tcp://h:2376"] }, { DOCKER_CERT_PATH: "/nowhere" });
    expect(ep.tls).toEqual({ verify: false, ca: undefined, cert: undefined, key: undefined });
  });

  it("--tlsverify=false still means TLS (the flag was given), without verification", () => {
    const ep = resolve(
      { tlsVerify: false, hosts: ["tcp://h:2376"] },
      { DOCKER_CERT_PATH: "/certs" },
    );
    expect(ep.tls?.verify).toBe(false);
  });

  it.each<[string, EndpointFlags, Record<string, string>, RegExp]>([
    [
      "a missing CA with verification",
      { tlsVerify: true, hosts: ["tcp://h:1"] },
      { DOCKER_CERT_PATH: "/nowhere" },
      /CA certificate \/nowhere\/ca\.pem/,
    ],
    [
      "an explicit missing --tlscert",
      {
        tlsVerify: true,
        hosts: ["tcp://h:1"],
        tlsCaCert: "/certs/ca.pem",
        tlsCert: "/x.pem",
        tlsKey: "/certs/key.pem",
      },
      {},
      /client certificate \/x\.pem \(from --tlscert\)/,
    ],
    [
      "a key without its certificate",
      {
        tlsVerify: true,
        hosts: ["tcp://h:1"],
        tlsCaCert: "/certs/ca.pem",
        tlsKey: "/certs/key.pem",
      },
      { DOCKER_CERT_PATH: "/nowhere" },
      /found .*key\.pem.* but not its certificate/,
    ],
  ])("reports %s", (_name, flags, env, message) => {
    let caught: unknown;
    try {
      resolve(flags, env);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DockwardError);
    expect((caught as DockwardError).code).toBe("TLS_FILES");
    expect((caught as DockwardError).message).toMatch(message);
  });
});

describe("bad context store input", () => {
  it.each<[string, Record<string, string>, EndpointFlags, Record<string, string>, string, RegExp]>([
    [
      "a context that does not exist",
      {},
      { context: "nope" },
      {},
      "CONTEXT_NOT_FOUND",
      /context "nope" \(from --context\) does not exist/,
    ],
    [
      "an invalid context name",
      {},
      { context: "-bad" },
      {},
      "CONTEXT_NOT_FOUND",
      /not a valid context name/,
    ],
    [
      "a corrupt meta.json",
      Object.fromEntries([[meta("broken", "x")[0], "{not json"]]),
      { context: "broken" },
      {},
      "CONTEXT_INVALID",
      /meta\.json is not valid JSON/,
    ],
    [
      "a meta.json of the wrong shape",
      Object.fromEntries([
        [
          meta("shape", "x")[0],
          JSON.stringify({ Name: "shape", Endpoints: { docker: { Host: 5 } } }),
        ],
      ]),
      { context: "shape" },
      {},
      "CONTEXT_INVALID",
      /at \/Endpoints\/docker\/Host/,
    ],
    [
      "a context without a docker endpoint",
      Object.fromEntries([
        [meta("empty", "x")[0], JSON.stringify({ Name: "empty", Endpoints: {} })],
      ]),
      { context: "empty" },
      {},
      "CONTEXT_INVALID",
      /no docker endpoint host/,
    ],
    [
      "a currentContext that is gone",
      { [`${CFG}/config.json`]: '{"currentContext":"gone"}' },
      {},
      {},
      "CONTEXT_NOT_FOUND",
      /context "gone" \(from currentContext in \/cfg\/config\.json\)/,
    ],
    [
      "a corrupt config.json",
      { [`${CFG}/config.json`]: "{" },
      {},
      {},
      "CONFIG_INVALID",
      /config\.json is not valid JSON/,
    ],
    [
      "a malformed DOCKER_HOST",
      {},
      {},
      { DOCKER_HOST: "tcp://h:99999" },
      "ENDPOINT_INVALID",
      /DOCKER_HOST "tcp:\/\/h:99999"/,
    ],
  ])("%s", (_name, entries, flags, env, code, message) => {
    let caught: unknown;
    try {
      resolve(flags, env, files(entries));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DockwardError);
    expect((caught as DockwardError).code).toBe(code);
    expect((caught as DockwardError).message).toMatch(message);
    expect((caught as DockwardError).hint).toBeTruthy();
  });
});
