import { describe, expect, it } from "vitest";
import { parseHost } from "../../../src/engine/host.js";
import { sshArgs } from "../../../src/engine/ssh.js";

function ssh(host: string, interactive = false): string[] {
  const parsed = parseHost(host);
  if (parsed.scheme !== "ssh") throw new Error("not ssh");
  return sshArgs(parsed, interactive);
}

describe("ssh argv (as the docker CLI builds it)", () => {
  it("passes user, port and remote socket, and never disables host-key checks", () => {
    const args = ssh("ssh://admin@build-1:2222/run/docker.sock");
    expect(args).toEqual([
      "-o",
      "ConnectTimeout=30",
      "-T",
      "-o",
      "BatchMode=yes",
      "-l",
      "admin",
      "-p",
      "2222",
      "--",
      "build-1",
      "docker",
      "--host=unix:///run/docker.sock",
      "system",
      "dial-stdio",
    ]);
    expect(args.join(" ")).not.toMatch(/StrictHostKeyChecking|UserKnownHostsFile/);
  });

  it("lets ssh prompt when there is a terminal", () => {
    expect(ssh("ssh://h", true)).toEqual([
      "-o",
      "ConnectTimeout=30",
      "-T",
      "--",
      "h",
      "docker",
      "system",
      "dial-stdio",
    ]);
  });

  it("puts the host after -- so a host name cannot be read as an option", () => {
    const args = ssh("ssh://-oProxyCommand=x");
    expect(args.indexOf("--")).toBeLessThan(args.indexOf("-oProxyCommand=x"));
  });
});
