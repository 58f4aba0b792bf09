import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Runs plain `terraform` on a synthesized stack (no cdktf-cli). Each action is a list of steps computed
 * up front, so `--dry-run` prints exactly what would run and the real run executes the same list.
 *
 * Offline mode: with `LABCTL_TF_PLUGIN_MIRROR=/opt/tf-plugins`, a CLI config that installs the AWS provider
 * from that filesystem mirror is written next to the stack and passed as `TF_CLI_CONFIG_FILE`. Without it
 * terraform downloads the provider as usual.
 */

export const MIRROR_ENV = 'LABCTL_TF_PLUGIN_MIRROR';
const AWS_PROVIDER = 'registry.terraform.io/hashicorp/aws';

export type TerraformAction = 'validate' | 'test' | 'deploy' | 'destroy';

export interface TerraformStep {
  args: string[];
  /** Extra environment on top of the caller's (credentials come from the user's own environment). */
  env: Record<string, string>;
  /** Write stdout to this file instead of the terminal (`output -json inventory > inventory.json`). */
  stdoutTo?: string;
}

export interface TerraformOptions {
  /** Provider mirror directory; defaults to $LABCTL_TF_PLUGIN_MIRROR. */
  mirror?: string;
  autoApprove?: boolean;
  /** Where `deploy` writes the inventory. */
  inventoryFile?: string;
  /** `-parallelism` for apply and destroy (terraform's default is 10). */
  parallelism?: number;
}

export function mirrorFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[MIRROR_ENV] || undefined;
}

export function mirrorCliConfig(mirror: string): string {
  return [
    '# Written by labctl because LABCTL_TF_PLUGIN_MIRROR is set: the AWS provider comes from this mirror, offline.',
    'provider_installation {',
    '  filesystem_mirror {',
    `    path    = ${JSON.stringify(mirror)}`,
    `    include = [${JSON.stringify(AWS_PROVIDER)}]`,
    '  }',
    '  direct {',
    `    exclude = [${JSON.stringify(AWS_PROVIDER)}]`,
    '  }',
    '}',
    '',
  ].join('\n');
}

export function cliConfigPath(stackDir: string): string {
  return join(stackDir, 'labctl-mirror.tfrc');
}

/** The steps of one action on `stackDir`; pure, so dry runs and tests see exactly what would run. */
export function terraformSteps(action: TerraformAction, stackDir: string, opts: TerraformOptions = {}): TerraformStep[] {
  const mirror = opts.mirror ?? mirrorFromEnv();
  const env: Record<string, string> = mirror ? { TF_CLI_CONFIG_FILE: cliConfigPath(stackDir) } : {};
  const tf = (...args: string[]): TerraformStep => ({ args: [`-chdir=${stackDir}`, ...args], env });
  const approve = opts.autoApprove ? ['-auto-approve'] : [];
  const parallel = opts.parallelism ? [`-parallelism=${opts.parallelism}`] : [];
  switch (action) {
    case 'validate':
      return [tf('init', '-input=false', '-backend=false'), tf('validate')];
    case 'test':
      return [tf('init', '-input=false', '-backend=false'), tf('test')];
    case 'deploy':
      return [
        tf('init', '-input=false'),
        tf('apply', '-input=false', ...parallel, ...approve),
        { ...tf('output', '-json', 'inventory'), stdoutTo: opts.inventoryFile ?? 'inventory.json' },
      ];
    case 'destroy':
      return [tf('init', '-input=false'), tf('destroy', '-input=false', ...parallel, ...approve)];
  }
}

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function formatStep(step: TerraformStep): string {
  const env = Object.entries(step.env).map(([k, v]) => `${k}=${shellQuote(v)} `).join('');
  const redirect = step.stdoutTo ? ` > ${shellQuote(step.stdoutTo)}` : '';
  return `${env}terraform ${step.args.map(shellQuote).join(' ')}${redirect}`;
}

/** Writes the mirror CLI config the steps point at; a no-op without a mirror. */
export function prepareTerraformEnv(stackDir: string, opts: TerraformOptions = {}): void {
  const mirror = opts.mirror ?? mirrorFromEnv();
  if (!mirror) return;
  mkdirSync(stackDir, { recursive: true });
  writeFileSync(cliConfigPath(stackDir), mirrorCliConfig(mirror));
}

/** Why terraform cannot run here, or null. */
export function terraformMissing(): string | null {
  const r = spawnSync('terraform', ['version'], { stdio: 'ignore' });
  if (r.error) return 'terraform is not on PATH';
  return r.status === 0 ? null : `terraform version exited with ${r.status}`;
}

export interface StepResult {
  step: TerraformStep;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one step. `inherit` streams to the terminal (interactive apply prompts work); `capture` collects the
 * output for tests and errors. A `stdoutTo` step is always captured and written only on success, so a failed
 * `terraform output` never leaves a half-written inventory behind.
 */
export function runStep(step: TerraformStep, mode: 'inherit' | 'capture' = 'inherit'): Promise<StepResult> {
  const capture = mode === 'capture' || Boolean(step.stdoutTo);
  // Flags must precede positional args (`output -json inventory`), so -no-color goes right after the subcommand.
  const args = capture ? [...step.args.slice(0, 2), '-no-color', ...step.args.slice(2)] : step.args;
  return new Promise((resolve, reject) => {
    const child = spawn('terraform', args, {
      env: { ...process.env, ...step.env },
      stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => {
      stderr += d;
      if (mode === 'inherit') process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const exitCode = code ?? 1;
      if (exitCode === 0 && step.stdoutTo) writeFileSync(step.stdoutTo, stdout);
      resolve({ step, exitCode, stdout, stderr });
    });
  });
}

/** Runs steps in order and stops at the first failure; the results say which step failed. */
export async function runSteps(steps: TerraformStep[], mode: 'inherit' | 'capture' = 'inherit'): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const step of steps) {
    const result = await runStep(step, mode);
    results.push(result);
    if (result.exitCode !== 0) break;
  }
  return results;
}
