// Generates one layer's forward and backward pass over T steps from a schedule (schedule.ts) and
// the op rules (ops.ts), as JavaScript or as C. H and B are baked in as literals, T is an
// argument; every buffer comes from a LayerBuffers object allocated once (model.ts) and reused for
// every batch.
//
// Forward: the x group is projected for all T*B rows in one GEMM; per step, each stage runs its
// group GEMMs, then one fused loop over B*H computes its nodes; the new states are copied to the
// next state slot. Backward mirrors it step by step in reverse, writing the gradient of every
// group's GEMM output for all T (dG); after the loop, one GEMM per group accumulates its weight
// gradient over all T*B rows, and one GEMM sends the x group's gradient to the layer input.
//
// The C route writes each pass as one C function (compiled by native.ts's compileC) that calls
// the addon's GEMM itself: one call from JavaScript per layer pass, instead of one per product and
// per fused loop. It also packs every per-step group's weights once per pass, as the GEMM reads
// them (W^T forward, W backward: contiguous register-tile panels), so that each step's product
// reads them in place instead of packing them again or striding through W, T times. The
// JavaScript route runs the same pass with the products through the `gemm` argument.
import { INPUT, nodeInputs } from '../graph.ts';
import type { Gemm, Real } from './gemm.ts';
import { OP_RULES } from './ops.ts';
import type { Schedule } from './schedule.ts';

/**
 * The buffers of one layer. Index order: states as in schedule.states, nodes as in
 * schedule.nodes, groups as in schedule.groups. Sizes, for a capacity of T steps: X, dX, dH: T*B*H; S: (T+1)*B*H (slot 0
 * is the initial state, slot t+1 the state after step t); N: T*B*H; G, dG: T*B*(H*slots);
 * dS, dNew, dN: B*H (one step); W, dW: the group's weights, (slots*H) x H, views of the flat
 * parameter and gradient arrays; WP: W packed for the per-step products (`packedSize`), written once per pass on
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
  WP: Real[];
  bias: (Real | null)[];
  dBias: (Real | null)[];
  diag: (Real | null)[];
  dDiag: (Real | null)[];
}

export type Activation = (x: number) => number;

/** The compiled passes of a program (C route): [forward, backward], and their scalar block. */
export interface Kernels {
  fns: ((scalars: Float64Array, ...buffers: ArrayBufferView[]) => number)[];
  /** [T]. */
  sc: Float64Array;
}

/** One pass over T steps (T at most the capacity the buffers were allocated for). */
export type LayerPass = (L: LayerBuffers, gemm: Gemm, TANH: Activation, SIGM: Activation, K: Kernels | null, T: number) => void;

export interface LayerProgram {
  forward: LayerPass;
  backward: LayerPass;
  /** The JavaScript of each pass (on the C route, the call of the compiled pass). */
  forwardSource: string;
  backwardSource: string;
  /** C route only: both passes as C, the functions named in `kernelNames`. */
  cSource: string | null;
  /** C route: ['forward', 'backward']; JavaScript route: none. */
  kernelNames: string[];
  /** C route: the most buffers one pass call hands over (the addon takes a limited number). */
  cBuffers: number;
}

export interface GenerateOptions {
  /** Emit each pass as one C function (compiled by native.ts's compileC) instead of JavaScript. */
  c?: boolean;
  /** Element type of the buffers, for the C route. */
  dtype?: 'float32' | 'float64';
}

// The arrays a pass can touch, by the names the generator gives them.
const ARRAY_NAME = /\b(?:X|dX|dH|(?:S|dS|dNew|N|dN|G|dG|W|dW|WP|b|db|p|dp)\d+)\b/g;

/**
 * The values of a per-step group's packed weights (LayerBuffers.WP) for width x H weights: the
 * larger of W^T and W packed into register-tile panels of at most 32 columns (native/src/gemm.h),
 * and 64 bytes to align them.
 */
