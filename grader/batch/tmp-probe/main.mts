import { Worker } from 'node:worker_threads';
const variants: Record<string, string[] | undefined> = {
  inherit: undefined,
  importTsx: ['--import', import.meta.resolve('tsx')],
  both: [...process.execArgv, '--import', import.meta.resolve('tsx')],
  esmApi: ['--import', import.meta.resolve('tsx/esm')],
};
for (const [name, execArgv] of Object.entries(variants)) {
  const t = Date.now();
  await new Promise<void>((res) => {
    const w = new Worker(new URL('./w.ts', import.meta.url), execArgv ? { execArgv } : {});
    w.on('message', (m) => { console.log(name, 'ok', Date.now() - t, 'ms'); w.terminate().then(() => res()); });
    w.on('error', (e) => { console.log(name, 'err', (e as Error).message.slice(0, 100)); res(); });
  });
}
