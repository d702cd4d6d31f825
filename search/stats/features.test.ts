import { test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { featureImportance, type FeatureTrial } from './features.ts';

const near = (got: number, want: number, tol: number, what: string) => assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want} ± ${tol}`);

test('feature importance recovers known shares, jointly with a log-scaled hyperparameter', () => {
  // Features drawn independently and uniformly; loss = 1.0 [no forget gate] + 0.5 [no output
  // activation] + 0.5 log10(lr), lr log-uniform on [1e-6, 1e-2]. Variances: 1/4, 1/16 and
  // 0.25 · 16/12 = 1/3; peepholes and the tanh count explain nothing.
  const rng = seedrandom.alea('features');
  const trials: FeatureTrial[] = Array.from({ length: 400 }, () => {
    const forget = rng() < 0.5;
    const outAct = rng() < 0.5;
    const lr = 10 ** (-6 + 4 * rng());
    return {
      features: { hasForgetGate: forget, hasOutputActivation: outAct, hasPeepholes: rng() < 0.5, tanhCount: 1 + Math.floor(rng() * 3), kind: 'lstm' },
      params: { lr },
      value: (forget ? 0 : 1) + (outAct ? 0 : 0.5) + 0.5 * Math.log10(lr),
    };
  });
  const V = 1 / 4 + 1 / 16 + 1 / 3;
  const r = featureImportance(trials, { seed: 3, pairs: false, space: [{ name: 'lr', scale: 'log', low: 1e-6, high: 1e-2 }] });
  assert.deepEqual(r.constant, ['kind']);
  assert.deepEqual(r.features.map((f) => f.name).slice(0, 2), ['hasForgetGate', 'hasOutputActivation']);
  assert.deepEqual(r.features.map((f) => f.rank), [1, 2, 3, 4]);
  near(r.features[0].fraction, 1 / 4 / V, 0.05, 'hasForgetGate (0.387)');
  near(r.features[1].fraction, 1 / 16 / V, 0.05, 'hasOutputActivation (0.097)');
  for (const f of r.features.slice(2)) near(f.fraction, 0, 0.05, f.name);
  near(r.fanova!.main.find((m) => m.name === 'lr')!.fraction, 1 / 3 / V, 0.05, 'lr (0.516)');
  assert.deepEqual(r.features.find((f) => f.name === 'tanhCount')!.values, [1, 2, 3]);
  assert.deepEqual(r.features[0].values, [false, true]);
  // Marginal means: with forget gate about mean(0.5 [no out act] · 1/2) + 0.5 · (-4) = -1.75.
  const forget = r.features[0].marginalMeans;
  assert.equal(forget[0].n + forget[1].n, 400);
  near(forget[1].mean, -1.75, 0.1, 'mean loss with a forget gate');
  near(r.features[0].spread, 1, 0.1, 'spread of hasForgetGate');
});

test('Greff-style one-knockout variants: the two harmful knockouts rank first', () => {
  // Vanilla plus six variants that each remove one component; removing the forget gate or the
  // output activation hurts most, as Greff et al. found. Noise from seeded random search.
  const parts = ['inputGate', 'forgetGate', 'outputGate', 'inputActivation', 'outputActivation', 'peepholes'];
  const harm: Record<string, number> = { forgetGate: 2, outputActivation: 1.5, inputGate: 0.2, outputGate: 0.2, inputActivation: 0.1, peepholes: 0 };
  const rng = seedrandom.alea('greff');
  const trials: FeatureTrial[] = [];
  for (const removed of [null, ...parts])
    for (let k = 0; k < 20; k++) {
      const features = Object.fromEntries(parts.map((p) => [`has_${p}`, p !== removed]));
      trials.push({ features, value: 1 + (removed ? harm[removed] : 0) + 0.3 * (rng() - 0.5) });
    }
  const r = featureImportance(trials, { seed: 1 });
  assert.deepEqual(r.features.slice(0, 2).map((f) => f.name), ['has_forgetGate', 'has_outputActivation']);
  // Marginal means by hand: without the forget gate only NFG trials, mean 3 ± noise.
  const nfg = r.features[0].marginalMeans.find((m) => m.value === false)!;
  assert.equal(nfg.n, 20);
  near(nfg.mean, 3, 0.1, 'NFG mean');
});

test('feature importance: constant features, determinism and bad input', () => {
  const trials: FeatureTrial[] = [0, 1, 2, 3, 4, 5].map((i) => ({ features: { a: i % 2 === 0, b: 'x' }, value: i % 2 }));
  const none = featureImportance(trials.map((t) => ({ ...t, features: { b: 'x' } })), { seed: 1 });
  assert.deepEqual(none, { features: [], constant: ['b'], fanova: null });
  const r = featureImportance(trials, { seed: 1, nTrees: 4 });
  assert.deepEqual(featureImportance(trials, { seed: 1, nTrees: 4 }), r);
  assert.equal(r.features[0].name, 'a');
  near(r.features[0].fraction, 1, 1e-12, 'a alone explains everything');
  assert.throws(() => featureImportance([{ features: { a: true }, value: 1 }, { features: {}, value: 2 }], { seed: 1 }), /trial 1 has no value for feature a/);
  assert.throws(() => featureImportance([{ features: { a: true }, value: 1 }, { features: { a: 1 }, value: 2 }], { seed: 1 }), /mixes value types/);
  assert.throws(() => featureImportance([{ features: { a: true }, value: NaN }, { features: { a: false }, value: 2 }], { seed: 1 }), /non-finite metric/);
});
