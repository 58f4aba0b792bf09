import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClassroomOrThrow } from '../../infra/load-classroom.ts';
import { synthClassroom } from '../../infra/synth.ts';
import {
  cliConfigPath,
  formatStep,
  mirrorCliConfig,
  prepareTerraformEnv,
  runSteps,
  terraformMissing,
  terraformSteps,
} from '../../infra/terraform.ts';
import { EXPECTATIONS_FILE, installTests, testExpectations } from '../../infra/tftest.ts';
import { skipUnlessRequired } from '../support/live.ts';

const MIRROR = '/opt/tf-plugins';
const EXAMPLE = 'infra/examples/classroom.yaml';
const example = loadClassroomOrThrow(EXAMPLE).classroom;

const tmp: string[] = [];
const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tmp.push(d);
  return d;
};
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('terraform steps', () => {
  it('validate and test init without a backend; a mirror adds TF_CLI_CONFIG_FILE', () => {
    expect(terraformSteps('validate', '/s', { mirror: '' }).map(formatStep)).toEqual([
      'terraform -chdir=/s init -input=false -backend=false',
      'terraform -chdir=/s validate',
    ]);
    expect(terraformSteps('test', '/s', { mirror: MIRROR }).map(formatStep)).toEqual([
      'TF_CLI_CONFIG_FILE=/s/labctl-mirror.tfrc terraform -chdir=/s init -input=false -backend=false',
      'TF_CLI_CONFIG_FILE=/s/labctl-mirror.tfrc terraform -chdir=/s test',
    ]);
  });

  it('deploy applies then writes the inventory; destroy destroys', () => {
    expect(terraformSteps('deploy', '/s', { mirror: '', autoApprove: true, inventoryFile: 'class inventory.json' }).map(formatStep)).toEqual([
      'terraform -chdir=/s init -input=false',
      'terraform -chdir=/s apply -input=false -auto-approve',
      "terraform -chdir=/s output -json inventory > 'class inventory.json'",
    ]);
    expect(terraformSteps('destroy', '/s', { mirror: '' }).map(formatStep)).toEqual([
      'terraform -chdir=/s init -input=false',
      'terraform -chdir=/s destroy -input=false',
    ]);
  });

  it('the mirror CLI config installs only the AWS provider from the mirror', () => {
    expect(mirrorCliConfig(MIRROR)).toContain(
      [
        'provider_installation {',
        '  filesystem_mirror {',
        '    path    = "/opt/tf-plugins"',
        '    include = ["registry.terraform.io/hashicorp/aws"]',
        '  }',
        '  direct {',
        '    exclude = ["registry.terraform.io/hashicorp/aws"]',
        '  }',
        '}',
      ].join('\n'),
    );
    const dir = tempDir('labctl-tfrc-');
    prepareTerraformEnv(dir, { mirror: MIRROR });
    expect(readFileSync(cliConfigPath(dir), 'utf8')).toBe(mirrorCliConfig(MIRROR));
  });

  it('test expectations come from classroom.yaml, not from the stack', () => {
    expect(testExpectations(example)).toEqual({
      expected_class: 'perf-101',
      expected_seats: ['ana/ubuntu-24.04', 'ana/rhel-9', 'ben/ubuntu-24.04', 'ben/rhel-9', 'chen/ubuntu-24.04', 'chen/rhel-9', 'dara/ubuntu-24.04'],
      expected_users: {
        'ana/ubuntu-24.04': 'ubuntu', 'ana/rhel-9': 'ec2-user', 'ben/ubuntu-24.04': 'ubuntu', 'ben/rhel-9': 'ec2-user',
        'chen/ubuntu-24.04': 'ubuntu', 'chen/rhel-9': 'ec2-user', 'dara/ubuntu-24.04': 'ubuntu',
      },
      expected_ssh_cidrs: ['203.0.113.0/24'],
      ssh_open_allowed: false,
      expected_disk_gb: 20,
      expected_shutdown_behavior: 'stop',
      expected_ttl_minutes: 240,
    });
  });
});

