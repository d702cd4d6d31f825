// `cellsearch export <hash | zoo key | file> --format notation|json|dot|pytorch`: a cell for use
// outside cellsearch. A hash (or a prefix of at least 4 hex digits) is looked up read-only in
// --db, or in every runs/*.sqlite; `pytorch` writes a self-contained nn.Module source file,
// `nas-bench-nlp` a recipe of their format (cells/nas-bench-nlp.ts). `--weights` writes a trained
// model (safetensors and its PyTorch module), `--format onnx` the trained model as ONNX
// (runs/saved-model.ts; an ONNX file without weights would be of no use).
import { existsSync, writeFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { commandHead } from './list.ts';
import { UserError } from '../errors.ts';
import { dbLocation } from '../runs/db-location.ts';
import type { Cell } from '../cells/graph.ts';
import type { Architecture } from '../runs/storage.ts';
import { defaultDatabases } from './runs.ts';

export const EXPORT_FORMATS = ['notation', 'json', 'dot', 'pytorch', 'nas-bench-nlp', 'onnx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

interface ExportArgs {
  cell: string;
  format: ExportFormat;
  db?: string;
  out?: string;
  weights?: boolean;
}

/** The databases a hash is looked up in: --db (or CELLSEARCH_DB), else every runs/*.sqlite. */
function databasesFor(ref: string, db: string | undefined): string[] {
  const given = dbLocation(db);
  const dbs = given !== undefined ? [given] : defaultDatabases();
  if (dbs.length === 0) throw new UserError(`'${ref}' looks like an architecture hash, but there is no database to look in: name one with --db`);
  return dbs;
}

/** The one architecture whose hash starts with `ref` (4 or more hex digits) in `dbs`, and the database it was found in (as shown). */
async function findArchitecture(ref: string, dbs: readonly string[]): Promise<{ arch: Architecture; db: string }> {
  if (!/^[0-9a-f]{4,}$/i.test(ref)) throw new UserError(`'${ref}' is not a zoo key, a cell file or an architecture hash (4 or more hex digits)`);
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
  return [...found.values()][0];
}

/** A zoo key or a file as `show` reads them; otherwise an architecture hash (prefix) in the databases. */
export async function resolveExportCell(ref: string, db: string | undefined): Promise<{ cell: Cell; provenance: string }> {
  const { loadCell } = await import('../cells/load.ts');
  const { isZooKey } = await import('../cells/zoo/index.ts');
  if (isZooKey(ref) || existsSync(ref)) return { cell: loadCell(ref), provenance: isZooKey(ref) ? `cellsearch zoo cell '${ref}'` : `cell file ${ref}` };
  if (!/^[0-9a-f]{4,}$/i.test(ref)) throw new UserError(`'${ref}' is not a zoo key, a cell file or an architecture hash (4 or more hex digits)`);
  const { arch, db: where } = await findArchitecture(ref, databasesFor(ref, db));
  const { parseCell } = await import('../cells/validate.ts');
  const parsed = parseCell(arch.cell, `architecture ${arch.hash} in ${where}`);
  const name = parsed.name ?? (arch.origin.kind === 'zoo' ? arch.origin.name : `arch ${arch.hash.slice(0, 8)}`);
  return { cell: { ...parsed, name }, provenance: `architecture ${arch.hash} from ${where}` };
}

/**
 * `--weights`: the trained model of the architecture (a hash, or a zoo key or cell file, whose
 * hash is looked up) from the evaluation with the lowest validation loss among those whose
 * checkpoint a study kept, written as `<stem>.safetensors` and `<stem>.py` into `outDir`, or
 * (`onnx`) as `<stem>.onnx`.
 */
async function exportWeights(ref: string, db: string | undefined, outDir: string, as: 'pytorch' | 'onnx'): Promise<void> {
  const { loadCell } = await import('../cells/load.ts');
  const { isZooKey } = await import('../cells/zoo/index.ts');
  const { cellHash } = await import('../cells/canonical.ts');
  const { openStorage } = await import('../runs/open-storage.ts');
  const { shownLocation } = await import('../runs/postgres-location.ts');
  const { printable } = await import('../cells/text.ts');
  const saved = await import('../runs/saved-model.ts');
  saved.checkModelFolder(outDir, '--out');
  const named = isZooKey(ref) || existsSync(ref);
  const dbs = databasesFor(ref, db);
  const hash = named ? cellHash(loadCell(ref)) : (await findArchitecture(ref, dbs)).arch.hash;
  const kept: (import('../runs/saved-model.ts').KeptWeights & { db: string })[] = [];
  let evaluations = 0;
  for (const file of dbs) {
    const s = await openStorage(file, { readonly: true, snapshot: true });
    try {
      const found = await saved.keptWeights(s, hash);
      evaluations += found.evaluations;
      kept.push(...found.kept.map((k) => ({ ...k, db: s.location })));
    } finally {
      await s.close();
    }
  }
  const best = saved.bestKept(kept) as (typeof kept)[number] | undefined;
  if (best === undefined) {
    throw new UserError(
      `architecture ${hash} has no trained weights in ${dbs.map(shownLocation).join(', ')}: ` +
        (evaluations === 0 ? 'no evaluation of it' : `${evaluations} evaluation${evaluations === 1 ? '' : 's'}, none finished with a stored checkpoint`) +
        '; `cellsearch train --cell ... --save DIR` keeps them (a search keeps a checkpoint only while successive halving continues it)',
    );
  }
  const origin = best.architecture.origin;
  const name = named ? (isZooKey(ref) ? ref : undefined) : origin.kind === 'zoo' ? origin.name : undefined;
  const stem = saved.savedModelStem(name ?? (parseCellName(best.architecture.cell) ?? 'cell'), hash);
  // The class is named as `train --save` names it (from the stored cell), so both write the same files.
  let paths: string[];
  if (as === 'onnx') {
    paths = [saved.writeOnnxModel(outDir, stem, saved.savedOnnx(best))];
  } else paths = saved.writeSavedModel(outDir, stem, saved.savedModel(best, stem));
  const loss = best.evaluation.metrics?.validLoss;
  process.stderr.write(
    printable(
      `wrote ${paths.join(', ')}: evaluation ${best.evaluation.key} of ${best.experiment.kind} study '${best.experiment.name}' in ${best.db}` +
        `${loss === undefined || loss === null ? '' : `, validation loss ${loss.toFixed(4)}`}${kept.length > 1 ? ` (the lowest of ${kept.length} with stored weights)` : ''}`,
    ) + '\n',
  );
}

/** A stored cell's name, if it has one. */
function parseCellName(cell: Record<string, unknown>): string | undefined {
  return typeof cell.name === 'string' ? cell.name : undefined;
}

/** The text `export` writes of a cell (ONNX is a trained model: exportWeights). */
export async function exportCell(cell: Cell, format: Exclude<ExportFormat, 'onnx'>, provenance: string): Promise<string> {
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
      .option('format', { choices: EXPORT_FORMATS, default: 'notation' as ExportFormat, describe: 'pytorch: a self-contained nn.Module source; nas-bench-nlp: a recipe as their json.dumps writes it; onnx: the trained model (as --weights finds it) as <cell>_<hash>.onnx' })
      .option('db', { type: 'string', describe: 'database to look the hash up in: a file or a postgres:// URL (default: $CELLSEARCH_DB, else every runs/*.sqlite)' })
      .option('out', { type: 'string', describe: 'write to this file instead of standard output (--weights and onnx: the folder, default the working directory)' })
      .option('weights', { type: 'boolean', describe: 'the trained model of a study that kept its checkpoint (train --save): <cell>_<hash>.safetensors and the PyTorch module <cell>_<hash>.py' })
      .example('$0 export 8041e272 --db runs/search.sqlite --format pytorch --out cell.py', 'a found cell as a PyTorch module')
      .example('$0 export gru --format json', 'a zoo cell as JSON')
      .example('$0 export gru --format nas-bench-nlp', 'a cell as a NAS-Bench-NLP recipe')
      .example('$0 export 8041e272 --weights --out model/', 'the trained weights (safetensors) and their PyTorch module')
      .example('$0 export gru --format onnx --db runs/train.sqlite --out model/', 'the trained model as ONNX (train --save keeps the weights)'),
  handler: async (args) => {
    if (args.weights || args.format === 'onnx') {
      if (args.format !== 'notation' && args.format !== 'pytorch' && args.format !== 'onnx') {
        throw new UserError(`--weights writes safetensors and a PyTorch module (or, with --format onnx, an ONNX model); --format ${args.format} does not apply`);
      }
      return exportWeights(args.cell, args.db, args.out ?? '.', args.format === 'onnx' ? 'onnx' : 'pytorch');
    }
    const { cell, provenance } = await resolveExportCell(args.cell, args.db);
    const text = await exportCell(cell, args.format, provenance);
    if (args.out !== undefined) {
      writeFileSync(args.out, text);
      process.stderr.write(`wrote ${args.out}\n`);
    } else process.stdout.write(text);
  },
};
