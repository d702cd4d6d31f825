// Generates the JavaScript of one layer's forward and backward pass over T steps from a schedule
// (schedule.ts) and the op rules (ops.ts). H and B are baked in as literals, T is an argument; every
// buffer comes from a LayerBuffers object allocated once (model.ts) and reused for every batch.
//
// Forward: the x group is projected for all T*B rows in one GEMM; on the C route every other
// group's weights are transposed once per pass (W^T, read in place by each step's product
// instead of being repacked T times); per step, each stage runs its group GEMMs, then one fused
// loop over B*H computes its nodes; the new states are copied to the
// next state slot. Backward mirrors it step by step in reverse, writing the gradient of every
// group's GEMM output for all T (dG); after the loop, one GEMM per group accumulates its weight
// gradient over all T*B rows, and one GEMM sends the x group's gradient to the layer input.
import { INPUT, nodeInputs } from '../graph.ts';
import type { Gemm, Real } from './gemm.ts';
import { OP_RULES } from './ops.ts';
import type { Schedule } from './schedule.ts';

/**
 * The buffers of one layer. Index order: states as in schedule.states, nodes as in
 * schedule.nodes, groups as in schedule.groups. Sizes, for a capacity of T steps: X, dX, dH: T*B*H; S: (T+1)*B*H (slot 0
 * is the initial state, slot t+1 the state after step t); N: T*B*H; G, dG: T*B*(H*slots);
 * dS, dNew, dN: B*H (one step); W, dW: the group's weights, (slots*H) x H, views of the flat
 * parameter and gradient arrays; WT: W transposed, H x (slots*H), written once per forward pass on
 * the C route (empty for the x group and on the JavaScript route); bias/diag and their
 * gradients: H, or null when absent.
 */
export interface LayerBuffers {
  X: Real;
  dX: Real;
  dH: Real;
  S: Real[];
  dS: Real[];
  dNew: Real[];
  N: Real[];
  dN: Real[];
  G: Real[];
  dG: Real[];
  W: Real[];
  dW: Real[];
  WT: Real[];
  bias: (Real | null)[];
  dBias: (Real | null)[];
  diag: (Real | null)[];
  dDiag: (Real | null)[];
}

export type Activation = (x: number) => number;

/** Native kernels of a program (C route): one function per fused loop, and their scalar block. */
export interface Kernels {
  fns: ((scalars: Float64Array, ...buffers: ArrayBufferView[]) => number)[];
  /** [o, r]: the step's offsets in values (t*B*H) and in rows (t*B). */
  sc: Float64Array;
}

/** One pass over T steps (T at most the capacity the buffers were allocated for). */
export type LayerPass = (L: LayerBuffers, gemm: Gemm, TANH: Activation, SIGM: Activation, K: Kernels | null, T: number) => void;

export interface LayerProgram {
  forward: LayerPass;
  backward: LayerPass;
  forwardSource: string;
  backwardSource: string;
  /** C route only: the source of every fused loop, named k0, k1, ... in `kernelNames`. */
  cSource: string | null;
  kernelNames: string[];
}

export interface GenerateOptions {
  /** Emit the fused loops as C (compiled by native.ts's compileC) instead of JavaScript. */
  c?: boolean;
  /** Element type of the buffers, for the C route. */
  dtype?: 'float32' | 'float64';
}

// The arrays a fused loop body can touch, by the names the generator gives them.
const ARRAY_NAME = /\b(?:X|dX|dH|(?:S|dS|dNew|N|dN|G|dG|W|dW|WT|b|db|p|dp)\d+)\b/g;

