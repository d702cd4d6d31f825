// `cellsearch runs`: lists the experiments of a database (or of every runs/*.sqlite) with their
// progress; `cellsearch runs retry-failed` puts failed evaluations back in the queue. Listing
// opens the database read-only, so it works while a study is running and never disturbs it.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { commandHead } from './list.ts';
import { UserError } from '../errors.ts';
import { printable } from '../cells/text.ts';
import { forTerminal } from './terminal.ts';
import { dbLocation } from '../runs/db-location.ts';

interface RunsArgs {
  db?: string;
  name?: string;
}

/** The databases a command without --db looks at: runs/*.sqlite under the working directory. */
export function defaultDatabases(cwd = process.cwd()): string[] {
  const dir = join(cwd, 'runs');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n.endsWith('.sqlite')).sort().map((n) => join(dir, n));
}

function databases(args: RunsArgs): string[] {
  const db = dbLocation(args.db);
  if (db !== undefined) return [db];
  const found = defaultDatabases();
  if (found.length === 0) throw new UserError(`no databases in ${join(process.cwd(), 'runs')}; name one with --db`);
  return found;
}

export async function listRuns(args: RunsArgs): Promise<string> {
  const { openStorage } = await import('../runs/open-storage.ts');
  const out: string[] = [];
  for (const db of databases(args)) {
    const s = await openStorage(db, { readonly: true, snapshot: true });
    try {
      const rows = (await s.listExperiments()).filter((e) => args.name === undefined || e.name === args.name);
      // A study marked running with no live writer was killed: resuming it is safe.
      for (const e of rows) if (e.status === 'running' && !(await s.activeWriter(e.id))) e.status = 'interrupted';
      out.push(`${s.location}:`);
      if (rows.length === 0) out.push(args.name === undefined ? '  (no experiments)' : `  (no experiment named '${args.name}')`);
      const table = rows.map((e) => {
        const c = e.counts;
        const total = c.queued + c.running + c.done + c.diverged + c.failed;
        return [printable(e.name), e.kind, e.status, `${c.done + c.diverged + c.failed}/${total}`, String(c.done), String(c.diverged), String(c.failed), String(c.queued), String(c.running), e.updatedAt.replace('T', ' ').slice(0, 19)];
      });
      const header = ['name', 'kind', 'status', 'finished', 'done', 'diverged', 'failed', 'queued', 'running', 'updated (UTC)'];
      const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
      const line = (r: string[]) => '  ' + r.map((v, i) => (i >= 3 && i <= 8 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
      if (table.length > 0) out.push(line(header), ...table.map(line));
    } finally {
      await s.close();
    }
  }
  return forTerminal(out.join('\n')) + '\n';
}

export async function retryFailed(args: RunsArgs): Promise<string> {
  const { openStorage } = await import('../runs/open-storage.ts');
  const out: string[] = [];
  let matched = 0;
  for (const db of databases(args)) {
    const s = await openStorage(db);
    try {
      for (const e of await s.listExperiments()) {
        if (args.name !== undefined && e.name !== args.name) continue;
        matched++;
        // Refused while the study's driver lives (PostgreSQL; a SQLite file has one writer anyway).
        await s.leaseStudy?.(e.id);
        const n = await s.requeueFailed(e.id);
        out.push(`${s.location}: '${e.name}': ${n} failed evaluation${n === 1 ? '' : 's'} re-queued`);
      }
    } finally {
      await s.close();
    }
  }
  const { shownLocation } = await import('../runs/postgres-location.ts');
  if (args.name !== undefined && matched === 0) throw new UserError(`no experiment named '${args.name}' in ${databases(args).map(shownLocation).join(', ')}`);
  out.push('run the command that started the experiment again (same options) to train them');
  return forTerminal(out.join('\n')) + '\n';
}

const retryFailedCommand: CommandModule<RunsArgs, RunsArgs> = {
  command: 'retry-failed',
  describe: 'Put failed evaluations back in the queue (attempts reset); re-running the study trains them',
  builder: (y) => y,
  handler: async (args) => {
    process.stdout.write(await retryFailed(args));
  },
};

export const runsCommand: CommandModule<object, RunsArgs> = {
  ...commandHead('runs'),
  builder: (y) =>
    y
      .option('db', { type: 'string', describe: 'database: a file or postgres://user@host[:port]/database (default: $CELLSEARCH_DB, else every runs/*.sqlite)' })
      .option('name', { type: 'string', describe: 'only this experiment' })
      .command(retryFailedCommand)
      .example('$0 runs', 'every experiment in runs/*.sqlite')
      .example('$0 runs retry-failed --db runs/study.sqlite --name study', 're-queue the failed evaluations of one experiment'),
  handler: async (args) => {
    process.stdout.write(await listRuns(args));
  },
};
