import { LocalBackend, S3Backend, TerraformLocal, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
// Deep imports: the package index loads ~2000 resource classes (seconds); these load only what we use.
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { BudgetsBudget } from '@cdktf/provider-aws/lib/budgets-budget/index.js';
import { DataAwsAmi } from '@cdktf/provider-aws/lib/data-aws-ami/index.js';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway/index.js';
import { KeyPair } from '@cdktf/provider-aws/lib/key-pair/index.js';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { archOfClassroom, seatsOf, type Classroom, type Seat } from './classroom-schema.ts';
import { DISTROS, ec2Architecture, type DistroId } from './distros.ts';
import type { InventoryHost } from './inventory.ts';
import { renderUserData } from './user-data.ts';

const VPC_CIDR = '10.42.0.0/16';
// /20 leaves room for 500 learners x 5 distros with AWS's 5 reserved addresses to spare.
const SUBNET_CIDR = '10.42.0.0/20';
const SSM_POLICY_ARN = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';

/** Terraform names allow letters, digits, `_` and `-`: `ubuntu-24.04` becomes `ubuntu-24-04`. */
export function tfName(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '-');
}

/** Stable logical id of a seat's VM: the address in state and in tests never depends on list order. */
export function instanceLogicalId(seat: Pick<Seat, 'learner' | 'distro'>): string {
  return `learner-${tfName(seat.learner)}-${tfName(seat.distro)}`;
}

export function amiLogicalId(distro: DistroId, arch: string): string {
  return `ami-${tfName(distro)}-${arch}`;
}

/**
 * One classroom: a VPC with one public subnet, one security group, an SSM instance profile and one VM per
 * learner per distro. Everything is known at synth time, so loops are plain TypeScript and every
 * resource gets a readable, order-independent logical id.
 */
export class ClassroomStack extends TerraformStack {
  readonly instances = new Map<string, Instance>();

