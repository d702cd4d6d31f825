// `cellsearch show <cell>`: prints a zoo cell or a cell file as notation, Graphviz DOT or JSON.
// Loading checks the cell, so `show` is also the way to validate a hand-written cell file.
import type { CommandModule, Options, PositionalOptions } from 'yargs';
import { commandHead } from './list.ts';
import type { SimpleCommand } from './simple-args.ts';
import { UserError } from '../errors.ts';
import { toDot } from '../cells/dot.ts';
import { paramCount } from '../cells/graph.ts';
import type { canonicalForm } from '../cells/canonical.ts';
import { printNotation } from '../cells/notation-print.ts';
import type { Cell } from '../cells/graph.ts';
// Static: the zoo builds its cells on first read, so loading it costs little, and `show`'s
// compiled module (one bundle, scripts/bundle.mjs) then holds it.
import { isZooKey, zooCell } from '../cells/zoo/index.ts';

export const SHOW_FORMATS = ['text', 'dot', 'json'] as const;

interface ShowArgs {
  cell: string;
  format: (typeof SHOW_FORMATS)[number];
  hidden?: number;
  canonical?: boolean;
}

/**
 * What `show` prints for a loaded cell. `canonical` prints it through `canonicalForm` of
 * cells/canonical.ts, which the caller passes: a plain `show` does not load it (nor the
 * node:crypto it hashes with, a tenth of `show gru`'s start-up).
 */
export function showCell(cell: Cell, args: Omit<ShowArgs, 'cell'>, canonical?: typeof canonicalForm): string {
  // yargs reads a repeated option as a list, and checks each of its values against the choices.
  if (!(SHOW_FORMATS as readonly unknown[]).includes(args.format)) throw new UserError(`--format takes one of ${SHOW_FORMATS.join(', ')}, once; got ${String(args.format)}`);
  if (args.hidden !== undefined && !(Number.isInteger(args.hidden) && args.hidden >= 1)) {
    throw new UserError(`--hidden must be a positive integer, got ${args.hidden}`);
  }
  let hash: string | undefined;
  if (args.canonical) {
    if (canonical === undefined) throw new Error('showCell: --canonical needs canonicalForm');
    ({ cell, hash } = canonical(cell));
  }
  switch (args.format) {
    case 'text': {
      let text = printNotation(cell);
      if (args.hidden !== undefined) text += `# ${paramCount(cell, args.hidden)} parameters at hidden=${args.hidden}\n`;
      if (hash !== undefined) text += `# cellHash ${hash}\n`;
      return text;
    }
    case 'dot':
      return toDot(cell, { hidden: args.hidden });
    case 'json':
      if (args.hidden !== undefined) throw new UserError('--hidden applies to --format text and dot (the JSON output is the cell itself)');
      return JSON.stringify(cell, null, 2) + '\n';
  }
}

/** `show`'s positional and options, declared once: yargs' builder and commands/simple-args.ts both read them. */
const CELL = {
  type: 'string',
  demandOption: true,
  describe: 'a zoo key (see `cellsearch cells`) or a cell file: *.json, or the notation (see README)',
} as const satisfies PositionalOptions;
const OPTIONS = {
  format: { choices: SHOW_FORMATS, default: 'text' as const, describe: 'text = the cell notation' },
  hidden: { type: 'number', describe: 'also print the parameter count at this hidden width (text, dot)' },
  canonical: {
    type: 'boolean',
    describe: 'print the canonical form: dead nodes pruned, nodes renamed n0, n1, ... (text also gives the cellHash); two cells are the same exactly when these agree',
  },
} as const satisfies Record<string, Options>;

/** `show` without yargs, for the plain command lines (cli.ts). */
export const showSimple: SimpleCommand<ShowArgs> = {
  positionals: { cell: CELL },
  options: OPTIONS,
  run: async (args) => {
    // A zoo key wins over a file, as in loadCell; the file readers (and their zod schemas) are
    // loaded only for a file, so that `show gru` starts fast (issue 17).
    const cell = isZooKey(args.cell) ? zooCell(args.cell) : (await import('../cells/load.ts')).loadCell(args.cell);
    const canonical = args.canonical ? (await import('../cells/canonical.ts')).canonicalForm : undefined;
    process.stdout.write(showCell(cell, args, canonical));
  },
};

export const showCommand: CommandModule<object, ShowArgs> = {
  ...commandHead('show'),
  builder: (y) =>
    y
      .positional('cell', CELL)
      .options(OPTIONS)
      .example('$0 show gru', 'the GRU in the cell notation')
      .example('$0 show my-cell.txt --canonical', 'is my cell one of the zoo? compare with `show <key> --canonical`')
      .example('$0 show my-cell.txt --format dot | dot -Tsvg > cell.svg', 'draw a cell file'),
  handler: (args) => showSimple.run(args),
};
