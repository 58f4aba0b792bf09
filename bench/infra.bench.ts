// Classroom synth (+ terraform validate) time for 10, 50 and 200 learners x 2 distros.
// Target (issue 4): synth of 200 learners < 5 s. Ratios compare with the 10-learner run of the same process,
// so they carry across machines; validate needs terraform (offline with LABCTL_TF_PLUGIN_MIRROR or /opt/tf-plugins).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassroomSchema, type Classroom } from '../infra/classroom-schema.ts';
import { synthClassroom } from '../infra/synth.ts';
import { prepareTerraformEnv, runSteps, terraformMissing, terraformSteps } from '../infra/terraform.ts';

const SIZES = [10, 50, 200];
const SYNTH_TARGET_MS = 5000;

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

export async function run(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'labctl-bench-infra-'));
  const mirror = process.env.LABCTL_TF_PLUGIN_MIRROR || (existsSync('/opt/tf-plugins') ? '/opt/tf-plugins' : undefined);
  const noTerraform = terraformMissing();
  try {
    synthClassroom(classroomOf(1), out); // warm-up: module loading is not what we measure
    let base = { synth: 0, validate: 0 };
    for (const n of SIZES) {
      const c = classroomOf(n);
      let t0 = performance.now();
      const { stackDir } = synthClassroom(c, out);
      const synth = ms(t0);
      let validate = Number.NaN;
      if (!noTerraform) {
        prepareTerraformEnv(stackDir, { mirror });
        t0 = performance.now();
        const results = await runSteps(terraformSteps('validate', stackDir, { mirror }), 'capture');
        validate = results.every((r) => r.exitCode === 0) ? ms(t0) : Number.NaN;
      }
      if (n === SIZES[0]) base = { synth, validate };
      const vms = n * 2;
      console.log(
        `   synth    ${String(n).padStart(3)} learners x 2 distros (${String(vms).padStart(3)} VMs): ${synth.toFixed(0).padStart(6)} ms` +
          `  ratio ${(synth / base.synth).toFixed(2)}x vs 10 learners` +
          (n === 200 ? `, ${(synth / SYNTH_TARGET_MS).toFixed(2)} of the ${SYNTH_TARGET_MS} ms target` : ''),
      );
      console.log(
        `   validate ${String(n).padStart(3)} learners x 2 distros (${String(vms).padStart(3)} VMs): ` +
          (noTerraform
            ? `skipped (${noTerraform})`
            : `${validate.toFixed(0).padStart(6)} ms  ratio ${(validate / base.validate).toFixed(2)}x vs 10 learners (init -backend=false + validate${mirror ? ', provider mirror' : ''})`),
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
