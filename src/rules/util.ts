import { posix } from "node:path";
import type { ContainerSpec, Field, Origin } from "../spec/model.js";

/** Where to point when the problem is something missing: the target itself. */
export function targetOrigin(spec: ContainerSpec): Origin {
  return spec.target.origin;
}

export function originOf(field: Field<unknown> | undefined, spec: ContainerSpec): Origin {
  return field?.origin ?? spec.target.origin;
}

/** `/var/run` is a symlink to `/run` on every current distribution: compare them as one. */
export function canonicalHostPath(path: string): string {
  const normal = posix.normalize(path).replace(/\/+$/, "");
  if (normal === "") return "/";
  if (normal === "/var/run" || normal.startsWith("/var/run/")) return normal.slice("/var".length);
  return normal;
}

/** true when `path` is `dir` or inside it */
export function isUnder(path: string, dir: string): boolean {
  if (dir === "/") return true;
  return path === dir || path.startsWith(`${dir}/`);
}

export function isHostNamespace(field: Field<string> | undefined): boolean {
  return field?.value.toLowerCase() === "host";
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
