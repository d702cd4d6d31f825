// The statistics of one ablation table (Greff et al. 2016, Figure 3 and its tests), for one task:
// every variant against the baseline, on all trials and on the top fraction by validation
// (reported on test), with Welch's t-test, Hedges' g, a bootstrap CI of the difference of means,
// significance at alpha, and Holm's correction within each family of tests (one family for all
// trials, one for the top fraction). Pure: groups of trials in, rows out.

import { describe, topFraction, type Direction, type NumericKey, type Summary } from './describe.ts';
import { bootstrapMeanDiffCI, type BootstrapCI } from './bootstrap.ts';
import { holmVerdicts } from './holm.ts';
import { welchTTest, type WelchResult } from './welch.ts';

export type Subset = 'all' | 'top';

export interface ComparisonRow {
  variant: string;
  subset: Subset;
  /** Finite metric values used for the variant and the baseline (diverged trials are left out). */
  n: number;
  nBaseline: number;
  /** Trials of the variant and of the baseline left out for a non-finite metric. */
  nonFinite: number;
  nonFiniteBaseline: number;
  /** Welch's test of variant - baseline; null with fewer than 2 finite values on either side. */
  welch: WelchResult | null;
  ci: BootstrapCI | null;
  /** welch.p, Holm-adjusted within the subset's family; NaN without a test. */
  p: number;
  pHolm: number;
  significant: boolean;
  significantHolm: boolean;
  /** Holm turned a significant result into a non-significant one. */
  holmChanged: boolean;
  /** The variant's mean is better than the baseline's in the metric's direction (null without a test). */
  better: boolean | null;
}

export interface GroupSummary {
  variant: string;
  /** Summary of the reported metric over all trials; null if none is finite. */
  all: Summary | null;
  /** Summary of the reported metric over the top fraction by `by`. */
  top: Summary | null;
  /** Summary of the `by` metric (e.g. validation) over all trials, for the "best" column. */
  allBy: Summary | null;
  topK: number;
  nTrials: number;
}

export interface AblationComparison {
  baseline: string;
  metric: string;
  by: string;
  direction: Direction;
  fraction: number;
  alpha: number;
  groups: GroupSummary[];
  rows: ComparisonRow[];
  /** Holm changes at least one verdict in the family. */
  holmChanges: Record<Subset, boolean>;
}

export interface CompareOptions<T> {
  baseline: string;
  /** Reported metric (e.g. 'test'). */
  metric: NumericKey<T>;
  /** Selection metric for the top fraction (e.g. 'valid'). */
  by: NumericKey<T>;
  direction: Direction;
  /** Top fraction, default 0.1. */
  fraction?: number;
  /** Significance level, default 0.05. */
  alpha?: number;
  /** Bootstrap settings; each comparison's generator is seeded with `${seed}|${variant}|${subset}`. */
  bootstrap: { seed: number | string; resamples?: number; level?: number; method?: 'percentile' | 'bca' };
}

/** Compares each group (variant) with the baseline group. `groups` maps variant names to their
 * trials; the baseline must be one of them. Rows come in the order of `groups`, baseline left out,
 * all-trials rows first. */
export function compareToBaseline<T>(groups: ReadonlyMap<string, readonly T[]>, opts: CompareOptions<T>): AblationComparison {
  const base = groups.get(opts.baseline);
  if (!base) throw new RangeError(`compareToBaseline: no trials for the baseline ${opts.baseline} (groups: ${[...groups.keys()].join(', ')})`);
  const fraction = opts.fraction ?? 0.1;
  const alpha = opts.alpha ?? 0.05;
  const metricOf = (ts: readonly T[]) => ts.map((t) => t[opts.metric] as unknown as number);
  const safeDescribe = (xs: number[]) => (xs.some(Number.isFinite) ? describe(xs, { direction: opts.direction }) : null);
  const pick = (ts: readonly T[], subset: Subset) =>
    subset === 'all' ? metricOf(ts) : ts.length === 0 ? [] : topFraction(ts, fraction, { by: opts.by, report: opts.metric, direction: opts.direction }).values;

  const summaries: GroupSummary[] = [...groups].map(([variant, ts]) => {
    const top = ts.length ? topFraction(ts, fraction, { by: opts.by, report: opts.metric, direction: opts.direction }) : null;
    return {
      variant,
      all: safeDescribe(metricOf(ts)),
      top: top?.summary ?? null,
      allBy: safeDescribe(ts.map((t) => t[opts.by] as unknown as number)),
      topK: top?.k ?? 0,
      nTrials: ts.length,
    };
  });

  const rows: ComparisonRow[] = [];
  const holmChanges: Record<Subset, boolean> = { all: false, top: false };
  for (const subset of ['all', 'top'] as const) {
    const baseValues = pick(base, subset);
    const baseFinite = baseValues.filter(Number.isFinite);
    const family: ComparisonRow[] = [];
    for (const [variant, ts] of groups) {
      if (variant === opts.baseline) continue;
      const values = pick(ts, subset);
      const finite = values.filter(Number.isFinite);
      const testable = finite.length >= 2 && baseFinite.length >= 2;
      const welch = testable ? welchTTest(finite, baseFinite) : null;
      const ci = testable
        ? bootstrapMeanDiffCI(finite, baseFinite, {
            seed: `${opts.bootstrap.seed}|${variant}|${subset}`,
            resamples: opts.bootstrap.resamples,
            level: opts.bootstrap.level,
            method: opts.bootstrap.method,
          })
        : null;
      family.push({
        variant,
        subset,
        n: finite.length,
        nBaseline: baseFinite.length,
        nonFinite: values.length - finite.length,
        nonFiniteBaseline: baseValues.length - baseFinite.length,
        welch,
        ci,
        p: welch ? welch.p : NaN,
        pHolm: NaN,
        significant: false,
        significantHolm: false,
        holmChanged: false,
        better: welch ? (opts.direction === 'minimize' ? welch.diff < 0 : welch.diff > 0) : null,
      });
    }
    const { verdicts, anyChanged } = holmVerdicts(family.map((r) => r.p), alpha);
    family.forEach((r, i) => {
      r.pHolm = verdicts[i].pHolm;
      r.significant = verdicts[i].significant;
      r.significantHolm = verdicts[i].significantHolm;
      r.holmChanged = verdicts[i].changed;
    });
    holmChanges[subset] = anyChanged;
    rows.push(...family);
  }
  return { baseline: opts.baseline, metric: opts.metric, by: opts.by, direction: opts.direction, fraction, alpha, groups: summaries, rows, holmChanges };
}
