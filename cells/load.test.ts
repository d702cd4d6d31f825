// Loading cells from the command line's words: zoo keys, notation and JSON files, and where
// their errors are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { loadCell, parseJsonText, readCellFile, scanJson } from './load.ts';
import { printNotation } from './notation.ts';
import { ZOO } from './zoo/index.ts';
import { isUserError } from '../errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'cellsearch-load-'));

test('a zoo key gives the zoo cell; a file gives its cell, JSON or notation by extension', () => {
  assert.equal(loadCell('gru'), ZOO.gru);
  const json = join(dir, 'mut2.json');
  writeFileSync(json, '\uFEFF' + JSON.stringify(ZOO.mut2));
  assert.equal(printNotation(loadCell(json)), printNotation(ZOO.mut2));
  const text = join(dir, 'mut2.cell');
  writeFileSync(text, printNotation(ZOO.mut2));
  assert.equal(printNotation(readCellFile(text)), printNotation(ZOO.mut2));
});

test('errors name the file: missing, a directory, notation and JSON errors with line:col', () => {
  assert.throws(() => loadCell(join(dir, 'nope.cell')), /nope\.cell' is neither a zoo cell nor a file \(the zoo has: tanh-rnn,/);
  assert.throws(() => loadCell(dir), /is a directory, not a cell file/);
  const bad = join(dir, 'bad.cell');
  writeFileSync(bad, "cell t(x; h)\n\n  h' = tanh(linear(x, h)) *\n");
  assert.throws(() => loadCell(bad), (e: Error) => e.message.startsWith(`${bad}:3:28: expected a name`));
  const badJson = join(dir, 'bad.json');
  writeFileSync(badJson, '{"states": ["h"],\n "nodes": [], "outputs": {"h": "x",}}');
  assert.throws(() => loadCell(badJson), (e: Error) => e.message === `${badJson}:2:36: invalid JSON: expected a string, found "}"`);
  const invalid = join(dir, 'invalid.json');
  writeFileSync(invalid, JSON.stringify({ states: ['h'], nodes: [], outputs: { h: 'x' } }));
  assert.throws(() => loadCell(invalid), /invalid\.json:1:43: outputs\.h: .*does not depend on any state/);
});

test('parseJsonText locates errors at the end of the file and in strings', () => {
  assert.throws(() => parseJsonText('{"a": [1, 2', 'f.json'), /^UserError: f\.json:1:12: invalid JSON: expected ',' or '\]', found the end of the file$/);
  assert.throws(() => parseJsonText('{\n  "a": "tab\there"}', 'f.json'), /f\.json:2:12: invalid JSON: expected an escape such as \\t or \\n instead of a raw control character in a string, found "\\t"/);
  assert.throws(() => parseJsonText('[01]', 'f.json'), /f\.json:1:3: invalid JSON: expected ',' or '\]', found "1"/);
});

test('scanJson agrees with JSON.parse on 1500 random corruptions of zoo cells', () => {
  const rng = seedrandom('json-syntax');
  const texts = Object.values(ZOO).map((c, i) => JSON.stringify(c, null, i % 2 ? 2 : undefined));
  const alphabet = '{}[],:"\\ 0123456789.eE+-tfnul\n\tax';
  let invalid = 0;
  for (let k = 0; k < 1500; k++) {
    let t = texts[k % texts.length];
    for (let edits = 1 + Math.floor(rng() * 2); edits > 0; edits--) {
      const at = Math.floor(rng() * (t.length + 1));
      const r = rng();
      const ch = alphabet[Math.floor(rng() * alphabet.length)];
      t = r < 0.4 ? t.slice(0, at) + t.slice(at + 1) : r < 0.8 ? t.slice(0, at) + ch + t.slice(at) : t.slice(0, at);
    }
    let valid = true;
    try {
      JSON.parse(t);
    } catch {
      valid = false;
      invalid++;
    }
    const found = scanJson(t).error;
    assert.equal(found === undefined, valid, `${valid ? 'valid' : 'invalid'} JSON ${JSON.stringify(t)}: ${found?.message}`);
  }
  assert.ok(invalid > 750, `most corruptions break the JSON (${invalid})`);
});

test('semantic errors in a JSON file point at the field: file:line:col: path: what', () => {
  const p = join(dir, 'located.json');
  const text = '{\n  "states": ["h"],\n  "nodes": [\n    {"id": "a", "op": "linear", "in": ["x", "h"]},\n    {"id": "n", "op": "tanh", "in": ["a", "q"]}\n  ],\n  "outputs": {"h": "n"}\n}\n';
  writeFileSync(p, text);
  assert.throws(() => loadCell(p), (e: Error) => e.message === `${p}:5:37: nodes[1] ('n').in: wrong arity: tanh takes exactly 1 input, got 2`);
  writeFileSync(p, text.replace('"in": ["a", "q"]', '"in": ["q"]'));
  assert.throws(() => loadCell(p), (e: Error) => e.message === `${p}:5:38: nodes[1] ('n').in[0]: undefined reference 'q' (not x, a state or a node id)`);
  writeFileSync(p, text.replace('"nodes"', '"nodez"'));
  assert.throws(() => loadCell(p), (e: Error) => e.message.startsWith(`${p}:1:1: `), 'a missing field: the whole cell');
});

test('JSON nested 100,000 deep is refused at its place, before any recursive reader sees it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cell-deep-'));
  const file = join(dir, 'deep.json');
  writeFileSync(file, '['.repeat(100_000) + ']'.repeat(100_000));
  assert.throws(() => loadCell(file), (e: unknown) => isUserError(e) && /deep\.json:1:65: nested deeper than 64 levels/.test((e as Error).message));
  const text = `{"name": "[[[[\\"", "states": ${'['.repeat(70)}${']'.repeat(70)}}`;
  writeFileSync(file, text);
  // The object is level 1, so the 64th bracket of states is the first too deep; those in the string do not count.
  const col = text.indexOf('"states": ') + '"states": '.length + 64;
  assert.throws(() => loadCell(file), (e: unknown) => isUserError(e) && (e as Error).message.startsWith(`${file}:1:${col}: nested deeper than 64`));
});
