// The training engine: compile a cell into a model, train it, evaluate it, read and write its
// weights. Everything outside cells/engine imports from here, except code that must not load the
// engine (the CLI's option parsing, search/space.ts): it may import the light modules batch.ts,
// layout.ts and settings.ts directly (they need only zod and cells/graph.ts).
//
// What lives here (imports: cells/graph.ts, errors.ts, zod, seedrandom; never tasks/):
//   batch.ts     the input: TokenBatch / MultiHotBatch (tasks/ produces them)
//   schedule.ts  the step schedule of a cell: weight groups (one GEMM per source), fused stages
//   layout.ts    the parameter layout of a model and its parameter count
//   ops.ts       op rules: forward expression and derivatives side by side (micrograd-style)
//   codegen.ts   generated layer code over T steps: JavaScript, or C kernels for the fused loops
//   head.ts      softmax / sigmoid output heads (JavaScript and C)
//   model.ts     compileModel, Model: flat named parameters, embedding, layers, head, state carry
//   optim.ts     SGD, momentum / Nesterov, Adam, global-norm clipping
//   train.ts     train(): the Jozefowicz schedule, divergence as a status
//   options.ts   zod schemas of the model options
//   kernel.ts    the one place the GEMM is chosen (native.ts: the addon, else gemm.ts's gemmJs)
//   testing.ts   test helpers (random batches, finite differences, reference forward)
export { compileModel, Model } from './model.ts';
export type { BatchStats, Metrics, ParamView, TrainStepResult } from './model.ts';
export { train, TrainOptionsSchema } from './train.ts';
export type { CurvePoint, Progress, TrainData, TrainOptionsInput, TrainResult } from './train.ts';
export { ModelOptionsSchema, OptimizerSchema } from './options.ts';
export type { ModelOptions, ModelOptionsInput, OptimizerOptions } from './options.ts';
export { clipGradNorm, gradNorm, makeOptimizer } from './optim.ts';
export type { Optimizer } from './optim.ts';
export { buildSchedule } from './schedule.ts';
export type { Schedule, Stage, WeightGroup } from './schedule.ts';
export type { Gemm, Real } from './gemm.ts';
export type { Batch, MultiHotBatch, TokenBatch } from './batch.ts';
export { modelParamCount, paramLayout } from './layout.ts';
export type { ModelDims, ParamSlot } from './layout.ts';
