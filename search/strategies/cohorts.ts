// Successive halving inside a generation (search/halving.ts's rule), for the jozefowicz strategy's
// `sha` fidelity: cohorts of settings trained in rungs, each judged against the GRU trained with
// the same setting to the same rung.
//
// - A cohort is the settings of one candidate entering one filter stage, or of one listed
//   architecture re-evaluated on one task. Every setting of a cohort trains the first rung's
//   steps and keeps its checkpoint. (A cohort per candidate, not per generation: halving then
//   finds each candidate's best setting cheaply, and every candidate whose best setting is good
//   reaches the full budget. A cohort of all of a generation's candidates sent at most one of
//   them on, whatever the others were worth: measured, in search/README.md.)
// - Settings are drawn from a pool of `pool` grid points per task, drawn once per study
//   (pool.ts), so that references are shared: measured, with draws from the whole grid (450
//   points at small) almost every setting needed a reference of its own.
// - Paired references: for each (task, grid point, rung) a setting reaches, the GRU is trained
//   with that grid point to that rung, once per study; every setting drawn at the same point
//   reuses it. A reference continues the previous rung's reference while that one's checkpoint is
//   kept and it trained to its end (done), else it trains from the start (another seed; the same
//   setting and steps). With a pool, a reference's checkpoint is kept until the next rung's
//   reference of its point is proposed. A diverged or failed reference counts 0 in a ratio (its
//   floor then favours the setting); memorization then falls back to the absolute threshold.
// - At the next proposal every evaluation of the cohort's rung has finished (runs/README.md's
//   determinism rule): the settings are ranked, in proposal order, by their validation metric as
//   a ratio to their reference's; the best 1/η (`promote`) whose ratio reaches `pruneRatio`
//   continue from their checkpoints to the next rung, the others are pruned. A cohort at the last
//   rung is done: the filter judges its candidate on the full-budget values only.
// - Checkpoints: a kept checkpoint is released (deleted by the driver with the generation) as
//   soon as no proposal of this generation continues it and nothing still training may need it;
//   when the study ends every one is released.
// - Budget: a proposal costs the steps it trains (its rung's steps less the steps of the run it
//   continues), counted in full-budget equivalents against `evaluations` (`proposalCost`).
//
// Trial identities: a setting keeps the trial number `t` of its (architecture, task); it is `t`
// at the full budget (as in `full` fidelity) and `t@<steps>` at a shorter rung. A reference of
// the GRU is `ref:<point id>` at the full budget and `ref:<point id>@<steps>` before it; the
// seed rows' GRU trials are numbers, so the two never meet.
import { z } from 'zod';
import { ArchitectureSchema, evaluationKey, type Architecture, type HistoryItem, type JsonObject, type Proposal } from '../contract.ts';
import { promote, rungSteps } from '../halving.ts';
import { pointId, type JozefowiczPoint } from '../space.ts';
import { GRU_FLOOR, GRU_KEY, settingProposal, zooRow, type DrawnSetting, type SearchConfig } from './common.ts';
import { PointSchema, PoolsSchema } from './pool.ts';

const count = z.number().int().nonnegative();

const MemberSchema = z.strictObject({
  /** Index into the cohort's `archs`. */
  arch: count,
  point: PointSchema,
  /** The trial number of (architecture, task) this setting got. */
  trial: count,
});
type Member = z.infer<typeof MemberSchema>;

const CohortSchema = z.strictObject({
  /** The filter stage it judges (an index of the strategy's stages); null for re-evaluations. */
  stage: count.nullable(),
  task: z.string().min(1),
  /** The rung its members were last proposed at (an index of the rungs). */
  rung: count,
  archs: z.array(ArchitectureSchema),
  /** The settings still training, in proposal order. */
  members: z.array(MemberSchema),
});
type Cohort = z.infer<typeof CohortSchema>;

export const HalvingStateSchema = z.strictObject({
  cohorts: z.array(CohortSchema),
  /** Keys of the paired GRU references proposed so far (one per task, grid point and rung). */
  references: z.array(z.string()),
  /** Keys whose end checkpoints are kept (or will be, once their generation runs), oldest first. */
  held: z.array(z.string()),
  /** With `pool`: each task's grid points (pool.ts). Absent in states saved before pools. */
  pools: PoolsSchema.optional(),
  /** Steps proposed so far (seeds and rungs, each less the steps it continues): the budget spent. */
  spentSteps: count.optional(),
});
export type HalvingState = z.infer<typeof HalvingStateSchema>;

