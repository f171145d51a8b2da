import { describe, expect, it } from "vitest";
import { DockwardError } from "../../../src/errors.js";
import type { Origin } from "../../../src/spec/model.js";
import { splitShellWords } from "../../../src/spec/shell-words.js";

function errorOf(text: string, file?: string): DockwardError {
  try {
    splitShellWords(text, file);
  } catch (err) {
    if (err instanceof DockwardError) return err;
    throw err;
  }
  throw new Error(`expected splitShellWords to throw for ${JSON.stringify(text)}`);
}

describe("splitShellWords: words", () => {
  it.each<[string, string, string[]]>([
    ["blanks and tabs", "docker  run\t--rm   alpine", ["docker", "run", "--rm", "alpine"]],
    ["leading and trailing blanks", "  docker run alpine  ", ["docker", "run", "alpine"]],
    ["single quotes keep everything", "-e 'A=$HOME \\n \"x\"'", ["-e", 'A=$HOME \\n "x"']],
    [
      'double quotes: backslash escapes only $ ` " \\',
      '"a \\"b\\" \\$c \\\\ \\x \\`"',
      ['a "b" $c \\ \\x `'],
    ],
    ["backslash outside quotes escapes the next character", "a\\ b c\\'d", ["a b", "c'd"]],
    ["quotes join with the rest of the word", "--label=\"a b\"c'd e'", ["--label=a bcd e"]],
    [
      "empty quotes are an empty word",
      "docker run -e '' \"\" x",
      ["docker", "run", "-e", "", "", "x"],
    ],
    [
      "continuation joins lines",
      "docker run \\\n  --rm \\\n  alpine",
      ["docker", "run", "--rm", "alpine"],
    ],
    ["continuation inside a word removes itself", "--pri\\\nvileged", ["--privileged"]],
    ["CRLF continuation", "docker run \\\r\n  alpine\r\n", ["docker", "run", "alpine"]],
    ["continuation inside double quotes", '"a\\\nb"', ["ab"]],
    ["newline inside single quotes is kept", "'a\nb'", ["a\nb"]],
    ["newline inside double quotes is kept", '"a\nb"', ["a\nb"]],
    [
      "comment line and trailing comment",
      "# run it\ndocker run alpine # the image",
      ["docker", "run", "alpine"],
    ],
    ["# inside a word is not a comment", "a#b '#c' x#", ["a#b", "#c", "x#"]],
    ["variables are not expanded", "-v $HOME/x:/x ${PWD}", ["-v", "$HOME/x:/x", "${PWD}"]],
    ["$(…) stays one word", "-v $(pwd):/app $(echo a b)c", ["-v", "$(pwd):/app", "$(echo a b)c"]],
    ["$(…) with quotes and parens inside", '$(echo "a)" (b))', ['$(echo "a)" (b))']],
    ["`…` stays one word", "-v `pwd`:/app", ["-v", "`pwd`:/app"]],
    ["$(…) inside double quotes", '"$(echo "a b")"/x', ['$(echo "a b")/x']],
    ["a trailing backslash is kept", "a\\", ["a\\"]],
    ["~ is not expanded", "-v ~/x:/x", ["-v", "~/x:/x"]],
    ["empty text", "", []],
    ["only comments and blank lines", "\n# nothing\n\n", []],
    ["blank lines before the command", "\n\n  docker run x\n\n", ["docker", "run", "x"]],
  ])("%s", (_name, text, words) => {
    expect(splitShellWords(text).words).toEqual(words);
  });
});

describe("splitShellWords: positions", () => {
  it("gives line and column (1-based) of each word's first character, with the file", () => {
    const text = "docker run \\\n  --cap-add 'SYS_ADMIN' \\\n\t-v \"/a b\":/c alpine";
    const { words, positions } = splitShellWords(text, "run.sh");
    expect(words).toEqual(["docker", "run", "--cap-add", "SYS_ADMIN", "-v", "/a b:/c", "alpine"]);
    expect(positions).toEqual<Origin[]>([
      { file: "run.sh", line: 1, column: 1 },
      { file: "run.sh", line: 1, column: 8 },
      { file: "run.sh", line: 2, column: 3 },
      { file: "run.sh", line: 2, column: 13 },
      { file: "run.sh", line: 3, column: 2 },
      { file: "run.sh", line: 3, column: 5 },
      { file: "run.sh", line: 3, column: 15 },
    ]);
  });

  it("leaves file out when none is given, and counts CRLF as one line break", () => {
    const { positions } = splitShellWords("# c\r\ndocker \\\r\n run");
    expect(positions).toEqual<Origin[]>([
      { line: 2, column: 1 },
      { line: 3, column: 2 },
    ]);
  });

  it("points a word that starts with a quote or a backslash at that character", () => {
    const { positions } = splitShellWords(`a 'b' \\c "d"`);
    expect(positions.map((p) => p.column)).toEqual([1, 3, 7, 10]);
  });
});

describe("splitShellWords: errors", () => {
  it.each<[string, string, string | undefined, RegExp, RegExp]>([
    [
      "unterminated single quote",
      "docker run \\\n  -e 'A=1 alpine",
      "run.sh",
      /^unterminated single quote opened at run\.sh:2:6$/,
      /close the quote/,
    ],
    [
      "unterminated double quote",
      'docker run -e "A=1 alpine\n',
      undefined,
      /^unterminated double quote opened at <command>:1:15$/,
      /close the quote/,
    ],
    [
      "an escaped quote does not close it",
      'x "a\\"',
      "f",
      /^unterminated double quote opened at f:1:3$/,
      /\\"/,
    ],
    ["unterminated $(", "x $(pwd", "f", /^unterminated "\$\(" opened at f:1:3$/, /\)/],
    ["unterminated backquote", "x `pwd", "f", /^unterminated backquote opened at f:1:3$/, /`/],
    [
      ";",
      "docker run a; docker run b",
      "f",
      /^";" at f:1:13 joins several commands: dockward reads one command at a time$/,
      /each/,
    ],
    ["&&", "docker run a && echo ok", "f", /^"&&" at f:1:14 joins/, /one command|each/],
    ["|", "docker run a | tee", "f", /^"\|" at f:1:14 joins/, /each/],
    ["& (background)", "docker run a &", "f", /^"&" at f:1:14 joins/, /each/],
    ["redirection", "docker run a > out.txt", "f", /^redirection ">" at f:1:14/, /quote/],
    ["subshell", "(docker run a)", "f", /^"\(" at f:1:1 starts or ends a subshell/, /parentheses/],
    [
      "a second command on the next line",
      "docker run a\ndocker run b",
      "f",
      /^a second command starts at f:2:1: dockward reads one command at a time$/,
      /backslash/,
    ],
  ])("%s", (_name, text, file, message, hint) => {
    const err = errorOf(text, file);
    expect(err.code).toBe("BAD_INPUT");
    expect(err.kind).toBe("usage");
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(message);
    expect(err.hint).toMatch(hint);
  });

  it.each([
    [
      "quoted operators are plain characters",
      "sh -c 'a; b && c | d > e'",
      ["sh", "-c", "a; b && c | d > e"],
    ],
    ["escaped operators are plain characters", "a\\;b \\&\\&", ["a;b", "&&"]],
  ])("%s", (_name, text, words) => {
    expect(splitShellWords(text).words).toEqual(words);
  });
});
