// Holm's step-down correction for multiple comparisons (Holm 1979, "A simple sequentially
// rejective multiple test procedure"): with the m p values sorted ascending p(1) <= ... <= p(m),
// the adjusted value of the i-th is max over j <= i of min(1, (m - j + 1) p(j)). It controls the
// family-wise error rate like Bonferroni but rejects at least as often. Same as R's
// p.adjust(p, method = "holm").

/** Holm-adjusted p values, in the input order. NaN entries (tests that could not be run) are
 * passed through as NaN and do not count towards m. */
export function holm(pvalues: readonly number[]): number[] {
  for (const [i, p] of pvalues.entries())
    if (!(Number.isNaN(p) || (p >= 0 && p <= 1))) throw new RangeError(`holm: p value at index ${i} is ${p}, not in [0, 1]`);
  const idx = pvalues.map((_, i) => i).filter((i) => !Number.isNaN(pvalues[i]));
  // Stable sort: equal p values keep their order, so the result does not depend on the engine.
  idx.sort((x, y) => pvalues[x] - pvalues[y] || x - y);
  const m = idx.length;
  const out = pvalues.map(() => NaN);
  let running = 0;
  idx.forEach((orig, j) => {
    running = Math.max(running, Math.min(1, (m - j) * pvalues[orig]));
    out[orig] = running;
  });
  return out;
}

export interface HolmVerdict {
  p: number;
  pHolm: number;
  /** p < alpha. */
  significant: boolean;
  /** pHolm < alpha. */
  significantHolm: boolean;
  /** The correction turns a significant result into a non-significant one. */
  changed: boolean;
}

/** Significance of each test at `alpha` before and after Holm's correction, and whether the
 * correction changes any verdict (it can only remove significance, never add it). */
export function holmVerdicts(pvalues: readonly number[], alpha = 0.05): { verdicts: HolmVerdict[]; anyChanged: boolean; alpha: number } {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`holmVerdicts: alpha must be in (0, 1), got ${alpha}`);
  const adjusted = holm(pvalues);
  const verdicts = pvalues.map((p, i) => {
    const significant = p < alpha;
    const significantHolm = adjusted[i] < alpha;
    return { p, pHolm: adjusted[i], significant, significantHolm, changed: significant !== significantHolm };
  });
  return { verdicts, anyChanged: verdicts.some((v) => v.changed), alpha };
}
