// Polyphonic music: next-step prediction on binary piano rolls (JSB Chorales, as in Greff et al.
// 2016 and Jozefowicz et al. 2015), a sigmoid per key, scored by negative log-likelihood per time
// step. The data is not shipped (its licence is unclear): the user gives the JSON file of the
// JSB-Chorales-dataset repository (`jsb-chorales-quarter.json` etc.): {"train": [...], "valid":
// [...], "test": [...]}, each piece a list of time steps, each step a list of MIDI note numbers
// (21..108, the 88 piano keys). `dataDir` may name the file or a folder holding it (then the
// file for `resolution`, quarter notes by default, as Greff et al. used); default: JSB_DIR.
//
// Each piece is one sequence (inputs: steps 0..L-2, targets: steps 1..L-1, all scored). Valid and
// test keep the file's order; train is endless, one shuffled pass over the pieces per epoch, the
// order drawn from (seed, epoch).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { asJsbFile, jsbFileProblem } from './jsb-check.ts';
import type { JsbFile } from './jsb-file.ts';
import { KEYS, LOWEST_KEY } from './music-keys.ts';
import { permutation, rngFor } from './random.ts';
import { rollPacking, sequenceBatching, type Batching, type RollSequence } from './sequences.ts';
import { SPLITS, type Split, type Task } from './task.ts';
import type { MusicOptions } from './task-options.ts';

export { KEYS, LOWEST_KEY } from './music-keys.ts';

const NOTE_NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];
/** Scientific pitch name of each unit: A0 .. C8. */
export const KEY_NAMES: readonly string[] = Array.from({ length: KEYS }, (_, i) => {
  const midi = LOWEST_KEY + i;
  return `${NOTE_NAMES[midi % 12]}${Math.floor(midi / 12) - 1}`;
});

/** A piece as a piano roll. */
export function pianoRoll(piece: readonly (readonly number[])[]): RollSequence {
  const roll = new Uint8Array(piece.length * KEYS);
  piece.forEach((notes, t) => { for (const m of notes) roll[t * KEYS + m - LOWEST_KEY] = 1; });
  return { steps: piece.length, units: KEYS, roll };
}

/** Resolves `dataDir` to the JSON file to read. */
export function jsbPath(dataDir: string, resolution: MusicOptions['resolution']): string {
  if (!existsSync(dataDir)) throw new UserError(`${dataDir}: no such file or folder (music needs the JSB Chorales JSON, e.g. jsb-chorales-quarter.json)`);
  return statSync(dataDir).isDirectory() ? join(dataDir, `jsb-chorales-${resolution}.json`) : dataDir;
}

/** Reads and checks a JSB Chorales JSON file; errors name the file and the bad entry. */
export function loadJsb(path: string): JsbFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${path}: cannot read it (${code === 'ENOENT' ? 'no such file' : (code ?? String(err))})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new UserError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const problem = jsbFileProblem(json);
  if (problem) {
    const where = problem.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
    throw new UserError(`${path}: not a JSB Chorales file: at ${where || 'the top level'}: ${problem.message} (expected {"train","valid","test"}: lists of pieces, each a list of steps of MIDI notes ${LOWEST_KEY}..${LOWEST_KEY + KEYS - 1})`);
  }
  return asJsbFile(json as object);
}

/** The task over loaded pieces (`source` names the file in descriptions). */
export function jsbTask(data: JsbFile, source: string, batching: Batching = 'bucket'): Task {
  const rolls = Object.fromEntries(SPLITS.map((s) => [s, data[s].map(pianoRoll)])) as Record<Split, RollSequence[]>;
  const count = (split: Split) => (split === 'train' ? null : rolls[split].length);
  const get = (seed: number, split: Split, j: number) => {
    if (split !== 'train') return rolls[split][j];
    const n = rolls.train.length;
    const epoch = Math.floor(j / n);
    return rolls.train[permutation(n, rngFor('music', 'order', seed, epoch))[j % n]];
  };
  const maxSteps = Math.max(...SPLITS.flatMap((s) => rolls[s].map((r) => r.steps))) - 1;
  return {
    name: 'music',
    description: `polyphonic next-step prediction on piano rolls (JSB Chorales, Greff et al. 2016) from ${source}; NLL per time step`,
    vocab: KEY_NAMES,
    output: 'sigmoid',
    metric: 'nll',
    maxSteps,
    sizes: () => ({ unit: 'pieces', train: data.train.length, valid: data.valid.length, test: data.test.length }),
    ...sequenceBatching({ count, get }, rollPacking(KEYS), batching),
    sample: (n, seed) => Array.from({ length: n }, (_, j) => {
      const piece = data.train[permutation(data.train.length, rngFor('music', 'sample', seed))[j % data.train.length]];
      return {
        symbols: piece.map((notes) => (notes.length ? [...notes].sort((a, b) => a - b).map((m) => KEY_NAMES[m - LOWEST_KEY]).join('.') : '-')),
        scored: piece.map((_, t) => t > 0),
        separator: ' ' as const,
      };
    }),
  };
}

/** The music task from `dataDir` (or `env.JSB_DIR`). */
export function musicTask(o: MusicOptions, env: NodeJS.ProcessEnv = process.env): Task {
  const dir = o.dataDir ?? (env.JSB_DIR || undefined);
  if (dir === undefined) {
    throw new UserError('music: the JSB Chorales data is not shipped: pass --data-dir <jsb-chorales-quarter.json or its folder> (or set JSB_DIR)');
  }
  const path = jsbPath(dir, o.resolution);
  return jsbTask(loadJsb(path), path, o.batching);
}
