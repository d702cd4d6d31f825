// "Against the paper": each published finding of a study judged on our ablation's analysis
// (search/ablation), task by task, as reproduced, contradicted or inconclusive, with the
// statistic behind the verdict. The criteria are fixed here, before any result is seen, and are
// the same for every study; they are stated in the report (CRITERIA):
//
// - gap (the paper: variant significantly worse than the baseline): reproduced when Welch's test
//   over all trials is significant after Holm's correction (within the task's family: every
//   variant against the baseline) in the paper's direction; contradicted when it is significant
//   the other way, or when the bootstrap 95% interval of the difference of means lies inside
//   +- EQUIVALENCE_SD pooled standard deviations (no gap even of that size); inconclusive otherwise.
// - same (no significant change): reproduced when that interval lies inside +- EQUIVALENCE_SD
//   pooled sd (shown small, not merely not shown), contradicted when significant after Holm,
//   inconclusive otherwise: a non-significant test with few trials is no evidence of equality.
// - ordering (a published table): Spearman's rho between our best-of-N and the table, with a
//   bootstrap interval over trials (rank.ts); reproduced when the interval is above 0,
//   contradicted when below 0, inconclusive when it contains 0 or with fewer than
//   MIN_ORDERING_TRIALS trials.
// - importance (fANOVA order): reproduced when the named hyperparameters are the most important,
//   in that order; contradicted otherwise; inconclusive without fANOVA or when its forest
//   explains less than MIN_OOB_R2 of the variance (its ranking would be noise).
// - independent (a pair's interaction small): reproduced below INDEPENDENT_BELOW of the variance;
//   contradicted when the interaction is larger than the smaller of the two main effects;
//   inconclusive otherwise, or as for importance.
//
// A finding over several tasks is contradicted when any task contradicts it, reproduced when
// every task judged reproduces it, inconclusive otherwise; `not tested` when the study has none of
// its tasks (e.g. a music finding without JSB data).
import type { AblationAnalysis, AblationRow, TaskAnalysis } from '../ablation/index.ts';
import type { Direction } from '../stats/index.ts';
import { publishedValue, tableOf, type Finding, type PublishedTable } from './published.ts';
import { orderingAgreement, type OrderingAgreement } from './rank.ts';

export const EQUIVALENCE_SD = 0.5;
export const MIN_OOB_R2 = 0.2;
export const INDEPENDENT_BELOW = 0.05;
/** A bootstrap over fewer trials has too few distinct resamples to give an interval worth the name. */
export const MIN_ORDERING_TRIALS = 5;

export const CRITERIA = [
  `A published gap (a variant significantly worse than the baseline) is reproduced when Welch's t-test over all trials is significant at p < 0.05 after Holm's correction (within the task: every variant against the baseline) in the paper's direction; contradicted when it is significant the other way, or when the bootstrap 95% interval of the difference of means lies within ±${EQUIVALENCE_SD} pooled standard deviations (no gap even of that size); inconclusive otherwise.`,
  `A published absence of change is reproduced only when that interval lies within ±${EQUIVALENCE_SD} pooled standard deviations (a small difference shown, not merely a large one not shown); contradicted when the test is significant after Holm; inconclusive otherwise.`,
  `A published ordering is reproduced when the bootstrap 95% interval (over trials, 2,000 resamples) of Spearman's rank correlation between our best-of-N and the paper's numbers lies above 0; contradicted when it lies below 0; inconclusive when it contains 0, or with fewer than ${MIN_ORDERING_TRIALS} trials.`,
  `A published hyperparameter importance is reproduced when fANOVA ranks the named hyperparameters first, in the paper's order; contradicted otherwise; inconclusive without fANOVA or when its random forest explains less than ${MIN_OOB_R2} of the variance out of bag.`,
  `A published independence of two hyperparameters is reproduced when their fANOVA interaction explains less than ${100 * INDEPENDENT_BELOW}% of the variance; contradicted when it exceeds the smaller of their two main effects; inconclusive otherwise.`,
  'A finding over several tasks is contradicted when one task contradicts it, reproduced when every task judged reproduces it, inconclusive otherwise. The criteria were fixed before any result was seen and are the same for every study.',
];

export type Outcome = 'reproduced' | 'contradicted' | 'inconclusive' | 'not tested';

export interface TaskVerdict {
  task: string;
  outcome: Outcome;
  /** The numbers behind the verdict, in words (e.g. "diff -0.21 [-0.30, -0.12], p 1e-4, Holm 9e-4"). */
  statistic: string;
  /** Why this outcome, when the statistic alone does not say. */
  reason: string;
}

export interface FindingVerdict {
  finding: Finding;
  outcome: Outcome;
  tasks: TaskVerdict[];
}

export interface TableRow {
  variant: string;
  paper: number;
  paperRank: number;
  ours: number;
  ourRank: number;
  median: number;
}

export interface TableComparison {
  table: PublishedTable;
  task: string;
  rows: TableRow[];
  agreement: OrderingAgreement;
}

export interface PaperComparison {
  tables: TableComparison[];
  findings: FindingVerdict[];
}

