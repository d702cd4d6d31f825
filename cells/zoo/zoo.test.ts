// Structure of the zoo; the numeric checks (one step against hand-written equations) are in
// zoo-values.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUserError } from '../../errors.ts';
import { paramCount } from '../graph.ts';
import { dependsOn, parseCell } from '../validate.ts';
import { GREFF_CELLS, JOZEFOWICZ_CELLS, ZOO, ZOO_KEYS, zooCell } from './index.ts';

test('the zoo holds every cell of both papers, each with name, description and source', () => {
  assert.deepEqual([...JOZEFOWICZ_CELLS], ['tanh-rnn', 'lstm', 'lstm-f', 'lstm-i', 'lstm-o', 'lstm-b', 'gru', 'mut1', 'mut2', 'mut3']);
  assert.deepEqual([...GREFF_CELLS], ['greff-vanilla', 'greff-nig', 'greff-nfg', 'greff-nog', 'greff-niaf', 'greff-noaf', 'greff-np', 'greff-cifg', 'greff-fgr']);
  for (const key of [...JOZEFOWICZ_CELLS, ...GREFF_CELLS, 'lstm-tanh-o']) assert.ok(ZOO[key], key);
  assert.equal(ZOO_KEYS.length, 20);
  for (const key of ZOO_KEYS) {
    const cell = ZOO[key];
    assert.match(key, /^[a-z0-9-]+$/);
    assert.ok(cell.name && cell.description && cell.source, key);
    assert.match(cell.source!, key.startsWith('greff') ? /Greff/ : /Jozefowicz/);
    // Already checked: parsing the JSON again gives the same cell.
    assert.deepEqual(parseCell(JSON.parse(JSON.stringify(cell))), cell);
  }
});

test('zooCell names the valid keys for an unknown key', () => {
  assert.equal(zooCell('gru'), ZOO.gru);
  assert.throws(() => zooCell('gru2'), (e: unknown) => isUserError(e) && /unknown zoo cell 'gru2'.*tanh-rnn, lstm, .*greff-fgr/.test((e as Error).message));
});

test("MUT1's z does not depend on h; MUT2's and MUT3's do", () => {
  assert.ok(!dependsOn(ZOO.mut1, 'z', 'h'));
  assert.ok(dependsOn(ZOO.mut1, 'z', 'x'));
  assert.ok(dependsOn(ZOO.mut2, 'z', 'h'));
  assert.ok(dependsOn(ZOO.mut3, 'z', 'h'));
  assert.deepEqual(ZOO.mut1.nodes.find((n) => n.id === 'z_lin')!.in, ['x']);
});

const gates = (key: string) => ZOO[key].nodes.filter((n) => n.op === 'sigmoid').length;
const linears = (key: string) => ZOO[key].nodes.filter((n) => n.op === 'linear').length;

test('CIFG has one gate fewer than the vanilla LSTM; NIG, NFG, NOG too', () => {
  assert.equal(gates('greff-vanilla'), 3);
  assert.equal(gates('greff-cifg'), 2);
  assert.equal(linears('greff-cifg'), linears('greff-vanilla') - 1);
  for (const k of ['greff-nig', 'greff-nfg', 'greff-nog']) assert.equal(gates(k), 2, k);
  assert.equal(gates('lstm'), 3);
  for (const k of ['lstm-f', 'lstm-i']) assert.equal(gates(k), 2, k);
  assert.equal(gates('lstm-o'), 2);
  assert.equal(gates('lstm-tanh-o'), 2); // the output gate is a tanh there
});

test('peepholes: vanilla has three, NP none; the output gate peeps at the new c', () => {
  const diags = (key: string) => ZOO[key].nodes.filter((n) => n.op === 'diag');
  assert.deepEqual(diags('greff-vanilla').map((n) => n.in[0]), ['c', 'c', 'c_new']);
  assert.equal(diags('greff-np').length, 0);
  assert.deepEqual(diags('greff-fgr').map((n) => n.in[0]), ['c', 'c', 'c_new']);
});

test('FGR carries the gates as states and every gate reads all of them', () => {
  const fgr = ZOO['greff-fgr'];
  assert.deepEqual(fgr.states, ['h', 'c', 'i', 'f', 'o']);
  assert.deepEqual(fgr.outputs, { h: 'h_new', c: 'c_new', i: 'i_new', f: 'f_new', o: 'o_new' });
  for (const g of ['i_lin', 'f_lin', 'o_lin']) assert.deepEqual(fgr.nodes.find((n) => n.id === g)!.in, ['x', 'h', 'i', 'f', 'o']);
  assert.deepEqual(fgr.nodes.find((n) => n.id === 'z_lin')!.in, ['x', 'h']);
});

test('parameter counts match the equations', () => {
  const H = 10;
  const aff = (k: number) => k * H * H + H; // one linear node with k inputs and a bias
  assert.equal(paramCount(ZOO['tanh-rnn'], H), aff(2));
  assert.equal(paramCount(ZOO.lstm, H), 4 * aff(2));
  assert.equal(paramCount(ZOO['lstm-f'], H), 3 * aff(2));
  assert.equal(paramCount(ZOO.gru, H), 3 * aff(2));
  assert.equal(paramCount(ZOO.mut1, H), aff(1) + aff(2) + aff(1));
  assert.equal(paramCount(ZOO.mut2, H), aff(2) + aff(1) + aff(2));
  assert.equal(paramCount(ZOO.mut3, H), 3 * aff(2));
  assert.equal(paramCount(ZOO['greff-vanilla'], H), 4 * aff(2) + 3 * H);
  assert.equal(paramCount(ZOO['greff-np'], H), 4 * aff(2));
  assert.equal(paramCount(ZOO['greff-cifg'], H), 3 * aff(2) + 2 * H);
  assert.equal(paramCount(ZOO['greff-fgr'], H), aff(2) + 3 * aff(5) + 3 * H);
});

test("LSTM-b's forget gate starts with bias 1; the others with 0", () => {
  const f = (key: string) => ZOO[key].nodes.find((n) => n.id === 'f_lin');
  assert.equal((f('lstm-b') as { biasInit?: number }).biasInit, 1);
  assert.equal((f('lstm') as { biasInit?: number }).biasInit, undefined);
});

test('zoo cells are frozen: editing one in place throws', () => {
  assert.throws(() => {
    (ZOO.gru.nodes as unknown[]).push({ id: 'q', op: 'one' });
  }, TypeError);
  assert.throws(() => {
    (ZOO.gru.nodes[0] as { id: string }).id = 'renamed';
  }, TypeError);
  assert.equal(ZOO.gru.nodes[0].id, 'r_lin');
  const copy = structuredClone(ZOO.gru);
  copy.nodes[0].id = 'renamed';
  assert.equal(ZOO.gru.nodes[0].id, 'r_lin');
  // Built on first read, once: every read gives the same cell, and the zoo itself takes no new one.
  assert.equal(ZOO.lstm, ZOO.lstm);
  assert.throws(() => {
    (ZOO as Record<string, unknown>).gru = copy;
  }, TypeError);
  assert.deepEqual(structuredClone(ZOO).gru, ZOO.gru);
});
