/**
 * `labctl submit ID`: the learner's last step. Bundles answers.yaml, the captures and the lab manifest
 * into one .tar.gz signed with the learner key that inject left on the lab host, so the instructor's
 * `labctl grade --batch --secret` can tell the bundle came unchanged from this learner's lab.
 */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { createBundle } from '../../grader/provenance/bundle.ts';
import { LEARNER_KEY_FILE, parseLearnerKeyText } from '../../grader/provenance/key.ts';
import { lookupLabFile } from '../../grader/provenance/lab-files.ts';
import { MANIFEST_FILE } from '../../grader/manifest.ts';
import { assertScenarioId } from '../../scenarios/variants.ts';
import { readActivity } from './learner-activity.ts';
import { LabctlError } from '../../core/errors.ts';

interface SubmitFlags {
  dir: string;
  out?: string;
  keyFile?: string;
  manifest?: string;
  unsigned?: boolean;
}

async function resolveManifest(scenario: string, flags: SubmitFlags): Promise<string> {
  if (flags.manifest) return flags.manifest;
  const found = await lookupLabFile(scenario, MANIFEST_FILE);
  if (found.path) return found.path;
  const local = join(flags.dir, MANIFEST_FILE);
  const here = await readFile(local).then(() => true, () => false);
  if (here) return local;
  throw new LabctlError(`no lab manifest for ${scenario}: looked in ${[...found.tried, local].join(', ')}`, 'run this on your lab host (where `labctl lab inject` ran), or pass --manifest lab-manifest.json');
}

async function resolveKey(scenario: string, flags: SubmitFlags): Promise<string | null> {
  if (flags.unsigned) return null;
  let path = flags.keyFile;
  if (!path) {
    const found = await lookupLabFile(scenario, LEARNER_KEY_FILE, { shared: true });
    if (!found.path) {
      throw new LabctlError(
        `no learner key (${LEARNER_KEY_FILE}) found: looked in ${found.tried.join(', ')}`,
        'the key is placed on your lab host when the instructor injects the lab; run submit there (with sudo if the lab runs as root), pass --key-file, or --unsigned to submit without proof of origin',
      );
    }
    path = found.path;
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new LabctlError(`cannot read the learner key ${path}: ${code ?? (err as Error).message}`, code === 'EACCES' ? 'the key is readable by root only: run `sudo -E npx labctl submit ...`' : 'pass --key-file with your learner.key');
  }
  const key = parseLearnerKeyText(text);
  if (!key) throw new LabctlError(`${path} is not a learner key (expected 64 hex characters)`, 'use the learner.key written by `labctl lab inject`, unchanged');
  return key;
}

export function registerSubmit(program: Command): void {
  program
    .command('submit')
    .description('bundle your answers, captures and lab manifest into one signed .tar.gz to hand in')
    .argument('<scenario>', 'scenario id, e.g. ghost-load')
    .argument('[files...]', 'capture files to include (default: every text file in --dir)')
    .option('--dir <dir>', 'folder holding answers.yaml and your captures', '.')
    .option('--out <file>', 'bundle file name, or an existing folder to write it in (default: ./submission-<learner>-<scenario>-<UTC time>.tar.gz)')
    .option('--key-file <path>', `learner key (default: ${LEARNER_KEY_FILE} in the lab state dir)`)
    .option('--manifest <file>', `lab manifest (default: the lab state dir's, else ${MANIFEST_FILE} in --dir)`)
    .option('--unsigned', 'bundle without the learner key (the grader reports it as unsigned)')
    .addHelpText(
      'after',
      `
Prints the bundle's path, then its sha256 in sha256sum's format. A signed bundle also records how many
times you ran \`labctl self-check\` and the hint level you reached (your instructor sees both). Hand in the file; the checksum lets you and your instructor
check it arrived unchanged (sha256sum FILE).

Examples:
  $ labctl submit ghost-load                       # answers.yaml + every capture in this folder
  $ labctl submit offcpu-lock --dir ~/work offcputime.txt runqlat.txt --out ~/handin/`,
    )
    .action(async (scenarioArg: string, files: string[], flags: SubmitFlags) => {
      const scenario = assertScenarioId(scenarioArg);
      const manifestPath = await resolveManifest(scenario, flags);
      const key = await resolveKey(scenario, flags);
      const activity = await readActivity(scenario);
      const res = await createBundle({ scenario, dir: flags.dir, files, manifestPath, key, out: flags.out, activity });
      for (const w of res.warnings) process.stderr.write(`${pc.yellow('note:')} ${w}\n`);
      if (!res.signed) process.stderr.write(`${pc.yellow('note:')} unsigned bundle: the grader cannot tell it came from your lab\n`);
      const shown = relative(process.cwd(), res.file) || res.file;
      // the second line is sha256sum's format, so `sha256sum -c` can check the hand-in
      const help = res.signed ? `; ${activity.selfChecks} self-check${activity.selfChecks === 1 ? '' : 's'}, hint level ${activity.hints}` : '';
      process.stdout.write(`bundle: ${shown} (${res.files.length} files for ${res.learner}, ${res.scenario}${res.signed ? ', signed' : ', unsigned'}${help})\n${res.sha256}  ${shown}\n`);
    });
}
