// `cellsearch tasks`: lists the tasks with their output head, metric, vocabulary and split sizes.
// ptb reads Mikolov's files from --ptb-dir / PTB_DIR when given (else the shipped corpus); music
// needs --music-dir / JSB_DIR, and says so instead of sizes when it has none.
import type { CommandModule } from 'yargs';
import { commandHead } from './list.ts';

interface TasksArgs {
  ptbDir?: string;
  musicDir?: string;
  textDir?: string;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** The listing `tasks` prints, for the given data folders and environment. */
export async function listTasks(args: TasksArgs, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { TASKS, TASK_NAMES, getTask } = await import('../tasks/registry.ts');
  const rows: string[][] = [['task', 'output', 'metric', 'vocab', 'train', 'valid', 'test']];
  const notes: string[] = [];
  for (const name of TASK_NAMES) {
    const dataDir = name === 'ptb' ? args.ptbDir : name === 'music' ? args.musicDir : name === 'text' ? args.textDir : undefined;
    const envDir = name === 'ptb' ? env.PTB_DIR : name === 'music' ? env.JSB_DIR : undefined;
    if (name === 'text' && !dataDir) {
      rows.push([name, 'softmax', 'perplexity', '', 'your own text: --text-dir (train.txt, valid.txt, test.txt, or one file)', '', '']);
      notes.push(`${name}: ${TASKS[name].summary}`);
      continue;
    }
    if (TASKS[name].dataDir === 'required' && !dataDir && !envDir) {
      rows.push([name, 'sigmoid', 'nll', '88', 'needs --music-dir or JSB_DIR (JSB Chorales JSON, not shipped)', '', '']);
      notes.push(`${name}: ${TASKS[name].summary}`);
      continue;
    }
    const task = getTask(name, dataDir ? { dataDir } : {}, env);
    const s = task.sizes();
    const unit = s.unit === 'sequences' ? 'seqs' : s.unit;
    rows.push([
      name, task.output, task.metric, fmt(task.vocab.length),
      s.train === null ? 'endless' : `${fmt(s.train)} ${unit}`, `${fmt(s.valid)} ${unit}`, `${fmt(s.test)} ${unit}`,
    ]);
    notes.push(`${name}: ${task.description}${task.note ? ` (${task.note})` : ''}`);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[6] === '' && c === 4 ? 0 : r[c].length))));
  const right = new Set([3]);
  const lines = rows.map((r) => r.map((cell, c) => (right.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd());
  return `${lines.join('\n')}\n\n${notes.join('\n')}\n`;
}

export const tasksCommand: CommandModule<object, TasksArgs> = {
  ...commandHead('tasks'),
  builder: (y) =>
    y
      .option('ptb-dir', { type: 'string', describe: "folder of Mikolov's ptb.{train,valid,test}.txt (default: PTB_DIR, else the shipped corpus)" })
      .option('music-dir', { type: 'string', describe: 'JSB Chorales JSON file or its folder (default: JSB_DIR)' })
      .option('text-dir', { type: 'string', describe: 'text task: a folder with train.txt, valid.txt, test.txt, or one text file (character level)' })
      .example('$0 tasks --music-dir ~/data/jsb', 'include the sizes of the music task'),
  handler: async (args) => {
    process.stdout.write(await listTasks(args));
  },
};
