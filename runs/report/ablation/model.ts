// The model of the "odyssey" report of an ablation study (Greff et al. 2016): its sections, each
// text, tables and figures (vega-lite specifications), built from a loaded ablation
// (runs/ablate.ts `loadAblation`). Pure: rendering to SVG, Markdown and HTML is render.ts.
//
// Sections per task: the box plots of all trials and of the top 10% with variants that differ
// significantly from the baseline drawn in their own colours (the paper's Figure 3) and the
// ranking; the table of tests; hyperparameter importance bars and the pairwise interaction heat
// map (fANOVA, Figure 5); the metric against the learning rate and against the hidden size per
// variant (fANOVA marginals and the trials themselves, Figure 4); architecture-feature importance.
import type { AblationAnalysis, AblationRow, RankedVariant, TaskAnalysis, Verdict } from '../../../search/ablation/index.ts';
import { topFraction } from '../../../search/stats/index.ts';
import type { AblateConfig, LoadedAblation } from '../../ablate.ts';
import { taskMaxSteps, taskTrials, variantLabel } from '../../ablate.ts';
import { paperSections } from './paper.ts';

export type VegaLiteSpec = Record<string, unknown>;

export interface ReportFigure {
  /** File stem, unique in the report (figures/<id>.svg). */
  id: string;
  caption: string;
  spec: VegaLiteSpec;
}

export interface ReportTable {
  caption?: string;
  header: string[];
  rows: string[][];
}

export interface ReportSection {
  id: string;
  title: string;
  /** Heading level: 2 for a task, 3 for its parts. */
  level: 2 | 3;
  paragraphs: string[];
  tables: ReportTable[];
  figures: ReportFigure[];
}

export interface AblationReportModel {
  title: string;
  kind: 'ablate';
  sections: ReportSection[];
}

export const VERDICT_COLORS: Record<string, string> = {
  baseline: '#4d4d4d',
  'significantly worse': '#d62728',
  'significantly better': '#2ca02c',
  'not significant': '#9ecae1',
};

const num = (v: number, d = 4) => (Number.isFinite(v) ? v.toFixed(d) : '–');
const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–');
const pval = (p: number) => (!Number.isFinite(p) ? '–' : p < 0.001 ? p.toExponential(1) : p.toFixed(3));
const slug = (s: string) => s.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();

function verdictClass(v: Verdict | null, isBaseline: boolean): string {
  if (isBaseline) return 'baseline';
  if (!v || !v.significant) return 'not significant';
  return v.direction === 'better' ? 'significantly better' : 'significantly worse';
}

const colorEncoding = {
  field: 'verdict',
  type: 'nominal',
  title: null,
  scale: { domain: Object.keys(VERDICT_COLORS), range: Object.values(VERDICT_COLORS) },
  legend: { orient: 'bottom', labelLimit: 240, columns: 2 },
};

function boxSpec(title: string, metric: string, order: string[], values: Array<{ variant: string; value: number; verdict: string }>): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: Math.max(240, 42 * order.length),
    height: 260,
    data: { values },
    mark: { type: 'boxplot', extent: 1.5, size: 22 },
    encoding: {
      x: { field: 'variant', type: 'nominal', sort: order, title: null, axis: { labelAngle: -40 } },
      y: { field: 'value', type: 'quantitative', title: `test ${metric}`, scale: { zero: false } },
      color: colorEncoding,
    },
  };
}

