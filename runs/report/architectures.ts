// Architectures as a report shows them: a name, the notation, the cell, and the lineage back to a
// zoo cell, read from the architectures table's `origin` (the mutation records a search stores).
import { basename } from 'node:path';
import { cellHash } from '../../cells/canonical.ts';
import { paramCount, type Cell } from '../../cells/graph.ts';
import { toDot } from '../../cells/dot.ts';
import { printNotation } from '../../cells/notation.ts';
import { parseCell } from '../../cells/validate.ts';
import { isZooKey, zooCell } from '../../cells/zoo/index.ts';
import { MutationRecordSchema } from '../../search/mutate.ts';
import type { Architecture, Json } from '../storage.ts';
import { shortHash, type Block } from './model.ts';

/** The reference cells every search report shows, by zoo key, with their hashes. */
export const REFERENCE_KEYS = ['gru', 'lstm', 'lstm-b'] as const;
export type ReferenceKey = (typeof REFERENCE_KEYS)[number];

let referenceHashes: Map<string, ReferenceKey> | undefined;
/** hash -> zoo key of the reference cells (computed from the zoo, whatever origin a row records). */
export function referenceByHash(): Map<string, ReferenceKey> {
  referenceHashes ??= new Map(REFERENCE_KEYS.map((k) => [cellHash(zooCell(k)), k]));
  return referenceHashes;
}

export function hashOfZoo(key: ReferenceKey): string {
  return [...referenceByHash()].find(([, k]) => k === key)![0];
}

export function cellOf(arch: Architecture): Cell {
  return parseCell(arch.cell, `architecture ${arch.hash}`);
}

