// Synthetic XML (Jozefowicz, Zaremba & Sutskever 2015, section 4.1), character by character:
// "with 50% probability or after 50 iterations, close the most recently opened tag, or stop if no
// open tags remain; otherwise open a new random tag"; tag names have 2 to 10 lowercase letters.
//
// Choices (documented in tasks/README.md):
// - the first iteration always opens a tag (the root) and the document ends when the root closes,
//   so that every document is one well-formed element (an empty or multi-rooted document is not);
// - an "iteration" is one open or close; from iteration `maxIterations` on, every step closes;
// - every tag is followed by a newline; no indentation;
// - scored (default `score: 'closing'`): the characters of a closing tag after `</`, i.e. its name
//   and `>`, which are fully determined by the document so far and test the memory of the open
//   tags; `score: 'all'` scores every next character (plain character-level language modelling).
import { rngFor, randInt, type Rng } from './random.ts';
import { sequenceBatching, TOKEN_PACKING, tokenExample, type TokenSequence } from './sequences.ts';
import type { Split, Task } from './task.ts';
import type { XmlOptions } from './task-options.ts';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
export const XML_VOCAB: readonly string[] = [...LETTERS, '<', '>', '/', '\n'];
const ID = new Map(XML_VOCAB.map((s, i) => [s, i]));

/** One document, drawn from `rng`. */
export function generateXml(rng: Rng, o: XmlOptions): string {
  const open: string[] = [];
  let text = '';
  for (let it = 0; ; it++) {
    const close = it > 0 && (it >= o.maxIterations || rng() < o.closeProbability);
    if (close) {
      text += `</${open.pop()}>\n`;
      if (open.length === 0) return text;
    } else {
      const len = randInt(rng, o.minNameLength, o.maxNameLength);
      let name = '';
      for (let i = 0; i < len; i++) name += LETTERS[randInt(rng, 0, 25)];
      open.push(name);
      text += `<${name}>\n`;
    }
  }
}

/** Token ids of a document and its scored positions (see the header for the rule). */
export function encodeXml(text: string, score: XmlOptions['score']): TokenSequence {
  const tokens = Int32Array.from(text, (c) => {
    const id = ID.get(c);
    if (id === undefined) throw new Error(`character ${JSON.stringify(c)} is not in the XML vocabulary`);
    return id;
  });
  const scored = new Uint8Array(tokens.length);
  if (score === 'all') scored.fill(1, 1);
  else {
    for (const m of text.matchAll(/<\/[a-z]+>/g)) scored.fill(1, m.index + 2, m.index + m[0].length);
  }
  return { tokens, scored };
}

export function xmlTask(o: XmlOptions): Task {
  // The batching does not change what is drawn, so it is not part of the generators' key.
  const { batching, ...drawn } = o;
  const key = JSON.stringify(drawn);
  const count = (split: Split) => (split === 'train' ? null : split === 'valid' ? o.validSize : o.testSize);
  const get = (seed: number, split: Split, j: number) =>
    encodeXml(generateXml(rngFor('xml', key, seed, split, j), o), o.score);
  // At most maxIterations tags are opened; each costs `<name>\n` and `</name>\n`.
  const maxSteps = o.maxIterations * (2 * o.maxNameLength + 5) - 1;
  return {
    name: 'xml',
    description: `synthetic XML, next character (Jozefowicz et al. 2015); scored on ${o.score === 'all' ? 'every character' : 'the names and > of closing tags'}`,
    vocab: XML_VOCAB,
    output: 'softmax',
    metric: o.score === 'all' ? 'perplexity' : 'accuracy',
    maxSteps,
    sizes: () => ({ unit: 'sequences', train: null, valid: o.validSize, test: o.testSize }),
    ...sequenceBatching({ count, get }, TOKEN_PACKING, batching),
    sample: (n, seed) => Array.from({ length: n }, (_, j) => tokenExample(get(seed, 'train', j), XML_VOCAB, '')),
  };
}
