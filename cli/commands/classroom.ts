import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { generateClassSecret } from '../../grader/provenance/secret.ts';
import { classroomJsonSchemaText, seatsOf, type Classroom } from '../../infra/classroom-schema.ts';
import { estimateCost, formatCost } from '../../infra/cost.ts';
import { InventorySchema } from '../../infra/inventory.ts';
import { formatProblem, loadClassroomOrThrow, type ClassroomLoad } from '../../infra/load-classroom.ts';
import { DEFAULT_OUTDIR, expiryFromNow, synthClassroom, type SynthResult } from '../../infra/synth.ts';
import {
  RECORD_FILE,
  RETIRED_RECORD_FILE,
  applyParallelism,
  classDir,
  classIdentity,
  identityProblem,
  installStack,
  readRecord,
  recordsFromConfig,
  retireRecord,
  writeRecord,
} from '../../infra/deployment.ts';
import { backstopAt } from '../../infra/policies.ts';
import { awsClients, capacityNeed, formatPreflight, preflight } from '../../infra/preflight.ts';
import {
  MIRROR_ENV,
  formatStep,
  mirrorFromEnv,
  prepareTerraformEnv,
  runSteps,
  terraformMissing,
  terraformSteps,
  type TerraformAction,
  type TerraformOptions,
} from '../../infra/terraform.ts';
import { installTests } from '../../infra/tftest.ts';
import { LabctlError } from '../../core/errors.ts';

interface CommonOpts {
  config: string;
  out: string;
  dryRun?: boolean;
  autoApprove?: boolean;
  inventoryOut?: string;
  json?: boolean;
  renew?: boolean;
  preflight?: boolean;
}

/** Paths under the working directory print short; anything else prints absolute, which copy-pastes anywhere. */
const rel = (p: string) => {
  const r = relative(process.cwd(), p);
  return r === '' ? '.' : r.startsWith('..') || isAbsolute(r) ? p : r;
};

function load(opts: CommonOpts): Classroom {
  const loaded: ClassroomLoad & { classroom: Classroom } = loadClassroomOrThrow(opts.config);
  for (const w of loaded.warnings) process.stderr.write(`${pc.yellow('warning:')} ${formatProblem(loaded.file, w)}\n`);
  return loaded.classroom;
}

function synth(c: Classroom, opts: CommonOpts, expiresAt?: Date): SynthResult {
  const result = synthClassroom(c, opts.out, { expiresAt });
  const seats = seatsOf(c);
  process.stdout.write(`synthesized ${rel(result.stackFile)}: ${seats.length} VMs (${c.learners.length} learners) in ${c.region}\n`);
  return result;
}

async function runTerraform(action: TerraformAction, stackDir: string, opts: CommonOpts, parallelism?: number): Promise<void> {
  const tfOpts: TerraformOptions = { autoApprove: opts.autoApprove, inventoryFile: opts.inventoryOut, parallelism };
  const steps = terraformSteps(action, stackDir, tfOpts);
  // Written even for a dry run: the printed commands point at it.
  prepareTerraformEnv(stackDir, tfOpts);
  if (opts.dryRun) {
    process.stdout.write(`would run (dry run; nothing executed):\n${steps.map((s) => `  ${formatStep(s)}`).join('\n')}\n`);
    return;
  }
  const missing = terraformMissing();
  if (missing) {
    throw new LabctlError(
      `cannot ${action}: ${missing}`,
      'install terraform >= 1.7 (https://developer.hashicorp.com/terraform/install); `--dry-run` shows the commands',
    );
  }
  if (mirrorFromEnv()) process.stdout.write(pc.dim(`using the provider mirror ${mirrorFromEnv()} (${MIRROR_ENV})\n`));
  for (const result of await runSteps(steps, 'inherit')) {
    if (result.exitCode !== 0) {
      const subcommand = result.step.args[1];
      throw new LabctlError(
        `terraform ${subcommand} failed (exit ${result.exitCode}) in ${rel(stackDir)}`,
        subcommand === 'init' && !mirrorFromEnv()
          ? `offline? point ${MIRROR_ENV} at a provider mirror holding hashicorp/aws 5.100.0 (e.g. /opt/tf-plugins)`
          : action === 'validate' || action === 'test'
            ? 'the failing check and its message are above'
            : "read terraform's message above; AWS credentials come from the usual AWS_* variables or ~/.aws",
        1,
      );
    }
  }
}

function checkInventory(file: string): number {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new LabctlError(`${file}: not the JSON terraform output should write (${(err as Error).message})`, 'rerun: terraform output -json inventory');
  }
  const parsed = InventorySchema.safeParse(json);
  if (!parsed.success) throw new LabctlError(`${file}: terraform's inventory output does not match the inventory format`, parsed.error.message);
  return parsed.data.hosts.length;
}

