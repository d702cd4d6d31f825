// Reads a checkpoint back from its binary form (checkpoint.ts writes it and describes it): the
// header's JSON parsed with its zod schema, the arrays checked against it. Apart from the
// encoder so that a worker thread, which only encodes, loads no zod; the coordinator decodes a
// stored checkpoint before it sends a continued job to a thread (runs/training-job.ts).
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import { align8, BEST_FIELDS, CHECKPOINT_VERSION, CURVE_FIELDS, MAGIC, type Checkpoint } from './checkpoint.ts';
import type { Real } from './gemm.ts';
import type { CurvePoint } from './training-loop.ts';

const ArrayEntrySchema = z.strictObject({ name: z.string(), type: z.enum(['f32', 'f64', 'u8']), length: z.number().int().nonnegative() });
export type ArrayEntry = z.infer<typeof ArrayEntrySchema>;
const count = z.number().int().nonnegative();
const HeaderSchema = z.strictObject({
  shape: z.strictObject({
    dtype: z.enum(['float32', 'float64']),
    hidden: count,
    vocab: count,
    layers: count,
    input: z.enum(['tokens', 'multihot']),
    optimizer: z.enum(['sgd', 'momentum', 'adam']),
    layout: z.array(z.string()),
  }),
  step: count,
  position: count,
  sinceBest: count,
  halvings: count,
  ended: z.enum(['schedule', 'diverged']).nullable(),
  optimizerT: count,
  /** Whether the best parameters are absent, the same as the parameters (stored once), or stored. */
  bestParams: z.enum(['none', 'params', 'own']),
  carriedB: count.nullable(),
  /** The ARC4 generators' indices (their 256-byte tables are arrays). */
  random: z.strictObject({ dropout: z.tuple([count, count]), noise: z.tuple([count, count]) }),
  arrays: z.array(ArrayEntrySchema),
});
export type Header = z.infer<typeof HeaderSchema>;

/** Reads a checkpoint from bytes; refuses anything else (another version, damaged, foreign) with a clear error. */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (why: string): never => {
    throw new Error(`not a usable checkpoint: ${why}`);
  };
  if (buf.length < 16 || buf.toString('latin1', 0, 4) !== MAGIC) fail('it does not start with the checkpoint mark (a foreign buffer?)');
  const version = buf.readUInt32LE(4);
  if (version !== CHECKPOINT_VERSION) fail(`it is of version ${version}, this engine reads version ${CHECKPOINT_VERSION}`);
  const size = buf.length - 4;
  if (crc32(buf.subarray(0, size)) !== buf.readUInt32LE(size)) fail('its checksum does not match (truncated or damaged)');
  const jsonLength = buf.readUInt32LE(8);
  let raw: unknown;
  try {
    raw = JSON.parse(buf.toString('utf8', 12, 12 + jsonLength));
  } catch {
    return fail('its header is not JSON');
  }
  const parsed = HeaderSchema.safeParse(raw);
  if (!parsed.success) return fail(`its header is malformed: ${z.prettifyError(parsed.error)}`);
  const h = parsed.data;

  const arrays = new Map<string, Real | Uint8Array>();
  let at = align8(12 + jsonLength);
  for (const e of h.arrays) {
    const width = e.type === 'f64' ? 8 : e.type === 'f32' ? 4 : 1;
    if (at + e.length * width > size) fail(`array ${e.name} runs past the end`);
    // A copy: the source may sit at any byte offset, and the checkpoint must not share its memory.
    const bytesOf = buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + e.length * width);
    arrays.set(e.name, e.type === 'f64' ? new Float64Array(bytesOf) : e.type === 'f32' ? new Float32Array(bytesOf) : new Uint8Array(bytesOf));
    at = align8(at + e.length * width);
  }
  const real = (name: string): Real => {
    const a = arrays.get(name);
    const want = h.shape.dtype === 'float64' ? Float64Array : Float32Array;
    if (!(a instanceof want)) return fail(`array ${name} is missing or not ${h.shape.dtype}`);
    return a;
  };
  const f64 = (name: string, length?: number): Float64Array => {
    const a = arrays.get(name);
    if (!(a instanceof Float64Array) || (length !== undefined && a.length !== length)) return fail(`array ${name} is missing or malformed`);
    return a;
  };
  const table = (name: string): number[] => {
    const a = arrays.get(name);
    if (!(a instanceof Uint8Array) || a.length !== 256) return fail(`array ${name} is missing or malformed`);
    return [...a];
  };

  const params = real('params');
  const optimizerBuffers = [...arrays.keys()].filter((k) => k.startsWith('optimizer')).map(real);
  const carried = h.carriedB === null ? null : {
    B: h.carriedB,
    values: Array.from({ length: h.shape.layers }, (_, l) => {
      const layer: Real[] = [];
      for (let s = 0; arrays.has(`carried${l}.${s}`); s++) layer.push(real(`carried${l}.${s}`));
      return layer;
    }),
  };
  const [lr, nll, scored] = f64('scalars', 3);
  const curveData = f64('curve');
  if (curveData.length % CURVE_FIELDS !== 0) fail('its curve is malformed');
  const curve: CurvePoint[] = [];
  for (let i = 0; i < curveData.length; i += CURVE_FIELDS) {
    const [step, trainLoss, loss, perplexity, accuracy, n, pointLr] = curveData.subarray(i, i + CURVE_FIELDS);
    curve.push({ step, trainLoss, valid: { loss, perplexity, accuracy, count: n }, lr: pointLr });
  }
  const bestData = arrays.has('best') ? f64('best', BEST_FIELDS) : null;
  return {
    version,
    shape: h.shape,
    step: h.step,
    position: h.position,
    loop: {
      curve,
      best: bestData && { step: bestData[0], loss: bestData[1], perplexity: bestData[2], accuracy: bestData[3], count: bestData[4] },
      bestParams: h.bestParams === 'none' ? null : h.bestParams === 'params' ? params.slice() : real('bestParams'),
      sinceBest: h.sinceBest,
      halvings: h.halvings,
      nll,
      count: scored,
      ended: h.ended,
    },
    lr,
    params,
    optimizer: { t: h.optimizerT, buffers: optimizerBuffers },
    random: {
      dropout: { i: h.random.dropout[0], j: h.random.dropout[1], S: table('random.dropout') },
      noise: { i: h.random.noise[0], j: h.random.noise[1], S: table('random.noise') },
    },
    carried,
  };
}
