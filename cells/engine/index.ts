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
//   model.ts     Model: flat named parameters, embedding, layers, head, state carry (parsed options)
//   compile.ts   compileModel: a Model from options parsed with options.ts's schema
//   optim.ts     SGD, momentum / Nesterov, Adam, global-norm clipping
//   training-loop.ts trainLoop(): the Jozefowicz schedule, divergence as a status, continuation
//   train.ts     train(): trainLoop with its options parsed (TrainOptionsSchema)
//   checkpoint.ts a run's state at a step (loop, weights, optimiser, generators, carried state,
//                data position) and its compact binary form (encodeCheckpoint)
//   checkpoint-decode.ts decodeCheckpoint: the binary form read back, its header parsed with zod
//   settings.ts  the training setting (model, optimiser, batching, schedule): every bound
//   setting-defaults.ts its defaults and those of the engine's options, without zod
//   setting-options.ts  a setting's complete model and training options (modelOptionsOf, trainOptionsOf)
//   options.ts   zod schema of the model options (the setting's fields plus the engine's own)
//   kernel.ts    the one place the GEMM is chosen (native.ts: the addon, else gemm.ts's gemmJs)
//   testing.ts   test helpers (random batches, finite differences, reference forward)
export { compileModel } from './compile.ts';
export { Model } from './model.ts';
export type { BatchStats, CarriedState, Metrics, ParamView, RandomState, TrainStepResult } from './model.ts';
export { train, TrainOptionsSchema } from './train.ts';
export { trainLoop } from './training-loop.ts';
export type { TrainOptions, TrainOptionsInput } from './train.ts';
export type { CurvePoint, Progress, TrainData, TrainResult, TrainResume } from './training-loop.ts';
export { CHECKPOINT_VERSION, encodeCheckpoint } from './checkpoint.ts';
export { decodeCheckpoint } from './checkpoint-decode.ts';
export type { Checkpoint, LoopState, ModelShape } from './checkpoint.ts';
export { ModelOptionsSchema, OptimizerSchema } from './options.ts';
export { modelOptionsOf, trainOptionsOf } from './setting-options.ts';
export { ModelSettingSchema, ScheduleSettingSchema, SettingSchema } from './settings.ts';
export { HALVING_FACTOR, MODEL_DEFAULTS, OPTIMIZER_DEFAULTS, SETTING_DEFAULTS, SETTING_OPTIMIZERS, settingDefaults } from './setting-defaults.ts';
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
