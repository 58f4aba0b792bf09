// Classroom synth, `terraform validate` and `classroom test` (terraform test, mocked provider, plan only) for
// 10 and 200 learners x 2 distros. Targets (issue 10): for 400 VMs, test < 60 s and validate < 15 s on 2 cores.
// Each size runs REPEATS times (the machine is shared); the best and the median are printed, with the ratio to
// the 10-learner run of the same process. Needs terraform and the provider (LABCTL_TF_PLUGIN_MIRROR or /opt/tf-plugins).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassroomSchema, type Classroom } from '../infra/classroom-schema.ts';
import { synthClassroom } from '../infra/synth.ts';
import { prepareTerraformEnv, runSteps, terraformMissing, terraformSteps } from '../infra/terraform.ts';
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
      for (let i = 0; i < REPEATS; i++) {
        let t0 = performance.now();
        const { stackDir } = synthClassroom(c, out, { expiresAt });
        times.synth.push(ms(t0));
        if (noTerraform) continue;
        prepareTerraformEnv(stackDir, { mirror });
        installTests(stackDir, c, expiresAt);
        for (const action of ['validate', 'test'] as const) {
          t0 = performance.now();
          const results = await runSteps(terraformSteps(action, stackDir, { mirror }), 'capture');
          const ok = results.every((r) => r.exitCode === 0);
          if (!ok) console.log(`   ${action} failed:\n${results.map((r) => r.stdout + r.stderr).join('\n').slice(-1500)}`);
          times[action].push(ok ? ms(t0) : Number.NaN);
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
        console.log(
          `   ${what.padEnd(8)} ${String(n).padStart(3)} learners x 2 distros (${String(vms).padStart(3)} VMs): best ${(best / 1000).toFixed(1).padStart(5)} s, ` +
            `median ${(median(times[what]) / 1000).toFixed(1).padStart(5)} s of ${REPEATS}  ratio ${(best / base[what]).toFixed(2)}x vs 10 learners${target}`,
        );
      }
    }
    if (!noTerraform) console.log(`   (validate = init -backend=false + validate; test = init + terraform test, plan only, mocked provider${mirror ? ', provider mirror' : ''})`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
