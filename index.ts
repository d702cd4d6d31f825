// The package entry of cellsearch, for programs that use it as a library (README, "Library API"):
// cells (the graph, the zoo, the notation, validation, the canonical form and hash), the training
// engine (cells/engine), the tasks (the registry and their batches), and the study API (run a
// training, a search or an ablation into a database, read the results: runs/api.ts). Installed,
// programs load its compiled form, dist/index.js, with the types of dist/index.d.ts.
export * from './cells/engine/index.ts';
export { paramCount, type Cell, type CellJson, type CellNode } from './cells/graph.ts';
export { CellSchema } from './cells/schema.ts';
export { CellError, checkCell, parseCell } from './cells/validate.ts';
export { NotationError, parseNotation, printNotation, readNotation } from './cells/notation.ts';
export { canonicalize, cellHash } from './cells/canonical.ts';
export { toDot } from './cells/dot.ts';
export { loadCell } from './cells/load.ts';
export { GREFF_CELLS, isZooKey, JOZEFOWICZ_CELLS, ZOO, ZOO_KEYS, zooCell } from './cells/zoo/index.ts';
export { getTask, isTaskName, TASK_NAMES, TASKS, type TaskName } from './tasks/registry.ts';
export { SPLITS, type BatchOptions, type Split, type Task } from './tasks/task.ts';
export { UserError, isUserError } from './errors.ts';
export { packageVersion as version } from './package-files.ts';
export { openDatabase, readResults, runAblation, runSearch, runTraining, type RunOptions, type StudyRun } from './runs/api.ts';
export type { TrainRequest } from './runs/train.ts';
export type { SearchKnobs, SearchRequest } from './runs/search.ts';
export type { AblateRequest, LoadedAblation } from './runs/ablate.ts';
export { loadAblation } from './runs/ablate.ts';
export { analyzeSearch, type SearchAnalysis } from './runs/report/search.ts';
export type { StudyData } from './runs/report/queries.ts';
export type { StudyEvent, StudyOutcome } from './runs/study.ts';
export type { Evaluation, Experiment, Storage } from './runs/storage.ts';
export { SCALES, SPACES, type Scale, type SpaceName } from './search/space.ts';