export function packedSize(width: number, H: number): number {
  const up = (n: number) => Math.ceil(n / 32) * 32;
  return Math.max(H * up(width), width * up(H)) + 16;
}

export function generateLayer(sched: Schedule, H: number, B: number, gen: GenerateOptions = {}): LayerProgram {
  const c = gen.c === true;
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
  const xg = groupIdx.get(INPUT);

  // The few places where the two languages differ: integer declarations, the matrix product
  // (the `gemm` argument with offsets, or the addon's GEMM through GEMM() on offset pointers),
  // zeroing, and typed locals in the fused loops.
  const int = c ? 'long' : 'let';
  const cst = c ? 'const long' : 'const';
  const at = (a: string, off: string) => (off === '0' ? a : `${a} + ${off}`);
  const gemm = (tA: boolean, tB: boolean, M: string | number, N: number, K: string | number, A: string, aOff: string, lda: number, Bm: string, bOff: string, ldb: number, beta: 0 | 1, C: string, cOff: string, ldc: number) =>
    c
      ? `GEMM(${+tA}, ${+tB}, ${M}, ${N}, ${K}, 1, ${at(A, aOff)}, ${lda}, ${at(Bm, bOff)}, ${ldb}, ${beta}, ${at(C, cOff)}, ${ldc});`
      : `gemm(${tA}, ${tB}, ${M}, ${N}, ${K}, 1, ${A}, ${aOff}, ${lda}, ${Bm}, ${bOff}, ${ldb}, ${beta}, ${C}, ${cOff}, ${ldc});`;
  const zero = (a: string, n: string | number) => (c ? `memset(${a}, 0, sizeof(real) * ${n});` : `${a}.fill(0, 0, ${n});`);
  const typed = (l: string) => (c ? l.replace(/^const (\w+) = /, 'const real $1 = ').replace(/^let (\w+) = /, 'real $1 = ') : l);
  // A fused loop over the B*H elements of step t.
  const fused = (body: string[]): string[] => [
    `for (${int} b = 0; b < ${B}; b++) {`,
    `${cst} ib = o + b * ${H}, rb = r + b;`,
    `for (${int} j = 0; j < ${H}; j++) {`,
    `${cst} il = b * ${H} + j, i = ib + j;`,
    ...body.map(typed),
    '}',
    '}',
  ];
  // C route: a per-step group's weights packed once per pass, so that each step's product reads
  // contiguous panels (a product of B rows would spend as long packing W as multiplying, and read
  // in place, W's rows are a cache-unfriendly stride apart at large H).
  // Typed arrays are only 16-byte aligned: the panels start at the next 64-byte boundary
  // (packedSize leaves room), so that no vector load of them straddles two cache lines.
  const pack = (g: number, forward: boolean): string[] => [
    `WP${g} = ALIGN64(WP${g});`,
    forward
      ? `PACK(1, ${H}, ${width[g]}, W${g}, ${H}, WP${g}); /* W${g}^T, ${H} x ${width[g]} */`
      : `PACK(0, ${width[g]}, ${H}, W${g}, ${H}, WP${g}); /* W${g}, ${width[g]} x ${H} */`,
  ];
  const packed = (M: number, N: number, K: number, A: string, aOff: string, lda: number, g: number, beta: 0 | 1, C: string, cOff: string, ldc: number) =>
    `GEMM_PACKED(0, ${M}, ${N}, ${K}, 1, ${at(A, aOff)}, ${lda}, WP${g}, ${beta}, ${at(C, cOff)}, ${ldc});`;

  // ------------------------------------------------------------------ forward
  const f: string[] = [];
  if (xg !== undefined) f.push(gemm(false, true, TB, width[xg], H, 'X', '0', H, `W${xg}`, '0', H, 0, `G${xg}`, '0', width[xg]));
  if (c) sched.groups.forEach((_, g) => g !== xg && f.push(...pack(g, true)));
  f.push(`for (${int} t = 0; t < T; t++) {`, `${cst} o = t * ${BH}, r = t * ${B};`);
  for (const stage of sched.stages) {
    for (const src of stage.gemms) {
      const g = groupIdx.get(src)!;
      const out = [`G${g}`, `r * ${width[g]}`, width[g]] as const;
      f.push(
        c
          ? packed(B, width[g], H, allSteps(src), 'o', H, g, 0, ...out)
          : gemm(false, true, B, width[g], H, allSteps(src), 'o', H, `W${g}`, '0', H, 0, ...out),
      );
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
  f.push(`for (${int} i = o; i < o + ${BH}; i++) {`);
  sched.states.forEach((s, si) => f.push(`S${si}[i + ${BH}] = ${allSteps(sched.outputs[s])}[i];`));
  f.push('}', '}');

  // ------------------------------------------------------------------ backward
  const bw: string[] = [zero('dX', `T * ${BH}`)];
  for (let si = 0; si < sched.states.length; si++) bw.push(zero(`dS${si}`, BH));
  if (c) sched.groups.forEach((_, g) => g !== xg && bw.push(...pack(g, false)));
  bw.push(`for (${int} t = T - 1; t >= 0; t--) {`, `${cst} o = t * ${BH}, r = t * ${B};`);
  // The gradient of each new state: from the next step (dS) and, for h, from above (dH).
  bw.push(`for (${int} il = 0; il < ${BH}; il++) {`);
  sched.states.forEach((s, si) => bw.push(`dNew${si}[il] = dS${si}[il]${s === 'h' ? ' + dH[o + il]' : ''};`, `dS${si}[il] = 0;`));
  bw.push('}');
  sched.nodes.forEach((n, k) => {
    if (external(n.id)) bw.push(zero(`dN${k}`, BH));
  });
  bw.push(`for (${int} il = 0; il < ${BH}; il++) {`, `${cst} i = o + il;`);
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
      bw.push(
        c
          ? packed(B, H, width[g], `dG${g}`, `r * ${width[g]}`, width[g], g, 1, dst, '0', H)
          : gemm(false, false, B, H, width[g], `dG${g}`, `r * ${width[g]}`, width[g], `W${g}`, '0', H, 1, dst, '0', H),
      );
    }
  }
  bw.push('}');
  if (xg !== undefined) bw.push(gemm(false, false, TB, H, width[xg], `dG${xg}`, '0', width[xg], `W${xg}`, '0', H, 1, 'dX', '0', H));
  sched.groups.forEach((grp, g) => bw.push(gemm(true, false, width[g], H, TB, `dG${g}`, '0', width[g], allSteps(grp.source), '0', H, 1, `dW${g}`, '0', H)));

  // Every array of the layer, by the name the passes use.
  const S = sched.states.length, Nn = sched.nodes.length, G = sched.groups.length;
  const decl = (fields: [string, string, number][]) =>
    fields.flatMap(([name, field, n]) => Array.from({ length: n }, (_, i) => `const ${name}${i} = L.${field}[${i}];`));
  const header = [
    `const X = L.X, dX = L.dX, dH = L.dH;`,
    ...decl([['S', 'S', S], ['dS', 'dS', S], ['dNew', 'dNew', S], ['N', 'N', Nn], ['dN', 'dN', Nn]]),
    ...decl([['G', 'G', G], ['dG', 'dG', G], ['W', 'W', G], ['dW', 'dW', G], ['WP', 'WP', G]]),
    ...decl([['b', 'bias', Nn], ['db', 'dBias', Nn], ['p', 'diag', Nn], ['dp', 'dDiag', Nn]]),
  ];
  /** The declarations of the arrays a pass names (the others would be unused). */
  const arrays = (lines: string[]) => [...new Set(lines.join('\n').match(ARRAY_NAME) ?? [])];
  const declared = (names: string[]) => header.filter((l) => names.some((n) => l.includes(` ${n} = `)));

  if (!c) {
    const js = (lines: string[]) => indent([...declared(arrays(lines)), ...lines]);
    const forwardSource = js(f), backwardSource = js(bw);
    return {
      forward: new Function('L', 'gemm', 'TANH', 'SIGM', 'K', 'T', forwardSource) as LayerPass,
      backward: new Function('L', 'gemm', 'TANH', 'SIGM', 'K', 'T', backwardSource) as LayerPass,
      forwardSource,
      backwardSource,
      cSource: null,
      kernelNames: [],
      cBuffers: 0,
    };
  }

  // C route: each pass is a function of T and its arrays (restrict parameters: no two alias, and
  // GCC vectorises the fused loops without run-time overlap checks), called through CS_KERNEL.
  const passes = [
    { name: 'forward', lines: f, names: arrays(f) },
    { name: 'backward', lines: bw, names: arrays(bw) },
  ];
  const cPass = ({ name, lines, names }: (typeof passes)[number]): string[] => [
    `static __attribute__((noinline)) void ${name}_pass(long T,`,
    ...wrap(names.map((n) => `real *restrict ${n}`)).map((l, k, all) => `    ${l}${k === all.length - 1 ? ') {' : ','}`),
    ...lines,
    '}',
    `CS_KERNEL(${name}) {`,
    `${name}_pass((long)sc[0],`,
    ...wrap(names.map((_, a) => `(real *)buf[${a}]`)).map((l, k, all) => `    ${l}${k === all.length - 1 ? ');' : ','}`),
    'return 0;',
    '}',
  ];
  const f64 = gen.dtype === 'float64';
  const cSource = [
    `typedef ${f64 ? 'double' : 'float'} real;`,
    f64 ? '#define TANH(x) tanh(x)' : '#define TANH(x) cs_tanhf(x)',
    f64 ? '#define SIGM(x) (1.0 / (1.0 + exp(-(x))))' : '#define SIGM(x) cs_sigmoidf(x)',
    `#define GEMM ${f64 ? 'cs_dgemm' : 'cs_sgemm'}`,
    `#define PACK ${f64 ? 'cs_dpack' : 'cs_spack'}`,
    `#define GEMM_PACKED ${f64 ? 'cs_dgemm_packed' : 'cs_sgemm_packed'}`,
    '#define ALIGN64(p) ((real *)(((uintptr_t)(p) + 63) & ~(uintptr_t)63))',
    '',
    indent(cPass(passes[0])),
    '',
    indent(cPass(passes[1])),
    '',
  ].join('\n');
  const call = ({ names }: (typeof passes)[number], k: number) =>
    indent([...declared(names), `K.sc[0] = T;`, `K.fns[${k}](K.sc, ${names.join(', ')});`]);
  const forwardSource = call(passes[0], 0), backwardSource = call(passes[1], 1);
  return {
    forward: new Function('L', 'gemm', 'TANH', 'SIGM', 'K', 'T', forwardSource) as LayerPass,
    backward: new Function('L', 'gemm', 'TANH', 'SIGM', 'K', 'T', backwardSource) as LayerPass,
    forwardSource,
    backwardSource,
    cSource,
    kernelNames: passes.map((p) => p.name),
    cBuffers: Math.max(...passes.map((p) => p.names.length)),
  };
}

/** Joins items into lines of at most about 96 characters, separated by ', '. */
function wrap(items: string[]): string[] {
  const out: string[] = [];
  for (const it of items) {
    if (out.length && out[out.length - 1].length + it.length < 96) out[out.length - 1] += `, ${it}`;
    else out.push(it);
  }
  return out;
}

/** Indents generated lines by their braces, two spaces a level, so that printed code reads. */
function indent(lines: string[]): string {
  let depth = 0;
  return lines
    .map((l) => {
      const t = l.trim();
      if (t.startsWith('}')) depth--;
      const out = '  '.repeat(Math.max(0, depth)) + l; // continuation lines keep their own indent
      depth += (t.match(/\{/g)?.length ?? 0) - (t.match(/\}/g)?.length ?? 0) + (t.startsWith('}') ? 1 : 0);
      return out;
    })
    .join('\n');
}
