import { describe, expect, it } from "vitest";
import { specFromCreateRequest } from "../../../src/spec/adapters/request.js";
import { specFromInspect } from "../../../src/spec/adapters/inspect.js";

describe("seccomp values the daemon sees", () => {
  it("a request with a profile path is refused: the daemon reads no files", () => {
    expect(() =>
      specFromCreateRequest({
        Image: "x",
        HostConfig: { SecurityOpt: ["seccomp=/etc/profile.json"] },
      }),
    ).toThrow(/\/HostConfig\/SecurityOpt\/0: .*not JSON: the daemon does not read files/);
  });

  it("an inline JSON profile in a request is kept as a profile", () => {
    const spec = specFromCreateRequest({
      Image: "x",
      HostConfig: { SecurityOpt: ['seccomp={"defaultAction":"SCMP_ACT_ERRNO"}'] },
    });
    expect(spec.seccomp?.value).toEqual({
      kind: "profile",
      json: { defaultAction: "SCMP_ACT_ERRNO" },
    });
    expect(spec.seccomp?.origin.pointer).toBe("/HostConfig/SecurityOpt/0");
  });

  it("inspect output with a non-JSON value is judged as an invalid profile, not a file", () => {
    const spec = specFromInspect({
      Name: "/c",
      Config: { Image: "x" },
      HostConfig: { SecurityOpt: ["seccomp=whatever"] },
    });
    expect(spec.seccomp?.value).toEqual({ kind: "profile", json: undefined });
  });
});
