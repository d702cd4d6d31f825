// commands/simple-args.ts parses the plain command lines of `show` without yargs: on every line it
// reads, it must give what yargs gives; every other line (help, mistakes, unusual forms) it must
// leave to yargs, whose help and messages (exit 2) stay the command's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cliParser } from '../commands/parser.ts';
import { COMMANDS } from '../commands/list.ts';
import { showSimple } from '../commands/show.ts';
import { simpleArgs, usagePositionals } from '../commands/simple-args.ts';
import { runCli } from './helpers.ts';

const SHOW_KEYS = ['cell', 'format', 'hidden', 'canonical'] as const;

/** What yargs parses of `argv` with the real parser (its handler runs: its output is dropped). */
async function yargsArgs(argv: string[]): Promise<Record<string, unknown>> {
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    return (await (await cliParser(argv, 'show', 100)).parseAsync()) as Record<string, unknown>;
  } finally {
    process.stdout.write = write;
  }
}

const showArgs = (argv: string[]) => simpleArgs(COMMANDS.show.command, showSimple, argv) as Record<string, unknown> | undefined;

test('the plain lines of show parse as yargs parses them', async () => {
  const plain = [
    ['show', 'gru'],
    ['show', 'lstm', '--format', 'dot'],
    ['show', '--format=json', 'lstm'],
    ['show', 'gru', '--hidden', '16'],
    ['show', 'gru', '--hidden=1'],
    ['show', '--canonical', 'gru'],
    ['show', 'gru', '--canonical', '--format', 'text', '--hidden', '128'],
    ['show', 'greff-vanilla', '--format', 'dot', '--canonical', '--hidden', '100000'],
  ];
  for (const argv of plain) {
    const mine = showArgs(argv);
    assert.ok(mine !== undefined, `${argv.join(' ')} is a plain line`);
    const theirs = await yargsArgs(argv);
    for (const k of SHOW_KEYS) assert.deepEqual(mine[k], theirs[k], `${argv.join(' ')}: ${k}`);
    assert.deepEqual(Object.keys(mine).sort(), SHOW_KEYS.filter((k) => theirs[k] !== undefined).sort(), argv.join(' '));
  }
  assert.deepEqual(showArgs(['show', 'gru']), { cell: 'gru', format: 'text' });
});

test('every other line is left to yargs', () => {
  const others = [
    ['show'], // no positional
    ['show', 'gru', 'lstm'], // one too many
    ['show', 'gru', '--help'],
    ['show', '--help'],
    ['show', 'gru', '-h'],
    ['show', 'gru', '--version'],
    ['show', 'gru', '--bogus'],
    ['show', 'gru', '--format'], // no value
    ['show', 'gru', '--format', 'svg'], // not a choice
    ['show', 'gru', '--format', '--canonical'],
    ['show', 'gru', '--format', 'dot', '--format', 'json'], // repeated
    ['show', 'gru', '--canonical', '--canonical'],
    ['show', 'gru', '--canonical', 'true'], // yargs reads the value
    ['show', 'gru', '--canonical=false'],
    ['show', 'gru', '--no-canonical'],
    ['show', 'gru', '--hidden', 'abc'],
    ['show', 'gru', '--hidden', '1e3'], // yargs reads 1000
    ['show', 'gru', '--hidden', '010'],
    ['show', 'gru', '--hidden', '-5'],
    ['show', 'gru', '--hidden', '1.5'],
    ['show', 'gru', '--hidden='],
    ['show', 'gru', '--Format', 'dot'],
    ['show', 'gru', '--', '--format'],
    ['show', '', '--format', 'dot'],
    ['show', '-'],
    ['--format', 'dot', 'show', 'gru'], // the command word first
    ['cells'],
  ];
  for (const argv of others) assert.equal(showArgs(argv), undefined, argv.join(' '));
});

test('an option this parser does not understand leaves every line to yargs', () => {
  const aliased = { ...showSimple, options: { ...showSimple.options, format: { ...showSimple.options.format, alias: 'f' } } };
  assert.equal(simpleArgs('show <cell>', aliased, ['show', 'gru', '--format', 'dot']), undefined);
  const numericCell = { ...showSimple, positionals: { cell: { type: 'number' as const } } };
  assert.equal(simpleArgs('show <cell>', numericCell, ['show', '12']), undefined);
  assert.equal(simpleArgs('show [cell]', showSimple, ['show', 'gru']), undefined, 'an optional positional');
  assert.deepEqual(usagePositionals('import <source> <file>'), ['source', 'file']);
  assert.equal(usagePositionals('show <cells..>'), undefined);
});

test('through the CLI: help and bad flags of show are still yargs\', with exit 2 for a mistake', () => {
  for (const argv of [['show', '--help'], ['show', 'gru', '--help']]) {
    const r = runCli(argv);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^cellsearch show <cell>\n\nPrint a cell/);
    assert.match(r.stdout, /--format +text = the cell notation +\[choices: "text", "dot", "json"\] \[default: "text"\]/);
  }
  const cases: [string[], RegExp][] = [
    [['show', 'gru', '--bogus'], /^cellsearch: Unknown argument: bogus\n/],
    [['show', 'gru', '--format', 'svg'], /Invalid values:\n {2}Argument: format, Given: "svg", Choices: "text", "dot", "json"/],
    [['show'], /Not enough non-option arguments: got 0, need at least 1/],
    [['show', 'gru', '--hidden', 'abc'], /^cellsearch: --hidden must be a positive integer, got NaN\n$/],
    [['show', 'gru', '--format', 'dot', '--format', 'json'], /^cellsearch: --format takes one of text, dot, json, once; got dot,json\n$/],
  ];
  for (const [argv, message] of cases) {
    const r = runCli(argv);
    assert.equal(r.status, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '', argv.join(' '));
    assert.match(r.stderr, message, argv.join(' '));
  }
});
