import { parse as parseYaml } from 'yaml';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { afterAll, describe, expect, it } from 'vitest';
import { ClassroomSchema, type Classroom, type ClassroomInput } from '../../infra/classroom-schema.ts';
import { ClassroomStack, escapeTemplate, zoneSlot } from '../../infra/classroom-stack.ts';
import { loadClassroomOrThrow } from '../../infra/load-classroom.ts';
import { BACKSTOP_CHUNK } from '../../infra/policies.ts';
import { synthClassroom } from '../../infra/synth.ts';
import { renderUserData } from '../../infra/user-data.ts';

const example = loadClassroomOrThrow('infra/examples/classroom.yaml').classroom;
const KEY = (who: string) => `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${who.padEnd(43, 'A')} ${who}@test`;
const EXPIRES = new Date('2026-11-30T04:00:00Z');

function classroom(input: Partial<ClassroomInput> = {}): Classroom {
  return ClassroomSchema.parse({ name: 'unit', region: 'eu-west-1', learners: [{ id: 'ana' }, { id: 'ben' }], ...input });
}

// Terraform JSON as terraform sees it: the same object `terraform validate` and `terraform test` read.
type TfJson = {
  terraform: { backend: Record<string, Record<string, unknown>> };
  provider: { aws: { region: string; default_tags: { tags: Record<string, string> }[] }[] };
  data: Record<string, Record<string, any>>;
  resource: Record<string, Record<string, Record<string, any>>>;
  locals: Record<string, any>;
  output: { inventory: { value: { class: string; scenarios: string[]; hosts: string } } };
};

function synth(c: Classroom, expiresAt = EXPIRES): { json: TfJson; raw: string } {
  const stack = new ClassroomStack(Testing.app(), c.name, c, { expiresAt });
  const raw = Testing.synth(stack);
  return { json: JSON.parse(raw) as TfJson, raw };
}