function importanceSpec(title: string, bars: Array<{ name: string; fraction: number; std: number }>): VegaLiteSpec {
  const values = bars.map((b) => ({ ...b, low: Math.max(0, b.fraction - b.std), high: Math.min(1, b.fraction + b.std) }));
  // One explicit order for both layers (vega-lite cannot union two computed sorts).
  const order = [...bars].sort((x, y) => (Number.isFinite(y.fraction) ? y.fraction : -1) - (Number.isFinite(x.fraction) ? x.fraction : -1)).map((b) => b.name);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 320,
    height: Math.max(60, 24 * bars.length),
    data: { values },
    layer: [
      { mark: { type: 'bar', color: '#4c78a8' }, encoding: { y: { field: 'name', type: 'nominal', sort: order, title: null }, x: { field: 'fraction', type: 'quantitative', title: 'fraction of variance', axis: { format: '%' }, scale: { domain: [0, 1] } } } },
      { mark: { type: 'rule', color: '#222' }, encoding: { y: { field: 'name', type: 'nominal', sort: order }, x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' } } },
    ],
  };
}

function heatmapSpec(title: string, cells: Array<{ a: string; b: string; fraction: number; label: string }>, names: string[]): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 60 * names.length,
    height: 60 * names.length,
    data: { values: cells },
    encoding: {
      x: { field: 'a', type: 'nominal', sort: names, title: null },
      y: { field: 'b', type: 'nominal', sort: names, title: null },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'fraction', type: 'quantitative', title: 'variance', scale: { scheme: 'blues', domain: [0, Math.max(0.05, ...cells.map((c) => c.fraction))] }, legend: { format: '%' } } } },
      { mark: { type: 'text', fontSize: 11 }, encoding: { text: { field: 'label', type: 'nominal' } } },
    ],
  };
}

function marginalSpec(title: string, metric: string, dim: string, log: boolean, curves: Array<{ variant: string; x: number | string; y: number }>, points: Array<{ variant: string; x: number | string; y: number }>, order: string[]): VegaLiteSpec {
  const xType = typeof curves[0]?.x === 'number' || typeof points[0]?.x === 'number' ? 'quantitative' : 'ordinal';
  // No 'nice' rounding: a log axis would run a decade past the sampled range.
  const x = {
    field: 'x',
    type: xType,
    title: dim,
    ...(xType === 'quantitative' ? { scale: { type: log ? 'log' : 'linear', nice: false }, axis: log && dim === 'learningRate' ? { format: '.0e' } : {} } : {}),
  };
  const color = { field: 'variant', type: 'nominal', sort: order, title: null, scale: { scheme: 'tableau10' } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 360,
    height: 240,
    layer: [
      { data: { values: points }, mark: { type: 'point', opacity: 0.35, size: 18 }, encoding: { x, y: { field: 'y', type: 'quantitative', title: `test ${metric}`, scale: { zero: false } }, color } },
      { data: { values: curves }, mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y: { field: 'y', type: 'quantitative' }, color } },
    ],
  };
}

function rankingTable(t: TaskAnalysis, a: AblationAnalysis): ReportTable {
  const topName = `top ${Math.round(a.fraction * 100)}%`;
  return {
    caption: `Variants ranked by median test ${a.metric} (${a.direction === 'minimize' ? 'lower' : 'higher'} is better).`,
    header: ['rank', 'variant', 'trials', 'diverged', 'failed', 'mean', 'median', 'best', `${topName} mean`, `${topName} median`, 'all trials vs baseline', `${topName} vs baseline`],
    rows: t.ranking.map((r: RankedVariant) => [
      String(r.rank),
      r.variant,
      String(r.nTrials),
      String(r.nonFinite),
      String(r.failed),
      num(r.mean),
      num(r.median),
      num(r.best),
      num(r.topMean),
      num(r.topMedian),
      verdictClass(r.all, r.variant === a.baseline),
      verdictClass(r.top, r.variant === a.baseline),
    ]),
  };
}

