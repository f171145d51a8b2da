import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  checkProfile,
  FEATURES_FILE,
  findParser,
  parseParserOutput,
  structuralCheck,
} from "../../../src/apparmor/parser.js";
import { defaultSpec, generateProfile } from "../../../src/apparmor/profile.js";
import { loadAppArmorSpec } from "../../../src/apparmor/spec.js";

const lines = (...l: string[]): string => `${l.join("\n")}\n`;

describe("parseParserOutput", () => {
  it('reads "for FILE in profile FILE at line N: MESSAGE"', () => {
    expect(
      parseParserOutput(
        "AppArmor parser error for /tmp/p in profile /tmp/p at line 12: Invalid capability net_foo.\n",
        "/tmp/p",
      ),
    ).toEqual([{ file: "/tmp/p", line: 12, message: "Invalid capability net_foo." }]);
  });

  it("takes the file from `in profile`: the file the error is in (an include, say)", () => {
    expect(
      parseParserOutput(
        "AppArmor parser error for /etc/apparmor.d/web in profile /etc/apparmor.d/abstractions/x at line 3: syntax error, unexpected TOK_ID, expecting TOK_MODE",
        "/etc/apparmor.d/web",
      ),
    ).toEqual([
      {
        file: "/etc/apparmor.d/abstractions/x",
        line: 3,
        message: "syntax error, unexpected TOK_ID, expecting TOK_MODE",
      },
    ]);
  });

  it('reads "error, in FILE line N: MESSAGE"', () => {
    expect(
      parseParserOutput(
        "AppArmor parser error, in /tmp/p line 3: syntax error, unexpected TOK_END_OF_RULE\n",
        "/tmp/p",
      ),
    ).toEqual([{ file: "/tmp/p", line: 3, message: "syntax error, unexpected TOK_END_OF_RULE" }]);
  });

  it('reads "error for FILE at line N: MESSAGE" (no profile part)', () => {
    expect(
      parseParserOutput("AppArmor parser error for /tmp/q at line 7: Invalid network entry.", "x"),
    ).toEqual([{ file: "/tmp/q", line: 7, message: "Invalid network entry." }]);
  });

  it("skips warnings and blank lines, keeps unknown lines without a line number", () => {
    const stderr = [
      "Warning from /tmp/p (/tmp/p line 4): Unconfined exec qualifier (ux) allows some dangerous environment variables",
      "Warning: unable to find a suitable fs in /proc/mounts, is it mounted?",
      "",
      "   ",
      "AppArmor parser error for /tmp/p in profile /tmp/p at line 2: Invalid capability net_foo.",
      "/usr/sbin/apparmor_parser: Unable to parse input line '/foo/[abc'",
      "",
    ].join("\n");
    expect(parseParserOutput(stderr, "/tmp/p")).toEqual([
      { file: "/tmp/p", line: 2, message: "Invalid capability net_foo." },
      {
        file: "/tmp/p",
        line: undefined,
        message: "/usr/sbin/apparmor_parser: Unable to parse input line '/foo/[abc'",
      },
    ]);
  });

  it("nothing for an empty or warnings-only stderr", () => {
    expect(parseParserOutput("", "p")).toEqual([]);
    expect(parseParserOutput("Warning: something\n\n", "p")).toEqual([]);
  });
});

