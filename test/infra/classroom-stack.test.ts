import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { afterAll, describe, expect, it } from 'vitest';
import { ClassroomSchema, type Classroom, type ClassroomInput } from '../../infra/classroom-schema.ts';
import { ClassroomStack, instanceLogicalId } from '../../infra/classroom-stack.ts';
import { InventorySchema } from '../../infra/inventory.ts';
import { loadClassroomOrThrow } from '../../infra/load-classroom.ts';
import { synthClassroom } from '../../infra/synth.ts';

const example = loadClassroomOrThrow('infra/examples/classroom.yaml').classroom;
const KEY = (who: string) => `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${who.padEnd(43, 'A')} ${who}@test`;

function classroom(input: Partial<ClassroomInput> = {}): Classroom {
  return ClassroomSchema.parse({ name: 'unit', region: 'eu-west-1', learners: [{ id: 'ana' }, { id: 'ben' }], ...input });
}

// Terraform JSON as terraform sees it: the same object `terraform validate` and `terraform test` read.
type TfJson = {
  terraform: { backend: Record<string, Record<string, unknown>> };
  provider: { aws: { region: string; default_tags: { tags: Record<string, string> }[] }[] };
  data: { aws_ami: Record<string, { owners: string[]; most_recent: boolean; filter: { name: string; values: string[] }[] }> };
  resource: Record<string, Record<string, Record<string, any>>>;
  locals: { instances: Record<string, string> };
  output: { inventory: { value: { class: string; scenarios: string[]; hosts: Record<string, unknown>[] } } };
};

function synth(c: Classroom): { json: TfJson; raw: string } {
  const stack = new ClassroomStack(Testing.app(), c.name, c);
  const raw = Testing.synth(stack);
  return { json: JSON.parse(raw) as TfJson, raw };
}

