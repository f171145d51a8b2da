import { describe, expect, it } from "vitest";
import { DockwardError } from "../../../src/errors.js";
import { formatSan, parseSan, serverSans } from "../../../src/pki/san.js";

describe("parseSan", () => {
  it.each([
    ["DNS:docker.example.com", "DNS:docker.example.com"],
    ["dns:Docker.Example.COM.", "DNS:docker.example.com"],
    ["DNS:*.nodes.example.com", "DNS:*.nodes.example.com"],
    ["IP:10.0.0.5", "IP:10.0.0.5"],
    ["IP:[fd00::5]", "IP:fd00::5"],
    ["IP:FD00:0:0:0:0:0:0:5", "IP:fd00::5"],
  ])("%s -> %s", (input, expected) => {
    expect(formatSan(parseSan(input))).toBe(expected);
  });

  it.each([
    ["docker.example.com", /no type prefix/],
    ["URI:https://x", /unknown type "URI"/],
    ["DNS:", /value is empty/],
    ["IP:10.0.0.300", /not an IPv4 or IPv6 address/],
    ["IP:docker.example.com", /not an IPv4 or IPv6 address/],
    ["DNS:10.0.0.5", /must be written IP:/],
    ["DNS:bad_name.example.com", /not a DNS label/],
    ["DNS:-lead.example.com", /not a DNS label/],
    ["DNS:*.com", /not a DNS label/],
    ["DNS:a.*.example.com", /not a DNS label/],
  ])("refuses %s", (input, why) => {
    let err: unknown;
    try {
      parseSan(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DockwardError);
    expect((err as DockwardError).code).toBe("BAD_INPUT");
    expect((err as DockwardError).exitCode).toBe(2);
    expect((err as DockwardError).message).toMatch(why);
    expect((err as DockwardError).message).toContain(JSON.stringify(input));
  });
});

describe("serverSans", () => {
  it("always adds DNS:localhost and IP:127.0.0.1, once", () => {
    expect(
      serverSans([parseSan("IP:127.0.0.1"), parseSan("DNS:docker.test")]).map(formatSan),
    ).toEqual(["DNS:localhost", "IP:127.0.0.1", "DNS:docker.test"]);
  });
});
