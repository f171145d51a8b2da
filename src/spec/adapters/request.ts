/**
 * ContainerSpec from the JSON body of `POST /containers/create`: what the daemon would act on.
 *
 * The body given here is already decoded with Go's semantics (case-folded keys, merged
 * duplicates) by the guard's canonicaliser; this adapter checks it the way moby's
 * runconfig.decodeContainerConfig does, and refuses what the daemon refuses at create time.
 *
 * The old (API < 1.24) shape puts HostConfig fields at the top level of the body beside the
 * Config fields. dockerd 20.10 still reads them, whatever the API version, as an embedded
 * HostConfig (runconfig ContainerConfigWrapper.getHostConfig; checked on 20.10.24):
 * - without a `HostConfig` object (absent or null) the top-level fields ARE the HostConfig;
 * - with one, the top-level copies are ignored, except that a non-zero top-level Memory,
 *   MemorySwap, CpuShares or CpusetCpus fills the same field when the inner one is zero;
 * - a top-level `Cpuset` fills an empty CpusetCpus, when there is a HostConfig at all;
 * - ignored or not, every top-level field is decoded: a type error in one fails the request.
 */

import type { ContainerSpec, Target } from "../model.js";
import { emptySpec } from "../model.js";
import { DockwardError } from "../../errors.js";
import {
  applyContainerConfig,
  applyHostConfig,
  containerConfigShape,
  decodeHostConfig,
  type DecodedHostConfig,
  entriesToRecord,
  foldKey,
  hostConfigShape,
  type MappingContext,
  object,
  str,
} from "./host-config.js";

export interface CreateRequestOptions {
  /** the `?name=` query parameter */
  name?: string;
  /** the API version of the request path (`1.41`, `v1.41`); defaults to the current one */
  apiVersion?: string;
}

const HINT =
  "The Docker daemon would refuse or misread this request body too; fix the field named.";

const decodeRequest = object({
  ...containerConfigShape,
  ...hostConfigShape,
  HostConfig: decodeHostConfig,
  /** deprecated wrapper field: CpusetCpus */
  Cpuset: str,
});

/**
 * Every JSON field of the 20.10 HostConfig (with its embedded Resources). Go allocates the
 * embedded top-level HostConfig as soon as ANY of these keys appears (even with null), which
 * decides whether `Cpuset` and the version defaults apply.
 */
export const HOST_CONFIG_FIELDS: readonly string[] = [
  "Binds",
  "ContainerIDFile",
  "LogConfig",
  "NetworkMode",
  "PortBindings",
  "RestartPolicy",
  "AutoRemove",
  "VolumeDriver",
  "VolumesFrom",
  "CapAdd",
  "CapDrop",
  "CgroupnsMode",
  "Dns",
  "DnsOptions",
  "DnsSearch",
  "ExtraHosts",
  "GroupAdd",
  "IpcMode",
  "Cgroup",
  "Links",
  "OomScoreAdj",
  "PidMode",
  "Privileged",
  "PublishAllPorts",
  "ReadonlyRootfs",
  "SecurityOpt",
  "StorageOpt",
  "Tmpfs",
  "UTSMode",
  "UsernsMode",
  "ShmSize",
  "Sysctls",
  "Runtime",
  "ConsoleSize",
  "Isolation",
  "CpuShares",
  "Memory",
  "NanoCpus",
  "CgroupParent",
  "BlkioWeight",
  "BlkioWeightDevice",
  "BlkioDeviceReadBps",
  "BlkioDeviceWriteBps",
  "BlkioDeviceReadIOps",
  "BlkioDeviceWriteIOps",
  "CpuPeriod",
  "CpuQuota",
  "CpuRealtimePeriod",
  "CpuRealtimeRuntime",
  "CpusetCpus",
  "CpusetMems",
  "Devices",
  "DeviceCgroupRules",
  "DeviceRequests",
  "KernelMemory",
  "KernelMemoryTCP",
  "MemoryReservation",
  "MemorySwap",
  "MemorySwappiness",
  "OomKillDisable",
  "PidsLimit",
  "Ulimits",
  "CpuCount",
  "CpuPercent",
  "IOMaximumIOps",
  "IOMaximumBandwidth",
  "Mounts",
  "MaskedPaths",
  "ReadonlyPaths",
  "Init",
];
const HOST_CONFIG_FOLDED = new Set(HOST_CONFIG_FIELDS.map(foldKey));

/**
 * @example
 * specFromCreateRequest({ Image: "busybox", HostConfig: { Privileged: true } }, { name: "web" })
 *   .privileged // { value: true, origin: { pointer: "/HostConfig/Privileged" } }
 */
export function specFromCreateRequest(
  body: unknown,
  options: CreateRequestOptions = {},
): ContainerSpec {
  const apiVersion = parseApiVersion(options.apiVersion);
  const ctx: MappingContext = {
    label: "container create request",
    hint: HINT,
    strictKeys: true,
    source: "request",
  };
  const d = decodeRequest(body, "", ctx);

  const legacyPresent =
    typeof body === "object" &&
    body !== null &&
    Object.keys(body).some((key) => HOST_CONFIG_FOLDED.has(foldKey(key)));
  const inner = d.HostConfig?.value;
  let hc: DecodedHostConfig | undefined;
  if (inner !== undefined) {
    hc = { ...inner };
    for (const key of ["Memory", "MemorySwap", "CpuShares"] as const) {
      const top = d[key];
      if (top !== undefined && top.value !== 0 && (hc[key]?.value ?? 0) === 0) hc[key] = top;
    }
    if (
      d.CpusetCpus !== undefined &&
      d.CpusetCpus.value !== "" &&
      (hc.CpusetCpus?.value ?? "") === ""
    ) {
      hc.CpusetCpus = d.CpusetCpus;
    }
  } else if (legacyPresent) {
    hc = d;
  }
  if (
    hc !== undefined &&
    d.Cpuset !== undefined &&
    d.Cpuset.value !== "" &&
    (hc.CpusetCpus?.value ?? "") === ""
  ) {
    hc.CpusetCpus = d.Cpuset;
  }

  const labels = entriesToRecord(d.Labels?.value);
  const image = d.Image?.value;
  const target: Target = {
    kind: "request",
    name: options.name ?? "container create request",
    origin: { pointer: "" },
    image: image === "" ? undefined : image,
    labels,
    service: labels["com.docker.compose.service"],
    container: options.name,
  };
  const spec = emptySpec(target);
  applyContainerConfig(spec, d, ctx);
  if (hc === undefined) return spec;
  applyHostConfig(spec, hc, ctx);

  // postContainersCreate: clients older than API 1.40 expect an unset IpcMode to be shareable.
  // (The < 1.41 "cgroupns=host on cgroup v1" default depends on the host, not on the request.)
  if (
    apiVersion !== undefined &&
    lessThan(apiVersion, [1, 40]) &&
    spec.namespaces.ipc === undefined
  ) {
    spec.namespaces.ipc = {
      value: "shareable",
      origin: { pointer: inner === undefined ? "" : "/HostConfig" },
    };
  }
  return spec;
}

function parseApiVersion(text: string | undefined): [number, number] | undefined {
  if (text === undefined) return undefined;
  const m = /^v?(\d+)\.(\d+)$/.exec(text);
  if (m === null) {
    throw new DockwardError("BAD_INPUT", `API version "${text}" is not MAJOR.MINOR`, {
      hint: "Pass the version from the request path, e.g. 1.41.",
    });
  }
  return [Number(m[1]), Number(m[2])];
}

function lessThan(a: readonly [number, number], b: readonly [number, number]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}
