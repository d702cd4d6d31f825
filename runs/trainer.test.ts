// The training job in-process (no thread): deterministic, scored on valid and test, and its
// parts parsed at the boundary (runs/training-job.ts, which the pool applies before a thread sees
// the job).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from '../cells/canonical.ts';
import { zooCell } from '../cells/zoo/index.ts';
import { JobResultSchema, type Job, type Progress } from './job.ts';
import type { CurvePoint } from './storage.ts';
import { trainJob as trainParsed } from './trainer.ts';
import { trainingJob } from './training-job.ts';

/** A job parsed as the pool parses it, then trained as its thread trains it. */
const trainJob = (j: Job, progress: (p: Progress) => void, curve?: (p: CurvePoint) => void) => trainParsed(trainingJob(j), progress, curve);

const hp = {
  space: 'jozefowicz', hidden: 8, layers: 1, initScale: 1, optimizer: 'sgd', learningRate: 1, momentum: 0, clip: 5, inputNoise: 0,
  batch: 8, unroll: 12, maxSteps: 12, evalEvery: 6, validBatches: 2, patience: 1, maxHalvings: 1,
};
const job = (over: Record<string, unknown> = {}, seed = 5): Job => ({
  evaluationId: 1,
  cell: JSON.parse(canonicalJson(zooCell('gru'))),
  task: 'memorize',
  taskOptions: { validSize: 16, testSize: 16 },
  hyperparameters: { ...hp, ...over },
  seed,
});

test('a training job is a pure function of the job: same job, same result', () => {
  const progress: Progress[] = [];
  const points: CurvePoint[] = [];
  const a = trainJob(job(), (p) => progress.push(p), (p) => points.push(p));
  assert.equal(a.status, 'done');
  assert.equal(a.steps, 12);
  assert.deepEqual(a.curve.map((p) => p.step), [6, 12]);
  for (const k of ['validLoss', 'validAccuracy', 'testLoss', 'testAccuracy', 'testPerplexity']) assert.equal(typeof a.metrics[k], 'number', k);
  assert.ok(progress.some((p) => p.validLoss !== undefined), 'validations are reported as progress');
  assert.deepEqual(points, a.curve, 'each point of the curve is reported as the result holds it, while training');
  assert.deepEqual(trainJob(job(), () => {}), a);
  assert.notDeepEqual(trainJob(job({}, 6), () => {}).metrics, a.metrics, 'another seed, other data and weights');
  assert.notDeepEqual(trainJob(job({ inputNoise: 0.5 }), () => {}).curve, a.curve, 'input noise reaches the engine');
});

test('a training job with bad hyperparameters, cell, task or checkpoint is refused with a message', () => {
  assert.throws(() => trainingJob(job({ learningRate: -1 })), /invalid job 1: hyperparameters: .*learningRate/);
  assert.throws(() => trainingJob({ ...job(), cell: { states: ['h'], nodes: [], outputs: {} } }), /invalid job 1: cell: .*job 1/);
  assert.throws(() => trainingJob({ ...job(), task: 'sudoku' }), /invalid job 1: task: unknown task/);
  assert.throws(() => trainingJob({ ...job(), taskOptions: { length: 0 } }), /invalid job 1: task: task memorize: bad options/);
  assert.throws(() => trainingJob({ ...job(), resumeFrom: new Uint8Array([1, 2, 3]) }), /invalid job 1: resumeFrom: not a usable checkpoint/);
});

test('a job continued from the checkpoint of a shorter job equals one uninterrupted job', () => {
  // Nesterov momentum and input noise: optimiser buffers and a generator travel in the checkpoint.
  const over = { optimizer: 'nesterov', momentum: 0.9, learningRate: 0.3, inputNoise: 0.3 };
  const whole = trainJob(job({ ...over, maxSteps: 12 }), () => {});
  // Cut off (5) and on (6) the evaluation grid, continued twice.
  let resumeFrom: Uint8Array | undefined;
  let last = whole;
  for (const maxSteps of [5, 6, 12]) {
    // Through the thread boundary, as the pool sends jobs and results: a Buffer becomes a Uint8Array.
    last = JobResultSchema.parse(structuredClone(trainJob({ ...job({ ...over, maxSteps }), resumeFrom, checkpoint: true }, () => {})));
    resumeFrom = last.checkpoint;
    assert.ok(resumeFrom instanceof Uint8Array && resumeFrom.length > 0);
  }
  const { checkpoint: _, ...continued } = last;
  assert.deepStrictEqual(continued, whole);
  assert.notDeepEqual(trainJob(job({ ...over, maxSteps: 5 }), () => {}).metrics, whole.metrics, 'the cut is a real one');
  assert.throws(() => trainJob({ ...job({ ...over, hidden: 9 }), resumeFrom }, () => {}), /hidden: the checkpoint's is 8, the model's 9/);
});
