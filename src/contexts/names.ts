import { DEFAULT_CONTEXT } from "../engine/context-store.js";
import { DockwardError } from "../errors.js";

/** The docker CLI's rule for context names (cli/context/store: restrictedNamePattern). */
export const CONTEXT_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$/;

/**
 * Check a name a user wants to create or change. `default` is reserved: the docker CLI builds it
 * from DOCKER_HOST and the TLS environment and never stores it, so writing one would be ignored.
 */
export function checkContextName(name: string): string {
  if (name === DEFAULT_CONTEXT) {
    throw new DockwardError("BAD_INPUT", `"default" is a reserved context name`, {
      hint: "pick another name; the default context is DOCKER_HOST or the local socket",
    });
  }
  if (!CONTEXT_NAME_PATTERN.test(name)) {
    throw new DockwardError("BAD_INPUT", `${JSON.stringify(name)} is not a valid context name`, {
      hint: "a name starts with a letter or digit, then letters, digits, _ . + or - (2 characters at least)",
    });
  }
  return name;
}