function testsTable(t: TaskAnalysis, a: AblationAnalysis): ReportTable | null {
  if (!t.comparison) return null;
  return {
    caption:
      `Welch's t-test of each variant against ${a.baseline} on test ${a.metric} (difference = variant − baseline), Hedges' g, ` +
      `${t.comparison.rows[0]?.ci?.method ?? 'bca'} bootstrap 95% CI of the difference of means (${t.comparison.rows[0]?.ci?.resamples ?? 2000} resamples), ` +
      `significance at p < ${a.alpha}, Holm's correction within each family (all trials; top ${Math.round(a.fraction * 100)}%). ` +
      `Holm changes a verdict: all trials ${t.comparison.holmChanges.all ? 'yes' : 'no'}, top ${t.comparison.holmChanges.top ? 'yes' : 'no'}.`,
    header: ['variant', 'subset', 'n', 'n base', 'difference', 'bootstrap CI', 't', 'df', 'p', 'p (Holm)', "Hedges' g", 'significant', 'after Holm'],
    rows: t.comparison.rows.map((r) => [
      r.variant,
      r.subset === 'all' ? 'all' : `top ${Math.round(a.fraction * 100)}%`,
      String(r.n),
      String(r.nBaseline),
      r.welch ? num(r.welch.diff) : '–',
      r.ci ? `[${num(r.ci.low)}, ${num(r.ci.high)}]` : '–',
      r.welch ? num(r.welch.t, 2) : '–',
      r.welch ? num(r.welch.df, 1) : '–',
      pval(r.p),
      pval(r.pHolm),
      r.welch ? num(r.welch.hedgesG, 2) : '–',
      r.welch ? (r.significant ? (r.better ? 'yes, better' : 'yes, worse') : 'no') : '–',
      r.welch ? (r.significantHolm ? 'yes' : 'no') + (r.holmChanged ? ' (changed)' : '') : '–',
    ]),
  };
}

