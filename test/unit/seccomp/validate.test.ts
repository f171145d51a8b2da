import { describe, expect, it } from "vitest";
import { DockwardError } from "../../../src/errors.js";
import { defaultPolicy, parsePolicy } from "../../../src/policy/policy.js";
import { buildReport } from "../../../src/report/report.js";
import { formatText } from "../../../src/report/text.js";
import { evaluateSeccomp } from "../../../src/rules/evaluate.js";
import type { Target } from "../../../src/spec/model.js";
import { pointerAtOffset } from "../../../src/seccomp/checks/document.js";
import {
  checkProfile,
  parseDockerVersion,
  parseProfile,
  profileFromText,
  readProfileDocument,
} from "../../../src/seccomp/validate.js";

/**
 * One row per profile: its text, and every finding expected, exactly, as
 * "RULE line:column pointer" (a severity after it when the hit sharpens the rule's own).
 * Positions are the first character of the value (or of the key, for a key that is the fault).
 */
interface Row {
  name: string;
  text: string;
  expect: string[];
  docker?: string;
}

const DENY_MKDIR = `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    { "names": ["mkdir"], "action": "SCMP_ACT_ALLOW" }
  ]
}`;

const rows: Row[] = [
  { name: "a deny-by-default allowlist is clean", text: DENY_MKDIR, expect: [] },
  // DW-SCMP-001: the pointer is where the parser was when the text stopped making sense
  {
    name: "invalid JSON: a value missing",
    text: `{
  "defaultAction": ,
  "syscalls": []
}`,
    expect: ["DW-SCMP-001 2:20 /defaultAction"],
  },
  {
    name: "invalid JSON: a trailing comma inside a rule",
    text: `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    { "names": ["read"], "action": "SCMP_ACT_ALLOW", }
  ]
}`,
    expect: ["DW-SCMP-001 4:54 /syscalls/0"],
  },
  { name: "invalid JSON: empty", text: "", expect: ["DW-SCMP-001 1:1 "] },
  {
    name: "invalid JSON: a byte order mark",
    text: '\uFEFF{"defaultAction": "SCMP_ACT_ERRNO"}',
    expect: ["DW-SCMP-001 1:1 "],
  },
  // DW-SCMP-002: wrong types, as Go refuses them (no coercion)
  {
    name: "wrong types: defaultAction a number, names a string, index a float, minKernel a number",
    text: `{
  "defaultAction": 1,
  "syscalls": [
    {
      "names": "mkdir",
      "action": "SCMP_ACT_ERRNO",
      "args": [{ "index": 1.0, "value": 0, "op": "SCMP_CMP_EQ" }],
      "includes": { "minKernel": 4.8 }
    }
  ]
}`,
    expect: [
      "DW-SCMP-002 2:20 /defaultAction",
      "DW-SCMP-002 5:16 /syscalls/0/names",
      "DW-SCMP-002 7:27 /syscalls/0/args/0/index",
      "DW-SCMP-002 8:34 /syscalls/0/includes/minKernel",
      // nothing else: a value of the wrong type is not a missing one, and Go's decoding fails
      // as a whole, so the profile is not "disabled" either
    ],
  },
  {
    name: "out of range: a negative errnoRet, a value past uint64",
    text: `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    { "names": ["kill"], "action": "SCMP_ACT_ALLOW", "errnoRet": -1 },
    { "names": ["tkill"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": 0, "value": 18446744073709551616, "op": "SCMP_CMP_EQ" }] }
  ]
}`,
    expect: ["DW-SCMP-002 4:66 /syscalls/0/errnoRet", "DW-SCMP-002 5:87 /syscalls/1/args/0/value"],
  },
  {
    name: "null where a rule or a condition belongs (dockerd 20.10 crashes)",
    text: `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    null,
    { "names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [null] }
  ]
}`,
    expect: ["DW-SCMP-002 4:5 /syscalls/0", "DW-SCMP-002 5:63 /syscalls/1/args/0"],
  },
  {
    name: "not an object",
    text: '["SCMP_ACT_ERRNO"]',
    expect: ["DW-SCMP-002 1:1 "],
  },
  // DW-SCMP-003: the second spelling is the one reported
  {
    name: "a key twice, and a key in another case",
    text: `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    { "names": ["read"], "action": "SCMP_ACT_ALLOW", "Action": "SCMP_ACT_LOG" }
  ],
  "defaultAction": "SCMP_ACT_ALLOW"
}`,
    expect: [
      "DW-SCMP-003 4:54 /syscalls/0/Action",
      "DW-SCMP-003 6:3 /defaultAction",
      "DW-SCMP-007 6:20 /defaultAction",
    ],
  },
  {
    name: "keys in another case alone are read as Go reads them",
    text: `{
  "DefaultAction": "SCMP_ACT_ERRNO",
  "SYSCALLS": [{ "NAMES": ["read"], "ACTION": "SCMP_ACT_ALLOW" }]
}`,
    expect: [],
  },
  // DW-SCMP-004
  {
    name: "unknown action, architecture, operator and flag; a lowercase action",
    text: `{
  "defaultAction": "scmp_act_errno",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AMD64", "SCMP_ARCH_PARISC"],
  "flags": ["SECCOMP_FILTER_FLAG_LOUD"],
  "syscalls": [
    { "names": ["read"], "action": "SCMP_ACT_PERMIT" },
    { "names": ["mkdir"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": 1, "value": 0, "op": "SCMP_CMP_EQUAL" }] }
  ]
}`,
    expect: [
      "DW-SCMP-004 2:20 /defaultAction",
      "DW-SCMP-004 3:41 /architectures/1",
      "DW-SCMP-004 3:60 /architectures/2",
      "DW-SCMP-004 4:13 /flags/0",
      "DW-SCMP-004 6:36 /syscalls/0/action",
      "DW-SCMP-004 7:96 /syscalls/1/args/0/op",
      "DW-SCMP-010 4:12 /flags",
    ],
  },
  {
    name: "missing actions and operator",
    text: `{
  "syscalls": [
    { "names": ["read"] },
    { "names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "args": [{ "index": 1, "value": 0 }] }
  ]
}`,
    expect: [
      "DW-SCMP-004 1:1 ",
      "DW-SCMP-004 3:5 /syscalls/0",
      "DW-SCMP-004 4:64 /syscalls/1/args/0",
    ],
  },
  {
    name: "an unknown architecture in an archMap entry and its sub-architectures",
    text: `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "archMap": [
    { "architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_I386"] }
  ]
}`,
    expect: ["DW-SCMP-004 4:64 /archMap/0/subArchitectures/0"],
  },
  // DW-SCMP-005
  {
    name: "index 6, errno 4095, an empty name, bad minKernel values",
    text: `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    { "names": ["mkdir"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": 6, "value": 0, "op": "SCMP_CMP_EQ" }] },
    { "names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 4095 },
    { "names": ["read", ""], "action": "SCMP_ACT_ALLOW" },
    { "names": ["open"], "action": "SCMP_ACT_ALLOW", "includes": { "minKernel": "4" } },
    { "names": ["openat"], "action": "SCMP_ACT_ALLOW", "excludes": { "minKernel": "0.0" } },
    { "names": ["close"], "action": "SCMP_ACT_ALLOW", "includes": { "minKernel": "4.256" } }
  ]
}`,
    expect: [
      "DW-SCMP-005 4:75 /syscalls/0/args/0/index",
      "DW-SCMP-005 5:67 /syscalls/1/errnoRet",
      "DW-SCMP-005 6:25 /syscalls/2/names/1",
      "DW-SCMP-005 7:81 /syscalls/3/includes/minKernel",
      "DW-SCMP-005 8:83 /syscalls/4/excludes/minKernel",
      "DW-SCMP-005 9:82 /syscalls/5/includes/minKernel",
    ],
  },
  {
    name: "SCMP_ACT_NOTIFY as the default action",
    text: `{
  "defaultAction": "SCMP_ACT_NOTIFY"
}`,
    expect: ["DW-SCMP-005 2:20 /defaultAction"],
  },
  {
    name: "SCMP_ACT_NOTIFY on 20.10: listenerPath is dropped, runc refuses",
    text: `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "listenerPath": "/run/agent.sock",
  "syscalls": [{ "names": ["mount"], "action": "SCMP_ACT_NOTIFY" }]
}`,
    expect: ["DW-SCMP-005 4:48 /syscalls/0/action", "DW-SCMP-010 3:19 /listenerPath"],
  },
  {
    name: "SCMP_ACT_NOTIFY with a listener on 23.0 is accepted; on write it is not",
    docker: "23.0",
    text: `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "listenerPath": "/run/agent.sock",
  "syscalls": [
    { "names": ["mount"], "action": "SCMP_ACT_NOTIFY" },
    { "names": ["write"], "action": "SCMP_ACT_NOTIFY" }
  ]
}`,
    expect: ["DW-SCMP-005 6:37 /syscalls/1/action"],
  },
  {
    name: "defaultErrnoRet out of range is an error only where it is read",
    docker: "28.2.2",
    text: `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 5000
}`,
    expect: ["DW-SCMP-005 3:22 /defaultErrnoRet"],
  },
  // DW-SCMP-006
  {
    name: "name with names; architectures with archMap",
    text: `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "architectures": ["SCMP_ARCH_X86_64"],
  "archMap": [{ "architecture": "SCMP_ARCH_X86_64", "subArchitectures": [] }],
  "syscalls": [{ "name": "read", "names": ["write"], "action": "SCMP_ACT_ALLOW" }]
}`,
    expect: ["DW-SCMP-006 4:14 /archMap", "DW-SCMP-006 5:26 /syscalls/0/name"],
  },
  // DW-SCMP-007
  { name: "{} disables seccomp", text: "{}", expect: ["DW-SCMP-007 1:1 "] },
  { name: "null disables seccomp", text: " null", expect: ["DW-SCMP-007 1:2 "] },
  {
    name: "no defaultAction and an empty rule list disable seccomp",
    text: `{
  "architectures": ["SCMP_ARCH_X86_64"],
  "syscalls": []
}`,
    expect: ["DW-SCMP-007 1:1 "],
  },
  {
    name: "allow by default, nothing denied: high",
    text: `{
  "defaultAction": "SCMP_ACT_LOG",
  "syscalls": [{ "names": ["read"], "action": "SCMP_ACT_ALLOW" }]
}`,
    expect: ["DW-SCMP-007 2:20 /defaultAction"],
  },
  {
    name: "allow by default with a deny: a denylist, medium",
    text: `{
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [{ "names": ["mount"], "action": "SCMP_ACT_ERRNO" }]
}`,
    expect: ["DW-SCMP-007 2:20 /defaultAction medium"],
  },
  // DW-SCMP-008
  {
    name: "SCMP_ACT_KILL and KILL_THREAD as default hang; KILL_PROCESS does not",
    text: `{
  "defaultAction": "SCMP_ACT_KILL",
  "syscalls": [{ "names": ["read"], "action": "SCMP_ACT_KILL_PROCESS" }]
}`,
    expect: ["DW-SCMP-008 2:20 /defaultAction"],
  },
  // DW-SCMP-009
  {
    name: "unknown fields at every level",
    text: `{
  "defaultAtcion": "SCMP_ACT_ERRNO",
  "defaultAction": "SCMP_ACT_ERRNO",
  "archMap": [{ "architecture": "SCMP_ARCH_X86_64", "subArchitecture": [] }],
  "syscalls": [
    {
      "names": ["read"],
      "action": "SCMP_ACT_ALLOW",
      "arg": [],
      "args": [{ "index": 0, "value": 0, "op": "SCMP_CMP_EQ", "valueToo": 1 }],
      "includes": { "cap": ["CAP_SYS_ADMIN"] }
    }
  ]
}`,
    expect: [
      "DW-SCMP-009 2:3 /defaultAtcion",
      "DW-SCMP-009 4:53 /archMap/0/subArchitecture",
      "DW-SCMP-009 9:7 /syscalls/0/arg",
      "DW-SCMP-009 10:63 /syscalls/0/args/0/valueToo",
      "DW-SCMP-009 11:21 /syscalls/0/includes/cap",
    ],
  },
  // DW-SCMP-010
  {
    name: "20.10 ignores the fields Docker 23 added; EPERM as defaultErrnoRet changes nothing",
    text: `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 1,
  "flags": ["SECCOMP_FILTER_FLAG_LOG"],
  "listenerMetadata": "x"
}`,
    expect: [
      "DW-SCMP-010 3:22 /defaultErrnoRet info",
      "DW-SCMP-010 4:12 /flags",
      "DW-SCMP-010 5:23 /listenerMetadata",
    ],
  },
  {
    name: "Docker 23 reads them; runc before 1.2 refuses flags",
    docker: "23.0.0",
    text: `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 1,
  "flags": ["SECCOMP_FILTER_FLAG_LOG"]
}`,
    expect: ["DW-SCMP-010 4:12 /flags"],
  },
  {
    name: "20.10.9 ignores errnoRet; riscv64 needs runc 1.2",
    docker: "20.10.9",
    text: `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "architectures": ["SCMP_ARCH_RISCV64"],
  "syscalls": [{ "names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38 }]
}`,
    expect: [
      "DW-SCMP-010 3:21 /architectures/0 medium",
      "DW-SCMP-010 4:79 /syscalls/0/errnoRet",
      // without its errnoRet the rule is ERRNO(EPERM), the default: runc skips it
      "DW-SCMP-012 4:49 /syscalls/0/action",
    ],
  },
  {
    name: "20.10 (an up-to-date one) reads errnoRet",
    text: `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [{ "names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38 }]
}`,
    expect: [],
  },
  // DW-SCMP-011
  {
    name: "a misspelt syscall: low in an allowlist, medium when it was meant to deny",
    text: `{
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [
    { "names": ["mkdri", "rmdir"], "action": "SCMP_ACT_ERRNO" },
    { "names": ["raed"], "action": "SCMP_ACT_LOG" }
  ]
}`,
    expect: [
      "DW-SCMP-007 2:20 /defaultAction medium",
      "DW-SCMP-011 4:17 /syscalls/0/names/0 medium",
      "DW-SCMP-011 5:17 /syscalls/1/names/0",
    ],
  },
  {
    name: "names are resolved on the profile's architectures",
    text: `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "architectures": ["SCMP_ARCH_AARCH64"],
  "syscalls": [{ "names": ["open", "openat"], "action": "SCMP_ACT_ALLOW" }]
}`,
    expect: ["DW-SCMP-011 4:28 /syscalls/0/names/0"],
  },
  {
    name: "capability and architecture names in includes/excludes that match nothing",
    text: `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    { "names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": { "caps": ["SYS_ADMIN"] } },
    { "names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": { "arches": ["x86_64", "amd64", "x32"] } }
  ]
}`,
    expect: [
      "DW-SCMP-011 4:78 /syscalls/0/includes/caps/0 medium",
      "DW-SCMP-011 5:85 /syscalls/1/includes/arches/0 medium",
    ],
  },
  // DW-SCMP-012
  {
    name: "rules that do nothing",
    text: `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    { "names": [], "action": "SCMP_ACT_ALLOW" },
    { "names": ["mount"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1 },
    { "names": ["read"], "action": "SCMP_ACT_ALLOW", "errnoRet": 5 },
    { "names": ["write"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": 0, "value": 1, "valueTwo": 2, "op": "SCMP_CMP_EQ" }] },
    { "names": ["close"], "action": "SCMP_ACT_ALLOW", "excludes": { "minKernel": "" } }
  ]
}`,
    expect: [
      "DW-SCMP-012 4:16 /syscalls/0/names",
      "DW-SCMP-012 5:37 /syscalls/1/action",
      "DW-SCMP-012 6:66 /syscalls/2/errnoRet",
      "DW-SCMP-012 7:102 /syscalls/3/args/0/valueTwo",
      "DW-SCMP-012 8:82 /syscalls/4/excludes/minKernel",
    ],
  },
  // DW-SCMP-013
  {
    name: "one syscall, two unconditional actions: the first wins",
    text: `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    { "names": ["mkdir", "rmdir"], "action": "SCMP_ACT_ALLOW" },
    { "names": ["mkdir"], "action": "SCMP_ACT_ALLOW" },
    { "names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38 },
    { "names": ["rmdir"], "action": "SCMP_ACT_ERRNO" },
    { "names": ["mkdir"], "action": "SCMP_ACT_LOG", "args": [{ "index": 1, "value": 0, "op": "SCMP_CMP_EQ" }] }
  ]
}`,
    expect: ["DW-SCMP-012 7:37 /syscalls/3/action", "DW-SCMP-013 6:17 /syscalls/2/names/0"],
  },
  // DW-SCMP-014
  {
    name: "two conditions on one argument are ORed",
    text: `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    { "names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [
      { "index": 0, "value": 0, "op": "SCMP_CMP_GE" },
      { "index": 0, "value": 8, "op": "SCMP_CMP_LE" }
    ] }
  ]
}`,
    expect: ["DW-SCMP-014 6:7 /syscalls/0/args/1"],
  },
];

