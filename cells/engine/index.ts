// The training engine: compile a cell into a model, train it, evaluate it, read and write its
// weights. Everything outside cells/engine imports from here.
//
// What lives here (imports: cells/graph.ts, tasks/batch.ts types, errors.ts, zod, seedrandom):
//   schedule.ts  the step schedule of a cell: weight groups (one GEMM per source), fused stages
//   ops.ts       op rules: forward expression and derivatives side by side (micrograd-style)
//   codegen.ts   generated layer code over T steps: JavaScript, or C kernels for the fused loops
//   head.ts      softmax / sigmoid output heads (JavaScript and C)
//   model.ts     compileModel, Model: flat named parameters, embedding, layers, head, state carry
//   optim.ts     SGD, momentum / Nesterov, Adam, global-norm clipping
//   train.ts     train(): the Jozefowicz schedule, divergence as a status, continuation
//   checkpoint.ts a run's state at a step (loop, weights, optimiser, generators, carried state,
//                data position) and its compact binary form
//   options.ts   zod schemas of the model options
//   kernel.ts    the one place the GEMM is chosen (native.ts: the addon, else gemm.ts's gemmJs)
//   testing.ts   test helpers (random batches, finite differences, reference forward)
export { compileModel, Model } from './model.ts';
export type { BatchStats, CarriedState, Metrics, ParamView, RandomState, TrainStepResult } from './model.ts';
export { train, TrainOptionsSchema } from './train.ts';
export type { CurvePoint, Progress, TrainData, TrainOptionsInput, TrainResult, TrainResume } from './train.ts';
export { CHECKPOINT_VERSION, decodeCheckpoint, encodeCheckpoint } from './checkpoint.ts';
export type { Checkpoint, LoopState, ModelShape } from './checkpoint.ts';
export { ModelOptionsSchema, OptimizerSchema } from './options.ts';
export type { ModelOptions, ModelOptionsInput, OptimizerOptions } from './options.ts';
export { clipGradNorm, gradNorm, makeOptimizer } from './optim.ts';
export type { Optimizer, OptimizerState } from './optim.ts';
export { buildSchedule } from './schedule.ts';
export type { Schedule, Stage, WeightGroup } from './schedule.ts';
export type { Gemm, Real } from './gemm.ts';
