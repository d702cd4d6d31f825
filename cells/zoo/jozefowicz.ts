// The cells of Jozefowicz, Zaremba & Sutskever, "An Empirical Exploration of Recurrent Network
// Architectures", ICML 2015, transcribed from the paper's equations. Node ids follow the paper's
// letters; a linear map feeding a gate `g` is `g_lin`, and the new value of state `s` is `s_new`.
//
// The paper's LSTM names the candidate `i` (tanh) and the input gate `j` (sigmoid):
//   i = tanh(W_xi x + W_hi h + b_i)     j = sigm(W_xj x + W_hj h + b_j)
//   f = sigm(W_xf x + W_hf h + b_f)     o = sigm(W_xo x + W_ho h + b_o)   (printed as tanh)
//   c' = c ⊙ f + i ⊙ j                  h' = tanh(c') ⊙ o
import type { Cell } from '../graph.ts';
import { act, defineCell, ew, linear, one } from './build.ts';

const SRC = 'Jozefowicz, Zaremba & Sutskever, "An Empirical Exploration of Recurrent Network Architectures", ICML 2015';

export function tanhRnn(): Cell {
  return defineCell({
    name: 'Tanh RNN',
    description: 'Plain recurrent network: h = tanh(W_xh x + W_hh h + b)',
    source: `${SRC}, sec. 2 (the standard RNN)`,
    states: ['h'],
    nodes: [linear('h_lin', ['x', 'h']), act('tanh', 'h_new', 'h_lin')],
    outputs: { h: 'h_new' },
  });
}

export interface JozefowiczLstmOptions {
  /** Output-gate nonlinearity: sigmoid (the usual LSTM, default) or tanh (as the paper prints it). */
  outputGate?: 'sigmoid' | 'tanh';
  /** false: LSTM-f, no forget gate (c' = c + i ⊙ j). */
  forgetGate?: boolean;
  /** false: LSTM-i, no input gate (c' = c ⊙ f + i). */
  inputGate?: boolean;
  /** false: LSTM-o, no output gate (h' = tanh(c')). */
  outputGateOn?: boolean;
  /** Initial forget-gate bias (LSTM-b: 1). */
  forgetBias?: number;
  name?: string;
  description?: string;
}

/** The paper's LSTM and its ablations LSTM-f, LSTM-i, LSTM-o, LSTM-b. */
export function jozefowiczLstm(o: JozefowiczLstmOptions = {}): Cell {
  const forget = o.forgetGate ?? true;
  const input = o.inputGate ?? true;
  const output = o.outputGateOn ?? true;
  const nodes = [linear('i_lin', ['x', 'h']), act('tanh', 'i', 'i_lin')];
  if (input) nodes.push(linear('j_lin', ['x', 'h']), act('sigmoid', 'j', 'j_lin'));
  if (forget) nodes.push(linear('f_lin', ['x', 'h'], o.forgetBias ? { biasInit: o.forgetBias } : {}), act('sigmoid', 'f', 'f_lin'));
  if (output) nodes.push(linear('o_lin', ['x', 'h']), act(o.outputGate ?? 'sigmoid', 'o', 'o_lin'));
  if (forget) nodes.push(ew('mul', 'cf', 'c', 'f'));
  if (input) nodes.push(ew('mul', 'ij', 'i', 'j'));
  nodes.push(ew('add', 'c_new', forget ? 'cf' : 'c', input ? 'ij' : 'i'));
  nodes.push(act('tanh', 'tc', 'c_new'));
  if (output) nodes.push(ew('mul', 'h_new', 'tc', 'o'));
  return defineCell({
    name: o.name ?? 'LSTM',
    description: o.description ?? 'LSTM with input, forget and output gates (output gate sigmoid)',
    source: `${SRC}, sec. 2 (LSTM equations)`,
    states: ['h', 'c'],
    nodes,
    outputs: { h: output ? 'h_new' : 'tc', c: 'c_new' },
  });
}

/** GRU with the paper's convention h' = z ⊙ h + (1 - z) ⊙ h~. */
export function gru(): Cell {
  return defineCell({
    name: 'GRU',
    description: 'Gated recurrent unit: h = z*h + (1-z)*tanh(W_xh x + W_hh (r*h) + b_h)',
    source: `${SRC}, sec. 2 (GRU equations)`,
    states: ['h'],
    nodes: [
      linear('r_lin', ['x', 'h']),
      act('sigmoid', 'r', 'r_lin'),
      linear('z_lin', ['x', 'h']),
      act('sigmoid', 'z', 'z_lin'),
      ew('mul', 'rh', 'r', 'h'),
      linear('n_lin', ['x', 'rh']),
      act('tanh', 'n', 'n_lin'),
      ew('mul', 'zh', 'z', 'h'),
      one('one'),
      ew('sub', 'omz', 'one', 'z'),
      ew('mul', 'zn', 'omz', 'n'),
      ew('add', 'h_new', 'zh', 'zn'),
    ],
    outputs: { h: 'h_new' },
  });
}