export function initialHalvingState(config: SearchConfig): HalvingState {
  return { cohorts: [], references: [], held: [], ...(config.fidelity.search.pool !== undefined ? { pools: {} } : {}), spentSteps: 0 };
}

/** The counts successive halving adds to the funnel. */
export interface HalvingCounts {
  /** Settings stopped before the full budget. */
  pruned: number;
  /** Evaluations (references excluded) proposed at each rung. */
  rungs: number[];
  /** Evaluations of the GRU proposed as paired references. */
  references: number;
}

/** The rungs' step counts of a study (one rung, the full budget, in `full` fidelity). */
export function studyRungs(config: SearchConfig): number[] {
  const s = config.fidelity.search;
  return s.fidelity === 'sha' ? rungSteps(config.fidelity.train.maxSteps, { eta: s.eta, minSteps: s.minSteps }) : [config.fidelity.train.maxSteps];
}

/**
 * The steps a proposal trains: its `maxSteps`, less the steps of the rung it continues. What it
 * costs of the budget, which successive halving counts in full-budget equivalents.
 */
export function proposalSteps(rungs: readonly number[], p: { hyperparameters?: JsonObject; continues?: string | null }): number {
  const steps = p.hyperparameters?.maxSteps;
  if (typeof steps !== 'number') throw new Error('successive halving: an evaluation without maxSteps');
  if (p.continues === undefined || p.continues === null) return steps;
  const at = rungs.indexOf(steps);
  if (at < 1) throw new Error(`successive halving: an evaluation continues a run but trains ${steps} steps, not a rung after the first (${rungs.join(', ')})`);
  return steps - rungs[at - 1];
}

/** The budget `evaluations` spent, in full-budget equivalents (the study's last rung). */
export function budgetSpent(config: SearchConfig, evaluations: readonly { hyperparameters?: JsonObject; continues?: string | null }[]): number {
  const rungs = studyRungs(config);
  return evaluations.reduce((sum, e) => sum + proposalSteps(rungs, e), 0) / rungs[rungs.length - 1];
}

/** A stage's verdict on one cohort's candidate, from its settings' full-budget results. */
export interface Judged {
  cohort: Cohort;
  arch: Architecture;
  /** Per setting that reached the full budget: its value and its reference's (null: the reference diverged or failed). */
  finals: { value: number; reference: number | null }[];
}

/**
 * What one proposal step does with the cohorts: it owns the halving state (changed in place) and
 * the generation being built.
 */
export class CohortStep {
  private readonly rungs: number[];
  private readonly last: number;
  private readonly gru = zooRow(GRU_KEY);
  private readonly known: Set<string>;
  private readonly held: Set<string>;
  private readonly fresh: Cohort[] = [];
  private readonly byKey: Map<string, HistoryItem>;

  constructor(
    private readonly config: SearchConfig,
    private readonly st: HalvingState,
    private readonly counts: HalvingCounts,
    private readonly proposals: Proposal[],
    history: readonly HistoryItem[],
    /** The prune ratio a task's cohorts are held to (default the preset's `pruneRatio`). */
    private readonly pruneFloor: (task: string) => number = () => config.fidelity.search.pruneRatio ?? 0,
  ) {
    this.rungs = studyRungs(config);
    this.last = this.rungs.length - 1;
    this.known = new Set(st.references);
    this.held = new Set(st.held);
    this.byKey = new Map(history.map((e) => [e.key, e]));
  }

  /** A finished evaluation's value: its metric (0 when missing), null when it diverged or failed. */
  private valueOf(key: string): number | null {
    const e = this.byKey.get(key);
    if (!e) throw new Error(`successive halving: evaluation ${key} is not in the history`);
    if (e.status === 'queued' || e.status === 'running') throw new Error(`successive halving: evaluation ${key} has not finished`);
    if (e.status !== 'done') return null;
    const v = e.metrics?.[this.config.metric] ?? 0;
    return Number.isFinite(v) ? (v as number) : 0;
  }

