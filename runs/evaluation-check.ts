// The check of an evaluation read from the database against runs/storage.ts' EvaluationSchema,
// field by field in one pass that copies nothing. The schema stays the one declaration of an
// evaluation; this is its fast reading for the rows of the SQL backends (runs/rows.ts): a study
// of 10,000 evaluations spent 235 ms of its 440 ms read in zod's object parsing (issue 14).
// `Checks` names every field of the schema's type, so a field added to the schema does not
// typecheck here until it is checked; runs/rows.test.ts holds that this check accepts and
// refuses exactly what the schema does, over generated rows and each kind of bad value.
import { notJsonObject, type JsonProblem } from '../search/contract.ts';
import { EVALUATION_STATUSES, type Evaluation } from './storage.ts';

type Check = (v: unknown) => JsonProblem | undefined;

const problem = (message: string, path: (string | number)[] = []): JsonProblem => ({ path, message });
/** What a refused value was, without its text (a corrupt row's strings need not reach a terminal). */
const kind = (v: unknown): string => (typeof v === 'number' ? String(v) : v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

const string: Check = (v) => (typeof v === 'string' ? undefined : problem(`expected a string, got ${kind(v)}`));
const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : problem(`expected a boolean, got ${kind(v)}`));
// zod 4's number refuses NaN and the infinities; its int() is a safe integer.
const number: Check = (v) => (typeof v === 'number' && Number.isFinite(v) ? undefined : problem(`expected a number, got ${kind(v)}`));
const int: Check = (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? undefined : problem(`expected an integer, got ${kind(v)}`));
const count: Check = (v) => int(v) ?? ((v as number) >= 0 ? undefined : problem(`expected a non-negative integer, got ${kind(v)}`));
const nullable = (check: Check): Check => (v) => (v === null ? undefined : check(v));
const statuses: ReadonlySet<unknown> = new Set(EVALUATION_STATUSES);
const status: Check = (v) => (statuses.has(v) ? undefined : problem(`expected one of ${EVALUATION_STATUSES.join(', ')}`));

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};
/** A record of metrics: a number or null under each name. */
const metrics: Check = (v) => {
  if (!isPlainObject(v)) return problem(`expected an object of metrics, got ${kind(v)}`);
  for (const k of Object.keys(v)) {
    const x = v[k];
    if (x !== null && (typeof x !== 'number' || !Number.isFinite(x))) return problem(`expected a number or null, got ${kind(x)}`, [k]);
  }
  return undefined;
};

const CHECKS: { readonly [K in keyof Evaluation]-?: Check } = {
  id: int,
  experimentId: int,
  key: string,
  generation: count,
  ordinal: count,
  architecture: string,
  task: string,
  taskOptions: notJsonObject,
  hyperparameters: notJsonObject,
  seed: count,
  status,
  metrics: nullable(metrics),
  steps: nullable(int),
  wallMs: nullable(number),
  error: nullable(string),
  attempts: count,
  continues: nullable(string),
  keepCheckpoint: boolean,
};
const FIELDS = Object.keys(CHECKS) as (keyof Evaluation)[];

/** Where `e` is not an evaluation: the field, the path inside it and why; undefined when it is one. */
export function evaluationProblem(e: Readonly<Record<keyof Evaluation, unknown>>): (JsonProblem & { field: keyof Evaluation }) | undefined {
  for (const field of FIELDS) {
    const bad = CHECKS[field](e[field]);
    if (bad) return { field, ...bad };
  }
  return undefined;
}
