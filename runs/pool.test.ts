// The worker pool, with the fixture worker: results, progress, and every kind of failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { JobPool, resolveWorkers } from './pool.ts';
import { zooCell } from '../cells/zoo/index.ts';
import type { Job } from './job.ts';

export const FIXTURE_WORKER = fileURLToPath(new URL('./fixtures/fixture-worker.ts', import.meta.url));

const job = (hyperparameters: Job['hyperparameters'], seed = 1): Job => ({ evaluationId: 1, cell: {}, task: 'fixture', taskOptions: {}, hyperparameters, seed });

test('resolveWorkers: default = cores, never more, whole numbers only', () => {
  assert.deepEqual(resolveWorkers(undefined, 4), { workers: 4 });
  assert.deepEqual(resolveWorkers(2, 4), { workers: 2 });
  assert.equal(resolveWorkers(8, 2).workers, 2);
  assert.match(resolveWorkers(8, 2).note ?? '', /lowered to 2/);
  assert.throws(() => resolveWorkers(0, 2), /--workers/);
  assert.throws(() => resolveWorkers(1.5, 2), /--workers/);
});

test('the pool runs jobs, streams progress, and survives throwing, out-of-memory and exiting jobs', async () => {
  const pool = new JobPool({ handler: FIXTURE_WORKER, workers: 1, maxHeapMb: 64 });
  try {
    const points: number[] = [];
    const a = await pool.run(job({ x: 0.3, steps: 4 }, 9), { onProgress: (p) => points.push(p.step) });
    assert.ok(a.ok);
    assert.equal(a.reply.result.steps, 4);
    assert.deepEqual(a.reply.result.curve.map((p) => p.step), [1, 2, 3, 4]);
    assert.deepEqual(points, [1, 2, 3, 4]);

    const t = await pool.run(job({ mode: 'throw' }));
    assert.ok(!t.ok && !t.aborted);
    assert.match(t.error, /fixture job 1 throws/);
    const o = await pool.run(job({ mode: 'oom' }));
    assert.ok(!o.ok);
    assert.match(o.error, /out of memory.*64 MB/);
    const e = await pool.run(job({ mode: 'exit' }));
    assert.ok(!e.ok);
    assert.match(e.error, /exited \(code 3\)/);
    const bad = await pool.run({ ...job({}), seed: -1 });
    assert.ok(!bad.ok);
    assert.match(bad.error, /invalid job/);

    // The pool still works after every failure, and results depend on the job only.
    const b = await pool.run(job({ x: 0.3, steps: 4 }, 9));
    assert.ok(b.ok);
    assert.deepEqual(b.reply.result, a.reply.result);
  } finally {
    await pool.destroy();
  }
});

test('the training worker gets its job parsed: a job with a bad part is refused in the coordinator, naming the part', async () => {
  const pool = new JobPool({ workers: 1 });
  try {
    const bad = await pool.run({ evaluationId: 7, cell: { states: ['h'], nodes: [], outputs: { h: 'h' } }, task: 'sudoku', taskOptions: {}, hyperparameters: {}, seed: 1 });
    assert.ok(!bad.ok && !bad.aborted);
    assert.match(bad.error, /^invalid job 7: cell: /);
    const gru = JSON.parse(JSON.stringify(zooCell('gru')));
    const task = await pool.run({ evaluationId: 7, cell: gru, task: 'sudoku', taskOptions: {}, hyperparameters: {}, seed: 1 });
    assert.ok(!task.ok);
    assert.match(task.error, /^invalid job 7: task: unknown task "sudoku"/);
    const hp = await pool.run({ evaluationId: 7, cell: gru, task: 'memorize', taskOptions: {}, hyperparameters: { hidden: 0 }, seed: 1 });
    assert.ok(!hp.ok);
    assert.match(hp.error, /^invalid job 7: hyperparameters: .*hidden/);
  } finally {
    await pool.destroy();
  }
});

test('aborting a job terminates it and reports it as aborted', async () => {
  const pool = new JobPool({ handler: FIXTURE_WORKER, workers: 1 });
  try {
    const ac = new AbortController();
    // Aborted once it reports progress: it is running then (not still queued behind a starting
    // thread), and it never ends by itself.
    const r = await pool.run(job({ mode: 'hang' }), { signal: ac.signal, onProgress: () => ac.abort() });
    assert.ok(!r.ok && r.aborted);
    // The pool replaces the terminated thread.
    const after = await pool.run(job({ x: 0.3 }));
    assert.ok(after.ok);
  } finally {
    await pool.destroy();
  }
});
