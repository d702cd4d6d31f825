// `cellsearch search --fidelity sha` end to end, with real training in small rungs (10, 30 and 90
// steps, arithmetic only, 30 evaluations: seconds of CPU): one worker or two give the same
// database, and a coordinator killed with SIGKILL while checkpoints are held, then resumed with the
// same command, ends with the uninterrupted run's database and no checkpoint left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { cliPath, repoRoot, runCli, tempDir } from './helpers.ts';
import { openSqliteStorage } from '../runs/sqlite.ts';

const NAME = 's';
const SHA = ['search', '--tasks', 'arithmetic', '--fidelity', 'sha', '--min-steps', '10', '--steps', '90', '--budget', '30', '--seed', '3', '--name', NAME];

/** What must not depend on the worker count or on a kill: every row but ids and times, the curves by key, the strategy state, the checkpoints. */
async function database(db: string) {
  const s = openSqliteStorage(db, { readonly: true });
  try {
    const e = (await s.getExperiment(NAME))!;
    const snap = (await s.snapshot(e.id))!;
    const keyOf = new Map(snap.evaluations.map((v) => [v.id, v.key]));
    return {
      status: snap.experiment.status,
      evaluations: snap.evaluations.map(({ id: _i, experimentId: _e, wallMs: _w, ...rest }) => rest),
      curves: [...snap.curves].map(([id, points]) => [keyOf.get(id), points]),
      strategy: snap.strategy && { generations: snap.strategy.generations, state: snap.strategy.state, finished: snap.strategy.finished },
      checkpoints: snap.checkpoints,
      checkpointBytes: await s.checkpointBytes(e.id),
    };
  } finally {
    await s.close();
  }
}

let reference: Awaited<ReturnType<typeof database>> | undefined;
async function uninterrupted() {
  if (!reference) {
    const db = join(tempDir(), 'a.sqlite');
    const r = runCli([...SHA, '--db', db, '--workers', '2']);
    assert.equal(r.status, 0, r.stderr);
    reference = await database(db);
  }
  return reference;
}

test('search --fidelity sha: trains in rungs, releases every checkpoint, and workers 1 = workers 2', async () => {
  const a = await uninterrupted();
  assert.equal(a.status, 'done');
  assert.ok(a.evaluations.every((e) => e.status === 'done' || e.status === 'diverged'), 'nothing failed');
  assert.ok(a.evaluations.some((e) => e.continues !== null), 'some evaluation continued a checkpoint');
  assert.ok(a.evaluations.some((e) => e.keepCheckpoint), 'some evaluation kept its checkpoint');
  assert.deepEqual(a.checkpoints, { count: 0, bytes: 0 }, 'no checkpoint is left when the search ends');
  assert.equal(a.checkpointBytes, 0);

  const db = join(tempDir(), 'b.sqlite');
  const b = runCli([...SHA, '--db', db, '--workers', '1']);
  assert.equal(b.status, 0, b.stderr);
  assert.deepEqual(await database(db), a);
});

test('search --fidelity sha: killed with SIGKILL while checkpoints are held and resumed, it ends with the uninterrupted database', async () => {
  const a = await uninterrupted();
  const db = join(tempDir(), 'k.sqlite');
  const args = [...SHA, '--db', db, '--workers', '1'];
  const p = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let killed = false;
  p.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    // With one worker, the 14th evaluation starts after exactly 13 results: generation 2, where
    // the first rung's survivors train on from their checkpoints.
    if (!killed && /: training \(13\/\d+ finished\)/.test(stderr)) {
      killed = true;
      p.kill('SIGKILL');
    }
  });
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => p.on('exit', (_c, s) => resolve(s)));
  assert.equal(signal, 'SIGKILL', stderr);
  const mid = await database(db);
  assert.equal(mid.status, 'running', 'a killed coordinator leaves the experiment marked running');
  // At least 13: the kill may land after the 14th result if this process is slow to react.
  assert.ok(mid.evaluations.filter((e) => e.status === 'done' || e.status === 'diverged').length >= 13);
  assert.ok(mid.checkpointBytes > 0, 'killed while checkpoints were held');
  assert.ok(mid.evaluations.some((e) => e.continues !== null && e.status !== 'done' && e.status !== 'diverged'), 'killed with a continuation still to train');

  const resumed = runCli(args);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming 's'/);
  const end = await database(db);
  assert.equal(end.checkpointBytes, 0, 'no checkpoint is left');
  assert.deepEqual(end, a);
});
