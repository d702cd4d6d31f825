// What training a model costs in memory, before it is built: the engine's own buffers, counted as
// model.ts allocates them. Parameters, their gradients and the best weights kept for restoreBest
// (3 copies), the optimiser's buffers (momentum: 1, adam: 2), and for each batch shape the
// forward values kept for the backward pass: per layer T*B*H for the input, every node and every
// weight-group product (and their gradients), per state T*B*H + B*H, the packed weights of
// the per-step products (C route; counted always, an upper bound), and the output layer's
// logits and their gradients (T*B*V each). These are typed arrays, outside the V8 heap that
// --max-heap-mb limits, which is why a model far beyond the machine used to run unchecked.
import { INPUT, type CellJson } from '../graph.ts';
import { modelParamCount } from './layout.ts';
import { buildSchedule } from './schedule.ts';
import { packedSize } from './codegen.ts';

export interface MemoryEstimateInput {
  hidden: number;
  layers: number;
  /** Vocabulary (tokens) or units per row (multi-hot). */
  vocab: number;
  /** Streams per batch (B) and steps per batch (T). */
  batch: number;
  unroll: number;
  optimizer: 'sgd' | 'momentum' | 'adam';
  input?: 'tokens' | 'multihot';
  dropout?: boolean;
  dtype?: 'float32' | 'float64';
}

export interface MemoryEstimate {
  parameters: number;
  /** Bytes of each part and their total. */
  bytes: { weights: number; optimizer: number; activations: number; output: number; total: number };
}

/** The bytes one training run of `cell` allocates for its buffers (one batch shape). */
export function estimateTrainingMemory(cell: CellJson, o: MemoryEstimateInput): MemoryEstimate {
  const word = o.dtype === 'float64' ? 8 : 4;
  const parameters = modelParamCount(cell, { hidden: o.hidden, vocab: o.vocab, layers: o.layers });
  const sc = buildSchedule(cell);
  const H = o.hidden, B = o.batch, T = o.unroll, V = o.vocab;
  const TBH = T * B * H, BH = B * H;
  const slots = sc.groups.reduce((n, g) => n + g.slots.length, 0);
  const perLayer =
    TBH * (3 + (o.dropout ? 2 : 0)) + // input, its gradient, the gradient of the outputs (+ dropout mask and input)
    sc.states.length * (TBH + 3 * BH) + // states over time, their gradients and new values
    sc.nodes.length * (TBH + BH) + // every node's values, its gradient for one step
    2 * TBH * slots + // the weight groups' products and their gradients
    sc.groups.filter((g) => g.source !== INPUT).reduce((n, g) => n + packedSize(g.slots.length * H, H), 0); // packed weights of the per-step groups (C route)
  const output = 2 * T * B * V + T * B + (o.input === 'multihot' ? T * B * V : 0);
  const optimizerCopies = o.optimizer === 'sgd' ? 0 : o.optimizer === 'momentum' ? 1 : 2;
  const bytes = {
    weights: 3 * parameters * word,
    optimizer: optimizerCopies * parameters * word,
    activations: (o.layers * perLayer + TBH) * word,
    output: output * word,
    total: 0,
  };
  bytes.total = bytes.weights + bytes.optimizer + bytes.activations + bytes.output;
  return { parameters, bytes };
}

/** `bytes` in MB (2^20), rounded, for messages. */
export const megabytes = (bytes: number): number => Math.round(bytes / 2 ** 20);
