import { test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { bootstrapMeanDiffCI } from './bootstrap.ts';

function normalSample(rng: () => number, n: number, mu: number, sd: number): number[] {
  const out: number[] = [];
  while (out.length < n) {
    // Box–Muller; 1 - u keeps the logarithm's argument in (0, 1].
    const r = Math.sqrt(-2 * Math.log(1 - rng()));
    const th = 2 * Math.PI * rng();
    out.push(mu + sd * r * Math.cos(th), mu + sd * r * Math.sin(th));
  }
  return out.slice(0, n);
}

test('bootstrap CI of a difference of means covers the truth about 95% of the time', () => {
  const rng = seedrandom.alea('coverage');
  const reps = 200;
  const trueDiff = 0.5;
  const hits = { percentile: 0, bca: 0 };
  for (let r = 0; r < reps; r++) {
    const a = normalSample(rng, 20, 1.5, 1);
    const b = normalSample(rng, 25, 1.0, 2);
    for (const method of ['percentile', 'bca'] as const) {
      const ci = bootstrapMeanDiffCI(a, b, { level: 0.95, resamples: 1000, seed: `rep ${r}`, method });
      assert.ok(ci.low <= ci.estimate && ci.estimate <= ci.high);
      if (ci.low <= trueDiff && trueDiff <= ci.high) hits[method]++;
    }
  }
  for (const method of ['percentile', 'bca'] as const) {
    const coverage = hits[method] / reps;
    assert.ok(coverage >= 0.9 && coverage <= 0.98, `${method} coverage ${coverage}`);
  }
});

test('BCa and percentile intervals agree with SciPy on skewed data', () => {
  // SciPy 1.17: stats.bootstrap((x, y), mean(x) - mean(y), n_resamples=400000) gives
  // BCa (0.380, 3.111) and percentile (0.228, 2.550); Monte Carlo error allows a tolerance.
  const x = [0.1, 0.2, 0.2, 0.3, 0.5, 0.6, 0.9, 1.4, 2.2, 3.9, 7.5, 0.4];
  const y = [0.3, 0.1, 0.2, 0.25, 0.4, 0.35, 0.2, 0.5, 0.3, 0.45];
  const bca = bootstrapMeanDiffCI(x, y, { resamples: 20000, seed: 7 });
  const pct = bootstrapMeanDiffCI(x, y, { resamples: 20000, seed: 7, method: 'percentile' });
  assert.equal(bca.method, 'bca');
  assert.ok(Math.abs(bca.low - 0.38) < 0.05 && Math.abs(bca.high - 3.111) < 0.12, `BCa ${bca.low} ${bca.high}`);
  assert.ok(Math.abs(pct.low - 0.228) < 0.05 && Math.abs(pct.high - 2.55) < 0.12, `percentile ${pct.low} ${pct.high}`);
});

test('bootstrap CI is deterministic for a seed and changes with it', () => {
  const a = [1, 2, 3, 4, 5, 6];
  const b = [2, 2, 5, 7, 1, 0, 3];
  const one = bootstrapMeanDiffCI(a, b, { seed: 42 });
  assert.deepEqual(bootstrapMeanDiffCI(a, b, { seed: 42 }), one);
  assert.deepEqual(one.seed, 42);
  assert.equal(one.resamples, 2000);
  assert.equal(one.level, 0.95);
  assert.notDeepEqual(bootstrapMeanDiffCI(a, b, { seed: 43 }), one);
  assert.throws(() => bootstrapMeanDiffCI(a, b, { seed: 1, resamples: 10 }), RangeError);
  // Constant groups: every resample equals the estimate, the interval collapses onto it.
  const flat = bootstrapMeanDiffCI([2, 2, 2], [1, 1], { seed: 1 });
  assert.deepEqual([flat.low, flat.estimate, flat.high], [1, 1, 1]);
});
