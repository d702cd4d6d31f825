// The package entry of cellsearch, for programs that use it as a library. Each part of the project
// re-exports its public API here, one line per part.
export * from './cells/engine/index.ts';
