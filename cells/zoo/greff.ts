// The vanilla LSTM and its eight variants from Greff, Srivastava, Koutník, Steunebrink &
// Schmidhuber, "LSTM: A Search Space Odyssey", IEEE TNNLS 2016. Vanilla forward pass (y is
// the state `h`, g = h = tanh):
//   z = g(W_z x + R_z y + b_z)                      block input
//   i = σ(W_i x + R_i y + p_i ⊙ c + b_i)            input gate (peeps at c_{t-1})
//   f = σ(W_f x + R_f y + p_f ⊙ c + b_f)            forget gate (peeps at c_{t-1})
//   c' = z ⊙ i + c ⊙ f
//   o = σ(W_o x + R_o y + p_o ⊙ c' + b_o)           output gate (peeps at the new c)
//   y' = h(c') ⊙ o
// Node ids: a gate `g` is computed from `g_lin` (+ `g_peep` into `g_pre`); the new value of state
// `s` is `s_new`. In FGR the gates are states too (named i, f, o), so their nodes are i_new, ...
import type { Cell, CellNode } from '../graph.ts';
import { act, defineCell, diag, ew, linear, one } from './build.ts';

const SRC = 'Greff, Srivastava, Koutník, Steunebrink & Schmidhuber, "LSTM: A Search Space Odyssey", IEEE TNNLS 2016';

export interface GreffOptions {
  inputGate?: boolean; // false: NIG (i = 1)
  forgetGate?: boolean; // false: NFG (f = 1)
  outputGate?: boolean; // false: NOG (o = 1)
  inputActivation?: boolean; // false: NIAF (g = identity)
  outputActivation?: boolean; // false: NOAF (h = identity)
  peepholes?: boolean; // false: NP
  coupled?: boolean; // true: CIFG (f = 1 - i)
  fullGateRecurrence?: boolean; // true: FGR (gates also read i, f, o of the previous step)
}

interface Variant {
  key: string;
  name: string;
  description: string;
  /** Where the paper defines it. */
  where: string;
  opts: GreffOptions;
}

export const GREFF_VARIANTS: readonly Variant[] = [
  { key: 'greff-vanilla', name: 'Vanilla LSTM', description: 'LSTM with forget gate and peepholes (output gate peeps at the new c)', where: 'vanilla LSTM forward pass', opts: {} },
  { key: 'greff-nig', name: 'NIG', description: 'No input gate: c = z + c*f', where: 'variant NIG (no input gate)', opts: { inputGate: false } },
  { key: 'greff-nfg', name: 'NFG', description: 'No forget gate: c = z*i + c', where: 'variant NFG (no forget gate)', opts: { forgetGate: false } },
  { key: 'greff-nog', name: 'NOG', description: 'No output gate: y = tanh(c)', where: 'variant NOG (no output gate)', opts: { outputGate: false } },
  { key: 'greff-niaf', name: 'NIAF', description: 'No input activation function: z = W_z x + R_z y + b_z', where: 'variant NIAF (no input activation function)', opts: { inputActivation: false } },
  { key: 'greff-noaf', name: 'NOAF', description: 'No output activation function: y = c*o', where: 'variant NOAF (no output activation function)', opts: { outputActivation: false } },
  { key: 'greff-np', name: 'NP', description: 'No peephole connections', where: 'variant NP (no peepholes)', opts: { peepholes: false } },
  { key: 'greff-cifg', name: 'CIFG', description: 'Coupled input and forget gate: f = 1 - i', where: 'variant CIFG (coupled input and forget gate)', opts: { coupled: true } },
  { key: 'greff-fgr', name: 'FGR', description: 'Full gate recurrence: every gate also reads i, f, o of the previous step', where: 'variant FGR (full gate recurrence)', opts: { fullGateRecurrence: true } },
];

export function greffLstm(o: GreffOptions = {}, meta: { name?: string; description?: string; source?: string } = {}): Cell {
  const peep = o.peepholes ?? true;
  const fgr = o.fullGateRecurrence ?? false;
  const gateInputs = fgr ? ['x', 'h', 'i', 'f', 'o'] : ['x', 'h'];
  const gateId = (g: string) => (fgr ? `${g}_new` : g);
  const nodes: CellNode[] = [];

  // A sigmoid gate with an optional peephole onto `cell`.
  const gate = (g: string, cell: string) => {
    nodes.push(linear(`${g}_lin`, gateInputs));
    if (peep) {
      nodes.push(diag(`${g}_peep`, cell), ew('add', `${g}_pre`, `${g}_lin`, `${g}_peep`), act('sigmoid', gateId(g), `${g}_pre`));
    } else {
      nodes.push(act('sigmoid', gateId(g), `${g}_lin`));
    }
  };

  if (o.inputActivation ?? true) nodes.push(linear('z_lin', ['x', 'h']), act('tanh', 'z', 'z_lin'));
  else nodes.push(linear('z', ['x', 'h']));

  const inputGate = o.inputGate ?? true;
  const forgetGate = (o.forgetGate ?? true) || (o.coupled ?? false);
  if (inputGate) gate('i', 'c');
  if (o.coupled) nodes.push(one('one'), ew('sub', gateId('f'), 'one', gateId('i')));
  else if (forgetGate) gate('f', 'c');

  if (inputGate) nodes.push(ew('mul', 'zi', 'z', gateId('i')));
  if (forgetGate) nodes.push(ew('mul', 'cf', 'c', gateId('f')));
  nodes.push(ew('add', 'c_new', inputGate ? 'zi' : 'z', forgetGate ? 'cf' : 'c'));

  const outputGate = o.outputGate ?? true;
  if (outputGate) gate('o', 'c_new');
  const outAct = o.outputActivation ?? true;
  if (outAct) nodes.push(act('tanh', 'hc', 'c_new'));
  const hc = outAct ? 'hc' : 'c_new';
  if (outputGate) nodes.push(ew('mul', 'h_new', hc, gateId('o')));

  const states = fgr ? ['h', 'c', 'i', 'f', 'o'] : ['h', 'c'];
  const outputs: Record<string, string> = { h: outputGate ? 'h_new' : hc, c: 'c_new' };
  if (fgr) Object.assign(outputs, { i: 'i_new', f: 'f_new', o: 'o_new' });
  return defineCell({
    name: meta.name ?? 'Vanilla LSTM',
    description: meta.description ?? GREFF_VARIANTS[0].description,
    source: meta.source ?? `${SRC}, vanilla LSTM forward pass`,
    states,
    nodes,
    outputs,
  });
}

/** Zoo key -> how to build its cell, in the paper's order. */
export function greffBuilders(): Record<string, () => Cell> {
  const out: Record<string, () => Cell> = {};
  for (const v of GREFF_VARIANTS) out[v.key] = () => greffLstm(v.opts, { name: v.name, description: v.description, source: `${SRC}, ${v.where}` });
  return out;
}

export const GREFF_KEYS = GREFF_VARIANTS.map((v) => v.key);
