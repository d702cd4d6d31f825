import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareToBaseline } from './ablation.ts';
import { holm } from './holm.ts';
import { topFraction } from './describe.ts';
import { welchTTest } from './welch.ts';

interface Trial {
  valid: number;
  test: number;
}
const base = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
// Test error = validation error + a small, trial-dependent offset, so the two metrics differ.
const trialsOf = (xs: number[]): Trial[] => xs.map((v, i) => ({ valid: v, test: v + ((i * 3) % 5) / 10 }));
const groups = new Map<string, Trial[]>([
  ['vanilla', trialsOf(base)],
  ['NFG', trialsOf(base.map((v) => v + 20))], // far worse
  ['B', trialsOf(base.map((v) => v + 3.2))], // worse, p about 0.03
  ['C', trialsOf(base.map((v) => v + 3.0))], // worse, p about 0.04
  ['PEEP', trialsOf(base.map((v) => v - 0.1))], // no difference
  ['ONE', trialsOf([4])], // too few trials to test
]);

test('compareToBaseline: Welch, Holm and the verdicts per variant on all trials', () => {
  const r = compareToBaseline(groups, { baseline: 'vanilla', metric: 'test', by: 'valid', direction: 'minimize', bootstrap: { seed: 9, resamples: 500 } });
  const all = r.rows.filter((x) => x.subset === 'all');
  assert.deepEqual(all.map((x) => x.variant), ['NFG', 'B', 'C', 'PEEP', 'ONE']);
  const row = (v: string) => all.find((x) => x.variant === v)!;
  // Each row's test is Welch's test of the variant's test errors against the baseline's.
  assert.deepEqual(row('B').welch, welchTTest(trialsOf(base.map((v) => v + 3.2)).map((t) => t.test), trialsOf(base).map((t) => t.test)));
  assert.ok(row('B').p > 0.02 && row('B').p < 0.05, `B: p ${row('B').p}`);
  assert.ok(row('C').p > 0.02 && row('C').p < 0.05, `C: p ${row('C').p}`);
  // Holm over the four testable p values (NaN for ONE passes through).
  const want = holm(all.map((x) => x.p));
  all.forEach((x, i) => assert.ok(Object.is(x.pHolm, want[i]) || Math.abs(x.pHolm - want[i]) < 1e-15));
  assert.equal(row('NFG').significant && row('NFG').significantHolm, true);
  assert.equal(row('NFG').better, false);
  assert.deepEqual([row('B').significant, row('B').significantHolm, row('B').holmChanged], [true, false, true]);
  assert.deepEqual([row('C').significant, row('C').significantHolm, row('C').holmChanged], [true, false, true]);
  assert.equal(row('PEEP').significant, false);
  assert.equal(row('PEEP').better, true);
  assert.equal(r.holmChanges.all, true);
  assert.equal(row('ONE').welch, null);
  assert.equal(row('ONE').ci, null);
  assert.ok(Number.isNaN(row('ONE').p));
  assert.equal(row('ONE').better, null);
  // The bootstrap interval brackets the difference of means and is seeded per comparison.
  const ci = row('NFG').ci!;
  assert.ok(ci.low < 20 && 20 < ci.high && ci.seed === '9|NFG|all');
});

test('compareToBaseline: the top fraction is chosen on validation and reported on test', () => {
  const r = compareToBaseline(groups, { baseline: 'vanilla', metric: 'test', by: 'valid', direction: 'minimize', fraction: 0.3, bootstrap: { seed: 1, resamples: 200 } });
  const nfg = r.rows.find((x) => x.subset === 'top' && x.variant === 'NFG')!;
  const pickTop = (ts: Trial[]) => topFraction(ts, 0.3, { by: 'valid', report: 'test', direction: 'minimize' }).values;
  assert.deepEqual(nfg.welch, welchTTest(pickTop(groups.get('NFG')!), pickTop(groups.get('vanilla')!)));
  assert.equal(nfg.n, 3);
  const g = r.groups.find((x) => x.variant === 'vanilla')!;
  assert.equal(g.topK, 3);
  assert.equal(g.nTrials, 10);
  assert.equal(g.allBy!.best, 1);
  assert.equal(g.top!.n, 3);
  assert.equal(r.groups.length, 6);
  // Diverged trials are counted and left out of the test.
  const withNaN = new Map(groups);
  withNaN.set('NFG', [...groups.get('NFG')!, { valid: NaN, test: NaN }]);
  const r2 = compareToBaseline(withNaN, { baseline: 'vanilla', metric: 'test', by: 'valid', direction: 'minimize', bootstrap: { seed: 1, resamples: 200 } });
  const row = r2.rows.find((x) => x.subset === 'all' && x.variant === 'NFG')!;
  assert.deepEqual([row.n, row.nonFinite], [10, 1]);
  assert.throws(() => compareToBaseline(groups, { baseline: 'nope', metric: 'test', by: 'valid', direction: 'minimize', bootstrap: { seed: 1 } }), /no trials for the baseline nope/);
});
