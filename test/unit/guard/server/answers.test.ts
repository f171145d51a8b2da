import { describe, expect, it } from "vitest";
import {
  denialMessage,
  denialStatus,
  rawJsonAnswer,
} from "../../../../src/guard/server/answers.js";

describe("denials", () => {
  it("prefix the rules the same way every time", () => {
    expect(denialMessage(["DW-CAP-001"], "SYS_ADMIN is not allowed")).toBe(
      "dockward: denied by DW-CAP-001 — SYS_ADMIN is not allowed",
    );
    expect(denialMessage(["A", "B"], "m")).toBe("dockward: denied by A, B — m");
    expect(denialMessage([], "m")).toBe("dockward: denied — m");
  });

  it.each([
    [403, 403],
    [401, 401],
    [500, 500],
    [200, 403],
    [302, 403],
    [99.5, 403],
    [600, 403],
  ])("status %d is sent as %d", (given, sent) => {
    expect(denialStatus(given)).toBe(sent);
  });

  it("a raw answer is JSON with exactly application/json and a byte length", () => {
    const text = rawJsonAnswer(403, "dockward: denied by X — é").toString("utf8");
    const body = '{"message":"dockward: denied by X — é"}';
    expect(text).toBe(
      `HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
});
