// The CLI's contract with its user: exit codes and messages for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './helpers.ts';
import { COMMANDS, COMMAND_WORDS } from '../commands/list.ts';

test('no command exits 2 and asks for one', () => {
  const r = runCli([]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /Name a command/);
});

test('--version prints the package version', () => {
  const r = runCli(['--version']);
  assert.equal(r.status, 0);
  assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+$/);
});

test('an unknown command exits 2 and names it', () => {
  const r = runCli(['frobnicate']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /Unknown command: frobnicate/);
});

test('cellsearch cells lists every zoo cell with its parameter count', () => {
  const r = runCli(['cells', '--hidden', '10']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^key\s+name\s+states\s+params@H=10\s+description$/);
  assert.equal(lines.length, 1 + 20);
  // GRU: three linear maps of (x, h) with biases: 3 * (2 * 10 * 10 + 10) = 630.
  assert.match(r.stdout, /^gru\s+GRU\s+h\s+630\s+Gated recurrent unit/m);
  // Vanilla LSTM with peepholes: 4 * 210 + 3 * 10 = 870.
  assert.match(r.stdout, /^greff-vanilla\s+Vanilla LSTM\s+h,c\s+870\s+/m);
  assert.match(r.stdout, /^greff-fgr\s+FGR\s+h,c,i,f,o\s+/m);
  for (const key of ['tanh-rnn', 'lstm', 'lstm-f', 'lstm-i', 'lstm-o', 'lstm-b', 'mut1', 'mut2', 'mut3', 'greff-nig', 'greff-cifg']) {
    assert.match(r.stdout, new RegExp(`^${key}\\s`, 'm'));
  }
});

test('cellsearch cells --json, and a bad --hidden exits 2', () => {
  const r = runCli(['cells', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout);
  assert.deepEqual(rows.find((x: { key: string }) => x.key === 'tanh-rnn'), {
    key: 'tanh-rnn',
    name: 'Tanh RNN',
    paper: 'Jozefowicz 2015',
    states: ['h'],
    params: 2 * 128 * 128 + 128,
    description: 'Plain recurrent network: h = tanh(W_xh x + W_hh h + b)',
  });
  const bad = runCli(['cells', '--hidden', '0']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--hidden must be a positive integer, got 0/);
  const nan = runCli(['cells', '--hidden', 'abc']);
  assert.equal(nan.status, 2);
  assert.match(nan.stderr, /--hidden must be a positive integer, got something that is not a number/);
});

test('an unknown command with --help exits 2 and names it instead of printing the general help', () => {
  for (const args of [['wrker', '--help'], ['-h', 'frobnicate'], ['wrker', 'x', '--help']]) {
    const r = runCli(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /Unknown command: (wrker|frobnicate)/);
    assert.equal(r.stdout, '');
  }
  const known = runCli(['train', '--help']);
  assert.equal(known.status, 0, known.stderr);
  assert.match(known.stdout, /--cell/);
});

test('cellsearch --help lists every command of commands/list.ts, and each loads the module of that command', async () => {
  const r = runCli(['--help']);
  assert.equal(r.status, 0, r.stderr);
  const flat = r.stdout.replace(/\s+/g, ' ');
  for (const w of COMMAND_WORDS) {
    const { command, describe } = COMMANDS[w];
    assert.ok(flat.includes(`cellsearch ${command}`), `--help lacks ${command}`);
    // The help wraps long summaries; their first words are on the command's line.
    assert.ok(flat.includes(describe.split(' ').slice(0, 4).join(' ')), `--help lacks the summary of ${w}`);
    const module = await COMMANDS[w].load();
    assert.equal(module.command, command, `${w}: the loaded module is another command`);
    assert.equal(module.describe, describe);
    assert.equal(typeof module.handler, 'function');
  }
});

test('a command runs with its own options though the others are registered by their head alone', () => {
  const r = runCli(['show', 'gru', '--format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).name, 'GRU');
  const typo = runCli(['shwo', 'gru']);
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /Did you mean show\?/);
});
