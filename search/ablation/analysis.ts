// The analysis of an ablation study, per task (Greff et al. 2016, Figures 3 and 4 and their
// tests), assembled from search/stats:
// - per variant: mean, median, best of all trials and the top fraction by validation reported on
//   test (`compareToBaseline`'s group summaries), and a ranking by median;
// - every variant against the baseline: Welch's t-test, Hedges' g, bootstrap CI, significance at
//   alpha, Holm within each family (all trials, top fraction);
// - fANOVA of the hyperparameters over every trial of the task (all variants together, as the
//   paper's Figure 5), main effects and pairs, plus each variant's own marginal curves for the
//   metric against the learning rate and the hidden size (the paper's Figure 4);
// - importance of the architecture features when the variants differ in them.
//
// Failed trials (no result) are left out and counted. Diverged trials have no test metric: the
// tests leave them out and count them; fANOVA and feature importance, which need a value for
// every point of the space they model, give them the worst finite metric of the task.
import {
  compareToBaseline,
  describe,
  fanova,
  FANOVA_METHOD,
  featureImportance,
  type AblationComparison,
  type Dimension,
  type Direction,
  type FanovaResult,
  type FeatureImportanceResult,
  type ParamValue,
} from '../stats/index.ts';

export interface AblationRow {
  /** The variant's label (zoo key or file). */
  variant: string;
  task: string;
  trial: number;
  status: 'done' | 'diverged' | 'failed' | 'queued' | 'running';
  /** The trial's values of the space's dimensions. */
  params: Record<string, ParamValue>;
  features: Record<string, boolean | number | string>;
  /** Selection metric (validation) and reported metric (test); NaN when missing. */
  valid: number;
  test: number;
}

export interface AnalysisOptions {
  baseline: string;
  /** The metric's name, for reports (e.g. 'loss'). */
  metric: string;
  direction: Direction;
  space: readonly Dimension[];
  seed: number;
  /** Top fraction by validation (default 0.1) and significance level (default 0.05). */
  fraction?: number;
  alpha?: number;
  /** Trees of the task-level forests (default 32) and of each variant's marginal curves (default 16). */
  nTrees?: number;
  variantTrees?: number;
}

export interface RankedVariant {
  variant: string;
  rank: number;
  nTrials: number;
  /** Finite test values and non-finite ones (diverged). */
  n: number;
  nonFinite: number;
  failed: number;
  mean: number;
  median: number;
  best: number;
  topMedian: number;
  topMean: number;
  topK: number;
  /** Significance against the baseline on all trials and on the top fraction: null for the baseline. */
  all: Verdict | null;
  top: Verdict | null;
}

export interface Verdict {
  p: number;
  pHolm: number;
  hedgesG: number;
  significant: boolean;
  significantHolm: boolean;
  /** 'better' | 'worse' when significant at alpha (uncorrected), 'same' otherwise. */
  direction: 'better' | 'worse' | 'same';
}

export interface VariantMarginals {
  variant: string;
  oobR2: number;
  nTrials: number;
  marginals: FanovaResult['marginals'];
}

export interface TaskAnalysis {
  task: string;
  trials: number;
  failed: number;
  diverged: number;
  /** Trials still queued or running (an interrupted study). */
  unfinished: number;
  ranking: RankedVariant[];
  comparison: AblationComparison | null;
  /** fANOVA of the hyperparameters over every trial of the task; null with fewer than 4 usable trials. */
  fanova: FanovaResult | null;
  /** The metric given to diverged trials in fANOVA and feature importance (the task's worst finite value). */
  divergedValue: number | null;
  variantMarginals: VariantMarginals[];
  /** Null when every variant has the same features, or too few trials. */
  features: FeatureImportanceResult | null;
  /** Why a part is missing, for the report. */
  notes: string[];
}

export interface AblationAnalysis {
  baseline: string;
  metric: string;
  direction: Direction;
  fraction: number;
  alpha: number;
  seed: number;
  method: string;
  nTrees: number;
  variantTrees: number;
  variants: string[];
  tasks: TaskAnalysis[];
}

const MIN_FANOVA = 4;

function verdict(row: AblationComparison['rows'][number] | undefined): Verdict | null {
  if (!row) return null;
  return {
    p: row.p,
    pHolm: row.pHolm,
    hedgesG: row.welch ? row.welch.hedgesG : Number.NaN,
    significant: row.significant,
    significantHolm: row.significantHolm,
    direction: row.significant ? (row.better ? 'better' : 'worse') : 'same',
  };
}

