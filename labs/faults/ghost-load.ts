import type { Facts } from '../../grader/manifest.ts';
import { LabError } from '../errors.ts';
import { shq } from '../shell.ts';
import type { FaultSpec } from './types.ts';

/**
 * ghost-load: a forgotten "monitoring" loop. The script (named `parent_comm`, run directly so that is
 * its comm) curls a local endpoint several times a second and forks small helpers (`date`, `sh`): many
 * short-lived processes, load average up, CPU mostly idle. Only exec tracing shows who and how often.
 */
export function ghostLoadFault(facts: Facts): FaultSpec {
  const script = String(facts.parent_comm);
  const url = new URL(String(facts.url));
  if (!/^[A-Za-z0-9._-]{1,15}$/.test(script)) throw new LabError(`ghost-load: bad parent_comm ${JSON.stringify(script)}`, 'a file name of at most 15 characters');
  if (url.hostname !== '127.0.0.1' || !url.port) throw new LabError(`ghost-load: url must be http://127.0.0.1:PORT/path, got ${facts.url}`);
  const port = Number(url.port);
  const path = url.pathname.replace(/^\/+/, '') || 'index.html';
  if (!/^[A-Za-z0-9._/-]+$/.test(path) || path.includes('..')) throw new LabError(`ghost-load: bad url path ${url.pathname}`);

  const loop = `#!/bin/sh
# ${script}: "temporary" health check someone left running in a loop.
# Asks twice per round so one slow answer does not page anyone.
URL=${shq(url.href)}
while :; do
  started=$(date +%s)
  for try in 1 2; do
    curl -s -o /dev/null --max-time 2 "$URL"
  done
  sh -c 'test -n "$0"' "$started"
  sleep 0.15
done
`;
  // python's http.server writes a line per request to stderr: silenced so the log stays small
  // the system python first: version-manager shims (pyenv) fork a lot at start-up
  const server = `PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3; exec "$PY" -m http.server ${port} --bind 127.0.0.1 --directory www >/dev/null 2>&1`;
  return {
    preflight: [
      { check: 'command -v curl >/dev/null', message: 'curl is not installed', hint: 'run `labctl lab setup` first' },
      { check: 'test -x /usr/bin/python3 || command -v python3 >/dev/null', message: 'python3 is not installed', hint: 'run `labctl lab setup` first' },
      {
        // curl exit 7 = connection refused: nothing listens there yet
        check: `curl -s -o /dev/null --max-time 2 http://127.0.0.1:${port}/; test $? -eq 7`,
        message: `port ${port} on 127.0.0.1 is already in use`,
        hint: `stop what listens there (ss -ltnp 'sport = :${port}') or inject with another --seed`,
      },
    ],
    files: [
      { path: `www/${path}`, content: 'ok\n' },
      { path: `bin/${script}`, content: loop, mode: 0o755 },
    ],
    processes: [
      { name: 'http-server', command: `sh -c ${shq(server)}` },
      { name: 'loop', command: `./bin/${script}` },
    ],
    ready: `curl -fs -o /dev/null --max-time 2 ${shq(url.href)}`,
    port,
    scratch: ['www'],
  };
}
