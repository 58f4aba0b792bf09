import { LocalBackend, S3Backend, TerraformLocal, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
// Deep imports: the package index loads ~2000 resource classes (seconds); these load only what we use.
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { BudgetsBudget } from '@cdktf/provider-aws/lib/budgets-budget/index.js';
import { DataAwsAmi } from '@cdktf/provider-aws/lib/data-aws-ami/index.js';
import { DataAwsEc2InstanceTypeOfferings } from '@cdktf/provider-aws/lib/data-aws-ec2-instance-type-offerings/index.js';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway/index.js';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association/index.js';
import { SchedulerSchedule } from '@cdktf/provider-aws/lib/scheduler-schedule/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { archOfClassroom, seatsOf, ssmEnabled, type Classroom, type Seat } from './classroom-schema.ts';
import { DISTROS, ec2Architecture, type DistroId } from './distros.ts';
import { backstopAt, backstopChunks, backstopTargetArn, SCHEDULER_POLICY_ACTIONS, SESSION_MANAGER_ACTIONS } from './policies.ts';
import { EXPIRES_TAG, renderUserDataParts, type SeatUserData } from './user-data.ts';

const VPC_CIDR = '10.42.0.0/16';
/** Zones used at most: enough to spread a class and ride out one zone's capacity shortage. */
export const MAX_ZONES = 3;

/** Terraform names allow letters, digits, `_` and `-`: `ubuntu-24.04` becomes `ubuntu-24-04`. */
export function tfName(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '-');
}

export function amiLogicalId(distro: DistroId, arch: string): string {
  return `ami-${tfName(distro)}-${arch}`;
}

/**
 * The zone slot of a seat: a hash of its key, so adding or removing a learner never moves anyone else's VM
 * (a subnet change replaces an instance). `element()` wraps it onto however many zones the region offers.
 */
export function zoneSlot(seatKey: string): number {
  let h = 0x811c9dc5;
  for (const ch of seatKey) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h % 9973;
}

export interface StackOptions {
  /** Absolute class expiry: every VM powers itself off after it, the backstop schedule stops the rest. */
  expiresAt: Date;
}

/**
 * One classroom: a VPC with one public subnet per zone that offers the instance type, one security group,
 * one VM per learner per distro (`aws_instance.seat["learner/distro"]`, one `for_each` resource so terraform
 * validates one block, not hundreds), an EventBridge Scheduler backstop that stops the class at its expiry,
 * and an instance profile only when Session Manager access is on.
 */
export class ClassroomStack extends TerraformStack {
  constructor(scope: Construct, id: string, readonly classroom: Classroom, readonly options: StackOptions) {
    super(scope, id);
    const c = classroom;
    const arch = archOfClassroom(c);
    const ssm = ssmEnabled(c);
    const classTags = { class: c.name, 'managed-by': 'labctl' };
    const expiresIso = options.expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z');

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
      new LocalBackend(this, { path: 'terraform.tfstate' });
    }

    const named = (suffix: string) => ({ Name: `labctl-${c.name}-${suffix}` });

    // Only zones that offer the instance type (us-east-1e has no t3): sorted, so the choice is stable.
    const offerings = new DataAwsEc2InstanceTypeOfferings(this, 'zone-offerings', {
      locationType: 'availability-zone',
      filter: [{ name: 'instance-type', values: [c.instanceType] }],
      lifecycle: {
        postcondition: [
          {
            condition: '${length(self.locations) > 0}',
            errorMessage: `no availability zone in ${c.region} offers ${c.instanceType}: pick another instanceType or region`,
          },
        ],
      },
    });
    new TerraformLocal(this, 'zones', `\${slice(sort(${offerings.fqn}.locations), 0, min(${MAX_ZONES}, length(${offerings.fqn}.locations)))}`);

