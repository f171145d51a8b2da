import { describe, expect, it } from "vitest";
import { normaliseHost, parseHost } from "../../../src/engine/host.js";
import { DockwardError } from "../../../src/errors.js";

describe("normaliseHost (the docker CLI's ParseHost)", () => {
  it.each([
    ["", false, "unix:///var/run/docker.sock"],
    ["   ", false, "unix:///var/run/docker.sock"],
    ["", true, "tcp://localhost:2376"],
    ["unix://", false, "unix:///var/run/docker.sock"],
    ["unix:///tmp/d.sock", false, "unix:///tmp/d.sock"],
    ["tcp://", false, "tcp://localhost:2375"],
    ["tcp://10.0.0.1", false, "tcp://10.0.0.1:2375"],
    // the CLI adds 2375 even with TLS on: only an empty host defaults to 2376
    ["tcp://10.0.0.1", true, "tcp://10.0.0.1:2375"],
    ["tcp://:2376", false, "tcp://localhost:2376"],
    ["10.0.0.1:2376", false, "tcp://10.0.0.1:2376"],
    ["tcp://[::1]:2376", false, "tcp://[::1]:2376"],
    ["tcp://[::1]", false, "tcp://[::1]:2375"],
    ["tcp://host.example:2376/base", false, "tcp://host.example:2376/base"],
    [" tcp://h:1 ", false, "tcp://h:1"],
    ["ssh://me@box:2222/run/docker.sock", false, "ssh://me@box:2222/run/docker.sock"],
  ])("%j (tls default %s) → %s", (input, tls, expected) => {
    expect(normaliseHost(input, tls)).toBe(expected);
  });

  it.each([
    ["foo://x", /unknown scheme "foo:\/\/"/],
    ["tcp://h:notaport", /port "notaport"/],
    ["tcp://h:0", /port "0"/],
    ["tcp://h:70000", /port "70000"/],
    ["tcp://a:b:c", /too many colons/],
    ["tcp://tcp://x", /expected tcp/],
    ["unix://unix:///x", /one unix/],
    ["npipe:////./pipe/docker_engine", /Windows/],
    ["fd://", /daemon listener/],
    ["tcp://[::1", /unclosed/],
    ["tcp://bad host:1", /not a host name/],
  ])("rejects %j", (input, message) => {
    let caught: unknown;
    try {
      normaliseHost(input, false, "DOCKER_HOST");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DockwardError);
    const err = caught as DockwardError;
    expect(err.code).toBe("ENDPOINT_INVALID");
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain("DOCKER_HOST");
    expect(err.message).toMatch(message);
    expect(err.hint).toMatch(/unix:\/\/.*tcp:\/\/.*ssh:\/\//);
  });
});

describe("parseHost", () => {
  it("splits tcp hosts, keeping a base path", () => {
    expect(parseHost("tcp://[::1]:2376/base/")).toEqual({
      scheme: "tcp",
      host: "tcp://[::1]:2376/base/",
      hostname: "::1",
      port: 2376,
      basePath: "/base",
    });
  });

  it("splits ssh hosts into user, host, port and remote socket", () => {
    expect(parseHost("ssh://me@box:2222/run/user/1000/docker.sock")).toMatchObject({
      scheme: "ssh",
      user: "me",
      hostname: "box",
      port: 2222,
      remoteSocket: "/run/user/1000/docker.sock",
    });
    expect(parseHost("ssh://box")).toMatchObject({
      user: undefined,
      port: undefined,
      remoteSocket: undefined,
    });
  });

  it.each([
    ["ssh://me:secret@box", /password/],
    ["ssh://box?x=1", /query/],
    ["ssh://box#frag", /fragment/],
    ["ssh://", /(no host|not a valid URL)/],
  ])("rejects %j as the docker CLI does", (input, message) => {
    expect(() => parseHost(input)).toThrow(message);
  });
});
