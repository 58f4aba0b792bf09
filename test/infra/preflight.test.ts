// Preflight against recorded AWS responses served by a real local HTTP server (test/support/aws-fake.ts): the
// AWS SDK clients labctl uses, pointed at it with `endpoint`, so signing, serialization and parsing are the
// SDK's own. Nothing here mocks a labctl function.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClassroomSchema, type Classroom } from '../../infra/classroom-schema.ts';
import { loadClassroomOrThrow } from '../../infra/load-classroom.ts';
import { awsClients, capacityNeed, formatPreflight, preflight, quotaOf } from '../../infra/preflight.ts';
import { startAwsFake, type AwsFake, type FakeRequest } from '../support/aws-fake.ts';

const example = loadClassroomOrThrow('infra/examples/classroom.yaml').classroom;
const bigClass = (learners: number): Classroom =>
  ClassroomSchema.parse({ name: 'big', region: 'us-east-1', ssh: { allowedCidrs: ['203.0.113.0/24'] }, learners: Array.from({ length: learners }, (_, i) => ({ id: `l${i}` })) });

const saved = { ...process.env };
beforeAll(() => {
  // static dummy credentials, and no profile files or IMDS lookups: nothing may leave 127.0.0.1
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});
afterAll(() => {
  process.env = saved;
});

const instancesByPage = (r: FakeRequest) => ((r.params as Record<string, string>).NextToken === 'page-2-token' ? 'ec2-instances-page2.xml' : 'ec2-instances-page1.xml');
const typesFor = (r: FakeRequest) =>
  Object.entries(r.params).some(([k, v]) => k.startsWith('InstanceType.') && v === 'm5.2xlarge') ? 'ec2-instance-types-in-use.xml' : 'ec2-instance-types-t3.medium.xml';

describe('classroom preflight (AWS SDK against recorded responses)', () => {
  let fake: AwsFake;
  afterAll(() => fake?.close());

  it('a 400-VM t3.medium class does not fit the 640 vCPU quota: refused with the numbers and the quota to raise', async () => {
    fake = await startAwsFake({
      'ec2:DescribeInstanceTypeOfferings': 'ec2-offerings-t3.medium-us-east-1.xml',
      'ec2:DescribeInstanceTypes': typesFor,
      'ec2:DescribeInstances': instancesByPage,
      'servicequotas:GetServiceQuota': 'servicequotas-L-1216C47A-640.json',
    });
    const r = await preflight(bigClass(200), awsClients('us-east-1', fake.endpoint));
    // usage: m5.2xlarge (8) + 2 x t3.medium (2) over two pages; the g5 counts against another quota
    expect(r).toMatchObject({
      zones: ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1f'],
      need: { instances: 400, vcpuPerInstance: 2, vcpus: 800, quota: { code: 'L-1216C47A' } },
      quotaVcpus: 640,
      usedVcpus: 12,
      freeVcpus: 628,
      fits: false,
    });
    expect(r.problems).toEqual([
      '400 x t3.medium need 800 vCPUs of "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances" (L-1216C47A) but only 628 are free (quota 640, in use 12): request 812 with\n' +
        '    aws service-quotas request-service-quota-increase --region us-east-1 --service-code ec2 --quota-code L-1216C47A --desired-value 812',
    ]);
    expect(formatPreflight(r)).toContain('zones offering t3.medium: us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1f (the class spreads over us-east-1a, us-east-1b, us-east-1c)');
    // what was asked, as AWS sees it
    const ops = fake.requests.map((q) => q.operation);
    expect(ops).toEqual([
      'ec2:DescribeInstanceTypeOfferings', 'ec2:DescribeInstanceTypes', 'servicequotas:GetServiceQuota', 'ec2:DescribeInstances', 'ec2:DescribeInstances', 'ec2:DescribeInstanceTypes',
    ]);
    expect(fake.requests[0].params).toMatchObject({ LocationType: 'availability-zone', 'Filter.1.Name': 'instance-type', 'Filter.1.Value.1': 't3.medium' });
    expect(fake.requests[2].params).toEqual({ ServiceCode: 'ec2', QuotaCode: 'L-1216C47A' });
    expect(fake.requests[3].params).toMatchObject({ 'Filter.1.Name': 'instance-state-name', 'Filter.1.Value.1': 'pending', 'Filter.1.Value.2': 'running' });
  });

  it('the example class fits; an empty account uses nothing', async () => {
    await fake?.close();
    fake = await startAwsFake({
      'ec2:DescribeInstanceTypeOfferings': 'ec2-offerings-t3.medium-us-east-1.xml',
      'ec2:DescribeInstanceTypes': 'ec2-instance-types-t3.medium.xml',
      'ec2:DescribeInstances': 'ec2-instances-none.xml',
      'servicequotas:GetServiceQuota': 'servicequotas-L-1216C47A-640.json',
    });
    const r = await preflight(example, awsClients('us-east-1', fake.endpoint));
    expect(r).toMatchObject({ fits: true, usedVcpus: 0, freeVcpus: 640, need: { vcpus: 14 }, problems: [] });
    expect(formatPreflight(r)).toContain('fits: yes');
  });

  it('a region where no zone offers the type is refused before terraform runs', async () => {
    await fake?.close();
    fake = await startAwsFake({
      'ec2:DescribeInstanceTypeOfferings': 'ec2-offerings-empty.xml',
      'ec2:DescribeInstanceTypes': 'ec2-instance-types-t3.medium.xml',
      'ec2:DescribeInstances': 'ec2-instances-none.xml',
      'servicequotas:GetServiceQuota': 'servicequotas-L-1216C47A-640.json',
    });
    const r = await preflight(example, awsClients('us-east-1', fake.endpoint));
    expect(r.fits).toBe(false);
    expect(r.problems).toEqual(['no availability zone in us-east-1 offers t3.medium: pick another instanceType or region']);
  });

  it('an AWS error reaches the caller as the SDK raised it', async () => {
    await fake?.close();
    fake = await startAwsFake({
      'ec2:DescribeInstanceTypeOfferings': 'ec2-offerings-t3.medium-us-east-1.xml',
      'ec2:DescribeInstanceTypes': 'ec2-instance-types-t3.medium.xml',
      'servicequotas:GetServiceQuota': 'servicequotas-no-such-quota.json',
    });
    await expect(preflight(example, awsClients('us-east-1', fake.endpoint))).rejects.toMatchObject({ name: 'NoSuchResourceException' });
  });
});

describe('capacity from classroom.yaml alone', () => {
  it('vCPUs per quota family, from the price table', () => {
    expect(capacityNeed(bigClass(200))).toEqual({
      instanceType: 't3.medium', instances: 400, vcpuPerInstance: 2, vcpus: 800,
      quota: { code: 'L-1216C47A', name: 'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances' },
    });
    expect(quotaOf('g5.xlarge')?.code).toBe('L-DB2E81BA');
    expect(quotaOf('inf2.xlarge')?.code).toBe('L-1945791B');
    expect(quotaOf('c7g.large')?.code).toBe('L-1216C47A');
  });
});
