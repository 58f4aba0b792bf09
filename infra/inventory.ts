import { z } from 'zod';

/**
 * `inventory.json`: the hosts of a deployed classroom, written by
 *   terraform -chdir=cdktf.out/stacks/<class> output -json inventory > inventory.json
 * and read by `labctl lab ... --inventory inventory.json`. `host` is an IP or name for SSH; for a class without
 * inbound SSH it is the instance id, reachable through an SSM ProxyCommand (see infra/README.md).
 */
export const InventoryHostSchema = z.object({
  learner: z.string().min(1),
  distro: z.string().min(1),
  host: z.string().min(1),
  /** Login user of the image: `ubuntu` on Ubuntu AMIs, `ec2-user` on RHEL/Alma, `rocky` on Rocky. */
  user: z.string().min(1),
  instanceId: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
});

export const InventorySchema = z.object({
  class: z.string().min(1),
  /** Scenarios the instructor intends to inject on every host. */
  scenarios: z.array(z.string()).optional(),
  hosts: z.array(InventoryHostSchema),
});

export type Inventory = z.infer<typeof InventorySchema>;
export type InventoryHost = z.infer<typeof InventoryHostSchema>;

export const DEFAULT_SSH_PORT = 22;
