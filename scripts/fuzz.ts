// `npm run fuzz [-- --seed S --n N --cli K]`: property-based fuzzing of what users give cellsearch
// (issue 18), seeded so that a failure reproduces with the seed it prints. Classes of input:
// - notation: random valid cells printed and parsed back (the same hash, the same text again),
//   and printed cells under random edits (brackets, operators, names, control characters, deep
//   nesting): each parses to a cell that prints and parses back, or is refused with a UserError;
// - json: random cells as JSON, and JSON cells with fields replaced by random values (wrong
//   types, control characters, nesting thousands deep, huge numbers): the same two outcomes;
// - flags: random values (numbers, NaN, infinities, fractions, strings, lists) for every flag
//   that the flag parsers of runs/flags.ts and `--time` take: a value or a UserError;
// - cli: the real `cellsearch` with random commands and flag values (at least one of them bad for
//   the commands that run a study): exit 0 or 2, never 1, within a time limit, and a refusal
//   writes nothing in its folder.
// Any other outcome (a RangeError, a TypeError, exit 1, a file left by a refusal) is a failure,
// listed with the seed and the input. test/fuzz.test.ts runs a small share in `npm test`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import seedrandom from 'seedrandom';
import { isUserError } from '../errors.ts';
import { cellHash } from '../cells/canonical.ts';
import type { CellJson } from '../cells/graph.ts';
import { parseJsonText } from '../cells/load.ts';
import { printNotation, readNotation } from '../cells/notation.ts';
import { randomCell } from '../cells/random.ts';
import { parseCell } from '../cells/validate.ts';
import { ZOO, ZOO_KEYS } from '../cells/zoo/index.ts';
import { parseNameFlag, parseRunFlags, parseSettingFlags, SETTING_FLAGS } from '../runs/flags.ts';
import { parseDuration } from '../runs/search.ts';

type Rng = () => number;

export interface ClassCount {
  tried: number;
  accepted: number;
  refused: number;
}

export interface FuzzReport {
  seed: string;
  counts: Record<string, ClassCount>;
  failures: string[];
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));

/** A random value of any JSON-ish kind, with the awkward ones over-represented. */
function randomValue(rng: Rng): unknown {
  switch (int(rng, 0, 11)) {
    case 0: return NaN;
    case 1: return pick(rng, [Infinity, -Infinity, 1e308, -0, Number.MAX_SAFE_INTEGER + 2]);
    case 2: return int(rng, -5, 5);
    case 3: return rng() * 10 - 5;
    case 4: return 10 ** int(rng, 3, 12);
    case 5: return pick(rng, ['', ' ', 'abc', '1e3', '0x10', '-1', 'NaN', '2h', '0', '1.5']);
    case 6: return `n${String.fromCharCode(int(rng, 0, 31))}x`;
    case 7: return [int(rng, 0, 3), int(rng, 0, 3)];
    case 8: return null;
    case 9: return pick(rng, [true, false]);
    case 10: return { a: 1 };
    default: return 'x'.repeat(int(rng, 1, 5000));
  }
}

const EDIT_CHARS = ['(', ')', '*', '+', '-', ',', ';', "'", '=', '\n', '\t', '\x1b', '\0', '"', '#', 'h', 'x', 'c', '1', '0.5', 'tanh(', 'linear(', ' ', '\u2028', '\ufffd'];

/** `text` with a few random edits: deletions, insertions, replacements, and now and then deep nesting. */
function mutateText(rng: Rng, text: string): string {
  let t = text;
  for (let k = int(rng, 1, 4); k > 0; k--) {
    const at = int(rng, 0, t.length);
    switch (int(rng, 0, 4)) {
      case 0: t = t.slice(0, at) + t.slice(at + int(rng, 1, 8)); break;
      case 1: t = t.slice(0, at) + pick(rng, EDIT_CHARS) + t.slice(at); break;
      case 2: t = t.slice(0, at) + pick(rng, EDIT_CHARS) + t.slice(at + 1); break;
      case 3: { const d = int(rng, 1, 3000); t = t.slice(0, at) + '('.repeat(d) + 'h' + ')'.repeat(d) + t.slice(at); break; }
      default: t = t.slice(0, at) + ' + h'.repeat(int(rng, 1, 400)) + t.slice(at);
    }
  }
  return t;
}

