import { describe, expect, it } from "vitest";
import {
  Attribution,
  attribute,
  type ProcFacts,
  type ProcReader,
} from "../../../../src/seccomp/record/attribution.js";

const ID = "d2ea632f363edfc8fe455d022d6da804550ed99288d3395ea983813068712782";
const HOST_NS = "pid:[4026531836]";
const CONTAINER_NS = "pid:[4026532180]";
const OTHER_NS = "pid:[4026532999]";

// /proc/<pid>/cgroup as the host reads it (cgroup v1, cgroupfs driver) on the development VM
const IN_CONTAINER = `9:name=systemd:/docker/${ID}\n8:pids:/docker/${ID}\n0::/\n`;
const EXITING = "9:name=systemd:/\n8:pids:/\n0::/\n";
const OTHER_SERVICE =
  "9:name=systemd:/system.slice/logger.service\n8:pids:/system.slice/logger.service\n0::/\n";

const alive = (cgroup: string, ns: string): ProcFacts => ({ cgroup, pidNamespace: ns, state: "S" });
const zombie = (ns: string): ProcFacts => ({ cgroup: EXITING, pidNamespace: ns, state: "Z" });
const GONE: ProcFacts = { cgroup: undefined, pidNamespace: undefined, state: undefined };

function proc(table: Record<number, ProcFacts>): ProcReader {
  return {
    facts: (pid) => table[pid] ?? GONE,
    ownPidNamespace: () => HOST_NS,
    pidNamespace: (pid) => table[pid]?.pidNamespace,
  };
}

function classify(table: Record<number, ProcFacts>, pids: number[], ownPidNamespace = true) {
  const a = new Attribution(proc(table), { containerId: ID, ownPidNamespace });
  for (const pid of pids) a.observe(pid);
  return { a, origins: pids.map((p) => a.origin(p)) };
}

describe("Attribution", () => {
  it("places a live process by its cgroup, and learns the container's pid namespace from it", () => {
    const { a, origins } = classify({ 10: alive(IN_CONTAINER, CONTAINER_NS) }, [10]);
    expect(origins).toEqual(["container"]);
    expect(a.knownNamespace).toBe(CONTAINER_NS);
  });

  it("places a zombie (cgroup reads /) by its pid namespace", () => {
    const { origins } = classify(
      { 10: alive(IN_CONTAINER, CONTAINER_NS), 11: zombie(CONTAINER_NS), 12: zombie(OTHER_NS) },
      [10, 11, 12],
    );
    expect(origins).toEqual(["container", "container", "foreign"]);
  });

  it("leaves a zombie unresolved while the container's namespace is unknown", () => {
    expect(classify({ 11: zombie(CONTAINER_NS) }, [11]).origins).toEqual(["unresolved"]);
  });

  it("calls a live process in a real cgroup of its own foreign", () => {
    expect(classify({ 20: alive(OTHER_SERVICE, HOST_NS) }, [20]).origins).toEqual(["foreign"]);
  });

  it("calls a process that was gone unresolved", () => {
    expect(classify({}, [30]).origins).toEqual(["unresolved"]);
  });

  it("never takes the host's namespace for the container's", () => {
    const a = new Attribution(proc({ 40: alive(OTHER_SERVICE, HOST_NS) }), {
      containerId: ID,
      ownPidNamespace: true,
    });
    a.learnNamespace(HOST_NS);
    a.observe(40);
    expect(a.knownNamespace).toBeUndefined();
    expect(a.origin(40)).toBe("foreign");
  });

  it("uses only the cgroup when the container shares a pid namespace", () => {
    const { a, origins } = classify(
      { 10: alive(IN_CONTAINER, HOST_NS), 11: zombie(HOST_NS), 12: alive(OTHER_SERVICE, HOST_NS) },
      [10, 11, 12],
      false,
    );
    expect(a.knownNamespace).toBeUndefined();
    expect(origins).toEqual(["container", "unresolved", "foreign"]);
  });

  it("learns the namespace from inspect's State.Pid", () => {
    const a = new Attribution(proc({ 50: alive(IN_CONTAINER, CONTAINER_NS) }), {
      containerId: ID,
      ownPidNamespace: true,
    });
    a.learnFromPid(50);
    expect(a.knownNamespace).toBe(CONTAINER_NS);
  });

  it("says whether the engine's pid is this machine's container process", () => {
    const a = new Attribution(
      proc({
        60: alive(IN_CONTAINER, CONTAINER_NS),
        61: alive(OTHER_SERVICE, HOST_NS),
        62: zombie(HOST_NS),
      }),
      { containerId: ID, ownPidNamespace: true },
    );
    expect(a.placement(60)).toBe(true);
    expect(a.placement(61)).toBe(false);
    expect(a.placement(62)).toBeUndefined();
    expect(a.placement(63)).toBeUndefined();
  });
});

describe("attribute", () => {
  const table = {
    10: alive(IN_CONTAINER, CONTAINER_NS),
    20: alive(OTHER_SERVICE, HOST_NS),
  };

  it("counts the records of exited processes when nothing else logged", () => {
    const { a } = classify(table, [10, 30]);
    const v = attribute([{ pid: 10 }, { pid: 30 }, { pid: 10 }], a);
    expect(v.counted).toHaveLength(3);
    expect(v.unresolvedCounted).toBe(true);
    expect(v.unresolvedPids).toEqual([30]);
  });

  it("leaves them out, and never counts foreign ones, when something else logged too", () => {
    const { a } = classify(table, [10, 20, 30]);
    const v = attribute([{ pid: 10 }, { pid: 20 }, { pid: 30 }], a);
    expect(v.counted).toEqual([{ pid: 10 }]);
    expect(v.unresolvedCounted).toBe(false);
    expect(v.foreignPids).toEqual([20]);
    expect(v.containerPids).toEqual([10]);
  });
});
