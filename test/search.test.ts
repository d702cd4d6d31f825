// `cellsearch search` end to end, with real training at a shrunk fidelity (arithmetic only, 30
// steps per evaluation, 10 evaluations): the same leaderboard and database for --workers 1 and 2,
// after a SIGKILL and a resume, and after a --time stop and a resume; the printed leaderboard is
// the database's; a changed config is refused; bad flags exit 2; the report reads the database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, repoRoot, runCli, tempDir } from './helpers.ts';
import { openSqliteStorage } from '../runs/sqlite.ts';
import { leaderboard } from '../search/strategies/index.ts';
import { writeReport } from '../runs/report/index.ts';

const NAME = 's';
const SMALL = ['search', '--tasks', 'arithmetic', '--steps', '30', '--budget', '10', '--seed', '3', '--name', NAME];

async function rows(db: string) {
  const s = openSqliteStorage(db, { readonly: true });
  try {
    const e = (await s.getExperiment(NAME))!;
    const evaluations = await s.evaluations(e.id);
    return {
      status: e.status,
      evaluations,
      comparable: evaluations.map((v) => ({ key: v.key, generation: v.generation, ordinal: v.ordinal, status: v.status, metrics: v.metrics, steps: v.steps, hp: v.hyperparameters })),
      state: (await s.strategyState(e.id))?.state,
    };
  } finally {
    await s.close();
  }
}

/** The printed leaderboard, without the line naming the database file. */
const board = (stdout: string) => stdout.split('\n').filter((l) => !l.startsWith('recorded in')).join('\n');

/** Printed rows: [short hash, score]. */
const printedScores = (stdout: string) => [...stdout.matchAll(/^\s+\d+\s+([0-9a-f]{8}) \S+\s+([\d.]+)/gm)].map((m) => [m[1], Number(m[2])]);

let reference: { db: string; stdout: string } | undefined;
function referenceRun() {
  if (!reference) {
    const db = join(tempDir(), 'a.sqlite');
    const r = runCli([...SMALL, '--db', db, '--workers', '2']);
    assert.equal(r.status, 0, r.stderr);
    reference = { db, stdout: r.stdout };
  }
  return reference;
}

test('search: the printed leaderboard and funnel are the database\'s; workers 1 = workers 2; the report reads it', async () => {
  const a = referenceRun();
  const ra = await rows(a.db);
  assert.equal(ra.status, 'done');
  assert.equal(ra.evaluations.length, 10);
  assert.match(a.stdout, /^rank\s+architecture\s+score\s+arithmetic acc \(× GRU\)/m);
  assert.match(a.stdout, /ea788a06 gru\s+1\.000/, 'the GRU is the reference: score 1');
  assert.match(a.stdout, /ed45ffcc lstm/);
  const theirs = leaderboard(ra.evaluations, ['arithmetic'], 'validAccuracy');
  assert.deepEqual(printedScores(a.stdout), theirs.map((r) => [r.architecture.slice(0, 8), Number(r.score.toFixed(3))]));
  const funnel = (ra.state as { funnel: { proposed: number; passedMemorize: number } }).funnel;
  assert.ok(funnel.proposed >= 1);
  assert.match(a.stdout, new RegExp(`funnel \\(recorded by the strategy\\): proposed ${funnel.proposed}, passed memorization ${funnel.passedMemorize},`));

  const db1 = join(tempDir(), 'b.sqlite');
  const b = runCli([...SMALL, '--db', db1, '--workers', '1']);
  assert.equal(b.status, 0, b.stderr);
  assert.deepEqual((await rows(db1)).comparable, ra.comparable);
  assert.equal(board(b.stdout), board(a.stdout));

  const out = join(tempDir(), 'report');
  const r = await writeReport({ db: a.db, out });
  assert.ok(existsSync(r.html));
  const md = readFileSync(r.markdown, 'utf8');
  assert.match(md, /^## Leaderboard$/m);
  assert.deepEqual(
    r.analysis!.archs.filter((s) => s.score !== null).map((s) => [s.hash.slice(0, 8), Number(s.score!.toFixed(3))]),
    printedScores(a.stdout),
  );
});

test('search: killed with SIGKILL and resumed, it ends with the uninterrupted leaderboard and database', async () => {
  const a = referenceRun();
  const db = join(tempDir(), 'k.sqlite');
  const args = [...SMALL, '--db', db, '--workers', '1'];
  const p = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let killed = false;
  p.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    // Killed while the 5th evaluation trains (generation 1 or 2: mid-study).
    if (!killed && /: training \(4\/\d+ finished\)/.test(stderr)) {
      killed = true;
      p.kill('SIGKILL');
    }
  });
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => p.on('exit', (_c, s) => resolve(s)));
  assert.equal(signal, 'SIGKILL', stderr);
  const mid = await rows(db);
  assert.equal(mid.status, 'running', 'a killed coordinator leaves the experiment marked running');
  assert.ok(mid.evaluations.filter((e) => e.status === 'done' || e.status === 'diverged').length >= 4);
  assert.ok(mid.evaluations.length < 10 || mid.evaluations.some((e) => e.status !== 'done' && e.status !== 'diverged'));
  const resumed = runCli(args);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming 's'/);
  assert.deepEqual((await rows(db)).comparable, (await rows(a.db)).comparable);
  assert.equal(board(resumed.stdout), board(a.stdout));
});

test('search: --time stops the session (exit 0) with the rest queued, and the same command without it ends as the uninterrupted run', async () => {
  const a = referenceRun();
  const db = join(tempDir(), 't.sqlite');
  // The test clock (runs/clock.ts) advances 1 s per recorded result, whatever the machine's
  // speed: the 2.5 s limit passes when the 3rd result is recorded, while nothing else runs (1 worker).
  const cut = runCli([...SMALL, '--db', db, '--workers', '1', '--time', '2.5s'], { env: { CELLSEARCH_TEST_CLOCK: '1000' } });
  assert.equal(cut.status, 0, cut.stderr);
  assert.match(cut.stderr, /time limit \(2\.5s\) reached: finishing the running evaluations, starting no more/);
  assert.match(cut.stderr, /(^|\n)time limit/, 'the message starts a line of its own (a line break, not an escaped "\\n")');
  assert.doesNotMatch(cut.stderr, /\\ntime limit/);
  const mid = await rows(db);
  assert.equal(mid.status, 'interrupted');
  assert.equal(mid.evaluations.filter((e) => e.status === 'done' || e.status === 'diverged').length, 3, 'stopped at the 3rd result');
  assert.ok(mid.evaluations.every((e) => e.status !== 'running'), 'the running evaluations finished before the stop');
  const resumed = runCli([...SMALL, '--db', db, '--workers', '1']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.deepEqual((await rows(db)).comparable, (await rows(a.db)).comparable);
  assert.equal(board(resumed.stdout), board(a.stdout));
});

test('search: a different config under the same name is refused with the difference; bad flags exit 2', async () => {
  const a = referenceRun();
  const before = await rows(a.db);
  const changed = runCli([...SMALL.map((v) => (v === '30' ? '40' : v)), '--db', a.db]);
  assert.equal(changed.status, 2, changed.stderr);
  assert.match(changed.stderr, /maxSteps/);
  assert.deepEqual(await rows(a.db), before, 'the study is unchanged');

  const bad = runCli(['search', '--tasks', 'arithmetic,memorize']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--tasks: 'memorize' cannot be scored by a search/);
  const strategy = runCli(['search', '--strategy', 'greedy']);
  assert.equal(strategy.status, 2);
  assert.match(strategy.stderr, /strategy/);
});
