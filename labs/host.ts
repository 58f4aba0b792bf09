import { localStateDir, remoteStateDir } from './paths.ts';
import { transportFor, type SshOptions, type Transport } from './transport.ts';

/** A lab host: how to reach it and where its lab state lives on it. */
export interface LabHost {
  transport: Transport;
  stateDir: string;
}

export function labHost(opts: { host?: string; stateDir?: string; ssh?: SshOptions } = {}): LabHost {
  const transport = transportFor(opts.host, opts.ssh);
  return { transport, stateDir: opts.stateDir ?? (transport.remote ? remoteStateDir() : localStateDir()) };
}
