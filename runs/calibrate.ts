// The "calibrate" study: the reference cells trained on the memorization task over N settings of
// the preset's grid (an ablation study of kind 'ablate', so it resumes, reports and analyses like
// one), summarized as each cell's pass rate under the search's memorization rule
// (search/calibration.ts). A stage that the GRU itself fails at most settings rejects every
// candidate: this is how a preset's memorization stage is checked and set.
import { UserError } from '../errors.ts';
import { summarizeCalibration, type Calibration, type CalibrationTrial, type PassRule } from '../search/calibration.ts';
import type { Fidelity, Scale } from '../search/space.ts';
import type { AblateRequest, LoadedAblation } from './ablate.ts';
import type { Cell } from '../cells/graph.ts';

export const CALIBRATION_CELLS = ['gru', 'lstm', 'tanh-rnn'] as const;
export const CALIBRATION_TASK = 'memorize';

/** The ablation that calibrates a preset: the reference cells, memorization, the Jozefowicz grid, accuracy. */
export function calibrationRequest(o: { cells: { ref: string; cell: Cell }[]; scale: Scale; trials: number; seed: number; name?: string }): AblateRequest {
  if (!o.cells.some((c) => c.ref === 'gru')) throw new UserError('calibration needs the GRU among the cells: the memorization rule is relative to it');
  return {
    cells: o.cells,
    cellsLabel: o.cells.map((c) => c.ref).join('+'),
    baseline: 'gru',
    tasks: [CALIBRATION_TASK],
    trials: o.trials,
    space: 'jozefowicz',
    scale: o.scale,
    metric: 'accuracy',
    seed: o.seed,
    name: o.name ?? `calibrate-${o.scale}`,
    presetGrid: true,
  };
}

/** The search's memorization rule at a preset (search/strategies: the memorization stage). */
export function memorizationRule(fid: Fidelity): PassRule {
  const symbols = fid.tasks.memorize.symbols;
  return { threshold: fid.search.memorizeThreshold, gruFraction: fid.search.memorizeFraction, floor: 2 / symbols };
}

/** The calibration of a finished (or partly finished) calibration study. */
export function calibrationOf(loaded: LoadedAblation, fid: Fidelity): Calibration {
  const trials: CalibrationTrial[] = [];
  for (const [i, row] of loaded.rows.entries()) {
    const e = loaded.evaluations[i];
    if (e.status === 'queued' || e.status === 'running') continue;
    trials.push({
      cell: row.variant,
      trial: row.trial,
      setting: row.params,
      accuracy: Number.isFinite(row.valid) ? row.valid : null,
      seconds: e.wallMs === null ? null : e.wallMs / 1000,
    });
  }
  return summarizeCalibration(trials, memorizationRule(fid));
}

const pct = (k: number, n: number) => (n === 0 ? '-' : `${Math.round((100 * k) / n)}%`);

/** The table `cellsearch calibrate` prints. */
export function calibrationText(c: Calibration, scale: Scale): string {
  const r = c.rule;
  const rule = r.gruFraction === undefined
    ? `accuracy >= ${r.threshold}`
    : `accuracy >= min(${r.threshold}, ${r.gruFraction} x the GRU's with the same setting) and > ${(r.floor ?? 0).toFixed(3)}`;
  const lines = [`memorization stage at scale '${scale}': a run passes when ${rule}`];
  lines.push(`${'cell'.padEnd(10)} ${'runs'.padStart(5)} ${'passed'.padStart(7)} ${'rate'.padStart(5)} ${'median acc'.padStart(10)} ${'s/run'.padStart(7)}`);
  for (const x of c.cells) {
    lines.push(`${x.cell.padEnd(10)} ${String(x.n).padStart(5)} ${String(x.passed).padStart(7)} ${pct(x.passed, x.n).padStart(5)} ${x.median.toFixed(3).padStart(10)} ${(Number.isFinite(x.meanSeconds) ? x.meanSeconds.toFixed(1) : '-').padStart(7)}`);
  }
  lines.push('pass rate by grid value (cells in the order above):');
  const names = c.cells.map((x) => x.cell);
  let dim = '';
  let row: string[] = [];
  const flush = () => {
    if (dim) lines.push(`  ${dim}: ${row.join(' | ')}`);
  };
  for (const d of c.byValue) {
    if (d.dimension !== dim) {
      flush();
      dim = d.dimension;
      row = [];
    }
    row.push(`${d.value}: ${names.map((n) => (d.cells[n] ? `${d.cells[n].passed}/${d.cells[n].n}` : '-')).join(' ')}`);
  }
  flush();
  return lines.join('\n') + '\n';
}
