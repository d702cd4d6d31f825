// `cellsearch cells`: lists the zoo (key, name, states, parameter count at --hidden, description).
import type { CommandModule } from 'yargs';
import { commandHead } from './list.ts';
import { UserError } from '../errors.ts';
import { paramCount } from '../cells/graph.ts';

interface CellsArgs {
  hidden: number;
  json: boolean;
}

export interface ZooRow {
  key: string;
  name: string;
  paper: 'Jozefowicz 2015' | 'Greff 2016';
  states: string[];
  params: number;
  description: string;
}

/** One row per zoo cell, in zoo order. */
export async function zooRows(hidden: number): Promise<ZooRow[]> {
  if (!Number.isInteger(hidden) || hidden < 1) {
    throw new UserError(`--hidden must be a positive integer, got ${Number.isNaN(hidden) ? 'something that is not a number' : hidden}`);
  }
  // Imported here: building the zoo is work that other commands need not pay for at startup.
  const { ZOO, GREFF_CELLS } = await import('../cells/zoo/index.ts');
  return Object.entries(ZOO).map(([key, cell]) => ({
    key,
    name: cell.name ?? key,
    paper: GREFF_CELLS.includes(key) ? 'Greff 2016' : 'Jozefowicz 2015',
    states: cell.states,
    params: paramCount(cell, hidden),
    description: cell.description ?? '',
  }));
}

/** A plain-text table: columns padded to their widest entry, the description last and unpadded. */
export function formatTable(header: string[], rows: string[][], rightAligned: Set<number> = new Set()): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells
      .map((v, c) => (c === cells.length - 1 ? v : rightAligned.has(c) ? v.padStart(widths[c]) : v.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export const cellsCommand: CommandModule<object, CellsArgs> = {
  ...commandHead('cells'),
  builder: (y) =>
    y
      .option('hidden', { type: 'number', default: 128, describe: 'hidden width H for the parameter counts' })
      .option('json', { type: 'boolean', default: false, describe: 'print the rows as JSON' })
      .example('$0 cells --hidden 256', 'parameter counts at H = 256')
      .example('$0 show greff-cifg', 'then look at one cell'),
  handler: async (args) => {
    const rows = await zooRows(args.hidden);
    if (args.json) {
      process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return;
    }
    const header = ['key', 'name', 'states', `params@H=${args.hidden}`, 'description'];
    const body = rows.map((r) => [r.key, r.name, r.states.join(','), r.params.toLocaleString('en-US'), r.description]);
    process.stdout.write(formatTable(header, body, new Set([3])));
  },
};