    const vpc = new Vpc(this, 'vpc', { cidrBlock: VPC_CIDR, enableDnsHostnames: true, enableDnsSupport: true, tags: named('vpc') });
    const igw = new InternetGateway(this, 'igw', { vpcId: vpc.id, tags: named('igw') });
    // One /20 per zone (4091 usable addresses each). Public IPs give the VMs outbound access (apt/dnf, SSM)
    // without a NAT gateway, which costs 9x more per hour.
    const subnet = new Subnet(this, 'subnet', { vpcId: vpc.id, mapPublicIpOnLaunch: true, tags: named('public') });
    subnet.addOverride('count', '${length(local.zones)}');
    subnet.addOverride('availability_zone', '${local.zones[count.index]}');
    subnet.addOverride('cidr_block', `\${cidrsubnet("${VPC_CIDR}", 4, count.index)}`);
    subnet.addOverride('tags.Name', `labctl-${c.name}-\${local.zones[count.index]}`);
    const routes = new RouteTable(this, 'route-table-public', {
      vpcId: vpc.id,
      route: [{ cidrBlock: '0.0.0.0/0', gatewayId: igw.id }],
      tags: named('public'),
    });
    const assoc = new RouteTableAssociation(this, 'route-table-public-association', { subnetId: 'set below', routeTableId: routes.id });
    assoc.addOverride('count', '${length(local.zones)}');
    assoc.addOverride('subnet_id', `\${${subnet.fqn}[count.index].id}`);

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