export function analyzeAblation(rows: readonly AblationRow[], o: AnalysisOptions): AblationAnalysis {
  const fraction = o.fraction ?? 0.1;
  const alpha = o.alpha ?? 0.05;
  const nTrees = o.nTrees ?? 32;
  const variantTrees = o.variantTrees ?? 16;
  const variants = [...new Set(rows.map((r) => r.variant))];
  if (!variants.includes(o.baseline) && rows.length > 0) throw new RangeError(`analyzeAblation: no trials of the baseline ${o.baseline}`);
  const tasks = [...new Set(rows.map((r) => r.task))];
  const worse = (a: number, b: number) => (o.direction === 'minimize' ? Math.max(a, b) : Math.min(a, b));

  const analyses = tasks.map((task): TaskAnalysis => {
    const taskRows = rows.filter((r) => r.task === task);
    const finished = taskRows.filter((r) => r.status === 'done' || r.status === 'diverged');
    const notes: string[] = [];
    const groups = new Map(variants.map((v) => [v, finished.filter((r) => r.variant === v)]));
    const hasBaseline = (groups.get(o.baseline)?.length ?? 0) > 0;
    const comparison = hasBaseline
      ? compareToBaseline(groups, { baseline: o.baseline, metric: 'test', by: 'valid', direction: o.direction, fraction, alpha, bootstrap: { seed: `${o.seed}|${task}` } })
      : null;
    if (!hasBaseline) notes.push(`no finished trial of the baseline ${o.baseline}: no tests`);

    const ranking: RankedVariant[] = variants.map((variant) => {
      const g = comparison?.groups.find((s) => s.variant === variant);
      const mine = groups.get(variant) ?? [];
      const values = mine.map((r) => r.test);
      const sum = values.some(Number.isFinite) ? describe(values, { direction: o.direction }) : null;
      const row = (subset: 'all' | 'top') => comparison?.rows.find((r) => r.variant === variant && r.subset === subset);
      return {
        variant,
        rank: 0,
        nTrials: taskRows.filter((r) => r.variant === variant).length,
        n: sum?.n ?? 0,
        nonFinite: values.length - (sum?.n ?? 0),
        failed: taskRows.filter((r) => r.variant === variant && r.status === 'failed').length,
        mean: sum?.mean ?? Number.NaN,
        median: sum?.median ?? Number.NaN,
        best: sum?.best ?? Number.NaN,
        topMedian: g?.top?.median ?? Number.NaN,
        topMean: g?.top?.mean ?? Number.NaN,
        topK: g?.topK ?? 0,
        all: variant === o.baseline ? null : verdict(row('all')),
        top: variant === o.baseline ? null : verdict(row('top')),
      };
    });
    // Best median first; variants without a finite value last, in their listed order.
    const sign = o.direction === 'minimize' ? 1 : -1;
    ranking.sort((a, b) => {
      const fa = Number.isFinite(a.median);
      const fb = Number.isFinite(b.median);
      if (fa !== fb) return fa ? -1 : 1;
      if (fa && a.median !== b.median) return sign * (a.median - b.median);
      return variants.indexOf(a.variant) - variants.indexOf(b.variant);
    });
    ranking.forEach((r, i) => (r.rank = i + 1));

    const finiteTests = finished.map((r) => r.test).filter(Number.isFinite);
    const divergedValue = finiteTests.length ? finiteTests.reduce(worse) : null;
    const modelValue = (v: number) => (Number.isFinite(v) ? v : (divergedValue as number));
    let fan: FanovaResult | null = null;
    const variantMarginals: VariantMarginals[] = [];
    let features: FeatureImportanceResult | null = null;
    if (divergedValue === null || finished.length < MIN_FANOVA) {
      notes.push(`fANOVA needs at least ${MIN_FANOVA} finished trials with a finite metric; the task has ${finiteTests.length}`);
    } else {
      const trials = finished.map((r) => ({ params: r.params, value: modelValue(r.test) }));
      fan = fanova(trials, o.space, { seed: `${o.seed}|${task}|fanova`, nTrees });
      for (const variant of variants) {
        const mine = finished.filter((r) => r.variant === variant);
        if (mine.length < MIN_FANOVA) {
          notes.push(`${variant}: too few finished trials (${mine.length}) for marginal curves`);
          continue;
        }
        const f = fanova(
          mine.map((r) => ({ params: r.params, value: modelValue(r.test) })),
          o.space,
          { seed: `${o.seed}|${task}|${variant}|marginals`, nTrees: variantTrees, pairs: false },
        );
        variantMarginals.push({ variant, oobR2: f.oobR2, nTrials: mine.length, marginals: f.marginals });
      }
      const featureTrials = finished.map((r) => ({ features: r.features, params: r.params, value: modelValue(r.test) }));
      const distinct = new Set(finished.map((r) => JSON.stringify(r.features)));
      if (distinct.size > 1) {
        features = featureImportance(featureTrials, { seed: `${o.seed}|${task}|features`, space: o.space, nTrees });
      } else {
        notes.push('every variant has the same architecture features: no feature importance');
      }
    }
    return {
      task,
      trials: taskRows.length,
      failed: taskRows.filter((r) => r.status === 'failed').length,
      diverged: taskRows.filter((r) => r.status === 'diverged').length,
      unfinished: taskRows.filter((r) => r.status === 'queued' || r.status === 'running').length,
      ranking,
      comparison,
      fanova: fan,
      divergedValue,
      variantMarginals,
      features,
      notes,
    };
  });
  return {
    baseline: o.baseline,
    metric: o.metric,
    direction: o.direction,
    fraction,
    alpha,
    seed: o.seed,
    method: FANOVA_METHOD,
    nTrees,
    variantTrees,
    variants,
    tasks: analyses,
  };
}

