// The shape of the generated passes: on the C route a layer pass is one native call (no product or
// loop is left to JavaScript) and its C reads as one function per pass; the JavaScript route
// computes the same losses and gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zooCell } from '../zoo/index.ts';
import type { Gemm } from './gemm.ts';
import { gemm as defaultGemm, nativeStatus } from './native.ts';
import { compileModel } from './compile.ts';
import { maxDiff, randomTokenBatch } from './testing.ts';

const skip = nativeStatus.loaded ? false : `C kernels unavailable: ${nativeStatus.reason}`;

/** A model whose JavaScript-side products are counted. */
function counted(cell: string, kernels: 'c' | 'js', layers: number, hidden = 16) {
  const calls = { n: 0 };
  const gemm: Gemm = (...a) => {
    calls.n++;
    defaultGemm(...a);
  };
  const model = compileModel(zooCell(cell), { kernels, hidden, vocab: 7, layers, seed: 3, dtype: 'float64' }, { gemm });
  return { model, calls };
}

test('on the C route a layer pass is one native call: JavaScript runs only the embedding and output products', { skip }, () => {
  for (const cell of ['gru', 'lstm']) {
    for (const layers of [1, 2]) {
      const batch = randomTokenBatch(`pass-${cell}`, 9, 4, 7);
      const c = counted(cell, 'c', layers), js = counted(cell, 'js', layers);
      assert.equal(c.model.route(4), 'c');
      c.model.lossAndGradient(batch);
      js.model.lossAndGradient(batch);
      // Logits, then the output weights' and bias' gradients and the gradient sent down: 4, whatever T, L and the cell.
      assert.equal(c.calls.n, 4, `${cell} L=${layers}: ${c.calls.n} products from JavaScript`);
      assert.ok(js.calls.n >= 4 + 2 * 9, `${cell}: the JavaScript route makes its per-step products itself (${js.calls.n})`);
      assert.ok(maxDiff(c.model.grads, js.model.grads) < 1e-12, `${cell} L=${layers}: gradients differ by ${maxDiff(c.model.grads, js.model.grads)}`);
    }
  }
});

test('the C of a layer is one function per pass, looping over T, with the products inside', { skip }, () => {
  const { model } = counted('gru', 'c', 1);
  const src = model.source(4);
  assert.ok(src.c, 'C source');
  for (const pass of ['forward', 'backward']) {
    assert.match(src.c, new RegExp(`void ${pass}_pass\\(long T,`));
    assert.match(src.c, new RegExp(`CS_KERNEL\\(${pass}\\)`));
  }
  assert.equal(src.c.match(/for \(long t = /g)?.length, 2, 'one time loop per pass');
  // GRU: forward x->gates (all steps), h->gates and rh->cand per step; backward two per step, dx
  // and three dW. The per-step products read weights packed once per pass, before the time loop.
  assert.equal(src.c.match(/GEMM\(/g)?.length, 1 + 1 + 3);
  assert.equal(src.c.match(/GEMM_PACKED\(/g)?.length, 2 + 2);
  assert.equal(src.c.match(/PACK\(/g)?.length, 2 + 2);
  for (const js of [src.forward, src.backward]) {
    assert.equal(js.match(/K\.fns\[\d\]\(/g)?.length, 1, js);
    assert.doesNotMatch(js, /gemm\(|for \(/);
  }
});

test('weights packed once per pass give the products of the JavaScript route past one K slice (H = 300: K = 300, 600)', { skip }, () => {
  for (const cell of ['gru', 'lstm']) {
    const batch = randomTokenBatch(`packed-${cell}`, 3, 2, 7);
    const c = counted(cell, 'c', 1, 300), js = counted(cell, 'js', 1, 300);
    assert.equal(c.model.route(2), 'c');
    const a = c.model.lossAndGradient(batch), b = js.model.lossAndGradient(batch);
    assert.ok(Math.abs(a.nll - b.nll) < 1e-12 * Math.abs(b.nll), `${cell}: NLL ${a.nll} against ${b.nll}`);
    assert.ok(maxDiff(c.model.grads, js.model.grads) < 1e-12, `${cell}: gradients differ by ${maxDiff(c.model.grads, js.model.grads)}`);
  }
});
