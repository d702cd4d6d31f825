// The training loop: the protocol of Jozefowicz et al. (2015). Train on batches, evaluate on the
// validation split every `evalEvery` steps, halve the learning rate after `patience` evaluations
// without improvement, stop after `maxHalvings` halvings, or after `maxSteps` steps, or when the
// training data ends. NaN or Inf in the loss or the gradients ends training with status
// `diverged` and the metrics so far: divergence never throws.
//
// A run can stop at a step and continue later from a checkpoint (checkpoint.ts): the continued
// run equals an uninterrupted one bit for bit, provided the caller hands it the training batches
// from the checkpoint's `position` on and the same options.
//
// The options come parsed (train.ts parses a caller's; setting-options.ts builds a study's): this
// module loads no zod, so a worker thread trains without it.
import type { Batch } from './batch.ts';
import type { Metrics, Model } from './model.ts';
import { restoreCheckpoint, takeCheckpoint, type Checkpoint, type LoopState } from './checkpoint.ts';
import type { TrainOptions } from './train.ts';

export interface CurvePoint {
  step: number;
  /** Mean NLL per scored position over the training batches since the previous point. */
  trainLoss: number;
  valid: Metrics;
  lr: number;
}

export interface Progress {
  step: number;
  maxSteps: number;
  /** This step's training loss. */
  loss: number;
  lr: number;
  /** Present on evaluation steps. */
  valid?: Metrics;
  /** On evaluation steps: the point just added to the result's curve. */
  point?: CurvePoint;
}

export interface TrainResult {
  status: 'done' | 'diverged';
  /** Why training stopped (`stopped`: the caller's shouldStop said so). */
  reason: 'maxSteps' | 'schedule' | 'data' | 'diverged' | 'stopped';
  steps: number;
  curve: CurvePoint[];
  /** The evaluation with the lowest validation loss, or null if none finished. */
  best: (Metrics & { step: number }) | null;
  /** Learning rate at the end. */
  lr: number;
  /**
   * When asked for (`checkpoint: true`): the state at the last step, taken before the end-of-run
   * evaluation and before the best parameters are put back, so that continuing from it equals
   * a longer uninterrupted run.
   */
  checkpoint?: Checkpoint;
}

export interface TrainData {
  train: Iterator<Batch> | Iterable<Batch>;
  /** A fresh pass over the validation split (called at every evaluation). */
  valid: () => Iterable<Batch>;
  onProgress?: (p: Progress) => void;
  /** Asked before every step; true ends training (reason `stopped`), e.g. for a time budget. */
  shouldStop?: () => boolean;
}

/** Continuing and checkpointing a run. */
export interface TrainResume {
  /** Continue from this checkpoint (`data.train` must start at its `position`). */
  resume?: Checkpoint;
  /** Return the end state as `result.checkpoint`. */
  checkpoint?: boolean;
}

/** Trains `model` with parsed options (train.ts's `train` parses them first). */
export function trainLoop(model: Model, data: TrainData, opt: TrainOptions, state: TrainResume = {}): TrainResult {
  const it: Iterator<Batch> = Symbol.iterator in data.train ? (data.train as Iterable<Batch>)[Symbol.iterator]() : (data.train as Iterator<Batch>);
  if (state.resume && state.resume.step > opt.maxSteps) throw new Error(`cannot continue from step ${state.resume.step}: it is past maxSteps ${opt.maxSteps}`);
  const from: LoopState = state.resume
    ? restoreCheckpoint(model, state.resume)
    : { curve: [], best: null, bestParams: null, sinceBest: 0, halvings: 0, nll: 0, count: 0, ended: null };
  if (from.best && opt.restoreBest && !from.bestParams) throw new Error('cannot restore the best parameters: the checkpoint was taken without them (restoreBest false)');
  const curve = from.curve;
  let best = from.best;
  let bestParams = opt.restoreBest ? from.bestParams : null;
  let { sinceBest, halvings, nll, count } = from;
  let steps = state.resume?.step ?? 0;
  /** Training batches consumed (a diverged step consumes one without counting as a step). */
  let position = state.resume?.position ?? 0;
  let reason: TrainResult['reason'] = from.ended ?? 'maxSteps';

  /** Evaluates and applies the schedule; returns false when training must stop. */
  const evaluate = (): boolean => {
    const valid = model.evaluate(data.valid());
    curve.push({ step: steps, trainLoss: count > 0 ? nll / count : NaN, valid, lr: model.optimizer.lr });
    nll = 0;
    count = 0;
    // An empty validation split says nothing: no best, no schedule step.
    if (valid.count === 0) return true;
    if (!Number.isFinite(valid.loss)) {
      reason = 'diverged';
      return false;
    }
    if (best === null || valid.loss < best.loss) {
      best = { ...valid, step: steps };
      sinceBest = 0;
      if (opt.restoreBest) bestParams = model.params.slice();
    } else if (opt.schedule && ++sinceBest >= opt.schedule.patience) {
      if (halvings >= opt.schedule.maxHalvings) {
        reason = 'schedule';
        return false;
      }
      halvings++;
      sinceBest = 0;
      model.optimizer.lr *= opt.schedule.factor;
    }
    return true;
  };

  // A run that ended for good stays ended; otherwise the last step was evaluated when it was on the grid.
  let evaluatedAtEnd = from.ended !== null || steps % opt.evalEvery === 0;
  while (from.ended === null && steps < opt.maxSteps) {
    if (data.shouldStop?.()) {
      reason = 'stopped';
      break;
    }
    const next = it.next();
    if (next.done) {
      reason = 'data';
      break;
    }
    position++;
    const r = model.trainBatch(next.value);
    if (r.diverged) {
      reason = 'diverged';
      evaluatedAtEnd = true;
      break;
    }
    steps++;
    nll += r.loss * r.count;
    count += r.count;
    const evalNow = steps % opt.evalEvery === 0;
    const ok = evalNow ? evaluate() : true;
    data.onProgress?.({ step: steps, maxSteps: opt.maxSteps, loss: r.loss, lr: model.optimizer.lr, valid: evalNow ? curve[curve.length - 1].valid : undefined, point: evalNow ? curve[curve.length - 1] : undefined });
    if (!ok) {
      evaluatedAtEnd = true;
      break;
    }
    evaluatedAtEnd = evalNow;
  }
  const ended = reason === 'schedule' || reason === 'diverged' ? reason : null;
  const checkpoint = state.checkpoint
    ? takeCheckpoint(model, { step: steps, position, loop: { curve, best, bestParams, sinceBest, halvings, nll, count, ended } })
    : undefined;
  if (!evaluatedAtEnd && steps > 0) {
    // The final evaluation records the end state; only divergence may change why training ended.
    const before = reason;
    if (!evaluate() && reason !== 'diverged') reason = before;
  }
  if (bestParams) model.params.set(bestParams);
  return { status: reason === 'diverged' ? 'diverged' : 'done', reason, steps, curve, best, lr: model.optimizer.lr, ...(checkpoint ? { checkpoint } : {}) };
}
