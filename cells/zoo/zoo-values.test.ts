// One step of every zoo cell against the papers' equations written out by hand here, with
// small vector helpers and named parameters (independent of the evaluator's node walk).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Cell } from '../graph.ts';
import { evaluateStep, randomParams, zeroParams, type Params, type Vectors } from '../evaluate.ts';
import { ZOO } from './index.ts';

type V = Float64Array;
const H = 3;
const vec = (...a: number[]): V => Float64Array.from(a);
const map = (a: V, f: (v: number) => number): V => a.map(f);
const sig = (a: V) => map(a, (v) => 1 / (1 + Math.exp(-v)));
const tanh = (a: V) => map(a, Math.tanh);
const add = (...as: V[]): V => as.reduce((s, a) => s.map((v, i) => v + a[i]));
const sub = (a: V, b: V): V => a.map((v, i) => v - b[i]);
const mul = (a: V, b: V): V => a.map((v, i) => v * b[i]);
const ones = (): V => new Float64Array(H).fill(1);
/** W a for W stored row-major [out][in]. */
function mv(W: V, a: V): V {
  const n = a.length;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) y[i] += W[i * n + j] * a[j];
  return y;
}

const X = vec(0.3, -0.7, 0.5);
const S0: Vectors = { h: vec(0.1, 0.4, -0.2), c: vec(0.5, -0.3, 0.8), i: vec(0.6, 0.2, 0.9), f: vec(0.3, 0.7, 0.1), o: vec(0.8, 0.4, 0.5) };

function close(actual: V, expected: V, what: string) {
  assert.equal(actual.length, expected.length, what);
  for (let k = 0; k < expected.length; k++) {
    assert.ok(Math.abs(actual[k] - expected[k]) < 1e-12, `${what}[${k}]: got ${actual[k]}, expected ${expected[k]}`);
  }
}

/** Runs one step of the zoo cell and compares every new state with `expected(p)`. */
function check(key: string, expected: (p: (name: string) => V, x: V, s: Vectors) => Vectors, params?: Params) {
  const cell: Cell = ZOO[key];
  const P = params ?? randomParams(cell, H, `zoo-${key}`);
  const get = (name: string) => {
    assert.ok(P[name], `${key}: no parameter ${name}`);
    return P[name];
  };
  const states = Object.fromEntries(cell.states.map((s) => [s, S0[s]]));
  const want = expected(get, X, states);
  const got = evaluateStep(cell, P, H, X, states).next;
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), key);
  for (const s of Object.keys(want)) close(got[s], want[s], `${key}: new ${s}`);
}

/** W_0 a_0 + ... + W_k a_k + b of the linear node `id`. */
const aff = (p: (n: string) => V, id: string, ...ins: V[]) => add(...ins.map((a, k) => mv(p(`${id}.W${k}`), a)), p(`${id}.b`));

test('tanh RNN: h = tanh(W x + U h + b)', () => {
  check('tanh-rnn', (p, x, { h }) => ({ h: tanh(aff(p, 'h_lin', x, h)) }));
});

// Jozefowicz's LSTM: i is the candidate (tanh), j the input gate.
function lstmRef(p: (n: string) => V, x: V, h: V, c: V, o: { f?: boolean; i?: boolean; o?: 'sigmoid' | 'tanh' | 'none' }) {
  const i = tanh(aff(p, 'i_lin', x, h));
  const j = o.i === false ? undefined : sig(aff(p, 'j_lin', x, h));
  const f = o.f === false ? undefined : sig(aff(p, 'f_lin', x, h));
  const c2 = add(f ? mul(c, f) : c, j ? mul(i, j) : i);
  if (o.o === 'none') return { h: tanh(c2), c: c2 };
  const og = (o.o === 'tanh' ? tanh : sig)(aff(p, 'o_lin', x, h));
  return { h: mul(tanh(c2), og), c: c2 };
}

test('LSTM and LSTM-b: c = c*f + i*j, h = tanh(c)*o', () => {
  check('lstm', (p, x, { h, c }) => lstmRef(p, x, h, c, {}));
  check('lstm-b', (p, x, { h, c }) => lstmRef(p, x, h, c, {}));
  check('lstm-tanh-o', (p, x, { h, c }) => lstmRef(p, x, h, c, { o: 'tanh' }));
});

test('LSTM-f: c = c + i*j; LSTM-i: c = c*f + i; LSTM-o: h = tanh(c)', () => {
  check('lstm-f', (p, x, { h, c }) => lstmRef(p, x, h, c, { f: false }));
  check('lstm-i', (p, x, { h, c }) => lstmRef(p, x, h, c, { i: false }));
  check('lstm-o', (p, x, { h, c }) => lstmRef(p, x, h, c, { o: 'none' }));
});

