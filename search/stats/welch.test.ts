import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cohenD, hedgesCorrection, hedgesG, welchTTest } from './welch.ts';

// R's `sleep` data set (Cushny & Peebles 1905 via Student 1908): extra hours of sleep under two
// drugs. R: t.test(extra ~ group, data = sleep) prints
//   t = -1.8608, df = 17.776, p-value = 0.07939
//   95 percent confidence interval: -3.3654832  0.2054832
//   mean in group 1 0.75, mean in group 2 2.33
const group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

test("Welch's t-test reproduces R's t.test on the sleep data", () => {
  const r = welchTTest(group1, group2);
  assert.ok(Math.abs(r.meanA - 0.75) < 1e-12);
  assert.ok(Math.abs(r.meanB - 2.33) < 1e-12);
  assert.ok(Math.abs(r.t - -1.8608) < 5e-5, `t = ${r.t}`);
  assert.ok(Math.abs(r.df - 17.776) < 5e-4, `df = ${r.df}`);
  assert.ok(Math.abs(r.p - 0.07939) < 5e-6, `p = ${r.p}`);
  assert.ok(Math.abs(r.ci[0] - -3.3654832) < 5e-8, `ci low = ${r.ci[0]}`);
  assert.ok(Math.abs(r.ci[1] - 0.2054832) < 5e-8, `ci high = ${r.ci[1]}`);
  // Full-precision values from SciPy 1.17 stats.ttest_ind(equal_var=False).
  assert.ok(Math.abs(r.t - -1.8608134674868526) < 1e-12);
  assert.ok(Math.abs(r.df - 17.776473516178488) < 1e-10);
  assert.ok(Math.abs(r.p - 0.0793941401873583) < 1e-12);
  // Swapping the groups flips the sign and keeps p.
  const s = welchTTest(group2, group1);
  assert.ok(Math.abs(s.t + r.t) < 1e-12 && Math.abs(s.p - r.p) < 1e-15);
});

test("Cohen's d and Hedges' g on the sleep data", () => {
  // Pooled sd over 18 df; d = (0.75 - 2.33) / s_p. J(18) = Γ(9) / (3 Γ(8.5)).
  assert.ok(Math.abs(cohenD(group1, group2) - -0.8321810813495395) < 1e-12);
  assert.ok(Math.abs(hedgesCorrection(18) - 0.95764642702372) < 1e-12);
  assert.ok(Math.abs(hedgesCorrection(18) - (1 - 3 / (4 * 18 - 1))) < 2e-4); // Hedges' approximation
  assert.ok(Math.abs(hedgesG(group1, group2) - -0.7969352391911222) < 1e-12);
  const r = welchTTest(group1, group2);
  assert.equal(r.cohenD, cohenD(group1, group2));
  assert.equal(r.hedgesG, hedgesG(group1, group2));
});

test("Welch's test on degenerate and invalid input", () => {
  const same = welchTTest([1, 1, 1], [1, 1]);
  assert.equal(same.t, 0);
  assert.equal(same.p, 1);
  assert.equal(same.cohenD, 0);
  const apart = welchTTest([1, 1, 1], [2, 2]);
  assert.equal(apart.t, -Infinity);
  assert.equal(apart.p, 0);
  assert.equal(apart.cohenD, -Infinity);
  assert.throws(() => welchTTest([1], [1, 2]), /needs at least 2 values/);
  assert.throws(() => welchTTest([1, NaN], [1, 2]), /non-finite value \(NaN\) at index 1/);
  assert.throws(() => welchTTest([1, 2], [1, 2], { level: 1 }), RangeError);
});
