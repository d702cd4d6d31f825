// `cellsearch export <hash | zoo key | file> --format notation|json|dot|pytorch`: a cell for use
// outside cellsearch. A hash (or a prefix of at least 4 hex digits) is looked up read-only in
// --db, or in every runs/*.sqlite; `pytorch` writes a self-contained nn.Module source file,
// `nas-bench-nlp` a recipe of their format (cells/nas-bench-nlp.ts).
import { existsSync, writeFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { commandHead } from './list.ts';
import { UserError } from '../errors.ts';
import { dbLocation } from '../runs/db-location.ts';
import type { Cell } from '../cells/graph.ts';
import type { Architecture } from '../runs/storage.ts';
import { defaultDatabases } from './runs.ts';

export const EXPORT_FORMATS = ['notation', 'json', 'dot', 'pytorch', 'nas-bench-nlp'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

interface ExportArgs {
  cell: string;
  format: ExportFormat;
  db?: string;
  out?: string;
}

/** A zoo key or a file as `show` reads them; otherwise an architecture hash (prefix) in the databases. */
export async function resolveExportCell(ref: string, db: string | undefined): Promise<{ cell: Cell; provenance: string }> {
  const { loadCell } = await import('../cells/load.ts');
  const { isZooKey } = await import('../cells/zoo/index.ts');
  if (isZooKey(ref) || existsSync(ref)) return { cell: loadCell(ref), provenance: isZooKey(ref) ? `cellsearch zoo cell '${ref}'` : `cell file ${ref}` };
  if (!/^[0-9a-f]{4,}$/i.test(ref)) throw new UserError(`'${ref}' is not a zoo key, a cell file or an architecture hash (4 or more hex digits)`);
  const given = dbLocation(db);
  const dbs = given !== undefined ? [given] : defaultDatabases();
  if (dbs.length === 0) throw new UserError(`'${ref}' looks like an architecture hash, but there is no database to look in: name one with --db`);
  const { openStorage } = await import('../runs/open-storage.ts');
  const { shownLocation } = await import('../runs/postgres-location.ts');
  const { architecturesByPrefix } = await import('../runs/report/queries.ts');
  const found = new Map<string, { arch: Architecture; db: string }>();
  for (const file of dbs) {
    const s = await openStorage(file, { readonly: true, snapshot: true });
    try {
      for (const arch of await architecturesByPrefix(s, ref.toLowerCase())) if (!found.has(arch.hash)) found.set(arch.hash, { arch, db: s.location });
    } finally {
      await s.close();
    }
  }
  if (found.size === 0) throw new UserError(`no architecture with hash ${ref}${ref.length < 16 ? '...' : ''} in ${dbs.map(shownLocation).join(', ')}`);
  if (found.size > 1) throw new UserError(`hash prefix ${ref} is ambiguous: ${[...found.keys()].join(', ')}; give more digits`);
  const [{ arch, db: where }] = found.values();
  const { parseCell } = await import('../cells/validate.ts');
  const parsed = parseCell(arch.cell, `architecture ${arch.hash} in ${where}`);
  const name = parsed.name ?? (arch.origin.kind === 'zoo' ? arch.origin.name : `arch ${arch.hash.slice(0, 8)}`);
  return { cell: { ...parsed, name }, provenance: `architecture ${arch.hash} from ${where}` };
}

/** The text `export` writes. */
export async function exportCell(cell: Cell, format: ExportFormat, provenance: string): Promise<string> {
  switch (format) {
    case 'notation':
      return (await import('../cells/notation.ts')).printNotation(cell);
    case 'json':
      return JSON.stringify(cell, null, 2) + '\n';
    case 'dot':
      return (await import('../cells/dot.ts')).toDot(cell);
    case 'pytorch':
      return (await import('../cells/export/pytorch.ts')).toPytorch(cell, { provenance: `Exported from ${provenance}.` });
    case 'nas-bench-nlp': {
      const { cellToRecipe, dumpsRecipe } = await import('../cells/nas-bench-nlp.ts');
      const { recipe, notes } = cellToRecipe(cell, provenance);
      for (const n of notes) process.stderr.write(`note: ${n}\n`);
      return dumpsRecipe(recipe) + '\n';
    }
  }
}

export const exportCommand: CommandModule<object, ExportArgs> = {
  ...commandHead('export'),
  builder: (y) =>
    y
      .positional('cell', { type: 'string', demandOption: true, describe: 'an architecture hash or prefix (see `cellsearch report`), a zoo key or a cell file' })
      .option('format', { choices: EXPORT_FORMATS, default: 'notation' as ExportFormat, describe: "pytorch: a self-contained nn.Module source; nas-bench-nlp: a recipe as their json.dumps writes it" })
      .option('db', { type: 'string', describe: 'database to look the hash up in: a file or a postgres:// URL (default: $CELLSEARCH_DB, else every runs/*.sqlite)' })
      .option('out', { type: 'string', describe: 'write to this file instead of standard output' })
      .example('$0 export 8041e272 --db runs/search.sqlite --format pytorch --out cell.py', 'a found cell as a PyTorch module')
      .example('$0 export gru --format json', 'a zoo cell as JSON')
      .example('$0 export gru --format nas-bench-nlp', 'a cell as a NAS-Bench-NLP recipe'),
  handler: async (args) => {
    const { cell, provenance } = await resolveExportCell(args.cell, args.db);
    const text = await exportCell(cell, args.format, provenance);
    if (args.out !== undefined) {
      writeFileSync(args.out, text);
      process.stderr.write(`wrote ${args.out}\n`);
    } else process.stdout.write(text);
  },
};
