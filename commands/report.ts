// `cellsearch report`: writes report.html (self-contained) and report.md (with figures/*.svg) for
// one study. Opens the database read-only, so it works while the study runs and never disturbs it.
import type { CommandModule } from 'yargs';
import { commandHead } from './list.ts';
import { UserError } from '../errors.ts';
import { dbLocation } from '../runs/db-location.ts';
import { defaultDatabases } from './runs.ts';

interface ReportArgs {
  db?: string;
  name?: string;
  out?: string;
  top: number;
  rows: number;
}

/** The database a report reads: --db, else the only runs/*.sqlite, else the one holding --name. */
export function reportDatabase(args: { db?: string; name?: string }, candidates: string[] = defaultDatabases()): string {
  const db = dbLocation(args.db);
  if (db !== undefined) return db;
  if (candidates.length === 0) throw new UserError('no databases in runs/; name one with --db');
  if (candidates.length === 1) return candidates[0];
  if (args.name !== undefined) {
    const safe = args.name.replace(/[^A-Za-z0-9._-]/g, '_');
    const match = candidates.find((c) => c.endsWith(`/${safe}.sqlite`) || c.endsWith(`\\${safe}.sqlite`));
    if (match) return match;
  }
  throw new UserError(`several databases in runs/ (${candidates.length}): name one with --db`);
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  ...commandHead('report'),
  builder: (y) =>
    y
      .option('db', { type: 'string', describe: 'database: a file or postgres://user@host[:port]/database (default: $CELLSEARCH_DB, else the only runs/*.sqlite, or runs/<name>.sqlite)' })
      .option('name', { type: 'string', describe: 'experiment (default: the only one in the database)' })
      .option('out', { type: 'string', describe: 'output folder (default: report-<name>)' })
      .option('top', { type: 'number', default: 5, describe: 'search: architectures described in detail' })
      .option('rows', { type: 'number', default: 20, describe: 'search: leaderboard rows besides GRU, LSTM and LSTM-b' })
      .example('$0 report --db runs/search.sqlite --out report', 'report/report.html, report/report.md, report/figures/*.svg'),
  handler: async (args) => {
    for (const k of ['top', 'rows'] as const) {
      if (!Number.isInteger(args[k]) || args[k] < 1) throw new UserError(`--${k} must be a whole number >= 1, got ${args[k]}`);
    }
    const { writeReport } = await import('../runs/report/index.ts');
    const r = await writeReport({ db: reportDatabase(args), name: args.name, out: args.out, top: args.top, leaderboard: args.rows });
    process.stdout.write(`wrote ${r.html}\nwrote ${r.markdown} (+ ${r.assets.length} SVG files in ${r.dir}/figures)\n`);
  },
};
