// The training engine: compile a cell into a model, train it, evaluate it, read and write its
// weights. Everything outside cells/engine imports from here, except code that must not load the
// engine (the CLI's flag parsing, search/space.ts, the study builders of runs/): it may import the
// light modules batch.ts, layout.ts and settings.ts directly (they need only zod and cells/graph.ts).
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
//   train.ts     train(): the Jozefowicz schedule, divergence as a status, continuation
//   checkpoint.ts a run's state at a step (loop, weights, optimiser, generators, carried state,
//                data position) and its compact binary form
//   settings.ts  the training setting (model, optimiser, batching, schedule): every bound and default
//   options.ts   zod schema of the model options (the setting's fields plus the engine's own)
//   kernel.ts    the one place the GEMM is chosen (native.ts: the addon, else gemm.ts's gemmJs)
//   testing.ts   test helpers (random batches, finite differences, reference forward)
export { compileModel, Model } from './model.ts';
export type { BatchStats, CarriedState, Metrics, ParamView, RandomState, TrainStepResult } from './model.ts';
export { train, trainOptionsOf, TrainOptionsSchema } from './train.ts';
export type { CurvePoint, Progress, TrainData, TrainOptionsInput, TrainResult, TrainResume } from './train.ts';
export { CHECKPOINT_VERSION, decodeCheckpoint, encodeCheckpoint } from './checkpoint.ts';
export type { Checkpoint, LoopState, ModelShape } from './checkpoint.ts';
export { modelOptionsOf, ModelOptionsSchema, OptimizerSchema } from './options.ts';
export { HALVING_FACTOR, ModelSettingSchema, OPTIMIZER_DEFAULTS, ScheduleSettingSchema, SETTING_DEFAULTS, SETTING_OPTIMIZERS, settingDefaults, SettingSchema } from './settings.ts';
export type { ModelSetting, ScheduleSetting, Setting } from './settings.ts';
export type { ModelOptions, ModelOptionsInput, OptimizerOptions } from './options.ts';
export { clipGradNorm, gradNorm, makeOptimizer } from './optim.ts';
export type { Optimizer, OptimizerState } from './optim.ts';
export { buildSchedule } from './schedule.ts';
export type { Schedule, Stage, WeightGroup } from './schedule.ts';
export type { Gemm, Real } from './gemm.ts';
export type { Batch, MultiHotBatch, TokenBatch } from './batch.ts';
export { modelParamCount, paramLayout } from './layout.ts';
export type { ModelDims, ParamSlot } from './layout.ts';
