// search/reproduce: the pure parts of `cellsearch reproduce` (issue 19): the papers' published
// results as data (published.json, parsed by published.ts), the studies that reproduce them
// (studies.ts), the agreement of orderings (rank.ts), the verdicts on each finding (verdicts.ts)
// and their text (text.ts). May import search/ablation and search/stats; never runs/.
export { PUBLISHED, PublishedSchema, FindingSchema, PublishedTableSchema, PaperSchema, paperOf, tableOf, findingOf, publishedValue } from './published.ts';
export type { Published, Finding, PublishedTable, Paper, TaskScope } from './published.ts';
export { REPRO_STUDIES, REPRO_STUDY_KEYS, ReproStudySchema, StudyTrainSchema, reproStudy, defaultTasks, studyFindings, studyTables } from './studies.ts';
export type { ReproStudy, StudyTrain } from './studies.ts';
export { averageRanks, spearman, bestOfTrials, orderingAgreement } from './rank.ts';
export type { TrialResult, OrderingAgreement } from './rank.ts';
export { compareWithPaper, compareTable, judgeDifference, combineOutcomes, findingTasks, CRITERIA, EQUIVALENCE_SD, MIN_OOB_R2, INDEPENDENT_BELOW, MIN_ORDERING_TRIALS } from './verdicts.ts';
export type { Outcome, TaskVerdict, FindingVerdict, TableComparison, TableRow, PaperComparison } from './verdicts.ts';
export { comparisonRow, paperComparisonText } from './text.ts';
