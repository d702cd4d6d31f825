// The per-study pool of grid points of successive halving (cohorts.ts): each task's settings are
// drawn from `pool` points of the preset's grid, drawn once, at the task's first use. Drawn from
// the whole grid, a setting almost never shared its grid point, so almost every setting needed a
// GRU reference of its own (measured at small: 189 of 399 evaluations were references).
import { z } from 'zod';
import type { Architecture, HistoryItem, Proposal } from '../contract.ts';
import { pointId, sampleJozefowicz, type Grid, type JozefowiczPoint } from '../space.ts';
import { nextTrial, type DrawnSetting, type ProposalContext } from './common.ts';

export const PointSchema = z.strictObject({ initScale: z.number(), learningRate: z.number(), maxGradNorm: z.number(), layers: z.number().int() });

/** Each task's pool, in the order drawn. */
export const PoolsSchema = z.record(z.string(), z.array(PointSchema));
export type Pools = z.infer<typeof PoolsSchema>;

function gridSize(grid: Grid): number {
  return grid.initScale.length * grid.learningRate.length * grid.maxGradNorm.length * grid.layers.length;
}

/**
 * `size` distinct points of `grid` (all of them when the grid has fewer), drawn uniformly in
 * turn; a point drawn twice is drawn again.
 */
export function drawPool(rng: () => number, grid: Grid, size: number): JozefowiczPoint[] {
  const want = Math.min(size, gridSize(grid));
  const points = new Map<string, JozefowiczPoint>();
  while (points.size < want) {
    const p = sampleJozefowicz(rng, grid);
    if (!points.has(pointId(p))) points.set(pointId(p), p);
  }
  return [...points.values()];
}

/**
 * `k` settings of `arch` on `task` from the task's pool (drawn into `pools` first if the task has
 * none): distinct points while k <= the pool's size (a partial shuffle), then another round; each
 * with the next trial number of (architecture, task).
 */
export function drawPooled(arch: Architecture, task: string, k: number, ctx: ProposalContext, pools: Pools, size: number): DrawnSetting[] {
  return drawFrom(arch, task, k, ctx, poolOf(task, ctx, pools, size));
}

/** The task's pool, drawn into `pools` at its first use. */
function poolOf(task: string, ctx: ProposalContext, pools: Pools, size: number): JozefowiczPoint[] {
  return (pools[task] ??= drawPool(ctx.rng, ctx.config.fidelity.grid, size));
}

/** `k` settings at `points`: distinct while k <= points (a partial shuffle), then another round. */
function drawFrom(arch: Architecture, task: string, k: number, ctx: ProposalContext, points: readonly JozefowiczPoint[]): DrawnSetting[] {
  const settings: DrawnSetting[] = [];
  let order: number[] = [];
  for (let i = 0; i < k; i++) {
    const at = i % points.length;
    if (at === 0) order = points.map((_, j) => j);
    const j = at + Math.min(points.length - at - 1, Math.floor(ctx.rng() * (points.length - at)));
    [order[at], order[j]] = [order[j], order[at]];
    settings.push({ trial: nextTrial(arch, task, ctx.trials), point: { ...points[order[at]] } });
  }
  return settings;
}

/** The grid point a setting trained with (undefined for a history item without its setting). */
function pointOf(h: Record<string, unknown> | undefined): string | undefined {
  if (!h || typeof h.learningRate !== 'number' || typeof h.initScale !== 'number' || typeof h.clip !== 'number' || typeof h.layers !== 'number') return undefined;
  return pointId({ learningRate: h.learningRate, initScale: h.initScale, maxGradNorm: h.clip, layers: h.layers });
}

/** The grid points (`pointId`s) `arch` has trained with on `task`, in `history` and in the generation being built. */
export function triedPoints(arch: Architecture, task: string, history: readonly HistoryItem[], proposals: readonly Proposal[]): Set<string> {
  const tried = new Set<string>();
  for (const h of history) if (h.architecture === arch.hash && h.task === task) tried.add(pointOf(h.hyperparameters) ?? '');
  for (const p of proposals) if (p.architecture.hash === arch.hash && p.task === task) tried.add(pointOf(p.hyperparameters) ?? '');
  tried.delete('');
  return tried;
}

/**
 * Up to `k` settings of `arch` on `task` at pool points it has not `tried`, distinct, drawn
 * uniformly (a partial shuffle); each with the next trial number of (architecture, task). Empty
 * when every point was tried. (Re-evaluations drew any point: measured, the LSTM was trained again
 * and again at the points it had, 43% of a small search's budget.)
 */
export function drawUntried(arch: Architecture, task: string, k: number, ctx: ProposalContext, pools: Pools, size: number, tried: ReadonlySet<string>): DrawnSetting[] {
  const open = poolOf(task, ctx, pools, size).filter((p) => !tried.has(pointId(p)));
  return drawFrom(arch, task, Math.min(k, open.length), ctx, open);
}
