import { test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { compareToBaseline, describe } from '../stats/index.ts';
import { analyzeAblation, ablationSummaryText, type AblationRow } from './analysis.ts';
import type { Dimension } from '../stats/index.ts';

const space: Dimension[] = [
  { name: 'hidden', scale: 'log', low: 10, high: 40 },
  { name: 'learningRate', scale: 'log', low: 1e-6, high: 1e-2 },
];

// Loss = 2 + a variant offset + a learning-rate effect + noise; 'bad' is clearly worse, 'same' is not.
function rows(trials = 30): AblationRow[] {
  const rng = seedrandom.alea('analysis-test');
  const offset: Record<string, number> = { base: 0, same: 0, bad: 1 };
  const out: AblationRow[] = [];
  for (let t = 0; t < trials; t++) {
    const lr = Math.exp(Math.log(1e-6) + rng() * Math.log(1e4));
    const hidden = Math.round(10 * Math.exp(rng() * Math.log(4)));
    for (const variant of ['base', 'same', 'bad']) {
      const value = 2 + offset[variant] + 0.3 * Math.log10(1e-2 / lr) + 0.1 * rng();
      out.push({
        variant,
        task: 'toy',
        trial: t,
        status: variant === 'bad' && t === 0 ? 'diverged' : 'done',
        params: { hidden, learningRate: lr },
        features: { hasForgetGate: variant !== 'bad', count_linear: 4 },
        valid: value + 0.01,
        test: variant === 'bad' && t === 0 ? Number.NaN : value,
      });
    }
  }
  out.push({ variant: 'same', task: 'toy', trial: 99, status: 'failed', params: { hidden: 10, learningRate: 1e-3 }, features: { hasForgetGate: true, count_linear: 4 }, valid: Number.NaN, test: Number.NaN });
  return out;
}

test('ranking, tests and verdicts match search/stats on the same groups', () => {
  const data = rows();
  const a = analyzeAblation(data, { baseline: 'base', metric: 'loss', direction: 'minimize', space, seed: 5 });
  assert.equal(a.tasks.length, 1);
  const t = a.tasks[0];
  assert.equal(t.trials, 91);
  assert.equal(t.failed, 1);
  assert.equal(t.diverged, 1);
  assert.equal(t.ranking.at(-1)!.variant, 'bad');
  const bad = t.ranking.find((r) => r.variant === 'bad')!;
  assert.equal(bad.nonFinite, 1);
  assert.equal(bad.n, 29);
  assert.equal(bad.all!.direction, 'worse');
  assert.ok(bad.all!.significant && bad.all!.significantHolm);
  const same = t.ranking.find((r) => r.variant === 'same')!;
  assert.equal(same.failed, 1);
  assert.equal(same.all!.direction, 'same');
  assert.equal(t.ranking.find((r) => r.variant === 'base')!.all, null);
  // The same numbers as the stats functions on hand-built groups.
  const groups = new Map(['base', 'same', 'bad'].map((v) => [v, data.filter((r) => r.variant === v && r.status !== 'failed')]));
  const ref = compareToBaseline(groups, { baseline: 'base', metric: 'test', by: 'valid', direction: 'minimize', bootstrap: { seed: '5|toy' } });
  assert.deepEqual(t.comparison, ref);
  const med = describe(data.filter((r) => r.variant === 'bad').map((r) => r.test), { direction: 'minimize' }).median;
  assert.equal(bad.median, med);
  // fANOVA: the learning rate carries the hyperparameter variance (hidden only the noise the forest
  // fits with it, the variant being no dimension); diverged trials get the worst value.
  assert.ok(t.fanova);
  const lr = t.fanova.main.find((m) => m.name === 'learningRate')!;
  const hidden = t.fanova.main.find((m) => m.name === 'hidden')!;
  assert.ok(lr.fraction > 0.5 && lr.fraction > 3 * hidden.fraction, `lr ${lr.fraction}, hidden ${hidden.fraction}`);
  assert.equal(t.divergedValue, Math.max(...data.filter((r) => Number.isFinite(r.test)).map((r) => r.test)));
  assert.equal(t.variantMarginals.length, 3);
  assert.equal(t.variantMarginals[0].marginals.length, 2);
  assert.ok(t.features);
  assert.deepEqual(t.features.constant, ['count_linear']);
  assert.equal(t.features.features[0].name, 'hasForgetGate');
  // Deterministic.
  assert.deepEqual(analyzeAblation(data, { baseline: 'base', metric: 'loss', direction: 'minimize', space, seed: 5 }), a);
});

test('the summary ranks by median and marks significance; same features give no feature importance', () => {
  const data = rows(12).map((r) => ({ ...r, features: { hasForgetGate: true } }));
  const a = analyzeAblation(data, { baseline: 'base', metric: 'loss', direction: 'minimize', space, seed: 1 });
  assert.equal(a.tasks[0].features, null);
  assert.ok(a.tasks[0].notes.some((n) => /same architecture features/.test(n)));
  const text = ablationSummaryText(a);
  const lines = text.split('\n');
  const rankLines = lines.filter((l) => /^\s+\d\s+\S+/.test(l));
  assert.deepEqual(rankLines.map((l) => l.trim().split(/\s+/)[1]).at(-1), 'bad');
  assert.match(text, /bad\s+11\+1d.*worse\*/);
  assert.match(text, /base\s.*baseline/);
  assert.match(text, /fANOVA \(32 trees/);
});

test('too few trials: no fANOVA, a note, no throw; a missing baseline is an error', () => {
  const few = [...rows(1), { ...rows(1)[0], trial: 1, status: 'queued' as const, valid: Number.NaN, test: Number.NaN }];
  const a = analyzeAblation(few, { baseline: 'base', metric: 'loss', direction: 'minimize', space, seed: 1 });
  assert.equal(a.tasks[0].fanova, null);
  assert.equal(a.tasks[0].unfinished, 1);
  assert.match(ablationSummaryText(a), /1 not run yet/);
  assert.ok(a.tasks[0].notes.some((n) => /fANOVA needs/.test(n)));
  assert.throws(() => analyzeAblation(few, { baseline: 'nope', metric: 'loss', direction: 'minimize', space, seed: 1 }), /baseline nope/);
});
