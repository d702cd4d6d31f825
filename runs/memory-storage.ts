// The experiment database in memory: the Storage contract without a file, for fast tests of the
// driver, the strategies and the reports. It behaves as runs/sqlite.ts does (runs/storage.test.ts
// runs the same behaviours on both): rows are stored as JSON and every read goes through the zod
// schemas; ids count from 1; a unit of work checks everything before it changes anything, so it
// is atomic; a read-only view refuses writes; an open writer holds the lease `activeWriter` reports.
//
// One MemoryDatabase is one "file": open several views of it with memoryStorage(db, ...).
import { hostname } from 'node:os';
import { experimentSummary, now } from './rows.ts';
import {
  ArchitectureSchema,
  checkCurve,
  checkGeneration,
  CurvePointSchema,
  duplicateExperiment,
  EvaluationSchema,
  EventSchema,
  ExperimentSchema,
  StrategyStateSchema,
  unknownExperiment,
  withAncestors,
  WriterSchema,
  type Architecture,
  type CheckpointUsage,
  type CurvePoint,
  type Evaluation,
  type EvaluationFilter,
  type EvaluationResult,
  type Event,
  type Experiment,
  type ExperimentStatus,
  type ExperimentSummary,
  type JsonObject,
  type NewExperiment,
  type NewGeneration,
  type Storage,
  type StrategyState,
  type RunningEvaluation,
  type SnapshotOptions,
  type StudySnapshot,
  type Writer,
} from './storage.ts';

/** A value as a database column holds it: through JSON (NaN and Infinity become null, undefined fields go). */
const store = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
/** A fresh copy for a schema to parse, so that no caller shares a stored object. */
const load = (v: unknown): unknown => structuredClone(v);

/**
 * The tables, rows as stored (JSON values; typed as the rows they were written as, but read back
 * through the schemas like any database row).
 */
export class MemoryDatabase {
  readonly experiments: Experiment[] = [];
  readonly architectures = new Map<string, Architecture>();
  /** By id; ids are assigned in insertion order, so iteration order is id order. */
  readonly evaluations = new Map<number, Evaluation>();
  readonly curves = new Map<number, CurvePoint[]>();
  readonly events: Event[] = [];
  readonly strategyStates = new Map<number, StrategyState>();
  /** End checkpoints by evaluation id (a copy of the bytes given). */
  readonly checkpoints = new Map<number, Uint8Array>();
  writer: Writer | undefined;
  nextEvaluationId = 1;
}

export interface MemoryOptions {
  readonly?: boolean;
  /** Named in messages, as a file path is. */
  location?: string;
}

/** A view of `db` (a new, empty one by default); a writer takes the lease, as a SQLite writer does. */
export function memoryStorage(db = new MemoryDatabase(), opts: MemoryOptions = {}): MemoryStorage {
  return new MemoryStorage(db, opts.location ?? 'memory', opts.readonly === true);
}

function byGenerationOrdinal(a: { generation: number; ordinal: number }, b: { generation: number; ordinal: number }): number {
  return a.generation - b.generation || a.ordinal - b.ordinal;
}

export class MemoryStorage implements Storage {
  private closed = false;

  constructor(
    readonly db: MemoryDatabase,
    readonly location: string,
    readonly readonly: boolean,
  ) {
    if (!readonly) db.writer = { pid: process.pid, host: hostname(), since: now() };
  }

  private open(): MemoryDatabase {
    if (this.closed) throw new Error(`${this.location} is closed`);
    return this.db;
  }

  /** A unit of work: callers check everything before their first change. */
  private write<T>(fn: (db: MemoryDatabase) => T): T {
    const db = this.open();
    if (this.readonly) throw new Error(`${this.location} was opened read-only`);
    return fn(db);
  }

  private experimentRow(id: number): Experiment | undefined {
    const r = this.open().experiments.find((e) => e.id === id);
    return r === undefined ? undefined : ExperimentSchema.parse(load(r));
  }

  async getExperiment(name: string): Promise<Experiment | undefined> {
    const r = this.open().experiments.find((e) => e.name === name);
    return r === undefined ? undefined : ExperimentSchema.parse(load(r));
  }

