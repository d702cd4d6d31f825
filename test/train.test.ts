// `cellsearch train` and `cellsearch runs` through the real CLI, with the real engine and tiny
// trainings: recording, resume of a finished study, refusal of a changed configuration, the
// same results for any number of workers, failures and retry-failed, refusal of bad flag values
// before anything is written, Ctrl-C.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, repoRoot, runCli, tempDir } from './helpers.ts';
import { openSqliteStorage } from '../runs/sqlite.ts';

// A few seconds of training per evaluation.
const TINY = ['--task', 'memorize', '--steps', '30', '--eval-every', '10', '--valid-batches', '2'];

async function results(db: string, name: string) {
  const s = openSqliteStorage(db, { readonly: true });
  try {
    const e = await s.getExperiment(name);
    assert.ok(e);
    const rows = [];
    for (const v of await s.evaluations(e.id)) rows.push({ key: v.key, seed: v.seed, status: v.status, steps: v.steps, metrics: v.metrics, hp: v.hyperparameters, curve: await s.curve(v.id) });
    return rows;
  } finally {
    await s.close();
  }
}

test('train records its evaluations; the same command again resumes a finished study; workers 1 = workers 2', async () => {
  const dir = tempDir();
  const db1 = join(dir, 'one.sqlite');
  const db2 = join(dir, 'two.sqlite');
  const args = ['train', '--cell', 'gru', ...TINY, '--repeats', '2', '--name', 'pair'];
  const a = runCli([...args, '--db', db1, '--workers', '1']);
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stdout, /^cell\s+trial\s+status/m);
  assert.equal(a.stdout.match(/^gru\s+[01]\s+done\s+30\b/gm)?.length, 2, a.stdout);
  assert.match(a.stderr, /step 30\/30/, 'plain progress lines when not on a terminal');
  const first = await results(db1, 'pair');
  assert.equal(first.length, 2);
  assert.ok(first.every((r) => r.status === 'done' && r.curve.length === 3 && typeof r.metrics?.testAccuracy === 'number'));
  assert.equal(new Set(first.map((r) => r.seed)).size, 2, 'each repeat has its own seed');
  assert.notDeepEqual(first[0].metrics, first[1].metrics);

  const b = runCli([...args, '--db', db2, '--workers', '2']);
  assert.equal(b.status, 0, b.stderr);
  assert.deepEqual(await results(db2, 'pair'), first, 'the same numbers with 2 workers');

  const again = runCli([...args, '--db', db1]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /resuming 'pair'/);
  assert.doesNotMatch(again.stderr, /training/);
  assert.deepEqual(await results(db1, 'pair'), first);

  const before = await results(db1, 'pair');
  const changed = runCli([...args, '--db', db1, '--lr', '0.5']);
  assert.equal(changed.status, 2);
  assert.match(changed.stderr, /exists with a different configuration/);
  assert.match(changed.stderr, /learningRate: stored 1, given 0\.5/);
  assert.deepEqual(await results(db1, 'pair'), before);

  const list = runCli(['runs', '--db', db1]);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /pair\s+train\s+done\s+2\/2\s+2\s+0\s+0\s+0\s+0/);
});

test('a failing training is recorded as failed with its error; runs retry-failed re-queues it', async () => {
  const dir = tempDir();
  const db = join(dir, 'fail.sqlite');
  // Every flag passes the command's checks (the memory estimate included), but a 300-character
  // corpus cannot fill one batch of a 1,000-step stream: the job fails in the worker, every attempt.
  const corpus = join(dir, 'corpus.txt');
  writeFileSync(corpus, 'abcde '.repeat(50));
  const r = runCli(['train', '--cell', 'gru', '--task', 'text', '--data-dir', corpus, '--batch', '1', '--unroll', '1000', '--steps', '30', '--db', db, '--name', 'big', '--max-attempts', '2']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /attempt 1 failed, will retry/);
  assert.match(r.stderr, /attempt 2 failed, giving up/);
  assert.match(r.stdout, /failed: gru trial 0: .*the train split of .*corpus\.txt \(\d+ characters\) is too short for batch size 1 and unroll 1000/);
  const [row] = await results(db, 'big');
  assert.equal(row.status, 'failed');
  const retry = runCli(['runs', 'retry-failed', '--db', db, '--name', 'big']);
  assert.equal(retry.status, 0, retry.stderr);
  assert.match(retry.stdout, /'big': 1 failed evaluation re-queued/);
  assert.match(runCli(['runs', '--db', db]).stdout, /big\s+train\s+interrupted\s+0\/1\s+0\s+0\s+0\s+1\s+0/);
  const s = openSqliteStorage(db, { readonly: true });
  const [e] = await s.listExperiments();
  assert.deepEqual((await s.events(e.id)).map((v) => v.kind).filter((k) => k !== 'start' && k !== 'created'), ['generation', 'running', 'attempt-failed', 'running', 'attempt-failed', 'finished', 'retry-failed']);
  await s.close();
});

