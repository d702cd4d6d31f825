// `npm run bench:memory`: how close cells/engine/memory.ts' estimate of a training run's buffers
// comes to what the process really uses. For each configuration, a child process builds the
// model, trains two steps and evaluates once on random tokens; its peak RSS minus its RSS just
// before the model was built is the measured figure (the engine's buffers, the generated code
// and whatever the allocator keeps), printed beside the estimate.
//
//   npm run bench:memory
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import seedrandom from 'seedrandom';
import { compileModel, type TokenBatch } from '../cells/engine/index.ts';
import { estimateTrainingMemory, megabytes } from '../cells/engine/memory.ts';
import { zooCell } from '../cells/zoo/index.ts';

interface Config {
  cell: string;
  hidden: number;
  layers: number;
  vocab: number;
  batch: number;
  unroll: number;
  optimizer: 'sgd' | 'momentum';
}

const CONFIGS: Config[] = [
  { cell: 'gru', hidden: 128, layers: 1, vocab: 64, batch: 32, unroll: 35, optimizer: 'sgd' },
  { cell: 'lstm', hidden: 512, layers: 2, vocab: 2000, batch: 20, unroll: 35, optimizer: 'momentum' },
  { cell: 'lstm', hidden: 1024, layers: 2, vocab: 10000, batch: 20, unroll: 35, optimizer: 'momentum' },
];

function batch(c: Config, rng: () => number): TokenBatch {
  const n = c.unroll * c.batch;
  const tokens = () => Int32Array.from({ length: n }, () => Math.floor(rng() * c.vocab));
  return { kind: 'tokens', T: c.unroll, B: c.batch, inputs: tokens(), targets: tokens(), mask: new Float32Array(n).fill(1), carry: false };
}

/** In the child: build, train, evaluate; print the RSS figures in MB. */
function child(c: Config): void {
  const rng = seedrandom('memory');
  const data = [batch(c, rng), batch(c, rng)];
  const before = process.memoryUsage().rss;
  const model = compileModel(zooCell(c.cell), {
    hidden: c.hidden,
    vocab: c.vocab,
    layers: c.layers,
    seed: 1,
    optimizer: c.optimizer === 'sgd' ? { kind: 'sgd', lr: 0.1 } : { kind: 'momentum', lr: 0.1, momentum: 0.9, nesterov: true },
  });
  const best = model.params.slice(); // what train() keeps for restoreBest
  for (const b of data) model.trainBatch(b);
  model.evaluate(data);
  const peakKb = process.resourceUsage().maxRSS;
  console.log(JSON.stringify({ measuredMb: megabytes(peakKb * 1024 - before), bestLength: best.length }));
}

const arg = process.argv.indexOf('--child');
if (arg >= 0) child(JSON.parse(process.argv[arg + 1]) as Config);
else {
  console.log('cell   H     L  V      B   T   optimizer  params      estimate MB  measured MB (peak RSS - RSS before the model)  ratio');
  for (const c of CONFIGS) {
    const est = estimateTrainingMemory(zooCell(c.cell), c);
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', JSON.stringify(c)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
    const { measuredMb } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { measuredMb: number };
    const e = megabytes(est.bytes.total);
    console.log(
      `${c.cell.padEnd(6)} ${String(c.hidden).padEnd(5)} ${c.layers}  ${String(c.vocab).padEnd(6)} ${String(c.batch).padEnd(3)} ${String(c.unroll).padEnd(3)} ${c.optimizer.padEnd(10)} ${String(est.parameters).padEnd(11)} ${String(e).padStart(11)}  ${String(measuredMb).padStart(11)}  ${(measuredMb / e).toFixed(2).padStart(40)}`,
    );
  }
}