describe('the example classroom stack', () => {
  const { json, raw } = synth(example);
  const instances = json.resource.aws_instance;

  it('has exactly one VM per learner per distro, under stable logical ids', () => {
    expect(Object.keys(instances).sort()).toEqual([
      'learner-ana-rhel-9', 'learner-ana-ubuntu-24-04',
      'learner-ben-rhel-9', 'learner-ben-ubuntu-24-04',
      'learner-chen-rhel-9', 'learner-chen-ubuntu-24-04',
      'learner-dara-ubuntu-24-04',
    ]);
    expect(json.locals.instances['dara/ubuntu-24.04']).toBe('${aws_instance.learner-dara-ubuntu-24-04}');
  });

  it('hardens every VM: IMDSv2 only, encrypted gp3 root, SSM profile, TTL shutdown behavior', () => {
    for (const [id, vm] of Object.entries(instances)) {
      expect(vm.metadata_options, id).toEqual({ http_endpoint: 'enabled', http_tokens: 'required', http_put_response_hop_limit: 1 });
      expect(vm.root_block_device, id).toEqual({ volume_type: 'gp3', volume_size: 20, encrypted: true, delete_on_termination: true });
      expect(vm.iam_instance_profile, id).toBe('${aws_iam_instance_profile.iam-instance-profile-ssm.name}');
      expect(vm.instance_initiated_shutdown_behavior, id).toBe('stop');
      expect(vm.instance_type, id).toBe('t3.medium');
      expect(vm.credit_specification, id).toEqual({ cpu_credits: 'standard' });
      expect(vm.key_name, id).toBe('${aws_key_pair.key-pair-instructor.key_name}');
      expect(vm.vpc_security_group_ids, id).toEqual(['${aws_security_group.security-group-lab.id}']);
      expect(vm.lifecycle, id).toEqual({ ignore_changes: ['ami', 'user_data'] });
    }
    expect(Testing.toHaveResourceWithProperties(raw, 'aws_instance', { metadata_options: { http_tokens: 'optional' } })).toBe(false);
  });

  it('tags each VM and its volume with class, learner and distro for cost allocation', () => {
    expect(instances['learner-ben-rhel-9'].tags).toEqual({ Name: 'perf-101-ben-rhel-9', class: 'perf-101', learner: 'ben', distro: 'rhel-9' });
    expect(instances['learner-ben-rhel-9'].volume_tags).toEqual(instances['learner-ben-rhel-9'].tags);
    expect(json.provider.aws[0].default_tags[0].tags).toEqual({
      class: 'perf-101', 'managed-by': 'labctl', course: 'linux-performance', term: '2026-fall',
    });
    expect(json.provider.aws[0].region).toBe('us-east-1');
  });

  it("looks AMIs up by the publisher's owner id and a per-arch name filter", () => {
    expect(instances['learner-ana-ubuntu-24-04'].ami).toBe('${data.aws_ami.ami-ubuntu-24-04-amd64.id}');
    expect(instances['learner-ana-rhel-9'].ami).toBe('${data.aws_ami.ami-rhel-9-amd64.id}');
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
    expect(json.data.aws_ami['ami-rhel-9-amd64'].filter[0].values).toEqual(['RHEL-9.*_HVM-*-x86_64-*-Hourly2-GP3']);
  });

  it('writes cloud-init that installs the distro\'s eBPF tools, adds the learner\'s key and schedules the TTL', () => {
    const ubuntu = instances['learner-ana-ubuntu-24-04'].user_data as string;
    const rhel = instances['learner-ana-rhel-9'].user_data as string;
    expect(ubuntu.startsWith('#cloud-config\n')).toBe(true);
    expect(ubuntu).toContain('shutdown -h +240 ');
    expect(ubuntu).toContain('apt-get install -y bpfcc-tools bpftrace "linux-headers-$(uname -r)"');
    expect(rhel).toContain('dnf install -y bcc-tools bpftrace "kernel-devel-$(uname -r)"');
    expect(rhel).toContain('https://s3.us-east-1.amazonaws.com/amazon-ssm-us-east-1/latest/linux_amd64/amazon-ssm-agent.rpm');
    const anaKey = example.learners[0].sshPublicKey!;
    expect(ubuntu).toContain(anaKey);
    expect(instances['learner-ben-ubuntu-24-04'].user_data).not.toContain(anaKey);
    expect(instances['learner-dara-ubuntu-24-04'].user_data).not.toContain('ssh_authorized_keys');
  });

  it('opens SSH only to the configured CIDRs and keeps egress for packages and SSM', () => {
    const sg = json.resource.aws_security_group['security-group-lab'];
    expect(sg.ingress).toEqual([
      expect.objectContaining({ protocol: 'tcp', from_port: 22, to_port: 22, cidr_blocks: ['203.0.113.0/24'] }),
    ]);
    expect(sg.egress).toEqual([expect.objectContaining({ protocol: '-1', cidr_blocks: ['0.0.0.0/0'] })]);
  });

  it('uploads only the instructor public key and never creates a private key', () => {
    expect(json.resource.aws_key_pair['key-pair-instructor'].public_key).toBe(example.instructor!.sshPublicKey);
    expect(json.resource).not.toHaveProperty('tls_private_key');
    expect(raw).not.toContain('PRIVATE KEY');
  });

  it('builds the network: VPC, public subnet, default route to an internet gateway', () => {
    expect(json.resource.aws_vpc.vpc).toMatchObject({ cidr_block: '10.42.0.0/16', enable_dns_hostnames: true });
    expect(json.resource.aws_subnet['subnet-public']).toMatchObject({ cidr_block: '10.42.0.0/20', map_public_ip_on_launch: true, vpc_id: '${aws_vpc.vpc.id}' });
    expect(json.resource.aws_route_table['route-table-public'].route).toEqual([
      expect.objectContaining({ cidr_block: '0.0.0.0/0', gateway_id: '${aws_internet_gateway.igw.id}' }),
    ]);
    expect(json.resource.aws_iam_role_policy_attachment['iam-role-ssm-core'].policy_arn).toBe('arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore');
    expect(JSON.parse(json.resource.aws_iam_role['iam-role-ssm'].assume_role_policy).Statement[0].Principal).toEqual({ Service: 'ec2.amazonaws.com' });
  });

  it('adds a monthly budget filtered on the class tag', () => {
    expect(json.resource.aws_budgets_budget['budget-class']).toMatchObject({
      budget_type: 'COST',
      limit_amount: '50.00',
      limit_unit: 'USD',
      time_unit: 'MONTHLY',
      cost_filter: [{ name: 'TagKeyValue', values: ['user:class$perf-101'] }],
    });
    expect(json.resource.aws_budgets_budget['budget-class'].notification).toHaveLength(2);
  });

  it('outputs an inventory in the format labctl lab --inventory reads', () => {
    const inventory = json.output.inventory.value;
    expect(InventorySchema.safeParse(inventory).success).toBe(true);
    expect(inventory.class).toBe('perf-101');
    expect(inventory.scenarios).toEqual(['ghost-load', 'offcpu-lock', 'fsync-latency']);
    expect(inventory.hosts).toHaveLength(7);
    expect(inventory.hosts).toContainEqual({
      learner: 'chen',
      distro: 'rhel-9',
      host: '${aws_instance.learner-chen-rhel-9.public_ip}',
      user: 'ec2-user',
      instanceId: '${aws_instance.learner-chen-rhel-9.id}',
    });
    expect(inventory.hosts.filter((h) => h.distro === 'ubuntu-24.04').map((h) => h.user)).toEqual(['ubuntu', 'ubuntu', 'ubuntu', 'ubuntu']);
  });

  it('keeps state in a local terraform.tfstate by default', () => {
    expect(json.terraform.backend).toEqual({ local: { path: 'terraform.tfstate' } });
  });
});