test('a bad flag value is refused by the command, naming the flag, before any database is written', () => {
  const dir = tempDir();
  // Before yargs' own checks too: --cell is missing here, yet the message names --hidden.
  const big = runCli(['train', '--hidden', '5000', '--task', 'arithmetic'], { cwd: dir });
  assert.equal(big.status, 2, big.stderr);
  assert.match(big.stderr, /--hidden must be at most 4096/);
  // One flag of each command and kind (the wording of every rule: runs/flags.test.ts).
  const db = join(dir, 'x.sqlite');
  for (const [args, message] of [
    [['train', '--cell', 'gru', '--task', 'arithmetic', '--hidden', '5000'], /--hidden must be at most 4096, got 5000/],
    [['train', '--cell', 'gru', '--task', 'arithmetic', '--max-attempts', '0'], /--max-attempts must be at least 1, got 0/],
    [['search', '--tasks', 'arithmetic', '--max-attempts', '0'], /--max-attempts must be at least 1, got 0/],
    [['search', '--tasks', 'arithmetic', '--steps', '0'], /--steps must be at least 1, got 0/],
    [['ablate', '--cells', 'greff', '--tasks', 'arithmetic', '--trials', '1', '--max-attempts', '0'], /--max-attempts must be at least 1, got 0/],
    [['ablate', '--cells', 'greff', '--tasks', 'arithmetic', '--trials', '1', '--eval-every', '0'], /--eval-every must be at least 1, got 0/],
  ] as const) {
    const r = runCli([...args, '--db', db], { cwd: dir });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.equal(existsSync(db), false, `${args.join(' ')} wrote ${db}`);
  }
  assert.deepEqual(readdirSync(dir), [], 'nothing written (no runs/ folder either)');
});

test('runs refuses a foreign file without touching it, and says where it looked when there is no database', () => {
  const dir = tempDir();
  const path = join(dir, 'notes.sqlite');
  writeFileSync(path, 'not a database at all\n'.repeat(10));
  const before = readFileSync(path);
  // (train goes through the same check: runs/sqlite.test.ts tests it for writers and readers.)
  const r = runCli(['runs', '--db', path]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /not a SQLite database/);
  assert.deepEqual(readFileSync(path), before);
  const none = runCli(['runs'], { cwd: dir });
  assert.equal(none.status, 2);
  assert.match(none.stderr, /no databases in .*runs/);
});

test('Ctrl-C during train lets the running evaluation finish, exits 130, and the same command resumes', async () => {
  const dir = tempDir();
  const db = join(dir, 'int.sqlite');
  const args = ['train', '--cell', 'gru', ...TINY, '--repeats', '2', '--workers', '1', '--db', db, '--name', 'int'];
  const p = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let sent = false;
  p.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    if (!sent && /: training \(0\/2 finished\)/.test(stderr)) {
      sent = true;
      p.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => p.on('exit', (c) => resolve(c)));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /finishing the running evaluations/);
  assert.match(stderr, /interrupted: 1 evaluation finished, 1 still queued/);
  const mid = await results(db, 'int');
  assert.deepEqual(mid.map((r) => r.status), ['done', 'queued']);
  const resumed = runCli(args);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming 'int'/);
  assert.deepEqual((await results(db, 'int')).map((r) => r.status), ['done', 'done']);
});
