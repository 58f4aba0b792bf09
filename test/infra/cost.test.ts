import { describe, expect, it } from 'vitest';
import { ClassroomSchema, type ClassroomInput } from '../../infra/classroom-schema.ts';
import { estimateCost, formatCost } from '../../infra/cost.ts';
import { loadClassroomOrThrow } from '../../infra/load-classroom.ts';
import { INSTANCE_TYPES, PRICES, type PriceTable } from '../../infra/prices.ts';

const classroom = (input: Partial<ClassroomInput>) =>
  ClassroomSchema.parse({ name: 'cost', region: 'us-east-1', learners: [{ id: 'ana' }], ...input });

/** A small table with round numbers, so the expected sums can be checked by hand. */
const TABLE: PriceTable = {
  ...PRICES,
  asOf: '2026-01-01',
  instanceTypes: { 't3.medium': { arch: 'amd64', vcpu: 2, memoryGiB: 4, usdPerHour: 0.04, baseline: 0.2 } },
  gp3UsdPerGbMonth: 0.073, // 0.0001 per GB-hour at 730 h/month
  hoursPerMonth: 730,
  publicIpv4UsdPerHour: 0.005,
  rhelUsdPerVcpuHour: 0.01,
  unlimitedSurplusUsdPerVcpuHour: 0.05,
};

describe('estimateCost', () => {
  it('adds instance, disk, public IPv4 and the RHEL fee, per hour and per TTL session', () => {
    const learners = Array.from({ length: 10 }, (_, i) => ({ id: `l${i}` }));
    const e = estimateCost(classroom({ learners, distros: ['ubuntu-24.04', 'rhel-9'], diskGb: 20, ttl: '3h' }), TABLE);
    expect(e.seats).toBe(20);
    expect(e.lines.map((l) => [l.item, l.quantity, l.perHourUsd])).toEqual([
      ['EC2 t3.medium (Linux on-demand)', 20, 0.8], // 20 x 0.04
      ['EBS gp3 root volumes, 20 GB each', 400, 0.04], // 400 GB x 0.0001
      ['Public IPv4 addresses', 20, 0.1], // 20 x 0.005
      ['RHEL subscription (2 vCPU each)', 20, 0.2], // 10 RHEL VMs x 2 vCPU x 0.01
    ]);
    expect(e.perHourUsd).toBe(1.14);
    expect(e.sessionHours).toBe(3);
    expect(e.perSessionUsd).toBe(3.42);
    expect(e.storagePerDayAfterSessionUsd).toBe(0.96); // 400 GB x 0.0001 x 24 h, until destroy
    expect(e.missedTtlPerDayUsd).toBe(27.36); // 1.14/h x 24 h: what the backstop schedule saves per day
    expect(e.unlimitedCreditsWorstCasePerHourUsd).toBe(1.6); // 20 VMs x 2 vCPU x (1 - 0.2) x 0.05
    expect(e.pricesAsOf).toBe('2026-01-01');
    expect(e.warnings).toEqual([]);
  });

  it('charges no subscription for Ubuntu, Rocky or Alma, and no storage after a terminate', () => {
    const e = estimateCost(classroom({ distros: ['ubuntu-22.04', 'rocky-9', 'alma-9'], onExpiry: 'terminate' }), TABLE);
    expect(e.lines.map((l) => l.item)).not.toContain('RHEL subscription (2 vCPU each)');
    expect(e.storagePerDayAfterSessionUsd).toBe(0);
  });

  it('prices the example classroom from the committed table', () => {
    const e = estimateCost(loadClassroomOrThrow('infra/examples/classroom.yaml').classroom);
    // 7 x t3.medium 0.0416 + 140 GB x 0.08/730 + 7 x 0.005 + 3 RHEL x 2 vCPU x 0.0144
    expect(e.perHourUsd).toBe(0.4279);
    expect(e.perSessionUsd).toBe(1.71);
    expect(e.region).toBe('us-east-1');
    expect(e.assumptions.join(' ')).toMatch(/us-east-1/);
  });

  it('warns when the region is not the table\'s, and when a session exceeds the budget', () => {
    const learners = Array.from({ length: 200 }, (_, i) => ({ id: `l${i}` }));
    const e = estimateCost(
      classroom({ region: 'ap-south-1', learners, budget: { monthlyUsd: 10, alertEmails: ['i@example.com'] } }),
      TABLE,
    );
    expect(e.warnings).toEqual([
      'prices are for us-east-1; ap-south-1 is estimated with them and is usually 0-30% more',
      `one session (~$${e.perSessionUsd.toFixed(2)}) exceeds the monthly budget of $10.00`,
    ]);
  });

  it('formats a readable table that states the date and assumptions', () => {
    const c = loadClassroomOrThrow('infra/examples/classroom.yaml').classroom;
    const text = formatCost(estimateCost(c), c.name);
    expect(text.split('\n')[0]).toBe(`Estimated cost of class perf-101: 7 VMs in us-east-1 (prices: us-east-1, as of ${PRICES.asOf})`);
    expect(text).toMatch(/^ {2}per hour +\$0\.4279$/m);
    expect(text).toMatch(/^ {2}per session \(4 h TTL\) +\$1\.71$/m);
    expect(text).toContain('Assumptions:\n  - ');
  });
});

describe('prices.json', () => {
  it('prices every allowed instance type, with its architecture', () => {
    expect(INSTANCE_TYPES.length).toBeGreaterThan(5);
    for (const type of INSTANCE_TYPES) {
      const p = PRICES.instanceTypes[type];
      expect(p.usdPerHour, type).toBeGreaterThan(0);
      // Graviton families (the `g` after the generation digit) are arm64, everything else here amd64.
      expect(p.arch, type).toBe(/^[a-z]+\d+g[a-z]*\./.test(type) ? 'arm64' : 'amd64');
    }
    expect(PRICES.publicIpv4UsdPerHour).toBe(0.005);
  });
});
