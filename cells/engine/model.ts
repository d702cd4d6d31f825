// A trainable model built from a cell: embedding (tokens) or dense projection (multi-hot) of
// width H -> L stacked layers of the compiled cell -> linear H -> V -> softmax cross-entropy
// (tokens) or per-unit sigmoid with binary cross-entropy (multi-hot).
//
// Parameters live in one flat typed array; every named parameter (`layer0/r.W0`, `embed`,
// `out.W`, `out.b`) is a view of it, laid out by layout.ts (each weight group one contiguous
// matrix for one GEMM). Gradients mirror the layout.
//
// A Program holds the generated layer code for one batch size B (compiled once) and every buffer
// for up to `capacity` steps; a longer batch grows the buffers, shorter ones use a prefix (the
// layout is time-major), so sequence tasks whose T varies per batch compile nothing new.
//
// Initialisation (seeded): cell weights, diag vectors, the embedding and the output weights are
// uniform in [-s, s] / sqrt(H); `diagOffset` is added to the diagonal of a linear node's weights;
// biases start at the node's `biasInit` (default 0); the output bias starts at 0.
import seedrandom from 'seedrandom';
import { INPUT, paramSpecs, type Cell } from '../graph.ts';
import type { Batch } from './batch.ts';
import { UserError } from '../../errors.ts';
import type { Gemm, Real } from './gemm.ts';
import { generateLayer, packedSize, type Kernels, type LayerBuffers, type LayerProgram } from './codegen.ts';
import { compileC, nativeStatus } from './native.ts';
import { buildSchedule, type Schedule } from './schedule.ts';
import { paramLayout, slotSize } from './layout.ts';
import { exactSigmoid } from './ops.ts';
import { nativeHeads, sigmoidHead, softmaxHead, type HeadFn } from './head.ts';
import { fastExp, fastSigmoid, fastTanh } from './fastmath.ts';
import type { ModelOptions } from './options.ts';
import { clipGradNorm, makeOptimizer, type Optimizer } from './optim.ts';

export interface ParamView {
  offset: number;
  size: number;
  shape: [number] | [number, number];
}

/** Sums over one batch (forward only). */
export interface BatchStats {
  /** Summed negative log-likelihood over scored positions (nats). */
  nll: number;
  /** Scored positions (sum of the mask). */
  count: number;
  /** Tokens: correct argmax predictions; multi-hot: true positives at threshold 0.5. */
  correct: number;
  /** Tokens: scored positions; multi-hot: TP + FP + FN (frame-level accuracy, Bay et al. 2009). */
  total: number;
  /** The training objective: nll / B (lossNorm `sequence`) or nll / count (`token`). */
  objective: number;
}

export interface TrainStepResult {
  /** Mean NLL per scored position of this batch (before the update). */
  loss: number;
  count: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** The loss or the gradient was NaN or infinite; no update was applied. */
  diverged: boolean;
}

export interface Metrics {
  /** Mean NLL per scored position (tokens) or per scored time step (multi-hot), in nats. */
  loss: number;
  /** exp(loss). */
  perplexity: number;
  /** Tokens: next-step argmax accuracy on scored positions; multi-hot: frame-level accuracy. */
  accuracy: number;
  /** Scored positions. */
  count: number;
}

interface Program {
  /** Steps the buffers hold. */
  capacity: number;
  B: number;
  layers: LayerBuffers[];
  code: LayerProgram;
  /** The compiled C kernels of the fused loops, or null on the JavaScript route. */
  kernels: Kernels | null;
  /** Layer-0 input (embedding output). */
  X0: Real;
  /** Multi-hot input rows converted to the model's dtype. */
  inRows: Real | null;
  /** Dropout masks (already scaled by 1/(1-p)): input of each layer, and the top output. */
  masks: Real[];
  topMask: Real | null;
  /** The top layer's output as the head sees it (a view when there is no dropout). */
  Htop: Real;
  dHtop: Real;
  logits: Real;
  dlogits: Real;
  /** T*B ones (column sums as products). */
  ones: Real;
}

/** The final states of the last batch, per layer and state (B*H each): the next batch's initial state when it carries. */
export interface CarriedState {
  B: number;
  values: Real[][];
}

/** The generators of dropout masks and input noise (JSON-serialisable). */
export interface RandomState {
  dropout: seedrandom.State.Arc4;
  noise: seedrandom.State.Arc4;
}

