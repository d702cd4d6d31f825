// The training engine: compile a cell into a model, train it, evaluate it, read and write its
// weights. Everything outside cells/engine imports from here.
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
