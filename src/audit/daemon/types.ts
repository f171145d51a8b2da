/**
 * Shapes shared by the daemon-exposure collectors. Everything a collector finds is data: a
 * setting keeps where it came from (an argv index, a daemon.json pointer, or dockerd's own
 * default), and anything odd on the way (an unreadable file, a flag dockerd would refuse) is
 * a `Problem`, never a throw, so one broken daemon does not hide the others.
 */

/** Where a daemon setting came from, precise enough for a finding to point at it. */
export type SettingOrigin =
  | {
      kind: "flag";
      /** index in the process argv (argv[0] is the program) */
      argvIndex: number;
      /** the argument as written, e.g. `--host=tcp://0.0.0.0:2375` or `-H` */
      arg: string;
    }
  | {
      kind: "daemon.json";
      file: string;
      /** RFC 6901 pointer into the file, e.g. `/hosts/1` */
      pointer: string;
    }
  | {
      kind: "default";
      /** why dockerd falls back to this value */
      why: string;
    };

export interface Setting<T> {
  value: T;
  origin: SettingOrigin;
}

export type ProblemCode =
  /** a value dockerd's flag parser would refuse (bad bool, missing value) */
  | "ARGV_INVALID"
  /** a flag this table does not know (a newer dockerd?); it is assumed to take no value */
  | "ARGV_UNKNOWN_FLAG"
  | "CONFIG_UNREADABLE"
  | "CONFIG_INVALID_JSON"
  /** valid JSON, but not an object, or a key with the wrong type */
  | "CONFIG_INVALID"
  /** the same setting as a flag and in daemon.json: dockerd refuses to start like that */
  | "CONFIG_CONFLICT"
  | "HOST_INVALID"
  /** a /proc file could not be read (the process exited, or no permission) */
  | "PROC_UNREADABLE"
  /** a socket file could not be stat'ed */
  | "SOCKET_FILE";

export interface Problem {
  code: ProblemCode;
  message: string;
  origin?: SettingOrigin;
  /** the path that could not be read, for PROC_UNREADABLE / CONFIG_UNREADABLE / SOCKET_FILE */
  path?: string;
  /** errno code (ENOENT, EACCES, ...) when the problem is a failed system call */
  errno?: string;
}

/** Options shared by the /proc readers: tests point `procRoot` at a fixture tree. */
export interface ProcOptions {
  /** default "/proc" */
  procRoot?: string;
}