function describeProblems(text: string, docker?: string): string[] {
  const version = parseDockerVersion(docker ?? "20.10");
  return checkProfile(readProfileDocument(text, "p.json"), version).map((p) => {
    const rule = p.ruleId;
    const sharper =
      // the rule's own severity is implied; a hit's sharper one is written out
      p.severity !== RULE_SEVERITY.get(rule) ? ` ${p.severity}` : "";
    return `${rule} ${p.line}:${p.column} ${p.pointer}${sharper}`;
  });
}

const RULE_SEVERITY = new Map<string, string>([
  ["DW-SCMP-001", "high"],
  ["DW-SCMP-002", "high"],
  ["DW-SCMP-003", "high"],
  ["DW-SCMP-004", "high"],
  ["DW-SCMP-005", "high"],
  ["DW-SCMP-006", "high"],
  ["DW-SCMP-007", "high"],
  ["DW-SCMP-008", "medium"],
  ["DW-SCMP-009", "medium"],
  ["DW-SCMP-010", "low"],
  ["DW-SCMP-011", "low"],
  ["DW-SCMP-012", "low"],
  ["DW-SCMP-013", "medium"],
  ["DW-SCMP-014", "medium"],
]);

describe("seccomp profile checks: every finding, at its line:column and pointer", () => {
  it.each(rows.map((r) => [r.name, r] as const))("%s", (_name, row) => {
    expect(describeProblems(row.text, row.docker).sort()).toEqual([...row.expect].sort());
  });

  it("every DW-SCMP rule fires in some row", () => {
    const fired = new Set(rows.flatMap((r) => r.expect.map((e) => e.split(" ")[0])));
    expect([...RULE_SEVERITY.keys()].filter((id) => !fired.has(id))).toEqual([]);
  });
});

