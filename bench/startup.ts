// `npm run bench:startup`: issue 17's start-up targets, measured on the installed package (what
// `npm install cellsearch` gives: dist/, production dependencies only, no tsx):
//   - CPU time (user + system, the whole process) of `cellsearch --version`, `--help` and
//     `show gru`, against `node -e 0` on the same machine in the same run: target < 150 ms;
//   - a worker thread ready to train: a piscina pool of one thread on dist/runs/worker-entry.mjs
//     with the training worker (dist/runs/worker.js), from `new Piscina` to the answer of its first
//     task (the thread started, the training modules loaded), CPU of the whole process meanwhile
//     (the main thread only waits) and wall time, against the same pool on an empty worker
//     module (the cost of a thread itself): target < 100 ms, judged on wall time: the issue gives
//     the commands a CPU budget and the worker a time to be ready, and a thread on an empty module
//     alone costs about 90 ms of CPU (its CPU above that reference is printed at the end).
//
//   npm run bench:startup                              packs and installs into bench/out/package
//   npm run bench:startup -- --installed DIR/app       reuse an install (scripts/check-package.sh --keep DIR)
//   npm run bench:startup -- --runs 20                 runs per figure (default 15; min and median shown)
//   npm run bench:startup -- --installed NEW/app --compare OLD/app
//                                                      also measures another install (an older build), its
//                                                      runs alternating with this one's, and prints the ratio
//                                                      of the medians' excess over the reference (before/after
//                                                      on a shared machine, whose load changes from minute to minute)
//
// Each run is a fresh process. The machine is shared: the cores other processes used meanwhile are
// printed (bench/sysload.ts); CPU times grow when others are busy, so compare with `node -e 0`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuSnapshot, otherCores } from './sysload.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: flags } = parseArgs({ options: { installed: { type: 'string' }, compare: { type: 'string' }, runs: { type: 'string', default: '15' } } });
const runs = Number(flags.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number >= 1, got ${flags.runs}`);

// check-package.sh --keep DIR installs into DIR/app: the folder that holds node_modules/cellsearch.
const app = resolve(flags.installed ?? join(root, 'bench', 'out', 'package', 'app'));
if (!flags.installed) {
  const keep = join(root, 'bench', 'out', 'package');
  console.log(`packing and installing into ${keep} (scripts/check-package.sh --keep) ...`);
  const r = spawnSync('bash', [join(root, 'scripts', 'check-package.sh'), '--keep', keep], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// Preloaded into every measured process: prints its CPU time at exit, which covers Node's own
// start-up too (getrusage of the process).
const PROBE = `process.on('exit', () => { const u = process.cpuUsage(); require('fs').writeSync(2, '\\nCPU_US ' + (u.user + u.system) + '\\n'); });\n`;

// Run in the install folder, a pool of one thread; prints the CPU and wall ms until its first answer.
const POOL_PROBE = `import { Piscina } from 'piscina';
const [entry, handler] = process.argv.slice(2);
const u0 = process.cpuUsage(), t0 = performance.now();
const pool = new Piscina({ filename: entry, workerData: { handler }, minThreads: 1, maxThreads: 1 });
try { await pool.run({ job: null }); } catch {} // no job: the worker fails on it at once, so it answers as soon as its modules are loaded
const u = process.cpuUsage(u0);
console.log(JSON.stringify({ cpuMs: (u.user + u.system) / 1000, wallMs: performance.now() - t0 }));
await pool.destroy();
`;

interface Sample { cpuMs: number; wallMs: number }

/** The measured commands of the install in `app` (the folder that holds node_modules/cellsearch). */
function install(app: string) {
  const pkg = join(app, 'node_modules', 'cellsearch');
  if (!existsSync(join(pkg, 'dist', 'cli.js'))) throw new Error(`${pkg}/dist/cli.js not found: not an installed cellsearch`);
  const probe = join(app, 'cpu-probe.cjs');
  writeFileSync(probe, PROBE);
  const poolProbe = join(app, 'pool-probe.mjs');
  writeFileSync(poolProbe, POOL_PROBE);
  const emptyWorker = join(app, 'empty-worker.mjs');
  writeFileSync(emptyWorker, 'export default async () => { throw new Error("empty"); };\n');
  const runProcess = (args: string[]): Sample => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--require', probe, ...args], { cwd: app, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
    const wallMs = performance.now() - t0;
    const m = /CPU_US (\d+)/.exec(r.stderr);
    if (r.status !== 0 || !m) throw new Error(`node ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return { cpuMs: Number(m[1]) / 1000, wallMs };
  };
  const runPool = (handler: string): Sample => {
    const r = spawnSync(process.execPath, [poolProbe, join(pkg, 'dist', 'runs', 'worker-entry.mjs'), handler], { cwd: app, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`the pool probe failed (${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as Sample;
  };
  const cli = join(pkg, 'dist', 'cli.js');
  const version = (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    app,
    version,
    figures: [
      { name: 'node -e 0 (reference)', once: () => runProcess(['-e', '0']) },
      { name: 'cellsearch --version', once: () => runProcess([cli, '--version']) },
      { name: 'cellsearch --help', once: () => runProcess([cli, '--help']), target: 150 },
      { name: 'cellsearch show gru', once: () => runProcess([cli, 'show', 'gru']), target: 150 },
      { name: 'worker thread, empty module (reference)', once: () => runPool(emptyWorker) },
      { name: 'worker thread ready to train', once: () => runPool(join(pkg, 'dist', 'runs', 'worker.js')), target: 100, on: 'wall' },
    ] as { name: string; once: () => Sample; target?: number; on?: 'wall' }[],
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface Row { name: string; cpu: number[]; wall: number[]; others: number; target?: number; on?: 'wall' }

const measured = install(app);
const other = flags.compare === undefined ? undefined : install(resolve(flags.compare));

/** Each figure `runs` times, in fresh processes; with --compare, the other install's run after each. */
function measure(i: number): Row[] {
  const installs = other ? [measured, other] : [measured];
  const figures = installs.map((x) => x.figures[i]);
  for (const f of figures) f.once(); // warm the file cache
  const a = cpuSnapshot();
  const samples = figures.map(() => [] as Sample[]);
  for (let r = 0; r < runs; r++) figures.forEach((f, k) => samples[k].push(f.once()));
  const others = otherCores(a, cpuSnapshot());
  return figures.map((f, k) => ({ name: f.name, cpu: samples[k].map((x) => x.cpuMs), wall: samples[k].map((x) => x.wallMs), others, target: f.target, on: f.on }));
}

const results = measured.figures.map((_, i) => measure(i));
const f = (x: number): string => x.toFixed(0).padStart(6);
const table = (title: string, rows: Row[]): void => {
  console.log(`\n${title}; Node ${process.version}; ${runs} runs each`);
  console.log(`${'ms'.padEnd(42)}  cpu min  median  wall min  median  others  target`);
  for (const r of rows) {
    const judged = r.on === 'wall' ? r.wall : r.cpu;
    const verdict = r.target === undefined ? '' : `< ${r.target} ${r.on ?? 'cpu'}: ${median(judged) < r.target ? 'met' : 'NOT met'}`;
    console.log(`${r.name.padEnd(42)} ${f(Math.min(...r.cpu))}  ${f(median(r.cpu))}    ${f(Math.min(...r.wall))}  ${f(median(r.wall))}  ${r.others.toFixed(1).padStart(5)}   ${verdict}`);
  }
};
const rows = results.map((r) => r[0]);
table(`cellsearch ${measured.version} installed in ${app}`, rows);
if (other) {
  const otherRows = results.map((r) => r[1]);
  table(`compared with cellsearch ${other.version} installed in ${other.app} (runs alternating)`, otherRows);
  // The excess over the reference of the same kind (a process: node -e 0; a thread: the empty
  // module). The reference runs the same code for both installs, so its runs of both count
  // together: one median, less noise in the ratio.
  console.log(`\n${'median CPU over the reference, ms'.padEnd(42)}     this  compared  ratio`);
  rows.forEach((r, i) => {
    const ref = i < 4 ? 0 : 4;
    if (i === ref) return;
    const reference = median([...rows[ref].cpu, ...otherRows[ref].cpu]);
    const mine = median(r.cpu) - reference;
    const theirs = median(otherRows[i].cpu) - reference;
    console.log(`${r.name.padEnd(42)} ${f(mine)}    ${f(theirs)}  ${(mine / theirs).toFixed(2).padStart(5)}`);
  });
}
const out = join(root, 'bench', 'out');
mkdirSync(out, { recursive: true });
const file = join(out, `startup-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ node: process.version, runs, rows, compared: other ? { app: other.app, rows: results.map((r) => r[1]) } : undefined }, null, 1) + '\n');
console.log(`\n(others: cores other processes used meanwhile; figures grow with it) -> ${file}`);