  async createExperiment(spec: NewExperiment): Promise<Experiment> {
    return this.write((db) => {
      if (db.experiments.some((e) => e.name === spec.name)) throw duplicateExperiment(spec.name, this.location);
      const t = now();
      const id = db.experiments.length + 1;
      db.experiments.push(store<Experiment>({ id, name: spec.name, kind: spec.kind, config: spec.config, seed: spec.seed, status: 'running', createdAt: t, updatedAt: t }));
      this.insertEvent(db, id, 'created', { kind: spec.kind, seed: spec.seed });
      return this.experimentRow(id)!;
    });
  }

  async setExperimentStatus(experimentId: number, status: ExperimentStatus): Promise<void> {
    this.write((db) => {
      const r = db.experiments.find((e) => e.id === experimentId);
      if (r) Object.assign(r, { status, updatedAt: now() });
    });
  }

  async listExperiments(): Promise<ExperimentSummary[]> {
    const db = this.open();
    return db.experiments.map((r) => {
      const e = ExperimentSchema.parse(load(r));
      return experimentSummary(e, [...db.evaluations.values()].filter((v) => v.experimentId === e.id).map((v) => ({ status: v.status, n: 1 })));
    });
  }

  private architecture(hash: string): Architecture | undefined {
    const r = this.open().architectures.get(hash);
    return r === undefined ? undefined : ArchitectureSchema.parse(load(r));
  }

  async getArchitecture(hash: string): Promise<Architecture | undefined> {
    return this.architecture(hash);
  }

