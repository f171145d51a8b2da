import { describe, expect, it } from "vitest";
import {
  authorizedKeysLine,
  forcedCommand,
  parsePublicKey,
} from "../../../src/contexts/authorized-keys.js";
import { createArguments } from "../../../src/cli/context.js";
import { parseHost } from "../../../src/engine/host.js";
import { DockwardError } from "../../../src/errors.js";

describe("context create arguments", () => {
  it("reads --host and --tls DIR after `context create`, past global options", () => {
    expect(
      createArguments([
        "--timeout",
        "5",
        "-H",
        "context",
        "context",
        "create",
        "prod",
        "--host",
        "tcp://h:2376",
        "--tls",
        "/certs",
        "--description",
        "the prod engine",
        "--force",
      ]),
    ).toEqual({
      name: "prod",
      host: "tcp://h:2376",
      tls: "/certs",
      description: "the prod engine",
      force: true,
      check: true,
      publicKey: undefined,
    });
  });

  it("takes --host=, --no-check and --public-key", () => {
    expect(
      createArguments([
        "context",
        "create",
        "--host=ssh://me@b",
        "b1",
        "--no-check",
        "--public-key",
        "/k.pub",
      ]),
    ).toMatchObject({ name: "b1", host: "ssh://me@b", check: false, publicKey: "/k.pub" });
  });

  it.each([
    [["context", "create", "a", "b"], /one name/],
    [["context", "create", "a", "--bogus"], /bogus/],
  ])("refuses %j with exit 2", (argv, message) => {
    let err: unknown;
    try {
      createArguments(argv);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DockwardError);
    expect((err as DockwardError).message).toMatch(message);
    expect((err as DockwardError).exitCode).toBe(2);
  });
});

const KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx1Y2t5IG51bWJlciBzZXZlbiBpcyBoZXJlIGZvciB5b3U= me@laptop";

function ssh(host: string): Extract<ReturnType<typeof parseHost>, { scheme: "ssh" }> {
  const parsed = parseHost(host);
  if (parsed.scheme !== "ssh") throw new Error("not ssh");
  return parsed;
}

describe("authorized_keys line", () => {
  it("restricts the key to docker system dial-stdio", () => {
    expect(authorizedKeysLine(ssh("ssh://root@h"), KEY)).toBe(
      `command="docker system dial-stdio",no-port-forwarding,no-X11-forwarding,no-agent-forwarding,no-pty ${KEY}`,
    );
  });
  it("puts a non-default socket into the forced command (sshd ignores the client's)", () => {
    expect(forcedCommand(ssh("ssh://h/run/user/1000/docker.sock"))).toBe(
      "docker --host=unix:///run/user/1000/docker.sock system dial-stdio",
    );
    expect(forcedCommand(ssh("ssh://h/tmp/a%20b.sock"))).toBe(
      "docker '--host=unix:///tmp/a b.sock' system dial-stdio",
    );
  });
  it("uses a placeholder when the key is not known", () => {
    expect(authorizedKeysLine(ssh("ssh://h"), undefined)).toMatch(/no-pty <your public key/);
  });
  it.each([
    ["-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n", /private key/],
    ["hello world\n", /does not hold an OpenSSH public key/],
    ['command="x" ssh-ed25519 AAAA me\n', /does not hold/],
  ])("refuses a .pub file holding %j", (text, message) => {
    expect(() => parsePublicKey(text, "/k.pub")).toThrow(message);
  });
  it("reads the key line of a .pub file", () => {
    expect(parsePublicKey(`# mine\n${KEY}\n`, "/k.pub")).toBe(KEY);
  });
});