describe('labctl classroom (CLI)', () => {
  const labctl = (...args: string[]) =>
    spawnSync(process.execPath, ['bin/labctl.js', 'classroom', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

  it('deploy --dry-run synthesizes and prints the exact commands without running terraform', () => {
    const out = tempDir('labctl-cli-');
    const r = labctl('deploy', '-c', EXAMPLE, '--out', out, '--dry-run');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const stack = join(out, 'stacks', 'perf-101');
    const env = process.env.LABCTL_TF_PLUGIN_MIRROR ? `TF_CLI_CONFIG_FILE=${stack}/labctl-mirror.tfrc ` : '';
    expect(r.stdout.split('\n')).toEqual([
      `synthesized ${stack}/cdk.tf.json: 7 VMs (4 learners) in us-east-1`,
      'would run (dry run; nothing executed):',
      `  ${env}terraform -chdir=${stack} init -input=false`,
      `  ${env}terraform -chdir=${stack} apply -input=false`,
      `  ${env}terraform -chdir=${stack} output -json inventory > inventory.json`,
      '',
    ]);
    expect(existsSync(join(stack, 'cdk.tf.json'))).toBe(true);
    expect(existsSync(join(stack, '.terraform'))).toBe(false);
  });

  it('bad input exits 2 and lists every problem with file and line, writing nothing', () => {
    const dir = tempDir('labctl-cli-bad-');
    const file = join(dir, 'classroom.yaml');
    writeFileSync(file, 'name: perf\nregion: us-east-1\nlearners:\n  - id: ana\n  - id: ben\n  - id: ana\nssh:\n  allowedCidrs: [0.0.0.0/0]\n');
    const r = labctl('synth', '-c', file, '--out', join(dir, 'out'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${file}:6: learners[2].id: duplicate id "ana" (first used by learners[0])`);
    expect(r.stderr).toContain(`${file}:8: ssh.allowedCidrs[0]: 0.0.0.0/0 opens SSH to the whole internet`);
    expect(r.stderr).toContain('hint: ');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('cost prints the estimate', () => {
    const r = labctl('cost', '-c', EXAMPLE, '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ seats: 7, perHourUsd: 0.4279, perSessionUsd: 1.71 });
  });
});

// The real thing: terraform init/validate/test on the synthesized example, offline through the mirror.
const missing = terraformMissing() ?? (existsSync(MIRROR) || process.env.LABCTL_TF_PLUGIN_MIRROR ? null : `no provider mirror at ${MIRROR} (offline terraform needs one)`);

describe.skipIf(skipUnlessRequired(missing))('terraform on the synthesized classroom (live)', () => {
  const mirror = process.env.LABCTL_TF_PLUGIN_MIRROR || MIRROR;
  let stackDir = '';

  beforeAll(() => {
    stackDir = synthClassroom(example, tempDir('labctl-tf-')).stackDir;
    prepareTerraformEnv(stackDir, { mirror });
  });

  const run = async (action: 'validate' | 'test') => {
    const results = await runSteps(terraformSteps(action, stackDir, { mirror }), 'capture');
    return { ok: results.every((r) => r.exitCode === 0), output: results.map((r) => r.stdout + r.stderr).join('\n') };
  };

  it('terraform init -backend=false + validate pass', async () => {
    const r = await run('validate');
    expect(r.output).toContain('Success! The configuration is valid.');
    expect(r.ok).toBe(true);
  }, 300_000);

  it('terraform test passes the shipped policy tests with a mocked provider', async () => {
    expect(installTests(stackDir, example)).toEqual(['policy.tftest.hcl', 'seats.tftest.hcl']);
    expect(existsSync(join(stackDir, 'tests', EXPECTATIONS_FILE))).toBe(true);
    const r = await run('test');
    expect(r.output).toContain('Success! 2 passed, 0 failed.');
    expect(r.ok).toBe(true);
  }, 300_000);

  it('terraform test fails a stack that breaks the policy, naming each broken rule', async () => {
    installTests(stackDir, example);
    const file = join(stackDir, 'cdk.tf.json');
    const tf = JSON.parse(readFileSync(file, 'utf8'));
    tf.resource.aws_instance['learner-ana-rhel-9'].metadata_options.http_tokens = 'optional';
    tf.resource.aws_instance['learner-ben-ubuntu-24-04'].root_block_device.encrypted = false;
    tf.resource.aws_security_group['security-group-lab'].ingress[0].cidr_blocks = ['0.0.0.0/0'];
    delete tf.resource.aws_instance['learner-dara-ubuntu-24-04'];
    delete tf.locals.instances['dara/ubuntu-24.04'];
    tf.output.inventory.value.hosts = tf.output.inventory.value.hosts.filter((h: { learner: string }) => h.learner !== 'dara');
    writeFileSync(file, JSON.stringify(tf));
    const r = await run('test');
    expect(r.ok).toBe(false);
    expect(r.output).toContain('every VM must require IMDSv2');
    expect(r.output).toContain('every root volume must be encrypted gp3');
    expect(r.output).toContain('SSH is open to the internet but classroom.yaml does not set ssh.allowAnywhere');
    expect(r.output).toContain('differ from learners x distros');
    expect(r.output).toContain('the inventory must list every seat exactly once');
  }, 300_000);
});
