import { z } from 'zod';
import { AWS_REGIONS, closest } from './aws-regions.ts';
import { DISTRO_IDS, type DistroId } from './distros.ts';
import { INSTANCE_TYPES, archOf, type Arch } from './prices.ts';

/**
 * `classroom.yaml`: one file describes a whole class (who, which distros, how big, how long, who pays).
 * This zod schema is the source of truth; `classroom.schema.json` is generated from it for editors.
 * Cross-field rules (duplicates, open SSH, architecture) live in `superRefine` so every problem is
 * reported with its path in one pass, never one at a time.
 */

/** Scenario ids are a project-wide contract (DESIGN.md). */
export const SCENARIO_IDS = ['ghost-load', 'offcpu-lock', 'fsync-latency'] as const;

const slug = (what: string, max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[a-z0-9][a-z0-9-]*$/, `${what} must be lowercase letters, digits and dashes, starting with a letter or digit`);

/** zod calls enum error functions for missing values too; those are a missing field, not an unknown value. */
const enumError =
  (known: readonly string[], describe: (value: string, didYouMean: string) => string) => (iss: { input?: unknown }) => {
    if (iss.input === undefined) return 'required field is missing';
    const guess = typeof iss.input === 'string' ? closest(iss.input, known) : null;
    return describe(JSON.stringify(iss.input), guess ? ` (did you mean "${guess}"?)` : '');
  };

const RegionSchema = z.enum(AWS_REGIONS, { error: enumError(AWS_REGIONS, (v, dym) => `unknown AWS region ${v}${dym}`) });

const DistroSchema = z.enum(DISTRO_IDS, {
  error: enumError(DISTRO_IDS, (v, dym) => `unknown distro ${v}${dym}; known: ${DISTRO_IDS.join(', ')}`),
});

const InstanceTypeSchema = z.enum(INSTANCE_TYPES, {
  error: enumError(INSTANCE_TYPES, (v, dym) => `instance type ${v} is not in infra/prices.json${dym}; allowed: ${INSTANCE_TYPES.join(', ')}`),
});

const ScenarioSchema = z.enum(SCENARIO_IDS, {
  error: enumError(SCENARIO_IDS, (v, dym) => `unknown scenario ${v}${dym}; known: ${SCENARIO_IDS.join(', ')}`),
});

const SSH_KEY = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}( .*)?$/;

export const SshPublicKeySchema = z
  .string()
  .trim()
  .refine((k) => !k.includes('PRIVATE KEY'), 'this is a PRIVATE key: give the .pub file, never the private key')
  .refine((k) => k.includes('PRIVATE KEY') || SSH_KEY.test(k), 'not an OpenSSH public key (expected e.g. "ssh-ed25519 AAAA... comment")');

/** Accepts `4h`, `90m`, `1h30m`; classes run for minutes to a few days, never unbounded. */
export const DurationSchema = z
  .string()
  .regex(/^(?=\d)(\d+h)?(\d+m)?$/, 'duration must look like 4h, 90m or 1h30m')
  .refine((d) => {
    const m = durationMinutes(d);
    // A malformed duration already has its own message; `abort` would also skip the cross-field checks.
    return Number.isNaN(m) || (m >= 10 && m <= 7 * 24 * 60);
  }, 'duration must be between 10m and 168h');

export function durationMinutes(duration: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?$/.exec(duration);
  if (!m) return Number.NaN;
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

/**
 * IPv4 CIDR in canonical form: decimal octets without leading zeros, a prefix without leading zeros, host bits
 * zero. AWS rejects `10.0.0.1/8` at apply time and reads `0.0.0.0/00` as the whole internet; we reject both now.
 */
export function cidrProblem(cidr: string): string | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return `malformed CIDR ${JSON.stringify(cidr)}: expected an IPv4 block like 203.0.113.0/24`;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return `malformed CIDR ${JSON.stringify(cidr)}: octets go to 255, prefix to /32`;
  const canonical = `${octets.join('.')}/${bits}`;
  if (canonical !== cidr) return `non-canonical CIDR ${JSON.stringify(cidr)} (leading zeros): write it as "${canonical}"`;
  const address = octets.reduce((n, o) => n * 256 + o, 0);
  const network = cidrRange(cidr).start;
  if (network !== address) {
    const fixed = [24, 16, 8, 0].map((s) => (network >>> s) & 255).join('.');
    return `CIDR ${JSON.stringify(cidr)} has host bits set (did you mean "${fixed}/${bits}"?)`;
  }
  return null;
}

