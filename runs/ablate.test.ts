import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zooCell } from '../cells/zoo/index.ts';
import { isUserError } from '../errors.ts';
import { ablateStudy, ablationRows, type AblateRequest } from './ablate.ts';
import { TrainHyperparamsSchema } from './train-hyperparams.ts';
import type { Evaluation } from './storage.ts';

const base = (over: Partial<AblateRequest> = {}): AblateRequest => ({
  cells: ['greff-vanilla', 'greff-noaf'].map((ref) => ({ ref, cell: zooCell(ref) })),
  cellsLabel: 'pair',
  baseline: 'greff-vanilla',
  tasks: ['arithmetic'],
  trials: 4,
  space: 'greff',
  scale: 'tiny',
  metric: 'loss',
  seed: 2,
  ...over,
});

const userError = (re: RegExp) => (err: unknown) => isUserError(err) && re.test((err as Error).message);

test('ablateStudy: one proposal per (task, trial, cell), paired settings, the budget overrides, a config that names everything', () => {
  const s = ablateStudy(base({ budget: { maxSteps: 50 } }));
  assert.equal(s.spec.kind, 'ablate');
  assert.equal(s.spec.name, 'ablate-pair-arithmetic');
  assert.equal(s.proposals.length, 8);
  for (let t = 0; t < 4; t++) {
    const [a, b] = s.proposals.filter((p) => p.trial === t);
    assert.notEqual(a.architecture.hash, b.architecture.hash);
    assert.deepEqual(a.hyperparameters, b.hyperparameters);
    const hp = TrainHyperparamsSchema.parse(a.hyperparameters);
    assert.equal(hp.maxSteps, 50);
    assert.equal(hp.evalEvery, 100, 'the rest of the budget from the preset');
    assert.ok(hp.inputNoise >= 0 && hp.inputNoise <= 1, 'the sampled Greff input noise is applied');
  }
  assert.equal(s.config.baseline, 'greff-vanilla');
  assert.deepEqual(s.config.tasks.map((t) => t.name), ['arithmetic']);
  const again = ablateStudy(base({ budget: { maxSteps: 50 } }));
  assert.deepEqual([again.spec, again.config, again.proposals], [s.spec, s.config, s.proposals], 'deterministic');
});

test('ablateStudy refuses what cannot be an ablation', () => {
  assert.throws(() => ablateStudy(base({ baseline: 'gru' })), userError(/--baseline gru is not one of the cells/));
  assert.throws(() => ablateStudy(base({ cells: [{ ref: 'gru', cell: zooCell('gru') }], baseline: 'gru' })), userError(/at least 2 cells/));
  assert.throws(() => ablateStudy(base({ cells: [{ ref: 'gru', cell: zooCell('gru') }, { ref: './my-cell.txt', cell: zooCell('gru') }], baseline: 'gru' })), userError(/same architecture/));
  assert.throws(() => ablateStudy(base({ trials: 0 })), userError(/--trials/));
  assert.throws(() => ablateStudy(base({ tasks: ['arithmetic', 'arithmetic'] })), userError(/twice/));
  assert.throws(() => ablateStudy(base({ tasks: ['nope'] })), (e: unknown) => isUserError(e) && /nope/.test((e as Error).message));
  assert.throws(() => ablateStudy(base({ budget: { maxSteps: 0 } })), userError(/--steps must be at least 1, got 0/));
});

test('ablationRows: labels, trial numbers, the space parameters and the chosen metric; diverged trials have no test value', () => {
  const s = ablateStudy(base({ metric: 'accuracy' }));
  const cells = new Map(s.proposals.map((p) => [p.architecture.hash, p.architecture.cell as never]));
  const evals: Evaluation[] = s.proposals.map((p, i) => ({
    id: i + 1,
    experimentId: 1,
    key: JSON.stringify([p.architecture.hash, p.task, String(p.trial)]),
    generation: 0,
    ordinal: i,
    architecture: p.architecture.hash,
    task: p.task,
    taskOptions: p.taskOptions,
    hyperparameters: p.hyperparameters,
    seed: i,
    status: i === 1 ? 'diverged' : 'done',
    metrics: { validAccuracy: 0.5 + i / 100, testAccuracy: 0.4 + i / 100, validLoss: 1, testLoss: 2 },
    steps: 10,
    wallMs: 1,
    error: null,
    attempts: 0,
    continues: null,
    keepCheckpoint: false,
  }));
  const rows = ablationRows(s.config, evals, cells);
  assert.deepEqual(rows.map((r) => [r.variant, r.trial]).slice(0, 3), [['greff-vanilla', 0], ['greff-noaf', 0], ['greff-vanilla', 1]]);
  assert.equal(rows[0].valid, 0.5);
  assert.equal(rows[0].test, 0.4);
  assert.ok(Number.isNaN(rows[1].test));
  assert.deepEqual(Object.keys(rows[0].params), ['hidden', 'learningRate', 'momentum', 'inputNoise']);
  assert.equal(rows[1].features.hasOutputActivation, false);
  assert.equal(rows[0].features.hasOutputActivation, true);
});
