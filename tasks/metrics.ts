// Scoring a batch from the engine's raw outputs (logits), over the scored positions only
// (mask 1). Scores add up across batches and workers; the headline numbers come from the sums:
// - accuracy: argmax of the logits equals the target (token tasks), or, for piano rolls, every
//   unit thresholded at probability 1/2 equals the target frame (exact-frame accuracy);
// - frame accuracy (piano rolls): TP / (TP + FP + FN) over all units at threshold 1/2, the
//   measure of Bay et al. used by Boulanger-Lewandowski et al. (and by the engine's evaluate);
// - perplexity: exp of the mean negative log-likelihood per scored token (natural log);
// - NLL per time step (music): the summed binary cross-entropy of all units, per scored step.
// Sums are float64 and logits are shifted by their maximum, so that large logits cannot overflow.
import type { MultiHotBatch, TokenBatch } from '../cells/engine/batch.ts';

export interface Score {
  /** Summed negative log-likelihood (nats) over the scored positions. */
  nll: number;
  /** Scored positions predicted correctly. */
  correct: number;
  /** Scored positions (tokens, or time steps for piano rolls). */
  count: number;
  /** Piano rolls: units on in both prediction and target, on only in the prediction, only in the target (0 for tokens). */
  tp: number;
  fp: number;
  fn: number;
}

export const EMPTY_SCORE: Readonly<Score> = Object.freeze({ nll: 0, correct: 0, count: 0, tp: 0, fp: 0, fn: 0 });

export function addScores(a: Score, b: Score): Score {
  return { nll: a.nll + b.nll, correct: a.correct + b.correct, count: a.count + b.count, tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn };
}

/** Scores token predictions; `logits` is time-major, length T * B * V. */
export function scoreTokens(batch: TokenBatch, logits: ArrayLike<number>, V: number): Score {
  const n = batch.T * batch.B;
  if (logits.length !== n * V) throw new RangeError(`logits have length ${logits.length}, expected T*B*V = ${n * V}`);
  let nll = 0, correct = 0, count = 0;
  for (let p = 0; p < n; p++) {
    if (batch.mask[p] === 0) continue;
    const row = p * V;
    let max = -Infinity, arg = 0;
    for (let v = 0; v < V; v++) if (logits[row + v] > max) { max = logits[row + v]; arg = v; }
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits[row + v] - max);
    const y = batch.targets[p];
    nll += Math.log(sum) + max - logits[row + y];
    if (arg === y) correct++;
    count++;
  }
  return { nll, correct, count, tp: 0, fp: 0, fn: 0 };
}

/** Scores piano-roll predictions; `logits` (before the sigmoid) is time-major, length T * B * V. */
export function scoreMultiHot(batch: MultiHotBatch, logits: ArrayLike<number>): Score {
  const n = batch.T * batch.B;
  if (n === 0 || logits.length % n !== 0 || logits.length !== batch.targets.length) {
    throw new RangeError(`logits have length ${logits.length}, expected T*B*V = ${batch.targets.length}`);
  }
  const V = logits.length / n;
  let nll = 0, correct = 0, count = 0, tp = 0, fp = 0, fn = 0;
  for (let p = 0; p < n; p++) {
    if (batch.mask[p] === 0) continue;
    let exact = true;
    for (let v = p * V; v < (p + 1) * V; v++) {
      const z = logits[v], y = batch.targets[v];
      // -[y log s(z) + (1-y) log(1 - s(z))] = softplus(z) - y z, computed without overflow.
      nll += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - y * z;
      const on = z > 0 ? 1 : 0;
      if (on !== y) exact = false;
      if (on && y) tp++; else if (on) fp++; else if (y) fn++;
    }
    if (exact) correct++;
    count++;
  }
  return { nll, correct, count, tp, fp, fn };
}

export function accuracy(s: Score): number {
  return s.count === 0 ? NaN : s.correct / s.count;
}

/** Piano rolls: TP / (TP + FP + FN) (NaN when no unit is on in either). */
export function frameAccuracy(s: Score): number {
  const d = s.tp + s.fp + s.fn;
  return d === 0 ? NaN : s.tp / d;
}

export function meanNll(s: Score): number {
  return s.count === 0 ? NaN : s.nll / s.count;
}

/** exp(mean NLL per scored token). */
export function perplexity(s: Score): number {
  return Math.exp(meanNll(s));
}

/** Mean NLL per scored time step (music: summed over the units of the step). */
export function nllPerStep(s: Score): number {
  return meanNll(s);
}