describe("structuralCheck", () => {
  const good = lines(
    "# a comment",
    "#include <tunables/global>",
    "include <tunables/global>",
    "abi <abi/3.0>,",
    "@{APP}=/srv/app",
    "@{APP} += /opt/app",
    "",
    "profile good flags=(attach_disconnected,mediate_deleted) {",
    "  #include <abstractions/base>",
    "  # rules",
    "  network inet stream,  # with a comment after it",
    "  @{APP}/** r,",
    "  /usr/{lib,share}/** r,",
    "  ^hat {",
    "    file,",
    "  }",
    "}",
  );

  it("passes a well-formed profile: comments, includes, variables and hats are fine", () => {
    expect(structuralCheck(good, "p")).toEqual([]);
  });

  it("passes the generated profiles", () => {
    expect(structuralCheck(generateProfile(defaultSpec("d")), "p")).toEqual([]);
  });

  it("a rule without its comma, at its line", () => {
    const text = lines(
      "profile t {",
      "  file,",
      "  network inet stream",
      "  capability chown,",
      "}",
    );
    expect(structuralCheck(text, "p")).toEqual([
      { file: "p", line: 3, message: "a rule must end with a comma: network inet stream" },
    ]);
  });

  it("a comment after a rule does not hide its missing comma", () => {
    const text = lines("profile t {", "  /etc/passwd r # read only", "}");
    expect(structuralCheck(text, "p")).toEqual([
      { file: "p", line: 2, message: "a rule must end with a comma: /etc/passwd r" },
    ]);
  });

  it("an unclosed {", () => {
    expect(structuralCheck(lines("profile t {", "  file,"), "p")).toEqual([
      { file: "p", line: undefined, message: "1 unclosed {" },
    ]);
    expect(structuralCheck(lines("profile t {", "  ^hat {", "    file,", "}"), "p")).toEqual([
      { file: "p", line: undefined, message: "1 unclosed {" },
    ]);
  });

  it("a } too many, at its line", () => {
    expect(structuralCheck(lines("profile t {", "  file,", "}", "}"), "p")).toEqual([
      { file: "p", line: 4, message: "} without a matching {" },
    ]);
  });

  it("no profile at all", () => {
    expect(structuralCheck(lines("# only comments", "#include <tunables/global>"), "p")).toEqual([
      { file: "p", line: undefined, message: "no profile in the file" },
    ]);
    expect(structuralCheck("", "p")).toEqual([
      { file: "p", line: undefined, message: "no profile in the file" },
    ]);
  });

  it("a rule outside any profile, at its line", () => {
    const text = lines("#include <tunables/global>", "capability chown,", "profile t {", "}");
    expect(structuralCheck(text, "p")).toEqual([
      { file: "p", line: 2, message: "a rule outside any profile: capability chown," },
    ]);
  });

  it("reports every problem, with the file name it is given", () => {
    const text = lines("file,", "profile t {", "  network", "  capability chown", "}", "}");
    expect(structuralCheck(text, "/etc/apparmor.d/t")).toEqual([
      { file: "/etc/apparmor.d/t", line: 1, message: "a rule outside any profile: file," },
      { file: "/etc/apparmor.d/t", line: 3, message: "a rule must end with a comma: network" },
      {
        file: "/etc/apparmor.d/t",
        line: 4,
        message: "a rule must end with a comma: capability chown",
      },
      { file: "/etc/apparmor.d/t", line: 6, message: "} without a matching {" },
    ]);
  });
});

describe("findParser", () => {
  const dir = mkdtempSync(join(tmpdir(), "dockward-aa-"));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("takes apparmor_parser from PATH first", () => {
    const fake = join(dir, "apparmor_parser");
    writeFileSync(fake, "#!/bin/sh\nexit 0\n");
    chmodSync(fake, 0o755);
    expect(findParser({ PATH: `/nonexistent-dir::${dir}` })).toBe(fake);
  });

  it("falls back to /usr/sbin and /sbin, which a non-root PATH often lacks", () => {
    const found = findParser({ PATH: "/nonexistent-dir" });
    if (existsSync("/usr/sbin/apparmor_parser")) expect(found).toBe("/usr/sbin/apparmor_parser");
    else if (existsSync("/sbin/apparmor_parser")) expect(found).toBe("/sbin/apparmor_parser");
    else expect(found).toBeUndefined();
  });
});

// With the real apparmor_parser and the features file of the apparmor package, profiles are
// compiled (no kernel needed); elsewhere these are skipped.
const realParser = findParser();
describe.runIf(realParser !== undefined && existsSync(FEATURES_FILE))(
  "checkProfile with the real apparmor_parser",
  () => {
    const dir = mkdtempSync(join(tmpdir(), "dockward-aa-"));
    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const examples = fileURLToPath(new URL("../../../examples/apparmor/", import.meta.url));

    it.each(["web", "worker", "offline-tool"])("examples/apparmor/%s.yaml compiles", (name) => {
      const file = join(dir, name);
      const text = generateProfile(loadAppArmorSpec(join(examples, `${name}.yaml`)));
      writeFileSync(file, text);
      expect(checkProfile(file, text, realParser)).toEqual({
        status: "ok",
        checkedBy: "apparmor_parser",
        parser: realParser,
      });
    });

    it("the default profile compiles", () => {
      const file = join(dir, "default");
      const text = generateProfile(defaultSpec("dockward-default"));
      writeFileSync(file, text);
      expect(checkProfile(file, text, realParser).status).toBe("ok");
    });

    it("a bad rule is reported at its file and line", () => {
      const file = join(dir, "bad");
      const text = lines("profile bad {", "  file,", "  capability net_foo,", "}");
      writeFileSync(file, text);
      expect(checkProfile(file, readFileSync(file, "utf8"), realParser)).toEqual({
        status: "errors",
        checkedBy: "apparmor_parser",
        diagnostics: [{ file, line: 3, message: "Invalid capability net_foo." }],
      });
    });
  },
);
