// The package entry of cellsearch, for programs that use it as a library: the training engine
// (cells/engine), as the README's "Engine API" shows it. The rest (tasks, search, studies,
// reports) is reached through the `cellsearch` command, not through this entry.
export * from './cells/engine/index.ts';
