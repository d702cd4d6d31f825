// `cellsearch sample <task>`: prints examples of a task with the scored positions marked:
// underlined on a terminal, in [brackets] otherwise (or as --mark says). Examples are training
// sequences (for ptb: sentences of the training text) drawn with --seed.
import type { CommandModule } from 'yargs';
import { commandHead } from './list.ts';
import { UserError } from '../errors.ts';
import type { Example } from '../tasks/task.ts';

export const MARKS = ['auto', 'brackets', 'underline'] as const;

interface SampleArgs {
  task: string;
  n: number;
  seed: number;
  dataDir?: string;
  set?: string[];
  mark: (typeof MARKS)[number];
}

/** Parses `--set key=value` pairs; values are JSON when they parse as JSON, strings otherwise. */
export function parseSettings(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UserError(`--set ${JSON.stringify(pair)}: expected key=value, e.g. --set maxDigits=3`);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try { value = JSON.parse(raw); } catch { /* a plain string */ }
    out[pair.slice(0, eq)] = value;
  }
  return out;
}

/** One example with its scored runs marked. */
export function renderExample(e: Example, mark: 'brackets' | 'underline'): string {
  const [open, close] = mark === 'brackets' ? ['[', ']'] : ['\x1b[4m', '\x1b[24m'];
  let out = '';
  e.symbols.forEach((sym, i) => {
    const starts = e.scored[i] && (i === 0 || !e.scored[i - 1]);
    const ends = e.scored[i] && (i === e.symbols.length - 1 || !e.scored[i + 1]);
    if (i > 0) out += e.separator;
    out += `${starts ? open : ''}${sym}${ends ? close : ''}`;
  });
  return out;
}

/** What `sample` prints. */
export async function sampleText(args: SampleArgs, isTty: boolean, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { TASKS, TASK_NAMES, getTask, isTaskName } = await import('../tasks/registry.ts');
  if (!isTaskName(args.task)) throw new UserError(`unknown task ${JSON.stringify(args.task)}; the tasks are ${TASK_NAMES.join(', ')}`);
  if (!Number.isInteger(args.n) || args.n < 1 || args.n > 1000) throw new UserError(`--n must be an integer from 1 to 1000, got ${args.n}`);
  if (!Number.isInteger(args.seed) || args.seed < 0) throw new UserError(`--seed must be a non-negative integer, got ${args.seed}`);
  const options = parseSettings(args.set ?? []);
  if (args.dataDir !== undefined) {
    if (TASKS[args.task].dataDir === 'none') throw new UserError(`--data-dir applies to ptb, music and text, not to ${args.task} (its data is generated)`);
    options.dataDir = args.dataDir;
  }
  const task = getTask(args.task, options, env);
  const mark = args.mark === 'auto' ? (isTty && !env.NO_COLOR ? 'underline' : 'brackets') : args.mark;
  const examples = task.sample(args.n, args.seed).map((e) => renderExample(e, mark));
  const multiline = examples.some((e) => e.includes('\n'));
  const legend = mark === 'brackets' ? '[brackets]' : 'underlining';
  const header = `# ${task.name}, seed ${args.seed}: ${legend} marks the scored positions${task.note ? `\n# ${task.note}` : ''}\n`;
  return header + examples.map((e) => (e.endsWith('\n') ? e : `${e}\n`)).join(multiline ? '\n' : '');
}

export const sampleCommand: CommandModule<object, SampleArgs> = {
  ...commandHead('sample'),
  builder: (y) =>
    y
      .positional('task', { type: 'string', demandOption: true, describe: 'arithmetic, xml, ptb, memorize, music or text (see `cellsearch tasks`)' })
      .option('n', { type: 'number', default: 5, describe: 'number of examples' })
      .option('seed', { type: 'number', default: 1, describe: 'data seed: the same seed prints the same examples' })
      .option('data-dir', { type: 'string', describe: "ptb: folder of Mikolov's files (default PTB_DIR, else the shipped corpus); music: JSB JSON file or folder (default JSB_DIR); text: a folder with train.txt, valid.txt, test.txt or one text file" })
      .option('set', { type: 'string', array: true, describe: 'a task option, key=value (e.g. maxDigits=3); repeatable' })
      .option('mark', { choices: MARKS, default: 'auto' as const, describe: 'auto: underline on a terminal, [brackets] otherwise' })
      .example('$0 sample arithmetic --n 3 --seed 7', 'three arithmetic problems')
      .example('$0 sample music --data-dir ../shared/data/jsb', 'a chorale as chords')
      .example('$0 sample text --data-dir novel.txt --set level=word', 'sentences of your own text'),
  handler: async (args) => {
    process.stdout.write(await sampleText(args, process.stdout.isTTY === true));
  },
};
