// The subcommands of `cellsearch`, in the order `cellsearch --help` lists them: each one's usage,
// its one-line summary, and how to load its module. The summaries live here, not in the modules,
// so that cli.ts can list every command and load only the module of the command that runs:
// `cellsearch --help`, `--version` and a light command (`show gru`) do not pay for the options,
// zod schemas and imports of the others (issue 17: a start-up under 150 ms of CPU). Each module
// takes its head from here (`...commandHead('show')`), so the two never disagree.
import type { CommandModule } from 'yargs';
import type { SimpleCommand } from './simple-args.ts';

/** What `cellsearch --help` shows of a command without loading it. */
export interface CommandHead {
  /** The usage, as yargs reads it: the word, then its positionals (`show <cell>`). */
  readonly command: string;
  readonly describe: string;
}

/** A command's module as cli.ts registers it (each module types its own arguments). */
type AnyCommand = CommandModule<any, any>;

interface CommandEntry extends CommandHead {
  /** The command's module, imported on demand. */
  readonly load: () => Promise<AnyCommand>;
  /** The command without yargs, for its plain command lines (commands/simple-args.ts), when it has one. */
  readonly simple?: () => Promise<SimpleCommand<any>>;
}

export const COMMANDS = {
  cells: {
    command: 'cells',
    describe: 'List the zoo: every cell of Jozefowicz et al. (2015) and Greff et al. (2016)',
    load: async (): Promise<AnyCommand> => (await import('./cells.ts')).cellsCommand,
  },
  show: {
    command: 'show <cell>',
    describe: 'Print a cell (zoo key or file) as notation, Graphviz DOT or JSON; checks cell files',
    load: async (): Promise<AnyCommand> => (await import('./show.ts')).showCommand,
    simple: async (): Promise<SimpleCommand<any>> => (await import('./show.ts')).showSimple,
  },
  tasks: {
    command: 'tasks',
    describe: 'List the tasks with their output, metric, vocabulary and split sizes',
    load: async (): Promise<AnyCommand> => (await import('./tasks.ts')).tasksCommand,
  },
  sample: {
    command: 'sample <task>',
    describe: 'Print examples of a task with the scored positions marked',
    load: async (): Promise<AnyCommand> => (await import('./sample.ts')).sampleCommand,
  },
  train: {
    command: 'train',
    describe: 'Train cells on a task and record the results in the experiment database',
    load: async (): Promise<AnyCommand> => (await import('./train.ts')).trainCommand,
  },
  search: {
    command: 'search',
    describe: 'Search for cell architectures that may beat the GRU (Jozefowicz et al. 2015), confirmed on fresh seeds',
    load: async (): Promise<AnyCommand> => (await import('./search.ts')).searchCommand,
  },
  worker: {
    command: 'worker',
    describe: "Train queued evaluations of a PostgreSQL database's running studies (on any machine)",
    load: async (): Promise<AnyCommand> => (await import('./worker.ts')).workerCommand,
  },
  runs: {
    command: 'runs',
    describe: 'List experiments with their progress (read-only; safe while a study runs)',
    load: async (): Promise<AnyCommand> => (await import('./runs.ts')).runsCommand,
  },
  report: {
    command: 'report',
    describe: 'Write report.html and report.md (figures as SVG) for a study (read-only; safe while it runs)',
    load: async (): Promise<AnyCommand> => (await import('./report.ts')).reportCommand,
  },
  dashboard: {
    command: 'dashboard',
    describe: 'Serve a live web dashboard of every study in a database (read-only; safe while studies run)',
    load: async (): Promise<AnyCommand> => (await import('./dashboard.ts')).dashboardCommand,
  },
  db: {
    command: 'db',
    describe: 'Copy experiments between databases (SQLite and PostgreSQL, either way): db copy FROM TO',
    load: async (): Promise<AnyCommand> => (await import('./db.ts')).dbCommand,
  },
  export: {
    command: 'export <cell>',
    describe: 'Write a cell (hash from a study, zoo key or file) as notation, JSON, DOT, a PyTorch module or a NAS-Bench-NLP recipe, or its trained model (safetensors + PyTorch, ONNX)',
    load: async (): Promise<AnyCommand> => (await import('./export.ts')).exportCommand,
  },
  import: {
    command: 'import <source> <file>',
    describe: 'Read cells from elsewhere: NAS-Bench-NLP recipes (a JSON list, a recipe, a log or a folder of logs)',
    load: async (): Promise<AnyCommand> => (await import('./import.ts')).importCommand,
  },
  ablate: {
    command: 'ablate',
    describe: 'Ablation study (Greff et al. 2016): random search per cell and task, tests against a baseline, fANOVA',
    load: async (): Promise<AnyCommand> => (await import('./ablate.ts')).ablateCommand,
  },
  calibrate: {
    command: 'calibrate',
    describe: "Check a preset's memorization stage: pass rates of the GRU, LSTM and Tanh RNN over N grid settings",
    load: async (): Promise<AnyCommand> => (await import('./calibrate.ts')).calibrateCommand,
  },
  reproduce: {
    command: 'reproduce <study>',
    describe: "Reproduce a paper's study (Jozefowicz et al. 2015 Table 1, Greff et al. 2016) and judge each published finding against our numbers",
    load: async (): Promise<AnyCommand> => (await import('./reproduce.ts')).reproduceCommand,
  },
} as const satisfies Record<string, CommandEntry>;

export type CommandWord = keyof typeof COMMANDS;

/** The word that invokes each command, in the order of the help. */
export const COMMAND_WORDS = Object.keys(COMMANDS) as CommandWord[];

export function isCommandWord(word: string): word is CommandWord {
  return Object.hasOwn(COMMANDS, word);
}

/** The loader of the yargs-free form of a command (commands/simple-args.ts), if it has one. */
export function simpleLoader(word: CommandWord): (() => Promise<SimpleCommand<any>>) | undefined {
  const entry: CommandEntry = COMMANDS[word];
  return entry.simple;
}

/** The usage and summary of a command, for its module to spread into its CommandModule. */
export function commandHead(word: CommandWord): CommandHead {
  const { command, describe } = COMMANDS[word];
  return { command, describe };
}
