import { describe, expect, it } from "vitest";
import {
  copyOf,
  type CreatedContainer,
  createBody,
  demultiplex,
  type ImageWorkload,
  noNewPrivilegesOf,
  WORKLOAD_LABEL,
} from "../../../../src/seccomp/record/workload.js";

const ID = "6b68e4181c79b4865a1f940f91695ad9d404acee518e7c49647a0a013459c45a";

/** Trimmed from GET /containers/{id}/json of `docker create --network none --cap-add SYS_ADMIN -e FOO=1 --security-opt seccomp=… --security-opt no-new-privileges …` on Docker 20.10. */
function created(over: Partial<CreatedContainer["HostConfig"]> = {}): CreatedContainer {
  return {
    Id: ID,
    Name: "/web-1",
    Image: "sha256:ad02227d6f73e3dce31abf44ba4b497a38ff98d631e635283a001577cacfef56",
    State: { Status: "created" },
    Config: {
      Hostname: "6b68e4181c79",
      User: "",
      AttachStdin: true,
      OpenStdin: true,
      StdinOnce: true,
      Tty: false,
      Env: ["FOO=1"],
      Cmd: ["sh", "-c", "echo $FOO"],
      Image: "dockward-busybox:test",
      Labels: { app: "web" },
    },
    HostConfig: {
      NetworkMode: "none",
      CapAdd: ["CAP_SYS_ADMIN"],
      AutoRemove: true,
      PidMode: "",
      SecurityOpt: [
        'seccomp={"defaultAction":"SCMP_ACT_ERRNO"}',
        "no-new-privileges",
        "label=disable",
      ],
      ...over,
    },
    NetworkSettings: {
      Networks: {
        none: {
          IPAMConfig: null,
          Links: null,
          Aliases: null,
          NetworkID: "abc",
          EndpointID: "",
          IPAddress: "",
          MacAddress: "",
        },
      },
    },
  };
}

describe("copyOf + createBody for --container", () => {
  const copy = copyOf(created(), "web-1");

  it("keeps the container's settings, by image id, without stdin or AutoRemove", () => {
    expect(copy).toMatchObject({
      id: ID,
      name: "web-1",
      noNewPrivileges: true,
      sharedPidNamespace: false,
    });
    const body = createBody(copy, ["seccomp=LOGGING", "no-new-privileges"]);
    expect(body).toMatchObject({
      Image: "sha256:ad02227d6f73e3dce31abf44ba4b497a38ff98d631e635283a001577cacfef56",
      Env: ["FOO=1"],
      Cmd: ["sh", "-c", "echo $FOO"],
      OpenStdin: false,
      AttachStdin: false,
      Labels: { app: "web", [WORKLOAD_LABEL]: ID },
      HostConfig: { NetworkMode: "none", CapAdd: ["CAP_SYS_ADMIN"], AutoRemove: false },
      NetworkingConfig: { EndpointsConfig: { none: {} } },
    });
  });

  it("replaces its seccomp and no-new-privileges entries, keeping the other options", () => {
    const body = createBody(copy, ["seccomp=LOGGING", "no-new-privileges"]);
    expect((body.HostConfig as Record<string, unknown>).SecurityOpt).toEqual([
      "label=disable",
      "seccomp=LOGGING",
      "no-new-privileges",
    ]);
  });

  it("knows when the copies share a pid namespace", () => {
    expect(copyOf(created({ PidMode: "host" }), "x").sharedPidNamespace).toBe(true);
    expect(copyOf(created({ PidMode: "container:db" }), "x").sharedPidNamespace).toBe(true);
  });
});

describe("createBody for an image", () => {
  it("runs IMAGE CMD with the profile inline and the run flags", () => {
    const w: ImageWorkload = {
      kind: "image",
      image: "busybox",
      cmd: ["ls", "/"],
      network: "none",
      capAdd: ["SYS_ADMIN"],
      user: "1000:1000",
    };
    expect(createBody(w, ["seccomp={}"])).toEqual({
      Image: "busybox",
      Cmd: ["ls", "/"],
      User: "1000:1000",
      AttachStdout: false,
      AttachStderr: false,
      Tty: false,
      Labels: { [WORKLOAD_LABEL]: "image" },
      HostConfig: { SecurityOpt: ["seccomp={}"], NetworkMode: "none", CapAdd: ["SYS_ADMIN"] },
    });
  });

  it("leaves the image's own command when none is given", () => {
    const w: ImageWorkload = {
      kind: "image",
      image: "nginx",
      cmd: [],
      network: undefined,
      capAdd: [],
      user: undefined,
    };
    expect(createBody(w, [])).not.toHaveProperty("Cmd");
  });
});

describe("noNewPrivilegesOf", () => {
  it.each([
    [["no-new-privileges"], true],
    [["no-new-privileges:true"], true],
    [["no-new-privileges=true", "no-new-privileges=false"], false],
    [["no-new-privileges:false", "no-new-privileges"], true],
    [["seccomp=unconfined"], false],
  ])("%j → %s (the last entry wins)", (opts, on) => {
    expect(noNewPrivilegesOf(opts)).toBe(on);
  });
});

describe("demultiplex", () => {
  const frame = (stream: number, text: string): Buffer => {
    const payload = Buffer.from(text);
    const head = Buffer.alloc(8);
    head[0] = stream;
    head.writeUInt32BE(payload.length, 4);
    return Buffer.concat([head, payload]);
  };

  it("joins stdout and stderr frames in order", () => {
    expect(
      demultiplex(Buffer.concat([frame(1, "out\n"), frame(2, "err\n"), frame(1, "more")])),
    ).toBe("out\nerr\nmore");
  });

  it("takes a TTY container's raw text as it is", () => {
    expect(demultiplex(Buffer.from("plain text output\n"))).toBe("plain text output\n");
  });
});