  async architecturesByPrefix(prefix: string, limit: number): Promise<Architecture[]> {
    const hashes = [...this.open().architectures.keys()].filter((h) => h.startsWith(prefix));
    // Byte order, as SQLite's default collation compares (these are ASCII).
    return hashes.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, Math.max(0, limit)).map((h) => this.architecture(h)!);
  }

  async recordGeneration(experimentId: number, g: NewGeneration): Promise<Evaluation[]> {
    return this.write((db) => {
      const existing = [...db.evaluations.values()].filter((v) => v.experimentId === experimentId);
      const { architectures, state, evaluations, release } = checkGeneration(experimentId, g, {
        location: this.location,
        experimentExists: this.experimentRow(experimentId) !== undefined,
        expected: db.strategyStates.get(experimentId)?.generations ?? 0,
        keyExists: (key) => existing.some((v) => v.key === key),
        architectureExists: (hash) => db.architectures.has(hash),
      });
      for (const a of architectures) if (!db.architectures.has(a.hash)) db.architectures.set(a.hash, store(a));
      for (const key of release) db.checkpoints.delete(existing.find((v) => v.key === key)!.id);
      for (const e of evaluations) {
        const id = db.nextEvaluationId++;
        db.evaluations.set(
          id,
          store<Evaluation>({
            id,
            experimentId,
            key: e.key,
            generation: g.generation,
            ordinal: e.ordinal,
            architecture: e.architecture,
            task: e.task,
            taskOptions: e.taskOptions,
            hyperparameters: e.hyperparameters,
            seed: e.seed,
            status: 'queued',
            metrics: null,
            steps: null,
            wallMs: null,
            error: null,
            attempts: 0,
            continues: e.continues,
            keepCheckpoint: e.keepCheckpoint,
          }),
        );
      }
      db.strategyStates.set(experimentId, store<StrategyState>({ generations: g.generation + 1, state, finished: g.finished }));
      this.insertEvent(db, experimentId, 'generation', { generation: g.generation, evaluations: g.evaluations.length, finished: g.finished });
      return this.evaluationRows(experimentId, { generation: g.generation });
    });
  }

  private strategyRow(experimentId: number): StrategyState | undefined {
    const r = this.open().strategyStates.get(experimentId);
    return r === undefined ? undefined : StrategyStateSchema.parse(load(r));
  }

  async strategyState(experimentId: number): Promise<StrategyState | undefined> {
    return this.strategyRow(experimentId);
  }

  private evaluationRows(experimentId: number, filter: EvaluationFilter = {}): Evaluation[] {
    const statuses = filter.status === undefined ? undefined : typeof filter.status === 'string' ? [filter.status] : filter.status;
    return [...this.open().evaluations.values()]
      .filter((v) => v.experimentId === experimentId)
      .filter((v) => statuses === undefined || statuses.includes(v.status))
      .filter((v) => filter.generation === undefined || v.generation === filter.generation)
      .sort(byGenerationOrdinal)
      .map((v) => EvaluationSchema.parse(load(v)));
  }

  async evaluations(experimentId: number, filter: EvaluationFilter = {}): Promise<Evaluation[]> {
    return this.evaluationRows(experimentId, filter);
  }

  async getEvaluation(id: number): Promise<Evaluation | undefined> {
    const r = this.open().evaluations.get(id);
    return r === undefined ? undefined : EvaluationSchema.parse(load(r));
  }

  /** The stored row of an evaluation in `status`, or the error SQLite's guarded UPDATE gives. */
  private rowIn(db: MemoryDatabase, evaluationId: number, status: 'queued' | 'running'): Evaluation {
    const r = db.evaluations.get(evaluationId);
    if (r === undefined || r.status !== status) throw new Error(`evaluation ${evaluationId} is not ${status}`);
    return r;
  }

  async markRunning(evaluationId: number, runner?: string): Promise<void> {
    this.write((db) => {
      const row = this.rowIn(db, evaluationId, 'queued');
      row.status = 'running';
      // As SQLite keeps it: the latest 'running' event of an evaluation names its runner.
      if (runner !== undefined) this.insertEvent(db, row.experimentId, 'running', { evaluation: evaluationId, runner });
    });
  }

  async appendCurve(evaluationId: number, points: readonly CurvePoint[]): Promise<void> {
    const curve = checkCurve(evaluationId, points);
    this.write((db) => {
      if (db.evaluations.get(evaluationId)?.status !== 'running') return;
      const stored = db.curves.get(evaluationId) ?? [];
      const steps = new Set(stored.map((p) => p.step));
      db.curves.set(evaluationId, store([...stored, ...curve.filter((p) => !steps.has(p.step))].sort((a, b) => a.step - b.step)));
    });
  }

  async running(experimentId: number): Promise<RunningEvaluation[]> {
    const db = this.open();
    const running = [...db.evaluations.values()].filter((v) => v.experimentId === experimentId && v.status === 'running').sort((a, b) => a.generation - b.generation || a.ordinal - b.ordinal);
    const out: RunningEvaluation[] = [];
    for (const v of running) {
      const event = [...db.events].reverse().find((e) => e.experimentId === experimentId && e.kind === 'running' && e.data.evaluation === v.id);
      const runner = event?.data.runner;
      out.push({ evaluationId: v.id, runner: typeof runner === 'string' ? runner : null, curve: await this.curve(v.id) });
    }
    return out;
  }

  async recordResult(evaluationId: number, r: EvaluationResult): Promise<void> {
    this.write((db) => {
      const curve = checkCurve(evaluationId, r.curve);
      const row = this.rowIn(db, evaluationId, 'running');
      Object.assign(row, store({ status: r.status, metrics: r.metrics, steps: r.steps, wallMs: r.wallMs, error: null }));
      db.curves.set(evaluationId, store([...curve].sort((a, b) => a.step - b.step)));
      if (r.checkpoint !== undefined && row.keepCheckpoint) db.checkpoints.set(evaluationId, new Uint8Array(r.checkpoint));
    });
  }

  async checkpoint(experimentId: number, key: string): Promise<Uint8Array | undefined> {
    const v = [...this.open().evaluations.values()].find((x) => x.experimentId === experimentId && x.key === key);
    const bytes = v === undefined ? undefined : this.db.checkpoints.get(v.id);
    return bytes && new Uint8Array(bytes);
  }

  private checkpointUsage(experimentId: number): CheckpointUsage {
    const usage = { count: 0, bytes: 0 };
    for (const [id, bytes] of this.open().checkpoints) {
      if (this.db.evaluations.get(id)?.experimentId !== experimentId) continue;
      usage.count++;
      usage.bytes += bytes.byteLength;
    }
    return usage;
  }

  async checkpointBytes(experimentId: number): Promise<number> {
    return this.checkpointUsage(experimentId).bytes;
  }

  async recordFailure(evaluationId: number, error: string, maxAttempts: number): Promise<'queued' | 'failed'> {
    return this.write((db) => {
      const row = this.rowIn(db, evaluationId, 'running');
      const attempts = row.attempts + 1;
      const status = attempts < maxAttempts ? 'queued' : 'failed';
      Object.assign(row, { status, attempts, error });
      db.curves.delete(evaluationId);
      this.insertEvent(db, row.experimentId, 'attempt-failed', { evaluation: evaluationId, attempt: attempts, error, then: status });
      return status;
    });
  }

  async requeue(evaluationId: number): Promise<void> {
    this.write((db) => {
      const row = db.evaluations.get(evaluationId);
      if (row?.status !== 'running') return;
      row.status = 'queued';
      db.curves.delete(evaluationId);
    });
  }

  async requeueRunning(experimentId: number): Promise<number> {
    return this.write((db) => {
      let n = 0;
      for (const v of db.evaluations.values()) {
        if (v.experimentId === experimentId && v.status === 'running') {
          v.status = 'queued';
          db.curves.delete(v.id);
          n++;
        }
      }
      if (n > 0) this.insertEvent(db, experimentId, 'requeued-running', { evaluations: n });
      return n;
    });
  }

  async requeueFailed(experimentId: number): Promise<number> {
    return this.write((db) => {
      let n = 0;
      for (const v of db.evaluations.values()) {
        if (v.experimentId === experimentId && v.status === 'failed') {
          Object.assign(v, { status: 'queued', attempts: 0 });
          n++;
        }
      }
      if (n > 0) {
        const e = db.experiments.find((x) => x.id === experimentId);
        if (e?.status === 'done') Object.assign(e, { status: 'interrupted', updatedAt: now() });
        this.insertEvent(db, experimentId, 'retry-failed', { evaluations: n });
      }
      return n;
    });
  }

  async curve(evaluationId: number): Promise<CurvePoint[]> {
    return (this.open().curves.get(evaluationId) ?? []).map((p) => CurvePointSchema.parse(load(p)));
  }

  async snapshot(experimentId: number, options: SnapshotOptions = {}): Promise<StudySnapshot | undefined> {
    const experiment = this.experimentRow(experimentId);
    if (!experiment) return undefined;
    const evaluations = this.evaluationRows(experimentId);
    const curves = new Map<number, CurvePoint[]>();
    for (const e of options.curves === false ? [] : [...evaluations].sort((a, b) => a.id - b.id)) {
      const points = await this.curve(e.id);
      if (points.length > 0) curves.set(e.id, points);
    }
    return {
      experiment,
      evaluations,
      architectures: withAncestors(evaluations.map((e) => e.architecture), (hash) => this.architecture(hash)),
      curves,
      events: this.eventRows(experimentId),
      strategy: this.strategyRow(experimentId),
      writer: this.writer(),
      checkpoints: this.checkpointUsage(experimentId),
    };
  }

  private writer(): Writer | undefined {
    const w = this.open().writer;
    return w && WriterSchema.parse(w);
  }

  async activeWriter(): Promise<Writer | undefined> {
    return this.writer();
  }

  async logEvent(experimentId: number | null, kind: string, data: JsonObject = {}): Promise<void> {
    this.write((db) => {
      if (experimentId !== null && !this.experimentRow(experimentId)) throw unknownExperiment(experimentId, this.location);
      this.insertEvent(db, experimentId, kind, data);
    });
  }

  private insertEvent(db: MemoryDatabase, experimentId: number | null, kind: string, data: JsonObject): void {
    db.events.push(store<Event>({ id: db.events.length + 1, experimentId, at: now(), kind, data }));
  }

  private eventRows(experimentId: number | null): Event[] {
    return this.open()
      .events.filter((e) => e.experimentId === experimentId)
      .map((e) => EventSchema.parse(load(e)));
  }

  async events(experimentId: number | null): Promise<Event[]> {
    return this.eventRows(experimentId);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.readonly && this.db.writer?.pid === process.pid) this.db.writer = undefined;
  }
}