function taskSections(t: TaskAnalysis, a: AblationAnalysis, rows: readonly AblationRow[], config: AblateConfig): ReportSection[] {
  const id = slug(t.task);
  const order = t.ranking.map((r) => r.variant);
  const verdictOf = (subset: 'all' | 'top') => new Map(t.ranking.map((r) => [r.variant, verdictClass(subset === 'all' ? r.all : r.top, r.variant === a.baseline)]));
  const finished = rows.filter((r) => r.task === t.task && (r.status === 'done' || r.status === 'diverged'));
  const vAll = verdictOf('all');
  const vTop = verdictOf('top');
  const allValues = finished.filter((r) => Number.isFinite(r.test)).map((r) => ({ variant: r.variant, value: r.test, verdict: vAll.get(r.variant)! }));
  const topValues = order.flatMap((variant) => {
    const mine = finished.filter((r) => r.variant === variant);
    if (mine.length === 0) return [];
    const top = topFraction(mine, a.fraction, { by: 'valid', report: 'test', direction: a.direction });
    return top.values.filter(Number.isFinite).map((value) => ({ variant, value, verdict: vTop.get(variant)! }));
  });
  const topName = `top ${Math.round(a.fraction * 100)}%`;
  const sections: ReportSection[] = [];
  sections.push({
    id: `${id}`,
    title: `Task ${t.task}`,
    level: 2,
    paragraphs: [
      `${t.trials} trials (${taskTrials(config, t.task)} per variant), ${t.diverged} diverged, ${t.failed} failed${t.unfinished ? `, ${t.unfinished} not run yet (the study was interrupted: run the same command again to finish it)` : ''}. Baseline: ${a.baseline}.` +
        (t.divergedValue !== null && t.diverged > 0 ? ` Diverged trials have no test metric: the tests leave them out; fANOVA gives them the task's worst finite value (${num(t.divergedValue)}).` : ''),
      ...t.notes.map((n) => `Note: ${n}.`),
    ],
    tables: [rankingTable(t, a)],
    figures: [
      { id: `box-${id}-all`, caption: `${t.task}: test ${a.metric} of all trials per variant (Tukey boxes, whiskers 1.5 IQR); red/green: significantly worse/better than ${a.baseline} (Welch, p < ${a.alpha}).`, spec: boxSpec(`${t.task}: all trials`, a.metric, order, allValues) },
      { id: `box-${id}-top`, caption: `${t.task}: the ${topName} of each variant's trials by validation ${a.metric}, reported on test; colours from the tests on that subset.`, spec: boxSpec(`${t.task}: ${topName} by validation`, a.metric, order, topValues) },
    ],
  });
  const tests = testsTable(t, a);
  sections.push({ id: `${id}-tests`, title: `${t.task}: tests against ${a.baseline}`, level: 3, paragraphs: tests ? [] : ['No tests: the baseline has no finished trial.'], tables: tests ? [tests] : [], figures: [] });

  if (t.fanova) {
    const f = t.fanova;
    const names = f.dimensions;
    const cells: Array<{ a: string; b: string; fraction: number; label: string }> = [];
    for (const m of f.main) cells.push({ a: m.name, b: m.name, fraction: m.fraction, label: pct(m.fraction) });
    for (const p of f.pairs) {
      cells.push({ a: p.names[0], b: p.names[1], fraction: p.fraction, label: pct(p.fraction) });
      cells.push({ a: p.names[1], b: p.names[0], fraction: p.fraction, label: pct(p.fraction) });
    }
    sections.push({
      id: `${id}-fanova`,
      title: `${t.task}: hyperparameter importance (fANOVA)`,
      level: 3,
      paragraphs: [
        `${a.method}. Random forest of ${f.nTrees} regression trees (${f.nTreesUsed} with a non-constant prediction), seed ${String(f.seed)}, fitted on all ${f.nTrials} finished trials of the task (every variant), out-of-bag R² ${num(f.oobR2, 2)}` +
          `${f.oobR2 < 0.3 ? ' — low: the forest explains little of the metric, read the fractions with care' : ''}. ` +
          `Main effects ${f.main.map((m) => `${m.name} ${pct(m.fraction)}`).join(', ')}; pairs ${f.pairs.map((p) => `${p.names.join(' × ')} ${pct(p.fraction)}`).join(', ') || 'none'}; higher-order ${pct(f.higherOrder)}.`,
      ],
      tables: [
        {
          header: ['hyperparameter(s)', 'fraction of variance', 'sd over trees'],
          rows: [...f.main.map((m) => [m.name, pct(m.fraction), pct(m.std)]), ...f.pairs.map((p) => [p.names.join(' × '), pct(p.fraction), pct(p.std)])],
        },
      ],
      figures: [
        { id: `importance-${id}`, caption: `${t.task}: fraction of the variance of test ${a.metric} explained by each hyperparameter (bars: mean over trees; lines: ± one sd).`, spec: importanceSpec(`${t.task}: hyperparameter importance`, f.main) },
        { id: `interactions-${id}`, caption: `${t.task}: pairwise interactions (off the diagonal) and main effects (on it), as fractions of variance.`, spec: heatmapSpec(`${t.task}: interactions`, cells, names) },
      ],
    });
    const dims = names.includes('hidden') ? ['learningRate', 'hidden'] : ['learningRate', names.find((n) => n !== 'learningRate') ?? 'learningRate'];
    const figures: ReportFigure[] = dims.map((dim) => {
      const log = config.space === 'greff';
      const curves = t.variantMarginals.flatMap((vm) => {
        const m = vm.marginals.find((x) => x.name === dim);
        return m ? m.x.map((x, k) => ({ variant: vm.variant, x: x as number | string, y: m.mean[k] })) : [];
      });
      const points = finished.filter((r) => Number.isFinite(r.test)).map((r) => ({ variant: r.variant, x: r.params[dim] as number | string, y: r.test }));
      return {
        id: `marginal-${id}-${slug(dim)}`,
        caption: `${t.task}: test ${a.metric} against ${dim === 'learningRate' && config.space === 'greff' ? "the learning rate as the paper samples it (ours is B times larger, B the batch)" : dim}, per variant: lines are each variant's fANOVA marginal (${a.variantTrees} trees on its own trials), points the trials.`,
        spec: marginalSpec(`${t.task}: ${a.metric} vs ${dim}`, a.metric, dim, log, curves, points, order),
      };
    });
    sections.push({ id: `${id}-marginals`, title: `${t.task}: ${a.metric} against ${dims.join(' and ')}`, level: 3, paragraphs: [], tables: [], figures });
  }
  if (t.features && t.features.features.length) {
    const fi = t.features;
    sections.push({
      id: `${id}-features`,
      title: `${t.task}: architecture features`,
      level: 3,
      paragraphs: [
        `Which structural features of the cells (read off their graphs) explain the metric: fANOVA over the features together with the hyperparameters (so that the learning rate's variance is not charged to the architecture), and the mean metric per feature value. With one-knockout variants the features vary together with the variant: read the fractions as a ranking. Constant in this study: ${fi.constant.join(', ') || 'none'}.`,
      ],
      tables: [
        {
          header: ['rank', 'feature', 'fraction of variance', 'mean per value', 'spread'],
          rows: fi.features.map((f) => [String(f.rank), f.name, pct(f.fraction), f.marginalMeans.map((m) => `${String(m.value)}: ${num(m.mean)} (n=${m.n})`).join('; '), num(f.spread)]),
        },
      ],
      figures: [{ id: `features-${id}`, caption: `${t.task}: architecture-feature importance (fANOVA main effects).`, spec: importanceSpec(`${t.task}: architecture features`, fi.features.map((f) => ({ name: f.name, fraction: f.fraction, std: f.std }))) }],
    });
  }
  return sections;
}