/** Addresses of a well-formed CIDR as [start, end) numbers (end may be 2^32). */
export function cidrRange(cidr: string): { start: number; end: number } {
  const [ip, bits] = cidr.split('/');
  const start = ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  return { start: start - (start % size), end: start - (start % size) + size };
}

/** Not reachable from the internet: "this network", private, shared (CGNAT), loopback, link-local, multicast, reserved. */
export const NON_PUBLIC_CIDRS = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16', '224.0.0.0/4', '240.0.0.0/4',
] as const;

/** More public addresses than a /8 is "the internet", however it is sliced (`0.0.0.0/1` + `128.0.0.0/1`). */
export const OPEN_THRESHOLD = 2 ** 24;

/** Public addresses covered by the union of `cidrs` (overlaps counted once, non-public space not at all). */
export function publicAddressCount(cidrs: readonly string[]): number {
  const ranges = cidrs.filter((c) => cidrProblem(c) === null).map(cidrRange).sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number }[] = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  const hidden = NON_PUBLIC_CIDRS.map(cidrRange);
  return merged.reduce((sum, r) => {
    const overlap = hidden.reduce((o, h) => o + Math.max(0, Math.min(r.end, h.end) - Math.max(r.start, h.start)), 0);
    return sum + (r.end - r.start - overlap);
  }, 0);
}

