import type { NamespaceKind } from "../spec/model.js";
import { defineRule, noOptions } from "./define.js";
import type { ContainerRemediation, Rule, RuleMeta } from "./types.js";
import { isHostNamespace } from "./util.js";

const LABEL: Record<NamespaceKind, string> = {
  pid: "PID",
  ipc: "IPC",
  network: "network",
  uts: "UTS",
  userns: "user",
  cgroupns: "cgroup",
};

/** The shape shared by the host-namespace rules: one rule per namespace, each with its own id and CIS control. */
export function hostNamespaceRule(
  kind: NamespaceKind,
  meta: RuleMeta<ContainerRemediation>,
  why: string,
): Rule<Record<string, never>> {
  return defineRule({
    meta,
    options: noOptions,
    check(spec) {
      const ns = spec.namespaces[kind];
      if (ns === undefined || !isHostNamespace(ns)) return [];
      return [{ message: `shares the host's ${LABEL[kind]} namespace: ${why}`, origin: ns.origin }];
    },
  });
}
