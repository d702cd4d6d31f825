// The top level of `cellsearch` that needs no parser: its usage line, the width yargs wraps the
// help to, and `topLevelHelp`, which lays out `cellsearch --help` exactly as yargs (through cliui
// and wrap-ansi) does. cli.ts answers `--help` and `--version` alone from here, without importing
// yargs: yargs and its text-width modules cost more CPU at start-up than the whole of issue 17's
// 150 ms target. test/usage.test.ts holds this layout equal to yargs' own help at every width;
// cli.ts falls back to yargs below MIN_HELP_WIDTH, where cliui's columns degenerate.
// Imports only commands/list.ts (the command heads, no module of a command).
import { COMMANDS, COMMAND_WORDS } from './list.ts';

export const SCRIPT_NAME = 'cellsearch';
export const USAGE = '$0 <command> [options]\n\nSearch and ablate recurrent-network cell architectures.';

/** The narrowest help `topLevelHelp` lays out; yargs prints narrower ones. */
export const MIN_HELP_WIDTH = 40;

/** The width yargs wraps the help to: the terminal's, at most 110; 100 when not a terminal. */
export function helpWidth(columns: number | undefined): number {
  return Math.min(110, columns || 100);
}

/** Bad usage of the command line: exit 2 and a pointer to `--help`. */
export class UsageError extends Error {
  readonly userFacing = true;
  override name = 'UsageError';
}

/** What the top level's options say in the help, in yargs' order (its `--version`, then `-h, --help`). */
const OPTIONS = [
  { switch: '--version', indent: 4, describe: 'Show version number' },
  { switch: '-h, --help', indent: 0, describe: 'Show help' },
];

/** wrap-ansi's hard word wrap (as cliui calls it) of one line of plain text. */
function wrapLine(line: string, columns: number): string[] {
  if (line.trim() === '') return [''];
  const rows = [''];
  const last = (): string => rows[rows.length - 1];
  const words = line.split(' ');
  words.forEach((word, i) => {
    rows[rows.length - 1] = last().trimStart();
    let length = last().length;
    if (i !== 0 && length > 0) {
      rows[rows.length - 1] += ' ';
      length++;
    }
    if (word.length > columns) {
      // A word longer than the column is cut, starting on this row if that saves a row.
      const thisLine = 1 + Math.floor((word.length - (columns - length) - 1) / columns);
      const nextLine = Math.floor((word.length - 1) / columns);
      if (nextLine < thisLine) rows.push('');
      cutWord(rows, word, columns);
      return;
    }
    if (length + word.length > columns && length > 0 && word.length > 0) rows.push('');
    rows[rows.length - 1] += word;
  });
  return rows.map(trimSpacesRight);
}

/** wrap-ansi's `wrapWord`: `word` appended character by character, a new row at each full one. */
function cutWord(rows: string[], word: string, columns: number): void {
  let visible = rows[rows.length - 1].length;
  [...word].forEach((ch, i) => {
    if (visible + 1 <= columns) rows[rows.length - 1] += ch;
    else {
      rows.push(ch);
      visible = 0;
    }
    visible++;
    if (visible === columns && i < word.length - 1) {
      rows.push('');
      visible = 0;
    }
  });
  if (!visible && rows[rows.length - 1].length > 0 && rows.length > 1) rows[rows.length - 2] += rows.pop();
}

/** wrap-ansi's right trim: the trailing empty words' spaces dropped. */
function trimSpacesRight(row: string): string {
  const words = row.split(' ');
  let last = words.length;
  while (last > 0 && words[last - 1].length === 0) last--;
  return last === words.length ? row : words.slice(0, last).join(' ') + words.slice(last).join('');
}

function wrap(text: string, columns: number): string[] {
  return text.split('\n').flatMap((line) => wrapLine(line, columns));
}

/**
 * A two-column row as cliui's `span` lays it out: `left` wrapped in a column of `leftWidth`
 * (padding `padLeft` and 2 included), `right` wrapped in the rest of `width`; trailing spaces cut.
 */
function spanRows(left: string, padLeft: number, leftWidth: number, right: string, width: number): string[] {
  const inner = leftWidth - padLeft - 2;
  const a = wrap(left, inner);
  const b = wrap(right, width - leftWidth);
  return Array.from({ length: Math.max(a.length, b.length) }, (_, r) => {
    // A row of the right column alone still carries the left one's blank cell.
    const leftCell = ' '.repeat(padLeft) + (a[r] ?? '').padEnd(inner) + '  ';
    return (leftCell + (b[r] ?? '')).replace(/ +$/, '');
  });
}

/** A cell's left-column width as yargs computes it: the widest text, at most half the width, plus 4. */
function leftColumn(widths: number[], width: number): number {
  return Math.min(Math.max(...widths), Math.floor(width * 0.5)) + 4;
}

/** `cellsearch --help` as yargs prints it at `width` (>= MIN_HELP_WIDTH), without the final newline. */
export function topLevelHelp(width: number): string {
  if (width < MIN_HELP_WIDTH) throw new RangeError(`topLevelHelp lays out widths of ${MIN_HELP_WIDTH} and more, not ${width}`);
  const lines: string[] = [...wrap(USAGE.replace(/\$0/g, SCRIPT_NAME), width), '', 'Commands:'];
  const commands = COMMAND_WORDS.map((w) => [`${SCRIPT_NAME} ${COMMANDS[w].command}`, COMMANDS[w].describe] as const);
  const commandWidth = leftColumn(commands.map(([c]) => c.length), width);
  for (const [c, d] of commands) lines.push(...spanRows(c, 2, commandWidth, d, width));
  lines.push('', 'Options:');
  const optionWidth = leftColumn(OPTIONS.map((o) => o.switch.length + o.indent), width);
  for (const o of OPTIONS) {
    const rows = spanRows(o.switch, 2 + o.indent, optionWidth, o.describe, width);
    // cliui puts the type on the row's last line, right-aligned, when it fits after the text.
    const type = '[boolean]';
    const lead = width - type.length;
    const end = rows[rows.length - 1];
    if (lead >= end.length) rows[rows.length - 1] = end + ' '.repeat(lead - end.length) + type;
    else rows.push(' '.repeat(lead) + type);
    lines.push(...rows);
  }
  return lines.join('\n').replace(/\s*$/, '');
}