  /** A kept checkpoint of a run that trained to its end: what a continuation may start from. */
  private continuable(key: string): boolean {
    return this.held.has(key) && this.byKey.get(key)?.status === 'done';
  }

  /** What `proposals` cost of the budget, in full-budget equivalents. */
  cost(proposals: readonly Proposal[]): number {
    return proposals.reduce((sum, p) => sum + proposalSteps(this.rungs, p), 0) / this.rungs[this.last];
  }

  private trialAt(trial: string | number, rung: number): string | number {
    return rung === this.last ? trial : `${trial}@${this.rungs[rung]}`;
  }

  private memberKey(c: Cohort, m: Member, rung: number): string {
    return evaluationKey({ architecture: c.archs[m.arch].hash, task: c.task, trial: this.trialAt(m.trial, rung) });
  }

  private refKey(task: string, point: JozefowiczPoint, rung: number): string {
    return evaluationKey({ architecture: this.gru.hash, task, trial: this.trialAt(`ref:${pointId(point)}`, rung) });
  }

  /** The proposals the GRU reference of (task, point, rung) still needs: none when it was proposed before. */
  private reference(task: string, point: JozefowiczPoint, rung: number): Proposal[] {
    const key = this.refKey(task, point, rung);
    if (this.known.has(key)) return [];
    const p = settingProposal(this.gru, task, point, this.trialAt(`ref:${pointId(point)}`, rung), this.config, this.rungs[rung]);
    const previous = rung > 0 ? this.refKey(task, point, rung - 1) : undefined;
    return [{ ...p, ...(previous !== undefined && this.continuable(previous) ? { continues: previous } : {}), ...(rung < this.last ? { checkpoint: true } : {})}];
  }

  /** A member's evaluation at `rung`, continuing its previous rung. */
  private memberProposal(c: Cohort, m: Member, rung: number): Proposal {
    const p = settingProposal(c.archs[m.arch], c.task, m.point, this.trialAt(m.trial, rung), this.config, this.rungs[rung]);
    return { ...p, ...(rung > 0 ? { continues: this.memberKey(c, m, rung - 1) } : {}), ...(rung < this.last ? { checkpoint: true } : {}) };
  }

  /** Appends `batch` (members' and references' proposals) to the generation if its cost fits in `left`. */
  private commit(batch: { proposal: Proposal; reference: boolean; rung: number }[], left: number): boolean {
    if (this.cost(batch.map((b) => b.proposal)) > left) return false;
    for (const b of batch) {
      this.proposals.push(b.proposal);
      if (b.reference) {
        this.known.add(evaluationKey({ architecture: b.proposal.architecture.hash, task: b.proposal.task, trial: b.proposal.trial }));
        this.counts.references++;
      } else {
        this.counts.rungs[b.rung] = (this.counts.rungs[b.rung] ?? 0) + 1;
      }
    }
    return true;
  }

  private batchOf(c: Cohort, members: readonly Member[], rung: number): { proposal: Proposal; reference: boolean; rung: number }[] {
    const batch: { proposal: Proposal; reference: boolean; rung: number }[] = [];
    const refs = new Set<string>();
    for (const m of members) {
      // A reference shared by two members of the batch is proposed once.
      for (const r of this.reference(c.task, m.point, rung)) {
        const key = evaluationKey({ architecture: r.architecture.hash, task: r.task, trial: r.trial });
        if (refs.has(key)) continue;
        refs.add(key);
        batch.push({ proposal: r, reference: true, rung });
      }
      batch.push({ proposal: this.memberProposal(c, m, rung), reference: false, rung });
    }
    return batch;
  }

