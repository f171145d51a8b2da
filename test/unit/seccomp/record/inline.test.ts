import { describe, expect, it } from "vitest";
import { inlineProfileText } from "../../../../src/seccomp/record/inline.js";

describe("inlineProfileText", () => {
  it("drops whitespace between tokens, keeps strings and number literals exactly as written", () => {
    const text = `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    { "names": ["read"], "action": "SCMP_ACT_ALLOW", "comment": "a { b } \\" c\\u0041  d" },
    { "names": ["personality"], "action": "SCMP_ACT_ALLOW",
      "args": [{ "index": 0, "value": 18446744073709551615, "valueTwo": 1e0, "op": "SCMP_CMP_EQ" }] }
  ]
}
`;
    expect(inlineProfileText(text)).toBe(
      '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","comment":"a { b } \\" c\\u0041  d"},{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":18446744073709551615,"valueTwo":1e0,"op":"SCMP_CMP_EQ"}]}]}',
    );
  });
});
