// Trained models out, through the real CLI: `train --save DIR` writes the best weights as
// safetensors (the numbers of the stored checkpoint, with the cell, hash and setting in the
// metadata) and the PyTorch module; where PyTorch is installed, the module loads the file and
// gives the logits of `model.predict` with those weights. A study trained without --save is
// refused with the reason, nothing lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers.ts';
import { storedCheckpoint } from './stored-checkpoint.ts';
import { compileModel } from '../cells/engine/compile.ts';
import { modelOptionsOf } from '../cells/engine/setting-options.ts';
import { decodeSafetensors } from '../cells/export/safetensors.ts';
import { pytorchParamName } from '../cells/export/pytorch-model.ts';
import { parseNotation } from '../cells/notation.ts';
import { cellHash } from '../cells/canonical.ts';
import { parseCell } from '../cells/validate.ts';
import { paramLayout } from '../cells/engine/layout.ts';
import { getTask } from '../tasks/registry.ts';
import { TrainHyperparamsSchema } from '../runs/train-hyperparams.ts';

const TINY = ['--task', 'memorize', '--steps', '30', '--eval-every', '10', '--valid-batches', '2'];
const TORCH_PYTHON = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0);

test('train --save writes the best weights as safetensors and a PyTorch module that gives the same logits', async () => {
  const dir = tempDir();
  const db = join(dir, 's.sqlite');
  const out = join(dir, 'model');
  // At this learning rate the validation loss rises from step 10 to step 20: the best weights are not the last.
  const r = runCli(['train', '--cell', 'lstm', '--task', 'memorize', '--steps', '20', '--eval-every', '10', '--valid-batches', '2', '--lr', '3', '--layers', '2', '--hidden', '6', '--db', db, '--name', 'saved', '--save', out]);
  assert.equal(r.status, 0, r.stderr);
  const { evaluation, arch, checkpoint } = await storedCheckpoint(db, 'saved');
  const stem = `lstm_${arch.hash.slice(0, 8)}`;
  assert.deepEqual(readdirSync(out).sort(), [`${stem}.py`, `${stem}.safetensors`]);
  assert.match(r.stdout, new RegExp(`saved lstm: .*${stem}\\.safetensors, .*${stem}\\.py`));

  const file = decodeSafetensors(readFileSync(join(out, `${stem}.safetensors`)));
  // The metadata: the notation parses to the same architecture; the setting is the evaluation's.
  assert.equal(file.metadata.hash, arch.hash);
  assert.equal(cellHash(parseCell(parseNotation(file.metadata.cell))), arch.hash);
  assert.deepEqual(JSON.parse(file.metadata.settings), evaluation.hyperparameters);
  assert.equal(file.metadata.task, 'memorize');
  const task = getTask('memorize', evaluation.taskOptions);
  assert.deepEqual(JSON.parse(file.metadata.vocab), task.vocab);
  assert.deepEqual(JSON.parse(file.metadata['cellsearch.model']), { vocab: task.vocab.length, hidden: 6, layers: 2, input: 'tokens' });

  // The numbers are the best weights of the stored checkpoint, tensor by tensor.
  const best = checkpoint.loop.bestParams ?? checkpoint.params;
  assert.notDeepEqual([...best], [...checkpoint.params], 'the best weights are not the last ones here (else the test could not tell them apart)');
  const cell = parseCell(arch.cell);
  let at = 0;
  const slots = paramLayout(cell, { hidden: 6, vocab: task.vocab.length, layers: 2 });
  assert.equal(file.tensors.length, slots.length);
  for (const slot of slots) {
    const t = file.tensors.find((x) => x.name === pytorchParamName(slot.name));
    assert.ok(t, slot.name);
    assert.deepEqual(t.shape, slot.shape);
    const size = t.data.length;
    assert.deepEqual([...t.data], [...best.subarray(at, at + size)], slot.name);
    at += size;
  }

  // export --weights writes the same files from the stored checkpoint.
  const exported = join(dir, 'exported');
  const ex = runCli(['export', arch.hash.slice(0, 8), '--weights', '--db', db, '--out', exported]);
  assert.equal(ex.status, 0, ex.stderr);
  const key = evaluation.key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  assert.match(ex.stderr, new RegExp(`wrote .*${stem}\\.safetensors.*evaluation ${key} of train study 'saved'`));
  for (const f of readdirSync(out)) assert.deepEqual(readFileSync(join(exported, f)), readFileSync(join(out, f)), f);

  if (!TORCH_PYTHON) return; // PyTorch is not installed: the file and its numbers are checked above
  const hp = TrainHyperparamsSchema.parse(evaluation.hyperparameters);
  const model = compileModel(cell, modelOptionsOf(hp, { vocab: task.vocab.length, seed: 1 }));
  model.params.set(best);
  const [batch] = task.batches('test', { seed: 3, batchSize: 2, unroll: hp.unroll });
  assert.equal(batch.kind, 'tokens');
  const { logits } = model.predict(batch);
  writeFileSync(join(dir, 'inputs.json'), JSON.stringify({ T: batch.T, B: batch.B, inputs: [...batch.inputs] }));
  const script = `
import json, sys
sys.path.insert(0, sys.argv[1])
import torch
from ${stem} import load_model
model, metadata = load_model(sys.argv[1] + "/${stem}.safetensors")
c = json.load(open(sys.argv[2]))
with torch.no_grad():
    logits, _ = model(torch.tensor(c["inputs"], dtype=torch.long).reshape(c["T"], c["B"]))
print(json.dumps(logits.reshape(-1).tolist()))
`;
  const py = spawnSync(TORCH_PYTHON, ['-c', script, out, join(dir, 'inputs.json')], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(py.status, 0, py.stderr);
  const got = JSON.parse(py.stdout) as number[];
  assert.equal(got.length, logits.length);
  // The engine's output layer skips the rows it does not score (memorize's prompt): compare the scored ones.
  const V = task.vocab.length;
  let worst = 0, scored = 0;
  logits.forEach((want, j) => {
    if (batch.mask[Math.floor(j / V)] !== 1) return;
    scored++;
    worst = Math.max(worst, Math.abs(got[j] - want) / (1 + Math.abs(want)));
  });
  assert.ok(scored > 0);
  assert.ok(worst < 1e-4, `logits differ by ${worst}`);
});

test('train --save on a study trained without it says why; a --save that is a file is refused before training', () => {
  const dir = tempDir();
  const db = join(dir, 's.sqlite');
  const plain = runCli(['train', '--cell', 'gru', ...TINY, '--db', db, '--name', 'plain']);
  assert.equal(plain.status, 0, plain.stderr);
  const again = runCli(['train', '--cell', 'gru', ...TINY, '--db', db, '--name', 'plain', '--save', join(dir, 'out')]);
  assert.equal(again.status, 2, again.stderr);
  assert.match(again.stderr, /kept no weights of gru: it was trained without --save/);
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  const refused = runCli(['train', '--cell', 'gru', ...TINY, '--db', join(dir, 'other.sqlite'), '--save', file]);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /--save .*a-file is a file, not a folder/);
  assert.equal(existsSync(join(dir, 'other.sqlite')), false, 'no database was created for the refused command');
  assert.equal(existsSync(join(dir, 'out')), false, 'nothing was written for the study without weights');
  const ex = runCli(['export', 'gru', '--weights', '--db', db, '--out', join(dir, 'out')]);
  assert.equal(ex.status, 2, ex.stderr);
  assert.match(ex.stderr, /has no trained weights in .*s\.sqlite: 1 evaluation, none finished with a stored checkpoint; `cellsearch train --cell \.\.\. --save DIR` keeps them/);
  const lstm = runCli(['export', 'lstm', '--weights', '--db', db]);
  assert.equal(lstm.status, 2);
  assert.match(lstm.stderr, /no evaluation of it/);
  assert.equal(existsSync(join(dir, 'out')), false);
});
