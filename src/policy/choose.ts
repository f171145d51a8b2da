import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { PresetName } from "../rules/types.js";
import { defaultPolicy, loadPolicy, type Policy } from "./policy.js";

/** The policy: --policy, else ./dockward.yaml when present, else the built-in preset. --preset beats the file's preset. */
export function choosePolicy(
  opts: { policy?: string | undefined; preset?: PresetName | undefined },
  cwd: string,
): Policy {
  const file =
    opts.policy ??
    (existsSync(resolve(cwd, "dockward.yaml")) ? resolve(cwd, "dockward.yaml") : undefined);
  if (file !== undefined) return loadPolicy(file, opts.preset);
  return defaultPolicy(opts.preset ?? "restricted");
}
