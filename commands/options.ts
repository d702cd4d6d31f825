// The options every command that runs a study shares (train, search, ablate), declared once as
// yargs option groups, and their parsing: where the study lives and how the session runs
// (--db, --name, --workers, --max-attempts, --max-heap-mb), its seed and preset (--seed,
// --scale), the data folder, and the training budget. A command spreads the groups it takes
// into `.options()` and builds its study; runs/execute.ts runs it.
//
// Light on purpose (yargs types, the presets' names and runs/flags.ts): commands import it at startup.
import type { Options } from 'yargs';
import { SCALES, type Scale } from '../search/space.ts';
import { parseNameFlag, parseReconnectFlag, parseRunFlags, RUN_FLAG_DEFAULTS, SETTING_FLAGS, type RunFlags, type SettingFlag } from '../runs/flags.ts';
import type { Setting } from '../cells/engine/settings.ts';

/** The parsed values of `studyOptions`. */
export interface StudyArgs {
  scale: Scale;
  seed: number;
  name?: string;
  db?: string;
  workers?: number;
  'max-attempts': number;
  'max-heap-mb': number;
  reconnect?: number;
}

/** What differs between the commands in the help of `studyOptions`. */
export interface StudyHelp {
  /** What the preset sets, after 'fidelity preset: '. */
  scale: string;
  /** What derives from the seed, before ' derive from it'. */
  seed: string;
  /** The default experiment name. */
  name: string;
}

/** --scale, --seed, --name, --db, --workers, --max-attempts, --max-heap-mb, --reconnect. */
export function studyOptions(help: StudyHelp) {
  return {
    scale: { choices: SCALES, default: 'tiny' as Scale, describe: `fidelity preset: ${help.scale}` },
    seed: { type: 'number', default: 1, describe: `experiment seed: ${help.seed} derive from it` },
    name: { type: 'string', describe: `experiment name (default: ${help.name})` },
    db: { type: 'string', describe: 'database: a file or postgres://user@host[:port]/database (default: $CELLSEARCH_DB, else runs/<name>.sqlite)' },
    workers: { type: 'number', describe: 'worker threads (default and maximum: the number of cores; 0 on a postgres:// --db: coordinate only, cellsearch worker trains); results do not depend on it' },
    'max-attempts': { type: 'number', default: RUN_FLAG_DEFAULTS.maxAttempts, describe: 'attempts per evaluation before it is recorded as failed' },
    'max-heap-mb': { type: 'number', default: RUN_FLAG_DEFAULTS.maxHeapMb, describe: 'memory limit of each worker thread, MB: its JS heap, and the model buffers a training run needs (estimated before it starts)' },
    reconnect: { type: 'number', describe: 'on a postgres:// --db: seconds to keep retrying a server that went away before the session stops (default 300; run the same command again to resume)' },
  } as const satisfies Record<string, Options>;
}

/** --data-dir (the tasks that read files) and --set (task options). */
export const DATA_DIR_OPTIONS = {
  'data-dir': { type: 'string', describe: 'ptb / music data folder (default: PTB_DIR / JSB_DIR; ptb: the shipped corpus); text: a folder with train.txt, valid.txt, test.txt or one text file' },
  set: { type: 'string', array: true, describe: 'a task option, key=value (e.g. level=word for text); repeatable' },
} as const satisfies Record<string, Options>;

/** --steps, --eval-every, --valid-batches: a training budget (default: the preset's). */
export function budgetOptions(group?: string) {
  return {
    steps: { type: 'number', group, describe: 'most training steps per evaluation (default: the preset)' },
    'eval-every': { type: 'number', group, describe: 'steps between validations (default: the preset)' },
    'valid-batches': { type: 'number', group, describe: 'validation batches per validation (default: the preset)' },
  } as const satisfies Record<string, Options>;
}

/** How a study's session runs (not part of its config): what runs/execute.ts takes from the flags. */
export interface SessionFlags extends RunFlags {
  db?: string;
  workers?: number;
  /** --reconnect in ms (undefined: runs/postgres.ts' DEFAULT_RECONNECT_MS). */
  reconnectMs?: number;
}

/** Parses the flags of `studyOptions` that the study's config does not check (a refused value names its flag). */
export function parseSessionFlags(args: StudyArgs): SessionFlags {
  parseNameFlag(args.name);
  return {
    db: args.db,
    workers: args.workers,
    reconnectMs: parseReconnectFlag(args.reconnect),
    ...parseRunFlags({ maxAttempts: args['max-attempts'], maxHeapMb: args['max-heap-mb'] }),
  };
}

/** The values of the setting flags a command declares, by field (undefined: not given). */
export function settingFlagValues(args: { readonly [F in SettingFlag]?: unknown }): { [k in keyof Setting]?: unknown } {
  return Object.fromEntries(Object.entries(SETTING_FLAGS).map(([field, flag]) => [field, args[flag]]));
}
