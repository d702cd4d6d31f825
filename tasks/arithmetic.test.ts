import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ARITHMETIC_VOCAB, encodeArithmetic, generateArithmetic, parseArithmetic,
} from './arithmetic.ts';
import { rngFor } from './random.ts';
import { getTask } from './registry.ts';
import { ArithmeticOptionsSchema } from './task-options.ts';

test("the paper's example parses: 3369 - 13994433 = -13991064", () => {
  const p = parseArithmetic('3e36d9-h1h39f94eeh43keg3c=-13991064');
  assert.deepEqual(p, { a: 3369, op: '-', b: 13994433, result: -13991064 });
  assert.equal(p.a - p.b, p.result);
  // It is also a valid sequence of the task: every character is in the vocabulary.
  const seq = encodeArithmetic('3e36d9-h1h39f94eeh43keg3c=-13991064.');
  assert.equal(seq.scored.reduce((a, b) => a + b, 0), '-13991064.'.length);
});

test('parseArithmetic rejects text that is not a problem', () => {
  assert.throws(() => parseArithmetic('12+=3'), /not an arithmetic problem/);
  assert.throws(() => parseArithmetic('12*3=36'), /not an arithmetic problem/);
});

test('generated problems are correct, in range, with distractors only between question characters', () => {
  const o = ArithmeticOptionsSchema.parse({});
  const task = getTask('arithmetic');
  let gaps = 0, letters = 0, negatives = 0, plus = 0;
  for (let i = 0; i < 2000; i++) {
    const p = generateArithmetic(rngFor('t', i), o);
    const q = parseArithmetic(p.text);
    assert.deepEqual(q, { a: p.a, op: p.op, b: p.b, result: p.result });
    assert.equal(p.result, p.op === '+' ? p.a + p.b : p.a - p.b);
    assert.ok(p.a < 10 ** 8 && p.b < 10 ** 8);
    assert.ok(p.text.length - 1 <= task.maxSteps!, `${p.text} is longer than maxSteps`);
    const [question, answer] = p.text.split('=');
    assert.equal(answer, `${p.result}.`, 'no distractors in the result');
    assert.ok(!/^[a-z]/.test(question), 'no distractor before the first character');
    const runs = question.split(/[0-9+-]/).slice(1); // the letters after each question character
    for (const r of runs) assert.ok(r.length <= o.maxDistractors);
    gaps += question.replace(/[a-z]/g, '').length; // gaps: between successive characters, incl. before '='
    letters += question.replace(/[^a-z]/g, '').length;
    if (p.result < 0) negatives++;
    if (p.op === '+') plus++;
  }
  // Truncated geometric, rate 0.5, max 5: mean sum(k r^k) / sum(r^k) over k = 0..5.
  const w = [0, 1, 2, 3, 4, 5].map((k) => 0.5 ** k);
  const mean = w.reduce((s, x, k) => s + k * x, 0) / w.reduce((s, x) => s + x, 0);
  assert.ok(Math.abs(letters / gaps - mean) < 0.05, `mean distractors per gap ${letters / gaps}, expected ${mean}`);
  assert.ok(Math.abs(plus / 2000 - 0.5) < 0.05);
  assert.ok(negatives > 300, 'differences give negative results');
});

test('scored positions are exactly the result characters and the end marker', () => {
  const seq = encodeArithmetic('1a2+3=15.');
  assert.deepEqual(Array.from(seq.scored), [0, 0, 0, 0, 0, 0, 1, 1, 1]);
  assert.deepEqual(Array.from(seq.tokens, (t) => ARITHMETIC_VOCAB[t]).join(''), '1a2+3=15.');
  assert.throws(() => encodeArithmetic('1*2=2.'), /not in the arithmetic vocabulary/);
});

test('options: maxDigits and distractorRate 0', () => {
  const o = ArithmeticOptionsSchema.parse({ maxDigits: 2, distractorRate: 0 });
  const seen = new Set<number>();
  for (let i = 0; i < 500; i++) {
    const p = generateArithmetic(rngFor('o', i), o);
    assert.match(p.text, /^\d{1,2}[+-]\d{1,2}=-?\d{1,3}\.$/);
    seen.add(p.a);
  }
  assert.ok(seen.has(0) && [...seen].some((a) => a >= 10), 'one- and two-digit operands both occur');
  assert.throws(() => ArithmeticOptionsSchema.parse({ maxDigits: 16 }));
});

test('a batch holds the sequences, scored after =, padded with mask 0', () => {
  const task = getTask('arithmetic', { maxDigits: 3 });
  const b = task.batch('valid', 0, { seed: 4, batchSize: 3, unroll: 5 });
  assert.equal(b.kind, 'tokens');
  if (b.kind !== 'tokens') return;
  assert.equal(b.carry, false);
  for (let s = 0; s < 3; s++) {
    let text = ARITHMETIC_VOCAB[b.inputs[s]];
    let scored = '';
    for (let t = 0; t < b.T; t++) {
      const p = t * 3 + s;
      if (b.mask[p]) scored += ARITHMETIC_VOCAB[b.targets[p]];
      if (t > 0 && text.endsWith('.')) assert.equal(b.mask[p], 0, 'nothing is scored after the end marker');
      else text += ARITHMETIC_VOCAB[b.targets[p]];
    }
    const q = parseArithmetic(text);
    assert.equal(scored, `${q.result}.`);
  }
});
