// `npm run bench`: training throughput of the engine (tokens/s, peak RSS, achieved GFLOP/s) for
// GRU, LSTM, MUT1 and a fixed random mutant at H in {32, 64, 128, 256}, batch 32, unroll 35,
// vocabulary 64, one thread; GEMM and activation kernel figures; and, when PyTorch figures are
// at hand, the ratio to them per configuration. Prints tables and writes bench/out/bench-*.json.
//
//   npm run bench                                  kernels + training
//   npm run bench -- --run-torch                   also run ../shared/bench/torch_bench.py, per H,
//                                                  interleaved with ours (same run, same noise)
//   npm run bench -- --torch torch.json            ratios against a torch_bench.py --out file
//   npm run bench -- --hidden 32 64 --cells gru --no-kernels --min-time 2
//
// The machine is shared: every measurement records the cores other processes used meanwhile
// (`others`); figures taken while others were busy are marked with * and are not comparable.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nativeStatus } from '../cells/engine/native.ts';
import { benchElementwise, benchGemm, benchPeak, benchReference, engineShapes } from './kernels.ts';
import { ncpu, waitForIdle } from './sysload.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

// List flags take several values, as torch_bench.py's do: `--hidden 32 64 128`.
const LIST_FLAGS = new Set(['--hidden', '--gemm-hidden', '--cells', '--torch-impl']);
function expandLists(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    out.push(argv[i]);
    if (!LIST_FLAGS.has(argv[i])) continue;
    const flag = argv[i];
    let n = 0;
    while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
      if (n++ > 0) out.push(flag);
      out.push(argv[++i]);
    }
  }
  return out;
}

const { values: args } = parseArgs({
  args: expandLists(process.argv.slice(2)),
  options: {
    hidden: { type: 'string', multiple: true },
    'gemm-hidden': { type: 'string', multiple: true },
    'no-reference': { type: 'boolean', default: false },
    cells: { type: 'string', multiple: true },
    torch: { type: 'string' },
    'run-torch': { type: 'boolean', default: false },
    'torch-script': { type: 'string', default: join(root, '..', 'shared', 'bench', 'torch_bench.py') },
    'torch-impl': { type: 'string', multiple: true },
    'min-time': { type: 'string', default: '3' },
    'no-kernels': { type: 'boolean', default: false },
    'no-train': { type: 'boolean', default: false },
    js: { type: 'boolean', default: false },
    kernel: { type: 'string', default: 'native' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
  allowPositionals: false,
});
if (args.help) {
  const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  console.log(lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.slice(3)).join('\n'));
  process.exit(0);
}

const splitNums = (v: string[] | undefined, d: number[]) => (v ? v.flatMap((s) => s.split(/[ ,]+/)).filter(Boolean).map(Number) : d);
const hidden = splitNums(args.hidden, [32, 64, 128, 256]);
// Issue 15's GEMM target covers H = 64..512, the training table stops at 256 by default.
const gemmHidden = splitNums(args['gemm-hidden'], [64, 128, 256, 512]);
const cells = args.cells ? args.cells.flatMap((s) => s.split(/[ ,]+/)).filter(Boolean) : ['gru', 'lstm', 'mut1', 'mutant'];
const torchImpls = args['torch-impl'] ?? ['gru_fused', 'gru_py', 'lstm_fused'];
const minTime = args['min-time']!;
const allowed = Math.max(0, ncpu - 1) + 0.1; // other processes may use the cores we do not

interface Row {
  [k: string]: unknown;
  hidden: number;
  tokens_per_s: number;
  other_procs_cores: number;
}

const pad = (s: unknown, n: number) => String(s).padStart(n);
const fmt = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');

console.log(`cellsearch bench  ${new Date().toISOString()}  ${cpus()[0]?.model ?? '?'}  x${ncpu}  node ${process.version}`);
console.log(`native kernels: ${nativeStatus.loaded ? `loaded (${nativeStatus.arch})` : `NOT loaded: ${nativeStatus.reason}`}`);

const report: Record<string, unknown> = {
  meta: {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model,
    ncpu,
    node: process.version,
    native: nativeStatus,
    config: { batch: 32, unroll: 35, vocab: 64, threads: 1, optimizer: 'sgd lr 0.1', clip: 5 },
  },
};

// ------------------------------------------------------------------------------------ kernels
// The FLOP limit of this core (independent FMAs, CPU time), measured in this run: the GEMM and
// training figures are given as fractions of it.
const peak = benchPeak(0.1);
console.log(`FLOP limit (float32 FMA loop, one thread, CPU time): ${Number.isFinite(peak) ? `${fmt(peak, 1)} GFLOP/s` : 'n/a (no native addon)'}`);
report.peak_gflops = peak;

if (!args['no-kernels']) {
  const shapes = engineShapes(gemmHidden);
  const g = benchGemm(shapes, { js: args.js, budget: 0.15 });
  const ref = args['no-reference'] ? { error: '--no-reference', results: [] } : benchReference(shapes, 0.15);
  const refName = ref.error ? `no reference: ${ref.error}` : `reference: ${ref.blas} through numpy, kernel ${ref.core}, one thread, CPU time`;
  console.log(`\nGEMM, float32, one thread (GFLOP/s from CPU time; us per call; % of the FLOP limit; ${refName})`);
  console.log(`  ${''.padEnd(30)}    ${'M x N x K'.padStart(15)}  ${'kernel'.padEnd(6)} ${'GFLOP/s'.padStart(7)} ${'us'.padStart(9)} ${'limit'.padStart(6)}  ${'OpenBLAS'.padStart(8)} ${'ours/ref'.padStart(8)}`);
  for (const r of g) {
    const i = shapes.findIndex((s) => s.label === r.label);
    const o = r.kernel !== 'js' ? ref.results[i] : undefined;
    console.log(
      `  ${r.label.padEnd(30)} ${r.tA ? 'T' : 'N'}${r.tB ? 'T' : 'N'} ${pad(`${r.M}x${r.N}x${r.K}`, 15)}  ${r.kernel.padEnd(6)} ${pad(fmt(r.gflops, 1), 7)} ${pad(fmt(r.usPerCall, 1), 9)} ${pad(fmt((100 * r.gflops) / peak), 5)}%  ${pad(o ? fmt(o.gflops, 1) : '-', 8)} ${pad(o ? fmt(r.gflops / o.gflops, 2) : '-', 8)}`,
    );
  }
  const e = benchElementwise(0.1);
  console.log('\nActivations, ns per element (CPU time, 4096 floats in cache)');
  for (const r of e) console.log(`  ${r.fn.padEnd(34)} ${pad(fmt(r.nsPerElement, 2), 7)} ns`);
  report.gemm = g;
  report.gemm_reference = ref;
  report.elementwise = e;
}

// ------------------------------------------------------------------------------------ training
function runOurs(cell: string, H: number): Row | { cell: string; hidden: number; error: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'train-worker.ts'), '--cell', cell, '--hidden', String(H), '--min-time', minTime, '--kernel', args.kernel!], {
    cwd: root,
    encoding: 'utf8',
    timeout: 600_000,
  });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('RESULT '));
  if (r.status !== 0 || !line) return { cell, hidden: H, error: (r.stderr || r.stdout || String(r.error)).slice(-1500) };
  return JSON.parse(line.slice(7)) as Row;
}

