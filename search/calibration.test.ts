import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeCalibration, type CalibrationTrial } from './calibration.ts';

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
  const c = summarizeCalibration(trials, 0.95);
  assert.equal(c.threshold, 0.95);
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
  const c = summarizeCalibration(trials, 0.95);
  const lr = c.byValue.filter((d) => d.dimension === 'learningRate');
  assert.deepEqual(lr.map((d) => d.value), [0.5, 5]);
  assert.deepEqual(lr[0].cells, { gru: { n: 2, passed: 1 }, tanh: { n: 1, passed: 1 } });
  assert.deepEqual(lr[1].cells, { gru: { n: 1, passed: 0 }, tanh: { n: 1, passed: 0 } });
  const layers = c.byValue.filter((d) => d.dimension === 'layers');
  assert.deepEqual(layers.map((d) => [d.value, d.cells.gru]), [[1, { n: 2, passed: 0 }], [2, { n: 1, passed: 1 }]]);
});

test('summarizeCalibration: NaN accuracy counts as a run that did not pass', () => {
  const c = summarizeCalibration([trial('gru', 0, 1, Number.NaN), trial('gru', 1, 1, 1)], 0.5);
  assert.equal(c.cells[0].passed, 1);
  assert.equal(c.cells[0].median, 0.5);
});
