import {
  DescribeInstanceTypeOfferingsCommand,
  DescribeInstanceTypesCommand,
  EC2Client,
  paginateDescribeInstances,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { seatsOf, type Classroom } from './classroom-schema.ts';
import { MAX_ZONES } from './classroom-stack.ts';
import { PRICES } from './prices.ts';

/**
 * `labctl classroom preflight` (also the first step of `deploy`): does this class fit the account before
 * terraform creates half of it? Reads, with the AWS SDK and the user's credentials, the zones that offer the
 * instance type, its vCPUs, the On-Demand vCPU quota of its family and the vCPUs already running, and refuses a
 * class that does not fit with the numbers and the quota to raise. Read-only calls; nothing is created.
 */

/** EC2 On-Demand vCPU quotas by instance family letter (Service Quotas, service code `ec2`). */
const FAMILY_QUOTAS: { test: RegExp; code: string; name: string }[] = [
  { test: /^(inf)/, code: 'L-1945791B', name: 'Running On-Demand Inf instances' },
  { test: /^(trn)/, code: 'L-2C3B7624', name: 'Running On-Demand Trn instances' },
  { test: /^(dl)/, code: 'L-6E869C2A', name: 'Running On-Demand DL instances' },
  { test: /^(hpc)/, code: 'L-F7808C92', name: 'Running On-Demand HPC instances' },
  { test: /^(vt|g)/, code: 'L-DB2E81BA', name: 'Running On-Demand G and VT instances' },
  { test: /^f/, code: 'L-74FC7D96', name: 'Running On-Demand F instances' },
  { test: /^p/, code: 'L-417A185B', name: 'Running On-Demand P instances' },
  { test: /^x/, code: 'L-7295265B', name: 'Running On-Demand X instances' },
  { test: /^[acdhimrtz]/, code: 'L-1216C47A', name: 'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances' },
];

export function quotaOf(instanceType: string): { code: string; name: string } | null {
  const q = FAMILY_QUOTAS.find((f) => f.test.test(instanceType));
  return q ? { code: q.code, name: q.name } : null;
}

/** What a class needs, from classroom.yaml alone (offline; `deploy --dry-run` prints it). */
export interface CapacityNeed {
  instanceType: string;
  instances: number;
  vcpuPerInstance: number;
  vcpus: number;
  quota: { code: string; name: string };
}

export function capacityNeed(c: Classroom, vcpuPerInstance = PRICES.instanceTypes[c.instanceType].vcpu): CapacityNeed {
  const instances = seatsOf(c).length;
  return { instanceType: c.instanceType, instances, vcpuPerInstance, vcpus: instances * vcpuPerInstance, quota: quotaOf(c.instanceType)! };
}

export interface PreflightReport {
  region: string;
  need: CapacityNeed;
  /** zones offering the instance type, sorted; the stack uses the first MAX_ZONES */
  zones: string[];
  quotaVcpus: number;
  /** vCPUs of pending/running instances in the same quota family */
  usedVcpus: number;
  freeVcpus: number;
  fits: boolean;
  problems: string[];
}

export interface AwsClients {
  ec2: EC2Client;
  quotas: ServiceQuotasClient;
}

/** Clients for the class region; `endpoint` points both at another server (the tests' recorded-response fake). */
export function awsClients(region: string, endpoint?: string): AwsClients {
  const common = { region, ...(endpoint ? { endpoint } : {}), maxAttempts: 3 };
  return { ec2: new EC2Client(common), quotas: new ServiceQuotasClient(common) };
}

export async function preflight(c: Classroom, clients: AwsClients): Promise<PreflightReport> {
  const offerings = await clients.ec2.send(
    new DescribeInstanceTypeOfferingsCommand({ LocationType: 'availability-zone', Filters: [{ Name: 'instance-type', Values: [c.instanceType] }] }),
  );
  const zones = [...new Set((offerings.InstanceTypeOfferings ?? []).map((o) => o.Location!).filter(Boolean))].sort();

  const types = await clients.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [c.instanceType as _InstanceType] }));
  const vcpu = types.InstanceTypes?.[0]?.VCpuInfo?.DefaultVCpus ?? PRICES.instanceTypes[c.instanceType].vcpu;
  const need = capacityNeed(c, vcpu);

  const quota = await clients.quotas.send(new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: need.quota.code }));
  const quotaVcpus = quota.Quota?.Value ?? 0;
  const usedVcpus = await vcpusInUse(clients.ec2, need.quota.code);
  const freeVcpus = Math.max(0, quotaVcpus - usedVcpus);

  const problems: string[] = [];
  if (zones.length === 0) problems.push(`no availability zone in ${c.region} offers ${c.instanceType}: pick another instanceType or region`);
  if (need.vcpus > freeVcpus) {
    problems.push(
      `${need.instances} x ${c.instanceType} need ${need.vcpus} vCPUs of "${need.quota.name}" (${need.quota.code}) but only ${freeVcpus} are free ` +
        `(quota ${quotaVcpus}, in use ${usedVcpus}): request ${usedVcpus + need.vcpus} with\n` +
        `    aws service-quotas request-service-quota-increase --region ${c.region} --service-code ec2 --quota-code ${need.quota.code} --desired-value ${usedVcpus + need.vcpus}`,
    );
  }
  return { region: c.region, need, zones, quotaVcpus, usedVcpus, freeVcpus, fits: problems.length === 0, problems };
}

/** vCPUs of the account's pending and running instances in one quota family, in this region. */
async function vcpusInUse(ec2: EC2Client, quotaCode: string): Promise<number> {
  const counts = new Map<string, number>();
  const pages = paginateDescribeInstances({ client: ec2, pageSize: 1000 }, { Filters: [{ Name: 'instance-state-name', Values: ['pending', 'running'] }] });
  for await (const page of pages) {
    for (const r of page.Reservations ?? []) {
      for (const i of r.Instances ?? []) {
        if (i.InstanceType && quotaOf(i.InstanceType)?.code === quotaCode) counts.set(i.InstanceType, (counts.get(i.InstanceType) ?? 0) + 1);
      }
    }
  }
  if (counts.size === 0) return 0;
  const types = await ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [...counts.keys()] as _InstanceType[] }));
  const vcpus = new Map((types.InstanceTypes ?? []).map((t) => [t.InstanceType as string, t.VCpuInfo?.DefaultVCpus ?? 0]));
  return [...counts].reduce((sum, [type, n]) => sum + n * (vcpus.get(type) ?? 0), 0);
}

export function formatPreflight(r: PreflightReport): string {
  const spread = Math.min(MAX_ZONES, r.zones.length);
  const lines = [
    `preflight for ${r.region}:`,
    `  zones offering ${r.need.instanceType}: ${r.zones.length ? r.zones.join(', ') : 'none'}${spread ? ` (the class spreads over ${r.zones.slice(0, spread).join(', ')})` : ''}`,
    `  vCPUs: need ${r.need.vcpus} (${r.need.instances} x ${r.need.vcpuPerInstance}) of ${r.need.quota.code} "${r.need.quota.name}"; quota ${r.quotaVcpus}, in use ${r.usedVcpus}, free ${r.freeVcpus}`,
    r.fits ? '  fits: yes' : `  fits: NO\n${r.problems.map((p) => `  - ${p}`).join('\n')}`,
  ];
  return `${lines.join('\n')}\n`;
}
