// The calibration of a preset's memorization stage: the reference cells (GRU, LSTM, Tanh RNN)
// trained on the memorization task over N settings of the preset's grid, each setting shared by
// every cell (trial t has the same setting for all). A stage that the GRU itself fails at most
// settings filters out every candidate; `cellsearch calibrate` shows, per cell, how often it
// passes the preset's threshold, and per value of each grid dimension, which values cannot work
// at this budget (so that the preset's grid can leave them out). Pure: the runs layer trains.
import { describe } from './stats/describe.ts';

export interface CalibrationTrial {
  /** The cell's name (a zoo key). */
  cell: string;
  /** The shared setting's number. */
  trial: number;
  /** The grid coordinates of the setting (learningRate, layers, initScale, clip, ...). */
  setting: Readonly<Record<string, number | string>>;
  /** Best validation accuracy; null when the run diverged or failed (counts as not passing). */
  accuracy: number | null;
  /** Training time of the run, seconds (for the cost column). */
  seconds: number | null;
}

export interface CellCalibration {
  cell: string;
  n: number;
  passed: number;
  passRate: number;
  /** Of the accuracies, a diverged run counting as 0. */
  median: number;
  /** Mean training seconds per run (NaN when none is known). */
  meanSeconds: number;
}

export interface DimensionPass {
  dimension: string;
  value: number | string;
  /** Per cell: runs at this value and how many passed. */
  cells: Record<string, { n: number; passed: number }>;
}

export interface Calibration {
  threshold: number;
  cells: CellCalibration[];
  byValue: DimensionPass[];
}

const passes = (t: CalibrationTrial, threshold: number) => t.accuracy !== null && Number.isFinite(t.accuracy) && t.accuracy >= threshold;

/** Pass rates per cell (in order of first appearance) and per value of every grid dimension. */
export function summarizeCalibration(trials: readonly CalibrationTrial[], threshold: number): Calibration {
  const byCell = new Map<string, CalibrationTrial[]>();
  for (const t of trials) {
    const list = byCell.get(t.cell) ?? [];
    list.push(t);
    byCell.set(t.cell, list);
  }
  const cells = [...byCell].map(([cell, ts]): CellCalibration => {
    const passed = ts.filter((t) => passes(t, threshold)).length;
    const acc = ts.map((t) => (t.accuracy !== null && Number.isFinite(t.accuracy) ? t.accuracy : 0));
    const secs = ts.map((t) => t.seconds).filter((s): s is number => s !== null && Number.isFinite(s));
    return {
      cell,
      n: ts.length,
      passed,
      passRate: passed / ts.length,
      median: describe(acc, { direction: 'maximize' }).median,
      meanSeconds: secs.length ? secs.reduce((a, b) => a + b, 0) / secs.length : Number.NaN,
    };
  });
  const dims = new Map<string, Map<number | string, Record<string, { n: number; passed: number }>>>();
  for (const t of trials) {
    for (const [dimension, value] of Object.entries(t.setting)) {
      const values = dims.get(dimension) ?? new Map();
      dims.set(dimension, values);
      const row = values.get(value) ?? {};
      values.set(value, row);
      const c = (row[t.cell] ??= { n: 0, passed: 0 });
      c.n++;
      if (passes(t, threshold)) c.passed++;
    }
  }
  const byValue: DimensionPass[] = [];
  for (const [dimension, values] of dims) {
    const sorted = [...values].sort(([a], [b]) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))));
    for (const [value, c] of sorted) byValue.push({ dimension, value, cells: c });
  }
  return { threshold, cells, byValue };
}
