// Arithmetic with distractors (Jozefowicz, Zaremba & Sutskever 2015, section 4.1): the sum or
// difference of two non-negative numbers, read one character at a time with random lowercase
// letters between successive characters, then `=` and the result with its sign, then `.`.
// The paper's example `3e36d9-h1h39f94eeh43keg3c=-13991064` is 3369 - 13994433.
//
// Choices the paper leaves open (documented in tasks/README.md):
// - operator: `+` or `-` with probability 1/2 each;
// - each operand: a digit count uniform in 1..maxDigits, then a value uniform among the numbers
//   with that many digits (0..9 for one digit, no leading zero otherwise);
// - distractors: between every two successive characters of `a op b =`, k letters with
//   P(k) proportional to rate^k for k = 0..maxDistractors (a truncated geometric; rate 0.5 gives
//   a mean of about 1, close to the paper's example: 12 letters over 13 gaps), each uniform in a-z;
//   none inside the result;
// - the result is written as numbers usually are: `-` before a negative result, no sign otherwise,
//   followed by the end marker `.`;
// - scored: the result characters and the end marker (the targets after `=`).
import { rngFor, randInt, type Rng } from './random.ts';
import { sequenceBatching, TOKEN_PACKING, tokenExample, type TokenSequence } from './sequences.ts';
import type { Split, Task } from './task.ts';
import type { ArithmeticOptions } from './task-options.ts';

export const DIGITS = '0123456789';
export const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
export const ARITHMETIC_VOCAB: readonly string[] = [...DIGITS, '+', '-', '=', '.', ...LETTERS];
const ID = new Map(ARITHMETIC_VOCAB.map((s, i) => [s, i]));

export interface ArithmeticProblem {
  a: number;
  op: '+' | '-';
  b: number;
  result: number;
  /** The full sequence, e.g. `3e36d9-h1h39f94eeh43keg3c=-13991064.` */
  text: string;
}

function operand(rng: Rng, maxDigits: number): number {
  const d = randInt(rng, 1, maxDigits);
  return d === 1 ? randInt(rng, 0, 9) : randInt(rng, 10 ** (d - 1), 10 ** d - 1);
}

function distractorCount(rng: Rng, rate: number, max: number): number {
  // Inverse CDF of the geometric distribution truncated to 0..max.
  if (rate === 0 || max === 0) return 0;
  const total = (1 - rate ** (max + 1)) / (1 - rate);
  let u = rng() * total;
  for (let k = 0; k < max; k++) {
    u -= rate ** k;
    if (u < 0) return k;
  }
  return max;
}

/** One problem, drawn from `rng`. */
export function generateArithmetic(rng: Rng, o: ArithmeticOptions): ArithmeticProblem {
  const a = operand(rng, o.maxDigits);
  const op = rng() < 0.5 ? '+' : '-';
  const b = operand(rng, o.maxDigits);
  const result = op === '+' ? a + b : a - b;
  const question = `${a}${op}${b}=`;
  let text = '';
  for (let i = 0; i < question.length; i++) {
    if (i > 0) {
      const k = distractorCount(rng, o.distractorRate, o.maxDistractors);
      for (let j = 0; j < k; j++) text += LETTERS[randInt(rng, 0, 25)];
    }
    text += question[i];
  }
  return { a, op, b, result, text: `${text}${result}.` };
}

/**
 * Reads a problem back from its text (with or without the end marker): distractors are dropped.
 * Throws on text that is not `digits op digits = [-]digits`.
 */
export function parseArithmetic(text: string): { a: number; op: '+' | '-'; b: number; result: number } {
  const m = /^(\d+)([+-])(\d+)=(-?\d+)\.?$/.exec(text.replace(/[a-z]/g, ''));
  if (!m) throw new Error(`not an arithmetic problem: ${JSON.stringify(text)}`);
  return { a: Number(m[1]), op: m[2] as '+' | '-', b: Number(m[3]), result: Number(m[4]) };
}

/** Token ids of a problem and its scored positions (every target after `=`). */
export function encodeArithmetic(text: string): TokenSequence {
  const tokens = Int32Array.from(text, (c) => {
    const id = ID.get(c);
    if (id === undefined) throw new Error(`character ${JSON.stringify(c)} is not in the arithmetic vocabulary`);
    return id;
  });
  const scored = new Uint8Array(tokens.length);
  const eq = text.indexOf('=');
  for (let i = eq + 1; i < text.length; i++) scored[i] = 1;
  return { tokens, scored };
}

export function arithmeticTask(o: ArithmeticOptions): Task {
  // The batching does not change what is drawn, so it is not part of the generators' key.
  const { batching, ...drawn } = o;
  const key = JSON.stringify(drawn);
  const count = (split: Split) => (split === 'train' ? null : split === 'valid' ? o.validSize : o.testSize);
  const get = (seed: number, split: Split, j: number) =>
    encodeArithmetic(generateArithmetic(rngFor('arithmetic', key, seed, split, j), o).text);
  // a op b = : 2*maxDigits + 2 characters, maxDistractors in each of the gaps between them, then
  // the sign, up to maxDigits + 1 result digits and the end marker.
  const questionChars = 2 * o.maxDigits + 2;
  const maxSteps = questionChars + (questionChars - 1) * o.maxDistractors + o.maxDigits + 3 - 1;
  return {
    name: 'arithmetic',
    description: `sum or difference of two numbers of up to ${o.maxDigits} digits with distractor letters (Jozefowicz et al. 2015); scored on the result`,
    vocab: ARITHMETIC_VOCAB,
    output: 'softmax',
    metric: 'accuracy',
    maxSteps,
    sizes: () => ({ unit: 'sequences', train: null, valid: o.validSize, test: o.testSize }),
    ...sequenceBatching({ count, get }, TOKEN_PACKING, batching),
    sample: (n, seed) => Array.from({ length: n }, (_, j) => tokenExample(get(seed, 'train', j), ARITHMETIC_VOCAB, '')),
  };
}
