import { execFileSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkContextName } from "../../../src/contexts/names.js";
import {
  contextPaths,
  metaJson,
  removeContext,
  setCurrentContext,
  writeContext,
} from "../../../src/contexts/store-writer.js";
import { type TlsMaterial, validateTlsMaterial } from "../../../src/contexts/tls-material.js";
import { inspectContext, listContexts } from "../../../src/contexts/view.js";
import { ContextStore, contextDirName } from "../../../src/engine/context-store.js";
import { resolveEndpoint } from "../../../src/engine/endpoint.js";
import { DockwardError } from "../../../src/errors.js";

function openssl(args: readonly string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

let pki: string;
let material: TlsMaterial;

beforeAll(() => {
  pki = mkdtempSync(join(tmpdir(), "dw-ctx-pki-"));
  const p = (f: string): string => join(pki, f);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl(
    ["req", "-x509", ...ec, "-keyout", p("ca-key.pem"), "-out", p("ca.pem")].concat([
      "-days",
      "2",
      "-subj",
      "/CN=test-ca",
    ]),
  );
  openssl(["req", ...ec, "-keyout", p("key.pem"), "-out", p("client.csr"), "-subj", "/CN=client"]);
  openssl(
    ["x509", "-req", "-in", p("client.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca-key.pem")].concat([
      "-CAcreateserial",
      "-days",
      "2",
      "-out",
      p("cert.pem"),
    ]),
  );
  openssl([
    "genpkey",
    "-algorithm",
    "EC",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-out",
    p("other-key.pem"),
  ]);
  openssl([
    "pkey",
    "-in",
    p("key.pem"),
    "-aes256",
    "-passout",
    "pass:secret",
    "-out",
    p("enc-key.pem"),
  ]);
  material = {
    "ca.pem": readFileSync(p("ca.pem")),
    "cert.pem": readFileSync(p("cert.pem")),
    "key.pem": readFileSync(p("key.pem")),
  };
  return () => {
    rmSync(pki, { recursive: true, force: true });
  };
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "dw-ctx-store-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const mode = (path: string): number => statSync(path).mode & 0o777;

function codeOf(fn: () => unknown): { code: string; exit: number } {
  try {
    fn();
  } catch (err) {
    if (err instanceof DockwardError) return { code: err.code, exit: err.exitCode };
    throw err;
  }
  throw new Error("expected a DockwardError");
}

describe("context names", () => {
  it.each(["ab", "prod", "prod-1", "a.b_c+d", "9x", "Build.Server"])("accepts %s", (name) => {
    expect(checkContextName(name)).toBe(name);
  });
  it.each(["default", "a", "", "-x", ".hidden", "_x", "a/b", "a b", "ä1", "x:y", "../up"])(
    "refuses %j with exit 2",
    (name) => {
      expect(codeOf(() => checkContextName(name))).toEqual({ code: "BAD_INPUT", exit: 2 });
    },
  );
});

describe("TLS material", () => {
  it("accepts a CA, a client certificate and its key", () => {
    expect(() => {
      validateTlsMaterial(pki, material);
    }).not.toThrow();
  });
  it.each([
    [
      "a key that belongs to another certificate",
      { "key.pem": "other-key.pem" },
      /does not belong/,
    ],
    ["an encrypted key", { "key.pem": "enc-key.pem" }, /encrypted/],
    ["a CA file without a certificate", { "ca.pem": "key.pem" }, /no PEM certificate/],
    ["a key in place of the certificate", { "cert.pem": "key.pem" }, /not a PEM certificate/],
  ])("refuses %s (exit 2)", (_what, swap: Record<string, string>, message) => {
    const bad: TlsMaterial = { ...material };
    for (const [slot, file] of Object.entries(swap)) {
      bad[slot as keyof TlsMaterial] = readFileSync(join(pki, file));
    }
    let err: unknown;
    try {
      validateTlsMaterial(pki, bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DockwardError);
    expect((err as DockwardError).message).toMatch(message);
    expect((err as DockwardError).exitCode).toBe(2);
  });
});

describe("writing contexts", () => {
  it("writes docker's exact meta.json, layout and modes", () => {
    const paths = writeContext(dir, {
      name: "prod",
      description: "the prod engine",
      host: "tcp://10.0.0.5:2376",
      tls: material,
    });
    const hash = contextDirName("prod");
    expect(paths.metaFile).toBe(join(dir, "contexts", "meta", hash, "meta.json"));
    expect(readFileSync(paths.metaFile, "utf8")).toBe(
      '{"Name":"prod","Metadata":{"Description":"the prod engine"},"Endpoints":{"docker":{"Host":"tcp://10.0.0.5:2376","SkipTLSVerify":false}}}',
    );
    expect(mode(paths.metaDir)).toBe(0o755);
    expect(mode(paths.metaFile)).toBe(0o644);
    expect(mode(paths.tlsRoot)).toBe(0o700);
    expect(mode(paths.tlsDockerDir)).toBe(0o700);
    expect(readdirSync(paths.tlsDockerDir).sort()).toEqual(["ca.pem", "cert.pem", "key.pem"]);
    for (const f of ["ca.pem", "cert.pem", "key.pem"] as const) {
      expect(mode(join(paths.tlsDockerDir, f))).toBe(0o600);
      expect(readFileSync(join(paths.tlsDockerDir, f))).toEqual(material[f]);
    }
    // nothing but meta/ and tls/ is left in contexts/ (no staging directories)
    expect(readdirSync(join(dir, "contexts")).sort()).toEqual(["meta", "tls"]);
  });

  it("round-trips through the reader the endpoint resolver uses", () => {
    writeContext(dir, {
      name: "prod",
      description: undefined,
      host: "tcp://h:2376",
      tls: material,
    });
    writeContext(dir, { name: "build", description: "b", host: "ssh://me@b", tls: undefined });
    const store = new ContextStore(dir);
    expect(store.list()).toEqual(["build", "prod"]);
    const prod = store.load("prod", "test");
    expect(prod).toMatchObject({
      host: "tcp://h:2376",
      description: undefined,
      skipTLSVerify: false,
    });
    expect(prod.tls.key).toBe(join(contextPaths(dir, "prod").tlsDockerDir, "key.pem"));
    const ep = resolveEndpoint({ flags: { context: "prod" }, env: { DOCKER_CONFIG: dir } });
    expect(ep.tls).toMatchObject({ verify: true });
    expect(store.load("build", "test").tls).toEqual({
      ca: undefined,
      cert: undefined,
      key: undefined,
    });
    expect(metaJson({ name: "x", description: undefined, host: "ssh://h", tls: undefined })).toBe(
      '{"Name":"x","Metadata":{},"Endpoints":{"docker":{"Host":"ssh://h","SkipTLSVerify":false}}}',
    );
  });

  it("refuses an existing name unless forced, and --force replaces TLS material too", () => {
    writeContext(dir, { name: "prod", description: "old", host: "tcp://h:2376", tls: material });
    expect(
      codeOf(() =>
        writeContext(dir, { name: "prod", description: "new", host: "ssh://h", tls: undefined }),
      ),
    ).toEqual({ code: "BAD_INPUT", exit: 2 });
    expect(new ContextStore(dir).load("prod", "t").description).toBe("old");
    writeContext(
      dir,
      { name: "prod", description: "new", host: "ssh://h", tls: undefined },
      { force: true },
    );
    const ctx = new ContextStore(dir).load("prod", "t");
    expect(ctx).toMatchObject({ description: "new", host: "ssh://h" });
    expect(ctx.tls.ca).toBeUndefined();
    expect(readdirSync(join(dir, "contexts")).sort()).toEqual(["meta", "tls"]);
  });

  it("a failure before the commit leaves nothing behind", () => {
    expect(() =>
      writeContext(
        dir,
        { name: "prod", description: undefined, host: "tcp://h:2376", tls: material },
        {
          force: false,
          hooks: {
            beforeCommit: () => {
              throw new Error("disk full");
            },
          },
        },
      ),
    ).toThrow(/disk full/);
    expect(readdirSync(join(dir, "contexts", "meta"))).toEqual([]);
    expect(readdirSync(join(dir, "contexts", "tls"))).toEqual([]);
    expect(readdirSync(join(dir, "contexts")).sort()).toEqual(["meta", "tls"]);
  });

  it("a failed --force replacement keeps the old context", () => {
    writeContext(dir, { name: "prod", description: "old", host: "tcp://h:2376", tls: material });
    expect(() =>
      writeContext(
        dir,
        { name: "prod", description: "new", host: "ssh://h", tls: undefined },
        {
          force: true,
          hooks: {
            beforeCommit: () => {
              throw new Error("crash");
            },
          },
        },
      ),
    ).toThrow(/crash/);
    const ctx = new ContextStore(dir).load("prod", "t");
    expect(ctx.description).toBe("old");
    expect(ctx.tls.key).toBeDefined();
  });

  it("a failure between the TLS and the meta rename rolls both back", () => {
    writeContext(dir, { name: "prod", description: "old", host: "ssh://h", tls: undefined });
    const fail = {
      afterTlsCommit: () => {
        throw new Error("crash");
      },
    };
    expect(() =>
      writeContext(
        dir,
        { name: "prod", description: "new", host: "tcp://h:1", tls: material },
        { force: true, hooks: fail },
      ),
    ).toThrow(/crash/);
    expect(readdirSync(join(dir, "contexts", "tls"))).toEqual([]);
    expect(new ContextStore(dir).load("prod", "t")).toMatchObject({
      description: "old",
      host: "ssh://h",
    });
    expect(readdirSync(join(dir, "contexts")).sort()).toEqual(["meta", "tls"]);
  });

  it("stale TLS files left without a meta.json are not inherited by a new context", () => {
    const paths = contextPaths(dir, "prod");
    mkdirSync(paths.tlsDockerDir, { recursive: true });
    writeFileSync(join(paths.tlsDockerDir, "ca.pem"), "stale");
    writeContext(dir, { name: "prod", description: undefined, host: "ssh://h", tls: undefined });
    expect(new ContextStore(dir).load("prod", "t").tls.ca).toBeUndefined();
  });

  it("an unwritable store is a typed error, not a stack trace", () => {
    if (process.getuid?.() === 0) return; // root writes anywhere
    chmodSync(dir, 0o500);
    expect(
      codeOf(() =>
        writeContext(dir, {
          name: "prod",
          description: undefined,
          host: "ssh://h",
          tls: undefined,
        }),
      ).code,
    ).toBe("CONFIG_INVALID");
  });

  it("removes a context and its TLS files", () => {
    writeContext(dir, {
      name: "prod",
      description: undefined,
      host: "tcp://h:2376",
      tls: material,
    });
    removeContext(dir, "prod");
    expect(readdirSync(join(dir, "contexts", "meta"))).toEqual([]);
    expect(readdirSync(join(dir, "contexts", "tls"))).toEqual([]);
    expect(readdirSync(join(dir, "contexts")).sort()).toEqual(["meta", "tls"]);
  });
});

describe("config.json currentContext", () => {
  it("sets and removes currentContext, keeping every other key and the file mode", () => {
    const config = join(dir, "config.json");
    const before = {
      auths: { "registry.example": { auth: "dXNlcjpwYXNz" } },
      credsStore: "pass",
      currentContext: "old",
      plugins: { x: { y: "z" } },
      detachKeys: "ctrl-e,e",
    };
    writeFileSync(config, JSON.stringify(before), { mode: 0o640 });
    chmodSync(config, 0o640);
    setCurrentContext(dir, "prod");
    expect(JSON.parse(readFileSync(config, "utf8"))).toEqual({ ...before, currentContext: "prod" });
    expect(Object.keys(JSON.parse(readFileSync(config, "utf8")) as object)).toEqual(
      Object.keys(before),
    );
    expect(mode(config)).toBe(0o640);
    expect(new ContextStore(dir).currentContext()).toBe("prod");
    setCurrentContext(dir, undefined);
    const rest: Record<string, unknown> = { ...before };
    delete rest.currentContext;
    expect(JSON.parse(readFileSync(config, "utf8"))).toEqual(rest);
    expect(readdirSync(dir)).toEqual(["config.json"]);
  });

  it("creates config.json 0600 when absent", () => {
    setCurrentContext(dir, "prod");
    expect(mode(join(dir, "config.json"))).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dir, "config.json"), "utf8"))).toEqual({
      currentContext: "prod",
    });
  });

  it("refuses to rewrite a config.json that is not JSON, and leaves it as it was", () => {
    writeFileSync(join(dir, "config.json"), "{ not json");
    expect(
      codeOf(() => {
        setCurrentContext(dir, "prod");
      }).code,
    ).toBe("CONFIG_INVALID");
    expect(readFileSync(join(dir, "config.json"), "utf8")).toBe("{ not json");
    expect(readdirSync(dir)).toEqual(["config.json"]);
  });
});

