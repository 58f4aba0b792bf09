import { Command, Help } from 'commander';

type Register = (program: Command) => void;

interface Group {
  /** how `labctl --help` lists it (kept equal to the real command's by test/cli/main.test.ts) */
  term: string;
  summary: string;
  load: () => Promise<Register>;
}

/**
 * Command groups load lazily: a command loads only its own modules (the classroom group alone pulls in CDKTF
 * and the AWS provider bindings). `labctl --help` lists the groups from this table without loading any.
 */
export const GROUPS: Record<string, Group> = {
  inspect: {
    term: 'inspect [options] <files...>',
    summary: 'Show what the grader reads from capture files: tool, flavor and a summary of each',
    load: async () => (await import('./commands/inspect.ts')).registerInspect,
  },
  grade: {
    term: 'grade [options] [submission]',
    summary: 'grade a learner submission (a folder or .tar.gz with answers.yaml and tool captures)',
    load: async () => (await import('./commands/grade.ts')).registerGrade,
  },
  scenarios: {
    term: 'scenarios',
    summary: 'list, show and validate the exercises in scenarios/',
    load: async () => (await import('./commands/scenarios.ts')).registerScenarios,
  },
  lab: {
    term: 'lab',
    summary: 'prepare lab hosts, inject and stop faults, check that a fault is visible',
    load: async () => (await import('./commands/lab.ts')).registerLab,
  },
  demo: {
    term: 'demo [options]',
    summary: 'the full loop on this machine: inject each fault, capture with the tools that work here, grade, stop',
    load: async () => (await import('./commands/demo.ts')).registerDemo,
  },
  classroom: {
    term: 'classroom',
    summary: 'provision one lab VM per learner per distro on AWS from classroom.yaml (CDKTF -> plain terraform)',
    load: async () => (await import('./commands/classroom.ts')).registerClassroom,
  },
  review: {
    term: 'review',
    summary: 'the review queue: turn decided answer groups into accepted answers for the next class',
    load: async () => (await import('./commands/review.ts')).registerReview,
  },
  submit: {
    term: 'submit [options] <scenario> [files...]',
    summary: 'bundle your answers, captures and lab manifest into one signed .tar.gz to hand in',
    load: async () => (await import('./commands/submit.ts')).registerSubmit,
  },
  hint: {
    term: 'hint [options] <scenario>',
    summary: 'show the next hint for a scenario (each call shows the next, gentlest first)',
    load: async () => (await import('./commands/learner.ts')).registerLearner,
  },
  'self-check': {
    term: 'self-check [options] <scenario>',
    summary: 'check your work so far against your lab, without revealing the expected answers',
    load: async () => (await import('./commands/learner.ts')).registerLearner,
  },
};

export function newProgram(): Command {
  return new Command()
    .name('labctl')
    .description('eBPF performance labs: provision, inject incidents, grade what learners find.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
}

/** Registers the named groups for real (hint and self-check share one module: registered once). */
export async function registerGroups(program: Command, names: string[]): Promise<void> {
  const registered = new Set<Register>();
  for (const name of names) {
    const register = await GROUPS[name].load();
    if (!registered.has(register)) register(program);
    registered.add(register);
  }
}

/** The group a command line runs (`labctl help lab` asks for lab's help), if any. */
export function wantedGroup(argv: string[]): string | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return name !== undefined && Object.hasOwn(GROUPS, name) ? name : undefined;
}

/** Placeholders for the help listing: name and summary only, never run. */
export function listGroups(program: Command): void {
  for (const [name, g] of Object.entries(GROUPS)) program.command(name).description(g.summary);
  program.configureHelp({ subcommandTerm: (cmd) => GROUPS[cmd.name()]?.term ?? new Help().subcommandTerm(cmd) });
}

