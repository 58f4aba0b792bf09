// Classroom synth, `terraform validate` and `classroom test` (terraform test, mocked provider, plan only) for
// 10 and 200 learners x 2 distros. Targets (issue 10): for 400 VMs, test < 60 s and validate < 15 s on 2 cores.
// Each size runs REPEATS times (the machine is shared); the best and the median are printed, with the ratio to
// the 10-learner run of the same process. Needs terraform and the provider (LABCTL_TF_PLUGIN_MIRROR or /opt/tf-plugins).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassroomSchema, type Classroom } from '../infra/classroom-schema.ts';
import { synthClassroom } from '../infra/synth.ts';
import { prepareTerraformEnv, terraformMissing, terraformSteps, type TerraformStep } from '../infra/terraform.ts';
import { installTests } from '../infra/tftest.ts';

const SIZES = [10, 200];
const REPEATS = Number(process.env.LABCTL_BENCH_REPEATS ?? 2);
const TARGET_MS = { synth: 5000, validate: 15_000, test: 60_000 };

function classroomOf(learners: number): Classroom {
  return ClassroomSchema.parse({
    name: `bench-${learners}`,
    region: 'us-east-1',
    distros: ['ubuntu-24.04', 'rhel-9'],
    ssh: { allowedCidrs: ['203.0.113.0/24'] },
    learners: Array.from({ length: learners }, (_, i) => ({ id: `learner-${String(i).padStart(3, '0')}` })),
  });
}

const ms = (t0: number) => performance.now() - t0;
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/**
 * Runs the steps as labctl does, under /usr/bin/time when present: wall time depends on what else the shared
 * machine runs, the CPU seconds terraform itself used (user + sys) do not.
 */
async function timedSteps(steps: TerraformStep[]): Promise<{ ok: boolean; wallMs: number; cpuSec: number; output: string }> {
  const t0 = performance.now();
  let cpuSec = 0;
  let output = '';
  for (const step of steps) {
    const [cmd, args] = TIME ? [TIME, ['-f', 'LABCTL_CPU %U %S', 'terraform', ...step.args]] : ['terraform', step.args];
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(cmd, args, { env: { ...process.env, ...step.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('close', (code) => resolve({ code, out }));
    });
    const m = /LABCTL_CPU ([\d.]+) ([\d.]+)/.exec(r.out);
    if (m) cpuSec += Number(m[1]) + Number(m[2]);
    output += r.out;
    if (r.code !== 0) return { ok: false, wallMs: ms(t0), cpuSec, output };
  }
  return { ok: true, wallMs: ms(t0), cpuSec, output };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'labctl-bench-infra-'));
  const mirror = process.env.LABCTL_TF_PLUGIN_MIRROR || (existsSync('/opt/tf-plugins') ? '/opt/tf-plugins' : undefined);
  const noTerraform = terraformMissing();
  const expiresAt = new Date(Date.now() + 4 * 3600_000);
  try {
    synthClassroom(classroomOf(1), out, { expiresAt }); // warm-up: module loading is not what we measure
    const base: Record<string, number> = {};
    for (const n of SIZES) {
      const c = classroomOf(n);
      const times: Record<'synth' | 'validate' | 'test', number[]> = { synth: [], validate: [], test: [] };
      const cpu: Record<'validate' | 'test', number[]> = { validate: [], test: [] };
      for (let i = 0; i < REPEATS; i++) {
        let t0 = performance.now();
        const { stackDir } = synthClassroom(c, out, { expiresAt });
        times.synth.push(ms(t0));
        if (noTerraform) continue;
        prepareTerraformEnv(stackDir, { mirror });
        installTests(stackDir, c, expiresAt);
        for (const action of ['validate', 'test'] as const) {
          const r = await timedSteps(terraformSteps(action, stackDir, { mirror }));
          if (!r.ok) console.log(`   ${action} failed:\n${r.output.slice(-1500)}`);
          times[action].push(r.ok ? r.wallMs : Number.NaN);
          cpu[action].push(r.cpuSec);
        }
      }
      const vms = n * 2;
      for (const what of ['synth', 'validate', 'test'] as const) {
        if (what !== 'synth' && noTerraform) {
          console.log(`   ${what.padEnd(8)} ${String(vms).padStart(3)} VMs: skipped (${noTerraform})`);
          continue;
        }
        const best = Math.min(...times[what]);
        if (n === SIZES[0]) base[what] = best;
        const target = n === SIZES.at(-1) ? `; target < ${TARGET_MS[what] / 1000} s: ${best < TARGET_MS[what] ? 'met' : 'MISSED'}` : '';
        const cpuNote = what !== 'synth' && TIME ? `, terraform CPU ${Math.min(...cpu[what]).toFixed(1)} s` : '';
        console.log(
          `   ${what.padEnd(8)} ${String(n).padStart(3)} learners x 2 distros (${String(vms).padStart(3)} VMs): best ${(best / 1000).toFixed(1).padStart(5)} s, ` +
            `median ${(median(times[what]) / 1000).toFixed(1).padStart(5)} s of ${REPEATS}${cpuNote}  ratio ${(best / base[what]).toFixed(2)}x vs 10 learners${target}`,
        );
      }
    }
    if (!noTerraform) {
      console.log(`   (validate = init -backend=false + validate; test = init + terraform test, plan only, mocked provider${mirror ? ', provider mirror' : ''})`);
      console.log(`   load average during the run: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on this machine's CPUs (wall times grow with it; CPU seconds do not)`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