describe("ls and inspect", () => {
  beforeEach(() => {
    writeContext(dir, { name: "prod", description: "p", host: "tcp://h:2376", tls: material });
    writeContext(dir, {
      name: "build",
      description: undefined,
      host: "ssh://me@b",
      tls: undefined,
    });
  });

  it("lists default first, then the stored contexts, marking the current one", () => {
    setCurrentContext(dir, "prod");
    const rows = listContexts(new ContextStore(dir), {});
    expect(rows.map((r) => [r.Name, r.DockerEndpoint, r.Current])).toEqual([
      ["default", "unix:///var/run/docker.sock", false],
      ["build", "ssh://me@b", false],
      ["prod", "tcp://h:2376", true],
    ]);
  });

  it.each([
    [{ DOCKER_HOST: "tcp://x:2375" }, undefined, "default"],
    [{ DOCKER_CONTEXT: "build" }, undefined, "build"],
    [{ DOCKER_CONTEXT: "build" }, "prod", "prod"],
    [{}, undefined, "prod"],
  ])("current with env %j and --context %s is %s", (env, flag, want) => {
    setCurrentContext(dir, "prod");
    const rows = listContexts(new ContextStore(dir), env, flag);
    expect(rows.filter((r) => r.Current).map((r) => r.Name)).toEqual([want]);
  });

  it("a broken meta.json is listed with its error, not hidden", () => {
    const paths = contextPaths(dir, "broken");
    mkdirSync(paths.metaDir, { recursive: true });
    writeFileSync(paths.metaFile, '{"Name":"broken","Endpoints":{}}');
    const row = listContexts(new ContextStore(dir), {}).find((r) => r.Name === "broken");
    expect(row?.Error).toMatch(/no docker endpoint host/);
  });

  it("inspect prints docker's shape", () => {
    const paths = contextPaths(dir, "prod");
    expect(inspectContext(new ContextStore(dir), "prod", {})).toEqual({
      Name: "prod",
      Metadata: { Description: "p" },
      Endpoints: { docker: { Host: "tcp://h:2376", SkipTLSVerify: false } },
      TLSMaterial: { docker: ["ca.pem", "cert.pem", "key.pem"] },
      Storage: { MetadataPath: paths.metaDir, TLSPath: paths.tlsRoot },
    });
    expect(inspectContext(new ContextStore(dir), "build", {}).TLSMaterial).toEqual({});
    expect(codeOf(() => inspectContext(new ContextStore(dir), "nope", {}))).toEqual({
      code: "CONTEXT_NOT_FOUND",
      exit: 2,
    });
  });
});
