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
  setting: Readonly<Record<string, number | string | boolean>>;
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
  value: number | string | boolean;
  /** Per cell: runs at this value and how many passed. */
  cells: Record<string, { n: number; passed: number }>;
}

/**
 * When a memorization run passes: its accuracy must exceed `floor` (e.g. twice chance) and reach
 * `threshold`, or, with `gruFraction`, the smaller of `threshold` and that fraction of the GRU's
 * accuracy with the same setting: a setting the GRU itself cannot learn in the budget then judges
 * the cell, not the setting.
 */
export interface PassRule {
  threshold: number;
  gruFraction?: number;
  floor?: number;
}

export function memorizationPasses(accuracy: number | null, gruAccuracy: number | null | undefined, rule: PassRule): boolean {
  if (accuracy === null || !Number.isFinite(accuracy) || accuracy <= (rule.floor ?? 0)) return false;
  const relative = rule.gruFraction !== undefined && gruAccuracy !== null && gruAccuracy !== undefined && Number.isFinite(gruAccuracy);
  return accuracy >= (relative ? Math.min(rule.threshold, rule.gruFraction! * gruAccuracy) : rule.threshold);
}

export interface Calibration {
  rule: PassRule;
  cells: CellCalibration[];
  byValue: DimensionPass[];
}

/**
 * Pass rates per cell (in order of first appearance) and per value of every grid dimension. With
 * `rule.gruFraction`, each run is judged against the run of `reference` with the same trial.
 */
export function summarizeCalibration(trials: readonly CalibrationTrial[], rule: PassRule, reference = 'gru'): Calibration {
  const gruByTrial = new Map(trials.filter((t) => t.cell === reference).map((t) => [t.trial, t.accuracy]));
  const passes = (t: CalibrationTrial) => memorizationPasses(t.accuracy, gruByTrial.get(t.trial), rule);
  const byCell = new Map<string, CalibrationTrial[]>();
  for (const t of trials) {
    const list = byCell.get(t.cell) ?? [];
    list.push(t);
    byCell.set(t.cell, list);
  }
  const cells = [...byCell].map(([cell, ts]): CellCalibration => {
    const passed = ts.filter(passes).length;
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
  const dims = new Map<string, Map<number | string | boolean, Record<string, { n: number; passed: number }>>>();
  for (const t of trials) {
    for (const [dimension, value] of Object.entries(t.setting)) {
      const values = dims.get(dimension) ?? new Map();
      dims.set(dimension, values);
      const row = values.get(value) ?? {};
      values.set(value, row);
      const c = (row[t.cell] ??= { n: 0, passed: 0 });
      c.n++;
      if (passes(t)) c.passed++;
    }
  }
  const byValue: DimensionPass[] = [];
  for (const [dimension, values] of dims) {
    const sorted = [...values].sort(([a], [b]) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))));
    for (const [value, c] of sorted) byValue.push({ dimension, value, cells: c });
  }
  return { rule, cells, byValue };
}
