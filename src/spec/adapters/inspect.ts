/**
 * ContainerSpec from a container's inspect document (`GET /containers/{id}/json`, API 1.41 as
 * Docker 20.10 writes it; fields added by newer daemons are ignored).
 *
 * HostConfig says what was asked; the top-level `Mounts` array is the daemon's record of what
 * it mounts (volumes resolved to host directories, `VolumesFrom` and image volumes expanded,
 * paths cleaned, propagation defaulted). A mount appears once per destination: the HostConfig
 * entry keeps its pointer and takes read-only, propagation and host path from the record;
 * a destination only the record knows (VolumesFrom, image VOLUMEs, `-v /anon`) points into
 * `/Mounts`.
 */

import type { ContainerSpec, MountSpec, Target } from "../model.js";
import { emptySpec } from "../model.js";
import {
  applyContainerConfig,
  applyHostConfig,
  array,
  bool,
  cleanPath,
  childPointer,
  decodeContainerConfig,
  decodeHostConfig,
  entriesToRecord,
  isMountType,
  JsonInputError,
  type Located,
  type MappingContext,
  object,
  originAt,
  str,
} from "./host-config.js";

export interface InspectOptions {
  /** the file the document was read from; copied into every origin */
  source?: string;
}

const HINT =
  "Pass the JSON object of GET /containers/{id}/json (`docker inspect` prints an array of them).";

const recordMount = object({
  Type: str,
  Name: str,
  Source: str,
  Destination: str,
  Driver: str,
  Mode: str,
  RW: bool,
  Propagation: str,
});

const decodeInspect = object({
  Id: str,
  Name: str,
  /** the profile the daemon applied ("" on a kernel without AppArmor) */
  AppArmorProfile: str,
  Config: decodeContainerConfig,
  HostConfig: decodeHostConfig,
  Mounts: array(recordMount),
});

type RecordMount = ReturnType<typeof recordMount>;

/**
 * @example
 * const spec = specFromInspect(JSON.parse(text), { source: "web.json" });
 * spec.privileged?.origin // { file: "web.json", pointer: "/HostConfig/Privileged" }
 */
export function specFromInspect(doc: unknown, options: InspectOptions = {}): ContainerSpec {
  const label = options.source ?? "container inspect JSON";
  const ctx: MappingContext = {
    label,
    hint: HINT,
    strictKeys: false,
    source: "inspect",
    ...(options.source === undefined ? {} : { file: options.source }),
  };
  if (Array.isArray(doc)) {
    throw new JsonInputError(label, "", "expected one container's object, got an array", HINT);
  }
  const d = decodeInspect(doc, "", ctx);
  if (d.HostConfig === undefined) {
    throw new JsonInputError(
      label,
      "/HostConfig",
      "missing: this is not a container's inspect document",
      HINT,
    );
  }
  if (d.Config === undefined) {
    throw new JsonInputError(
      label,
      "/Config",
      "missing: this is not a container's inspect document",
      HINT,
    );
  }
  const config = d.Config.value;

  const name =
    (d.Name?.value ?? "").replace(/^\//, "") || (d.Id?.value ?? "").slice(0, 12) || "container";
  const labels = entriesToRecord(config.Labels?.value);
  const image = config.Image?.value;
  const target: Target = {
    kind: "container",
    name,
    origin: originAt(ctx, ""),
    image: image === "" ? undefined : image,
    labels,
    service: labels["com.docker.compose.service"],
    container: name,
  };

  const spec = emptySpec(target);
  applyContainerConfig(spec, config, ctx);
  applyHostConfig(spec, d.HostConfig.value, ctx);
  mergeMountRecord(spec, d.Mounts?.value ?? [], ctx);
  // What the daemon applied wins over what SecurityOpt asked for: it is what the container
  // runs under (docker-default when nothing was named, unconfined for privileged ones).
  const applied = d.AppArmorProfile?.value;
  // Where they agree, the finding points at the SecurityOpt entry: that is where the fix goes.
  // A privileged container runs unconfined by design; DW-PRIV-001 says so, not a second rule.
  const privilegedDefault = applied === "unconfined" && spec.privileged?.value === true;
  if (
    applied !== undefined &&
    applied !== "" &&
    applied !== spec.apparmor?.value &&
    !privilegedDefault
  )
    spec.apparmor = { value: applied, origin: originAt(ctx, "/AppArmorProfile") };
  return spec;
}

function mergeMountRecord(
  spec: ContainerSpec,
  records: readonly Located<RecordMount>[],
  ctx: MappingContext,
): void {
  const byTarget = new Map<string, MountSpec>(spec.mounts.map((m) => [m.target, m]));
  for (const { value: r, pointer } of records) {
    const destination = r.Destination?.value ?? "";
    if (!destination.startsWith("/")) {
      throw new JsonInputError(
        ctx.label,
        childPointer(pointer, "Destination"),
        "expected an absolute path",
        HINT,
      );
    }
    const type = r.Type?.value ?? "";
    if (!isMountType(type)) {
      throw new JsonInputError(
        ctx.label,
        childPointer(pointer, "Type"),
        `unknown mount type "${type}"`,
        HINT,
      );
    }
    const target = cleanPath(destination);
    const propagation = r.Propagation?.value === "" ? undefined : r.Propagation?.value;
    const hostPath = resolvedHostPath(type, r);

    const asked = byTarget.get(target);
    if (asked !== undefined) {
      if (r.RW !== undefined) asked.readOnly = !r.RW.value;
      asked.propagation ??= propagation;
      asked.hostPath ??= hostPath;
      continue;
    }
    const source = type === "volume" ? r.Name?.value : r.Source?.value;
    const added: MountSpec = {
      type,
      source: source === "" ? undefined : source,
      hostPath,
      target,
      readOnly: r.RW?.value === false,
      propagation,
      origin: originAt(ctx, pointer),
    };
    spec.mounts.push(added);
    byTarget.set(target, added);
  }
}

/**
 * The record's Source is a host path for binds. For volumes it is where the volume lives on the
 * host: `<data-root>/volumes/<name>/_data` for the local driver, which exposes nothing of the
 * host beyond the volume itself; anything else (a plugin mounting a host directory) is a host
 * path. A local volume created with `o=bind` also shows `_data` here: only `docker volume
 * inspect` knows its device.
 */
function resolvedHostPath(type: string, r: RecordMount): string | undefined {
  const source = r.Source?.value ?? "";
  if (source === "" || !source.startsWith("/")) return undefined;
  if (type === "bind") return cleanPath(source);
  if (type !== "volume") return undefined;
  const name = r.Name?.value ?? "";
  if (name !== "" && cleanPath(source).endsWith(`/volumes/${name}/_data`)) return undefined;
  return cleanPath(source);
}
