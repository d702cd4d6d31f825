// Values that come from command-line flags, parsed with their schemas, and the words of a refusal:
// the flag's name, the rule it broke and the value given (`--hidden must be at most 4096, got
// 5000`). The commands parse their flags with these before anything is written; the study
// builders (train.ts, ablate.ts, search.ts) parse the same values with the same schemas, so a
// refusal reads alike whoever makes it.
//
// Light on purpose (zod, errors.ts, the engine's settings.ts and storage.ts' schemas only):
// commands import it at startup.
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { SettingSchema, type Setting } from '../cells/engine/settings.ts';
import { ExperimentNameSchema } from './storage.ts';

/** The flag of each field of a training setting. */
export const SETTING_FLAGS = Object.freeze({
  hidden: 'hidden',
  layers: 'layers',
  initScale: 'init-scale',
  optimizer: 'optimizer',
  learningRate: 'lr',
  momentum: 'momentum',
  clip: 'clip',
  inputNoise: 'input-noise',
  batch: 'batch',
  unroll: 'unroll',
  maxSteps: 'steps',
  evalEvery: 'eval-every',
  validBatches: 'valid-batches',
  patience: 'patience',
  maxHalvings: 'max-halvings',
} as const satisfies Record<keyof Setting, string>);
export type SettingFlag = (typeof SETTING_FLAGS)[keyof Setting];

/** A setting's fields as the command line may change them; the rest come from a preset. */
export const SettingOverridesSchema = SettingSchema.partial();
export type SettingOverrides = z.infer<typeof SettingOverridesSchema>;

/** The flags of running a study (not part of its configuration). */
export const RunFlagsSchema = z.strictObject({
  /** Attempts per evaluation before it is recorded as failed. */
  maxAttempts: z.number().int().min(1),
  /** JS heap limit of each worker thread, MB. */
  maxHeapMb: z.number().int().min(64),
});
export type RunFlags = z.infer<typeof RunFlagsSchema>;
export const RUN_FLAG_DEFAULTS: Readonly<RunFlags> = Object.freeze({ maxAttempts: 2, maxHeapMb: 2048 });
const RUN_FLAGS: Readonly<Record<keyof RunFlags, string>> = { maxAttempts: 'max-attempts', maxHeapMb: 'max-heap-mb' };

/** The rule a value broke, in words that follow a flag's name. */
export function issueText(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big':
      return issue.inclusive ? `must be at most ${issue.maximum}` : `must be less than ${issue.maximum}`;
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) === 1 ? 'must not be empty' : `must have at least ${issue.minimum} characters`;
      return issue.inclusive ? `must be at least ${issue.minimum}` : `must be greater than ${issue.minimum}`;
    case 'invalid_type':
      return issue.expected === 'int' ? 'must be a whole number' : `must be a ${issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    default:
      return issue.message;
  }
}

const shown = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : Array.isArray(v) ? `${v.length} values (give it once)` : String(v));

/**
 * Parses flag values keyed by field with `schema`; an undefined value is a flag not given, and
 * is left out. A refused value throws a UserError naming its flag (`flags` maps a field to its
 * flag; by default the field's name).
 */
export function parseFlags<S extends z.ZodType>(schema: S, values: Record<string, unknown>, flags: Readonly<Record<string, string>> = {}): z.output<S> {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = issue.path[0];
  if (typeof key !== 'string') throw new Error(`flags ${Object.keys(values).join(', ')}: ${issue.message}`);
  throw new UserError(`--${flags[key] ?? key} ${issueText(issue)}, got ${shown(values[key])}`);
}

/** Setting flags (any subset of a setting's fields; undefined: not given) as overrides. */
export function parseSettingFlags(values: { [k in keyof Setting]?: unknown }): SettingOverrides {
  return parseFlags(SettingOverridesSchema, values, SETTING_FLAGS);
}

/** --max-attempts and --max-heap-mb. */
export function parseRunFlags(values: { maxAttempts: unknown; maxHeapMb: unknown }): RunFlags {
  return parseFlags(RunFlagsSchema, values, RUN_FLAGS);
}

/**
 * --reconnect: the seconds a process keeps retrying a PostgreSQL server that went away (a restart,
 * the network) before it gives up the unit of work in hand (undefined: the backend's default).
 */
export const ReconnectSecondsSchema = z.number().positive().max(86_400);

/** --reconnect as milliseconds (undefined: not given). */
export function parseReconnectFlag(value: unknown): number | undefined {
  const { reconnect } = parseFlags(z.strictObject({ reconnect: ReconnectSecondsSchema.optional() }), { reconnect: value });
  return reconnect === undefined ? undefined : reconnect * 1000;
}

/** --name: an experiment name (undefined: not given). */
export function parseNameFlag(value: unknown): string | undefined {
  return parseFlags(z.strictObject({ name: ExperimentNameSchema.optional() }), { name: value }).name;
}