function runTorch(H: number): Row[] {
  const dir = mkdtempSync(join(tmpdir(), 'cellsearch-torch-'));
  const out = join(dir, 'torch.json');
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync(
    '/usr/bin/python3',
    [args['torch-script']!, '--blas', 'openblas-openmp', '--impl', ...torchImpls, '--threads', '1', '--hidden', String(H), '--idle-wait', '15', '--retries', '1', '--out', out],
    { encoding: 'utf8', env, timeout: 900_000 },
  );
  try {
    if (r.status !== 0 || !existsSync(out)) {
      console.log(`  torch H=${H} failed: ${(r.stderr || r.stdout || String(r.error)).slice(-600)}`);
      return [];
    }
    return (JSON.parse(readFileSync(out, 'utf8')) as { results: Row[] }).results.filter((x) => !('error' in x));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ours: Row[] = [];
const failures: unknown[] = [];
let torch: Row[] = [];
if (args.torch) torch = (JSON.parse(readFileSync(args.torch, 'utf8')) as { results: Row[] }).results.filter((x) => !('error' in x));
const runTorchNow = args['run-torch'];
if (runTorchNow && !existsSync(args['torch-script']!)) {
  console.log(`\n--run-torch: ${args['torch-script']} not found; no PyTorch figures`);
}

if (!args['no-train']) {
  console.log(`\nTraining throughput (tokens/s, wall clock; * = other processes used >= ${allowed.toFixed(1)} cores meanwhile)`);
  for (const H of hidden) {
    if (runTorchNow && existsSync(args['torch-script']!)) {
      const rows = runTorch(H);
      for (const t of rows) console.log(`  torch ${String(t.impl).padEnd(12)} H=${pad(H, 4)} ${pad(fmt(t.tokens_per_s), 9)} tok/s  rss ${pad(fmt(Number(t.peak_rss_mb)), 4)} MB  others ${fmt(t.other_procs_cores, 2)}${t.other_procs_cores >= allowed ? ' *' : ''}`);
      torch = torch.filter((t) => t.hidden !== H).concat(rows);
    }
    for (const cell of cells) {
      await waitForIdle(allowed, 15);
      const r = runOurs(cell, H);
      if ('error' in r) {
        console.log(`  ours  ${cell.padEnd(12)} H=${pad(H, 4)} FAILED: ${r.error}`);
        failures.push(r);
        continue;
      }
      ours.push(r);
      console.log(
        `  ours  ${cell.padEnd(12)} H=${pad(H, 4)} ${pad(fmt(r.tokens_per_s), 9)} tok/s  rss ${pad(fmt(Number(r.peak_rss_mb)), 4)} MB  others ${fmt(r.other_procs_cores, 2)}${r.other_procs_cores >= allowed ? ' *' : ''}  ${fmt(Number(r.ms_per_step), 1)} ms/step  per CPU s: ${fmt(Number(r.tokens_per_cpu_s))} tok, ${fmt(Number(r.gemm_gflops_per_cpu_s), 1)} GEMM GFLOP = ${fmt((100 * Number(r.gemm_gflops_per_cpu_s)) / peak)}% of the FLOP limit`,
      );
    }
  }
}

// ------------------------------------------------------------------------------------ summary
function torchRate(impl: string, H: number): number {
  const t = torch.find((x) => x.impl === impl && x.hidden === H && (x.threads === undefined || x.threads === 1));
  return t ? t.tokens_per_s : NaN;
}

const ratios = ours.map((r) => ({
  cell: r.cell,
  hidden: r.hidden,
  tokens_per_s: r.tokens_per_s,
  vs_gru_py: r.tokens_per_s / torchRate('gru_py', r.hidden),
  vs_gru_fused: r.tokens_per_s / torchRate('gru_fused', r.hidden),
  vs_lstm_fused: r.tokens_per_s / torchRate('lstm_fused', r.hidden),
  contended: r.other_procs_cores >= allowed,
}));
if (ours.length) {
  const impls = [...new Set(torch.map((t) => String(t.impl)))];
  console.log('\nSummary: tokens/s (ratio to PyTorch, same configuration; gru_py = Python-level GRU cell, *_fused = ATen RNN)');
  console.log(`  ${'cell'.padEnd(8)} ${'H'.padStart(5)} ${'ours'.padStart(9)} ${impls.map((i) => pad(i, 12)).join('')}  ${'vs gru_py'.padStart(10)} ${'vs gru_fused'.padStart(13)} ${'vs lstm_fused'.padStart(14)}  ${'FLOP limit'.padStart(10)}  peak RSS`);
  for (const r of ours) {
    const q = ratios.find((x) => x.cell === r.cell && x.hidden === r.hidden)!;
    console.log(
      `  ${String(r.cell).padEnd(8)} ${pad(r.hidden, 5)} ${pad(fmt(r.tokens_per_s), 9)} ${impls.map((i) => pad(fmt(torchRate(i, r.hidden)), 12)).join('')}  ${pad(fmt(q.vs_gru_py, 2), 10)} ${pad(fmt(q.vs_gru_fused, 2), 13)} ${pad(fmt(q.vs_lstm_fused, 2), 14)}  ${pad(fmt((100 * Number(r.gemm_gflops_per_cpu_s)) / peak), 9)}%  ${fmt(Number(r.peak_rss_mb))} MB${q.contended ? ' *' : ''}`,
    );
  }
  if (torch.length) {
    const gru = (H: number) => ratios.find((x) => x.cell === 'gru' && x.hidden === H);
    const checks: [string, boolean | null][] = [];
    for (const H of [32, 64, 128]) { const g = gru(H); checks.push([`GRU H=${H} >= gru_py`, g && Number.isFinite(g.vs_gru_py) ? g.vs_gru_py >= 1 : null]); }
    for (const H of [32, 64]) { const g = gru(H); checks.push([`GRU H=${H} >= 0.8 x gru_fused`, g && Number.isFinite(g.vs_gru_fused) ? g.vs_gru_fused >= 0.8 : null]); }
    const big = ours.filter((r) => r.hidden === 256);
    checks.push(['peak RSS < 200 MB at H=256', big.length ? big.every((r) => Number(r.peak_rss_mb) < 200) : null]);
    console.log('\nTargets (issue 3): ' + checks.map(([k, v]) => `${k}: ${v === null ? 'n/a' : v ? 'met' : 'NOT met'}`).join('; '));
    report.targets = Object.fromEntries(checks);
  }
}
report.training = ours;
report.torch = torch;
report.ratios = ratios;
report.failures = failures;
const outFile = args.out ?? join(root, 'bench', 'out', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
mkdirSync(join(outFile, '..'), { recursive: true });
writeFileSync(outFile, JSON.stringify(report, null, 1) + '\n');
console.log(`\nwritten ${outFile}`);
if (failures.length) process.exitCode = 1;