const CidrSchema = z.string().superRefine((cidr, ctx) => {
  const problem = cidrProblem(cidr);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const PublicKeyFields = {
  sshPublicKey: SshPublicKeySchema.optional().describe('OpenSSH public key, inline'),
  sshPublicKeyFile: z
    .string()
    .min(1)
    .optional()
    .describe('Path to an OpenSSH .pub file, relative to classroom.yaml'),
};

export const LearnerSchema = z
  .object({
    id: slug('learner id', 40).describe('Unique learner id; becomes part of resource names and the `learner` tag'),
    ...PublicKeyFields,
    distros: z.array(DistroSchema).min(1).optional().describe('Overrides the class-wide distros for this learner'),
  })
  .strict();

export const ClassroomSchema = z
  .object({
    $schema: z.string().optional(),
    name: slug('class name', 24).describe('Class name: names the stack, prefixes AWS resources, `class` tag'),
    region: RegionSchema.describe('AWS region to run the class in'),
    distros: z
      .array(DistroSchema)
      .min(1)
      .default(['ubuntu-24.04', 'rhel-9'])
      .describe('One VM per learner per distro'),
    instanceType: InstanceTypeSchema.default('t3.medium').describe('EC2 instance type (one of infra/prices.json)'),
    arch: z
      .enum(['amd64', 'arm64'])
      .optional()
      .describe('Pin the CPU architecture; must match the instance type (t4g/m7g/c7g are arm64)'),
    diskGb: z.number().int().min(10).max(200).default(20).describe('Root volume size (gp3, encrypted)'),
    ttl: DurationSchema.default('4h').describe('VMs shut themselves down this long after first boot (e.g. 4h, 90m)'),
    onExpiry: z
      .enum(['stop', 'terminate'])
      .default('stop')
      .describe('What a TTL shutdown does: stop (disk kept until destroy) or terminate'),
    scenarios: z.array(ScenarioSchema).default([]).describe('Scenarios to pre-inject with `labctl lab inject --inventory`'),
    ssh: z
      .object({
        allowedCidrs: z
          .array(CidrSchema)
          .default([])
          .describe('CIDRs allowed to reach port 22 (learners log in with their own key); empty: no inbound SSH, reach hosts through SSM'),
        allowAnywhere: z
          .boolean()
          .default(false)
          .describe('Must be true to allow CIDRs that together cover more than a /8 of public addresses (e.g. 0.0.0.0/0)'),
      })
      .strict()
      .default({ allowedCidrs: [], allowAnywhere: false }),
    ssm: z
      .boolean()
      .optional()
      .describe(
        'Session Manager access (an instance role that may only open SSM sessions). Default: on when ssh.allowedCidrs is empty, off otherwise (then the VMs get no instance role at all)',
      ),
    instructor: z
      .object(PublicKeyFields)
      .strict()
      .optional()
      .describe('Instructor public key: authorized on every VM through user data (used by labctl lab --inventory)'),
    learners: z.array(LearnerSchema).min(1).max(500),
    tags: z
      .record(
        z.string().min(1).max(128).regex(/^(?!aws:)/, 'tag keys starting with "aws:" are reserved by AWS'),
        z.string().max(256),
      )
      .default({})
      .describe('Extra tags on every resource (class, learner, distro are added)'),
    budget: z
      .object({
        monthlyUsd: z.number().positive().describe('Monthly budget for resources tagged with this class'),
        alertEmails: z.array(z.email()).min(1).describe('Who gets the 80% actual / 100% forecast alerts'),
      })
      .strict()
      .optional(),
    backend: z
      .object({
        s3: z
          .object({
            bucket: z.string().min(3).max(63),
            key: z.string().min(1).optional().describe('Default: labctl/<name>/terraform.tfstate'),
            region: RegionSchema.optional().describe('Default: the class region'),
            dynamodbTable: z.string().min(1).optional().describe('Legacy locking; default is S3 lock files'),
          })
          .strict(),
      })
      .strict()
      .optional()
      .describe('Remote state; default is a local terraform.tfstate in the stack directory'),
  })
  .strict()
  // `when: () => true` runs these checks even when some fields failed, so one run reports every problem.
  .superRefine((c, ctx) => crossFieldChecks(c as unknown as LooseClassroom, (path, message) => ctx.addIssue({ code: 'custom', path, message })), {
    when: () => true,
  });

/** The parsed shape as the cross-field checks see it: any field may be missing or malformed. */
interface LooseClassroom {
  distros?: unknown;
  instanceType?: unknown;
  arch?: unknown;
  ssh?: { allowedCidrs?: unknown; allowAnywhere?: unknown };
  ssm?: unknown;
  instructor?: { sshPublicKey?: unknown; sshPublicKeyFile?: unknown };
  learners?: unknown;
}

type AddIssue = (path: (string | number)[], message: string) => void;

function crossFieldChecks(c: LooseClassroom, add: AddIssue): void {
  const learners = Array.isArray(c.learners) ? (c.learners as Record<string, unknown>[]) : [];
  const firstSeen = new Map<string, number>();
  learners.forEach((learner, i) => {
    if (!learner || typeof learner !== 'object') return;
    if (typeof learner.id === 'string') {
      const first = firstSeen.get(learner.id);
      if (first !== undefined) add(['learners', i, 'id'], `duplicate id "${learner.id}" (first used by learners[${first}])`);
      else firstSeen.set(learner.id, i);
    }
    if (learner.sshPublicKey && learner.sshPublicKeyFile) add(['learners', i], 'give sshPublicKey or sshPublicKeyFile, not both');
    if (Array.isArray(learner.distros)) {
      for (const j of duplicates(learner.distros)) add(['learners', i, 'distros', j], `distro "${learner.distros[j]}" listed twice`);
    }
  });
  if (Array.isArray(c.distros)) {
    for (const j of duplicates(c.distros)) add(['distros', j], `distro "${c.distros[j]}" listed twice`);
  }
  if (c.instructor?.sshPublicKey && c.instructor.sshPublicKeyFile) {
    add(['instructor'], 'give sshPublicKey or sshPublicKeyFile, not both');
  }
  const cidrs = Array.isArray(c.ssh?.allowedCidrs) ? (c.ssh.allowedCidrs as unknown[]).filter((x): x is string => typeof x === 'string') : [];
  if (c.ssh?.allowAnywhere !== true) {
    const wide = cidrs.findIndex((cidr) => publicAddressCount([cidr]) > OPEN_THRESHOLD);
    const total = publicAddressCount(cidrs);
    if (wide >= 0) {
      add(['ssh', 'allowedCidrs', wide], `${cidrs[wide]} opens SSH to the whole internet (more than a /8 of public addresses); set ssh.allowAnywhere: true if you really mean it`);
    } else if (total > OPEN_THRESHOLD) {
      add(
        ['ssh', 'allowedCidrs'],
        `together these CIDRs open SSH to the whole internet (${total.toLocaleString('en-US')} public addresses, more than a /8); set ssh.allowAnywhere: true if you really mean it`,
      );
    }
  }
  if (cidrs.length === 0 && c.ssm === false) {
    add(['ssm'], 'no way in: with ssm: false and no ssh.allowedCidrs nobody can reach the VMs; list your campus CIDRs or drop ssm: false');
  }
  const instanceType = typeof c.instanceType === 'string' ? c.instanceType : 't3.medium';
  const typeArch = archOf(instanceType);
  if ((c.arch === 'amd64' || c.arch === 'arm64') && typeArch && c.arch !== typeArch) {
    add(
      ['instanceType'],
      `${instanceType} is ${typeArch} but arch is ${c.arch}: ${c.arch} AMIs will not boot on it; pick an ${c.arch} instance type or drop arch`,
    );
  }
}

function duplicates(items: readonly unknown[]): number[] {
  return items.flatMap((item, i) => (items.indexOf(item) !== i ? [i] : []));
}

/** What users write (defaults optional). */
export type ClassroomInput = z.input<typeof ClassroomSchema>;
/** What the loader returns: defaults applied, cross-field rules passed. */
export type Classroom = z.output<typeof ClassroomSchema>;
export type Learner = z.output<typeof LearnerSchema>;

/** A VM: one per learner per distro. The key `learner/distro` is how tests and the inventory name it. */
export interface Seat {
  learner: string;
  distro: DistroId;
  key: string;
}

export function seatsOf(c: Classroom): Seat[] {
  return c.learners.flatMap((l) => (l.distros ?? c.distros).map((distro) => ({ learner: l.id, distro, key: `${l.id}/${distro}` })));
}

export function archOfClassroom(c: Classroom): Arch {
  return c.arch ?? archOf(c.instanceType) ?? 'amd64';
}

export function isOpenToInternet(c: Classroom): boolean {
  return publicAddressCount(c.ssh.allowedCidrs) > OPEN_THRESHOLD;
}

/** Session Manager is the way in when there is no inbound SSH, unless classroom.yaml says otherwise. */
export function ssmEnabled(c: Classroom): boolean {
  return c.ssm ?? c.ssh.allowedCidrs.length === 0;
}

/** Things that are allowed but worth saying out loud; pure so `validate` and tests share them. */
export function classroomWarnings(c: Classroom): { path: string; message: string }[] {
  const warnings: { path: string; message: string }[] = [];
  if (isOpenToInternet(c)) {
    warnings.push({ path: 'ssh.allowedCidrs', message: 'SSH is open to the whole internet (allowAnywhere: true); prefer your campus CIDR or SSM' });
  }
  if (c.ssh.allowedCidrs.length > 0) {
    c.learners.forEach((l, i) => {
      if (!l.sshPublicKey && !l.sshPublicKeyFile) {
        warnings.push({ path: `learners[${i}]`, message: `learner ${l.id} has no sshPublicKey: they cannot log in to their VMs (only the instructor can)` });
      }
    });
  }
  const hasKeys = Boolean(c.instructor?.sshPublicKey || c.instructor?.sshPublicKeyFile);
  if (c.scenarios.length > 0 && !hasKeys) {
    warnings.push({ path: 'instructor', message: 'scenarios are listed but there is no instructor key: labctl lab inject --inventory needs SSH access' });
  }
  return warnings;
}

/** JSON Schema for editors (yaml-language-server, VS Code). Input side: fields with defaults are optional. */
export function classroomJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ClassroomSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'labctl classroom.yaml',
  };
}

/** The committed `infra/classroom.schema.json`, byte for byte (a test keeps it in sync with this schema). */
export const CLASSROOM_JSON_SCHEMA_FILE = new URL('./classroom.schema.json', import.meta.url);

export function classroomJsonSchemaText(): string {
  return `${JSON.stringify(classroomJsonSchema(), null, 2)}\n`;
}
