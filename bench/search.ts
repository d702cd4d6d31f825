// `npm run bench:search`: the search benchmark of issue 12. The same jozefowicz search (a fixed
// scale, seed and tasks) runs twice for the same CPU budget, once training every evaluation to the
// full budget (`--fidelity full`) and once with successive halving (`sha`), each into its own
// database; then, from the databases: candidates screened, passed memorization and scored on all
// tasks per CPU hour, the best candidate score against CPU time, and whether the reference cells
// come in the same order. Not a test: nothing here runs in `npm test`.
//
// The budget is this process's CPU time (every worker thread and the coordinator; bench/cpu-clock.ts),
// not the wall: on a shared machine the searches take longer, not less CPU. It stops a search as
// `--time` does: no new evaluation starts, the running ones finish (their CPU is counted too).
//
//   npm run bench:search                          small, arithmetic,xml, 20 CPU-minutes each
//   npm run bench:search -- --cpu-minutes 60 --workers 2 --out /tmp/bench
//   npm run bench:search -- --quick               tiny, 1 CPU-minute each: checks the script end to end
//   npm run bench:search -- --first sha           sha's search first (its figures are printed as it ends)
import { createWriteStream, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { executeStudy } from '../runs/execute.ts';
import { RUN_FLAG_DEFAULTS } from '../runs/flags.ts';
import { openSqliteStorage } from '../runs/sqlite.ts';
import { evaluationLabel } from '../runs/progress.ts';
import { EXIT_INTERRUPTED } from '../runs/signals.ts';
import { readStudy } from '../runs/report/queries.ts';
import { searchStudy, watchBoundaries } from '../runs/search.ts';
import { SCALES } from '../search/space.ts';
import { cpuClock } from './cpu-clock.ts';
import { bestAtMarks, referenceOrder, searchFigures, type CpuMark, type SearchFigures } from './search-figures.ts';

const FIDELITIES = ['full', 'sha'] as const;
type Fidelity = (typeof FIDELITIES)[number];

const OptionsSchema = z.object({
  quick: z.boolean(),
  scale: z.enum(SCALES),
  seed: z.coerce.number().int().nonnegative(),
  tasks: z.string().transform((s) => s.split(',').map((t) => t.trim()).filter((t) => t !== '')),
  cpuMinutes: z.coerce.number().positive(),
  workers: z.coerce.number().int().positive(),
  out: z.string().optional(),
  /** Which search runs first (on a shared machine, the one wanted sooner). */
  first: z.enum(FIDELITIES),
});
type Options = z.infer<typeof OptionsSchema>;

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      scale: { type: 'string' },
      seed: { type: 'string', default: '1' },
      tasks: { type: 'string', default: 'arithmetic,xml' },
      'cpu-minutes': { type: 'string' },
      workers: { type: 'string', default: '2' },
      out: { type: 'string' },
      first: { type: 'string', default: 'full' },
    },
  });
  // --quick: tiny and a tiny budget, to check the script end to end in a minute or two.
  return OptionsSchema.parse({
    ...values,
    scale: values.scale ?? (values.quick ? 'tiny' : 'small'),
    cpuMinutes: values['cpu-minutes'] ?? (values.quick ? '1' : '20'),
  });
}

const minutes = (ms: number) => (ms / 60_000).toFixed(1);
const perHour = (n: number, ms: number) => (ms > 0 ? (n * 3_600_000) / ms : 0).toFixed(1);
const fmtScore = (s: number | null) => (s === null ? '-' : s.toFixed(3));

/** Runs one search for the CPU budget; returns its figures, read back from its database. */
async function runSearch(o: Options, fidelity: Fidelity, dir: string): Promise<{ figures: SearchFigures; wallMs: number }> {
  const db = join(dir, `${fidelity}.sqlite`);
  if (existsSync(db)) throw new Error(`${db} exists: a benchmark starts from an empty database (use another --out)`);
  const budgetMs = o.cpuMinutes * 60_000;
  // Time-limited: no evaluation cap, the budget is the only end.
  const study = searchStudy({ strategy: 'jozefowicz', tasks: o.tasks, scale: o.scale, seed: o.seed, name: `bench-${fidelity}`, timeLimited: true, knobs: { fidelity } });
  const clock = cpuClock();
  const start = clock.now();
  const wallStart = performance.now();
  const marks: CpuMark[] = [];
  let said = -Infinity;
  const strategy = watchBoundaries(study.strategy, (b) => {
    const cpuMs = clock.now() - start;
    marks.push({ cpuMs, generation: b.generation });
    if (cpuMs - said >= budgetMs / 10) {
      said = cpuMs;
      process.stderr.write(`  ${fidelity}: generation ${b.generation}, ${b.finished} evaluations finished, ${minutes(cpuMs)} of ${o.cpuMinutes} CPU-minutes\n`);
    }
  });
  const log = join(dir, `${fidelity}.log`);
  const progressOut = createWriteStream(log);
  process.stderr.write(`${fidelity}: ${o.scale}, seed ${o.seed}, ${o.tasks.join(',')}, ${o.workers} workers, ${o.cpuMinutes} CPU-minutes; progress in ${log}\n`);
  try {
    await executeStudy({
      spec: study.spec,
      strategy,
      db,
      workers: o.workers,
      maxAttempts: RUN_FLAG_DEFAULTS.maxAttempts,
      timeLimit: { ms: budgetMs, flag: `${o.cpuMinutes} CPU-minutes` },
      clock,
      progressOut,
      label: evaluationLabel(new Map(), { task: true, trial: true }),
    });
  } finally {
    await new Promise((resolve) => progressOut.end(resolve));
  }
  const cpuMs = clock.now() - start;
  const wallMs = performance.now() - wallStart;
  const storage = openSqliteStorage(db, { readonly: true });
  try {
    return { figures: searchFigures(await readStudy(storage, study.spec.name), marks, cpuMs), wallMs };
  } finally {
    await storage.close();
  }
}

