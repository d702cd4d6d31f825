// The Storage contract: the behaviours every backend shows, run against each of them (SQLite in a
// temporary file, in memory, and PostgreSQL on a real server when CELLSEARCH_TEST_PG names one).
// What only concerns one backend (refusing foreign databases, WAL, the writer lease between
// processes) is in sqlite.test.ts and postgres.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '../test/helpers.ts';
import { MemoryDatabase, memoryStorage } from './memory-storage.ts';
import { openSqliteStorage } from './sqlite.ts';
import { openPostgresStorage } from './postgres.ts';
import { freshDatabase, SKIP_WITHOUT_PG } from '../test/postgres.ts';
import type { Architecture, NewGeneration, Storage } from './storage.ts';

/** Opens a view of one database, read-write or read-only. */
type Open = (opts?: { readonly?: boolean }) => Promise<Storage>;

interface Backend {
  name: string;
  /** Why the backend's tests are skipped here, or false. */
  skip: false | string;
  /** A new, empty database: how to open it, and how to remove it when the test is over. */
  create(): Promise<{ open: Open; drop?: () => Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    skip: false,
    create: async () => {
      const path = join(tempDir(), 'contract.sqlite');
      return { open: async (opts = {}) => openSqliteStorage(path, opts) };
    },
  },
  {
    name: 'memory',
    skip: false,
    create: async () => {
      const db = new MemoryDatabase();
      return { open: async (opts = {}) => memoryStorage(db, opts) };
    },
  },
  {
    // A real server (scripts/with-postgres.sh): a new database for each test.
    name: 'postgres',
    skip: SKIP_WITHOUT_PG,
    create: async () => {
      const { url, drop } = await freshDatabase();
      return { open: (opts = {}) => openPostgresStorage(url, opts), drop };
    },
  },
];

const arch = (hash: string, origin: Architecture['origin'] = { kind: 'zoo', name: 'gru' }): Architecture => ({ hash, cell: { states: ['h'] }, notation: `cell ${hash}`, origin });
const A1 = arch('a1');

function generation(n: number, keys: string[], architectures: Architecture[] = [A1], state: NewGeneration['state'] = { rng: [1, 2, 3] }): NewGeneration {
  return {
    generation: n,
    architectures,
    evaluations: keys.map((key, i) => ({ key, ordinal: i, architecture: architectures[0]?.hash ?? 'a1', task: 't', taskOptions: { size: 3 }, hyperparameters: { lr: 0.5 }, seed: 7 + i })),
    state,
    finished: false,
  };
}

/** Runs `fn` with a writer on a fresh database of the backend; closes what it opened. */
async function withStorage(b: Backend, fn: (s: Storage, open: Open) => Promise<void>): Promise<void> {
  const { open, drop } = await b.create();
  const s = await open();
  try {
    await fn(s, open);
  } finally {
    await s.close();
    await drop?.();
  }
}

