// `npm run bench:padding`: how much of what the engine computes is padding. For each task of
// independent sequences at each preset (its task options, batch and unroll), the positions the
// engine computes (T * B summed over batches) and the fraction of them that are real tokens and
// that are scored, per split and for one whole evaluation (its training batches, its validation
// prefixes, its test pass). ptb is a stream and has no padding. Counts, not time: the figures are
// exact and the same on every machine.
//
//   npm run bench:padding
//   npm run bench:padding -- --scales small --tasks xml,memorize --batching plain
//   JSB_DIR=/path/to/jsb npm run bench:padding     music too (default: ../shared/data/jsb if present)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FIDELITY, type Scale } from '../search/space.ts';
import type { Batch } from '../cells/engine/batch.ts';
import { getTask } from '../tasks/registry.ts';
import type { BatchOptions, Split, Task } from '../tasks/task.ts';

export interface Positions {
  computed: number;
  real: number;
  scored: number;
}

/**
 * Positions of one batch. Padding is all zeros (input, target and mask), so a stream's real steps
 * run to its last position that is not; a piano roll's real steps are all scored.
 */
export function positions(b: Batch): Positions {
  let real = 0, scored = 0;
  for (let s = 0; s < b.B; s++) {
    let last = -1;
    for (let t = 0; t < b.T; t++) {
      const p = t * b.B + s;
      scored += b.mask[p];
      if (b.mask[p] || (b.kind === 'tokens' && (b.inputs[p] || b.targets[p]))) last = t;
    }
    real += last + 1;
  }
  return { computed: b.T * b.B, real, scored };
}

function add(a: Positions, b: Positions, times = 1): Positions {
  return { computed: a.computed + times * b.computed, real: a.real + times * b.real, scored: a.scored + times * b.scored };
}

const ZERO: Positions = { computed: 0, real: 0, scored: 0 };

function count(task: Task, split: Split, opts: BatchOptions, batches: number): Positions {
  let sum = ZERO;
  const n = Math.min(batches, task.numBatches(split, opts));
  for (let i = 0; i < n; i++) sum = add(sum, positions(task.batch(split, i, opts)));
  return sum;
}

/** The splits of one training run at a preset, and the positions the whole run computes. */
export function measure(task: Task, scale: Scale, seed = 1): Record<Split | 'evaluation', Positions> {
  const { batch, unroll, maxSteps, evalEvery, validBatches } = FIDELITY[scale].train;
  const opts: BatchOptions = { seed, batchSize: batch, unroll };
  const train = count(task, 'train', opts, maxSteps);
  const valid = count(task, 'valid', opts, Infinity);
  const test = count(task, 'test', opts, Infinity);
  const prefix = count(task, 'valid', opts, validBatches);
  // A full run: maxSteps training batches, a validation prefix every evalEvery steps, one test pass.
  const evaluation = add(add(train, test), prefix, Math.floor(maxSteps / evalEvery));
  return { train, valid, test, evaluation };
}

const pct = (p: Positions, k: 'real' | 'scored') => `${((100 * p[k]) / p.computed).toFixed(1)}%`.padStart(7);

function main(): void {
  const { values } = parseArgs({
    options: {
      scales: { type: 'string', default: 'tiny,small' },
      tasks: { type: 'string', default: 'arithmetic,xml,memorize,music' },
      batching: { type: 'string' },
      seed: { type: 'string', default: '1' },
    },
  });
  const root = fileURLToPath(new URL('..', import.meta.url));
  const jsb = process.env.JSB_DIR || join(root, '..', 'shared', 'data', 'jsb');
  console.log('computed = T*B summed over batches; real / scored = share of computed positions that are real tokens / scored');
  console.log('train: the first maxSteps batches; valid, test: whole splits; evaluation: one training run (train + validation prefixes + test)\n');
  console.log(`${'scale'.padEnd(6)} ${'task'.padEnd(11)} ${'split'.padEnd(11)} ${'computed'.padStart(11)} ${'real'.padStart(7)} ${'scored'.padStart(7)}`);
  for (const scale of values.scales.split(',') as Scale[]) {
    if (!(scale in FIDELITY)) throw new Error(`unknown scale ${scale}`);
    for (const name of values.tasks.split(',')) {
      if (name === 'music' && !existsSync(jsb)) {
        console.log(`${scale.padEnd(6)} ${'music'.padEnd(11)} skipped: no JSB data (set JSB_DIR)`);
        continue;
      }
      const preset = (FIDELITY[scale].tasks as Record<string, object>)[name] ?? {};
      const options = { ...preset, ...(name === 'music' ? { dataDir: jsb } : {}), ...(values.batching ? { batching: values.batching } : {}) };
      const rows = measure(getTask(name, options), scale, Number(values.seed));
      for (const [split, p] of Object.entries(rows)) {
        console.log(`${scale.padEnd(6)} ${name.padEnd(11)} ${split.padEnd(11)} ${String(p.computed).padStart(11)} ${pct(p, 'real')} ${pct(p, 'scored')}`);
      }
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