/** What terraform makes of `${each.value.user_data_head}${local.user_data_common}` for one seat. */
const userDataOf = (json: TfJson, seat: string) => unescape(json.locals.seats[seat].user_data_head + json.locals.user_data_common);
const unescape = (s: string) => s.replace(/([$%])\1\{/g, '$1{');

describe('the example classroom stack', () => {
  const { json, raw } = synth(example);
  const vm = json.resource.aws_instance.seat;

  it('has one for_each VM resource keyed by learner/distro', () => {
    expect(Object.keys(json.resource.aws_instance)).toEqual(['seat']);
    expect(vm.for_each).toBe('${local.seats}');
    expect(Object.keys(json.locals.seats).sort()).toEqual([
      'ana/rhel-9', 'ana/ubuntu-24.04', 'ben/rhel-9', 'ben/ubuntu-24.04', 'chen/rhel-9', 'chen/ubuntu-24.04', 'dara/ubuntu-24.04',
    ]);
    expect(json.locals.seats['chen/rhel-9']).toMatchObject({ learner: 'chen', distro: 'rhel-9', user: 'ec2-user', zone_slot: zoneSlot('chen/rhel-9') });
  });

  it('hardens every VM: IMDSv2 only, encrypted gp3, unlimited credits, no key pair, no instance role with SSH access', () => {
    expect(vm.metadata_options).toEqual({ http_endpoint: 'enabled', http_tokens: 'required', http_put_response_hop_limit: 1, instance_metadata_tags: 'enabled' });
    expect(vm.root_block_device).toEqual({ volume_type: 'gp3', volume_size: 20, encrypted: true, delete_on_termination: true });
    expect(vm.credit_specification).toEqual({ cpu_credits: 'unlimited' });
    expect(vm.instance_initiated_shutdown_behavior).toBe('stop');
    expect(vm).not.toHaveProperty('key_name');
    expect(vm).not.toHaveProperty('iam_instance_profile');
    expect(json.resource).not.toHaveProperty('aws_key_pair');
    expect(json.resource).not.toHaveProperty('aws_iam_instance_profile');
    expect(vm.vpc_security_group_ids).toEqual(['${aws_security_group.security-group-lab.id}']);
    expect(vm.lifecycle).toEqual({ ignore_changes: ['ami', 'user_data'] });
  });

  it('spreads VMs over one subnet per zone that offers the instance type', () => {
    expect(json.data.aws_ec2_instance_type_offerings['zone-offerings']).toMatchObject({
      location_type: 'availability-zone',
      filter: [{ name: 'instance-type', values: ['t3.medium'] }],
    });
    expect(json.locals.zones).toBe(
      '${slice(sort(data.aws_ec2_instance_type_offerings.zone-offerings.locations), 0, min(3, length(data.aws_ec2_instance_type_offerings.zone-offerings.locations)))}',
    );
    expect(json.resource.aws_subnet.subnet).toMatchObject({ count: '${length(local.zones)}', availability_zone: '${local.zones[count.index]}' });
    expect(vm.subnet_id).toBe('${element(aws_subnet.subnet[*].id, each.value.zone_slot)}');
    const slots = Object.values(json.locals.seats).map((s: any) => s.zone_slot % 3);
    expect(new Set(slots).size).toBeGreaterThan(1);
  });

  it('tags each VM and its volume with class, learner, distro and the absolute expiry', () => {
    expect(vm.tags).toEqual({
      Name: 'perf-101-${each.value.learner}-${each.value.distro}',
      class: 'perf-101',
      learner: '${each.value.learner}',
      distro: '${each.value.distro}',
      'labctl-expires-at': '2026-11-30T04:00:00Z',
    });
    expect(vm.volume_tags).toEqual(vm.tags);
    expect(json.provider.aws[0].default_tags[0].tags).toEqual({ class: 'perf-101', 'managed-by': 'labctl', course: 'linux-performance', term: '2026-fall' });
  });

  it("looks AMIs up by the publisher's owner id and a per-arch name filter", () => {
    expect(vm.ami).toBe('${local.amis[each.value.distro]}');
    expect(json.locals.amis).toEqual({ 'ubuntu-24.04': '${data.aws_ami.ami-ubuntu-24-04-amd64.id}', 'rhel-9': '${data.aws_ami.ami-rhel-9-amd64.id}' });
    expect(json.data.aws_ami['ami-ubuntu-24-04-amd64']).toMatchObject({
      owners: ['099720109477'],
      most_recent: true,
      filter: [
        { name: 'name', values: ['ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*'] },
        { name: 'architecture', values: ['x86_64'] },
        { name: 'virtualization-type', values: ['hvm'] },
        { name: 'root-device-type', values: ['ebs'] },
      ],
    });
    expect(json.data.aws_ami['ami-rhel-9-amd64'].owners).toEqual(['309956199498']);
  });

  it("user data per seat: the learner's and the instructor's keys, the expiry timer, then the boot script", () => {
    const ana = userDataOf(json, 'ana/ubuntu-24.04');
    const c = example;
    expect(ana).toBe(
      renderUserData({
        classroom: c, learner: 'ana', distro: 'ubuntu-24.04', arch: 'amd64', ssm: false, expiresAt: EXPIRES,
        sshPublicKeys: [c.learners[0].sshPublicKey!, c.instructor!.sshPublicKey!],
      }),
    );
    expect(ana).toContain(`ssh_authorized_keys:\n  - ${c.learners[0].sshPublicKey}\n  - ${c.instructor!.sshPublicKey}\n`);
    expect(userDataOf(json, 'ben/rhel-9')).not.toContain(c.learners[0].sshPublicKey!);
    expect(userDataOf(json, 'dara/ubuntu-24.04')).toContain(`ssh_authorized_keys:\n  - ${c.learners[3].sshPublicKey}\n  - ${c.instructor!.sshPublicKey}\n`);
    expect(ana).toContain(`content: |\n      ${EXPIRES.getTime() / 1000}\n`);
    expect(ana.indexOf('labctl-expire.timer')).toBeLessThan(ana.indexOf('- /usr/local/lib/labctl/labctl-boot.sh'));
    expect(ana).toContain('  - - /usr/local/lib/labctl/labctl-boot.sh\n    - "no"\n    - us-east-1\n    - amd64\n');
    // as cloud-init reads it (PyYAML, YAML 1.1: a plain `no` is false, a plain 0644 is octal 420)
    const asCloudInit = parseYaml(ana.replace(/^#cloud-config\n/, ''), { version: '1.1' }) as { runcmd: unknown[][]; write_files: { permissions: unknown }[] };
    expect(asCloudInit.runcmd[2]).toEqual(['/usr/local/lib/labctl/labctl-boot.sh', 'no', 'us-east-1', 'amd64']);
    expect(asCloudInit.write_files.every((f) => f.permissions === '0644' || f.permissions === '0755')).toBe(true);
    expect(vm.user_data).toBe('${each.value.user_data_head}${local.user_data_common}');
    // the scripts' own ${...} reach the VM as written, not as terraform interpolation
    expect(json.locals.user_data_common).toContain('$${LABCTL_STATE_DIR:-/var/lib/labctl}');
    expect(ana).toContain('${LABCTL_STATE_DIR:-/var/lib/labctl}');
  });

  it('opens SSH only to the configured CIDRs and keeps egress for packages and SSM', () => {
    const sg = json.resource.aws_security_group['security-group-lab'];
    expect(sg.ingress).toEqual([expect.objectContaining({ protocol: 'tcp', from_port: 22, to_port: 22, cidr_blocks: ['203.0.113.0/24'] })]);
    expect(sg.egress).toEqual([expect.objectContaining({ protocol: '-1', cidr_blocks: ['0.0.0.0/0'] })]);
    expect(raw).not.toContain('PRIVATE KEY');
  });

  it('the backstop stops every VM at expiry + 15 min through EventBridge Scheduler, with a role limited to this class', () => {
    const schedule = json.resource.aws_scheduler_schedule.backstop;
    expect(schedule).toMatchObject({
      for_each: '${local.backstop_chunks}',
      schedule_expression: 'at(2026-11-30T04:15:00)',
      schedule_expression_timezone: 'UTC',
      state: 'ENABLED',
      flexible_time_window: { mode: 'OFF' },
      target: {
        arn: 'arn:aws:scheduler:::aws-sdk:ec2:stopInstances',
        role_arn: '${aws_iam_role.iam-role-backstop.arn}',
        input: '${jsonencode({ InstanceIds = [for k in each.value : aws_instance.seat[k].id] })}',
      },
    });
    expect(Object.values(json.locals.backstop_chunks).flat()).toHaveLength(7);
    expect(JSON.parse(json.resource.aws_iam_role['iam-role-backstop'].assume_role_policy).Statement[0].Principal).toEqual({ Service: 'scheduler.amazonaws.com' });
    expect(JSON.parse(json.resource.aws_iam_role_policy['iam-role-backstop-ec2'].policy).Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['ec2:StopInstances'],
        Resource: 'arn:aws:ec2:us-east-1:*:instance/*',
        Condition: { StringEquals: { 'aws:ResourceTag/class': 'perf-101' } },
      },
    ]);
  });

  it('builds the network: VPC, a route to an internet gateway for every zone subnet', () => {
    expect(json.resource.aws_vpc.vpc).toMatchObject({ cidr_block: '10.42.0.0/16', enable_dns_hostnames: true });
    expect(json.resource.aws_subnet.subnet.cidr_block).toBe('${cidrsubnet("10.42.0.0/16", 4, count.index)}');
    expect(json.resource.aws_route_table_association['route-table-public-association']).toMatchObject({
      count: '${length(local.zones)}',
      subnet_id: '${aws_subnet.subnet[count.index].id}',
    });
  });

  it('adds a monthly budget filtered on the class tag', () => {
    expect(json.resource.aws_budgets_budget['budget-class']).toMatchObject({
      budget_type: 'COST', limit_amount: '50.00', cost_filter: [{ name: 'TagKeyValue', values: ['user:class$perf-101'] }],
    });
  });

  it('outputs an inventory of every seat: public IP with SSH CIDRs', () => {
    expect(json.output.inventory.value.class).toBe('perf-101');
    expect(json.output.inventory.value.hosts).toBe(
      '${[for k, s in local.seats : { learner = s.learner, distro = s.distro, host = aws_instance.seat[k].public_ip, user = s.user, instanceId = aws_instance.seat[k].id }]}',
    );
  });

  it('keeps state in a local terraform.tfstate by default', () => {
    expect(json.terraform.backend).toEqual({ local: { path: 'terraform.tfstate' } });
  });
});

describe('stack variants', () => {
  it('without SSH CIDRs: no ingress, SSM on with a Session-Manager-only role, hosts are instance ids', () => {
    const { json } = synth(classroom());
    expect(json.resource.aws_security_group['security-group-lab'].ingress).toEqual([]);
    expect(json.output.inventory.value.hosts).toContain('host = aws_instance.seat[k].id');
    expect(json.resource.aws_instance.seat.iam_instance_profile).toBe('${aws_iam_instance_profile.iam-instance-profile-ssm.name}');
    const policy = JSON.parse(json.resource.aws_iam_role_policy['iam-role-ssm-session-manager'].policy);
    expect(policy.Statement[0].Action).toEqual([
      'ssm:UpdateInstanceInformation', 'ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel',
    ]);
    expect(JSON.stringify(json.resource)).not.toContain('GetParameter');
    expect(json.resource).not.toHaveProperty('aws_iam_role_policy_attachment');
    expect(userDataOf(json, 'ana/ubuntu-24.04')).toContain('    - "yes"\n    - eu-west-1\n');
    expect(json.resource).not.toHaveProperty('aws_budgets_budget');
  });

  it('arm64 instance types get arm64 AMIs and no CPU-credit setting on non-burstable types', () => {
    const { json } = synth(classroom({ instanceType: 'c7g.large', distros: ['ubuntu-22.04', 'rocky-9', 'alma-9'] }));
    expect(Object.keys(json.data.aws_ami).sort()).toEqual(['ami-alma-9-arm64', 'ami-rocky-9-arm64', 'ami-ubuntu-22-04-arm64']);
    expect(json.data.aws_ami['ami-rocky-9-arm64'].filter).toEqual(expect.arrayContaining([{ name: 'name', values: ['Rocky-9-EC2-Base-9.*.aarch64'] }]));
    expect(json.resource.aws_instance.seat).not.toHaveProperty('credit_specification');
    expect(userDataOf(json, 'ben/rocky-9')).toContain('    - arm64\n');
    expect(json.locals.seats['ben/rocky-9'].user).toBe('rocky');
  });

  it('onExpiry terminate: VMs terminate themselves and the backstop calls TerminateInstances', () => {
    const { json } = synth(classroom({ onExpiry: 'terminate', diskGb: 40 }));
    expect(json.resource.aws_instance.seat.instance_initiated_shutdown_behavior).toBe('terminate');
    expect(json.resource.aws_instance.seat.root_block_device.volume_size).toBe(40);
    expect(json.resource.aws_scheduler_schedule.backstop.target.arn).toBe('arn:aws:scheduler:::aws-sdk:ec2:terminateInstances');
    expect(JSON.parse(json.resource.aws_iam_role_policy['iam-role-backstop-ec2'].policy).Statement[0].Action).toEqual(['ec2:TerminateInstances']);
  });

  it('400 VMs: the backstop splits into chunks of 100 ids, every seat in exactly one', () => {
    const learners = Array.from({ length: 200 }, (_, i) => ({ id: `l${i}` }));
    const { json, raw } = synth(classroom({ learners }));
    const chunks = json.locals.backstop_chunks as Record<string, string[]>;
    expect(Object.keys(chunks)).toEqual(['0', '1', '2', '3']);
    expect(Object.values(chunks).every((c) => c.length <= BACKSTOP_CHUNK)).toBe(true);
    expect(new Set(Object.values(chunks).flat()).size).toBe(400);
    // the boot scripts are in the JSON once, not 400 times
    expect(raw.split('OnUnitActiveSec=1min').length - 1).toBe(1);
  });

  it('an S3 backend uses the class key by default and S3 lock files', () => {
    const { json } = synth(classroom({ backend: { s3: { bucket: 'tf-state-bucket' } } }));
    expect(json.terraform.backend).toEqual({
      s3: { bucket: 'tf-state-bucket', key: 'labctl/unit/terraform.tfstate', region: 'eu-west-1', encrypt: true, use_lockfile: true },
    });
  });

  it('the JSON does not depend on learner order, and a new learner moves nobody to another zone', () => {
    const learners = [{ id: 'ana', sshPublicKey: KEY('ana') }, { id: 'ben', sshPublicKey: KEY('ben') }, { id: 'chen' }];
    const a = synth(classroom({ learners })).json;
    const b = synth(classroom({ learners: [...learners].reverse() })).json;
    expect(b.locals.seats).toEqual(a.locals.seats);
    const c = synth(classroom({ learners: [{ id: 'aaron' }, ...learners] })).json;
    for (const key of Object.keys(a.locals.seats)) expect(c.locals.seats[key].zone_slot, key).toBe(a.locals.seats[key].zone_slot);
  });

  it('changing the instructor or a learner key changes only user data, which is in ignore_changes: no VM is replaced', () => {
    const before = synth(classroom({ instructor: { sshPublicKey: KEY('teacher') }, learners: [{ id: 'ana', sshPublicKey: KEY('ana') }] })).json;
    const after = synth(classroom({ instructor: { sshPublicKey: KEY('teacher2') }, learners: [{ id: 'ana', sshPublicKey: KEY('ana2') }] })).json;
    expect(after.resource).toEqual(before.resource);
    expect(after.resource.aws_instance.seat.lifecycle.ignore_changes).toContain('user_data');
    const seat = (j: TfJson) => {
      const { user_data_head: _head, ...rest } = j.locals.seats['ana/ubuntu-24.04'];
      return rest;
    };
    expect(seat(after)).toEqual(seat(before));
    expect(after.locals.seats['ana/ubuntu-24.04'].user_data_head).toContain('ana2@test');
  });

  it('escapes terraform template sequences in literal text', () => {
    expect(escapeTemplate('a ${b} %{c} $d')).toBe('a $${b} %%{c} $d');
  });
});

describe('synthClassroom', () => {
  const out = mkdtempSync(join(tmpdir(), 'labctl-synth-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('writes plain Terraform JSON to <out>/stacks/<name>/cdk.tf.json and keeps local state across re-synth', () => {
    const first = synthClassroom(example, out, { expiresAt: EXPIRES });
    expect(first.stackDir).toBe(join(out, 'stacks', 'perf-101'));
    const json = JSON.parse(readFileSync(first.stackFile, 'utf8')) as TfJson;
    expect(Object.keys(json.locals.seats)).toHaveLength(7);
    writeFileSync(join(first.stackDir, 'terraform.tfstate'), '{"version": 4}');
    synthClassroom(example, out);
    expect(existsSync(join(first.stackDir, 'terraform.tfstate'))).toBe(true);
  });

  it('without an expiry, the class ends ttl from now, on the minute', () => {
    const before = Date.now();
    const { expiresAt } = synthClassroom(example, out);
    expect(expiresAt.getTime() % 60_000).toBe(0);
    expect(expiresAt.getTime() - before).toBeGreaterThanOrEqual(4 * 3600_000);
    expect(expiresAt.getTime() - before).toBeLessThanOrEqual(4 * 3600_000 + 120_000);
  });
});
