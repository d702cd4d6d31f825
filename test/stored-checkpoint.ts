// Test helper: the first evaluation of a study with its architecture and kept checkpoint, read
// from the database (the tests of `train --save` and of the exports that load trained weights).
import assert from 'node:assert/strict';
import { openSqliteStorage } from '../runs/sqlite.ts';
import { decodeCheckpoint } from '../cells/engine/checkpoint-decode.ts';

export async function storedCheckpoint(db: string, name: string) {
  const s = openSqliteStorage(db, { readonly: true });
  try {
    const e = await s.getExperiment(name);
    assert.ok(e);
    const [evaluation] = await s.evaluations(e.id);
    const arch = await s.getArchitecture(evaluation.architecture);
    const bytes = await s.checkpoint(e.id, evaluation.key);
    assert.ok(arch && bytes, 'the evaluation kept its checkpoint');
    return { evaluation, arch, checkpoint: decodeCheckpoint(bytes) };
  } finally {
    await s.close();
  }
}
