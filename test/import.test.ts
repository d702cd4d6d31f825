// NAS-Bench-NLP through the real CLI: `import nas-bench-nlp` (stdout, --out, --ids, a folder of
// logs, bad input), recipes as cells in `train` and `show` (FILE#id), `export --format nas-bench-nlp`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers.ts';
import { cellHash } from '../cells/canonical.ts';
import { loadCell } from '../cells/load.ts';
import { ZOO } from '../cells/zoo/index.ts';

const TANH_RNN = '{"f": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_0": {"op": "activation_tanh", "input": ["f"]}}';
const GRU =
  '{"r": {"op": "linear", "input": ["x", "h_prev_0"]}, "r_act": {"op": "activation_sigm", "input": ["r"]}, "z": {"op": "linear", "input": ["x", "h_prev_0"]}, "z_act": {"op": "activation_sigm", "input": ["z"]}, ' +
  '"rh": {"op": "elementwise_prod", "input": ["r_act", "h_prev_0"]}, "h_tilde": {"op": "linear", "input": ["x", "rh"]}, "h_tilde_act": {"op": "activation_tanh", "input": ["h_tilde"]}, ' +
  '"h_new_0": {"op": "blend", "input": ["z_act", "h_prev_0", "h_tilde_act"]}}';
const LEAKY = '{"node_0": {"op": "linear", "input": ["h_prev_0", "x"]}, "h_new_0": {"op": "activation_leaky_relu", "input": ["node_0"]}}';

const dir = tempDir('cellsearch-import-');
const list = join(dir, 'recepies.json');
writeFileSync(list, `[${TANH_RNN}, ${GRU}, ${LEAKY}]`);

test('import prints every recipe as a cell; --ids picks some; --out writes one file each that loads as the same cell', () => {
  const r = runCli(['import', 'nas-bench-nlp', list]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.match(/^cell /gm)?.length, 3);
  assert.match(r.stdout, new RegExp(`# recipe 1, cellHash ${cellHash(ZOO.gru)}\ncell nas-bench-nlp-1\\(x; h\\)`));
  assert.match(r.stdout, /h' = leaky_relu\(linear\(h, x\)\)/);

  const out = join(dir, 'cells');
  const w = runCli(['import', 'nas-bench-nlp', list, '--ids', '2,1', '--out', out]);
  assert.equal(w.status, 0, w.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['nas-bench-nlp-1.cell', 'nas-bench-nlp-2.cell']);
  assert.equal(cellHash(loadCell(join(out, 'nas-bench-nlp-1.cell'))), cellHash(ZOO.gru));
  const j = runCli(['import', 'nas-bench-nlp', list, '--ids', '1', '--format', 'json', '--out', out]);
  assert.equal(j.status, 0, j.stderr);
  assert.equal(cellHash(loadCell(join(out, 'nas-bench-nlp-1.json'))), cellHash(ZOO.gru));
});

test('a folder of logs imports by recepie_id, and FILE#id picks a recipe wherever a cell is named', () => {
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  writeFileSync(join(logs, 'a.json'), JSON.stringify({ recepie: GRU, recepie_id: 17, status: 'OK' }));
  writeFileSync(join(logs, 'b.json'), JSON.stringify({ recepie: LEAKY, recepie_id: 4, status: 'OK' }));
  const r = runCli(['import', 'nas-bench-nlp', logs, '--ids', '17']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^# recipe 17, cellHash /);
  const s = runCli(['show', `${list}#1`, '--canonical']);
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stdout, new RegExp(`# cellHash ${cellHash(ZOO.gru)}`));
  const many = runCli(['show', list]);
  assert.equal(many.status, 2);
  assert.match(many.stderr, /holds 3 NAS-Bench-NLP recipes, not one cell \(pick one as .*#<id>\)/);
});

test('train takes a file of recipes: every recipe is a cell, labelled FILE#id', () => {
  const db = join(dir, 'train.sqlite');
  const r = runCli(['train', '--cell', `${list}#0,2`, '--task', 'memorize', '--steps', '10', '--eval-every', '10', '--valid-batches', '1', '--db', db, '--workers', '1']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /recepies\.json#0\s+0\s+done\s+10\b/m);
  assert.match(r.stdout, /recepies\.json#2\s+0\s+done\s+10\b/m);
});

test('bad recipes and ids exit 2 with a message naming the file, the recipe and the node', () => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, `[${TANH_RNN}, {"h_new_0": {"op": "activation_relu", "input": ["x"]}}]`);
  const r = runCli(['import', 'nas-bench-nlp', bad]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad\.json: recipe 1: 'h_new_0'\.'op': .*their ops: linear, blend/);
  const ids = runCli(['import', 'nas-bench-nlp', list, '--ids', '9']);
  assert.equal(ids.status, 2);
  assert.match(ids.stderr, /no recipe with id 9/);
  const notRecipes = join(dir, 'cell.json');
  writeFileSync(notRecipes, JSON.stringify(ZOO.gru));
  const n = runCli(['import', 'nas-bench-nlp', notRecipes]);
  assert.equal(n.status, 2);
  assert.match(n.stderr, /cell\.json: not a NAS-Bench-NLP file/);
});

test('export --format nas-bench-nlp writes json.dumps of the recipe, or names the node it cannot express', () => {
  // The JSON form keeps every node name, so the string comes back exactly.
  const r = runCli(['export', join(dir, 'cells', 'nas-bench-nlp-1.json'), '--format', 'nas-bench-nlp']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${GRU}\n`);
  // The notation names inner nodes itself (n_1): another string, the same cell.
  const t = runCli(['export', join(dir, 'cells', 'nas-bench-nlp-1.cell'), '--format', 'nas-bench-nlp']);
  assert.equal(t.status, 0, t.stderr);
  const back = join(dir, 'back.json');
  writeFileSync(back, t.stdout);
  assert.equal(cellHash(loadCell(back)), cellHash(ZOO.gru));
  const peep = runCli(['export', 'greff-vanilla', '--format', 'nas-bench-nlp']);
  assert.equal(peep.status, 2);
  assert.match(peep.stderr, /node 'i_peep': a diagonal \(peephole\) weight: NAS-Bench-NLP's ops cannot express it/);
});