// MUT1-3: the three best architectures of the search. In all three, z gates the new candidate:
// h' = n ⊙ z + h ⊙ (1 - z).
function mutTail(): ReturnType<typeof ew>[] {
  return [
    act('tanh', 'n', 'n_pre'),
    ew('mul', 'nz', 'n', 'z'),
    one('one'),
    ew('sub', 'omz', 'one', 'z'),
    ew('mul', 'hz', 'h', 'omz'),
    ew('add', 'h_new', 'nz', 'hz'),
  ];
}

/** z = sigm(W_xz x + b_z); r = sigm(W_xr x + W_hr h + b_r); h' = tanh(W_hh (r⊙h) + tanh(x) + b_h) ⊙ z + h ⊙ (1 - z). */
export function mut1(): Cell {
  return defineCell({
    name: 'MUT1',
    description: 'Best architecture found by the search; z reads only x, tanh(x) enters the candidate unweighted',
    source: `${SRC}, MUT1 equations`,
    states: ['h'],
    nodes: [
      linear('z_lin', ['x']),
      act('sigmoid', 'z', 'z_lin'),
      linear('r_lin', ['x', 'h']),
      act('sigmoid', 'r', 'r_lin'),
      ew('mul', 'rh', 'r', 'h'),
      linear('n_lin', ['rh']),
      act('tanh', 'tx', 'x'),
      ew('add', 'n_pre', 'n_lin', 'tx'),
      ...mutTail(),
    ],
    outputs: { h: 'h_new' },
  });
}

/** z = sigm(W_xz x + W_hz h + b_z); r = sigm(x + W_hr h + b_r); h' = tanh(W_hh (r⊙h) + W_xh x + b_h) ⊙ z + h ⊙ (1 - z). */
export function mut2(): Cell {
  return defineCell({
    name: 'MUT2',
    description: 'Second architecture found by the search; x enters the reset gate unweighted',
    source: `${SRC}, MUT2 equations`,
    states: ['h'],
    nodes: [
      linear('z_lin', ['x', 'h']),
      act('sigmoid', 'z', 'z_lin'),
      linear('r_lin', ['h']),
      ew('add', 'r_pre', 'x', 'r_lin'),
      act('sigmoid', 'r', 'r_pre'),
      ew('mul', 'rh', 'r', 'h'),
      linear('n_pre', ['rh', 'x']),
      ...mutTail(),
    ],
    outputs: { h: 'h_new' },
  });
}

/** z = sigm(W_xz x + W_hz tanh(h) + b_z); r = sigm(W_xr x + W_hr h + b_r); h' = tanh(W_hh (r⊙h) + W_xh x + b_h) ⊙ z + h ⊙ (1 - z). */
export function mut3(): Cell {
  return defineCell({
    name: 'MUT3',
    description: 'Third architecture found by the search; the update gate reads tanh(h)',
    source: `${SRC}, MUT3 equations`,
    states: ['h'],
    nodes: [
      act('tanh', 'th', 'h'),
      linear('z_lin', ['x', 'th']),
      act('sigmoid', 'z', 'z_lin'),
      linear('r_lin', ['x', 'h']),
      act('sigmoid', 'r', 'r_lin'),
      ew('mul', 'rh', 'r', 'h'),
      linear('n_pre', ['rh', 'x']),
      ...mutTail(),
    ],
    outputs: { h: 'h_new' },
  });
}

/** Zoo key -> how to build its cell, in the paper's order. */
export function jozefowiczBuilders(): Record<string, () => Cell> {
  return {
    'tanh-rnn': tanhRnn,
    lstm: () => jozefowiczLstm(),
    'lstm-f': () => jozefowiczLstm({ forgetGate: false, name: 'LSTM-f', description: 'LSTM without the forget gate: c = c + i*j' }),
    'lstm-i': () => jozefowiczLstm({ inputGate: false, name: 'LSTM-i', description: 'LSTM without the input gate: c = c*f + i' }),
    'lstm-o': () => jozefowiczLstm({ outputGateOn: false, name: 'LSTM-o', description: 'LSTM without the output gate: h = tanh(c)' }),
    'lstm-b': () => jozefowiczLstm({ forgetBias: 1, name: 'LSTM-b', description: 'LSTM with the forget-gate bias initialised to 1' }),
    gru,
    mut1,
    mut2,
    mut3,
    'lstm-tanh-o': () => jozefowiczLstm({ outputGate: 'tanh', name: 'LSTM (tanh o)', description: 'LSTM with a tanh output gate, as the paper prints its equations' }),
  };
}

/** The keys of the paper's cells (without the tanh-output-gate reading of its LSTM). */
export const JOZEFOWICZ_KEYS = ['tanh-rnn', 'lstm', 'lstm-f', 'lstm-i', 'lstm-o', 'lstm-b', 'gru', 'mut1', 'mut2', 'mut3'] as const;
