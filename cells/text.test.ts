// Names shown on terminals and in reports: control characters are refused, or escaped when shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasControl, printable, TextLineSchema, TextSchema } from './text.ts';

test('TextLineSchema refuses C0, DEL, C1 and line separators and accepts other Unicode', () => {
  for (const ok of ['GRU', 'Tanh RNN', 'LSTM (Greff et al. 2016, eq. 1)', 'größe ≥ 2 🙂', '']) assert.equal(TextLineSchema.safeParse(ok).success, true, ok);
  for (let c = 0; c < 0x20; c++) assert.equal(TextLineSchema.safeParse(`a${String.fromCharCode(c)}b`).success, false, `\\x${c.toString(16)}`);
  for (const c of [0x7f, 0x80, 0x9b, 0x9f, 0x2028, 0x2029]) assert.equal(hasControl(String.fromCharCode(c)), true, c.toString(16));
});

test('printable writes control characters as visible escapes and leaves the rest', () => {
  assert.equal(printable('a\nb\tc\rd'), 'a\\nb\\tc\\rd');
  assert.equal(printable('\x1b]0;pwned\x07'), '\\x1b]0;pwned\\x07');
  assert.equal(printable('nul\0 c1\x9b ls\u2028'), 'nul\\x00 c1\\x9b ls\\u2028');
  assert.equal(printable('größe 🙂'), 'größe 🙂');
  assert.equal(hasControl(printable('\x1b\n\0\u2029')), false);
});

test('TextSchema (descriptions, sources) allows newlines and tabs, nothing else of the controls', () => {
  assert.equal(TextSchema.safeParse('two\nlines\tand a tab').success, true);
  for (const bad of ['esc\x1b[2J', 'nul\0', 'cr\r', 'bel\x07']) assert.equal(TextSchema.safeParse(bad).success, false, JSON.stringify(bad));
});
