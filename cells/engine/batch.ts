// The unit of data the training engine consumes. The engine owns its input: tasks (tasks/)
// produce batches of these types and import them from here; nothing in cells/ imports tasks/.
//
// Layout is time-major: position (t, b) is index t * B + b (and * V + v for dense rows), so that
// the engine can project the inputs of all T steps with one matrix product.

/** Token inputs (arithmetic, XML, PTB, memorize) with a softmax over the vocabulary. */
export interface TokenBatch {
  kind: 'tokens';
  /** Steps (unroll length) and streams (batch size). */
  T: number;
  B: number;
  /** Input token ids, length T * B. */
  inputs: Int32Array;
  /** Target token ids, length T * B (the next token; any value where mask is 0). */
  targets: Int32Array;
  /** 1 where the position is scored, 0 elsewhere (padding, prompts); length T * B. */
  mask: Float32Array;
  /**
   * Truncated BPTT: true when every stream continues the previous batch of the same split
   * (PTB-style streams, state carried across batches); false when each batch holds fresh,
   * independent sequences and the state starts from zero.
   */
  carry: boolean;
}

/** Dense multi-hot inputs and targets (music: binary piano rolls) with a sigmoid per unit. */
export interface MultiHotBatch {
  kind: 'multihot';
  T: number;
  B: number;
  /** Input rows, length T * B * V, each entry 0 or 1. */
  inputs: Float32Array;
  /** Target rows, length T * B * V, each entry 0 or 1. */
  targets: Float32Array;
  /** 1 where the step is scored, 0 for padding; length T * B. */
  mask: Float32Array;
  carry: boolean;
}

export type Batch = TokenBatch | MultiHotBatch;
