// `cellsearch db copy FROM TO [--name N ...]`: copies experiments between databases (a SQLite file
// and a PostgreSQL database, either way, or two of a kind) with everything recorded about them,
// checked equal afterwards (runs/db-copy.ts). FROM is only read; TO is created where it is a new
// file or an empty database.
import type { CommandModule } from 'yargs';
import { commandHead } from './list.ts';
import { parseNameFlag } from '../runs/flags.ts';

interface CopyArgs {
  from: string;
  to: string;
  name?: string[];
}

const copyCommand: CommandModule<object, CopyArgs> = {
  command: 'copy <from> <to>',
  describe: 'Copy experiments (config, architectures, evaluations, curves, events, strategy state, checkpoints) from one database to another, verified',
  builder: (y) =>
    y
      .positional('from', { type: 'string', demandOption: true, describe: 'the database to copy from (a file or postgres://user@host[:port]/database); only read' })
      .positional('to', { type: 'string', demandOption: true, describe: 'the database to copy into (created when it is a new file or an empty database)' })
      .option('name', { type: 'string', array: true, describe: 'only this experiment (repeatable; default: all)' })
      .example('$0 db copy runs/study.sqlite postgres://me@db.lan/cells', 'move a study to a server, to go on with workers there')
      .example('$0 db copy postgres://me@db.lan/cells mine.sqlite --name study', 'bring one study back to a file'),
  handler: async (args) => {
    for (const n of args.name ?? []) parseNameFlag(n);
    const { copyStudies } = await import('../runs/db-copy.ts');
    const { forTerminal } = await import('./terminal.ts');
    const out = await copyStudies({ from: args.from, to: args.to, names: args.name });
    const lines = out.copied.map(
      (c) => `copied '${c.name}': ${c.evaluations} evaluation${c.evaluations === 1 ? '' : 's'}, ${c.events} events, ${c.checkpoints} checkpoint${c.checkpoints === 1 ? '' : 's'}; read back equal`,
    );
    process.stdout.write(forTerminal([`${out.from} -> ${out.to}`, ...lines, `resume a study there with its command and --db ${out.to}`].join('\n')) + '\n');
  },
};

export const dbCommand: CommandModule = {
  ...commandHead('db'),
  builder: (y) => y.command(copyCommand).demandCommand(1, 'Name a db command: copy.'),
  handler: () => {},
};