for (const b of BACKENDS) {
  describe(`Storage contract: ${b.name}`, { skip: b.skip }, () => {
    test('rows round-trip through a study: generations, results, failures, retries, counts, events', () =>
      withStorage(b, async (s) => {
        const e = await s.createExperiment({ name: 'exp', kind: 'train', config: { task: 'arithmetic', hp: { lr: 1 } }, seed: 42 });
        assert.deepEqual(
          { ...e, createdAt: typeof e.createdAt, updatedAt: typeof e.updatedAt },
          { id: 1, name: 'exp', kind: 'train', config: { task: 'arithmetic', hp: { lr: 1 } }, seed: 42, status: 'running', createdAt: 'string', updatedAt: 'string' },
        );
        assert.deepEqual(await s.getExperiment('exp'), e);
        assert.equal(await s.getExperiment('nope'), undefined);
        const evals = await s.recordGeneration(e.id, generation(0, ['k0', 'k1', 'k2']));
        assert.deepEqual(evals.map((v) => [v.key, v.status, v.seed, v.generation, v.ordinal, v.attempts]), [['k0', 'queued', 7, 0, 0, 0], ['k1', 'queued', 8, 0, 1, 0], ['k2', 'queued', 9, 0, 2, 0]]);
        assert.deepEqual(evals[0], { id: evals[0].id, experimentId: e.id, key: 'k0', generation: 0, ordinal: 0, architecture: 'a1', task: 't', taskOptions: { size: 3 }, hyperparameters: { lr: 0.5 }, seed: 7, status: 'queued', metrics: null, steps: null, wallMs: null, error: null, attempts: 0, continues: null, keepCheckpoint: false });
        await assert.rejects(s.recordGeneration(e.id, generation(0, ['k9'])), /generation 0 recorded out of order \(expected 1\)/);
        assert.deepEqual(await s.strategyState(e.id), { generations: 1, state: { rng: [1, 2, 3] }, finished: false });
        assert.deepEqual(await s.getArchitecture('a1'), A1);
        assert.equal(await s.getArchitecture('zz'), undefined);

        await s.markRunning(evals[0].id);
        assert.equal((await s.getEvaluation(evals[0].id))?.status, 'running');
        await s.recordResult(evals[0].id, { status: 'done', metrics: { accuracy: 0.9 }, steps: 100, wallMs: 12, curve: [{ step: 50, loss: 1.5 }, { step: 100, loss: 0.5 }] });
        assert.deepEqual(await s.curve(evals[0].id), [{ step: 50, loss: 1.5 }, { step: 100, loss: 0.5 }]);
        const done = await s.getEvaluation(evals[0].id);
        assert.deepEqual([done?.status, done?.metrics, done?.steps, done?.wallMs], ['done', { accuracy: 0.9 }, 100, 12]);
        await s.markRunning(evals[1].id);
        assert.equal(await s.recordFailure(evals[1].id, 'boom', 2), 'queued');
        assert.deepEqual([(await s.getEvaluation(evals[1].id))?.status, (await s.getEvaluation(evals[1].id))?.error], ['queued', 'boom']);
        await s.markRunning(evals[1].id);
        assert.equal(await s.recordFailure(evals[1].id, 'boom again', 2), 'failed');
        const failed = await s.getEvaluation(evals[1].id);
        assert.equal(failed?.attempts, 2);
        assert.equal(failed?.error, 'boom again');
        await s.markRunning(evals[2].id);
        assert.equal(await s.requeueRunning(e.id), 1);
        assert.equal(await s.requeueRunning(e.id), 0);
        const [summary] = await s.listExperiments();
        assert.deepEqual(summary.counts, { queued: 1, running: 0, done: 1, diverged: 0, failed: 1 });
        await s.setExperimentStatus(e.id, 'done');
        assert.equal(await s.requeueFailed(e.id), 1);
        assert.equal(await s.requeueFailed(e.id), 0);
        assert.equal((await s.getEvaluation(evals[1].id))?.attempts, 0);
        assert.equal((await s.getEvaluation(evals[1].id))?.status, 'queued');
        assert.equal((await s.getExperiment('exp'))?.status, 'interrupted', 'a done study with re-queued evaluations is no longer done');
        assert.deepEqual(
          (await s.events(e.id)).map((v) => [v.kind, v.data]),
          [
            ['created', { kind: 'train', seed: 42 }],
            ['generation', { generation: 0, evaluations: 3, finished: false }],
            ['attempt-failed', { evaluation: evals[1].id, attempt: 1, error: 'boom', then: 'queued' }],
            ['attempt-failed', { evaluation: evals[1].id, attempt: 2, error: 'boom again', then: 'failed' }],
            ['requeued-running', { evaluations: 1 }],
            ['retry-failed', { evaluations: 1 }],
          ],
        );
        // A retry that succeeds clears the error of the failed attempt.
        await s.markRunning(evals[1].id);
        await s.recordResult(evals[1].id, { status: 'diverged', metrics: { accuracy: null }, steps: 3, wallMs: 1, curve: [] });
        assert.deepEqual([(await s.getEvaluation(evals[1].id))?.status, (await s.getEvaluation(evals[1].id))?.error], ['diverged', null]);
        assert.deepEqual(await s.curve(evals[1].id), []);
      }));

    test('order: evaluations by (generation, ordinal), curves by step, experiments and events by id; filters', () =>
      withStorage(b, async (s) => {
        const e = await s.createExperiment({ name: 'o', kind: 'k', config: {}, seed: 1 });
        const g0 = generation(0, ['a', 'b', 'c']);
        g0.evaluations.reverse().forEach((v, i) => (v.ordinal = 2 - i)); // written in reverse ordinal order
        const first = await s.recordGeneration(e.id, g0);
        assert.deepEqual(first.map((v) => [v.key, v.ordinal]), [['a', 0], ['b', 1], ['c', 2]]);
        await s.recordGeneration(e.id, generation(1, ['d', 'e']));
        assert.deepEqual((await s.evaluations(e.id)).map((v) => v.key), ['a', 'b', 'c', 'd', 'e']);
        assert.deepEqual((await s.evaluations(e.id, { generation: 1 })).map((v) => v.key), ['d', 'e']);
        const [a, bb] = first;
        await s.markRunning(a.id);
        await s.markRunning(bb.id);
        await s.recordResult(a.id, { status: 'done', metrics: {}, steps: 3, wallMs: 1, curve: [{ step: 3, x: 3 }, { step: 1, x: 1 }, { step: 2, x: 2 }] });
        assert.deepEqual((await s.curve(a.id)).map((p) => p.step), [1, 2, 3]);
        assert.deepEqual((await s.evaluations(e.id, { status: 'running' })).map((v) => v.key), ['b']);
        assert.deepEqual((await s.evaluations(e.id, { status: ['done', 'running'] })).map((v) => v.key), ['a', 'b']);
        assert.deepEqual((await s.evaluations(e.id, { status: ['queued'], generation: 0 })).map((v) => v.key), ['c']);
        assert.deepEqual(await s.evaluations(e.id, { status: [] }), []);
        const e2 = await s.createExperiment({ name: 'later', kind: 'k', config: {}, seed: 2 });
        assert.ok(e2.id > e.id);
        const other = await s.recordGeneration(e2.id, generation(0, ['a']));
        assert.ok(!first.some((v) => v.id === other[0].id), 'evaluation ids are unique across experiments');
        assert.deepEqual((await s.evaluations(e2.id)).map((v) => v.key), ['a'], 'a key is unique per experiment only');
        assert.deepEqual((await s.listExperiments()).map((x) => [x.name, x.counts.queued + x.counts.running + x.counts.done]), [['o', 5], ['later', 1]]);
        await s.logEvent(null, 'global', { n: 1 });
        await s.logEvent(e.id, 'note', { n: 2 });
        const events = await s.events(e.id);
        assert.deepEqual(events.map((v) => v.kind), ['created', 'generation', 'generation', 'note']);
        assert.ok(events.every((v, i) => i === 0 || v.id > events[i - 1].id));
        assert.deepEqual((await s.events(null)).map((v) => [v.kind, v.experimentId, v.data]), [['global', null, { n: 1 }]]);
      }));

    test('refusals leave everything as it was: a duplicate name, a generation with a bad evaluation, results in the wrong state', () =>
      withStorage(b, async (s) => {
        const e = await s.createExperiment({ name: 'x', kind: 'k', config: { a: 1 }, seed: 1 });
        await assert.rejects(s.createExperiment({ name: 'x', kind: 'other', config: {}, seed: 2 }), /an experiment named 'x' already exists in /);
        assert.equal((await s.listExperiments()).length, 1);
        assert.deepEqual((await s.getExperiment('x'))?.config, { a: 1 });
        const [v] = await s.recordGeneration(e.id, generation(0, ['k0']));
        const before = { evaluations: await s.evaluations(e.id), state: await s.strategyState(e.id), events: await s.events(e.id) };
        const fresh = arch('b2');
        const bad: [NewGeneration, RegExp][] = [
          [generation(1, ['k0'], [fresh]), /evaluation k0 is already in experiment/],
          [generation(1, ['n1', 'n1'], [fresh]), /evaluation n1 is already in experiment/],
          [{ ...generation(1, ['n1', 'n2'], [fresh]), evaluations: generation(1, ['n1', 'n2'], [fresh]).evaluations.map((x) => ({ ...x, ordinal: 0 })) }, /ordinal 0 appears twice in generation 1/],
          [{ ...generation(1, ['n1'], [fresh]), evaluations: [{ ...generation(1, ['n1']).evaluations[0], architecture: 'ghost' }] }, /architecture ghost, which is not recorded/],
          [generation(1, ['n1'], [{ ...fresh, origin: { kind: 'alien' } as never }]), /kind|origin|Invalid/i],
          [generation(2, ['n1'], [fresh]), /out of order \(expected 1\)/],
        ];
        for (const [g, message] of bad) await assert.rejects(s.recordGeneration(e.id, g), message);
        assert.equal(await s.getArchitecture('b2'), undefined, 'no architecture of a refused generation is kept');
        assert.deepEqual({ evaluations: await s.evaluations(e.id), state: await s.strategyState(e.id), events: await s.events(e.id) }, before);
        await assert.rejects(s.recordGeneration(999, generation(0, ['k'])), /no experiment 999 in /);
        await assert.rejects(s.logEvent(999, 'x'), /no experiment 999 in /);

        await assert.rejects(s.recordResult(v.id, { status: 'done', metrics: {}, steps: 1, wallMs: 1, curve: [] }), new RegExp(`evaluation ${v.id} is not running`));
        await assert.rejects(s.recordFailure(v.id, 'x', 2), new RegExp(`evaluation ${v.id} is not running`));
        await s.markRunning(v.id);
        await assert.rejects(s.markRunning(v.id), new RegExp(`evaluation ${v.id} is not queued`));
        await assert.rejects(s.markRunning(12345), /evaluation 12345 is not queued/);
        await assert.rejects(
          s.recordResult(v.id, { status: 'done', metrics: {}, steps: 2, wallMs: 1, curve: [{ step: 1, l: 1 }, { step: 1, l: 2 }] }),
          new RegExp(`step 1 appears twice in the curve of evaluation ${v.id}`),
        );
        assert.equal((await s.getEvaluation(v.id))?.status, 'running', 'a refused result changes nothing');
        assert.deepEqual(await s.curve(v.id), []);
        // requeue of an evaluation that is not running does nothing.
        await s.recordResult(v.id, { status: 'done', metrics: { m: 1 }, steps: 2, wallMs: 1, curve: [{ step: 2, l: 1 }] });
        await s.requeue(v.id);
        assert.equal((await s.getEvaluation(v.id))?.status, 'done');
      }));

    test('values are stored as JSON: non-finite metrics come back null (a curve must not have them); what a caller does to a row read does not change the database', () =>
      withStorage(b, async (s) => {
        const e = await s.createExperiment({ name: 'j', kind: 'k', config: { big: Infinity, gone: undefined } as never, seed: 1 });
        assert.deepEqual(e.config, { big: null });
        const [v] = await s.recordGeneration(e.id, generation(0, ['k0']));
        await s.markRunning(v.id);
        await assert.rejects(s.recordResult(v.id, { status: 'diverged', metrics: {}, steps: 1, wallMs: 1, curve: [{ step: 1, loss: NaN }] }), /expected number, received NaN/);
        assert.equal((await s.getEvaluation(v.id))?.status, 'running');
        await s.recordResult(v.id, { status: 'diverged', metrics: { loss: NaN, best: -Infinity, ok: 1 }, steps: 1, wallMs: 1, curve: [{ step: 1, loss: null }] });
        const read = (await s.getEvaluation(v.id))!;
        assert.deepEqual(read.metrics, { loss: null, best: null, ok: 1 });
        assert.deepEqual(await s.curve(v.id), [{ step: 1, loss: null }]);
        read.hyperparameters.lr = 99;
        (await s.evaluations(e.id))[0].taskOptions.size = 99;
        (await s.getArchitecture('a1'))!.cell.states = [];
        const again = (await s.getEvaluation(v.id))!;
        assert.deepEqual([again.hyperparameters, again.taskOptions], [{ lr: 0.5 }, { size: 3 }]);
        assert.deepEqual(await s.getArchitecture('a1'), A1);
      }));

    test('an architecture keeps its first record; architecturesByPrefix orders by hash, stops at the limit, is case-sensitive', () =>
      withStorage(b, async (s) => {
        const e = await s.createExperiment({ name: 'p', kind: 'k', config: {}, seed: 1 });
        const archs = ['ab12', 'ab03', 'AB99', 'ab0f', 'cd00'].map((h) => arch(h));
        await s.recordGeneration(e.id, generation(0, ['k'], archs));
        await s.recordGeneration(e.id, generation(1, ['k2'], [{ ...arch('ab12'), notation: 'another' }]));
        assert.equal((await s.getArchitecture('ab12'))?.notation, 'cell ab12');
        assert.deepEqual((await s.architecturesByPrefix('ab', 10)).map((a) => a.hash), ['ab03', 'ab0f', 'ab12']);
        assert.deepEqual((await s.architecturesByPrefix('ab', 2)).map((a) => a.hash), ['ab03', 'ab0f']);
        assert.deepEqual((await s.architecturesByPrefix('AB', 10)).map((a) => a.hash), ['AB99']);
        assert.deepEqual(await s.architecturesByPrefix('ab0f', 10), [arch('ab0f')]);
        assert.deepEqual(await s.architecturesByPrefix('ef', 10), []);
      }));

    test('snapshot: the experiment with its evaluations, architectures and recorded ancestors, curves, events, strategy state and writer', () =>
      withStorage(b, async (s, open) => {
        const root = arch('r0');
        const elsewhere = await s.createExperiment({ name: 'elsewhere', kind: 'k', config: {}, seed: 1 });
        await s.recordGeneration(elsewhere.id, generation(0, ['k'], [root]));
        const e = await s.createExperiment({ name: 's', kind: 'search', config: { n: 2 }, seed: 9 });
        const m1 = arch('m1', { kind: 'mutant', parent: 'r0', mutations: [{ kind: 'activation' }] });
        const m2 = arch('m2', { kind: 'mutant', parent: 'm1', mutations: [] });
        const orphan = arch('m9', { kind: 'mutant', parent: 'unrecorded', mutations: [] });
        const g0 = await s.recordGeneration(e.id, { ...generation(0, ['x', 'y'], [m1]), state: { step: 0 } });
        const g1 = await s.recordGeneration(e.id, {
          generation: 1,
          architectures: [m2, orphan],
          evaluations: [
            { key: 'z', ordinal: 0, architecture: 'm2', task: 't', taskOptions: {}, hyperparameters: {}, seed: 1 },
            { key: 'w', ordinal: 1, architecture: 'm9', task: 't', taskOptions: {}, hyperparameters: {}, seed: 2 },
          ],
          state: { step: 1 },
          finished: true,
        });
        await s.markRunning(g1[0].id);
        await s.recordResult(g1[0].id, { status: 'done', metrics: { a: 1 }, steps: 2, wallMs: 5, curve: [{ step: 2, l: 0.5 }, { step: 1, l: 1 }] });
        await s.markRunning(g0[1].id);
        await s.recordResult(g0[1].id, { status: 'done', metrics: { a: 0.5 }, steps: 1, wallMs: 5, curve: [{ step: 1, l: 2 }] });
        await s.markRunning(g0[0].id);
        await s.recordResult(g0[0].id, { status: 'diverged', metrics: {}, steps: 1, wallMs: 5, curve: [] });

        // Where several processes write one database (PostgreSQL), the study's writer is its lease's holder.
        await s.leaseStudy?.(e.id);
        const snap = (await s.snapshot(e.id))!;
        assert.deepEqual(snap.experiment, await s.getExperiment('s'));
        assert.deepEqual(snap.evaluations, await s.evaluations(e.id));
        assert.deepEqual(snap.evaluations.map((v) => v.key), ['x', 'y', 'z', 'w']);
        assert.deepEqual(new Map([...snap.architectures].sort(([p], [q]) => (p < q ? -1 : 1))), new Map([['m1', m1], ['m2', m2], ['m9', orphan], ['r0', root]]), 'ancestors recorded by another experiment are included; lineage stops at an unrecorded parent');
        assert.deepEqual(snap.curves, new Map([[g0[1].id, [{ step: 1, l: 2 }]], [g1[0].id, [{ step: 1, l: 1 }, { step: 2, l: 0.5 }]]]), 'curves by evaluation id, only those with points');
        assert.deepEqual([...snap.curves.keys()], [g0[1].id, g1[0].id].sort((p, q) => p - q));
        assert.deepEqual(snap.events, await s.events(e.id));
        assert.deepEqual(snap.strategy, { generations: 2, state: { step: 1 }, finished: true });
        assert.equal(snap.writer?.pid, process.pid, 'the open writer');
        assert.equal(await s.snapshot(999), undefined);
        assert.deepEqual(await s.snapshot(e.id, { curves: false }), { ...snap, curves: new Map() }, 'without curves: everything else as it is');
        assert.deepEqual(await s.snapshot(e.id, { curves: true }), snap);

        const reader = await open({ readonly: true });
        try {
          const seen = (await reader.snapshot(e.id))!;
          assert.deepEqual({ ...seen, writer: undefined }, { ...snap, writer: undefined });
          await s.close();
          assert.equal((await reader.snapshot(e.id))!.writer, undefined, 'no writer once it closed');
          assert.equal(await reader.activeWriter(), undefined);
        } finally {
          await reader.close();
        }
      }));

    test('snapshot with reuse: the snapshot a plain read gives after every kind of change; rows that did not change come back as the objects read before', () =>
      withStorage(b, async (s) => {
        const m1 = arch('m1', { kind: 'mutant', parent: 'a1', mutations: [] });
        const e = await s.createExperiment({ name: 'again', kind: 'search', config: {}, seed: 1 });
        const [x, y, z] = await s.recordGeneration(e.id, generation(0, ['x', 'y', 'z'], [A1]));
        let before = (await s.snapshot(e.id, { curves: false }))!;
        /** A read reusing the one before: equal to a plain read, unchanged rows as they were. */
        const again = async (step: string) => {
          const plain = (await s.snapshot(e.id, { curves: false }))!;
          const reuse = { evaluations: new Map(before.evaluations.map((v) => [v.id, v])), architectures: before.architectures };
          const read = (await s.snapshot(e.id, { curves: false, reuse }))!;
          assert.deepEqual(read, plain, step);
          // The memory backend reads everything again (it may); the SQL backends reuse.
          if (b.name !== 'memory') {
            for (const v of read.evaluations) {
              const old = reuse.evaluations.get(v.id);
              const same = old !== undefined && JSON.stringify(old) === JSON.stringify(v);
              assert.equal(v === old, same, `${step}: evaluation ${v.key} ${same ? 'unchanged is reused' : 'changed is read again'}`);
            }
            for (const [hash, a] of read.architectures) assert.equal(a === before.architectures.get(hash), before.architectures.has(hash), `${step}: architecture ${hash}`);
          }
          before = read;
        };
        await again('nothing changed');
        await s.markRunning(x.id);
        await again('running');
        await s.recordResult(x.id, { status: 'done', metrics: { accuracy: 0.9 }, steps: 100, wallMs: 12, curve: [] });
        await s.markRunning(y.id);
        await again('a result');
        assert.equal(await s.recordFailure(y.id, 'boom', 2), 'queued');
        await again('a failed attempt');
        await s.markRunning(y.id);
        await s.requeue(y.id);
        await s.markRunning(z.id);
        await s.requeueRunning(e.id);
        await again('re-queued');
        await s.markRunning(y.id);
        assert.equal(await s.recordFailure(y.id, 'boom', 2), 'failed');
        await again('failed');
        await s.requeueFailed(e.id);
        await again('failed ones queued again');
        await s.recordGeneration(e.id, generation(1, ['v'], [m1]));
        await s.markRunning(z.id);
        await s.recordResult(z.id, { status: 'diverged', metrics: { accuracy: null }, steps: 3, wallMs: 1, curve: [] });
        await again('a new generation, a new architecture and a result');
        assert.deepEqual(before.evaluations.map((v) => [v.key, v.status]), [['x', 'done'], ['y', 'queued'], ['z', 'diverged'], ['v', 'queued']]);
      }));

    test('live curves: points of a running evaluation are stored as they come and replaced by the result; a failure or a re-queue deletes them; running names the runner', () =>
      withStorage(b, async (s, open) => {
        const e = await s.createExperiment({ name: 'live', kind: 'train', config: {}, seed: 1 });
        const [a, c, d] = await s.recordGeneration(e.id, generation(0, ['a', 'c', 'd']));
        await s.appendCurve(a.id, [{ step: 1, loss: 9 }]);
        assert.deepEqual(await s.curve(a.id), [], 'a queued evaluation stores no points');
        await s.markRunning(a.id, 'thread 2');
        await s.markRunning(c.id);
        await s.appendCurve(a.id, [{ step: 10, loss: 2 }]);
        await s.appendCurve(a.id, [{ step: 10, loss: 7 }, { step: 20, loss: 1.5 }]);
        await assert.rejects(s.appendCurve(a.id, [{ step: 30, loss: 1 }, { step: 30, loss: 1 }]), /step 30 appears twice/);
        assert.deepEqual(await s.curve(a.id), [{ step: 10, loss: 2 }, { step: 20, loss: 1.5 }], 'a step is stored once, as it came first');
        await s.appendCurve(c.id, [{ step: 5, loss: 3 }]);
        const running = await s.running(e.id);
        assert.deepEqual(
          running.map((r) => [r.evaluationId, r.curve.map((p) => p.step)]),
          [[a.id, [10, 20]], [c.id, [5]]],
        );
        // PostgreSQL keeps the runner in the lease owner, the others in the event log.
        assert.deepEqual(running.map((r) => r.runner), ['thread 2', null]);
        const reader = await open({ readonly: true });
        try {
          assert.deepEqual(await reader.running(e.id), running, 'a reader sees them');
          await assert.rejects(reader.appendCurve(a.id, [{ step: 40, loss: 1 }]), /read-only/);
        } finally {
          await reader.close();
        }
        assert.deepEqual((await s.snapshot(e.id))!.curves.get(a.id), [{ step: 10, loss: 2 }, { step: 20, loss: 1.5 }]);
        await s.recordResult(a.id, { status: 'done', metrics: {}, steps: 30, wallMs: 1, curve: [{ step: 10, loss: 2.5 }, { step: 30, loss: 1 }] });
        assert.deepEqual(await s.curve(a.id), [{ step: 10, loss: 2.5 }, { step: 30, loss: 1 }], 'the result replaces the live points');
        await s.appendCurve(a.id, [{ step: 40, loss: 0.5 }]);
        assert.deepEqual((await s.curve(a.id)).map((p) => p.step), [10, 30], 'a finished evaluation takes no more points');
        assert.equal(await s.recordFailure(c.id, 'boom', 3), 'queued');
        assert.deepEqual(await s.curve(c.id), [], 'a failed attempt leaves no points');
        await s.markRunning(c.id);
        await s.markRunning(d.id);
        await s.appendCurve(c.id, [{ step: 5, loss: 3 }]);
        await s.appendCurve(d.id, [{ step: 5, loss: 3 }]);
        await s.requeue(c.id);
        assert.deepEqual(await s.curve(c.id), [], 'a re-queued attempt leaves no points');
        assert.equal(await s.requeueRunning(e.id), 1);
        assert.deepEqual(await s.curve(d.id), [], 'nor one re-queued on resume');
        assert.deepEqual(await s.running(e.id), []);
      }));

    test('checkpoints: kept only for evaluations that ask, stored with the result, read by key, released with a later generation; a bad continuation or release changes nothing', () =>
      withStorage(b, async (s, open) => {
        const e = await s.createExperiment({ name: 'c', kind: 'search', config: {}, seed: 1 });
        const g0 = generation(0, ['k0', 'k1', 'k2', 'k3']);
        g0.evaluations.forEach((v, i) => (v.keepCheckpoint = i < 3));
        const [v0, v1, v2, v3] = await s.recordGeneration(e.id, g0);
        assert.deepEqual([v0, v2, v3].map((v) => [v.continues, v.keepCheckpoint]), [[null, true], [null, true], [null, false]]);
        const given = Uint8Array.from([1, 2, 3]);
        const results: [typeof v0, Uint8Array | undefined][] = [[v0, given], [v1, Uint8Array.from([4, 5])], [v2, undefined], [v3, Uint8Array.from([9])]];
        for (const [v, checkpoint] of results) {
          await s.markRunning(v.id);
          await s.recordResult(v.id, { status: 'done', metrics: { a: 1 }, steps: 2, wallMs: 1, curve: [{ step: 2, l: 1 }], ...(checkpoint ? { checkpoint } : {}) });
        }
        given[0] = 99;
        const read = await s.checkpoint(e.id, 'k0');
        assert.deepStrictEqual(read, Uint8Array.from([1, 2, 3]), 'the bytes as given (a plain Uint8Array from every backend)');
        read![1] = 99;
        assert.deepStrictEqual(await s.checkpoint(e.id, 'k0'), Uint8Array.from([1, 2, 3]), 'changing bytes given or read changes nothing stored');
        assert.equal(await s.checkpoint(e.id, 'k2'), undefined, 'kept, but its result had none');
        assert.equal(await s.checkpoint(e.id, 'k3'), undefined, 'a checkpoint of an evaluation that does not keep one is not stored');
        assert.equal(await s.checkpoint(e.id, 'nope'), undefined);
        assert.equal(await s.checkpointBytes(e.id), 5);
        assert.deepEqual((await s.snapshot(e.id))!.checkpoints, { count: 2, bytes: 5 });

        const before = { evaluations: await s.evaluations(e.id), state: await s.strategyState(e.id), k0: await s.checkpoint(e.id, 'k0'), k1: await s.checkpoint(e.id, 'k1') };
        const continuing = (key: string, continues: string) => ({ ...generation(1, [key]).evaluations[0], continues, keepCheckpoint: true });
        const bad: [NewGeneration, RegExp][] = [
          [{ ...generation(1, ['n1']), release: ['ghost'] }, /generation 1 releases the checkpoint of ghost, which is not an earlier evaluation of experiment/],
          [{ ...generation(1, ['n1']), release: ['n1'] }, /releases the checkpoint of n1, which is not an earlier evaluation/],
          [{ ...generation(1, []), evaluations: [continuing('n1', 'ghost')] }, /evaluation n1 continues ghost, which is not an earlier evaluation of experiment/],
          [{ ...generation(1, []), evaluations: [continuing('n1', 'n2'), { ...continuing('n2', 'k0'), ordinal: 1 }] }, /evaluation n1 continues n2, which is not an earlier evaluation/],
          [{ ...generation(1, []), evaluations: [continuing('n1', 'k0')], release: ['k1', 'k0'] }, /generation 1 continues k0 and releases its checkpoint/],
        ];
        for (const [g, message] of bad) await assert.rejects(s.recordGeneration(e.id, g), message);
        assert.deepEqual({ evaluations: await s.evaluations(e.id), state: await s.strategyState(e.id), k0: await s.checkpoint(e.id, 'k0'), k1: await s.checkpoint(e.id, 'k1') }, before);

        const [n1] = await s.recordGeneration(e.id, { ...generation(1, []), evaluations: [continuing('n1', 'k0')], release: ['k1', 'k3', 'k1'] });
        assert.deepEqual([n1.continues, n1.keepCheckpoint], ['k0', true]);
        assert.equal(await s.checkpoint(e.id, 'k1'), undefined, 'released');
        assert.deepStrictEqual(await s.checkpoint(e.id, 'k0'), Uint8Array.from([1, 2, 3]), 'continued, not released');
        // A retried evaluation's new result replaces its checkpoint.
        await s.markRunning(n1.id);
        await s.recordFailure(n1.id, 'boom', 1);
        assert.equal(await s.checkpoint(e.id, 'n1'), undefined, 'a failure stores nothing');
        await s.requeueFailed(e.id);
        await s.markRunning(n1.id);
        await s.recordResult(n1.id, { status: 'done', metrics: {}, steps: 4, wallMs: 1, curve: [], checkpoint: Uint8Array.from([7, 7, 7, 7]) });
        assert.equal(await s.checkpointBytes(e.id), 7);

        // Keys are per experiment: another experiment's k0 is its own.
        const other = await s.createExperiment({ name: 'd', kind: 'search', config: {}, seed: 2 });
        const g = generation(0, ['k0']);
        g.evaluations[0].keepCheckpoint = true;
        const [w] = await s.recordGeneration(other.id, g);
        assert.equal(await s.checkpoint(other.id, 'k0'), undefined);
        await s.markRunning(w.id);
        await s.recordResult(w.id, { status: 'diverged', metrics: {}, steps: 1, wallMs: 1, curve: [], checkpoint: Uint8Array.from([5]) });
        assert.deepStrictEqual(await s.checkpoint(other.id, 'k0'), Uint8Array.from([5]));
        assert.deepStrictEqual(await s.checkpoint(e.id, 'k0'), Uint8Array.from([1, 2, 3]));
        await s.recordGeneration(other.id, { ...generation(1, []), release: ['k0'] });
        assert.deepEqual([await s.checkpointBytes(other.id), await s.checkpointBytes(e.id)], [0, 7]);
        const reader = await open({ readonly: true });
        try {
          assert.deepStrictEqual(await reader.checkpoint(e.id, 'n1'), Uint8Array.from([7, 7, 7, 7]));
          assert.deepEqual((await reader.snapshot(e.id))!.checkpoints, { count: 2, bytes: 7 });
        } finally {
          await reader.close();
        }
      }));

    test('a read-only view reads everything and refuses every write; the writer is reported while it is open', () =>
      withStorage(b, async (s, open) => {
        const e = await s.createExperiment({ name: 'r', kind: 'k', config: {}, seed: 1 });
        const [v] = await s.recordGeneration(e.id, generation(0, ['k0']));
        const r = await open({ readonly: true });
        try {
          assert.equal(r.readonly, true);
          assert.equal(s.readonly, false);
          assert.equal((await r.activeWriter())?.pid, process.pid);
          assert.deepEqual(await r.evaluations(e.id), await s.evaluations(e.id));
          assert.deepEqual(await r.listExperiments(), await s.listExperiments());
          const writes: [string, () => Promise<unknown>][] = [
            ['createExperiment', () => r.createExperiment({ name: 'r2', kind: 'k', config: {}, seed: 1 })],
            ['setExperimentStatus', () => r.setExperimentStatus(e.id, 'done')],
            ['recordGeneration', () => r.recordGeneration(e.id, generation(1, ['k1']))],
            ['markRunning', () => r.markRunning(v.id)],
            ['recordResult', () => r.recordResult(v.id, { status: 'done', metrics: {}, steps: 1, wallMs: 1, curve: [] })],
            ['recordFailure', () => r.recordFailure(v.id, 'x', 1)],
            ['requeue', () => r.requeue(v.id)],
            ['requeueRunning', () => r.requeueRunning(e.id)],
            ['requeueFailed', () => r.requeueFailed(e.id)],
            ['logEvent', () => r.logEvent(null, 'x')],
          ];
          for (const [name, write] of writes) await assert.rejects(write(), /was opened read-only/, name);
          assert.deepEqual(await r.listExperiments(), await s.listExperiments());
          assert.equal((await r.strategyState(e.id))?.generations, 1);
        } finally {
          await r.close();
        }
        await s.close();
        await s.close(); // closing twice is harmless
        const r2 = await open({ readonly: true });
        try {
          assert.equal(await r2.activeWriter(), undefined);
        } finally {
          await r2.close();
        }
      }));
  });
}
