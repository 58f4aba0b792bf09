import { z } from 'zod';
import raw from './prices.json' with { type: 'json' };

/** The price table in `prices.json`, checked on load so a hand edit that breaks it fails loudly, not as NaN dollars. */
const PriceTableSchema = z.object({
  asOf: z.iso.date(),
  region: z.string(),
  currency: z.literal('USD'),
  instanceTypes: z.record(
    z.string(),
    z.object({
      arch: z.enum(['amd64', 'arm64']),
      vcpu: z.number().int().positive(),
      memoryGiB: z.number().positive(),
      usdPerHour: z.number().positive(),
      /** burstable types: the CPU share per vCPU included in the price; above it, unlimited mode bills surplus */
      baseline: z.number().min(0).max(1).optional(),
    }),
  ),
  gp3UsdPerGbMonth: z.number().positive(),
  hoursPerMonth: z.number().positive(),
  publicIpv4UsdPerHour: z.number().nonnegative(),
  rhelUsdPerVcpuHour: z.number().nonnegative(),
  unlimitedSurplusUsdPerVcpuHour: z.number().nonnegative(),
  assumptions: z.array(z.string()),
});

export type PriceTable = z.infer<typeof PriceTableSchema>;
export type Arch = 'amd64' | 'arm64';

export const PRICES: PriceTable = PriceTableSchema.parse(raw);

/** Instance types a classroom may use: the ones we can price (and whose architecture we know). */
export const INSTANCE_TYPES = Object.keys(PRICES.instanceTypes) as [string, ...string[]];

export function archOf(instanceType: string): Arch | undefined {
  return PRICES.instanceTypes[instanceType]?.arch;
}