const num = (v: number, digits = 4) => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const pval = (p: number) => (!Number.isFinite(p) ? '-' : p < 0.001 ? p.toExponential(1) : p.toFixed(3));

/** A verdict as a short mark: `worse*` significant at alpha, `worse*†` not after Holm, `.` not significant. */
export function verdictMark(v: Verdict | null): string {
  if (!v) return 'baseline';
  if (!Number.isFinite(v.p)) return '-';
  if (!v.significant) return '.';
  return `${v.direction}*${v.significantHolm ? '' : '†'}`;
}

/** The compact text summary: per task, variants ranked by median test metric with significance marks. */
export function ablationSummaryText(a: AblationAnalysis): string {
  const lines: string[] = [];
  const dir = a.direction === 'minimize' ? 'lower is better' : 'higher is better';
  for (const t of a.tasks) {
    const unfinished = t.unfinished ? `, ${t.unfinished} not run yet` : '';
    lines.push(`task ${t.task}: test ${a.metric} (${dir}); ${t.trials} trials, ${t.diverged} diverged, ${t.failed} failed${unfinished}; baseline ${a.baseline}`);
    const header = ['rank', 'variant', 'n', 'median', 'mean', 'best', `top${Math.round(a.fraction * 100)}% med`, 'all: p', 'vs base', 'top: p', 'vs base'];
    const rows = t.ranking.map((r) => [
      String(r.rank),
      r.variant,
      r.nonFinite ? `${r.n}+${r.nonFinite}d` : String(r.n),
      num(r.median),
      num(r.mean),
      num(r.best),
      num(r.topMedian),
      r.all ? pval(r.all.p) : '',
      verdictMark(r.all),
      r.top ? pval(r.top.p) : '',
      r.variant === a.baseline ? '' : verdictMark(r.top),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r: string[]) => r.map((v, i) => (i === 1 || i === 8 || i === 10 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ').trimEnd();
    lines.push(line(header), ...rows.map(line));
    if (t.fanova) {
      const main = [...t.fanova.main].sort((x, y) => (y.fraction || 0) - (x.fraction || 0));
      const pair = [...t.fanova.pairs].sort((x, y) => (y.fraction || 0) - (x.fraction || 0))[0];
      lines.push(
        `fANOVA (${t.fanova.nTrees} trees, out-of-bag R² ${num(t.fanova.oobR2, 2)}): ` +
          main.map((m) => `${m.name} ${num(100 * m.fraction, 1)}%`).join(', ') +
          (pair ? `; strongest pair ${pair.names.join('×')} ${num(100 * pair.fraction, 1)}%` : ''),
      );
    }
    if (t.features && t.features.features.length) {
      lines.push(`architecture features: ${t.features.features.slice(0, 4).map((f) => `${f.name} ${num(100 * f.fraction, 1)}%`).join(', ')}`);
    }
    for (const n of t.notes) lines.push(`note: ${n}`);
    lines.push('');
  }
  lines.push(`* p < ${a.alpha} (Welch's t-test against ${a.baseline}); † not significant after Holm's correction; "." not significant; n+Kd: K diverged`);
  return lines.join('\n') + '\n';
}