export function generateLayer(sched: Schedule, H: number, B: number, gen: GenerateOptions = {}): LayerProgram {
  const BH = B * H;
  // T is a run-time argument (sequence tasks vary it per batch); the buffers hold at least T steps.
  const TB = `T * ${B}`;
  const stateIdx = new Map(sched.states.map((s, i) => [s, i]));
  const nodeIdx = new Map(sched.nodes.map((n, i) => [n.id, i]));
  const groupIdx = new Map(sched.groups.map((g, i) => [g.source, i]));
  const width = sched.groups.map((g) => g.slots.length * H);
  // Where each (linear node, input) reads its product: group index and column offset.
  const slotOf = new Map<string, { g: number; col: number }>();
  sched.groups.forEach((g, gi) => g.slots.forEach((s) => slotOf.set(`${s.node}#${s.input}`, { g: gi, col: s.block * H })));

  // Which stage computes each node, and which node values and gradients cross a stage boundary.
  const stageOf = new Map<string, number>();
  sched.stages.forEach((st, si) => st.nodes.forEach((n) => stageOf.set(n.id, si)));
  const outputRefs = new Set(Object.values(sched.outputs));
  const readLater = new Set<string>();
  const valueUsed = new Set<string>();
  for (const node of sched.nodes) {
    for (const ref of nodeInputs(node)) {
      if (stageOf.has(ref) && stageOf.get(ref)! < stageOf.get(node.id)! && node.op !== 'linear') readLater.add(ref);
      if (node.op === 'mul' || node.op === 'diag') valueUsed.add(ref);
    }
    if (node.op === 'tanh' || node.op === 'sigmoid' || node.op === 'relu' || node.op === 'leaky_relu') valueUsed.add(node.id);
  }
  /** The gradient of a node arrives from outside its own fused loop (a later stage, a GEMM, a new state). */
  const external = (id: string) => groupIdx.has(id) || outputRefs.has(id) || readLater.has(id);
  /** The node's value must be kept for all steps (read by a later stage, a GEMM, the backward pass). */
  const stored = (id: string) => external(id) || valueUsed.has(id);

  const kind = (ref: string): 'x' | 'state' | 'node' => {
    if (ref === INPUT) return 'x';
    if (stateIdx.has(ref)) return 'state';
    if (nodeIdx.has(ref)) return 'node';
    throw new Error(`undefined reference '${ref}'`);
  };
  /** The buffer holding a reference's values for all steps (same row layout for all three). */
  const allSteps = (ref: string) => {
    const k = kind(ref);
    return k === 'x' ? 'X' : k === 'state' ? `S${stateIdx.get(ref)}` : `N${nodeIdx.get(ref)}`;
  };
  /** The one-step gradient accumulator of a reference, and the index to use with it. */
  const gradOf = (ref: string) => {
    const k = kind(ref);
    return k === 'x' ? 'dX[i]' : k === 'state' ? `dS${stateIdx.get(ref)}[il]` : `dN${nodeIdx.get(ref)}[il]`;
  };

  const decl = (fields: [string, string, number][]) =>
    fields.flatMap(([name, field, n]) => Array.from({ length: n }, (_, i) => `const ${name}${i} = L.${field}[${i}];`)).join('\n');
  const S = sched.states.length, Nn = sched.nodes.length, G = sched.groups.length;
  const header = [`const X = L.X, dX = L.dX, dH = L.dH;`, decl([['S', 'S', S], ['N', 'N', Nn], ['G', 'G', G], ['W', 'W', G], ['WT', 'WT', G]])];
  const xg = groupIdx.get(INPUT);

  // A fused loop over the B*H elements of step t: inline JavaScript, or a call of a C kernel that
  // runs the same body (declarations retyped) over the arrays the body names.
  const cKernels: string[] = [];
  const kernelNames: string[] = [];
  const fused = (body: string[]): string[] => {
    if (!gen.c) {
      return [
        `for (let b = 0; b < ${B}; b++) {`, `const ib = o + b * ${H}, rb = r + b;`,
        `for (let j = 0; j < ${H}; j++) {`, `const il = b * ${H} + j, i = ib + j;`,
        ...body, '}', '}',
      ];
    }
    const names = [...new Set(body.join('\n').match(ARRAY_NAME) ?? [])];
    const name = `k${kernelNames.length}`;
    kernelNames.push(name);
    const cBody = body.map((l) => l.replace(/^const (\w+) = /, 'const real $1 = ').replace(/^let (\w+) = /, 'real $1 = '));
    cKernels.push(
      [
        `CS_KERNEL(${name}) {`,
        ...names.map((n, a) => `  real *const restrict ${n} = (real *)buf[${a}];`),
        `  const long o = (long)sc[0], r = (long)sc[1];`,
        `  for (long b = 0; b < ${B}; b++) {`,
        `    const long ib = o + b * ${H}, rb = r + b;`,
        `    for (long j = 0; j < ${H}; j++) {`,
        `      const long il = b * ${H} + j, i = ib + j;`,
        `      (void)il; (void)i; (void)rb;`,
        ...cBody.map((l) => `      ${l}`),
        '    }',
        '  }',
        '  return 0;',
        '}',
      ].join('\n'),
    );
    return [`SC[0] = o; SC[1] = r;`, `K${kernelNames.length - 1}(SC, ${names.join(', ')});`];
  };

  // A transposing kernel per weight group of the per-step products (C route): W^T once per pass,
  // so that each step's product reads its weights in place instead of transposing them again
  // (a product of B rows by W^T would spend as long packing W as multiplying).
  const transposeCall = (g: number): string[] => {
    const name = `k${kernelNames.length}`;
    kernelNames.push(name);
    cKernels.push(
      [
        `CS_KERNEL(${name}) {`,
        `  const real *const restrict W = (const real *)buf[0];`,
        `  real *const restrict WT = (real *)buf[1];`,
        `  /* ${width[g]} x ${H} -> ${H} x ${width[g]}, in 16 x 16 tiles */`,
        `  for (long r0 = 0; r0 < ${width[g]}; r0 += 16)`,
        `    for (long c0 = 0; c0 < ${H}; c0 += 16)`,
        `      for (long r = r0; r < r0 + 16 && r < ${width[g]}; r++)`,
        `        for (long c = c0; c < c0 + 16 && c < ${H}; c++) WT[c * ${width[g]} + r] = W[r * ${H} + c];`,
        '  return 0;',
        '}',
      ].join('\n'),
    );
    return [`K${kernelNames.length - 1}(SC, W${g}, WT${g});`];
  };

  // ------------------------------------------------------------------ forward
  const f: string[] = [...header, decl([['b', 'bias', Nn], ['p', 'diag', Nn]])];
  if (xg !== undefined) f.push(`gemm(false, true, ${TB}, ${width[xg]}, ${H}, 1, X, 0, ${H}, W${xg}, 0, ${H}, 0, G${xg}, 0, ${width[xg]});`);
  if (gen.c) sched.groups.forEach((_, g) => g !== xg && f.push(...transposeCall(g)));
  f.push(`for (let t = 0; t < T; t++) {`, `const o = t * ${BH}, r = t * ${B};`);
  for (const stage of sched.stages) {
    for (const src of stage.gemms) {
      const g = groupIdx.get(src)!;
      if (gen.c) f.push(`gemm(false, false, ${B}, ${width[g]}, ${H}, 1, ${allSteps(src)}, o, ${H}, WT${g}, 0, ${width[g]}, 0, G${g}, r * ${width[g]}, ${width[g]});`);
      else f.push(`gemm(false, true, ${B}, ${width[g]}, ${H}, 1, ${allSteps(src)}, o, ${H}, W${g}, 0, ${H}, 0, G${g}, r * ${width[g]}, ${width[g]});`);
    }
    if (stage.nodes.length === 0) continue;
    const local = new Set<string>();
    const val = (ref: string) => (local.has(ref) ? `v${nodeIdx.get(ref)}` : `${allSteps(ref)}[i]`);
    const body: string[] = [];
    for (const node of stage.nodes) {
      const k = nodeIdx.get(node.id)!;
      let expr: string;
      if (node.op === 'linear') {
        const terms = node.in.map((_, m) => {
          const { g, col } = slotOf.get(`${node.id}#${m}`)!;
          return `G${g}[rb * ${width[g]} + ${col} + j]`;
        });
        if (node.bias !== false) terms.push(`b${k}[j]`);
        expr = terms.join(' + ');
      } else if (node.op === 'diag') {
        expr = `p${k}[j] * ${val(node.in[0])}`;
      } else {
        expr = OP_RULES[node.op].forward(nodeInputs(node).map(val));
      }
      body.push(`const v${k} = ${expr};`);
      if (stored(node.id)) body.push(`N${k}[i] = v${k};`);
      local.add(node.id);
    }
    f.push(...fused(body));
  }
  f.push(`for (let i = o; i < o + ${BH}; i++) {`);
  sched.states.forEach((s, si) => f.push(`S${si}[i + ${BH}] = ${allSteps(sched.outputs[s])}[i];`));
  f.push('}', '}');

  // ------------------------------------------------------------------ backward
  const bw: string[] = [
    ...header,
    decl([['dS', 'dS', S], ['dNew', 'dNew', S], ['dN', 'dN', Nn], ['dG', 'dG', G], ['dW', 'dW', G]]),
    decl([['p', 'diag', Nn], ['db', 'dBias', Nn], ['dp', 'dDiag', Nn]]),
    `dX.fill(0, 0, T * ${BH});`,
  ];
  for (let si = 0; si < S; si++) bw.push(`dS${si}.fill(0);`);
  bw.push(`for (let t = T - 1; t >= 0; t--) {`, `const o = t * ${BH}, r = t * ${B};`);
  // The gradient of each new state: from the next step (dS) and, for h, from above (dH).
  bw.push(`for (let il = 0; il < ${BH}; il++) {`);
  sched.states.forEach((s, si) => bw.push(`dNew${si}[il] = dS${si}[il]${s === 'h' ? ' + dH[o + il]' : ''};`, `dS${si}[il] = 0;`));
  bw.push('}');
  sched.nodes.forEach((n, k) => {
    if (external(n.id)) bw.push(`dN${k}.fill(0);`);
  });
  bw.push(`for (let il = 0; il < ${BH}; il++) {`, `const i = o + il;`);
  sched.states.forEach((s, si) => bw.push(`${gradOf(sched.outputs[s])} += dNew${si}[il];`));
  bw.push('}');
  for (const stage of [...sched.stages].reverse()) {
    if (stage.nodes.length > 0) {
      const body: string[] = [];
      // Gradients of nodes of this loop live in locals; only those fed from outside use dN.
      const here = new Set(stage.nodes.map((n) => n.id));
      const acc = (ref: string) => (here.has(ref) ? `g${nodeIdx.get(ref)}` : gradOf(ref));
      for (const node of stage.nodes) {
        const k = nodeIdx.get(node.id)!;
        body.push(`let g${k} = ${external(node.id) ? `dN${k}[il]` : '0'};`);
      }
      for (const node of [...stage.nodes].reverse()) {
        const k = nodeIdx.get(node.id)!;
        const g = `g${k}`;
        if (node.op === 'one') continue;
        if (node.op === 'linear') {
          node.in.forEach((_, m) => {
            const { g: gi, col } = slotOf.get(`${node.id}#${m}`)!;
            body.push(`dG${gi}[rb * ${width[gi]} + ${col} + j] = ${g};`);
          });
          if (node.bias !== false) body.push(`db${k}[j] += ${g};`);
        } else if (node.op === 'diag') {
          const a = node.in[0];
          body.push(`dp${k}[j] += ${g} * ${allSteps(a)}[i];`, `${acc(a)} += ${g} * p${k}[j];`);
        } else {
          const ins = nodeInputs(node);
          const grads = OP_RULES[node.op].backward(g, `N${k}[i]`, ins.map((a) => `${allSteps(a)}[i]`));
          ins.forEach((a, m) => body.push(`${acc(a)} += ${grads[m]};`));
        }
      }
      bw.push(...fused(body));
    }
    for (const src of stage.gemms) {
      const g = groupIdx.get(src)!;
      const dst = kind(src) === 'state' ? `dS${stateIdx.get(src)}` : `dN${nodeIdx.get(src)}`;
      bw.push(`gemm(false, false, ${B}, ${H}, ${width[g]}, 1, dG${g}, r * ${width[g]}, ${width[g]}, W${g}, 0, ${H}, 1, ${dst}, 0, ${H});`);
    }
  }
  bw.push('}');
  if (xg !== undefined) bw.push(`gemm(false, false, ${TB}, ${H}, ${width[xg]}, 1, dG${xg}, 0, ${width[xg]}, W${xg}, 0, ${H}, 1, dX, 0, ${H});`);
  sched.groups.forEach((grp, g) =>
    bw.push(`gemm(true, false, ${width[g]}, ${H}, ${TB}, 1, dG${g}, 0, ${width[g]}, ${allSteps(grp.source)}, 0, ${H}, 1, dW${g}, 0, ${H});`),
  );

  // Kernel handles, when the fused loops are C: K0, K1, ... and the scalar block SC.
  const kdecl = (src: string[]) => {
    const used = kernelNames.map((_, k) => k).filter((k) => src.some((l) => l.includes(`K${k}(SC`)));
    return used.length ? [`const SC = K.sc;`, ...used.map((k) => `const K${k} = K.fns[${k}];`)] : [];
  };
  const forwardSource = [...kdecl(f), ...f].join('\n');
  const backwardSource = [...kdecl(bw), ...bw].join('\n');
  const real = gen.dtype === 'float64' ? 'double' : 'float';
  const cSource = gen.c
    ? [
        `typedef ${real} real;`,
        gen.dtype === 'float64' ? '#define TANH(x) tanh(x)' : '#define TANH(x) cs_tanhf(x)',
        gen.dtype === 'float64' ? '#define SIGM(x) (1.0 / (1.0 + exp(-(x))))' : '#define SIGM(x) cs_sigmoidf(x)',
        ...cKernels,
      ].join('\n')
    : null;
  return {
    forward: new Function('L', 'gemm', 'TANH', 'SIGM', 'K', 'T', forwardSource) as LayerPass,
    backward: new Function('L', 'gemm', 'TANH', 'SIGM', 'K', 'T', backwardSource) as LayerPass,
    forwardSource,
    backwardSource,
    cSource,
    kernelNames,
  };
}