const f3 = (v: number) => (Number.isFinite(v) ? (Math.abs(v) >= 0.001 || v === 0 ? v.toFixed(3) : v.toExponential(1)) : '–');
const pv = (p: number) => (!Number.isFinite(p) ? '–' : p < 0.001 ? p.toExponential(1) : p.toFixed(3));
const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–');

/** The study's tasks a finding applies to. */
export function findingTasks(f: Finding, tasks: readonly string[]): string[] {
  return f.tasks === 'all' ? [...tasks] : tasks.filter((t) => (f.tasks as string[]).includes(t));
}

/** Combines per-task outcomes: any contradiction wins, then all reproduced, else inconclusive. */
export function combineOutcomes(outcomes: readonly Outcome[]): Outcome {
  const judged = outcomes.filter((o) => o !== 'not tested');
  if (judged.length === 0) return 'not tested';
  if (judged.includes('contradicted')) return 'contradicted';
  return judged.every((o) => o === 'reproduced') ? 'reproduced' : 'inconclusive';
}

/** A gap or a same-finding on one task, from the analysis' Welch/Holm/bootstrap row. */
export function judgeDifference(f: Extract<Finding, { kind: 'gap' | 'same' }>, t: TaskAnalysis): TaskVerdict {
  const out = (outcome: Outcome, statistic: string, reason: string): TaskVerdict => ({ task: t.task, outcome, statistic, reason });
  const row = t.comparison?.rows.find((r) => r.variant === f.variant && r.subset === 'all');
  if (!t.comparison) return out('inconclusive', '', 'no finished trial of the baseline yet');
  if (t.comparison.baseline !== f.baseline) return out('not tested', '', `the study's baseline is not ${f.baseline}`);
  if (!row) return out('not tested', '', `${f.variant} is not in the study`);
  if (!row.welch || !row.ci) return out('inconclusive', `n ${row.n} against ${row.nBaseline}`, 'too few finished trials for a test');
  const sd = (v: string) => t.comparison!.groups.find((g) => g.variant === v)?.all?.sd ?? Number.NaN;
  const pooled = Math.sqrt((sd(f.variant) ** 2 + sd(f.baseline) ** 2) / 2);
  const margin = EQUIVALENCE_SD * pooled;
  const equivalent = Number.isFinite(margin) && row.ci.low >= -margin && row.ci.high <= margin;
  const way = row.better ? 'better' : 'worse';
  const statistic = `difference ${f3(row.welch.diff)} [${f3(row.ci.low)}, ${f3(row.ci.high)}], Welch p ${pv(row.p)}, Holm ${pv(row.pHolm)}, n ${row.n}/${row.nBaseline}; ±${EQUIVALENCE_SD} sd = ±${f3(margin)}`;
  if (f.kind === 'gap') {
    if (row.significantHolm && way === f.direction) return out('reproduced', statistic, `significantly ${way}`);
    if (row.significantHolm) return out('contradicted', statistic, `significantly ${way}, the paper: ${f.direction}`);
    if (equivalent) return out('contradicted', statistic, `no gap of ${EQUIVALENCE_SD} sd: the interval lies within the margin`);
    return out('inconclusive', statistic, row.significant ? `${way} at p < 0.05, not after Holm` : `not significant (${way} on average)`);
  }
  if (row.significantHolm) return out('contradicted', statistic, `significantly ${way}`);
  if (equivalent) return out('reproduced', statistic, 'the difference is shown to be small');
  return out('inconclusive', statistic, 'not significant, but the interval is too wide to show the difference small');
}

function judgeFanova(f: Extract<Finding, { kind: 'importance' | 'independent' }>, t: TaskAnalysis): TaskVerdict {
  const out = (outcome: Outcome, statistic: string, reason: string): TaskVerdict => ({ task: t.task, outcome, statistic, reason });
  const fan = t.fanova;
  if (!fan) return out('inconclusive', '', 'no fANOVA: too few finished trials');
  const main = [...fan.main].sort((a, b) => (b.fraction || 0) - (a.fraction || 0));
  const r2 = `out-of-bag R² ${f3(fan.oobR2)}`;
  if (f.kind === 'importance') {
    const statistic = `${main.map((m) => `${m.name} ${pct(m.fraction)}`).join(', ')}; ${r2}`;
    if (!(fan.oobR2 >= MIN_OOB_R2)) return out('inconclusive', statistic, `the forest explains less than ${MIN_OOB_R2} of the variance`);
    const missing = f.order.find((n) => !main.some((m) => m.name === n));
    if (missing) return out('not tested', statistic, `the study's space has no ${missing}`);
    const same = f.order.every((n, i) => main[i]?.name === n);
    return same ? out('reproduced', statistic, `${f.order.join(' > ')} first`) : out('contradicted', statistic, `ranked ${main.slice(0, f.order.length).map((m) => m.name).join(' > ')}`);
  }
  const [a, b] = f.pair;
  const pair = fan.pairs.find((p) => (p.names[0] === a && p.names[1] === b) || (p.names[0] === b && p.names[1] === a));
  const ma = fan.main.find((m) => m.name === a);
  const mb = fan.main.find((m) => m.name === b);
  if (!pair || !ma || !mb) return out('not tested', '', `the study's space has no ${a} × ${b}`);
  const statistic = `${a} × ${b} ${pct(pair.fraction)} (main effects ${pct(ma.fraction)}, ${pct(mb.fraction)}); ${r2}`;
  if (!(fan.oobR2 >= MIN_OOB_R2)) return out('inconclusive', statistic, `the forest explains less than ${MIN_OOB_R2} of the variance`);
  if (pair.fraction < INDEPENDENT_BELOW) return out('reproduced', statistic, `interaction below ${pct(INDEPENDENT_BELOW)}`);
  if (pair.fraction > Math.min(ma.fraction, mb.fraction)) return out('contradicted', statistic, 'the interaction exceeds a main effect');
  return out('inconclusive', statistic, `interaction of ${pct(pair.fraction)}: neither small nor larger than a main effect`);
}