describe("messages name the value, the layer that refuses it, and a way out", () => {
  it.each([
    [
      '{"defaultAction":"SCMP_ACT_NOPE"}',
      /"SCMP_ACT_NOPE" is not an action runc knows; runc refuses/,
    ],
    ['{"defaultAction":"scmp_act_errno"}', /did you mean "SCMP_ACT_ERRNO"\?/],
    [
      '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["mkdri"],"action":"SCMP_ACT_ALLOW"}]}',
      /"mkdri" is not a syscall on x86_64, x86, x32, aarch64, arm .*did you mean "mkdir"\?/,
    ],
    [
      '{"defaultAction":"SCMP_ACT_ERRNO","sycalls":[]}',
      /"sycalls" is not a field of a profile: the daemon ignores it.*did you mean "syscalls"\?/,
    ],
    [
      '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["mount"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["sys_admin"]}}]}',
      /never matches.*write "CAP_SYS_ADMIN"/,
    ],
    [
      '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":{}}',
      /an object cannot be decoded into Go \[\]\*struct.*the daemon expects a list of rules and refuses the profile/,
    ],
  ])("%s", (text, message) => {
    const messages = checkProfile(readProfileDocument(text)).map((p) => p.message);
    expect(
      messages.some((m) => message.test(m)),
      messages.join("\n"),
    ).toBe(true);
  });
});

