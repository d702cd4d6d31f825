// Trained models out as ONNX, through the real CLI: a GRU and a two-layer LSTM trained with
// `train --save`, exported with `export <hash> --format onnx`, run by ONNX Runtime
// (onnxruntime-web's WebAssembly build) on a batch of the task, give the logits of `model.predict`
// with the stored best weights (within 1e-4) and, fed the states back, the next batch's too.
// Without kept weights, or with a format that has no weights, the command says why (exit 2),
// writing nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { runCli, tempDir } from './helpers.ts';
import { storedCheckpoint } from './stored-checkpoint.ts';
import { compileModel } from '../cells/engine/compile.ts';
import { modelOptionsOf } from '../cells/engine/setting-options.ts';
import { parseCell } from '../cells/validate.ts';
import { getTask } from '../tasks/registry.ts';
import { TrainHyperparamsSchema } from '../runs/train-hyperparams.ts';

ort.env.logLevel = 'error';
ort.env.wasm.numThreads = 1;

for (const { cell, layers } of [
  { cell: 'gru', layers: 1 },
  { cell: 'lstm', layers: 2 },
]) {
  test(`train --save, then export --format onnx: the ${cell} (${layers} layer${layers === 1 ? '' : 's'}) gives the engine's logits in ONNX Runtime`, async () => {
    const dir = tempDir();
    const db = join(dir, 's.sqlite');
    const r = runCli(['train', '--cell', cell, '--task', 'arithmetic', '--steps', '20', '--eval-every', '10', '--valid-batches', '2', '--layers', String(layers), '--hidden', '8', '--db', db, '--name', 'saved', '--save', join(dir, 'saved')]);
    assert.equal(r.status, 0, r.stderr);
    const { evaluation, arch, checkpoint } = await storedCheckpoint(db, 'saved');
    const out = join(dir, 'onnx');
    const ex = runCli(['export', arch.hash.slice(0, 8), '--format', 'onnx', '--db', db, '--out', out]);
    assert.equal(ex.status, 0, ex.stderr);
    const stem = `${cell}_${arch.hash.slice(0, 8)}`;
    assert.deepEqual(readdirSync(out), [`${stem}.onnx`]);
    assert.match(ex.stderr, new RegExp(`wrote .*${stem}\\.onnx: evaluation .* of train study 'saved'`));
    const bytes = readFileSync(join(out, `${stem}.onnx`));
    assert.ok(bytes.includes(arch.hash), 'the metadata names the architecture');

    // The engine with the stored best weights, on two consecutive batches of the task, every position scored.
    const hp = TrainHyperparamsSchema.parse(evaluation.hyperparameters);
    const task = getTask('arithmetic', evaluation.taskOptions);
    const V = task.vocab.length, H = 8, L = layers;
    const model = compileModel(parseCell(arch.cell), modelOptionsOf(hp, { vocab: V, seed: 1 }));
    model.params.set(checkpoint.loop.bestParams ?? checkpoint.params);
    const session = await ort.InferenceSession.create(bytes);
    const S = cell === 'lstm' ? 2 : 1;
    let state: Float32Array = new Float32Array(L * S * 2 * H);
    const twoBatches = [...task.batches('test', { seed: 3, batchSize: 2, unroll: hp.unroll })].slice(0, 2);
    assert.equal(twoBatches.length, 2);
    for (const [k, b] of twoBatches.entries()) {
      assert.equal(b.kind, 'tokens');
      const batch = { ...b, mask: new Float32Array(b.T * b.B).fill(1), carry: true };
      const want = model.predict(batch).logits;
      const got = await session.run({
        tokens: new ort.Tensor('int64', BigInt64Array.from(batch.inputs, (v) => BigInt(v)), [batch.T, batch.B]),
        state: new ort.Tensor('float32', state, [L, S, batch.B, H]),
      });
      const logits = got.logits.data as Float32Array;
      assert.equal(logits.length, want.length);
      let worst = 0;
      want.forEach((w, j) => (worst = Math.max(worst, Math.abs(logits[j] - w) / (1 + Math.abs(w)))));
      assert.ok(worst < 1e-4, `batch ${k}: logits differ by ${worst}`);
      state = got.new_state.data as Float32Array;
    }
    await session.release();
  });
}

test('export --format onnx without kept weights, or another format with --weights, exits 2 and writes nothing', () => {
  const dir = tempDir();
  const db = join(dir, 's.sqlite');
  const plain = runCli(['train', '--cell', 'gru', '--task', 'memorize', '--steps', '10', '--eval-every', '10', '--valid-batches', '1', '--db', db, '--name', 'plain']);
  assert.equal(plain.status, 0, plain.stderr);
  const out = join(dir, 'out');
  const ex = runCli(['export', 'gru', '--format', 'onnx', '--db', db, '--out', out]);
  assert.equal(ex.status, 2, ex.stderr);
  assert.match(ex.stderr, /has no trained weights in .*s\.sqlite: 1 evaluation, none finished with a stored checkpoint; `cellsearch train --cell \.\.\. --save DIR` keeps them/);
  const dot = runCli(['export', 'gru', '--format', 'dot', '--weights', '--db', db, '--out', out]);
  assert.equal(dot.status, 2, dot.stderr);
  assert.match(dot.stderr, /--format dot does not apply/);
  assert.equal(existsSync(out), false);
});
