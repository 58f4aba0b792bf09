import { durationMinutes, seatsOf, type Classroom } from './classroom-schema.ts';
import { DISTROS } from './distros.ts';
import { PRICES, type PriceTable } from './prices.ts';

export interface CostLine {
  item: string;
  quantity: number;
  unit: string;
  unitUsd: number;
  perHourUsd: number;
}

export interface CostEstimate {
  currency: 'USD';
  region: string;
  priceRegion: string;
  pricesAsOf: string;
  seats: number;
  sessionHours: number;
  lines: CostLine[];
  perHourUsd: number;
  perSessionUsd: number;
  /** Disks of stopped VMs keep costing until `labctl classroom destroy`. */
  storagePerDayAfterSessionUsd: number;
  /** What a day costs if the TTL is missed and every VM keeps running (what the backstop schedule prevents). */
  missedTtlPerDayUsd: number;
  /** Burstable types in unlimited mode: extra per hour if every VM ran at 100% CPU (worst case, not in perHourUsd). */
  unlimitedCreditsWorstCasePerHourUsd: number;
  assumptions: string[];
  warnings: string[];
}

const round = (usd: number, digits = 4) => Math.round(usd * 10 ** digits) / 10 ** digits;

/**
 * Estimated cost of a classroom while its VMs run (per hour and per session = TTL), from the dated price
 * table in `prices.json`. Pure: the same classroom and table give the same numbers.
 */
export function estimateCost(c: Classroom, prices: PriceTable = PRICES): CostEstimate {
  const seats = seatsOf(c);
  const type = prices.instanceTypes[c.instanceType];
  if (!type) throw new Error(`no price for ${c.instanceType} in prices.json`);
  const n = seats.length;
  const rhelSeats = seats.filter((s) => DISTROS[s.distro].rhelSubscription).length;
  const gbHour = prices.gp3UsdPerGbMonth / prices.hoursPerMonth;

  const lines: CostLine[] = [
    { item: `EC2 ${c.instanceType} (Linux on-demand)`, quantity: n, unit: 'instance-hour', unitUsd: type.usdPerHour, perHourUsd: n * type.usdPerHour },
    { item: `EBS gp3 root volumes, ${c.diskGb} GB each`, quantity: n * c.diskGb, unit: 'GB-hour', unitUsd: gbHour, perHourUsd: n * c.diskGb * gbHour },
    { item: 'Public IPv4 addresses', quantity: n, unit: 'address-hour', unitUsd: prices.publicIpv4UsdPerHour, perHourUsd: n * prices.publicIpv4UsdPerHour },
  ];
  if (rhelSeats > 0) {
    lines.push({
      item: `RHEL subscription (${type.vcpu} vCPU each)`,
      quantity: rhelSeats * type.vcpu,
      unit: 'vCPU-hour',
      unitUsd: prices.rhelUsdPerVcpuHour,
      perHourUsd: rhelSeats * type.vcpu * prices.rhelUsdPerVcpuHour,
    });
  }
  const perHourUsd = lines.reduce((sum, l) => sum + l.perHourUsd, 0);
  const sessionHours = durationMinutes(c.ttl) / 60;
  const perSessionUsd = perHourUsd * sessionHours;

  const warnings: string[] = [];
  if (c.region !== prices.region) {
    warnings.push(`prices are for ${prices.region}; ${c.region} is estimated with them and is usually 0-30% more`);
  }
  if (c.budget && perSessionUsd > c.budget.monthlyUsd) {
    warnings.push(`one session (~$${perSessionUsd.toFixed(2)}) exceeds the monthly budget of $${c.budget.monthlyUsd.toFixed(2)}`);
  }

  return {
    currency: 'USD',
    region: c.region,
    priceRegion: prices.region,
    pricesAsOf: prices.asOf,
    seats: n,
    sessionHours: round(sessionHours, 2),
    lines: lines.map((l) => ({ ...l, unitUsd: round(l.unitUsd, 6), perHourUsd: round(l.perHourUsd) })),
    perHourUsd: round(perHourUsd),
    perSessionUsd: round(perSessionUsd, 2),
    // Terminated VMs delete their disks (delete_on_termination), so nothing is left to pay for.
    storagePerDayAfterSessionUsd: c.onExpiry === 'stop' ? round(n * c.diskGb * gbHour * 24, 2) : 0,
    missedTtlPerDayUsd: round(perHourUsd * 24, 2),
    unlimitedCreditsWorstCasePerHourUsd:
      type.baseline === undefined ? 0 : round(n * type.vcpu * (1 - type.baseline) * prices.unlimitedSurplusUsdPerVcpuHour),
    assumptions: prices.assumptions,
    warnings,
  };
}

export function formatCost(e: CostEstimate, className: string): string {
  const usd = (v: number, digits = 4) => `$${v.toFixed(digits)}`;
  const rows = e.lines.map((l) => `  ${l.item.padEnd(44)} ${String(round(l.quantity, 2)).padStart(6)} x ${usd(l.unitUsd, 6)}/${l.unit.padEnd(13)} = ${usd(l.perHourUsd)}/h`);
  const out = [
    `Estimated cost of class ${className}: ${e.seats} VMs in ${e.region} (prices: ${e.priceRegion}, as of ${e.pricesAsOf})`,
    ...rows,
    `  ${'per hour'.padEnd(44)} ${usd(e.perHourUsd)}`,
    `  ${`per session (${e.sessionHours} h TTL)`.padEnd(44)} ${usd(e.perSessionUsd, 2)}`,
  ];
  if (e.storagePerDayAfterSessionUsd > 0) {
    out.push(`  ${'after the session (stopped, disks kept)'.padEnd(44)} ${usd(e.storagePerDayAfterSessionUsd, 2)}/day until destroy`);
  }
  if (e.unlimitedCreditsWorstCasePerHourUsd > 0) {
    out.push(`  ${'CPU credits above baseline, worst case'.padEnd(44)} +${usd(e.unlimitedCreditsWorstCasePerHourUsd)}/h if every VM runs at 100% CPU`);
  }
  out.push(`  ${'a missed TTL (class left running)'.padEnd(44)} ${usd(e.missedTtlPerDayUsd, 2)}/day (the expiry backstop stops it)`);
  out.push('Assumptions:', ...e.assumptions.map((a) => `  - ${a}`));
  if (e.warnings.length) out.push('Warnings:', ...e.warnings.map((w) => `  - ${w}`));
  return `${out.join('\n')}\n`;
}