/** A JSON cell with one field replaced, removed or added, as text (nesting thousands deep is spliced into the text: JSON.stringify would recurse). */
function mutateJson(rng: Rng, cell: CellJson): string {
  const j = JSON.parse(JSON.stringify(cell)) as Record<string, unknown>;
  const paths: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((x, i) => (paths.push([v, i]), walk(x)));
    else if (v && typeof v === 'object') for (const k of Object.keys(v)) (paths.push([v as Record<string, unknown>, k]), walk((v as Record<string, unknown>)[k]));
  };
  walk(j);
  const [holder, key] = pick(rng, paths);
  const r = int(rng, 0, 3);
  if (r === 0) delete (holder as Record<string | number, unknown>)[key];
  else if (r === 1) (holder as Record<string | number, unknown>)[key] = DEEP;
  else (holder as Record<string | number, unknown>)[key] = randomValue(rng);
  if (rng() < 0.2) j[pick(rng, ['name', 'description', 'extra'])] = randomValue(rng);
  const d = int(rng, 1, 5000);
  return JSON.stringify(j).replace(JSON.stringify(DEEP), '['.repeat(d) + ']'.repeat(d));
}

const DEEP = '<deep>';

/** Runs `f`: a value counts as accepted, a UserError as refused, anything else as a failure. */
function attempt(counts: ClassCount, failures: string[], what: string, f: () => void): void {
  counts.tried++;
  try {
    f();
    counts.accepted++;
  } catch (err) {
    if (isUserError(err)) counts.refused++;
    else failures.push(`${what}: ${err instanceof Error ? `${err.name}: ${err.message.slice(0, 300)}` : String(err)}`);
  }
}

/** A parsed cell must print as text that parses back to the same cell, and prints the same again. */
function roundTrip(cell: ReturnType<typeof parseCell>): void {
  const text = printNotation(cell);
  const back = readNotation(text);
  if (cellHash(back) !== cellHash(cell)) throw new Error(`print -> parse changed the hash:\n${text.slice(0, 400)}`);
  if (printNotation(back) !== text) throw new Error(`print -> parse -> print changed the text:\n${text.slice(0, 400)}`);
}

const show = (s: string) => JSON.stringify(s.length > 300 ? `${s.slice(0, 300)}...(${s.length} chars)` : s);

/** The in-process classes: `n` inputs each. */
export function fuzzInProcess(seed: string, n: number): FuzzReport {
  const rng = seedrandom(seed);
  const counts: Record<string, ClassCount> = {};
  const failures: string[] = [];
  const count = (c: string) => (counts[c] ??= { tried: 0, accepted: 0, refused: 0 });
  const cellOf = (): unknown => (rng() < 0.3 ? ZOO[pick(rng, ZOO_KEYS)] : randomCell(rng, { nodes: [2, int(rng, 4, 60)] }));

  for (let i = 0; i < n; i++) {
    const cell = parseCell(cellOf());
    attempt(count('notation random'), failures, `notation random #${i}`, () => roundTrip(cell));
    const text = mutateText(rng, printNotation(cell));
    attempt(count('notation mutated'), failures, `notation mutated #${i} ${show(text)}`, () => roundTrip(readNotation(text, 'fuzz.cell')));
    const json = JSON.stringify(cell);
    attempt(count('json random'), failures, `json random #${i}`, () => {
      const back = parseCell(parseJsonText(json, 'fuzz.json'));
      if (cellHash(back) !== cellHash(cell)) throw new Error('JSON round trip changed the hash');
    });
    const mutated = mutateJson(rng, cell);
    attempt(count('json mutated'), failures, `json mutated #${i} ${show(mutated)}`, () => roundTrip(parseCell(parseJsonText(mutated, 'fuzz.json'))));
    const field = pick(rng, Object.keys(SETTING_FLAGS) as (keyof typeof SETTING_FLAGS)[]);
    const value = randomValue(rng);
    attempt(count('flags'), failures, `--${SETTING_FLAGS[field]} ${show(String(value))}`, () => parseSettingFlags({ [field]: value } as Parameters<typeof parseSettingFlags>[0]));
    attempt(count('flags'), failures, `--max-attempts/--max-heap-mb ${show(String(value))}`, () => parseRunFlags({ maxAttempts: value, maxHeapMb: randomValue(rng) }));
    attempt(count('flags'), failures, `--name ${show(String(value))}`, () => parseNameFlag(value));
    const duration = typeof value === 'string' ? value : `${String(value)}${pick(rng, ['', 'h', 'm', 's', 'min'])}`;
    attempt(count('flags'), failures, `--time ${show(duration)}`, () => parseDuration(duration));
  }
  return { seed, counts, failures };
}