export function ablationReportModel(loaded: LoadedAblation, opts: { db?: string } = {}): AblationReportModel {
  const { experiment, config, analysis, evaluations } = loaded;
  const wall = evaluations.reduce((s, e) => s + (e.wallMs ?? 0), 0);
  const fid = config.space === 'greff'
    ? 'Greff et al.\'s space: hidden size log-uniform in the preset\'s range, learning rate log-uniform in [1e-6, 1e-2] as the paper samples it, multiplied by the batch size B for our optimiser (the paper updates after each sequence; we average B sequences per update, so the same distance per sequence needs B times the rate), momentum 1 − log-uniform [0.01, 1] with Nesterov updates, no gradient clipping. Gaussian input noise with a standard deviation uniform in [0, 1], added to the first layer\'s input (the embedding) in training only.'
    : 'The Jozefowicz et al. grid: init scale, learning rate, gradient-norm clip and depth, plain SGD; the hidden size of each cell follows the task\'s parameter budget.';
  const overview: ReportSection = {
    id: 'overview',
    title: 'Study',
    level: 2,
    paragraphs: [
      `Experiment '${experiment.name}'${opts.db ? ` in ${opts.db}` : ''}, status ${experiment.status}, seed ${experiment.seed}; ${config.cells.length} variants (${config.cells.map((c) => variantLabel(c.ref)).join(', ')}), baseline ${config.baseline}; tasks ${config.tasks.map((t) => t.name).join(', ')}; scale '${config.scale}'; per variant ${config.tasks.map((t) => `${taskTrials(config, t.name)} random-search trials of at most ${taskMaxSteps(config, t.name).toLocaleString('en-US')} steps on ${t.name}`).join(', ')}; ${evaluations.length} evaluations, ${(wall / 1000).toFixed(0)} s of training in total.`,
      `Design: trial t of a task draws one point of the space and every variant trains with it (paired hyperparameters); data and initial weights derive from each evaluation's own seed. ${fid}`,
      `Metric: test ${config.metric} with the weights that had the best validation loss during training; the top ${Math.round(analysis.fraction * 100)}% of a variant are its trials with the best validation ${config.metric}, reported on test (Greff et al., Figure 3).`,
    ],
    tables: [],
    figures: [],
  };
  const paper = loaded.paper ? paperSections(loaded.paper.study, loaded.paper.comparison) : [];
  return { title: `${loaded.paper ? 'Reproduction' : 'Ablation study'} ${experiment.name}`, kind: 'ablate', sections: [overview, ...paper, ...analysis.tasks.flatMap((t) => taskSections(t, analysis, loaded.rows, config))] };
}