/** `kernels: 'auto'` takes the C route when a step has at least this many elements (B*H). */
export const AUTO_C_MIN_ELEMENTS = 256;

export class Model {
  readonly cell: Cell;
  readonly options: ModelOptions;
  readonly schedule: Schedule;
  readonly H: number;
  readonly V: number;
  readonly L: number;
  /** All parameters, flat. */
  readonly params: Real;
  /** Gradients of the last `lossAndGradient` / `trainBatch`, flat, same layout. */
  readonly grads: Real;
  /** Named views: `layer{l}/{paramSpecs name}`, `embed` (V x H), `out.W` (V x H), `out.b` (V). */
  readonly views: ReadonlyMap<string, ParamView>;
  readonly optimizer: Optimizer;
  private readonly gemm: Gemm;
  private readonly programs = new Map<number, Program>();
  private readonly tanh: (x: number) => number;
  private readonly sigm: (x: number) => number;
  private readonly exp: (x: number) => number;
  private readonly heads: { softmax: HeadFn; sigmoid: HeadFn };
  private dropoutRng: seedrandom.StatefulPRNG<seedrandom.State.Arc4>;
  private noiseRng: seedrandom.StatefulPRNG<seedrandom.State.Arc4>;
  /** Final states of the last batch, for truncated BPTT. */
  private carried: CarriedState | null = null;

  constructor(cell: Cell, options: ModelOptions, gemm: Gemm) {
    this.cell = cell;
    this.options = options;
    this.gemm = gemm;
    this.H = options.hidden;
    this.V = options.vocab;
    this.L = options.layers;
    this.schedule = buildSchedule(cell);
    const f64 = options.dtype === 'float64';
    this.tanh = f64 ? Math.tanh : fastTanh;
    this.sigm = f64 ? exactSigmoid : fastSigmoid;
    this.exp = f64 ? Math.exp : fastExp;

    const { H, V } = this;
    const views = new Map<string, ParamView>();
    let offset = 0;
    for (const slot of paramLayout(cell, { hidden: H, vocab: V, layers: this.L }, this.schedule)) {
      const size = slotSize(slot);
      views.set(slot.name, { offset, size, shape: slot.shape });
      offset += size;
    }
    this.views = views;
    this.params = f64 ? new Float64Array(offset) : new Float32Array(offset);
    this.grads = f64 ? new Float64Array(offset) : new Float32Array(offset);
    this.initialise(paramSpecs(cell, H));
    this.optimizer = makeOptimizer(options.optimizer);
    const native = options.kernels !== 'js' && (options.kernels === 'c' || nativeStatus.loaded) ? nativeHeads(options.dtype, compileC) : null;
    if (!native && options.kernels === 'c') throw new Error(`kernels 'c' asked for, but C kernels cannot be built: ${nativeStatus.reason ?? 'the compiler failed'}`);
    const exp = this.exp;
    this.heads = native ?? {
      softmax: (z, dz, bias, tg, mask, rows, V, scale, grad) => softmaxHead(z, grad ? dz : null, bias, tg as Int32Array, mask, rows, V, scale, exp),
      sigmoid: (z, dz, bias, tg, mask, rows, V, scale, grad) => sigmoidHead(z, grad ? dz : null, bias, tg as Float32Array, mask, rows, V, scale, exp),
    };
    this.dropoutRng = seedrandom(`${options.seed}/dropout`, { state: true });
    this.noiseRng = seedrandom(`${options.seed}/noise`, { state: true });
  }

  private initialise(specs: ReturnType<typeof paramSpecs>): void {
    const rng = seedrandom(`${this.options.seed}/init`);
    const a = this.options.initScale / Math.sqrt(this.H);
    const uniform = (v: Real) => {
      for (let i = 0; i < v.length; i++) v[i] = (2 * rng() - 1) * a;
    };
    const byId = new Map(this.cell.nodes.map((n) => [n.id, n]));
    for (let l = 0; l < this.L; l++) {
      for (const s of specs) {
        const v = this.view(`layer${l}/${s.name}`);
        const node = byId.get(s.node)!;
        if (s.kind === 'bias') v.fill(node.op === 'linear' ? (node.biasInit ?? 0) : 0);
        else uniform(v);
        if (s.kind === 'weight' && node.op === 'linear' && node.diagOffset) {
          for (let i = 0; i < this.H; i++) v[i * this.H + i] += node.diagOffset;
        }
      }
    }
    uniform(this.view('embed'));
    uniform(this.view('out.W'));
    this.view('out.b').fill(0);
  }

