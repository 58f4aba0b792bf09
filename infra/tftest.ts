import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { archOfClassroom, cidrRange, isOpenToInternet, NON_PUBLIC_CIDRS, seatsOf, ssmEnabled, type Classroom } from './classroom-schema.ts';
import { amiLogicalId } from './classroom-stack.ts';
import { DISTROS, ec2Architecture } from './distros.ts';
import { backstopAt, backstopTargetArn, SCHEDULER_POLICY_ACTIONS, SESSION_MANAGER_ACTIONS } from './policies.ts';

/** The policy tests the project ships (`infra/tests/*.tftest.hcl`). */
export const TESTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'tests');
export const EXPECTATIONS_FILE = 'classroom.auto.tfvars.json';

/** Resource types a classroom stack may contain; anything else (a rule, a policy attachment, a user) fails the test. */
export const ALLOWED_RESOURCE_TYPES = [
  'aws_vpc', 'aws_internet_gateway', 'aws_subnet', 'aws_route_table', 'aws_route_table_association', 'aws_security_group',
  'aws_iam_role', 'aws_iam_role_policy', 'aws_iam_instance_profile', 'aws_instance', 'aws_scheduler_schedule', 'aws_budgets_budget',
];

/**
 * What the shipped tests expect of this classroom, computed from classroom.yaml and the reviewed tables
 * (distros.ts, policies.ts) rather than from the stack, so a stack that drifts fails instead of agreeing with itself.
 */
export function testExpectations(c: Classroom, expiresAt: Date): Record<string, unknown> {
  const seats = seatsOf(c);
  const arch = archOfClassroom(c);
  const distros = [...new Set(seats.map((s) => s.distro))];
  const ssm = ssmEnabled(c);
  return {
    expected_class: c.name,
    expected_seats: seats.map((s) => s.key),
    expected_users: Object.fromEntries(seats.map((s) => [s.key, DISTROS[s.distro].user])),
    expected_ssh_cidrs: c.ssh.allowedCidrs,
    ssh_open_allowed: isOpenToInternet(c) && c.ssh.allowAnywhere,
    non_public_blocks: NON_PUBLIC_CIDRS.map((b) => ({ start: cidrRange(b).start, prefix: Number(b.split('/')[1]) })),
    allowed_resource_types: ALLOWED_RESOURCE_TYPES,
    expected_disk_gb: c.diskGb,
    expected_instance_type: c.instanceType,
    expected_cpu_credits: /^t\d/.test(c.instanceType) ? 'unlimited' : null,
    expected_shutdown_behavior: c.onExpiry,
    expected_expires_at: expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    expected_expires_epoch: String(Math.floor(expiresAt.getTime() / 1000)),
    expected_backstop_at: backstopAt(expiresAt),
    expected_backstop_target: backstopTargetArn(c.onExpiry),
    expected_amis: Object.fromEntries(
      distros.map((d) => [amiLogicalId(d, arch), { owners: [DISTROS[d].amiOwner], name: [DISTROS[d].amiName[arch]], architecture: [ec2Architecture(arch)] }]),
    ),
    expected_ami_refs: Object.fromEntries(distros.map((d) => [d, `\${data.aws_ami.${amiLogicalId(d, arch)}.id}`])),
    expected_ssm: ssm,
    expected_role_trust: { 'iam-role-backstop': 'scheduler.amazonaws.com', ...(ssm ? { 'iam-role-ssm': 'ec2.amazonaws.com' } : {}) },
    expected_role_policies: {
      'iam-role-backstop-ec2': [...SCHEDULER_POLICY_ACTIONS[c.onExpiry]].sort(),
      ...(ssm ? { 'iam-role-ssm-session-manager': [...SESSION_MANAGER_ACTIONS].sort() } : {}),
    },
    expected_default_tags: { ...c.tags, class: c.name, 'managed-by': 'labctl' },
  };
}

/**
 * Puts the shipped `.tftest.hcl` files and this classroom's expectations into `<stackDir>/tests/`, where
 * `terraform test` looks; terraform loads `*.auto.tfvars.json` from that directory for every test file.
 * Test files that are no longer shipped are removed, so an old copy never runs against a new stack.
 */
export function installTests(stackDir: string, c: Classroom, expiresAt: Date): string[] {
  const target = join(stackDir, 'tests');
  mkdirSync(target, { recursive: true });
  const files = readdirSync(TESTS_DIR).filter((f) => f.endsWith('.tftest.hcl')).sort();
  for (const stale of readdirSync(target).filter((f) => f.endsWith('.tftest.hcl') && !files.includes(f))) rmSync(join(target, stale));
  for (const f of files) copyFileSync(join(TESTS_DIR, f), join(target, f));
  writeFileSync(join(target, EXPECTATIONS_FILE), `${JSON.stringify(testExpectations(c, expiresAt), null, 2)}\n`);
  return files;
}
