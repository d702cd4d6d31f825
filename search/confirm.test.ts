import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confirmStats, type ConfirmRun } from './confirm.ts';
import { welchTTest } from './stats/welch.ts';

const runs = (architecture: string, task: string, values: (number | null)[]): ConfirmRun[] => values.map((value, seed) => ({ architecture, task, seed, value }));

const close = (a: number, b: number, tol = 1e-4) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

test('confirmStats: mean ratio to the GRU with a t interval, against hand-computed values', () => {
  const all = [
    ...runs('gru', 'arithmetic', [0.5, 0.6, 0.7]),
    ...runs('gru', 'xml', [0.8, 0.8, 0.8]),
    ...runs('x', 'arithmetic', [0.66, 0.72, 0.78]),
    ...runs('x', 'xml', [0.88, 0.96, 1.0]),
  ];
  const [gru, x] = confirmStats(all, { gru: 'gru', tasks: ['arithmetic', 'xml'] });
  // Per seed: min(0.66/0.6, 0.88/0.8) = 1.1, min(1.2, 1.2) = 1.2, min(1.3, 1.25) = 1.25.
  assert.equal(x.seeds, 3);
  close(x.ratio, 1.183333);
  // sd = sqrt(0.0058333), se = 0.0440959, t(0.975, 2) = 4.302653: half-width 0.189729.
  close(x.ci![0], 0.993604);
  close(x.ci![1], 1.373063);
  const ar = x.tasks[0];
  assert.deepEqual([ar.task, ar.n], ['arithmetic', 3]);
  close(ar.mean, 0.72);
  close(ar.gruMean, 0.6);
  assert.equal(ar.p, welchTTest([0.66, 0.72, 0.78], [0.5, 0.6, 0.7]).p);
  close(ar.p!, 0.1652, 2e-3); // t = 1.7823, df = 3.275
  assert.equal(x.p, Math.max(x.tasks[0].p!, x.tasks[1].p!));
  assert.equal(x.better, false, 'not significant on arithmetic at n = 3');
  // The GRU against itself: ratios min(0.5/0.6, 1), min(1, 1), min(0.7/0.6, 1) = 0.8333, 1, 1.
  close(gru.ratio, (0.833333 + 1 + 1) / 3);
  assert.equal(gru.p, null);
  assert.equal(gru.better, false);
});

test('confirmStats: better only when higher on every task with the largest p below alpha', () => {
  const gruA = [0.5, 0.52, 0.48, 0.5, 0.51];
  const gruB = [0.7, 0.71, 0.69, 0.7, 0.72];
  const base = [...runs('gru', 'a', gruA), ...runs('gru', 'b', gruB)];
  const clear = [...runs('c', 'a', [0.6, 0.62, 0.61, 0.6, 0.63]), ...runs('c', 'b', [0.8, 0.81, 0.82, 0.8, 0.79])];
  const oneTask = [...runs('d', 'a', [0.6, 0.62, 0.61, 0.6, 0.63]), ...runs('d', 'b', [0.69, 0.7, 0.71, 0.7, 0.7])];
  const r = confirmStats([...base, ...clear, ...oneTask], { gru: 'gru', tasks: ['a', 'b'] });
  const c = r.find((x) => x.architecture === 'c')!;
  const d = r.find((x) => x.architecture === 'd')!;
  assert.equal(c.better, true);
  assert.ok(c.p! < 0.05);
  assert.ok(c.ci![0] > 1, 'the interval of a clear winner lies above 1');
  assert.equal(d.better, false, 'better on one task only');
});

test('confirmStats: a diverged run counts as 0; a seed missing a task is left out of the ratio', () => {
  const all = [
    ...runs('gru', 'a', [0.5, 0.5]),
    ...runs('y', 'a', [null, 0.5]),
    { architecture: 'z', task: 'a', seed: 0, value: 0.4 },
  ];
  const r = confirmStats(all, { gru: 'gru', tasks: ['a'] });
  const y = r.find((x) => x.architecture === 'y')!;
  assert.deepEqual([y.seeds, y.ratio], [2, 0.5]);
  const z = r.find((x) => x.architecture === 'z')!;
  assert.deepEqual([z.seeds, z.ci, z.p, z.better], [1, null, null, false]);
  close(z.ratio, 0.8);
  assert.throws(() => confirmStats(all, { gru: 'gru', tasks: ['a', 'missing'] }), /no confirmation run on 'missing'/);
});
