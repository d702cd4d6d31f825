// search/ablation: the pure parts of an ablation study (Greff et al. 2016; issue 8): the trial
// plan (plan.ts), the architecture features of a cell read off its graph (features.ts) and the
// analysis glue over search/stats (analysis.ts). May import cells/, search/space.ts and
// search/stats/; never runs/. runs/ablate.ts turns the plan into a study and its evaluations
// into `AblationRow`s.
export { ablationPlan, trialPoint, trialRng, spaceDimensions, spaceParams } from './plan.ts';
export type { PlanCell, PlanTask, PlannedTrial, PlanOptions, SpacePoint } from './plan.ts';
export { cellFeatures, BOOLEAN_FEATURES } from './features.ts';
export type { CellFeatures, BooleanFeature, OpCountFeature } from './features.ts';
export { analyzeAblation, ablationSummaryText, verdictMark } from './analysis.ts';
export type { AblationAnalysis, AblationRow, AnalysisOptions, RankedVariant, TaskAnalysis, Verdict, VariantMarginals } from './analysis.ts';
