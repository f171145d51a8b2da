import { describe, expect, it } from "vitest";
import { parseAppArmorSpec } from "../../../src/apparmor/spec.js";
import { DockwardError } from "../../../src/errors.js";

const FILE = "spec.yaml";

/** The DockwardError a spec text throws (the test fails if it parses). */
function failure(text: string): DockwardError {
  try {
    parseAppArmorSpec(text, FILE);
  } catch (err) {
    if (err instanceof DockwardError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

/** Lines joined with "\n"; the line numbers in the cases below count from 1 in this array. */
const lines = (...l: string[]): string => `${l.join("\n")}\n`;

describe("parseAppArmorSpec: accepted specs", () => {
  it("fills in every default for a spec that only has a name", () => {
    expect(parseAppArmorSpec("name: web\n", FILE)).toEqual({
      name: "web",
      filesystem: { allowAll: false, readonly: [], writable: [], deny: [], log: [] },
      executables: { allow: [], deny: [] },
      capabilities: { allowAll: false, allow: [] },
      network: { allow: [], raw: false },
      mounts: { deny: true },
      ptrace: "profile",
      signal: "profile",
      kernelProtections: true,
    });
  });

  it("fills in the missing keys of a section that is there", () => {
    const spec = parseAppArmorSpec(
      lines("name: web", "filesystem:", "  readonly: [/usr/**]", "network:", "  raw: true"),
      FILE,
    );
    expect(spec.filesystem).toEqual({
      allowAll: false,
      readonly: ["/usr/**"],
      writable: [],
      deny: [],
      log: [],
    });
    expect(spec.network).toEqual({ allow: [], raw: true });
  });

  it("canonicalises capability names: any case, with or without CAP_", () => {
    const spec = parseAppArmorSpec(
      lines("name: web", "capabilities:", "  allow: [setuid, CAP_SETGID, Net_Bind_Service]"),
      FILE,
    );
    expect(spec.capabilities.allow).toEqual(["SETUID", "SETGID", "NET_BIND_SERVICE"]);
  });

  it("keeps every key of a full spec", () => {
    const spec = parseAppArmorSpec(
      lines(
        "name: app.v2_test-1",
        "filesystem:",
        "  allowAll: true",
        "  readonly: ['/usr/{lib,share}/**', /etc/app/*.conf, '/srv/[a-z]?/**']",
        "  writable: [/var/lib/app/**]",
        "  deny: [/etc/shadow]",
        "  log: ['/home/*/.ssh/**']",
        "executables: { allow: [/usr/bin/app], deny: [/bin/bash] }",
        "capabilities: { allowAll: true, allow: [chown] }",
        "network: { allow: [inet, inet6 tcp, ' unix   dgram '], raw: true }",
        "mounts: { deny: false }",
        "ptrace: none",
        "signal: all",
        "kernelProtections: false",
      ),
      FILE,
    );
    expect(spec).toEqual({
      name: "app.v2_test-1",
      filesystem: {
        allowAll: true,
        readonly: ["/usr/{lib,share}/**", "/etc/app/*.conf", "/srv/[a-z]?/**"],
        writable: ["/var/lib/app/**"],
        deny: ["/etc/shadow"],
        log: ["/home/*/.ssh/**"],
      },
      executables: { allow: ["/usr/bin/app"], deny: ["/bin/bash"] },
      capabilities: { allowAll: true, allow: ["CHOWN"] },
      // extra blanks between and around the words are dropped
      network: { allow: ["inet", "inet6 tcp", "unix dgram"], raw: true },
      mounts: { deny: false },
      ptrace: "none",
      signal: "all",
      kernelProtections: false,
    });
  });

  it.each([
    ["inet", "inet"],
    ["inet6 stream", "inet6 stream"],
    ["unix dgram", "unix dgram"],
    ["netlink raw", "netlink raw"],
    ["packet", "packet"],
    ["inet udp", "inet udp"],
    ["inet icmp", "inet icmp"],
    ["inet6 seqpacket", "inet6 seqpacket"],
  ])("accepts the network rule %j", (rule, expected) => {
    const spec = parseAppArmorSpec(lines("name: n", `network: { allow: ['${rule}'] }`), FILE);
    expect(spec.network.allow).toEqual([expected]);
  });
});

describe("parseAppArmorSpec: refused specs, at FILE:LINE:COL", () => {
  interface Case {
    name: string;
    text: string;
    /** `FILE:LINE:COL:` the message must start with */
    at: string;
    message: RegExp;
  }
  const cases: Case[] = [
    {
      name: "an unknown top-level key",
      text: lines("name: web", "filesystem:", "  readonly: [/usr/**]", "netwrok:", "  allow: []"),
      at: "4:1",
      message: /unknown key "netwrok"/,
    },
    {
      name: "an unknown nested key",
      text: lines("name: web", "filesystem:", "  readonly: [/usr/**]", "  writeable: [/tmp/**]"),
      at: "4:3",
      message: /filesystem\.writeable: unknown key "writeable"/,
    },
    {
      name: "an unknown key in a flow mapping",
      text: lines("name: web", "mounts: { deny: true, allow: true }"),
      at: "2:23",
      message: /mounts\.allow: unknown key "allow"/,
    },
    {
      name: "a relative path",
      text: lines("name: web", "filesystem:", "  readonly:", "    - /usr/**", "    - etc/nginx/**"),
      at: "5:7",
      message: /filesystem\.readonly\.1: "etc\/nginx\/\*\*" is not an absolute path/,
    },
    {
      name: "a path with a space",
      text: lines("name: web", "filesystem:", "  writable:", "    - /var/my cache/**"),
      at: "4:7",
      message: /filesystem\.writable\.0: .*whitespace, a quote/,
    },
    {
      name: "a path with a quote",
      text: lines("name: web", "executables:", "  allow:", `    - '/usr/bin/"app"'`),
      at: "4:7",
      message: /executables\.allow\.0: .*whitespace, a quote/,
    },
    {
      name: "a path with a comma outside braces",
      text: lines("name: web", "filesystem:", "  deny:", "    - /etc/shadow", "    - '/a,/b'"),
      at: "5:7",
      message: /filesystem\.deny\.1: "\/a,\/b" has a comma outside \{alternatives\}/,
    },
    {
      name: "a path with an unclosed brace",
      text: lines("name: web", "filesystem:", "  log:", "    - '/usr/{lib,share/**'"),
      at: "4:7",
      message: /filesystem\.log\.0: .*has an unbalanced \{/,
    },
    {
      name: "a path with a } too many",
      text: lines("name: web", "filesystem:", "  readonly:", "    - '/usr/lib}/**'"),
      at: "4:7",
      message: /filesystem\.readonly\.0: .*has an unbalanced \}/,
    },
    {
      name: "a path with a .. segment",
      text: lines(
        "name: web",
        "filesystem:",
        "  readonly:",
        "    - /app/**",
        "    - /app/../etc/**",
      ),
      at: "5:7",
      message: /filesystem\.readonly\.1: .*has a \. or \.\. segment/,
    },
    {
      name: "a path with a . segment",
      text: lines("name: web", "executables:", "  deny: [/bin/./sh]"),
      at: "3:10",
      message: /executables\.deny\.0: .*has a \. or \.\. segment/,
    },
    {
      name: "an unknown capability",
      text: lines("name: web", "capabilities:", "  allow:", "    - CHOWN", "    - NET_FOO"),
      at: "5:7",
      message: /capabilities\.allow\.1: "NET_FOO" is not a Linux capability/,
    },
    {
      name: "ALL as a capability",
      text: lines("name: web", "capabilities:", "  allow: [SETUID, ALL]"),
      at: "3:19",
      message: /capabilities\.allow\.1: "ALL" is not a Linux capability/,
    },
    {
      name: "CAP_ALL as a capability",
      text: lines("name: web", "capabilities:", "  allow:", "    - cap_all"),
      at: "4:7",
      message: /"cap_all" is not a Linux capability/,
    },
    {
      name: "a profile name with a space",
      text: lines("# my profile", "name: my web"),
      at: "2:1",
      message: /name: a profile name is letters, digits/,
    },
    {
      name: "a profile name with a leading dash",
      text: lines("name: -web", "filesystem: {}"),
      at: "1:1",
      message: /name: a profile name is letters, digits/,
    },
    {
      name: "no profile name",
      text: lines("filesystem:", "  readonly: [/usr/**]"),
      at: "1:1",
      message: /name: /,
    },
    {
      name: "a network rule with an unknown domain",
      text: lines("name: web", "network:", "  allow:", "    - inet stream", "    - bogus"),
      at: "5:7",
      message: /network\.allow\.1: "bogus" is not DOMAIN \[TYPE\]/,
    },
    {
      name: "a network rule with an unknown type",
      text: lines("name: web", "network:", "  allow:", "    - inet bogus"),
      at: "4:7",
      message: /network\.allow\.0: "inet bogus" is not DOMAIN \[TYPE\]/,
    },
    {
      name: "a network rule with a third word",
      text: lines("name: web", "network:", "  allow:", "    - inet stream extra"),
      at: "4:7",
      message: /network\.allow\.0: "inet stream extra" is not DOMAIN \[TYPE\]/,
    },
    {
      name: "a wrong ptrace value",
      text: lines("name: web", "ptrace: all"),
      at: "2:1",
      message: /^[^\n]*ptrace: /,
    },
    {
      name: "a string where a boolean belongs",
      text: lines("name: web", "network:", "  allow: [inet]", "  raw: 'no'"),
      at: "4:3",
      message: /network\.raw: /,
    },
  ];

  it.each(cases)("$name → $at", ({ text, at, message }) => {
    const err = failure(text);
    expect(err.code).toBe("BAD_INPUT");
    expect(err.exitCode).toBe(2);
    expect(err.message.split(" ")[0]).toBe(`${FILE}:${at}:`);
    expect(err.message).toMatch(message);
    expect(err.hint).toMatch(/see docs\/apparmor\.md/);
  });

  it("invalid YAML is a DockwardError at FILE:LINE:COL", () => {
    const err = failure(lines("name: web", "filesystem:", "  readonly: [/usr/**", "mounts: {}"));
    expect(err.code).toBe("BAD_INPUT");
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/^spec\.yaml:\d+:\d+: invalid YAML: /);
    expect(err.hint).toBe("fix the YAML syntax at that position");
  });

  // where the yaml parser notices the error: an unclosed construct is noticed on the line after
  it.each([
    [
      "an unclosed flow sequence",
      lines("name: web", "filesystem:", "  readonly: [/a", "  x: 1"),
      4,
    ],
    ["a duplicate key", lines("name: web", "ptrace: none", "name: other"), 3],
    ["an unclosed quote", lines("name: web", "filesystem:", '  readonly: "/usr'), 4],
  ])("invalid YAML (%s) points at the line of the error", (_what, text, line) => {
    expect(failure(text).message).toMatch(new RegExp(`^spec\\.yaml:${String(line)}:\\d+: `));
  });
});
