import { describe, expect, it } from "vitest";
import { type Identity, permits, roleFor } from "../../../src/guard/roles.js";
import { defaultPolicy, parsePolicy, withPreset } from "../../../src/policy/policy.js";

const tls = (name: string, groups: string[] = []): Identity => ({
  kind: "tls",
  name,
  groups,
  listener: "tcp://0.0.0.0:2376",
});
const unix = (listener: string): Identity => ({
  kind: "unix",
  name: listener,
  groups: [],
  listener,
});

const POLICY = `
preset: baseline
guard:
  denyAt: medium
  roles:
    ci:
      allow: [read, containers, images]
      preset: restricted
  identities:
    - { match: { cn: ci-runner }, role: ci }
    - { match: { group: platform }, role: admin }
    - { match: { listener: ops }, role: readonly }
    - { match: { cn: alice, group: dev }, role: deployer }
`;

describe("guard roles", () => {
  const policy = parsePolicy(POLICY, "dockward.yaml");
  const { identities, roles } = policy.guard;

  it.each([
    ["a certificate CN", tls("ci-runner"), "ci"],
    ["an O/OU group", tls("bob", ["platform"]), "admin"],
    ["a unix listener", unix("ops"), "readonly"],
    ["CN and group together", tls("alice", ["dev"]), "deployer"],
    ["CN without the group it also needs", tls("alice", ["other"]), undefined],
    ["a unix listener named like a CN", unix("ci-runner"), undefined],
    ["nobody in particular", tls("mallory"), undefined],
  ])("maps %s to its role", (_what, id, role) => {
    expect(roleFor(id, identities, roles)?.name).toBe(role);
  });

  it("reads the role's own preset and the deny threshold", () => {
    expect(roles.get("ci")).toMatchObject({ preset: "restricted", enforce: true });
    expect(policy.guard.denyAt).toBe("medium");
    expect(policy.guard.configured).toBe(true);
    expect(defaultPolicy().guard.configured).toBe(false);
  });

  const route = (id: string, area: string, readOnly: boolean) => ({ id, area, readOnly });
  it.each([
    ["readonly", route("ContainerList", "containers", true), true],
    ["readonly", route("ContainerCreate", "containers", false), false],
    ["readonly", route("ContainerArchive", "containers", true), false],
    ["readonly", route("SecretList", "secrets", true), false],
    ["deployer", route("ContainerCreate", "containers", false), true],
    ["deployer", route("PluginPull", "plugins", false), false],
    ["deployer", route("ServiceCreate", "services", false), false],
    ["admin", route("PluginPull", "plugins", false), true],
  ])("%s may use %o: %s", (name, r, allowed) => {
    const role = roles.get(name);
    expect(role).toBeDefined();
    if (role !== undefined) expect(permits(role, r)).toBe(allowed);
  });

  it.each([
    [
      "an unknown role",
      "guard:\n  identities:\n    - { match: { cn: x }, role: root }\n",
      /dockward.yaml:3:\d+.*unknown role "root"/,
    ],
    [
      "an empty match",
      "guard:\n  identities:\n    - { match: {}, role: admin }\n",
      /at least one of cn, group, listener/,
    ],
    [
      "an unknown permission",
      "guard:\n  roles:\n    x: { allow: [everything] }\n",
      /dockward.yaml:3/,
    ],
  ])("refuses %s with its place", (_what, text, message) => {
    expect(() => parsePolicy(text, "dockward.yaml")).toThrow(message);
  });
});

describe("a role's own preset", () => {
  it("turns the preset's rules on and off, except those the file sets itself", () => {
    const file = parsePolicy("preset: baseline\nrules:\n  DW-USR-001: false\n", "dockward.yaml");
    const restricted = withPreset(file, "restricted");
    expect(restricted.preset).toBe("restricted");
    // the file turned it off: a restricted role keeps it off
    expect(restricted.rules.get("DW-USR-001")?.enabled).toBe(false);
    // not set by the file: the role's preset decides (restricted asks for drop-ALL)
    expect(file.rules.get("DW-CAP-002")?.enabled).toBe(false);
    expect(restricted.rules.get("DW-CAP-002")?.enabled).toBe(true);
    expect(withPreset(file, "baseline")).toBe(file);
  });
});
