import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The CLI as users run it (`bin/labctl.js`: the build, or the sources through tsx when they changed). */
export const LABCTL_BIN = fileURLToPath(new URL('../../bin/labctl.js', import.meta.url));

export interface LabctlResult {
  /** the exit status (1 when the process was killed, e.g. by the timeout) */
  code: number;
  stdout: string;
  stderr: string;
}

export interface LabctlOptions {
  cwd?: string;
  /** added to this process's environment (NO_COLOR=1 is always set); `undefined` removes a variable */
  env?: Record<string, string | undefined>;
  /** ms before the process is killed (default 120 s: the tsx-run CLI starts slowly on a loaded machine) */
  timeout?: number;
}

/** Runs `labctl ARGS` as a child process; never rejects: a failing command is a result with its exit code. */
export function labctl(args: string[], options: LabctlOptions = {}): Promise<LabctlResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return new Promise((resolve) => {
    execFile(process.execPath, [LABCTL_BIN, ...args], { cwd: options.cwd, env, timeout: options.timeout ?? 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}
