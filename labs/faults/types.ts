/**
 * What a fault needs on a host, as data: files to write, an optional build, the processes to start
 * and how to tell it is up. The supervisor turns this into a launcher script and runs it under a TTL.
 * Paths are relative to the fault's lab directory (`<state dir>/<scenario>`).
 */
export interface FaultFile {
  path: string;
  content: string;
  mode?: number;
}

export interface FaultProcess {
  /** its role (`service`, `loop`, `http-server`): the pid file's and status output's name; never the comm, which is an answer */
  name: string;
  /** shell command started in the background from the lab directory */
  command: string;
}

export interface FaultSpec {
  /** shell snippets that must all exit 0 before anything is written; `message`+`hint` otherwise */
  preflight: { check: string; message: string; hint: string }[];
  files: FaultFile[];
  /** shell command run in the lab directory after the files are written (e.g. gcc) */
  build?: string;
  processes: FaultProcess[];
  /** shell command: exit 0 once the fault is visible to the tools */
  ready: string;
  /** TCP port the fault listens on, for status and the "nothing left behind" check */
  port?: number;
  /** directories the launcher deletes when the fault stops or expires */
  scratch: string[];
}
