// `cellsearch import nas-bench-nlp FILE [--ids 0,5] [--out dir] [--format notation|json]`: the
// recipes of NAS-Bench-NLP (a list of recipes, one recipe, a log, or a folder of logs) as cells,
// printed or written one file per recipe. The format both ways: cells/nas-bench-nlp.ts.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { commandHead } from './list.ts';
import { UserError } from '../errors.ts';

export const IMPORT_SOURCES = ['nas-bench-nlp'] as const;
export const IMPORT_FORMATS = ['notation', 'json'] as const;

interface ImportArgs {
  source: (typeof IMPORT_SOURCES)[number];
  file: string;
  ids?: string;
  out?: string;
  format: (typeof IMPORT_FORMATS)[number];
}

export const importCommand: CommandModule<object, ImportArgs> = {
  ...commandHead('import'),
  builder: (y) =>
    y
      .positional('source', { choices: IMPORT_SOURCES, demandOption: true, describe: 'the format' })
      .positional('file', { type: 'string', demandOption: true, describe: 'a JSON file of recipes or logs, or a folder of log files' })
      .option('ids', { type: 'string', describe: 'comma list of recipe ids: positions in a list, or recepie_id of logs (default: all)' })
      .option('out', { type: 'string', describe: 'write one file per recipe to this folder (nas-bench-nlp-<id>.cell or .json) instead of standard output' })
      .option('format', { choices: IMPORT_FORMATS, default: 'notation' as const, describe: 'notation (the cell notation) or json (the cell JSON)' })
      .example('$0 import nas-bench-nlp recepies_example.json --ids 1,2', 'their LSTM and GRU in the cell notation')
      .example('$0 import nas-bench-nlp train_logs_single_run/ --out cells/', 'every logged cell, one file each')
      .example('$0 train --cell recepies_example.json#2 --task ptb', 'train one of their cells directly'),
  handler: async (args) => {
    const { readRecipes, selectRecipes, parseIds, recipeCellName } = await import('../cells/load.ts');
    const { recipeToCell } = await import('../cells/nas-bench-nlp.ts');
    const { printNotation } = await import('../cells/notation.ts');
    const { cellHash } = await import('../cells/canonical.ts');
    if (!existsSync(args.file)) throw new UserError(`${args.file}: no such file or folder`);
    const all = readRecipes(args.file);
    if (!all) throw new UserError(`${args.file}: not a NAS-Bench-NLP file (a JSON list of recipes, a recipe, a log with "recepie", or a folder of logs)`);
    const entries = selectRecipes(all, args.ids === undefined ? undefined : parseIds(args.ids, '--ids'), args.file);
    // Every recipe is checked before anything is written.
    const cells = entries.map(({ id, recipe }) => ({ id, cell: recipeToCell(recipe, { name: recipeCellName(id), where: `${args.file}: recipe ${id}` }) }));
    const text = (c: (typeof cells)[number]) => (args.format === 'json' ? JSON.stringify(c.cell, null, 2) + '\n' : printNotation(c.cell));
    if (args.out === undefined) {
      process.stdout.write(cells.map((c) => `# recipe ${c.id}, cellHash ${cellHash(c.cell)}\n${text(c)}`).join('\n'));
      return;
    }
    if (existsSync(args.out) && !statSync(args.out).isDirectory()) throw new UserError(`--out ${args.out}: is a file, not a folder`);
    mkdirSync(args.out, { recursive: true });
    for (const c of cells) writeFileSync(join(args.out, `${recipeCellName(c.id)}.${args.format === 'json' ? 'json' : 'cell'}`), text(c));
    process.stderr.write(`wrote ${cells.length} cell${cells.length === 1 ? '' : 's'} to ${args.out}\n`);
  },
};
