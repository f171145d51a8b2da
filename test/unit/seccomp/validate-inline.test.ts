import { describe, expect, it } from "vitest";
import { findRule } from "../../../src/rules/registry.js";
import type { RuleHit } from "../../../src/rules/types.js";
import { specFromCreateRequest } from "../../../src/spec/adapters/request.js";
import { specFromInspect } from "../../../src/spec/adapters/inspect.js";
import type { ContainerSpec } from "../../../src/spec/model.js";

/**
 * DW-SEC-002 reads an inline profile with the same checks as `dockward seccomp validate`, from
 * the exact text the daemon gets: the raw `seccomp=` entry of a request or inspect document.
 */
function sec002(spec: ContainerSpec): { severity: string; message: string; pointer?: string }[] {
  const rule = findRule("DW-SEC-002");
  if (rule?.kind !== "container") throw new Error("DW-SEC-002 is not a container rule");
  return rule.check(spec, rule.options.parse({}), {}).map((h: RuleHit) => ({
    severity: h.severity ?? rule.meta.severity,
    message: h.message,
    ...(h.origin.pointer !== undefined ? { pointer: h.origin.pointer } : {}),
  }));
}

const request = (...opts: string[]): ContainerSpec =>
  specFromCreateRequest({ Image: "busybox", HostConfig: { SecurityOpt: opts } });

describe("DW-SEC-002 judges an inline profile as the daemon reads it", () => {
  it.each<[string, string, [severity: string, message: RegExp][]]>([
    ["{} disables seccomp", "{}", [["high", /effectively unconfined: .*no seccomp filter at all/]]],
    [
      // JSON.parse keeps only the last defaultAction and would see a deny-by-default profile
      "a key given twice cannot be judged",
      '{"defaultAction":"SCMP_ACT_ALLOW","defaultAction":"SCMP_ACT_ERRNO"}',
      [
        [
          "high",
          /key twice or in two spellings at line 1, column 35 \(\/defaultAction\).*case-insensitively/,
        ],
      ],
    ],
    [
      "allow by default, nothing denied",
      '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}',
      [["high", /effectively unconfined: .*blocks nothing/]],
    ],
    [
      "a denylist",
      '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mount"],"action":"SCMP_ACT_ERRNO"}]}',
      [["medium", /allows by default/]],
    ],
    [
      "SCMP_ACT_KILL as default hangs the start",
      '{"defaultAction":"SCMP_ACT_KILL"}',
      [
        [
          "low",
          /broken: defaultAction SCMP_ACT_KILL kills only the calling thread.* at line 1, column 18 \(\/defaultAction\)/,
        ],
      ],
    ],
    [
      "runc refuses an operator; the profile also allows by default",
      '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mount"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":1,"op":"EQ"}]}]}',
      [
        ["medium", /allows by default/],
        [
          "low",
          /broken: .*"EQ" is not an operator runc knows.* at line 1, column 126 \(\/syscalls\/0\/args\/0\/op\)/,
        ],
      ],
    ],
    [
      "the daemon refuses a wrong type",
      '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":"read","action":"SCMP_ACT_ALLOW"}]}',
      [["low", /broken: \/syscalls\/0\/names: a string cannot be decoded/]],
    ],
    [
      "a number with a fraction is not an index (JSON.parse would read 1.0 as 1)",
      '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":1.0,"value":1,"op":"SCMP_CMP_EQ"}]}]}',
      [["low", /broken: \/syscalls\/0\/args\/0\/index: the number 1\.0 is not an integer literal/]],
    ],
    ["a deny-by-default profile", '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]}', []],
    [
      "warnings of validate are not DW-SEC-002's",
      '{"defaultAction":"SCMP_ACT_ERRNO","bogus":1,"syscalls":[{"names":["mkdri"],"action":"SCMP_ACT_ALLOW"}]}',
      [],
    ],
  ])("%s", (_name, profile, expected) => {
    const hits = sec002(request("no-new-privileges", `seccomp=${profile}`));
    expect(hits.map((h) => [h.severity, h.pointer])).toEqual(
      expected.map(([severity]) => [severity, "/HostConfig/SecurityOpt/1"]),
    );
    expected.forEach(([, message], i) => {
      expect(hits[i]?.message).toMatch(message);
    });
  });

  it("a value that is not JSON in a request is a broken profile (the daemon reads no files)", () => {
    expect(() => request("seccomp=/etc/profile.json")).toThrow(/not JSON/);
  });

  it("inspect output: the stored profile text is judged", () => {
    const spec = specFromInspect({
      Name: "/c",
      Config: { Image: "x" },
      HostConfig: { SecurityOpt: ['seccomp={"defaultAction":"SCMP_ACT_LOG"}'] },
    });
    expect(sec002(spec)).toEqual([
      {
        severity: "high",
        message: expect.stringMatching(
          /defaultAction SCMP_ACT_LOG and no rule denies anything/,
        ) as unknown,
        pointer: "/HostConfig/SecurityOpt/0",
      },
    ]);
  });

  it("inspect output with a value that is not JSON: broken, with Go's syntax error", () => {
    const spec = specFromInspect({
      Name: "/c",
      Config: { Image: "x" },
      HostConfig: { SecurityOpt: ["seccomp=whatever"] },
    });
    expect(sec002(spec)).toEqual([
      {
        severity: "low",
        message: expect.stringMatching(
          /broken: not valid JSON: invalid character 'w' looking for beginning of value/,
        ) as unknown,
        pointer: "/HostConfig/SecurityOpt/0",
      },
    ]);
  });

  it("a profile known only as parsed JSON: judged the same, placed by pointer alone", () => {
    const spec = request();
    spec.seccomp = {
      value: {
        kind: "profile",
        json: { defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["x"], action: "DENY" }] },
      },
      origin: { file: "compose.yml", line: 4, column: 9 },
    };
    expect(sec002(spec).map((h) => h.message)).toEqual([
      expect.stringMatching(
        /broken: .*"DENY" is not an action runc knows.* at \/syscalls\/0\/action$/,
      ),
    ]);
  });

  it("a profile an adapter kept as text names its file", () => {
    const spec = request();
    spec.seccomp = {
      value: { kind: "profile", json: {}, text: '{"defaultAction": 7}', file: "p.json" },
      origin: { file: "compose.yml", line: 4, column: 9 },
    };
    expect(sec002(spec).map((h) => h.message)).toEqual([
      expect.stringMatching(
        /broken: \/defaultAction: the number 7 cannot be decoded .* at p\.json:1:19 \(\/defaultAction\)/,
      ),
    ]);
  });
});
