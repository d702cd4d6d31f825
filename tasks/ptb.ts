// Word-level language modelling, Penn-Treebank style.
//
// Reading follows the TensorFlow PTB reader (tensorflow/models, ptb/reader.py): newlines become
// `<eos>`, words are split on whitespace, the vocabulary is every training word sorted by count
// (descending) then by the word itself, and batching cuts the token stream into B contiguous
// streams read T steps at a time, the state carried from one batch to the next (`carry`).
//
// Two corpora:
// - the real Mikolov files (ptb.train.txt, ptb.valid.txt, ptb.test.txt) from `dataDir` (or the
//   PTB_DIR environment variable), checked against their token counts 929,589 / 73,760 / 82,430.
//   A byte-order mark, CRLF line ends and a missing final newline are tolerated. These files may
//   not be redistributed: cellsearch never ships or copies them.
// - otherwise, the corpus that ships in tasks/data: PTB-style text built from the US State of
//   the Union addresses of 1900 on (see tasks/data/build-sotu.ts). Its numbers are NOT comparable
//   with published PTB results.
//
// Splits: train is endless, epoch after epoch over the same streams (as the TF reader: no
// shuffling), the state reset at the start of each epoch; its ragged end is dropped as TF does.
// valid and test are read once; their last batch is padded with mask 0 so that every position of
// the B streams is scored.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import type { TokenBatch } from '../cells/engine/batch.ts';
import { rngFor, randInt } from './random.ts';
import { iterateBatches, SPLITS, type BatchOptions, type Split, type Task } from './task.ts';
import type { PtbOptions } from './task-options.ts';

export const PTB_FILES: Readonly<Record<Split, string>> = { train: 'ptb.train.txt', valid: 'ptb.valid.txt', test: 'ptb.test.txt' };
/** Tokens (with `<eos>`) in Mikolov's files, as the TF reader counts them. */
export const PTB_COUNTS: Readonly<Record<Split, number>> = { train: 929_589, valid: 73_760, test: 82_430 };
export const EOS = '<eos>';

export interface Corpus {
  /** Where the text comes from, for reports. */
  source: string;
  /** Word of each id, most frequent first. */
  vocab: string[];
  splits: Record<Split, Int32Array>;
}

/** Whitespace as Python's str.split() sees it (the TF reader splits with it). */
function isSpace(c: number): boolean {
  return (c >= 9 && c <= 13) || (c >= 28 && c <= 32) || c === 0x85 || c === 0xa0 || c === 0x1680
    || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/**
 * The TF reader's tokenisation of one file's text: `read().replace("\n", "<eos>").split()`, with
 * Python's universal newlines (CRLF and CR read as a newline). A leading byte-order mark is
 * dropped, and a missing final newline is supplied, so that the last line also ends in `<eos>`.
 */
export function ptbWords(text: string): string[] {
  const words: string[] = [];
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let wordStart = -1;
  let lastNewline = true;
  for (let i = start; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 10;
    const newline = c === 10 || c === 13;
    if (newline || isSpace(c)) {
      if (wordStart >= 0) { words.push(text.slice(wordStart, i)); wordStart = -1; }
      if (newline) {
        // The end of the text counts as a newline only when the last line is not terminated.
        if (i === text.length && lastNewline) break;
        if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
        words.push(EOS);
      }
      if (newline) lastNewline = true;
    } else {
      if (wordStart < 0) wordStart = i;
      lastNewline = false;
    }
  }
  return words;
}

/** Every word, sorted by count (descending), then by code-unit order (the TF reader's order). */
export function ptbVocab(words: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([w]) => w);
}

/** Builds a corpus from the text of its three files; `where` names each file in errors. */
export function corpusFromTexts(texts: Record<Split, string>, where: Record<Split, string>, source: string): Corpus {
  return corpusFromWords({ train: ptbWords(texts.train), valid: ptbWords(texts.valid), test: ptbWords(texts.test) }, where, source);
}

function corpusFromWords(words: Record<Split, string[]>, where: Record<Split, string>, source: string): Corpus {
  const vocab = ptbVocab(words.train);
  const id = new Map(vocab.map((w, i) => [w, i]));
  const encode = (split: Split) =>
    Int32Array.from(words[split], (w) => {
      const i = id.get(w) ?? id.get('<unk>');
      if (i === undefined) throw new UserError(`${where[split]}: the word ${JSON.stringify(w)} is not in the training vocabulary and there is no <unk> token`);
      return i;
    });
  return { source, vocab, splits: { train: encode('train'), valid: encode('valid'), test: encode('test') } };
}

/** A text file's contents; a UserError naming it when it is missing, binary or not UTF-8. */
export function readTextFile(path: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${path}: cannot read it (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder, not a file' : (code ?? String(err))})`);
  }
  if (buf.includes(0)) throw new UserError(`${path}: not a text file (it holds NUL bytes)`);
  const text = buf.toString('utf8');
  if (text.includes('\ufffd')) throw new UserError(`${path}: not valid UTF-8 text`);
  return text;
}