/** Our table beside the published one for one task, and the agreement of the orderings. */
export function compareTable(table: PublishedTable, t: TaskAnalysis, rows: readonly AblationRow[], direction: Direction, seed: number): TableComparison | null {
  const paper = new Map<string, number>();
  for (const r of table.rows) {
    const v = publishedValue(table, r.cell, t.task);
    if (v !== undefined && t.ranking.some((x) => x.variant === r.cell)) paper.set(r.cell, v);
  }
  if (paper.size === 0) return null;
  const results = rows.filter((r) => r.task === t.task && r.status === 'done').map((r) => ({ variant: r.variant, trial: r.trial, valid: r.valid, test: r.test }));
  const agreement = orderingAgreement(results, paper, { direction, seed: `${seed}|${table.id}|${t.task}` });
  const rankOf = (values: number[]) => {
    const sign = direction === 'maximize' ? -1 : 1;
    return values.map((v) => 1 + values.filter((w) => sign * (w - v) < 0).length);
  };
  const paperRanks = rankOf(agreement.paper);
  const ourRanks = rankOf(agreement.ours);
  return {
    table,
    task: t.task,
    agreement,
    rows: agreement.variants.map((variant, i) => ({
      variant,
      paper: agreement.paper[i],
      paperRank: paperRanks[i],
      ours: agreement.ours[i],
      ourRank: ourRanks[i],
      median: t.ranking.find((x) => x.variant === variant)?.median ?? Number.NaN,
    })),
  };
}

function judgeOrdering(c: TableComparison | null, task: string): TaskVerdict {
  if (!c) return { task, outcome: 'not tested', statistic: '', reason: 'the table has no column for this task' };
  const a = c.agreement;
  const statistic = `Spearman ρ ${f3(a.rho)} [${f3(a.low)}, ${f3(a.high)}] over ${a.variants.length} cells`;
  if (a.variants.length < 3) return { task, outcome: 'inconclusive', statistic, reason: 'fewer than 3 cells' };
  if (a.trials < MIN_ORDERING_TRIALS) return { task, outcome: 'inconclusive', statistic, reason: `${a.trials} trials: too few for a bootstrap interval (at least ${MIN_ORDERING_TRIALS})` };
  if (a.low > 0) return { task, outcome: 'reproduced', statistic, reason: 'the interval is above 0' };
  if (a.high < 0) return { task, outcome: 'contradicted', statistic, reason: 'the interval is below 0' };
  return { task, outcome: 'inconclusive', statistic, reason: Number.isFinite(a.low) ? 'the interval contains 0' : 'no interval: our values do not vary' };
}

/**
 * Judges `findings` on an analysed ablation (its rows for the orderings). The metric of a
 * published table must be the study's: a table of accuracies is not compared with losses.
 */
export function compareWithPaper(findings: readonly Finding[], analysis: AblationAnalysis, rows: readonly AblationRow[]): PaperComparison {
  const taskNames = analysis.tasks.map((t) => t.task);
  const byTask = new Map(analysis.tasks.map((t) => [t.task, t]));
  const tables: TableComparison[] = [];
  const tableFor = (id: string, task: string): TableComparison | null => {
    const table = tableOf(id);
    if (table.metric !== analysis.metric) throw new RangeError(`table ${id} is of ${table.metric}, the study measures ${analysis.metric}`);
    let c = tables.find((x) => x.table.id === id && x.task === task);
    if (!c) {
      const made = compareTable(table, byTask.get(task)!, rows, analysis.direction, analysis.seed);
      if (!made) return null;
      tables.push(made);
      c = made;
    }
    return c;
  };
  const verdicts = findings.map((f): FindingVerdict => {
    const tasks = findingTasks(f, taskNames).map((task): TaskVerdict => {
      const t = byTask.get(task)!;
      if (f.kind === 'gap' || f.kind === 'same') return judgeDifference(f, t);
      if (f.kind === 'ordering') return judgeOrdering(tableFor(f.table, task), task);
      return judgeFanova(f, t);
    });
    return { finding: f, outcome: combineOutcomes(tasks.map((t) => t.outcome)), tasks };
  });
  return { tables, findings: verdicts };
}