function funnelTable(runs: readonly SearchFigures[]): string {
  const rows: [string, (f: SearchFigures) => number][] = [
    ['candidates screened (proposed)', (f) => f.proposed],
    ['passed memorization', (f) => f.passedMemorize],
    ['evaluated on all tasks (any rung)', (f) => f.evaluatedOnAll],
    ['scored on all tasks (full budget)', (f) => f.scoredOnAll],
  ];
  const head = `${''.padEnd(36)}${runs.map((f) => `${f.fidelity.padStart(8)} ${'/ CPU h'.padStart(9)}`).join('  ')}`;
  const lines = rows.map(([label, get]) => `${label.padEnd(36)}${runs.map((f) => `${String(get(f)).padStart(8)} ${perHour(get(f), f.cpuMs).padStart(9)}`).join('  ')}`);
  return [head, ...lines].join('\n');
}

function bestTable(runs: readonly SearchFigures[], n = 6): string {
  const cols = runs.map((f) => bestAtMarks(f.best, f.cpuMs, n));
  const head = runs.map((f) => `${`${f.fidelity}: CPU min`.padStart(14)} ${'best'.padStart(6)}`).join('   ');
  const lines = Array.from({ length: n }, (_, i) => cols.map((c) => `${minutes(c[i].cpuMs).padStart(14)} ${fmtScore(c[i].score).padStart(6)}`).join('   '));
  return [head, ...lines].join('\n');
}

function verdicts(full: SearchFigures, sha: SearchFigures): string[] {
  const out: string[] = [];
  for (const f of [full, sha]) {
    if (f.best[f.best.length - 1].score === null) out.push(`${f.fidelity}: no candidate was scored on every task: no best score to compare`);
  }
  const rate = (f: SearchFigures) => (f.scoredOnAll * 3_600_000) / f.cpuMs;
  if (full.scoredOnAll === 0 && sha.scoredOnAll === 0) out.push('neither search scored a candidate on all tasks at full budget: no speed-up to report (a larger --cpu-minutes?)');
  else if (full.scoredOnAll === 0) out.push(`full scored no candidate on all tasks at full budget, sha ${sha.scoredOnAll}: the ratio is unbounded at this budget`);
  else out.push(`candidates scored on all tasks per CPU hour, sha / full: ${(rate(sha) / rate(full)).toFixed(2)}x (issue 12's target: >= 4x)`);
  const order = referenceOrder(full, sha);
  const shown = (keys: readonly string[]) => (keys.length === 0 ? '(none scored)' : keys.join(' > '));
  out.push(`reference order: full ${shown(order.orders[0])}; sha ${shown(order.orders[1])}`);
  if (order.compared.length < 2) out.push('  fewer than two reference cells scored by both searches: no order to compare');
  else out.push(`  ${order.agree ? 'the same' : 'NOT the same'} for ${order.compared.join(', ')}`);
  if (order.onlyOne.length > 0) out.push(`  scored by one search only: ${order.onlyOne.join(', ')}`);
  if (order.absent.length > 0) out.push(`  not trained by either search: ${order.absent.join(', ')} (the jozefowicz strategy seeds the GRU and the LSTM only)`);
  return out;
}

async function main() {
  const o = parseOptions();
  const dir = o.out ?? mkdtempSync(join(tmpdir(), 'cellsearch-bench-search-'));
  mkdirSync(dir, { recursive: true });
  const runs: { figures: SearchFigures; wallMs: number }[] = [];
  for (const fidelity of o.first === 'sha' ? [...FIDELITIES].reverse() : FIDELITIES) {
    runs.push(await runSearch(o, fidelity, dir));
    const f = runs[runs.length - 1].figures;
    console.log(`${fidelity}: ${f.proposed} screened, ${f.passedMemorize} passed memorization, ${f.evaluatedOnAll} evaluated on all tasks, ${f.scoredOnAll} scored on all tasks in ${minutes(f.cpuMs)} CPU-minutes`);
    // Ctrl-C stopped the search short of its budget: the figures would compare unequal budgets.
    if (process.exitCode === EXIT_INTERRUPTED) {
      console.error(`interrupted during the ${fidelity} search: no comparison (databases in ${dir})`);
      return;
    }
  }
  const [full, sha] = FIDELITIES.map((f) => runs.find((r) => r.figures.fidelity === f)!.figures);
  console.log(`\nsearch benchmark: jozefowicz at ${o.scale}, seed ${o.seed}, tasks ${o.tasks.join(',')}, ${o.workers} workers, ${o.cpuMinutes} CPU-minutes each (this process's CPU time; the running evaluations finish past it)`);
  console.log(`databases: ${join(dir, 'full.sqlite')}, ${join(dir, 'sha.sqlite')}\n`);
  for (const r of runs) console.log(`${r.figures.fidelity}: ${r.figures.evaluations} evaluations finished in ${minutes(r.figures.cpuMs)} CPU-minutes (${minutes(r.wallMs)} minutes of wall time)`);
  console.log('');
  console.log(funnelTable([full, sha]));
  // The GRU's best rises as more of its settings are trained, so a candidate's score may fall.
  console.log('\nbest candidate score (min over tasks of its best / the GRU\'s best so far; reference cells excluded;\nas the leaderboard: best over every evaluation, at any rung) against CPU time, after the last generation finished by then:');
  console.log(bestTable([full, sha]));
  console.log('');
  for (const line of verdicts(full, sha)) console.log(line);
}

await main();
