import { execFile, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import { classDir, installStack, RECORD_FILE, RETIRED_RECORD_FILE, retireRecord, writeRecord } from '../../infra/deployment.ts';
import { startAwsFake } from '../support/aws-fake.ts';
import { skipUnlessRequired } from '../support/live.ts';

const MIRROR = '/opt/tf-plugins';
const EXAMPLE = 'infra/examples/classroom.yaml';
const example = loadClassroomOrThrow(EXAMPLE).classroom;
const EXPIRES = new Date('2026-11-30T04:00:00Z');

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
    expect(terraformSteps('deploy', '/s', { mirror: '', autoApprove: true, inventoryFile: 'class inventory.json', parallelism: 40 }).map(formatStep)).toEqual([
      'terraform -chdir=/s init -input=false',
      'terraform -chdir=/s apply -input=false -parallelism=40 -auto-approve',
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

  it('test expectations come from classroom.yaml and the reviewed tables, not from the stack', () => {
    const e = testExpectations(example, EXPIRES);
    expect(e).toMatchObject({
      expected_class: 'perf-101',
      expected_seats: ['ana/ubuntu-24.04', 'ana/rhel-9', 'ben/ubuntu-24.04', 'ben/rhel-9', 'chen/ubuntu-24.04', 'chen/rhel-9', 'dara/ubuntu-24.04'],
      expected_ssh_cidrs: ['203.0.113.0/24'],
      ssh_open_allowed: false,
      expected_disk_gb: 20,
      expected_cpu_credits: 'unlimited',
      expected_shutdown_behavior: 'stop',
      expected_expires_at: '2026-11-30T04:00:00Z',
      expected_expires_epoch: '1796011200',
      expected_backstop_at: '2026-11-30T04:15:00',
      expected_backstop_target: 'arn:aws:scheduler:::aws-sdk:ec2:stopInstances',
      expected_amis: {
        'ami-ubuntu-24-04-amd64': { owners: ['099720109477'], name: ['ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*'], architecture: ['x86_64'] },
        'ami-rhel-9-amd64': { owners: ['309956199498'], name: ['RHEL-9.*_HVM-*-x86_64-*-Hourly2-GP3'], architecture: ['x86_64'] },
      },
      expected_ssm: false,
      expected_role_trust: { 'iam-role-backstop': 'scheduler.amazonaws.com' },
      expected_role_policies: { 'iam-role-backstop-ec2': ['ec2:StopInstances'] },
      expected_default_tags: { class: 'perf-101', 'managed-by': 'labctl', course: 'linux-performance', term: '2026-fall' },
    });
    expect(e.non_public_blocks).toContainEqual({ start: 10 * 2 ** 24, prefix: 8 });
  });
});

describe('labctl classroom (CLI)', () => {
  const labctl = (...args: string[]) =>
    spawnSync(process.execPath, ['bin/labctl.js', 'classroom', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  // async: the AWS fake in this process must answer while labctl runs
  const labctlAsync = (args: string[], env: Record<string, string>) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['bin/labctl.js', 'classroom', ...args], { env: { ...process.env, NO_COLOR: '1', ...env } }, (err, stdout, stderr) =>
        resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('deploy --dry-run prints capacity, expiry, backstop, the preflight it would make and the exact commands', () => {
    const out = tempDir('labctl-cli-');
    const r = labctl('deploy', '-c', EXAMPLE, '--out', out, '--dry-run');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const stack = join(out, 'stacks', 'perf-101');
    const dir = join(out, 'classes', 'perf-101');
    const env = process.env.LABCTL_TF_PLUGIN_MIRROR ? `TF_CLI_CONFIG_FILE=${dir}/labctl-mirror.tfrc ` : '';
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`synthesized ${stack}/cdk.tf.json: 7 VMs (4 learners) in us-east-1`);
    expect(lines[1]).toMatch(
      /^class perf-101: 7 VMs \(14 vCPUs of L-1216C47A\), expires \d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z \(ttl 4h from now\); backstop stops every VM at \d{4}-\d\d-\d\dT\d\d:\d\d:00 UTC; apply parallelism 10$/,
    );
    expect(lines.slice(2)).toEqual([
      'would check (preflight, AWS SDK, read-only): EC2 DescribeInstanceTypeOfferings t3.medium in us-east-1, Service Quotas L-1216C47A "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances" >= 14 vCPUs + running usage (EC2 DescribeInstances)',
      'would run (dry run; nothing executed):',
      `  ${env}terraform -chdir=${dir} init -input=false`,
      `  ${env}terraform -chdir=${dir} apply -input=false -parallelism=10`,
      `  ${env}terraform -chdir=${dir} output -json inventory > inventory.json`,
      '',
    ]);
    expect(existsSync(join(stack, 'cdk.tf.json'))).toBe(true);
    // a dry run records nothing and installs no stack where a real deploy would
    expect(existsSync(join(dir, 'cdk.tf.json'))).toBe(false);
    expect(existsSync(join(dir, RECORD_FILE))).toBe(false);
  });

  describe('deploy and destroy work from the recorded class folder', () => {
    /** A class as `deploy` leaves it just before terraform apply: stack and record in <out>/classes/<name>. */
    function deployed(region = 'us-east-1', expiresAt = EXPIRES) {
      const out = tempDir('labctl-deployed-');
      const cfgDir = tempDir('labctl-cfg-');
      cpSync('infra/examples', cfgDir, { recursive: true });
      const config = join(cfgDir, 'classroom.yaml');
      const c = loadClassroomOrThrow(config).classroom;
      const { stackFile } = synthClassroom(c, out, { expiresAt });
      const dir = classDir(out, c.name);
      installStack(stackFile, dir);
      writeRecord(dir, { class: c.name, region, configFile: config, expiresAt: expiresAt.toISOString(), deployedAt: '2026-11-30T00:00:00.000Z', state: join(dir, 'terraform.tfstate') });
      writeFileSync(join(dir, 'terraform.tfstate'), '{"version": 4}');
      return { out, config, dir, stack: readFileSync(join(dir, 'cdk.tf.json'), 'utf8') };
    }

    it('destroy runs terraform in the class folder on the recorded stack, without a new synth', () => {
      const d = deployed();
      const r = labctl('destroy', '-c', d.config, '--out', d.out, '--dry-run');
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).not.toContain('synthesized');
      expect(r.stdout).toContain(`destroying class perf-101 in us-east-1 from ${d.dir}/cdk.tf.json (deployed 2026-11-30T00:00:00.000Z)`);
      expect(r.stdout).toContain(`terraform -chdir=${d.dir} destroy -input=false -parallelism=10`);
      expect(readFileSync(join(d.dir, 'cdk.tf.json'), 'utf8')).toBe(d.stack);
    });

    it("a learner's deleted .pub file does not stop destroy (it made destroy exit 2)", () => {
      const d = deployed();
      rmSync(join(d.config, '..', 'keys', 'ana.pub'));
      expect(labctl('synth', '-c', d.config, '--out', d.out).status).toBe(2);
      const r = labctl('destroy', '-c', d.config, '--out', d.out, '--dry-run');
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`terraform -chdir=${d.dir} destroy`);
    });

    it('an edited region stops deploy and destroy with what to do (it used to drop every VM from state)', () => {
      const d = deployed();
      writeFileSync(d.config, readFileSync(d.config, 'utf8').replace('region: us-east-1', 'region: eu-west-1'));
      for (const cmd of ['destroy', 'deploy']) {
        const r = labctl(cmd, '-c', d.config, '--out', d.out, '--dry-run');
        expect(r.status, cmd).toBe(2);
        expect(r.stderr, cmd).toContain('class perf-101 was deployed to us-east-1, but classroom.yaml now says region: eu-west-1');
        expect(r.stderr, cmd).toContain('its VMs are still running in us-east-1');
      }
      expect(readFileSync(join(d.dir, 'cdk.tf.json'), 'utf8')).toBe(d.stack);
    });

    it('a renamed class stops deploy and destroy instead of starting a second class', () => {
      const d = deployed();
      writeFileSync(d.config, readFileSync(d.config, 'utf8').replace('name: perf-101', 'name: perf-102'));
      for (const cmd of ['destroy', 'deploy']) {
        const r = labctl(cmd, '-c', d.config, '--out', d.out, '--dry-run');
        expect(r.status, cmd).toBe(2);
        expect(r.stderr, cmd).toContain('classroom.yaml deployed class perf-101 (us-east-1), but now names it perf-102');
      }
    });

    it('a re-deploy keeps a running session\'s expiry, and starts a new one once it has passed', () => {
      const running = new Date(Math.ceil((Date.now() + 2 * 3600_000) / 60_000) * 60_000);
      const d = deployed('us-east-1', running);
      const r = labctl('deploy', '-c', d.config, '--out', d.out, '--dry-run', '--no-preflight');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`expires ${running.toISOString()} (recorded at first deploy; --renew for a new session)`);
      const ended = deployed('us-east-1', new Date(Date.now() - 3600_000));
      const r2 = labctl('deploy', '-c', ended.config, '--out', ended.out, '--dry-run', '--no-preflight');
      expect(r2.stdout).toContain('(ttl 4h from now)');
    });

    it('after a destroy the record is retired: the class may move region', () => {
      const d = deployed();
      retireRecord(d.dir);
      expect(existsSync(join(d.dir, RETIRED_RECORD_FILE))).toBe(true);
      writeFileSync(d.config, readFileSync(d.config, 'utf8').replace('region: us-east-1', 'region: eu-west-1'));
      const r = labctl('deploy', '-c', d.config, '--out', d.out, '--dry-run', '--no-preflight');
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });

    it('deploy refuses a class that does not fit the vCPU quota before creating anything (preflight, recorded AWS responses)', async () => {
      const fake = await startAwsFake({
        'ec2:DescribeInstanceTypeOfferings': 'ec2-offerings-t3.medium-us-east-1.xml',
        'ec2:DescribeInstanceTypes': 'ec2-instance-types-t3.medium.xml',
        'ec2:DescribeInstances': 'ec2-instances-none.xml',
        'servicequotas:GetServiceQuota': 'servicequotas-L-1216C47A-640.json',
      });
      try {
        const dir = tempDir('labctl-big-');
        const config = join(dir, 'classroom.yaml');
        const learners = Array.from({ length: 330 }, (_, i) => `  - id: l${i}`).join('\n');
        writeFileSync(config, `name: big\nregion: us-east-1\nssm: true\nlearners:\n${learners}\n`);
        const out = join(dir, 'out');
        const r = await labctlAsync(['deploy', '-c', config, '--out', out, '--auto-approve'], fake.env);
        expect(r.stderr).toContain('class big does not fit in us-east-1: nothing was created');
        expect(r.stderr).toContain('--quota-code L-1216C47A --desired-value 1320');
        expect(r.stdout).toContain('vCPUs: need 1320 (660 x 2) of L-1216C47A');
        expect(r.status).toBe(1);
        expect(existsSync(join(out, 'classes', 'big', RECORD_FILE))).toBe(false);
        expect(fake.requests.map((q) => q.operation)).toContain('servicequotas:GetServiceQuota');
      } finally {
        await fake.close();
      }
    });
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
    stackDir = synthClassroom(example, tempDir('labctl-tf-'), { expiresAt: EXPIRES }).stackDir;
    prepareTerraformEnv(stackDir, { mirror });
    installTests(stackDir, example, EXPIRES);
  });

  const run = async (action: 'validate' | 'test', dir = stackDir) => {
    const steps = terraformSteps(action, dir, { mirror });
    // a copy of an initialized stack needs no second init
    const results = await runSteps(dir === stackDir ? steps : steps.slice(1), 'capture');
    return { ok: results.every((r) => r.exitCode === 0), output: results.map((r) => r.stdout + r.stderr).join('\n') };
  };

  it('terraform init -backend=false + validate pass', async () => {
    const r = await run('validate');
    expect(r.output).toContain('Success! The configuration is valid.');
    expect(r.ok).toBe(true);
  }, 300_000);

  it('terraform test passes the shipped policy test with a mocked provider, plan only', async () => {
    expect(readdirSync(join(stackDir, 'tests')).sort()).toEqual([EXPECTATIONS_FILE, 'policy.tftest.hcl']);
    const r = await run('test');
    expect(r.output).toContain('run "classroom_policy"... pass');
    expect(r.output).toContain('Success! 1 passed, 0 failed.');
    expect(r.ok).toBe(true);
  }, 300_000);

  // Mutation test (issue 10 item 7): each regression an engineer could make to the synthesized JSON must fail
  // `terraform test` with the message that names it. Each mutant is a copy of the tested stack dir.
  type Tf = Record<string, any>;
  const mutants: { name: string; mutate: (tf: Tf) => void; messages: string[] }[] = [
    {
      name: 'an extra security group rule open to 0.0.0.0/0',
      mutate: (tf) => {
        tf.resource.aws_security_group_rule = {
          debug: { type: 'ingress', protocol: 'tcp', from_port: 0, to_port: 65535, cidr_blocks: ['0.0.0.0/0'], security_group_id: '${aws_security_group.security-group-lab.id}' },
        };
      },
      messages: ['resource types outside the reviewed set: aws_security_group_rule', 'inbound rules open the VMs to the internet'],
    },
    {
      name: 'a second security group open to the internet in two halves',
      mutate: (tf) => {
        tf.resource.aws_security_group.debug = {
          vpc_id: '${aws_vpc.vpc.id}',
          ingress: [{ protocol: '-1', from_port: 0, to_port: 0, cidr_blocks: ['0.0.0.0/1', '128.0.0.0/1'], description: null, ipv6_cidr_blocks: null, prefix_list_ids: null, security_groups: null, self: null }],
        };
      },
      messages: ['inbound rules open the VMs to the internet', 'the class has one security group, security-group-lab; found debug, security-group-lab'],
    },
    {
      name: 'an AMI owned by anyone with name *',
      mutate: (tf) => {
        const ami = tf.data.aws_ami['ami-ubuntu-24-04-amd64'];
        ami.owners = ['*'];
        ami.filter[0].values = ['*'];
      },
      messages: ["AMIs must come from the distro vendors' accounts"],
    },
    {
      name: 'user data without the eBPF tools',
      mutate: (tf) => {
        tf.locals.user_data_common = tf.locals.user_data_common
          .replace('TOOLS="bpfcc-tools bpftrace linux-headers-$(uname -r)"', 'TOOLS="curl"')
          .replace('TOOLS="bcc-tools bpftrace kernel-devel-$(uname -r)"', 'TOOLS="curl"');
      },
      messages: ["every VM's user data must install the eBPF tools"],
    },
    {
      name: 'user data without the TTL timer',
      mutate: (tf) => {
        tf.locals.user_data_common = tf.locals.user_data_common.replace(/labctl-expire\.timer/g, 'labctl-nothing.timer');
      },
      messages: ['every VM must schedule its TTL'],
    },
    {
      name: 'AdministratorAccess attached to a role',
      mutate: (tf) => {
        tf.resource.aws_iam_role_policy_attachment = {
          admin: { role: '${aws_iam_role.iam-role-backstop.name}', policy_arn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
        };
      },
      messages: ['the stack attaches a managed policy'],
    },
    {
      name: 'AdministratorAccess through managed_policy_arns, and Parameter Store reads in an inline policy',
      mutate: (tf) => {
        tf.resource.aws_iam_role['iam-role-backstop'].managed_policy_arns = ['arn:aws:iam::aws:policy/AdministratorAccess'];
        const p = tf.resource.aws_iam_role_policy['iam-role-backstop-ec2'];
        const doc = JSON.parse(p.policy);
        doc.Statement[0].Action.push('ssm:GetParameter');
        p.policy = JSON.stringify(doc);
      },
      messages: ['the class has only its reviewed roles', 'role policies must be exactly the reviewed ones'],
    },
    {
      name: 'no backstop schedule',
      mutate: (tf) => {
        delete tf.resource.aws_scheduler_schedule;
      },
      messages: ['the backstop schedule must stopInstances'],
    },
    {
      name: 'a missing cost tag',
      mutate: (tf) => {
        delete tf.provider.aws[0].default_tags[0].tags.class;
        delete tf.resource.aws_instance.seat.volume_tags.class;
      },
      messages: ['every resource must carry the class cost tags', 'VMs and their volumes must carry the class'],
    },
    {
      name: 'IMDSv1 and an unencrypted disk',
      mutate: (tf) => {
        tf.resource.aws_instance.seat.metadata_options.http_tokens = 'optional';
        tf.resource.aws_instance.seat.root_block_device.encrypted = false;
      },
      messages: ['every VM must require IMDSv2', 'every root volume must be encrypted gp3'],
    },
  ];

  it.each(mutants)('terraform test fails the stack with $name', async ({ mutate, messages }) => {
    const dir = tempDir('labctl-mutant-');
    cpSync(stackDir, dir, { recursive: true, verbatimSymlinks: true });
    prepareTerraformEnv(dir, { mirror });
    const file = join(dir, 'cdk.tf.json');
    const tf = JSON.parse(readFileSync(file, 'utf8'));
    mutate(tf);
    writeFileSync(file, JSON.stringify(tf));
    const r = await run('test', dir);
    expect(r.ok).toBe(false);
    expect(r.output).toContain('Failure! 0 passed, 1 failed.');
    for (const m of messages) expect(r.output.replace(/\s+/g, ' ')).toContain(m);
  }, 300_000);
});
