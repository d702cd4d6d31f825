// A JSB Chorales file checked in place against JsbFileSchema (tasks/jsb-file.ts), without zod: a
// worker thread reads the file when it builds the music task. music.test.ts holds that this
// accepts and refuses exactly what the schema does, and names the schema's first bad entry.
import type { JsbFile } from './jsb-file.ts';
import { KEYS, LOWEST_KEY } from './music-keys.ts';

const SPLIT_KEYS = ['train', 'valid', 'test'] as const;

/** The first problem of `json` as a JSB file (its path, as `[0]` and `.key` parts, and what is wrong), or undefined when it is one. */
export function jsbFileProblem(json: unknown): { path: (string | number)[]; message: string } | undefined {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return { path: [], message: 'expected an object' };
  for (const split of SPLIT_KEYS) {
    const pieces = (json as Record<string, unknown>)[split];
    if (!Array.isArray(pieces)) return { path: [split], message: 'expected a list of pieces' };
    for (let p = 0; p < pieces.length; p++) {
      const piece: unknown = pieces[p];
      if (!Array.isArray(piece)) return { path: [split, p], message: 'expected a list of time steps' };
      for (let t = 0; t < piece.length; t++) {
        const notes: unknown = piece[t];
        if (!Array.isArray(notes)) return { path: [split, p, t], message: 'expected a list of MIDI note numbers' };
        for (let n = 0; n < notes.length; n++) {
          const m: unknown = notes[n];
          if (typeof m !== 'number' || !Number.isInteger(m) || m < LOWEST_KEY || m > LOWEST_KEY + KEYS - 1) {
            return { path: [split, p, t, n], message: `expected a whole number ${LOWEST_KEY}..${LOWEST_KEY + KEYS - 1}` };
          }
        }
      }
      if (piece.length < 2) return { path: [split, p], message: 'a piece needs at least 2 time steps' };
    }
    if (pieces.length < 1) return { path: [split], message: 'expected at least one piece' };
  }
  return undefined;
}

/** `json` as a JsbFile when it is one (the schema's parse keeps only the three splits). */
export function asJsbFile(json: object): JsbFile {
  const j = json as JsbFile;
  return { train: j.train, valid: j.valid, test: j.test };
}