  constructor(scope: Construct, id: string, readonly classroom: Classroom) {
    super(scope, id);
    const c = classroom;
    const arch = archOfClassroom(c);
    const classTags = { class: c.name, 'managed-by': 'labctl' };

    new AwsProvider(this, 'aws', { region: c.region, defaultTags: [{ tags: { ...c.tags, ...classTags } }] });
    if (c.backend?.s3) {
      const s3 = c.backend.s3;
      const backend = new S3Backend(this, {
        bucket: s3.bucket,
        key: s3.key ?? `labctl/${c.name}/terraform.tfstate`,
        region: s3.region ?? c.region,
        encrypt: true,
        ...(s3.dynamodbTable ? { dynamodbTable: s3.dynamodbTable } : {}),
      });
      if (!s3.dynamodbTable) backend.addOverride('use_lockfile', true);
    } else {
      // Plain `terraform.tfstate` in the stack dir, the name plain terraform users expect.
      new LocalBackend(this, { path: 'terraform.tfstate' });
    }

    const named = (suffix: string) => ({ Name: `labctl-${c.name}-${suffix}` });

    const vpc = new Vpc(this, 'vpc', { cidrBlock: VPC_CIDR, enableDnsHostnames: true, enableDnsSupport: true, tags: named('vpc') });
    const igw = new InternetGateway(this, 'igw', { vpcId: vpc.id, tags: named('igw') });
    const subnet = new Subnet(this, 'subnet-public', {
      vpcId: vpc.id,
      cidrBlock: SUBNET_CIDR,
      // Public IPs give the VMs outbound access (apt/dnf, SSM) without a NAT gateway, which costs 9x more per hour.
      mapPublicIpOnLaunch: true,
      tags: named('public'),
    });
    const routes = new RouteTable(this, 'route-table-public', {
      vpcId: vpc.id,
      route: [{ cidrBlock: '0.0.0.0/0', gatewayId: igw.id }],
      tags: named('public'),
    });
    new RouteTableAssociation(this, 'route-table-public-association', { subnetId: subnet.id, routeTableId: routes.id });

    const securityGroup = new SecurityGroup(this, 'security-group-lab', {
      namePrefix: `labctl-${c.name}-`,
      description: `labctl classroom ${c.name}: SSH only from ssh.allowedCidrs`,
      vpcId: vpc.id,
      ingress: c.ssh.allowedCidrs.length
        ? [{ description: 'SSH from classroom.yaml ssh.allowedCidrs', protocol: 'tcp', fromPort: 22, toPort: 22, cidrBlocks: c.ssh.allowedCidrs }]
        : [],
      egress: [{ description: 'packages, SSM, lab traffic', protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['0.0.0.0/0'] }],
      tags: named('lab'),
    });

    const role = new IamRole(this, 'iam-role-ssm', {
      namePrefix: `labctl-${c.name}-`,
      description: `labctl classroom ${c.name}: lets the lab VMs register with SSM`,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });
    new IamRolePolicyAttachment(this, 'iam-role-ssm-core', { role: role.name, policyArn: SSM_POLICY_ARN });
    const profile = new IamInstanceProfile(this, 'iam-instance-profile-ssm', { namePrefix: `labctl-${c.name}-`, role: role.name });

    // Only ever a public key: a generated private key would sit in plain text in the state file.
    const keyPair = c.instructor?.sshPublicKey
      ? new KeyPair(this, 'key-pair-instructor', { keyNamePrefix: `labctl-${c.name}-`, publicKey: c.instructor.sshPublicKey })
      : undefined;

    const seats = seatsOf(c);
    const amis = new Map<DistroId, DataAwsAmi>();
    for (const distro of new Set(seats.map((s) => s.distro))) {
      const d = DISTROS[distro];
      amis.set(
        distro,
        new DataAwsAmi(this, amiLogicalId(distro, arch), {
          mostRecent: true,
          owners: [d.amiOwner],
          filter: [
            { name: 'name', values: [d.amiName[arch]] },
            { name: 'architecture', values: [ec2Architecture(arch)] },
            { name: 'virtualization-type', values: ['hvm'] },
            { name: 'root-device-type', values: ['ebs'] },
          ],
        }),
      );
    }

    const learnerKeys = new Map(c.learners.map((l) => [l.id, l.sshPublicKey]));
    const burstable = /^t\d/.test(c.instanceType);
    const hosts: Record<string, unknown>[] = [];
    for (const seat of seats) {
      const distro = DISTROS[seat.distro];
      const seatTags = { Name: `${c.name}-${seat.learner}-${seat.distro}`, class: c.name, learner: seat.learner, distro: seat.distro };
      const instance = new Instance(this, instanceLogicalId(seat), {
        ami: amis.get(seat.distro)!.id,
        instanceType: c.instanceType,
        subnetId: subnet.id,
        vpcSecurityGroupIds: [securityGroup.id],
        associatePublicIpAddress: true,
        iamInstanceProfile: profile.name,
        keyName: keyPair?.keyName,
        metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
        rootBlockDevice: { volumeType: 'gp3', volumeSize: c.diskGb, encrypted: true, deleteOnTermination: true },
        // Standard credits: a lab that burns CPU is throttled instead of billed for surplus credits.
        creditSpecification: burstable ? { cpuCredits: 'standard' } : undefined,
        instanceInitiatedShutdownBehavior: c.onExpiry,
        userData: renderUserData({ classroom: c, learner: seat.learner, distro: seat.distro, arch, sshPublicKey: learnerKeys.get(seat.learner) }),
        tags: seatTags,
        volumeTags: seatTags,
        // A newer AMI published mid-class must not replace every learner's VM on the next apply, and user_data
        // only runs at first boot: changing it would stop and restart running VMs for nothing.
        lifecycle: { ignoreChanges: ['ami', 'user_data'] },
      });
      this.instances.set(seat.key, instance);
      const host: InventoryHost = {
        learner: seat.learner,
        distro: seat.distro,
        // Without inbound SSH the instance id is the address: ssh reaches it through an SSM ProxyCommand.
        host: c.ssh.allowedCidrs.length ? instance.publicIp : instance.id,
        user: distro.user,
        instanceId: instance.id,
      };
      hosts.push(host as unknown as Record<string, unknown>);
    }

    // The instances by seat key, so terraform test can check every VM without knowing their names.
    new TerraformLocal(this, 'instances', Object.fromEntries([...this.instances].map(([key, i]) => [key, `\${${i.fqn}}`])));

    new TerraformOutput(this, 'inventory', {
      description: 'terraform output -json inventory > inventory.json, then labctl lab ... --inventory inventory.json',
      value: { class: c.name, scenarios: c.scenarios, hosts },
    });

    if (c.budget) {
      new BudgetsBudget(this, 'budget-class', {
        name: `labctl-${c.name}`,
        budgetType: 'COST',
        limitAmount: c.budget.monthlyUsd.toFixed(2),
        limitUnit: 'USD',
        timeUnit: 'MONTHLY',
        // Filters on the `class` cost-allocation tag, which must be activated once in the Billing console.
        costFilter: [{ name: 'TagKeyValue', values: [`user:class$${c.name}`] }],
        notification: [
          { comparisonOperator: 'GREATER_THAN', notificationType: 'ACTUAL', threshold: 80, thresholdType: 'PERCENTAGE', subscriberEmailAddresses: c.budget.alertEmails },
          { comparisonOperator: 'GREATER_THAN', notificationType: 'FORECASTED', threshold: 100, thresholdType: 'PERCENTAGE', subscriberEmailAddresses: c.budget.alertEmails },
        ],
      });
    }
  }
}
