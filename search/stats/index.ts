// The statistics of ablation studies (issue 8): pure functions, no I/O, no imports from runs/.
// See README.md in this folder for what each computes, with formulas and references.

export { describe, boxStats, quantileSorted, mean, variance, topFraction } from './describe.ts';
export type { Direction, Summary, BoxStats, TopFraction, NumericKey } from './describe.ts';
export { welchTTest, cohenD, hedgesG, hedgesCorrection } from './welch.ts';
export type { WelchResult } from './welch.ts';
export { bootstrapMeanDiffCI } from './bootstrap.ts';
export type { BootstrapCI, BootstrapOptions } from './bootstrap.ts';
export { holm, holmVerdicts } from './holm.ts';
export type { HolmVerdict } from './holm.ts';
export { compareToBaseline } from './ablation.ts';
export type { AblationComparison, ComparisonRow, GroupSummary, CompareOptions, Subset } from './ablation.ts';
export { fitForest, predictForest, predictTree, countLeaves } from './forest.ts';
export type { Forest, ForestOptions, TreeNode } from './forest.ts';
export { fanova, fanovaMatrix, treeVarianceDecomposition, toModelSpace, fromModelSpace, modelBounds, FANOVA_METHOD } from './fanova.ts';
export type { FanovaOptions, Dimension, FanovaResult, FanovaTrial, Importance, ParamValue, TreeDecomposition } from './fanova.ts';
export { featureImportance } from './features.ts';
export type { FeatureImportance, FeatureImportanceResult, FeatureTrial, FeatureValue } from './features.ts';
export { studentTCdf, studentTQuantile, studentTTwoSidedP, studentTPdf, normalCdf, normalQuantile, normalPdf, betaInc, gammaP, gammaQ, lgamma } from './special.ts';
