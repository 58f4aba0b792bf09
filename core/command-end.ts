/**
 * Work to do when a CLI command has finished, registered by the modules that made it necessary (the SSH
 * transport ends its shared connections). The CLI runs it once, after the command, success or failure.
 */
const hooks: (() => Promise<void>)[] = [];

export function onCommandEnd(hook: () => Promise<void>): void {
  hooks.push(hook);
}

export async function runCommandEnd(): Promise<void> {
  const all = hooks.splice(0);
  await Promise.all(all.map((h) => h().catch(() => undefined)));
}