describe("parseProfile: the model other commands use", () => {
  it("gives the model of a valid profile, numbers exact", () => {
    const { profile, errors, disabled } = parseProfile(`{
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 1,
  "archMap": [{ "architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"] }],
  "syscalls": [
    { "name": "read", "action": "SCMP_ACT_ALLOW", "comment": "old spelling" },
    {
      "names": ["personality"],
      "action": "SCMP_ACT_ALLOW",
      "args": [{ "index": 0, "value": 18446744073709551615, "op": "SCMP_CMP_MASKED_EQ" }],
      "includes": { "caps": ["CAP_SYS_ADMIN"], "minKernel": "4.8" },
      "excludes": {}
    }
  ]
}`);
    expect(errors).toEqual([]);
    expect(disabled).toBe(false);
    expect(profile).toEqual({
      defaultAction: "SCMP_ACT_ERRNO",
      defaultErrnoRet: 1,
      archMap: [{ architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86"] }],
      syscalls: [
        { names: ["read"], action: "SCMP_ACT_ALLOW", comment: "old spelling" },
        {
          names: ["personality"],
          action: "SCMP_ACT_ALLOW",
          args: [
            { index: 0, value: 18446744073709551615n, valueTwo: 0n, op: "SCMP_CMP_MASKED_EQ" },
          ],
          includes: { caps: ["CAP_SYS_ADMIN"], minKernel: "4.8" },
          excludes: {},
        },
      ],
    });
  });

  it("reads keys as Go does: any case, the last duplicate winning (and reported)", () => {
    const { profile, errors } = parseProfile('{"DEFAULTACTION":"SCMP_ACT_LOG","syscalls":[]}');
    expect(errors).toEqual([]);
    expect(profile?.defaultAction).toBe("SCMP_ACT_LOG");
    const dup = parseProfile('{"defaultAction":"SCMP_ACT_ALLOW","defaultaction":"SCMP_ACT_ERRNO"}');
    expect(dup.profile).toBeUndefined();
    expect(dup.errors.map((e) => [e.ruleId, e.line, e.column, e.pointer])).toEqual([
      ["DW-SCMP-003", 1, 35, "/defaultaction"],
    ]);
  });

  it("gives no model, and says why, for a profile with errors; warnings do not stop it", () => {
    const bad = parseProfile(
      '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["x"],"action":"NOPE"}]}',
    );
    expect(bad.profile).toBeUndefined();
    expect(bad.errors.map((e) => e.ruleId)).toEqual(["DW-SCMP-004"]);
    const warned = parseProfile('{"defaultAction":"SCMP_ACT_ERRNO","bogus":1}');
    expect(warned.profile).toEqual({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [] });
    expect(warned.errors).toEqual([]);
    expect(warned.problems.map((p) => p.ruleId)).toEqual(["DW-SCMP-009"]);
  });

  it("marks a profile that disables seccomp, which has no model", () => {
    const r = parseProfile("{}");
    expect([r.profile, r.disabled, r.errors]).toEqual([undefined, true, []]);
  });
});

describe("profileFromText / loadProfile: a DockwardError naming file:line:col", () => {
  it("an error the daemon refuses: exit 2, the first error's place, the source line", () => {
    const text =
      '{\n  "defaultAction": "SCMP_ACT_ERRNO",\n  "syscalls": [{"names": ["a"], "action": "SCMP_ACT_NOPE", "args": [{"index": 9, "op": "SCMP_CMP_EQ"}]}]\n}';
    let err: unknown;
    try {
      profileFromText(text, "prof.json");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DockwardError);
    const e = err as DockwardError;
    expect(e.code).toBe("BAD_INPUT");
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(
      /^prof\.json:3:43: DW-SCMP-004 \/syscalls\/0\/action: "SCMP_ACT_NOPE" is not an action runc knows.* \(and 1 more error\)$/,
    );
    expect(e.excerpt?.split("\n")[1]).toBe(`${" ".repeat(42)}^`);
    expect(e.hint).toMatch(/dockward seccomp validate prof\.json/);
  });

  it("a profile that disables seccomp has no model", () => {
    expect(() => profileFromText("{}", "empty.json")).toThrow(
      /^empty\.json: the profile has no defaultAction and no syscalls/,
    );
  });

  it("gives the model of a valid profile", () => {
    expect(profileFromText(DENY_MKDIR, "ok.json").syscalls[0]?.names).toEqual(["mkdir"]);
  });
});

describe("pointerAtOffset: where a syntax error is", () => {
  it.each([
    ['{"a": ', "/a"],
    ['{"a": [1, 2, ', "/a/2"],
    ['{"a": {"b": 1}, "c": [{"d": tru', "/c/0/d"],
    ['{"a": 1, ', ""],
    ['{"a~b/c": [', "/a~0b~1c/0"],
    ['{"x\\"y": ', '/x"y'],
  ])("%s → %s", (text, pointer) => {
    expect(pointerAtOffset(text, text.length)).toBe(pointer);
  });
});

describe("--docker-version", () => {
  it.each([
    ["20.10", { major: 20, minor: 10, patch: Infinity }],
    ["20.10.9", { major: 20, minor: 10, patch: 9 }],
    ["v28.2.2", { major: 28, minor: 2, patch: 2 }],
    ["23", { major: 23, minor: Infinity, patch: Infinity }],
  ])("%s", (text, expected) => {
    expect(parseDockerVersion(text)).toMatchObject(expected);
  });

  it("refuses what is not a version, naming the flag", () => {
    expect(() => parseDockerVersion("twenty")).toThrow(
      /--docker-version twenty: not a Docker version/,
    );
  });
});

describe("evaluateSeccomp and the text report", () => {
  const text = `{
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [{ "names": ["mount"], "action": "SCMP_ACT_ERNO" }]
}`;
  const target: Target = {
    kind: "seccomp",
    name: "p.json",
    origin: { file: "p.json" },
    image: undefined,
    labels: {},
  };
  const context = { dockerVersion: parseDockerVersion("20.10") };

  it("reports each finding at file:line:col and pointer, under the source line", () => {
    const { findings } = evaluateSeccomp(
      readProfileDocument(text, "p.json"),
      target,
      defaultPolicy("baseline"),
      context,
    );
    const report = buildReport({
      mode: "lint",
      policy: { source: "test", preset: "baseline" },
      targets: [target],
      findings,
      expiredExceptions: [],
      failOn: "high",
    });
    const out = formatText(report, {
      color: false,
      showSuppressed: false,
      readLines: (f) => (f === "p.json" ? text.split("\n") : undefined),
    });
    expect(out).toContain(
      [
        '  HIGH     DW-SCMP-004 /syscalls/0/action: "SCMP_ACT_ERNO" is not an action runc knows; did you mean "SCMP_ACT_ERRNO"?; runc refuses the profile ("string SCMP_ACT_ERNO is not a valid action for seccomp")',
        "           at p.json:3:48 /syscalls/0/action",
        '    3 |   "syscalls": [{ "names": ["mount"], "action": "SCMP_ACT_ERNO" }]',
        `      | ${" ".repeat(47)}^`,
      ].join("\n"),
    );
    expect(out).toMatch(/^seccomp p\.json$/m);
    expect(report.summary.failed).toBe(true);
  });

  it("honours the policy: a rule switched off, an exception for the file", () => {
    const policy = parsePolicy(
      `rules:
  DW-SCMP-007: { enabled: false }
exceptions:
  - rules: [DW-SCMP-004]
    match: { file: "p.*" }
    reason: "being fixed (SEC-7)"
`,
      "dockward.yaml",
    );
    const { findings } = evaluateSeccomp(
      readProfileDocument(text, "p.json"),
      target,
      policy,
      context,
    );
    expect(findings.map((f) => [f.ruleId, f.suppressed?.reason])).toEqual([
      ["DW-SCMP-004", "being fixed (SEC-7)"],
    ]);
  });
});
