import { fastParse, type ParsedYaml } from "./fast-parse.js";
import type { SourceFile } from "./source.js";
import { AliasBudget } from "./tree.js";
import { fullParse, type ParseWarning } from "./yaml-parse.js";

/**
 * Parse one compose file, once: the fast scanner for the common subset, the yaml package for
 * everything else (and for every error). Aliases may expand to 100,000 nodes plus one per four
 * bytes of the file — more than real files use, far less than an alias bomb needs.
 */
export function parseYaml(src: SourceFile, warnings: ParseWarning[]): ParsedYaml {
  const limit = 100_000 + Math.floor(src.text.length / 4);
  return fastParse(src, new AliasBudget(limit)) ?? fullParse(src, new AliasBudget(limit), warnings);
}
