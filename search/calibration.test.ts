import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memorizationPasses, summarizeCalibration, type CalibrationTrial } from './calibration.ts';

const trial = (cell: string, t: number, lr: number, accuracy: number | null, seconds: number | null = 2): CalibrationTrial => ({
  cell,
  trial: t,
  setting: { learningRate: lr, layers: t % 2 ? 2 : 1 },
  accuracy,
  seconds,
});

test('summarizeCalibration: pass rate, median (diverged as 0) and cost per cell, in order of appearance', () => {
  const trials = [
    trial('gru', 0, 0.5, 0.97),
    trial('lstm', 0, 0.5, 0.96),
    trial('gru', 1, 5, null),
    trial('lstm', 1, 5, 0.1, 4),
    trial('gru', 2, 1, 0.95),
    trial('lstm', 2, 1, 0.94, null),
  ];
  const c = summarizeCalibration(trials, { threshold: 0.95 });
  assert.deepEqual(c.rule, { threshold: 0.95 });
  assert.deepEqual(c.cells.map((x) => x.cell), ['gru', 'lstm']);
  const [gru, lstm] = c.cells;
  assert.deepEqual({ n: gru.n, passed: gru.passed }, { n: 3, passed: 2 });
  assert.ok(Math.abs(gru.passRate - 2 / 3) < 1e-12);
  assert.equal(gru.median, 0.95); // 0 (diverged), 0.95, 0.97
  assert.equal(gru.meanSeconds, 2);
  assert.deepEqual({ n: lstm.n, passed: lstm.passed, median: lstm.median }, { n: 3, passed: 1, median: 0.94 });
  assert.equal(lstm.meanSeconds, 3); // the unknown time is left out
});

test('summarizeCalibration: pass counts per value of each grid dimension, values ascending', () => {
  const trials = [trial('gru', 0, 5, 0.1), trial('gru', 1, 0.5, 0.99), trial('gru', 2, 0.5, 0.9), trial('tanh', 0, 5, 0.2), trial('tanh', 1, 0.5, 0.96)];
  const c = summarizeCalibration(trials, { threshold: 0.95 });
  const lr = c.byValue.filter((d) => d.dimension === 'learningRate');
  assert.deepEqual(lr.map((d) => d.value), [0.5, 5]);
  assert.deepEqual(lr[0].cells, { gru: { n: 2, passed: 1 }, tanh: { n: 1, passed: 1 } });
  assert.deepEqual(lr[1].cells, { gru: { n: 1, passed: 0 }, tanh: { n: 1, passed: 0 } });
  const layers = c.byValue.filter((d) => d.dimension === 'layers');
  assert.deepEqual(layers.map((d) => [d.value, d.cells.gru]), [[1, { n: 2, passed: 0 }], [2, { n: 1, passed: 1 }]]);
});

test('summarizeCalibration: NaN accuracy counts as a run that did not pass', () => {
  const c = summarizeCalibration([trial('gru', 0, 1, Number.NaN), trial('gru', 1, 1, 1)], { threshold: 0.5 });
  assert.equal(c.cells[0].passed, 1);
  assert.equal(c.cells[0].median, 0.5);
});

test('memorizationPasses: absolute, or relative to the GRU with the same setting, above a floor', () => {
  const abs = { threshold: 0.95 };
  assert.equal(memorizationPasses(0.95, 0.2, abs), true);
  assert.equal(memorizationPasses(0.9, 0.2, abs), false);
  assert.equal(memorizationPasses(null, 0.2, abs), false);
  const rel = { threshold: 0.95, gruFraction: 0.9, floor: 0.08 };
  assert.equal(memorizationPasses(0.5, 0.55, rel), true, '0.5 >= 0.9 x 0.55');
  assert.equal(memorizationPasses(0.49, 0.55, rel), false);
  assert.equal(memorizationPasses(0.95, 1, rel), true, 'the absolute threshold caps the relative one');
  assert.equal(memorizationPasses(0.07, 0.05, rel), false, 'at or below the floor nothing passes, whatever the GRU did');
  assert.equal(memorizationPasses(0.5, undefined, rel), false, 'no GRU run: the absolute threshold');
  assert.equal(memorizationPasses(Number.NaN, 0.5, rel), false);
});

test('summarizeCalibration: a relative rule judges each run against the GRU of its trial', () => {
  const trials = [trial('gru', 0, 1, 0.6), trial('lstm', 0, 1, 0.55), trial('tanh', 0, 1, 0.3), trial('gru', 1, 5, 0.05), trial('lstm', 1, 5, 0.06), trial('tanh', 1, 5, 0.04)];
  const c = summarizeCalibration(trials, { threshold: 0.95, gruFraction: 0.9, floor: 0.08 });
  assert.deepEqual(c.cells.map((x) => [x.cell, x.passed]), [['gru', 1], ['lstm', 1], ['tanh', 0]]);
});