test("LSTM-b's forget gate at zero weights is sigmoid(1); LSTM's is sigmoid(0)", () => {
  for (const [key, bias] of [['lstm-b', 1], ['lstm', 0]] as const) {
    const cell = ZOO[key];
    const step = evaluateStep(cell, zeroParams(cell, H), H, X, { h: S0.h, c: S0.c });
    close(step.values.f, new Float64Array(H).fill(1 / (1 + Math.exp(-bias))), `${key}: f`);
    // Everything else is zero: i = tanh(0) = 0, so c' = c * f.
    close(step.next.c, S0.c.map((v) => v / (1 + Math.exp(-bias))), `${key}: c`);
  }
});

test('GRU: h = z*h + (1-z)*tanh(W x + U (r*h) + b)', () => {
  check('gru', (p, x, { h }) => {
    const r = sig(aff(p, 'r_lin', x, h));
    const z = sig(aff(p, 'z_lin', x, h));
    const n = tanh(aff(p, 'n_lin', x, mul(r, h)));
    return { h: add(mul(z, h), mul(sub(ones(), z), n)) };
  });
});

test('MUT1: z = sigm(Wxz x + bz); h = tanh(Whh (r*h) + tanh(x) + bh)*z + h*(1-z)', () => {
  check('mut1', (p, x, { h }) => {
    const z = sig(add(mv(p('z_lin.W0'), x), p('z_lin.b')));
    const r = sig(add(mv(p('r_lin.W0'), x), mv(p('r_lin.W1'), h), p('r_lin.b')));
    const n = tanh(add(mv(p('n_lin.W0'), mul(r, h)), tanh(x), p('n_lin.b')));
    return { h: add(mul(n, z), mul(h, sub(ones(), z))) };
  });
});

test('MUT2: r = sigm(x + Whr h + br); h = tanh(Whh (r*h) + Wxh x + bh)*z + h*(1-z)', () => {
  check('mut2', (p, x, { h }) => {
    const z = sig(add(mv(p('z_lin.W0'), x), mv(p('z_lin.W1'), h), p('z_lin.b')));
    const r = sig(add(x, mv(p('r_lin.W0'), h), p('r_lin.b')));
    const n = tanh(add(mv(p('n_pre.W0'), mul(r, h)), mv(p('n_pre.W1'), x), p('n_pre.b')));
    return { h: add(mul(n, z), mul(h, sub(ones(), z))) };
  });
});

test('MUT3: z = sigm(Wxz x + Whz tanh(h) + bz); h = tanh(Whh (r*h) + Wxh x + bh)*z + h*(1-z)', () => {
  check('mut3', (p, x, { h }) => {
    const z = sig(add(mv(p('z_lin.W0'), x), mv(p('z_lin.W1'), tanh(h)), p('z_lin.b')));
    const r = sig(add(mv(p('r_lin.W0'), x), mv(p('r_lin.W1'), h), p('r_lin.b')));
    const n = tanh(add(mv(p('n_pre.W0'), mul(r, h)), mv(p('n_pre.W1'), x), p('n_pre.b')));
    return { h: add(mul(n, z), mul(h, sub(ones(), z))) };
  });
});

// Greff: a sigmoid gate g = σ(W_g x + R_g y + p_g ⊙ peep + b_g).
const gate = (p: (n: string) => V, g: string, x: V, h: V, peep: V | null) =>
  sig(add(aff(p, `${g}_lin`, x, h), peep ? mul(p(`${g}_peep.p`), peep) : new Float64Array(H)));

test('Greff vanilla LSTM: peepholes, output gate on the new c', () => {
  check('greff-vanilla', (p, x, { h, c }) => {
    const z = tanh(aff(p, 'z_lin', x, h));
    const i = gate(p, 'i', x, h, c);
    const f = gate(p, 'f', x, h, c);
    const c2 = add(mul(z, i), mul(c, f));
    const o = gate(p, 'o', x, h, c2);
    return { h: mul(tanh(c2), o), c: c2 };
  });
});

test('Greff NIG, NFG, NOG: one gate fixed to 1', () => {
  check('greff-nig', (p, x, { h, c }) => {
    const z = tanh(aff(p, 'z_lin', x, h));
    const c2 = add(z, mul(c, gate(p, 'f', x, h, c)));
    return { h: mul(tanh(c2), gate(p, 'o', x, h, c2)), c: c2 };
  });
  check('greff-nfg', (p, x, { h, c }) => {
    const z = tanh(aff(p, 'z_lin', x, h));
    const c2 = add(mul(z, gate(p, 'i', x, h, c)), c);
    return { h: mul(tanh(c2), gate(p, 'o', x, h, c2)), c: c2 };
  });
  check('greff-nog', (p, x, { h, c }) => {
    const z = tanh(aff(p, 'z_lin', x, h));
    const c2 = add(mul(z, gate(p, 'i', x, h, c)), mul(c, gate(p, 'f', x, h, c)));
    return { h: tanh(c2), c: c2 };
  });
});