/** The checked cell, or why a stored architecture is not a valid cell (a test fixture, a newer format). */
export function tryCell(arch: Architecture): { cell: Cell } | { error: string } {
  try {
    return { cell: cellOf(arch) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/** Blocks showing a cell: its notation and its graph; for an invalid cell, the JSON and the error. */
export function cellBlocks(arch: Architecture, name: string, title: string): Block[] {
  const c = tryCell(arch);
  if ('error' in c) return [{ kind: 'text', text: `Not a valid cell, shown as stored: ${c.error}` }, { kind: 'code', text: JSON.stringify(arch.cell, null, 2) }];
  return [
    { kind: 'code', text: notationOf(arch, name) },
    { kind: 'graph', id: `cell-${arch.hash}`, title, dot: toDot(displayCell(arch, name)) },
  ];
}

/**
 * The checked cells of architecture rows already counted, by row object: a reader that keeps a
 * study's rows across reads (the dashboard, whose rows of one hash never change) checks each cell once.
 */
const counted = new WeakMap<Architecture, { cell: Cell; widths: Map<number, number> } | { error: string }>();

/** Cell parameters (every layer) at a width, or null when the stored cell is not valid. */
export function cellParams(arch: Architecture, hidden: number, layers = 1): number | null {
  let c = counted.get(arch);
  if (!c) {
    const t = tryCell(arch);
    counted.set(arch, (c = 'error' in t ? t : { cell: t.cell, widths: new Map() }));
  }
  if ('error' in c) return null;
  // Counted once per width: a search's figure asks for every evaluation's (10,000 over a few widths).
  let n = c.widths.get(hidden);
  if (n === undefined) c.widths.set(hidden, (n = paramCount(c.cell, hidden)));
  return n * layers;
}

/**
 * The cell to show: a zoo cell as the zoo writes it (named, with its own node names) when the
 * architecture is one; else the stored (canonical) cell, named `name` if it has no name.
 */
export function displayCell(arch: Architecture, name?: string): Cell {
  const key = arch.origin.kind === 'zoo' ? arch.origin.name : referenceByHash().get(arch.hash);
  if (key !== undefined && isZooKey(key) && cellHash(zooCell(key)) === arch.hash) return zooCell(key);
  const cell = cellOf(arch);
  return name === undefined || cell.name !== undefined ? cell : { ...cell, name };
}

/** The notation to show: the stored text, else that of displayCell. */
export function notationOf(arch: Architecture, name?: string): string {
  return arch.notation ?? printNotation(displayCell(arch, name));
}

/**
 * A readable name: the zoo key; a file's base name; for a mutant, its zoo (or file) ancestor and
 * the number of mutation steps from it (`gru+3`). Reference cells are named by their zoo key even
 * when a row records them otherwise.
 */
export function archName(hash: string, archs: ReadonlyMap<string, Architecture>): string {
  const ref = referenceByHash().get(hash);
  if (ref) return ref;
  const chain = ancestry(hash, archs);
  const root = chain[0];
  const rootName =
    root.arch?.origin.kind === 'zoo'
      ? root.arch.origin.name
      : root.arch?.origin.kind === 'file'
        ? basename(root.arch.origin.path).replace(/\.[^.]*$/, '')
        : referenceByHash().get(root.hash) ?? shortHash(root.hash);
  return chain.length === 1 ? rootName : `${rootName}+${chain.length - 1}`;
}

export interface LineageStep {
  hash: string;
  arch: Architecture | undefined;
  /** What changed relative to the previous step (empty for the root). */
  changes: string[];
}

/**
 * The architectures from the root ancestor (a zoo cell, a file, or the first unknown parent) to
 * `hash`, without describing their mutations (a name needs only the root and the length: every
 * architecture of a large search is named).
 */
function ancestry(hash: string, archs: ReadonlyMap<string, Architecture>): Omit<LineageStep, 'changes'>[] {
  const out: Omit<LineageStep, 'changes'>[] = [];
  const seen = new Set<string>();
  let h: string | undefined = hash;
  while (h !== undefined && !seen.has(h)) {
    seen.add(h);
    const arch = archs.get(h);
    out.push({ hash: h, arch });
    h = arch?.origin.kind === 'mutant' ? arch.origin.parent : undefined;
  }
  return out.reverse();
}

/** From the root ancestor (a zoo cell, a file, or the first unknown parent) to `hash`, with each step's mutations. */
export function lineage(hash: string, archs: ReadonlyMap<string, Architecture>): LineageStep[] {
  return ancestry(hash, archs).map((s) => ({ ...s, changes: s.arch?.origin.kind === 'mutant' ? s.arch.origin.mutations.map(describeMutation) : [] }));
}

/** The lineage as a report shows it: a sentence and one line per step, from the root ancestor. */
export function lineageBlocks(hash: string, archs: ReadonlyMap<string, Architecture>): Block[] {
  const chain = lineage(hash, archs);
  const items = chain.map((step, i) => {
    const name = archName(step.hash, archs);
    if (i === 0) {
      const o = step.arch?.origin;
      const from = o?.kind === 'zoo' ? `the zoo cell ${o.name}` : o?.kind === 'file' ? `the file ${o.path}` : o?.kind === 'other' ? o.note : 'a parent not in this database';
      return `${shortHash(step.hash)} ${name}: ${from}`;
    }
    return `${shortHash(step.hash)} ${name}: ${step.changes.length ? step.changes.join('; ') : 'no mutation recorded'}`;
  });
  return [
    { kind: 'text', text: chain.length > 1 ? "Lineage, from the root ancestor (node ids are the parent's canonical ids):" : 'Lineage: not a mutant.' },
    { kind: 'list', items },
  ];
}

/** One mutation record in words; node ids are the parent's canonical ids (n0, n1, ...). */
export function describeMutation(rec: Json): string {
  const p = MutationRecordSchema.safeParse(rec);
  if (!p.success) return JSON.stringify(rec);
  const r = p.data;
  switch (r.kind) {
    case 'activation':
      return `activation ${r.node}: ${r.from} → ${r.to}`;
    case 'elementwise':
      return `operation ${r.node}: ${r.from} → ${r.to}`;
    case 'insert':
      return `inserted ${r.created} = ${r.activation}(${r.parent}) as input ${r.input} of ${r.node}`;
    case 'remove':
      return `removed ${r.node} (its readers read ${r.replacement})`;
    case 'ancestor':
      return `replaced ${r.node} by its ancestor ${r.replacement}`;
    case 'combine':
      return `replaced ${r.node} by ${r.created} = ${r.op}(${r.a}, ${r.b}) (b from ${r.partner}'s ancestors)`;
  }
}