    // Learners are root on their VM: whatever the instance role may do, they may do. So the role may only
    // open Session Manager channels (no Parameter Store, no S3), and there is no role at all without SSM.
    let profile: IamInstanceProfile | undefined;
    if (ssm) {
      const role = new IamRole(this, 'iam-role-ssm', {
        namePrefix: `labctl-${c.name}-vm-`,
        description: `labctl classroom ${c.name}: Session Manager only`,
        assumeRolePolicy: assumeRole('ec2.amazonaws.com'),
      });
      new IamRolePolicy(this, 'iam-role-ssm-session-manager', {
        name: 'session-manager-only',
        role: role.id,
        policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: [...SESSION_MANAGER_ACTIONS], Resource: '*' }] }),
      });
      profile = new IamInstanceProfile(this, 'iam-instance-profile-ssm', { namePrefix: `labctl-${c.name}-`, role: role.name });
    }

    const seats = seatsOf(c);
    const amis: Record<string, string> = {};
    for (const distro of new Set(seats.map((s) => s.distro))) {
      const d = DISTROS[distro];
      const ami = new DataAwsAmi(this, amiLogicalId(distro, arch), {
        mostRecent: true,
        owners: [d.amiOwner],
        filter: [
          { name: 'name', values: [d.amiName[arch]] },
          { name: 'architecture', values: [ec2Architecture(arch)] },
          { name: 'virtualization-type', values: ['hvm'] },
          { name: 'root-device-type', values: ['ebs'] },
        ],
      });
      amis[distro] = ami.id;
    }
    new TerraformLocal(this, 'amis', amis);

    const instructorKey = c.instructor?.sshPublicKey;
    const learnerKeys = new Map(c.learners.map((l) => [l.id, l.sshPublicKey]));
    const userData = (seat: Seat) => {
      const input: SeatUserData = {
        classroom: c,
        learner: seat.learner,
        distro: seat.distro,
        arch,
        sshPublicKeys: [learnerKeys.get(seat.learner), instructorKey].filter((k): k is string => Boolean(k)),
        expiresAt: options.expiresAt,
        ssm,
      };
      return renderUserDataParts(input);
    };
    const common = userData(seats[0]).common;
    const seatValue = (seat: Seat) => {
      const parts = userData(seat);
      if (parts.common !== common) throw new Error(`user data of ${seat.key} differs from the class-wide part`);
      return {
        learner: seat.learner,
        distro: seat.distro,
        user: DISTROS[seat.distro].user,
        zone_slot: zoneSlot(seat.key),
        user_data_head: escapeTemplate(parts.head),
      };
    };
    new TerraformLocal(this, 'user_data_common', escapeTemplate(common));
    new TerraformLocal(this, 'seats', Object.fromEntries(seats.map((s) => [s.key, seatValue(s)])));

    const burstable = /^t\d/.test(c.instanceType);
    const instance = new Instance(this, 'seat', {
      instanceType: c.instanceType,
      vpcSecurityGroupIds: [securityGroup.id],
      associatePublicIpAddress: true,
      iamInstanceProfile: profile?.name,
      // IMDSv2 only, not reachable from containers (hop limit 1); tags readable in IMDS for the expiry timer.
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1, instanceMetadataTags: 'enabled' },
      rootBlockDevice: { volumeType: 'gp3', volumeSize: c.diskGb, encrypted: true, deleteOnTermination: true },
      // Unlimited credits: the labs burn CPU on purpose (ghost-load); standard credits would throttle them to 20%.
      creditSpecification: burstable ? { cpuCredits: 'unlimited' } : undefined,
      instanceInitiatedShutdownBehavior: c.onExpiry,
      // A newer AMI published mid-class must not replace every learner's VM on the next apply, and user_data
      // only runs at first boot: changing it (a key, the expiry) would stop and restart running VMs for nothing.
      lifecycle: { ignoreChanges: ['ami', 'user_data'] },
    });
    instance.addOverride('for_each', '${local.seats}');
    instance.addOverride('ami', '${local.amis[each.value.distro]}');
    instance.addOverride('subnet_id', `\${element(${subnet.fqn}[*].id, each.value.zone_slot)}`);
    instance.addOverride('user_data', '${each.value.user_data_head}${local.user_data_common}');
    const seatTags = {
      Name: `${c.name}-\${each.value.learner}-\${each.value.distro}`,
      class: c.name,
      learner: '${each.value.learner}',
      distro: '${each.value.distro}',
      [EXPIRES_TAG]: expiresIso,
    };
    instance.addOverride('tags', seatTags);
    instance.addOverride('volume_tags', seatTags);

    // The backstop: at expiry + grace, EventBridge Scheduler calls EC2 StopInstances (or TerminateInstances) on
    // every VM of the class, whatever the VMs did with their own timer. Chunks keep each call's input small.
    const scheduler = new IamRole(this, 'iam-role-backstop', {
      namePrefix: `labctl-${c.name}-expiry-`,
      description: `labctl classroom ${c.name}: lets EventBridge Scheduler stop this class's VMs at expiry`,
      assumeRolePolicy: assumeRole('scheduler.amazonaws.com'),
    });
    new IamRolePolicy(this, 'iam-role-backstop-ec2', {
      name: 'stop-class-vms',
      role: scheduler.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: [...SCHEDULER_POLICY_ACTIONS[c.onExpiry]],
            Resource: `arn:aws:ec2:${c.region}:*:instance/*`,
            Condition: { StringEquals: { 'aws:ResourceTag/class': c.name } },
          },
        ],
      }),
    });
    new TerraformLocal(this, 'backstop_chunks', backstopChunks(seats.map((s) => s.key)));
    const backstop = new SchedulerSchedule(this, 'backstop', {
      name: `labctl-${c.name}-expiry-chunk`,
      description: `labctl classroom ${c.name}: ${c.onExpiry} every VM at ${expiresIso} + grace, even if a VM ignores its timer`,
      scheduleExpression: `at(${backstopAt(options.expiresAt)})`,
      scheduleExpressionTimezone: 'UTC',
      state: 'ENABLED',
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: backstopTargetArn(c.onExpiry),
        roleArn: scheduler.arn,
        input: 'set below',
        retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 },
      },
    });
    backstop.addOverride('for_each', '${local.backstop_chunks}');
    backstop.addOverride('name', `labctl-${c.name}-expiry-\${each.key}`);
    backstop.addOverride('target.input', `\${jsonencode({ InstanceIds = [for k in each.value : ${instance.fqn}[k].id] })}`);

    const host = c.ssh.allowedCidrs.length ? 'public_ip' : 'id';
    new TerraformOutput(this, 'inventory', {
      description: 'terraform output -json inventory > inventory.json, then labctl lab ... --inventory inventory.json',
      value: {
        class: c.name,
        scenarios: c.scenarios,
        // Without inbound SSH the instance id is the address: ssh reaches it through an SSM ProxyCommand.
        hosts: `\${[for k, s in local.seats : { learner = s.learner, distro = s.distro, host = ${instance.fqn}[k].${host}, user = s.user, instanceId = ${instance.fqn}[k].id }]}`,
      },
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

/** Literal text inside Terraform JSON: `${` and `%{` would be read as interpolation (shell scripts have both). */
export function escapeTemplate(text: string): string {
  return text.replace(/([$%])\{/g, (_, sigil: string) => `${sigil}${sigil}{`);
}

function assumeRole(service: string): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
}
