/**
 * What the class's two IAM roles may do, and when and how the expiry backstop fires. Shared by the stack and
 * by the expectations `terraform test` checks the stack against, so the two cannot drift apart silently.
 */

/**
 * Session Manager only (AWS's "custom IAM role for Session Manager" minimum). Unlike the managed
 * AmazonSSMManagedInstanceCore it has no `ssm:GetParameter*` (the account's Parameter Store), no documents,
 * no inventory: a learner who is root and reads the role's credentials from IMDS can open no more than the
 * session channel of their own VM.
 */
export const SESSION_MANAGER_ACTIONS = [
  'ssm:UpdateInstanceInformation',
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
] as const;

/** The backstop's role: one EC2 action, only on instances tagged with this class. */
export const SCHEDULER_POLICY_ACTIONS = {
  stop: ['ec2:StopInstances'],
  terminate: ['ec2:TerminateInstances'],
} as const;

/** EventBridge Scheduler universal targets: the EC2 API called directly, no Lambda in between. */
export function backstopTargetArn(onExpiry: 'stop' | 'terminate'): string {
  return `arn:aws:scheduler:::aws-sdk:ec2:${onExpiry === 'stop' ? 'stopInstances' : 'terminateInstances'}`;
}

/** The VMs power themselves off at the expiry; the backstop comes this much later for the ones that did not. */
export const BACKSTOP_GRACE_MINUTES = 15;

/** `at()` wants local time without zone or seconds fraction; the schedule's timezone is UTC. */
export function backstopAt(expiresAt: Date): string {
  return new Date(expiresAt.getTime() + BACKSTOP_GRACE_MINUTES * 60_000).toISOString().slice(0, 19);
}

/** Instance ids per StopInstances call: 100 ids (~2.2 KB of input) stay far below the Scheduler's input limit. */
export const BACKSTOP_CHUNK = 100;

/** Seat keys split into numbered chunks, one schedule each; sorted so the chunks do not depend on list order. */
export function backstopChunks(seatKeys: string[]): Record<string, string[]> {
  const sorted = [...seatKeys].sort();
  const chunks: Record<string, string[]> = {};
  for (let i = 0; i < sorted.length; i += BACKSTOP_CHUNK) chunks[String(i / BACKSTOP_CHUNK)] = sorted.slice(i, i + BACKSTOP_CHUNK);
  return chunks;
}
