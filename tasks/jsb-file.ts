// The JSB Chorales JSON file (tasks/music.ts): {"train", "valid", "test"}, each a list of pieces,
// each piece a list of time steps, each step a list of MIDI note numbers of the 88 piano keys.
// `JsbFileSchema` states the format; `jsbFileProblem` checks a file against it in place, without
// zod, because a worker thread reads the file when it builds the task (music.test.ts holds that
// the two accept and refuse the same files, and name the same first bad entry).
import { z } from 'zod';
import { KEYS, LOWEST_KEY } from './music-keys.ts';

const PieceSchema = z.array(z.array(z.number().int().min(LOWEST_KEY).max(LOWEST_KEY + KEYS - 1))).min(2, 'a piece needs at least 2 time steps');
export const JsbFileSchema = z.object({ train: z.array(PieceSchema).min(1), valid: z.array(PieceSchema).min(1), test: z.array(PieceSchema).min(1) });
export type JsbFile = z.infer<typeof JsbFileSchema>;
