// commands/usage.ts answers `cellsearch --help` without yargs: its layout must be yargs' own, at
// every width the help can be wrapped to (commands/usage.ts's MIN_HELP_WIDTH to 110).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cliParser } from '../commands/parser.ts';
import { MIN_HELP_WIDTH, helpWidth, topLevelHelp } from '../commands/usage.ts';
import { packageVersion } from '../package-files.ts';
import { runCli } from './helpers.ts';

test('the top-level help of commands/usage.ts is the one yargs prints, at every width', async () => {
  for (let width = MIN_HELP_WIDTH; width <= 110; width++) {
    const yargsHelp = await (await cliParser([], undefined, width)).getHelp();
    assert.equal(topLevelHelp(width), yargsHelp, `width ${width}`);
  }
  assert.throws(() => topLevelHelp(MIN_HELP_WIDTH - 1), RangeError);
});

test('the help is wrapped to the terminal, at most 110 columns, and to 100 when not a terminal', () => {
  assert.equal(helpWidth(undefined), 100);
  assert.equal(helpWidth(0), 100);
  assert.equal(helpWidth(80), 80);
  assert.equal(helpWidth(200), 110);
});

test('cellsearch --help and -h print the help of width 100 and exit 0; --version prints the version', () => {
  for (const flag of ['--help', '-h']) {
    const r = runCli([flag]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, topLevelHelp(100) + '\n');
    assert.equal(r.stderr, '');
  }
  const v = runCli(['--version']);
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stdout, `${packageVersion()}\n`);
});