/** Loads Mikolov's PTB from a folder, checking the token count of every file. */
export function loadPtbDir(dir: string): Corpus {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError(`${dir}: no such folder (the PTB data folder must hold ${Object.values(PTB_FILES).join(', ')})`);
  }
  const where = Object.fromEntries(SPLITS.map((s) => [s, join(dir, PTB_FILES[s])])) as Record<Split, string>;
  const words = Object.fromEntries(SPLITS.map((s) => [s, ptbWords(readTextFile(where[s]))])) as Record<Split, string[]>;
  for (const s of SPLITS) {
    const n = words[s].length;
    if (n !== PTB_COUNTS[s]) {
      throw new UserError(`${where[s]}: ${n.toLocaleString('en-US')} tokens (with ${EOS}), expected ${PTB_COUNTS[s].toLocaleString('en-US')}: not Mikolov's ${PTB_FILES[s]}, or a damaged copy`);
    }
  }
  return corpusFromWords(words, where, `Penn Treebank (Mikolov) from ${dir}`);
}

export const SOTU_SOURCE = 'the shipped PTB-style State of the Union corpus (addresses 1900-2021)';

/** Loads the corpus that ships in tasks/data. */
export function loadSotu(): Corpus {
  const where = Object.fromEntries(SPLITS.map((s) => [s, new URL(`./data/sotu.${s}.txt.gz`, import.meta.url).pathname])) as Record<Split, string>;
  const texts = Object.fromEntries(SPLITS.map((s) => {
    try {
      // node:zlib on first use: a worker thread loads this module before it is ready to train (issue 17).
      return [s, process.getBuiltinModule('node:zlib').gunzipSync(readFileSync(where[s])).toString('utf8')];
    } catch (err) {
      throw new UserError(`${where[s]}: cannot read the shipped corpus (${(err as Error).message}); restore it from git`);
    }
  })) as Record<Split, string>;
  return corpusFromTexts(texts, where, SOTU_SOURCE);
}

/** Number of batches of a split for the TF reader's layout (see the header for the ends). */
export function streamBatches(tokens: number, split: Split, B: number, T: number): number {
  const steps = Math.floor(tokens / B) - 1;
  return split === 'train' ? Math.floor(steps / T) : Math.ceil(steps / T);
}

/** Batch `k` (within one pass) of a token stream cut into B streams of T steps. */
export function streamBatch(data: Int32Array, k: number, B: number, T: number): TokenBatch {
  const batchLen = Math.floor(data.length / B);
  const inputs = new Int32Array(T * B), targets = new Int32Array(T * B), mask = new Float32Array(T * B);
  for (let t = 0; t < T; t++) {
    const pos = k * T + t;
    if (pos + 1 >= batchLen) break;
    for (let b = 0; b < B; b++) {
      inputs[t * B + b] = data[b * batchLen + pos];
      targets[t * B + b] = data[b * batchLen + pos + 1];
      mask[t * B + b] = 1;
    }
  }
  return { kind: 'tokens', T, B, inputs, targets, mask, carry: k > 0 };
}

/** The task over a loaded corpus. */
export function corpusTask(corpus: Corpus): Task {
  const numBatches = (split: Split, opts: BatchOptions) => {
    const perPass = streamBatches(corpus.splits[split].length, split, opts.batchSize, opts.unroll);
    if (perPass < 1) {
      throw new UserError(`ptb: the ${split} split (${corpus.splits[split].length} tokens) is too short for batch size ${opts.batchSize} and unroll ${opts.unroll}`);
    }
    return split === 'train' ? Infinity : perPass;
  };
  const batch = (split: Split, index: number, opts: BatchOptions) => {
    const n = numBatches(split, opts);
    if (!Number.isInteger(index) || index < 0 || index >= n) throw new RangeError(`batch index ${index} is outside the ${split} split (${n} batches)`);
    const perPass = streamBatches(corpus.splits[split].length, split, opts.batchSize, opts.unroll);
    return streamBatch(corpus.splits[split], index % perPass, opts.batchSize, opts.unroll);
  };
  const self = { numBatches, batch };
  const eos = corpus.vocab.indexOf(EOS);
  return {
    name: 'ptb',
    description: `word-level language modelling on ${corpus.source}`,
    vocab: corpus.vocab,
    output: 'softmax',
    metric: 'perplexity',
    ...(corpus.source === SOTU_SOURCE ? { note: 'shipped State of the Union corpus: perplexities are not comparable with published Penn Treebank numbers' } : {}),
    sizes: () => ({ unit: 'tokens', train: corpus.splits.train.length, valid: corpus.splits.valid.length, test: corpus.splits.test.length }),
    ...self,
    batches: (split, opts) => iterateBatches(self, split, opts),
    // n sentences of the training text, from positions drawn with the seed.
    sample: (n, seed) => {
      const data = corpus.splits.train;
      const rng = rngFor('ptb', corpus.source, seed);
      return Array.from({ length: n }, () => {
        let start = randInt(rng, 0, data.length - 1);
        while (start > 0 && data[start - 1] !== eos) start--;
        let end = start;
        while (end < data.length - 1 && data[end] !== eos) end++;
        const ids = Array.from(data.subarray(start, end + 1));
        return { symbols: ids.map((i) => corpus.vocab[i]), scored: ids.map(() => true), separator: ' ' as const };
      });
    },
  };
}

/** The ptb task: Mikolov's files from `dataDir` (or `env.PTB_DIR`), else the shipped corpus. */
export function ptbTask(o: PtbOptions, env: NodeJS.ProcessEnv = process.env): Task {
  const dir = o.dataDir ?? (env.PTB_DIR || undefined);
  return corpusTask(dir === undefined ? loadSotu() : loadPtbDir(dir));
}
