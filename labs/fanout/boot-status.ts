import type { LabHost } from '../host.ts';
import { shq } from '../shell.ts';

/**
 * How a classroom VM's first boot went, as the VM itself recorded it: `labctl-boot.sh` (infra/boot/) writes
 * READY_FILE with the phase it reached, and cloud-init says whether its own run finished. `lab probe` and
 * `lab check --inventory` show this per host, so "tools missing" reads as "the boot failed at tools: apt could
 * not install ..." instead of a silent gap. Hosts not provisioned by labctl have neither: `null`.
 */

/** Written by infra/boot/labctl-boot.sh (kept in step with infra/user-data.ts READY_FILE). */
export const READY_FILE = '/var/lib/labctl/ready.json';

export interface BootStatus {
  /** labctl-boot.sh: running (still installing), ready, failed; null when the file is missing or unreadable */
  status: 'running' | 'ready' | 'failed' | null;
  /** the phase it reached or failed in: access, tools, done */
  step: string | null;
  detail: string | null;
  missingOptional: string[];
  /** `cloud-init status` first word after "status:": running, done, error, degraded, disabled; null without cloud-init */
  cloudInit: string | null;
}

const SCRIPT = (file: string) => `cat ${shq(file)} 2>/dev/null; echo; echo '--- cloud-init'; command -v cloud-init >/dev/null 2>&1 && cloud-init status 2>/dev/null | head -n 3`;

/** Reads the VM's record of its first boot; null on a host labctl did not provision. Never throws on a bad file. */
export async function readBootStatus(lab: LabHost, file = READY_FILE): Promise<BootStatus | null> {
  const r = await lab.transport.run(SCRIPT(file), { timeoutMs: 30_000 });
  return parseBootStatus(r.stdout);
}

export function parseBootStatus(text: string): BootStatus | null {
  const [readyPart, cloudPart = ''] = text.split('--- cloud-init');
  const cloudInit = /status:\s*([a-z]+)/.exec(cloudPart)?.[1] ?? null;
  let ready: Record<string, unknown> | null = null;
  try {
    const parsed = JSON.parse(readyPart.trim() || 'null') as unknown;
    if (parsed && typeof parsed === 'object') ready = parsed as Record<string, unknown>;
  } catch {
    ready = { status: null, detail: `${READY_FILE} is not JSON` };
  }
  if (!ready && !cloudInit) return null;
  const status = ready?.status;
  return {
    status: status === 'running' || status === 'ready' || status === 'failed' ? status : null,
    step: typeof ready?.step === 'string' ? ready.step : null,
    detail: typeof ready?.detail === 'string' ? ready.detail : null,
    missingOptional: Array.isArray(ready?.missingOptional) ? ready.missingOptional.filter((x): x is string => typeof x === 'string') : [],
    cloudInit,
  };
}

/** One phrase for the progress line and summary table: `boot ready (cloud-init done)`, `boot FAILED at tools: ...`. */
export function describeBoot(b: BootStatus): string {
  const ci = b.cloudInit ? ` (cloud-init ${b.cloudInit})` : '';
  if (b.status === 'failed') return `boot FAILED at ${b.step ?? '?'}: ${b.detail ?? 'no detail'}${ci}`;
  if (b.status === 'running') return `boot still running (${b.step ?? '?'})${ci}`;
  if (b.status === 'ready') return `boot ready${b.missingOptional.length ? `, without ${b.missingOptional.join(', ')}` : ''}${ci}`;
  return `no boot record${ci}`;
}

/** A host whose boot failed is not ready for class, whatever else works on it. */
export function bootFailed(b: BootStatus | null): boolean {
  return b?.status === 'failed' || b?.cloudInit === 'error';
}
