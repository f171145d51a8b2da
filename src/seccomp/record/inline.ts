/**
 * A profile file's text as the docker CLI puts it into `HostConfig.SecurityOpt` for
 * `--security-opt seccomp=FILE`: Go's json.Compact of the file, which drops the whitespace
 * between tokens and keeps every token as written (number literals exactly, string escapes as
 * they are). The daemon then reads that text; it never sees the path.
 */
export function inlineProfileText(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? "";
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else {
      // JSON's whitespace is exactly these four; anything else is a token character
      if (c !== " " && c !== "\t" && c !== "\n" && c !== "\r") out += c;
      i++;
    }
  }
  return out;
}