export function registerClassroom(program: Command): void {
  const classroom = program
    .command('classroom')
    .description('provision one lab VM per learner per distro on AWS from classroom.yaml (CDKTF -> plain terraform)')
    .addHelpText(
      'after',
      `
Offline: set ${MIRROR_ENV}=/opt/tf-plugins (a terraform filesystem mirror with hashicorp/aws 5.100.0) for
validate/test; without it terraform downloads the provider. deploy/destroy use your usual AWS credentials.

Examples:
  $ labctl classroom synth -c infra/examples/classroom.yaml
  $ ${MIRROR_ENV}=/opt/tf-plugins labctl classroom test -c infra/examples/classroom.yaml
  $ labctl classroom preflight -c classroom.yaml      # quotas and zones, read-only AWS calls
  $ labctl classroom deploy -c classroom.yaml --dry-run
  $ terraform -chdir=cdktf.out/classes/<class> output -json inventory > inventory.json`,
    );

  const sub = (name: string, description: string) =>
    classroom
      .command(name)
      .description(description)
      .requiredOption('-c, --config <file>', 'classroom file (see infra/examples/classroom.yaml)')
      .option('--out <dir>', 'synth output directory', DEFAULT_OUTDIR);

  classroom
    .command('secret')
    .description('print a new class secret (256 random bits): seeds, learner keys and grading all derive from it')
    .addHelpText('after', '\nKeep it for the whole course, e.g.\n  $ export LABCTL_CLASS_SECRET="$(labctl classroom secret)"\nInject and grade --batch must use the same one; anyone who has it can forge any learner\'s bundle.')
    .action(() => {
      process.stdout.write(`${generateClassSecret()}\n`);
    });

  sub('synth', 'validate classroom.yaml and write Terraform JSON to <out>/stacks/<name>/cdk.tf.json (offline)').action((opts: CommonOpts) => {
    synth(load(opts), opts);
  });

  sub('validate', 'synth, then terraform init -backend=false + terraform validate (offline with a provider mirror)')
    .option('--dry-run', 'print the terraform commands instead of running them')
    .action(async (opts: CommonOpts) => {
      const { stackDir } = synth(load(opts), opts);
      await runTerraform('validate', stackDir, opts);
    });

  sub('test', 'synth, then terraform test with the shipped policy tests and a mocked AWS provider (offline with a mirror)')
    .option('--dry-run', 'print the terraform commands instead of running them')
    .action(async (opts: CommonOpts) => {
      const c = load(opts);
      const { stackDir, expiresAt } = synth(c, opts);
      const files = installTests(stackDir, c, expiresAt);
      process.stdout.write(`installed ${files.join(', ')} + expectations into ${rel(join(stackDir, 'tests'))}\n`);
      await runTerraform('test', stackDir, opts);
    });

  classroom
    .command('cost')
    .description('estimate the cost per hour and per session (TTL) from the dated price table infra/prices.json (offline)')
    .requiredOption('-c, --config <file>', 'classroom file')
    .option('--json', 'print the estimate as JSON')
    .action((opts: CommonOpts) => {
      const c = load(opts);
      const estimate = estimateCost(c);
      process.stdout.write(opts.json ? `${JSON.stringify(estimate, null, 2)}\n` : formatCost(estimate, c.name));
    });

  sub('preflight', 'check with the AWS SDK that the class fits: zones offering the instance type, vCPU quota and usage')
    .option('--json', 'print the report as JSON')
    .action(async (opts: CommonOpts) => {
      const c = load(opts);
      const report = await preflight(c, awsClients(c.region));
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatPreflight(report));
      if (!report.fits) process.exitCode = 1;
    });

  sub('deploy', 'preflight, synth, then terraform init + apply in <out>/classes/<name>/; writes the inventory for labctl lab --inventory')
    .option('--dry-run', 'synthesize and print what would be checked and run, without AWS calls or terraform')
    .option('--auto-approve', 'apply without terraform\'s interactive confirmation')
    .option('--inventory-out <file>', 'where to write the inventory', 'inventory.json')
    .option('--renew', 'start a new session: the class expires ttl from now (default: keep the recorded expiry)')
    .option('--no-preflight', 'skip the Service Quotas / EC2 capacity check (e.g. without servicequotas:GetServiceQuota)')
    .action(async (opts: CommonOpts) => {
      const c = load(opts);
      const dir = classDir(opts.out, c.name);
      const record = readRecord(dir);
      const problem = identityProblem(c, record, recordsFromConfig(opts.out, opts.config));
      if (problem) throw new LabctlError(problem.message, problem.hint);
      // A running session keeps its expiry; one that has ended (or --renew) starts a new one, or the VMs of a
      // re-deployed class would power off at once.
      const keepExpiry = Boolean(record && !opts.renew && Date.parse(record.expiresAt) > Date.now());
      const expiresAt = keepExpiry ? new Date(record!.expiresAt) : expiryFromNow(c);
      const { stackFile } = synth(c, opts, expiresAt);
      const vms = seatsOf(c).length;
      const parallelism = applyParallelism(vms);
      const need = capacityNeed(c);
      process.stdout.write(
        `class ${c.name}: ${vms} VMs (${need.vcpus} vCPUs of ${need.quota.code}), expires ${expiresAt.toISOString()} ` +
          `(${keepExpiry ? 'recorded at first deploy; --renew for a new session' : `ttl ${c.ttl} from now`}); ` +
          `backstop ${c.onExpiry}s every VM at ${backstopAt(expiresAt)} UTC; apply parallelism ${parallelism}\n`,
      );
      if (opts.dryRun) {
        if (opts.preflight !== false) {
          process.stdout.write(
            `would check (preflight, AWS SDK, read-only): EC2 DescribeInstanceTypeOfferings ${c.instanceType} in ${c.region}, ` +
              `Service Quotas ${need.quota.code} "${need.quota.name}" >= ${need.vcpus} vCPUs + running usage (EC2 DescribeInstances)\n`,
          );
        }
        await runTerraform('deploy', dir, opts, parallelism);
        return;
      }
      if (opts.preflight !== false) {
        const report = await preflight(c, awsClients(c.region));
        process.stdout.write(formatPreflight(report));
        if (!report.fits) throw new LabctlError(`class ${c.name} does not fit in ${c.region}: nothing was created`, report.problems.join('\n'), 1);
      }
      installStack(stackFile, dir);
      writeRecord(dir, {
        class: c.name,
        region: c.region,
        configFile: resolve(opts.config),
        expiresAt: expiresAt.toISOString(),
        deployedAt: record?.deployedAt ?? new Date().toISOString(),
        state: c.backend?.s3 ? `s3://${c.backend.s3.bucket}/${c.backend.s3.key ?? `labctl/${c.name}/terraform.tfstate`}` : join(dir, 'terraform.tfstate'),
      });
      await runTerraform('deploy', dir, opts, parallelism);
      const hosts = checkInventory(opts.inventoryOut!);
      process.stdout.write(
        `wrote ${opts.inventoryOut} (${hosts} hosts): labctl lab probe --inventory ${opts.inventoryOut}\n` +
          `class folder: ${rel(dir)} (stack, state and record: keep it, destroy runs there)\n`,
      );
    });

  sub('destroy', 'terraform destroy of the deployed class in <out>/classes/<name>/, from its recorded stack and state (no new synth)')
    .option('--dry-run', 'print the terraform commands instead of running them')
    .option('--auto-approve', 'destroy without terraform\'s interactive confirmation')
    .action(async (opts: CommonOpts) => {
      // Only name and region are read: a deleted learner key or any other edit must not keep VMs alive.
      const current = classIdentity(opts.config);
      const dir = classDir(opts.out, current.name);
      const record = readRecord(dir);
      const problem = identityProblem(current, record, recordsFromConfig(opts.out, opts.config));
      if (problem) throw new LabctlError(problem.message, problem.hint);
      if (!record) {
        throw new LabctlError(
          `no deployed class ${current.name} under ${rel(join(resolve(opts.out), 'classes'))}`,
          `deploy writes ${rel(join(dir, RECORD_FILE))}; pass the --out the class was deployed with`,
        );
      }
      if (!record.state.startsWith('s3://') && !existsSync(join(dir, 'terraform.tfstate'))) {
        process.stderr.write(`${pc.yellow('warning:')} no state at ${rel(join(dir, 'terraform.tfstate'))}: terraform will find nothing to destroy\n`);
      }
      process.stdout.write(`destroying class ${record.class} in ${record.region} from ${rel(join(dir, 'cdk.tf.json'))} (deployed ${record.deployedAt})\n`);
      await runTerraform('destroy', dir, opts, applyParallelism(100));
      if (!opts.dryRun) {
        retireRecord(dir);
        process.stdout.write(`class ${record.class} destroyed; its record is kept as ${rel(join(dir, RETIRED_RECORD_FILE))}\n`);
      }
    });

  classroom
    .command('schema')
    .description('print (or write) the JSON Schema of classroom.yaml for editors')
    .option('--out <file>', 'write to this file (e.g. infra/classroom.schema.json)')
    .action((opts: { out?: string }) => {
      const text = classroomJsonSchemaText();
      if (opts.out) writeFileSync(opts.out, text);
      else process.stdout.write(text);
    });
}
