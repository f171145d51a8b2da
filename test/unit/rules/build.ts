import { type ContainerSpec, emptySpec, type Field, type Origin } from "../../../src/spec/model.js";

/** A spec for rule tests: origins are line numbers in an imaginary compose file "t.yml". */
export function spec(edit: (s: ContainerSpec) => void = () => undefined): ContainerSpec {
  const s = emptySpec({
    kind: "compose",
    name: "web",
    origin: at(1),
    image: "nginx:1.27",
    labels: {},
    service: "web",
  });
  edit(s);
  return s;
}

export function at(line: number, column = 5): Origin {
  return { file: "t.yml", line, column };
}

export function f<T>(value: T, line: number, column = 5): Field<T> {
  return { value, origin: at(line, column) };
}

/** A spec with every restricted-preset control satisfied, to prove rules stay quiet on it. */
export function hardened(edit: (s: ContainerSpec) => void = () => undefined): ContainerSpec {
  return spec((s) => {
    s.capDrop = [f("ALL", 2)];
    s.noNewPrivileges = f(true, 3);
    s.resources.memory = f(256 * 1024 * 1024, 4);
    s.resources.nanoCpus = f(500_000_000, 5);
    s.resources.pidsLimit = f(100, 6);
    s.user = f("10001:10001", 7);
    s.readOnlyRootfs = f(true, 8);
    s.namespaces.cgroupns = f("private", 9);
    edit(s);
  });
}