const STUDY_COMMANDS: Record<string, { base: string[]; flags: string[] }> = {
  train: { base: ['--cell', 'gru', '--task', 'memorize'], flags: ['--hidden', '--layers', '--lr', '--momentum', '--clip', '--batch', '--unroll', '--steps', '--eval-every', '--repeats', '--seed', '--workers', '--max-attempts', '--max-heap-mb', '--name', '--scale', '--optimizer'] },
  search: { base: ['--tasks', 'arithmetic'], flags: ['--budget', '--time', '--generation-size', '--k', '--list-size', '--q', '--steps', '--eta', '--min-steps', '--confirm', '--seed', '--workers', '--max-attempts', '--name', '--fidelity', '--strategy'] },
  ablate: { base: ['--cells', 'gru,lstm', '--tasks', 'memorize', '--trials', '1'], flags: ['--trials', '--seed', '--workers', '--max-attempts', '--max-heap-mb', '--name', '--metric', '--space', '--steps'] },
};
const OTHER_COMMANDS: Record<string, { base: string[]; flags: string[] }> = {
  cells: { base: [], flags: ['--hidden'] },
  show: { base: ['gru'], flags: ['--hidden', '--format'] },
  sample: { base: ['arithmetic'], flags: ['--n', '--seed', '--set', '--mark'] },
  export: { base: ['gru'], flags: ['--format'] },
  runs: { base: [], flags: ['--name'] },
  report: { base: [], flags: ['--top', '--rows', '--name'] },
};
/** Bad for every flag: not a number, not a choice, not a duration, not a name (a control character). */
const BAD_VALUES = ['\x1b]0;x\x07', 'a\nb', '\x07'];
const ANY_VALUES = [...BAD_VALUES, '0', '-1', '1.5', 'NaN', 'abc', '', '1e400', '1', '2', '3', 'text', 'json', 'dot', 'pytorch', 'tiny', 'sgd', 'maxDigits=3', 'x=1', '=', '2h'];

/** `k` runs of the real CLI with random flags, each in a fresh folder. */
export function fuzzCli(seed: string, k: number, timeoutMs = 120_000): FuzzReport {
  const rng = seedrandom(`${seed}:cli`);
  const counts: Record<string, ClassCount> = { cli: { tried: 0, accepted: 0, refused: 0 } };
  const failures: string[] = [];
  const cli = resolve(new URL('..', import.meta.url).pathname, 'bin', 'cellsearch.js');
  for (let i = 0; i < k; i++) {
    const study = rng() < 0.6;
    const name = pick(rng, Object.keys(study ? STUDY_COMMANDS : OTHER_COMMANDS));
    const spec = (study ? STUDY_COMMANDS : OTHER_COMMANDS)[name];
    const args = [name, ...spec.base];
    const flags = [...spec.flags].sort(() => rng() - 0.5).slice(0, int(rng, 1, 3));
    flags.forEach((f, j) => args.push(f, study && j === 0 ? pick(rng, BAD_VALUES) : pick(rng, ANY_VALUES)));
    const dir = mkdtempSync(join(tmpdir(), 'cellsearch-fuzz-'));
    if (name !== 'cells' && name !== 'show' && name !== 'sample' && name !== 'export') args.push('--db', join(dir, 'x.sqlite'));
    const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, CELLSEARCH_TEST_CLOCK: '1000' } });
    counts.cli.tried++;
    const what = `cli #${i}: cellsearch ${args.map((a) => JSON.stringify(a)).join(' ')}`;
    const left = readdirSync(dir);
    if (r.error || r.status === null) failures.push(`${what}: did not end within ${timeoutMs} ms`);
    else if (r.status === 2) {
      counts.cli.refused++;
      if (/internal error/.test(r.stderr)) failures.push(`${what}: exit 2 with an internal error`);
      if (left.length) failures.push(`${what}: refused but left ${left.join(', ')}`);
    } else if (r.status === 0) {
      counts.cli.accepted++;
      if (study) failures.push(`${what}: exit 0 with a bad flag value`);
    } else failures.push(`${what}: exit ${r.status}: ${r.stderr.slice(0, 500)}`);
    rmSync(dir, { recursive: true, force: true });
  }
  return { seed, counts, failures };
}

function main(): void {
  const { values } = parseArgs({ options: { seed: { type: 'string', default: String(Date.now()) }, n: { type: 'string', default: '5000' }, cli: { type: 'string', default: '60' } } });
  const a = fuzzInProcess(values.seed, Number(values.n));
  const b = fuzzCli(values.seed, Number(values.cli));
  console.log(`seed ${values.seed}`);
  for (const [c, x] of Object.entries({ ...a.counts, ...b.counts })) console.log(`${c.padEnd(18)} ${String(x.tried).padStart(6)} tried, ${String(x.accepted).padStart(6)} accepted, ${String(x.refused).padStart(6)} refused`);
  const failures = [...a.failures, ...b.failures];
  console.log(`${failures.length} failures`);
  for (const f of failures) console.log(`- ${f}`);
  process.exitCode = failures.length ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === new URL(import.meta.url).pathname) main();
