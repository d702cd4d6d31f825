// Language modelling on the user's own text, by character or by word.
//
// `dataDir` is a folder with train.txt, valid.txt and test.txt, or one text file that is split by
// position: the first 90% of its tokens train, the next 5% validate, the last 5% test. Words are
// read as the ptb task reads them (newline -> `<eos>`, whitespace split); characters are Unicode
// code points, with CRLF and CR read as one newline. The vocabulary comes from the training split
// alone: its symbols seen at least `minCount` times, most frequent first (then by code-unit
// order), and `<unk>` last, which also stands for valid/test symbols the training text lacks.
// A vocabulary over `maxVocab` is an error rather than a silent cut (raise the cap, or map rare
// symbols to `<unk>` with `minCount`): the softmax's cost grows with it.
//
// Batching is ptb's (tasks/ptb.ts): B contiguous streams read T steps at a time with the state
// carried, train endless, valid and test one pass with every position scored.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { ptbWords, readTextFile, streamBatch, streamBatches } from './ptb.ts';
import { randInt, rngFor } from './random.ts';
import { iterateBatches, SPLITS, type BatchOptions, type Split, type Task } from './task.ts';
import type { TextOptions } from './task-options.ts';

export const TEXT_LEVELS = ['char', 'word'] as const;

export const TEXT_FILES: Readonly<Record<Split, string>> = { train: 'train.txt', valid: 'valid.txt', test: 'test.txt' };
export const UNK = '<unk>';
/** How one file is split by position. */
export const SINGLE_FILE_SPLIT: Readonly<Record<Split, number>> = { train: 0.9, valid: 0.05, test: 0.05 };

/** The characters of a text, newlines normalised (CRLF, CR -> LF), a byte-order mark dropped. */
export function textChars(text: string): string[] {
  return [...text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n')];
}

function tokens(text: string, level: TextOptions['level']): string[] {
  return level === 'char' ? textChars(text) : ptbWords(text);
}

/** The training symbols kept (count >= minCount), most frequent first, then `<unk>`. */
export function textVocab(train: readonly string[], minCount: number): string[] {
  const counts = new Map<string, number>();
  for (const w of train) counts.set(w, (counts.get(w) ?? 0) + 1);
  counts.delete(UNK);
  const kept = [...counts].filter(([, n]) => n >= minCount).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return [...kept.map(([w]) => w), UNK];
}

interface TextCorpus {
  source: string;
  vocab: string[];
  splits: Record<Split, Int32Array>;
}

/** The three splits' tokens and, for messages, where each comes from. */
function readSplits(path: string, level: TextOptions['level']): { words: Record<Split, string[]>; where: Record<Split, string>; source: string } {
  if (!existsSync(path)) throw new UserError(`${path}: no such file or folder (the text task needs a folder with ${Object.values(TEXT_FILES).join(', ')}, or one text file)`);
  if (statSync(path).isDirectory()) {
    const where = Object.fromEntries(SPLITS.map((s) => [s, join(path, TEXT_FILES[s])])) as Record<Split, string>;
    const words = Object.fromEntries(SPLITS.map((s) => [s, tokens(readTextFile(where[s]), level)])) as Record<Split, string[]>;
    return { words, where, source: path };
  }
  const all = tokens(readTextFile(path), level);
  const cut1 = Math.floor(all.length * SINGLE_FILE_SPLIT.train);
  const cut2 = Math.floor(all.length * (SINGLE_FILE_SPLIT.train + SINGLE_FILE_SPLIT.valid));
  const words = { train: all.slice(0, cut1), valid: all.slice(cut1, cut2), test: all.slice(cut2) };
  const where = { train: `${path} (its first 90%)`, valid: `${path} (its next 5%)`, test: `${path} (its last 5%)` };
  return { words, where, source: path };
}

/** Reads and encodes the text; every bad input is a UserError naming the file. */
export function loadText(o: TextOptions): TextCorpus {
  const { words, where, source } = readSplits(o.dataDir, o.level);
  for (const s of SPLITS) {
    // Two tokens make one (input, target) pair: the least a split can be trained or scored on.
    if (words[s].length < 2) throw new UserError(`${where[s]}: the ${s} split is empty (${words[s].length} ${o.level === 'char' ? 'characters' : 'tokens'})`);
  }
  const vocab = textVocab(words.train, o.minCount);
  if (vocab.length > o.maxVocab) {
    throw new UserError(
      `${where.train}: ${vocab.length.toLocaleString('en-US')} ${o.level === 'char' ? 'characters' : 'words'} in the vocabulary (with ${UNK}), over the cap of ${o.maxVocab.toLocaleString('en-US')}: raise it (--set maxVocab=N) or map rare ones to ${UNK} (--set minCount=N)`,
    );
  }
  const id = new Map(vocab.map((w, i) => [w, i]));
  const unk = vocab.length - 1;
  const encode = (s: Split) => Int32Array.from(words[s], (w) => id.get(w) ?? unk);
  return { source, vocab, splits: { train: encode('train'), valid: encode('valid'), test: encode('test') } };
}

/** The text task over the user's files. */
export function textTask(o: TextOptions): Task {
  const corpus = loadText(o);
  const perPass = (split: Split, opts: BatchOptions) => {
    const n = streamBatches(corpus.splits[split].length, split, opts.batchSize, opts.unroll);
    if (n < 1) {
      throw new UserError(`text: the ${split} split of ${corpus.source} (${corpus.splits[split].length} ${o.level === 'char' ? 'characters' : 'tokens'}) is too short for batch size ${opts.batchSize} and unroll ${opts.unroll}`);
    }
    return n;
  };
  const numBatches = (split: Split, opts: BatchOptions) => (split === 'train' ? (perPass(split, opts), Infinity) : perPass(split, opts));
  const batch = (split: Split, index: number, opts: BatchOptions) => {
    const n = numBatches(split, opts);
    if (!Number.isInteger(index) || index < 0 || index >= n) throw new RangeError(`batch index ${index} is outside the ${split} split (${n} batches)`);
    return streamBatch(corpus.splits[split], index % perPass(split, opts), opts.batchSize, opts.unroll);
  };
  const self = { numBatches, batch };
  const unit = o.level === 'char' ? 'character' : 'word';
  return {
    name: 'text',
    description: `${unit}-level language modelling on ${corpus.source}`,
    vocab: corpus.vocab,
    output: 'softmax',
    metric: 'perplexity',
    sizes: () => ({ unit: 'tokens', train: corpus.splits.train.length, valid: corpus.splits.valid.length, test: corpus.splits.test.length }),
    ...self,
    batches: (split, opts) => iterateBatches(self, split, opts),
    // n stretches of the training text from positions drawn with the seed: a line for characters, a sentence for words.
    sample: (n, seed) => {
      const data = corpus.splits.train;
      const end = corpus.vocab.indexOf(o.level === 'char' ? '\n' : '<eos>');
      const rng = rngFor('text', corpus.source, o.level, seed);
      return Array.from({ length: n }, () => {
        let start = randInt(rng, 0, data.length - 1);
        const floor = Math.max(0, start - 200);
        while (start > floor && data[start - 1] !== end) start--;
        let stop = start;
        while (stop < data.length - 1 && data[stop] !== end && stop - start < 200) stop++;
        const ids = Array.from(data.subarray(start, stop + 1));
        return { symbols: ids.map((i) => corpus.vocab[i]), scored: ids.map(() => true), separator: o.level === 'char' ? ('' as const) : (' ' as const) };
      });
    },
  };
}
