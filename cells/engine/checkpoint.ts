// A training run's state at a step, so that training can stop there and continue later exactly as
// if it had never stopped: the loop's state (curve, best, schedule counters, the training loss
// accumulated since the last evaluation), the parameters, the optimiser's buffers, the
// generators' states, the hidden state carried to the next batch, and the data position (how
// many training batches were consumed: the index of the next one, since a task's batches are a
// pure function of (seed, split, index)).
//
// Binary form (a search stores many, so typed arrays go as raw bytes, never as JSON numbers):
//   "CSCK" | u32 version | u32 header length | header JSON | arrays, each 8-byte aligned | u32 CRC-32
// The version comes before the header so that a checkpoint of another version is refused before
// its header is read; the CRC-32 catches a truncated or damaged buffer. Numbers are in the
// platform's byte order (little-endian on every platform Node runs on in practice). Reading it
// back (decodeCheckpoint) is checkpoint-decode.ts, with the header's zod schema: a worker thread
// encodes checkpoints but never decodes one (the coordinator does), so it loads no zod.
import type { Real } from './gemm.ts';
import type { CarriedState, Metrics, Model, RandomState } from './model.ts';
import type { OptimizerState } from './optim.ts';
import type { ArrayEntry, Header } from './checkpoint-decode.ts';
import type { CurvePoint } from './training-loop.ts';

export const CHECKPOINT_VERSION = 1;
export const MAGIC = 'CSCK';

/** What a checkpoint fits: a model with the same parameter layout, dtype and optimiser kind. */
export interface ModelShape {
  dtype: 'float32' | 'float64';
  hidden: number;
  vocab: number;
  layers: number;
  input: 'tokens' | 'multihot';
  optimizer: 'sgd' | 'momentum' | 'adam';
  /** Every named parameter as `name:dims` (e.g. `layer0/r.W0:64x64`), in layout order. */
  layout: string[];
}

/** The training loop's own state (train.ts). */
export interface LoopState {
  curve: CurvePoint[];
  best: (Metrics & { step: number }) | null;
  /** The parameters at `best` when the run restores the best weights at the end, else null. */
  bestParams: Real | null;
  /** Evaluations since the best one, and learning-rate halvings so far. */
  sinceBest: number;
  halvings: number;
  /** Training NLL and scored positions since the last evaluation (the next curve point's trainLoss). */
  nll: number;
  count: number;
  /** Why training ended for good (schedule exhausted, divergence): a continuation trains no further. */
  ended: 'schedule' | 'diverged' | null;
}

export interface Checkpoint {
  version: number;
  shape: ModelShape;
  /** Steps taken. */
  step: number;
  /** Training batches consumed: the index of the next training batch. */
  position: number;
  loop: LoopState;
  lr: number;
  params: Real;
  optimizer: OptimizerState;
  random: RandomState;
  carried: CarriedState | null;
}

export function modelShape(model: Model): ModelShape {
  const o = model.options;
  return {
    dtype: o.dtype,
    hidden: o.hidden,
    vocab: o.vocab,
    layers: o.layers,
    input: o.input,
    optimizer: o.optimizer.kind,
    layout: [...model.views].map(([name, v]) => `${name}:${v.shape.join('x')}`),
  };
}

/** The first difference between the shape a checkpoint was taken from and a model's, or null. */
export function shapeDifference(checkpoint: ModelShape, model: ModelShape): string | null {
  for (const k of ['dtype', 'hidden', 'vocab', 'layers', 'input', 'optimizer'] as const) {
    if (checkpoint[k] !== model[k]) return `${k}: the checkpoint's is ${checkpoint[k]}, the model's ${model[k]}`;
  }
  const n = Math.max(checkpoint.layout.length, model.layout.length);
  for (let i = 0; i < n; i++) {
    const a = checkpoint.layout[i], b = model.layout[i];
    if (a !== b) return `parameters (another cell): the checkpoint has ${a ?? 'nothing'} where the model has ${b ?? 'nothing'}`;
  }
  return null;
}

/** Captures the model's side of a checkpoint (copies) with the loop's state (copied too). */
export function takeCheckpoint(model: Model, at: { step: number; position: number; loop: LoopState }): Checkpoint {
  const { loop } = at;
  return {
    version: CHECKPOINT_VERSION,
    shape: modelShape(model),
    step: at.step,
    position: at.position,
    loop: {
      ...loop,
      curve: loop.curve.map((p) => ({ ...p, valid: { ...p.valid } })),
      best: loop.best && { ...loop.best },
      bestParams: loop.bestParams?.slice() ?? null,
    },
    lr: model.optimizer.lr,
    params: model.params.slice(),
    optimizer: model.optimizer.getState(),
    random: structuredClone(model.randomState()),
    carried: model.carriedState(),
  };
}

