// One training-throughput measurement, in its own process so that peak RSS is this
// configuration's alone. Mirrors ../shared/bench/torch_bench.py: char-level LM, embedding ->
// one layer of the cell -> linear -> softmax cross-entropy, batch 32, unroll 35, vocabulary 64,
// random token stream, truncated BPTT with the state carried, plain SGD (lr 0.1), gradient norm
// clipped at 5, mean loss per token. Prints one line `RESULT {json}`.
//
//   node --import tsx bench/train-worker.ts --cell gru --hidden 128 [--kernel native|js]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import seedrandom from 'seedrandom';
import { compileModel, type TokenBatch } from '../cells/engine/index.ts';
import { gemmJs, type Gemm } from '../cells/engine/gemm.ts';
import { buildSchedule } from '../cells/engine/schedule.ts';
import type { Cell } from '../cells/graph.ts';
import { gemm as gemmNative, nativeStatus } from '../cells/engine/native.ts';
import { parseCell } from '../cells/validate.ts';
import { zooCell } from '../cells/zoo/index.ts';
import { cpuSnapshot, otherCores } from './sysload.ts';

export const B = 32, T = 35, V = 64, LR = 0.1, CLIP = 5;

export function benchCell(name: string) {
  if (name === 'mutant') return parseCell(JSON.parse(readFileSync(new URL('./mutant.json', import.meta.url), 'utf8')), 'bench/mutant.json');
  return zooCell(name);
}

/** `steps` batches of a random token stream (fixed seed), batchified into B streams. */
export function tokenStream(steps: number, seed = 'bench-stream'): TokenBatch[] {
  const rng = seedrandom(seed);
  const L = steps * T + 1;
  const cols: Int32Array[] = Array.from({ length: B }, () => Int32Array.from({ length: L }, () => Math.floor(rng() * V)));
  const out: TokenBatch[] = [];
  for (let s = 0; s < steps; s++) {
    const inputs = new Int32Array(T * B), targets = new Int32Array(T * B);
    for (let t = 0; t < T; t++)
      for (let b = 0; b < B; b++) {
        inputs[t * B + b] = cols[b][s * T + t];
        targets[t * B + b] = cols[b][s * T + t + 1];
      }
    out.push({ kind: 'tokens', T, B, inputs, targets, mask: new Float32Array(T * B).fill(1), carry: true });
  }
  return out;
}

/**
 * FLOPs of one training step's matrix products (one layer): each weight group's product runs
 * three times over the T*B rows (forward, the gradient sent back, the weight gradient), and so
 * does the output layer, plus its bias gradient. For the GRU, 40320 H^2 + 430080 H + 143360.
 * Counted, not measured: on the C route a layer pass makes its products inside one native call.
 */
export function stepFlops(cell: Cell, H: number): number {
  const width = buildSchedule(cell).groups.reduce((n, g) => n + g.slots.length * H, 0);
  return 6 * T * B * H * width + 6 * T * B * V * H + 2 * T * B * V;
}

function main() {
  const { values } = parseArgs({
    options: {
      cell: { type: 'string', default: 'gru' },
      hidden: { type: 'string', default: '64' },
      kernel: { type: 'string', default: 'native' },
      warmup: { type: 'string', default: '3' },
      'min-steps': { type: 'string', default: '10' },
      'min-time': { type: 'string', default: '3' },
      'max-time': { type: 'string', default: '20' },
    },
  });
  const H = Number(values.hidden);
  const kernel = values.kernel === 'js' ? 'js' : 'native';
  const base: Gemm = kernel === 'js' ? gemmJs : gemmNative;
  const cell = benchCell(values.cell!);
  const model = compileModel(cell, { hidden: H, vocab: V, optimizer: { kind: 'sgd', lr: LR }, clip: CLIP, lossNorm: 'token', seed: 1234 }, { gemm: base });
  const data = tokenStream(64);
  const flopsPerStep = stepFlops(cell, H);
  let pos = 0;
  const losses: number[] = [];
  const step = () => {
    const r = model.trainBatch(data[pos]);
    pos = (pos + 1) % data.length;
    losses.push(r.loss);
  };
  const warmup = Number(values.warmup);
  for (let i = 0; i < warmup; i++) step();

  const minSteps = Number(values['min-steps']), minTime = Number(values['min-time']), maxTime = Number(values['max-time']);
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  const snap0 = cpuSnapshot();
  const t0 = performance.now();
  for (;;) {
    const a = performance.now();
    step();
    const b = performance.now();
    times.push(b - a);
    const el = (b - t0) / 1000;
    if ((times.length >= minSteps && el >= minTime) || (times.length >= 3 && el >= maxTime)) break;
  }
  const total = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  const others = otherCores(snap0, cpuSnapshot());
  const sorted = [...times].sort((x, y) => x - y);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  const res = {
    cell: values.cell,
    hidden: H,
    kernel: kernel === 'native' && !nativeStatus.loaded ? 'js (native absent)' : kernel,
    nativeArch: nativeStatus.arch ?? null,
    batch: B,
    unroll: T,
    vocab: V,
    params: model.params.length,
    tokens_per_s: (B * T * times.length) / total,
    tokens_per_s_median: (B * T) / (median / 1000),
    /** Per second of this process's CPU time: what the run would reach alone on a core. */
    tokens_per_cpu_s: (B * T * times.length) / cpuSec,
    ms_per_step: (1000 * total) / times.length,
    ms_per_step_median: median,
    timed_steps: times.length,
    gemm_flops_per_step: flopsPerStep,
    gemm_gflops_achieved: (flopsPerStep * times.length) / total / 1e9,
    /** The same per second of CPU time: matrix-product FLOPs over the whole step's CPU time. */
    gemm_gflops_per_cpu_s: (flopsPerStep * times.length) / cpuSec / 1e9,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    other_procs_cores: others,
    final_loss: losses[losses.length - 1],
  };
  console.log('RESULT ' + JSON.stringify(res));
}

if (import.meta.url === `file://${process.argv[1]}`) main();
