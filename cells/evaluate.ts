// The float64 reference evaluator: one step of a cell for one example, node by node, with the
// parameter layout of graph.ts (paramSpecs). No speed goal: it is the oracle that the compiled
// engine must match, so it stays as plain as the equations.
import seedrandom from 'seedrandom';
import { INPUT, LEAKY_SLOPE, nodeInputs, paramSpecs, type Cell, type CellNode } from './graph.ts';

export type Params = Record<string, Float64Array>;
export type Vectors = Record<string, Float64Array>;

export interface StepResult {
  /** Every reference of the step: x, the states as read (step t-1), every node. */
  values: Vectors;
  /** The new value of every state (step t). */
  next: Vectors;
}

function need(vs: Vectors, name: string, size: number, what: string): Float64Array {
  const v = vs[name];
  if (!v) throw new Error(`evaluateStep: missing ${what} '${name}'`);
  if (v.length !== size) throw new Error(`evaluateStep: ${what} '${name}' has length ${v.length}, expected ${size}`);
  return v;
}

function apply(node: CellNode, ins: Float64Array[], params: Params, H: number): Float64Array {
  const y = new Float64Array(H);
  switch (node.op) {
    case 'linear': {
      ins.forEach((a, k) => {
        const W = need(params, `${node.id}.W${k}`, H * H, 'parameter');
        for (let i = 0; i < H; i++) {
          let s = 0;
          for (let j = 0; j < H; j++) s += W[i * H + j] * a[j];
          y[i] += s;
        }
      });
      if (node.bias !== false) {
        const b = need(params, `${node.id}.b`, H, 'parameter');
        for (let i = 0; i < H; i++) y[i] += b[i];
      }
      return y;
    }
    case 'diag': {
      const p = need(params, `${node.id}.p`, H, 'parameter');
      for (let i = 0; i < H; i++) y[i] = p[i] * ins[0][i];
      return y;
    }
    case 'tanh':
      for (let i = 0; i < H; i++) y[i] = Math.tanh(ins[0][i]);
      return y;
    case 'sigmoid':
      for (let i = 0; i < H; i++) y[i] = 1 / (1 + Math.exp(-ins[0][i]));
      return y;
    case 'relu':
      for (let i = 0; i < H; i++) y[i] = Math.max(0, ins[0][i]);
      return y;
    case 'leaky_relu':
      for (let i = 0; i < H; i++) y[i] = ins[0][i] < 0 ? LEAKY_SLOPE * ins[0][i] : ins[0][i];
      return y;
    case 'identity':
      y.set(ins[0]);
      return y;
    case 'add':
      for (let i = 0; i < H; i++) y[i] = ins[0][i] + ins[1][i];
      return y;
    case 'sub':
      for (let i = 0; i < H; i++) y[i] = ins[0][i] - ins[1][i];
      return y;
    case 'mul':
      for (let i = 0; i < H; i++) y[i] = ins[0][i] * ins[1][i];
      return y;
    case 'one':
      return y.fill(1);
  }
}

/**
 * One step of `cell` at width `hidden`: reads x and the states of step t-1, returns every
 * intermediate value and the new states. `params` holds every entry of paramSpecs(cell, hidden).
 */
export function evaluateStep(cell: Cell, params: Params, hidden: number, x: Float64Array, states: Vectors): StepResult {
  const values: Vectors = { [INPUT]: need({ [INPUT]: x }, INPUT, hidden, 'input') };
  for (const s of cell.states) values[s] = need(states, s, hidden, 'state');
  for (const node of cell.nodes) values[node.id] = apply(node, nodeInputs(node).map((r) => values[r]), params, hidden);
  const next: Vectors = {};
  for (const s of cell.states) next[s] = values[cell.outputs[s]];
  return { values, next };
}

/** Runs the cell over a sequence of inputs from the given states; returns the states after each step. */
export function evaluateSequence(cell: Cell, params: Params, hidden: number, xs: Float64Array[], initial: Vectors): Vectors[] {
  const out: Vectors[] = [];
  let states = initial;
  for (const x of xs) {
    states = evaluateStep(cell, params, hidden, x, states).next;
    out.push(states);
  }
  return out;
}

/**
 * Deterministic parameters for tests: every entry uniform in [-scale, scale) from seedrandom(seed),
 * in paramSpecs order. Not an initialisation scheme (the engine owns that).
 */
export function randomParams(cell: Cell, hidden: number, seed: string | number, scale = 0.5): Params {
  const rng = seedrandom(String(seed));
  const out: Params = {};
  for (const spec of paramSpecs(cell, hidden)) {
    const v = new Float64Array(spec.size);
    for (let i = 0; i < v.length; i++) v[i] = (2 * rng() - 1) * scale;
    out[spec.name] = v;
  }
  return out;
}

/**
 * All-zero weights with the offsets the cell declares: biases at `biasInit`, weight diagonals at
 * `diagOffset`. What a cell computes "at zero weights" (e.g. LSTM-b's forget gate is sigmoid(1)).
 */
export function zeroParams(cell: Cell, hidden: number): Params {
  const byId = new Map(cell.nodes.map((n) => [n.id, n]));
  const out: Params = {};
  for (const spec of paramSpecs(cell, hidden)) {
    const v = new Float64Array(spec.size);
    const node = byId.get(spec.node);
    if (node?.op === 'linear') {
      if (spec.kind === 'bias' && node.biasInit) v.fill(node.biasInit);
      if (spec.kind === 'weight' && node.diagOffset) for (let i = 0; i < hidden; i++) v[i * hidden + i] = node.diagOffset;
    }
    out[spec.name] = v;
  }
  return out;
}
