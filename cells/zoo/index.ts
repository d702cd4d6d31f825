// The zoo: every cell of Jozefowicz et al. (2015) and Greff et al. (2016), by short key.
// Each cell is built and checked (checkCell) once, when it is first read: `show gru` builds one
// cell, not twenty (issue 17's start-up); cells/zoo/zoo.test.ts reads them all.
import { UserError } from '../../errors.ts';
import type { Cell } from '../graph.ts';
import { GREFF_KEYS, greffBuilders } from './greff.ts';
import { JOZEFOWICZ_KEYS, jozefowiczBuilders } from './jozefowicz.ts';

export { greffLstm, GREFF_VARIANTS, type GreffOptions } from './greff.ts';
export { jozefowiczLstm, type JozefowiczLstmOptions } from './jozefowicz.ts';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Key -> cell. Jozefowicz's cells first (plus `lstm-tanh-o`, his LSTM as printed), then Greff's.
 * Deeply frozen: the zoo is shared, so editing a zoo cell in place throws; copy it first
 * (`structuredClone`, or `parseCell` of its JSON).
 */
export const ZOO: Readonly<Record<string, Cell>> = lazyRecord({ ...jozefowiczBuilders(), ...greffBuilders() });

/** A frozen record whose values are built on first read (each once, deeply frozen). */
function lazyRecord(builders: Record<string, () => Cell>): Readonly<Record<string, Cell>> {
  const record = {};
  for (const [key, build] of Object.entries(builders)) {
    let cell: Cell | undefined;
    Object.defineProperty(record, key, { enumerable: true, get: () => (cell ??= deepFreeze(build())) });
  }
  return Object.freeze(record);
}

/** The cells of Jozefowicz et al.: tanh-rnn, lstm, lstm-f, lstm-i, lstm-o, lstm-b, gru, mut1-3. */
export const JOZEFOWICZ_CELLS: readonly string[] = JOZEFOWICZ_KEYS;

/** Greff et al.'s vanilla LSTM and its eight variants: greff-vanilla, greff-nig, ... greff-fgr. */
export const GREFF_CELLS: readonly string[] = GREFF_KEYS;

export const ZOO_KEYS: readonly string[] = Object.keys(ZOO);

export function isZooKey(key: string): boolean {
  return Object.hasOwn(ZOO, key);
}

/** The zoo cell of that key; a UserError listing the valid keys otherwise. */
export function zooCell(key: string): Cell {
  if (!isZooKey(key)) throw new UserError(`unknown zoo cell '${key}'; the zoo has: ${ZOO_KEYS.join(', ')}`);
  return ZOO[key];
}
