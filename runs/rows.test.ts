import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { inspect } from 'node:util';
import Database from 'better-sqlite3';
import seedrandom from 'seedrandom';
import { isUserError } from '../errors.ts';
import { tempDir } from '../test/helpers.ts';
import { evaluationProblem } from './evaluation-check.ts';
import { toEvaluation, type EvaluationRow } from './rows.ts';
import { openSqliteStorage } from './sqlite.ts';
import { EVALUATION_STATUSES, EvaluationSchema, type Evaluation } from './storage.ts';

type Candidate = Record<keyof Evaluation, unknown>;

/** A valid evaluation, varied by `rng` over what the schema allows (nulls, empty objects, nesting). */
function validEvaluation(rng: () => number): Candidate {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const n = (max: number) => Math.floor(rng() * max);
  return {
    id: 1 + n(1e6),
    experimentId: n(100),
    key: pick(['["a","t","0"]', '', 'k é ✓']),
    generation: n(50),
    ordinal: n(20),
    architecture: pick(['a1', 'ff'.repeat(32)]),
    task: pick(['arithmetic', 'ptb']),
    taskOptions: pick([{}, { size: 3 }, { nested: { deep: [1, 'x', null, true, { a: [] }] } }]),
    hyperparameters: pick([{}, { lr: 0.5, layers: [1, 2], decay: null }]),
    seed: n(2 ** 31),
    status: pick(EVALUATION_STATUSES),
    metrics: pick([null, {}, { accuracy: rng(), loss: null }, { 'a b': -1e300 }]),
    steps: pick([null, 0, n(1e5)]),
    wallMs: pick([null, 0, rng() * 1e4]),
    error: pick([null, '', 'out of memory']),
    attempts: n(4),
    continues: pick([null, '["a","t","1"]']),
    keepCheckpoint: rng() < 0.5,
  };
}

class Foreign {
  x = 1;
}

/** Bad values of every kind the schema's fields could meet, and a few the schema accepts (edges). */
const VALUES: unknown[] = [
  undefined, null, true, false, 0, -0, 1, -1, 1.5, -2.5, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53), 2 ** 53 - 1, 1e300,
  '', 'x', '1', 'queued', 'done', 'bogus', [], [1], {}, { a: 1 }, { a: null }, { a: 'x' }, { a: NaN }, { a: Infinity }, { a: [1, { b: undefined }] },
  { a: () => 1 }, { a: new Date(0) }, { a: new Foreign() }, new Date(0), new Foreign(), Object.create(null), 10n, Symbol('s'), () => 1,
];

const accepts = (c: Candidate) => EvaluationSchema.safeParse(c).success;

test('the fast check accepts and refuses exactly what EvaluationSchema does: generated rows, each field given each kind of value', () => {
  const rng = seedrandom('rows');
  const fields = Object.keys(EvaluationSchema.shape) as (keyof Evaluation)[];
  let refused = 0;
  for (let i = 0; i < 50; i++) {
    const valid = validEvaluation(rng);
    assert.equal(accepts(valid), true, `generated row ${i} is valid`);
    assert.equal(evaluationProblem(valid), undefined, `generated row ${i}`);
    for (const field of fields) {
      for (const value of VALUES) {
        const c = { ...valid, [field]: value };
        const problem = evaluationProblem(c);
        assert.equal(problem === undefined, accepts(c), `${field} = ${inspect(value)}`);
        if (problem) {
          refused++;
          assert.equal(problem.field, field);
        }
      }
    }
  }
  assert.ok(refused > 50 * fields.length * 10, `most values refused somewhere (${refused})`);
});

/** A row as SQLite returns it for `e`. */
function rowOf(e: Candidate): EvaluationRow {
  const j = (v: unknown) => (v === null ? null : JSON.stringify(v));
  return {
    id: e.id, experiment_id: e.experimentId, key: e.key, generation: e.generation, ordinal: e.ordinal, architecture: e.architecture, task: e.task,
    task_options: j(e.taskOptions), hyperparameters: j(e.hyperparameters), seed: e.seed, status: e.status, metrics: j(e.metrics), steps: e.steps,
    wall_ms: e.wallMs, error: e.error, attempts: e.attempts, continues: e.continues, keep_checkpoint: e.keepCheckpoint ? 1 : 0,
  } as EvaluationRow;
}

test('toEvaluation returns what the schema parses, key order included; a refused row names its id and column', () => {
  const rng = seedrandom('to-evaluation');
  for (let i = 0; i < 50; i++) {
    const row = rowOf(validEvaluation(rng));
    const e = toEvaluation(row);
    assert.equal(JSON.stringify(e), JSON.stringify(EvaluationSchema.parse(e)));
    assert.equal(toEvaluation({ ...row, keep_checkpoint: true }).keepCheckpoint, true, 'PostgreSQL booleans');
  }
  const row = { ...rowOf(validEvaluation(rng)), id: 17 };
  const refused = (bad: Partial<EvaluationRow>, message: RegExp) => {
    assert.throws(() => toEvaluation({ ...row, ...bad } as EvaluationRow), (err: unknown) => isUserError(err) && message.test(err.message));
  };
  refused({ metrics: '{"loss":"x"}' }, /evaluations row id 17 .*column metrics\["loss"\]: expected a number or null, got string/);
  refused({ wall_ms: 'slow' } as never, /row id 17 .*column wall_ms: expected a number, got string/);
  refused({ status: 'paused' }, /row id 17 .*column status: expected one of queued, running/);
  refused({ task_options: '[1]' }, /row id 17 .*column task_options: expected a JSON object/);
  refused({ hyperparameters: '{"lr": 0.5' }, /row id 17 .*column hyperparameters: not JSON text/);
  refused({ attempts: -1 }, /row id 17 .*column attempts: expected a non-negative integer, got -1/);
  refused({ id: '17' } as never, /evaluations row without a valid id .*column id: expected an integer, got string/);
});

test('a corrupt evaluation row in a real SQLite database is refused with its id and column, and the file is left as it was', async () => {
  const path = join(tempDir(), 'study.sqlite');
  const s = openSqliteStorage(path);
  const e = await s.createExperiment({ name: 'exp', kind: 'train', config: {}, seed: 1 });
  const arch = { hash: 'a1', cell: { states: ['h'] }, notation: null, origin: { kind: 'zoo' as const, name: 'gru' } };
  const [x] = await s.recordGeneration(e.id, {
    generation: 0, architectures: [arch], state: {}, finished: false,
    evaluations: [{ key: 'k0', ordinal: 0, architecture: 'a1', task: 't', taskOptions: {}, hyperparameters: { lr: 1 }, seed: 1 }],
  });
  await s.close();
  const raw = new Database(path);
  raw.prepare(`UPDATE evaluations SET metrics = '{"accuracy":[1]}' WHERE id = ?`).run(x!.id);
  raw.close();
  const r = openSqliteStorage(path, { readonly: true });
  try {
    await assert.rejects(r.evaluations(e.id), (err: unknown) => isUserError(err) && new RegExp(`evaluations row id ${x!.id} .*column metrics\\["accuracy"\\]: expected a number or null, got an array`).test(err.message));
  } finally {
    await r.close();
  }
});