  /**
   * Advances every cohort one rung: each cohort's last rung has finished. Returns the candidates
   * of the cohorts that are done (the full budget reached, everything pruned, or the next rung
   * over the budget: `cut`), in cohort order.
   */
  advance(left: () => number): { judged: Judged[]; cut: Architecture[] } {
    const judged: Judged[] = [];
    const cut: Architecture[] = [];
    const still: Cohort[] = [];
    for (const c of this.st.cohorts) {
      const scored = c.members.map((m) => {
        const value = this.valueOf(this.memberKey(c, m, c.rung));
        const reference = this.valueOf(this.refKey(c.task, m.point, c.rung));
        return { m, value, reference, ratio: value === null ? null : value / Math.max(GRU_FLOOR, reference ?? 0) };
      });
      if (c.rung === this.last) {
        judged.push(...this.verdicts(c, scored));
        continue;
      }
      // The best 1/eta go on, but not a setting far behind its GRU at the same rung.
      const floor = this.pruneFloor(c.task);
      const up = new Set(
        promote(scored.map((s, i) => ({ key: String(i), value: s.ratio })), this.config.fidelity.search.eta)
          .map(Number)
          .filter((i) => (scored[i].ratio ?? -Infinity) >= floor),
      );
      const promoted = c.members.filter((_, i) => up.has(i));
      this.counts.pruned += c.members.length - promoted.length;
      if (promoted.length === 0) {
        judged.push(...this.verdicts(c, []));
        continue;
      }
      const next = { ...c, rung: c.rung + 1, members: promoted };
      if (!this.commit(this.batchOf(next, promoted, next.rung), left())) {
        cut.push(...(c.stage === null ? [] : distinct(promoted.map((m) => c.archs[m.arch]))));
        continue;
      }
      still.push(next);
    }
    this.st.cohorts = still;
    return { judged, cut };
  }

  /** One verdict per candidate of a finished cohort, from the settings that reached the full budget. */
  private verdicts(c: Cohort, scored: { m: Member; value: number | null; reference: number | null }[]): Judged[] {
    if (c.stage === null) return [];
    return c.archs.map((arch, i) => ({
      cohort: c,
      arch,
      finals: scored.filter((s) => s.m.arch === i && s.value !== null).map((s) => ({ value: s.value as number, reference: s.reference })),
    }));
  }

  /**
   * Starts a cohort of `settings` of `arch` on `task` (for filter `stage`, or null for a
   * re-evaluation): their first rung and its references; false (nothing added) when they do not
   * fit in `left`.
   */
  start(stage: number | null, task: string, arch: Architecture, settings: readonly DrawnSetting[], left: number): boolean {
    const c: Cohort = { stage, task, rung: 0, archs: [arch], members: settings.map((s) => ({ arch: 0, point: s.point, trial: s.trial })) };
    if (!this.commit(this.batchOf(c, c.members, 0), left)) return false;
    this.fresh.push(c);
    return true;
  }

  /**
   * Closes the step: this generation's new cohorts join the state, and the checkpoints nothing
   * may continue any more are returned for release (all of them when the study ends).
   */
  finish(ending: boolean): string[] {
    this.st.cohorts.push(...this.fresh);
    this.fresh.length = 0;
    const needed = new Set<string>();
    for (const p of this.proposals) {
      if (p.continues !== undefined) needed.add(p.continues);
      if (p.checkpoint) needed.add(evaluationKey({ architecture: p.architecture.hash, task: p.task, trial: p.trial }));
    }
    if (!ending) {
      for (const c of this.st.cohorts) {
        if (c.rung === this.last) continue;
        for (const m of c.members) needed.add(this.refKey(c.task, m.point, c.rung));
      }
      // Shared references (a pool): a reference's checkpoint stays until its next rung is proposed.
      if (this.st.pools) {
        for (const [task, points] of Object.entries(this.st.pools)) {
          for (const point of points) {
            for (let r = 0; r < this.last; r++) {
              if (this.known.has(this.refKey(task, point, r)) && !this.known.has(this.refKey(task, point, r + 1))) needed.add(this.refKey(task, point, r));
            }
          }
        }
      }
    }
    const before = [...this.held, ...this.newlyHeld().filter((k) => !this.held.has(k))];
    const release = ending ? before : before.filter((k) => !needed.has(k));
    this.st.held = ending ? [] : before.filter((k) => needed.has(k));
    this.st.references = [...this.known];
    return release;
  }

  private newlyHeld(): string[] {
    return this.proposals.filter((p) => p.checkpoint).map((p) => evaluationKey({ architecture: p.architecture.hash, task: p.task, trial: p.trial }));
  }
}

function distinct(archs: readonly Architecture[]): Architecture[] {
  return [...new Map(archs.map((a) => [a.hash, a])).values()];
}