describe('stack variants', () => {
  it('without SSH CIDRs: no ingress at all, and inventory hosts are instance ids (SSM)', () => {
    const { json } = synth(classroom());
    expect(json.resource.aws_security_group['security-group-lab'].ingress).toEqual([]);
    expect(json.output.inventory.value.hosts[0]).toMatchObject({ learner: 'ana', host: '${aws_instance.learner-ana-ubuntu-24-04.id}' });
    expect(json.resource).not.toHaveProperty('aws_key_pair');
    expect(json.resource.aws_instance['learner-ana-ubuntu-24-04']).not.toHaveProperty('key_name');
    expect(json.resource).not.toHaveProperty('aws_budgets_budget');
  });

  it('arm64 instance types get arm64 AMIs and no CPU-credit setting on non-burstable types', () => {
    const { json } = synth(classroom({ instanceType: 'c7g.large', distros: ['ubuntu-22.04', 'rocky-9', 'alma-9'] }));
    expect(Object.keys(json.data.aws_ami).sort()).toEqual(['ami-alma-9-arm64', 'ami-rocky-9-arm64', 'ami-ubuntu-22-04-arm64']);
    expect(json.data.aws_ami['ami-rocky-9-arm64']).toMatchObject({
      owners: ['792107900819'],
      filter: expect.arrayContaining([{ name: 'name', values: ['Rocky-9-EC2-Base-9.*.aarch64'] }, { name: 'architecture', values: ['arm64'] }]),
    });
    const vm = json.resource.aws_instance['learner-ben-rocky-9'];
    expect(vm).not.toHaveProperty('credit_specification');
    expect(vm.user_data).toContain('linux_arm64/amazon-ssm-agent.rpm');
    expect(json.output.inventory.value.hosts.map((h) => h.user)).toEqual(['ubuntu', 'rocky', 'ec2-user', 'ubuntu', 'rocky', 'ec2-user']);
  });

  it('onExpiry terminate, TTL and disk size flow into every VM', () => {
    const { json } = synth(classroom({ onExpiry: 'terminate', ttl: '1h30m', diskGb: 40 }));
    const vm = json.resource.aws_instance['learner-ben-rhel-9'];
    expect(vm.instance_initiated_shutdown_behavior).toBe('terminate');
    expect(vm.root_block_device.volume_size).toBe(40);
    expect(vm.user_data).toContain('shutdown -h +90 ');
  });

  it('an S3 backend uses the class key by default and S3 lock files', () => {
    const { json } = synth(classroom({ backend: { s3: { bucket: 'tf-state-bucket' } } }));
    expect(json.terraform.backend).toEqual({
      s3: { bucket: 'tf-state-bucket', key: 'labctl/unit/terraform.tfstate', region: 'eu-west-1', encrypt: true, use_lockfile: true },
    });
  });

  it('logical ids do not depend on learner order', () => {
    const learners = [{ id: 'ana', sshPublicKey: KEY('ana') }, { id: 'ben', sshPublicKey: KEY('ben') }, { id: 'chen' }];
    const a = synth(classroom({ learners })).json.resource.aws_instance;
    const b = synth(classroom({ learners: [...learners].reverse() })).json.resource.aws_instance;
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    for (const id of Object.keys(a)) expect(b[id], id).toEqual(a[id]);
    expect(instanceLogicalId({ learner: 'ana', distro: 'ubuntu-24.04' })).toBe('learner-ana-ubuntu-24-04');
  });
});

describe('synthClassroom', () => {
  const out = mkdtempSync(join(tmpdir(), 'labctl-synth-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('writes plain Terraform JSON to <out>/stacks/<name>/cdk.tf.json and keeps local state across re-synth', () => {
    const first = synthClassroom(example, out);
    expect(first.stackDir).toBe(join(out, 'stacks', 'perf-101'));
    const json = JSON.parse(readFileSync(first.stackFile, 'utf8')) as TfJson;
    expect(Object.keys(json.resource.aws_instance)).toHaveLength(7);
    writeFileSync(join(first.stackDir, 'terraform.tfstate'), '{"version": 4}');
    synthClassroom(example, out);
    expect(existsSync(join(first.stackDir, 'terraform.tfstate'))).toBe(true);
  });
});
