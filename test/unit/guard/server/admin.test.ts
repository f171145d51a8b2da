import { describe, expect, it } from "vitest";
import { parseAdminAddress } from "../../../../src/guard/server/admin.js";

describe("parseAdminAddress", () => {
  it.each([
    ["127.0.0.1:9323", { kind: "tcp", host: "127.0.0.1", port: 9323 }],
    ["tcp://127.0.0.2:0", { kind: "tcp", host: "127.0.0.2", port: 0 }],
    ["[::1]:9323", { kind: "tcp", host: "::1", port: 9323 }],
    ["localhost:1", { kind: "tcp", host: "localhost", port: 1 }],
    ["unix:///run/dockward-admin.sock", { kind: "unix", path: "/run/dockward-admin.sock" }],
    ["/run/dockward-admin.sock", { kind: "unix", path: "/run/dockward-admin.sock" }],
  ])("%s", (text, expected) => {
    expect(parseAdminAddress(text)).toEqual(expected);
  });

  it.each([
    ["0.0.0.0:9323", /loopback/],
    ["10.0.0.1:9323", /loopback/],
    ["[::]:9323", /loopback/],
    ["example.com:9323", /loopback/],
    ["127.0.0.1", /HOST:PORT/],
    ["127.0.0.1:70000", /65535/],
    ["unix://relative.sock", /absolute/],
  ])("refuses %s", (text, why) => {
    expect(() => parseAdminAddress(text)).toThrow(why);
  });
});