test('Greff NIAF and NOAF: identity instead of tanh', () => {
  check('greff-niaf', (p, x, { h, c }) => {
    const z = aff(p, 'z', x, h);
    const c2 = add(mul(z, gate(p, 'i', x, h, c)), mul(c, gate(p, 'f', x, h, c)));
    return { h: mul(tanh(c2), gate(p, 'o', x, h, c2)), c: c2 };
  });
  check('greff-noaf', (p, x, { h, c }) => {
    const z = tanh(aff(p, 'z_lin', x, h));
    const c2 = add(mul(z, gate(p, 'i', x, h, c)), mul(c, gate(p, 'f', x, h, c)));
    return { h: mul(c2, gate(p, 'o', x, h, c2)), c: c2 };
  });
});

test('Greff NP (no peepholes) and CIFG (f = 1 - i)', () => {
  check('greff-np', (p, x, { h, c }) => {
    const z = tanh(aff(p, 'z_lin', x, h));
    const c2 = add(mul(z, gate(p, 'i', x, h, null)), mul(c, gate(p, 'f', x, h, null)));
    return { h: mul(tanh(c2), gate(p, 'o', x, h, null)), c: c2 };
  });
  check('greff-cifg', (p, x, { h, c }) => {
    const z = tanh(aff(p, 'z_lin', x, h));
    const i = gate(p, 'i', x, h, c);
    const c2 = add(mul(z, i), mul(c, sub(ones(), i)));
    return { h: mul(tanh(c2), gate(p, 'o', x, h, c2)), c: c2 };
  });
});

test('Greff FGR: every gate also reads the previous i, f, o', () => {
  check('greff-fgr', (p, x, s) => {
    const g = (name: string, peep: V) =>
      sig(add(aff(p, `${name}_lin`, x, s.h, s.i, s.f, s.o), mul(p(`${name}_peep.p`), peep)));
    const z = tanh(aff(p, 'z_lin', x, s.h));
    const i = g('i', s.c);
    const f = g('f', s.c);
    const c2 = add(mul(z, i), mul(s.c, f));
    const o = g('o', c2);
    return { h: mul(tanh(c2), o), c: c2, i, f, o };
  });
});

// Two cells with every number written out (H = 2), computed by hand/numpy outside this code.
test('tanh RNN and GRU at H = 2 with literal weights', () => {
  const x = vec(1, -1);
  const h = vec(0.5, 0.25);
  const rnn: Params = { 'h_lin.W0': vec(0.1, 0.2, 0.3, 0.4), 'h_lin.W1': vec(-0.5, 0.5, 1, 0), 'h_lin.b': vec(0.05, -0.05) };
  // pre = [0.1-0.2 + (-0.25+0.125) + 0.05, 0.3-0.4 + 0.5 - 0.05] = [-0.175, 0.35]
  close(evaluateStep(ZOO['tanh-rnn'], rnn, 2, x, { h }).next.h, vec(Math.tanh(-0.175), Math.tanh(0.35)), 'rnn h');
  const gru: Params = {
    'r_lin.W0': vec(1, 0, 0, 1), 'r_lin.W1': vec(0, 0, 0, 0), 'r_lin.b': vec(0, 0),
    'z_lin.W0': vec(0, 0, 0, 0), 'z_lin.W1': vec(2, 0, 0, 2), 'z_lin.b': vec(0, -0.5),
    'n_lin.W0': vec(0.5, 0.5, 0, 1), 'n_lin.W1': vec(1, 0, 0, -1), 'n_lin.b': vec(0.1, 0),
  };
  // r = σ([1, -1]); z = σ([1, 0.5 - 0.5]) = σ([1, 0]); rh = [0.5 σ(1), 0.25 σ(-1)]
  const s = (v: number) => 1 / (1 + Math.exp(-v));
  const n0 = Math.tanh(0 + 0.5 * s(1) + 0.1);
  const n1 = Math.tanh(-1 - 0.25 * s(-1));
  const want = vec(s(1) * 0.5 + (1 - s(1)) * n0, s(0) * 0.25 + (1 - s(0)) * n1);
  close(evaluateStep(ZOO.gru, gru, 2, x, { h }).next.h, want, 'gru h');
  // The same numbers, as printed by numpy from the equations.
  close(want, vec(0.48240585156215793, -0.2692086813624469), 'gru h (numpy)');
});