  /** A live view of a named parameter (writes change the model). */
  view(name: string, of: 'params' | 'grads' = 'params'): Real {
    const v = this.views.get(name);
    if (!v) throw new UserError(`unknown parameter '${name}' (known: ${[...this.views.keys()].join(', ')})`);
    return this[of].subarray(v.offset, v.offset + v.size);
  }

  /** Copies of every named parameter, as Float32Arrays (row-major, W as [out][in]). */
  getWeights(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const name of this.views.keys()) out[name] = Float32Array.from(this.view(name));
    return out;
  }

  /** Sets named parameters (any subset); sizes must match. */
  setWeights(weights: Record<string, ArrayLike<number>>): void {
    for (const [name, w] of Object.entries(weights)) {
      const v = this.view(name);
      if (w.length !== v.length) throw new UserError(`parameter '${name}' has ${v.length} values, got ${w.length}`);
      v.set(w);
    }
  }

  /** The state of the generators of dropout masks and input noise (JSON-serialisable). */
  randomState(): RandomState {
    return { dropout: this.dropoutRng.state(), noise: this.noiseRng.state() };
  }

  /** Restores generator states from `randomState()`: the following draws repeat exactly. */
  setRandomState(s: RandomState): void {
    this.dropoutRng = seedrandom('', { state: s.dropout });
    this.noiseRng = seedrandom('', { state: s.noise });
  }

  /** Forgets the carried state: the next batch starts from zero whatever its `carry`. */
  resetState(): void {
    this.carried = null;
  }

  /** A copy of the state the next carrying batch starts from (null: none, it starts from zero). */
  carriedState(): CarriedState | null {
    return this.carried && { B: this.carried.B, values: this.carried.values.map((l) => l.map((v) => v.slice())) };
  }

  /** Restores a state from `carriedState()` (copied); its layers, states and sizes must fit the model. */
  setCarriedState(s: CarriedState | null): void {
    if (s) {
      const BH = s.B * this.H, S = this.schedule.states.length;
      const fits = s.values.length === this.L && s.values.every((l) => l.length === S && l.every((v) => v.length === BH && v instanceof this.params.constructor));
      if (!fits) throw new Error(`carried state does not fit the model (expected ${this.L} layers of ${S} states of ${BH} ${this.options.dtype} values)`);
    }
    this.carried = s && { B: s.B, values: s.values.map((l) => l.map((v) => v.slice())) };
  }

  /** Forward and backward on one batch (dropout on); `grads` holds the gradient of the objective. */
  lossAndGradient(batch: Batch): BatchStats {
    const p = this.program(batch);
    const stats = this.forward(p, batch, true, true);
    this.grads.fill(0);
    this.backward(p, batch);
    return stats;
  }

  /** One optimisation step: forward, backward, clipping, update. Never throws on divergence. */
  trainBatch(batch: Batch): TrainStepResult {
    const s = this.lossAndGradient(batch);
    const loss = s.count > 0 ? s.nll / s.count : 0;
    const norm = clipGradNorm(this.grads, this.options.clip);
    if (!Number.isFinite(s.nll) || !Number.isFinite(norm)) return { loss: s.count > 0 ? s.nll / s.count : s.nll, count: s.count, gradNorm: norm, diverged: true };
    this.optimizer.step(this.params, this.grads);
    return { loss, count: s.count, gradNorm: norm, diverged: false };
  }

  /** Forward only (no dropout), carrying state like training does. */
  evaluateBatch(batch: Batch): BatchStats {
    return this.forward(this.program(batch), batch, false, false);
  }

  /**
   * Forward only (no dropout, carrying state like `evaluateBatch`), returning copies of the
   * logits (T*B x V, bias included) and of every layer's outputs h (T*B x H, time-major), for
   * comparison with other implementations.
   */
  predict(batch: Batch): { logits: Float32Array; hidden: Float32Array[] } {
    const p = this.program(batch);
    this.forward(p, batch, false, false);
    const BH = batch.B * this.H, TB = batch.T * batch.B;
    const h = this.schedule.states.indexOf('h');
    return {
      logits: Float32Array.from(p.logits.subarray(0, TB * this.V)),
      hidden: p.layers.map((l) => Float32Array.from(l.S[h].subarray(BH, BH + TB * this.H))),
    };
  }

  /** Metrics over batches, from a zero state; the training state is kept aside and restored. */
  evaluate(batches: Iterable<Batch>): Metrics {
    const saved = this.carried;
    this.carried = null;
    let nll = 0, count = 0, correct = 0, total = 0;
    try {
      for (const b of batches) {
        const s = this.evaluateBatch(b);
        nll += s.nll;
        count += s.count;
        correct += s.correct;
        total += s.total;
      }
    } finally {
      this.carried = saved;
    }
    const loss = count > 0 ? nll / count : NaN;
    return { loss, perplexity: Math.exp(loss), accuracy: total > 0 ? correct / total : 0, count };
  }

  /** The generated code of one layer for batches of B streams, for inspection (c: both passes, on the C route). */
  source(B: number): { forward: string; backward: string; c: string | null } {
    const code = this.programFor(1, B).code;
    return { forward: code.forwardSource, backward: code.backwardSource, c: code.cSource };
  }

  // -------------------------------------------------------------------------------------------

  private program(batch: Batch): Program {
    const want = this.options.input === 'tokens' ? 'tokens' : 'multihot';
    if (batch.kind !== want) throw new Error(`model built for ${want} input got a ${batch.kind} batch`);
    if (batch.mask.length !== batch.T * batch.B) throw new Error(`batch mask has ${batch.mask.length} entries, expected T*B = ${batch.T * batch.B}`);
    return this.programFor(batch.T, batch.B);
  }

  private programFor(T: number, B: number): Program {
    const p = this.programs.get(B);
    if (p && p.capacity >= T) return p;
    // Grow by at least half, so that slowly rising lengths reallocate only a few times.
    const next = this.buildProgram(p ? Math.max(T, Math.ceil(p.capacity * 1.5)) : T, B, p);
    this.programs.set(B, next);
    return next;
  }

  /** The layer code for B streams: C kernels when asked for and available, JavaScript otherwise. */
  private generate(B: number): { code: LayerProgram; kernels: Kernels | null } {
    const { kernels: route, dtype } = this.options;
    // auto: C only where it pays for its compile (a quarter of a second): real sizes, not the
    // tiny models of tests and smoke checks.
    const worthC = B * this.H >= AUTO_C_MIN_ELEMENTS && nativeStatus.loaded;
    if (route === 'c' || (route === 'auto' && worthC)) {
      try {
        const code = generateLayer(this.schedule, this.H, B, { c: true, dtype });
        const most = nativeStatus.maxBuffers;
        if (most === undefined) throw new Error('the native addon was built before layer passes moved to C: rebuild it (node native/install.mjs)');
        if (code.cBuffers > most) throw new Error(`a layer pass of this cell takes ${code.cBuffers} arrays, the native addon at most ${most}`);
        const lib = compileC(code.cSource!);
        return { code, kernels: { fns: code.kernelNames.map((n) => lib.fn(n)), sc: new Float64Array(1) } };
      } catch (e) {
        if (route === 'c') throw e;
        // auto: the JavaScript route computes the same thing.
      }
    }
    return { code: generateLayer(this.schedule, this.H, B), kernels: null };
  }

  /** Which route the fused loops take for batches of B streams: `c` or `js`. */
  route(B: number): 'c' | 'js' {
    return this.programFor(1, B).kernels ? 'c' : 'js';
  }

  private buildProgram(T: number, B: number, previous?: Program): Program {
    const { H, V, L, schedule: sc } = this;
    const f64 = this.options.dtype === 'float64';
    const alloc = (n: number): Real => (f64 ? new Float64Array(n) : new Float32Array(n));
    const TBH = T * B * H, BH = B * H;
    const dropout = this.options.dropout > 0;
    const { code, kernels } = previous ?? this.generate(B);
    const X0 = alloc(TBH);
    const masks: Real[] = [];
    const layers: LayerBuffers[] = [];
    const hIdx = sc.states.indexOf('h');
    for (let l = 0; l < L; l++) {
      const prefix = `layer${l}/`;
      const W: Real[] = [], dW: Real[] = [];
      for (const g of sc.groups) {
        const first = this.views.get(`${prefix}${g.slots[0].node}.W${g.slots[0].input}`)!;
        const n = g.slots.length * H * H;
        W.push(this.params.subarray(first.offset, first.offset + n));
        dW.push(this.grads.subarray(first.offset, first.offset + n));
      }
      const opt = (name: string, of: 'params' | 'grads') => (this.views.has(prefix + name) ? this.view(prefix + name, of) : null);
      const below = layers[l - 1];
      if (dropout) masks.push(alloc(TBH));
      const X = l === 0 ? X0 : dropout ? alloc(TBH) : below.S[hIdx].subarray(BH, BH + TBH);
      const buf: LayerBuffers = {
        X,
        dX: alloc(TBH),
        dH: alloc(TBH),
        S: sc.states.map(() => alloc(TBH + BH)),
        dS: sc.states.map(() => alloc(BH)),
        dNew: sc.states.map(() => alloc(BH)),
        N: sc.nodes.map(() => alloc(TBH)),
        dN: sc.nodes.map(() => alloc(BH)),
        G: sc.groups.map((g) => alloc(T * B * H * g.slots.length)),
        dG: sc.groups.map((g) => alloc(T * B * H * g.slots.length)),
        W,
        dW,
        WP: sc.groups.map((g) => alloc(kernels && g.source !== INPUT ? packedSize(g.slots.length * H, H) : 0)),
        bias: sc.nodes.map((n) => opt(`${n.id}.b`, 'params')),
        dBias: sc.nodes.map((n) => opt(`${n.id}.b`, 'grads')),
        diag: sc.nodes.map((n) => opt(`${n.id}.p`, 'params')),
        dDiag: sc.nodes.map((n) => opt(`${n.id}.p`, 'grads')),
      };
      // Without dropout the gradient w.r.t. this layer's input is the one w.r.t. the outputs below.
      if (below && !dropout) below.dH = buf.dX;
      layers.push(buf);
    }
    const top = layers[L - 1];
    const topMask = dropout ? alloc(TBH) : null;
    const Htop = dropout ? alloc(TBH) : top.S[hIdx].subarray(BH, BH + TBH);
    return {
      capacity: T,
      B,
      layers,
      code,
      kernels,
      X0,
      inRows: this.options.input === 'multihot' ? alloc(T * B * V) : null,
      masks,
      topMask,
      Htop,
      dHtop: dropout ? alloc(TBH) : top.dH,
      logits: alloc(T * B * V),
      dlogits: alloc(T * B * V),
      ones: alloc(T * B).fill(1),
    };
  }

  /** Adds Gaussian noise (standard deviation sd, Box-Muller from the seeded noise generator) to a[0..n). */
  private addNoise(a: Real, n: number, sd: number): void {
    const rng = this.noiseRng;
    for (let i = 0; i < n; i += 2) {
      const u = 1 - rng(), v = rng();
      const rad = sd * Math.sqrt(-2 * Math.log(u));
      a[i] += rad * Math.cos(2 * Math.PI * v);
      if (i + 1 < n) a[i + 1] += rad * Math.sin(2 * Math.PI * v);
    }
  }

  /** Draws the first n entries of a dropout mask (kept entries scaled by 1/(1-p)). */
  private fillMask(m: Real, n: number): void {
    const keep = 1 - this.options.dropout;
    const scale = 1 / keep;
    const rng = this.dropoutRng;
    for (let i = 0; i < n; i++) m[i] = rng() < keep ? scale : 0;
  }

  private forward(p: Program, batch: Batch, train: boolean, withGrad: boolean): BatchStats {
    const { H, V, L, gemm, schedule: sc } = this;
    const { T, B } = batch;
    const TB = T * B, BH = B * H, TBH = TB * H;
    const dropout = train && this.options.dropout > 0;
    const embed = this.view('embed');

    // Input rows. Greff's input noise (training only) is added to the raw multi-hot rows, or to
    // the embedded tokens; it is additive, so the backward pass is unchanged.
    const noise = train && this.options.inputNoise > 0 ? this.options.inputNoise : 0;
    if (batch.kind === 'tokens') {
      const X0 = p.X0;
      for (let r = 0; r < TB; r++) {
        const tok = batch.inputs[r];
        if (!(tok >= 0 && tok < V)) throw new Error(`input token ${tok} at position ${r} is outside the vocabulary 0..${V - 1}`);
        X0.set(embed.subarray(tok * H, tok * H + H), r * H);
      }
      if (noise) this.addNoise(X0, TBH, noise);
    } else {
      p.inRows!.set(batch.inputs);
      if (noise) this.addNoise(p.inRows!, TB * V, noise);
      gemm(false, false, TB, H, V, 1, p.inRows!, 0, V, embed, 0, H, 0, p.X0, 0, H);
    }

    // Initial states: carried from the previous batch (truncated BPTT) or zero.
    const carry = batch.carry && this.carried !== null && this.carried.B === B ? this.carried.values : null;
    for (let l = 0; l < L; l++) {
      const S = p.layers[l].S;
      for (let s = 0; s < S.length; s++) {
        if (carry) S[s].set(carry[l][s], 0);
        else S[s].fill(0, 0, BH);
      }
    }

    const hIdx = sc.states.indexOf('h');
    const hasDropoutBuffers = this.options.dropout > 0;
    for (let l = 0; l < L; l++) {
      const buf = p.layers[l];
      if (hasDropoutBuffers) {
        // The layer input buffer is separate: fill it (masked in training, plain in evaluation).
        const src = l === 0 ? null : p.layers[l - 1].S[hIdx];
        const m = p.masks[l];
        if (dropout) this.fillMask(m, TBH);
        const X = buf.X;
        for (let i = 0; i < TBH; i++) {
          const v = src ? src[BH + i] : X[i];
          X[i] = dropout ? v * m[i] : v;
        }
      }
      p.code.forward(buf, gemm, this.tanh, this.sigm, p.kernels, T);
    }
    if (hasDropoutBuffers) {
      const src = p.layers[L - 1].S[hIdx];
      const m = p.topMask!;
      if (dropout) this.fillMask(m, TBH);
      for (let i = 0; i < TBH; i++) p.Htop[i] = dropout ? src[BH + i] * m[i] : src[BH + i];
    }
    // Keep the final states for the next batch.
    this.carried = {
      B,
      values: p.layers.map((buf) => buf.S.map((s) => s.slice(T * BH, T * BH + BH))),
    };

    // Head.
    gemm(false, true, TB, V, H, 1, p.Htop, 0, H, this.view('out.W'), 0, H, 0, p.logits, 0, V);
    const mask = batch.mask;
    let count = 0;
    for (let r = 0; r < TB; r++) count += mask[r];
    const norm = this.options.lossNorm === 'sequence' ? B : count;
    const scale = norm > 0 ? 1 / norm : 0;
    const head = batch.kind === 'tokens' ? this.heads.softmax : this.heads.sigmoid;
    const h = head(p.logits, p.dlogits, this.view('out.b'), batch.targets, mask, TB, V, scale, withGrad);
    return { nll: h.nll, count, correct: h.correct, total: h.total, objective: h.nll * scale };
  }

  private backward(p: Program, batch: Batch): void {
    const { H, V, L, gemm } = this;
    const { T, B } = batch;
    const TB = T * B, TBH = TB * H;
    const dz = p.dlogits;
    // Output layer.
    gemm(true, false, V, H, TB, 1, dz, 0, V, p.Htop, 0, H, 1, this.view('out.W', 'grads'), 0, H);
    // The bias gradient is the column sum of dz: a product with a vector of ones.
    gemm(true, false, V, 1, TB, 1, dz, 0, V, p.ones, 0, 1, 1, this.view('out.b', 'grads'), 0, 1);
    gemm(false, false, TB, H, V, 1, dz, 0, V, this.view('out.W'), 0, H, 0, p.dHtop, 0, H);
    const dropout = this.options.dropout > 0;
    if (dropout) {
      const dH = p.layers[L - 1].dH, m = p.topMask!;
      for (let i = 0; i < TBH; i++) dH[i] = p.dHtop[i] * m[i];
    }
    // Layers, top down.
    for (let l = L - 1; l >= 0; l--) {
      const buf = p.layers[l];
      p.code.backward(buf, gemm, this.tanh, this.sigm, p.kernels, T);
      if (dropout) {
        const m = p.masks[l];
        const dst = l > 0 ? p.layers[l - 1].dH : buf.dX;
        for (let i = 0; i < TBH; i++) dst[i] = buf.dX[i] * m[i];
      }
    }
    // Embedding.
    const dX0 = p.layers[0].dX;
    const dE = this.view('embed', 'grads');
    if (batch.kind === 'tokens') {
      for (let r = 0; r < TB; r++) {
        const o = batch.inputs[r] * H;
        for (let j = 0; j < H; j++) dE[o + j] += dX0[r * H + j];
      }
    } else {
      gemm(true, false, V, H, TB, 1, p.inRows!, 0, V, dX0, 0, H, 1, dE, 0, H);
    }
  }
}