/**
 * Puts a checkpoint's model side into the model (parameters, learning rate, optimiser buffers,
 * generators, carried state) and returns a copy of its loop state. Refuses a checkpoint of another
 * version or of a model of another shape, naming what differs.
 */
export function restoreCheckpoint(model: Model, c: Checkpoint): LoopState {
  if (c.version !== CHECKPOINT_VERSION) throw new Error(`checkpoint version ${c.version} cannot be read by this engine (version ${CHECKPOINT_VERSION})`);
  const diff = shapeDifference(c.shape, modelShape(model));
  if (diff) throw new Error(`checkpoint does not fit the model: ${diff}`);
  const n = model.params.length;
  for (const [what, a] of [['parameters', c.params], ['best parameters', c.loop.bestParams], ...c.optimizer.buffers.map((b) => ['optimiser state', b] as const)] as const) {
    if (a && (a.length !== n || !(a instanceof model.params.constructor))) throw new Error(`checkpoint ${what}: ${a.length} values where the model has ${n} ${model.options.dtype}`);
  }
  model.params.set(c.params);
  model.optimizer.lr = c.lr;
  model.optimizer.setState(c.optimizer);
  model.setRandomState(structuredClone(c.random));
  model.setCarriedState(c.carried);
  const { loop } = c;
  return {
    ...loop,
    curve: loop.curve.map((p) => ({ ...p, valid: { ...p.valid } })),
    best: loop.best && { ...loop.best },
    bestParams: loop.bestParams?.slice() ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// Binary form.

/** Curve points and the best evaluation as float64 rows (NaN survives, as JSON's null would not). */
export const CURVE_FIELDS = 7, BEST_FIELDS = 5;
const curveRow = (p: CurvePoint) => [p.step, p.trainLoss, p.valid.loss, p.valid.perplexity, p.valid.accuracy, p.valid.count, p.lr];
const bestRow = (b: Metrics & { step: number }) => [b.step, b.loss, b.perplexity, b.accuracy, b.count];

const sameBytes = (a: Real, b: Real) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
export const align8 = (n: number) => (n + 7) & ~7;
const typeOf = (a: Real | Uint8Array): ArrayEntry['type'] => (a instanceof Float64Array ? 'f64' : a instanceof Float32Array ? 'f32' : 'u8');

/** The checkpoint as bytes. */
export function encodeCheckpoint(c: Checkpoint): Buffer {
  const arrays: [string, Real | Uint8Array][] = [['params', c.params]];
  const bp = c.loop.bestParams;
  const bestParams = bp === null ? 'none' : sameBytes(bp, c.params) ? 'params' : 'own';
  if (bestParams === 'own') arrays.push(['bestParams', bp!]);
  c.optimizer.buffers.forEach((b, i) => arrays.push([`optimizer${i}`, b]));
  c.carried?.values.forEach((layer, l) => layer.forEach((v, s) => arrays.push([`carried${l}.${s}`, v])));
  arrays.push(['random.dropout', Uint8Array.from(c.random.dropout.S)], ['random.noise', Uint8Array.from(c.random.noise.S)]);
  arrays.push(['scalars', Float64Array.of(c.lr, c.loop.nll, c.loop.count)]);
  arrays.push(['curve', Float64Array.from(c.loop.curve.flatMap(curveRow))]);
  if (c.loop.best) arrays.push(['best', Float64Array.from(bestRow(c.loop.best))]);

  const header: Header = {
    shape: c.shape,
    step: c.step,
    position: c.position,
    sinceBest: c.loop.sinceBest,
    halvings: c.loop.halvings,
    ended: c.loop.ended,
    optimizerT: c.optimizer.t,
    bestParams,
    carriedB: c.carried?.B ?? null,
    random: { dropout: [c.random.dropout.i, c.random.dropout.j], noise: [c.random.noise.i, c.random.noise.j] },
    arrays: arrays.map(([name, a]) => ({ name, type: typeOf(a), length: a.length })),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  let size = align8(12 + json.length);
  const offsets = arrays.map(([, a]) => {
    const at = size;
    size = align8(size + a.byteLength);
    return at;
  });
  const out = Buffer.alloc(size + 4);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(CHECKPOINT_VERSION, 4);
  out.writeUInt32LE(json.length, 8);
  json.copy(out, 12);
  arrays.forEach(([, a], i) => out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offsets[i]));
  // node:zlib on first use: a worker thread loads this module before it is ready to train (issue 17).
  out.writeUInt32LE(process.getBuiltinModule('node:zlib').crc32(out.subarray(0, size)), size);
  return out;
}
