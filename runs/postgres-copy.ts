// A copied experiment (runs/study-copy.ts, `cellsearch db copy`) written into a PostgreSQL
// database, inside the caller's transaction: one statement per table, each from arrays
// (`unnest`), so a study of 100k evaluations is a handful of round trips.
import { duplicateExperiment } from './storage.ts';
import { rows, type Db } from './postgres-rows.ts';
import { json, now } from './rows.ts';
import { remapEventData, type StudyCopy } from './study-copy.ts';

/** Writes `copy` with new ids; returns the new experiment's id. Refused (nothing written) when the name exists. */
export async function insertStudy(c: Db, copy: StudyCopy, location: string): Promise<number> {
  const x = copy.experiment;
  if ((await rows(c, 'SELECT 1 FROM experiments WHERE name = $1', [x.name])).length > 0) throw duplicateExperiment(x.name, location);
  const [{ id }] = await rows<{ id: number }>(
    c,
    'INSERT INTO experiments (name, kind, config, seed, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id',
    [x.name, x.kind, json(x.config), x.seed, x.status, x.createdAt, x.updatedAt],
  );
  const archs = [...copy.architectures.values()];
  await c.query(
    `INSERT INTO architectures (hash, cell, notation, origin, created_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) ON CONFLICT (hash) DO NOTHING`,
    [archs.map((a) => a.hash), archs.map((a) => json(a.cell)), archs.map((a) => a.notation), archs.map((a) => json(a.origin)), archs.map(() => now())],
  );
  const ev = copy.evaluations;
  // Ids in the order given: RETURNING follows the rows of the unnest, matched back by key.
  const inserted = await rows<{ id: number; key: string }>(
    c,
    `INSERT INTO evaluations (experiment_id, key, generation, ordinal, architecture, task, task_options, hyperparameters, seed, status, metrics, steps, wall_ms, error, attempts, continues, keep_checkpoint)
     SELECT $1, * FROM unnest($2::text[], $3::int[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[], $11::text[], $12::int[],
       $13::float8[], $14::text[], $15::int[], $16::text[], $17::boolean[])
     RETURNING id, key`,
    [
      id,
      ev.map((e) => e.key),
      ev.map((e) => e.generation),
      ev.map((e) => e.ordinal),
      ev.map((e) => e.architecture),
      ev.map((e) => e.task),
      ev.map((e) => json(e.taskOptions)),
      ev.map((e) => json(e.hyperparameters)),
      ev.map((e) => e.seed),
      ev.map((e) => e.status),
      ev.map((e) => (e.metrics === null ? null : json(e.metrics))),
      ev.map((e) => e.steps),
      ev.map((e) => e.wallMs),
      ev.map((e) => e.error),
      ev.map((e) => e.attempts),
      ev.map((e) => e.continues),
      ev.map((e) => e.keepCheckpoint),
    ],
  );
  const newIdOfKey = new Map(inserted.map((r) => [r.key, r.id]));
  const ids = new Map(ev.map((e) => [e.id, newIdOfKey.get(e.key)!]));
  const points = ev.flatMap((e) => (copy.curves.get(e.id) ?? []).map((p) => [ids.get(e.id)!, p] as const));
  if (points.length > 0) {
    await c.query('INSERT INTO curves (evaluation_id, step, point) SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[])', [
      points.map(([to]) => to),
      points.map(([, p]) => p.step),
      points.map(([, p]) => json(p)),
    ]);
  }
  // One at a time: checkpoints are large (hundreds of KB), and an array of them would be built twice in memory.
  for (const [key, bytes] of copy.checkpoints) await c.query('INSERT INTO checkpoints (evaluation_id, bytes) VALUES ($1, $2)', [newIdOfKey.get(key), Buffer.from(bytes)]);
  const events = copy.events;
  if (events.length > 0) {
    await c.query('INSERT INTO events (experiment_id, at, kind, data) SELECT $1, e.at, e.kind, e.data FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS e(at, kind, data, n) ORDER BY n', [
      id,
      events.map((v) => v.at),
      events.map((v) => v.kind),
      events.map((v) => json(remapEventData(v.data, (from) => ids.get(from)))),
    ]);
  }
  if (copy.strategy) {
    await c.query('INSERT INTO strategy_state (experiment_id, generations, state, finished) VALUES ($1, $2, $3, $4)', [id, copy.strategy.generations, json(copy.strategy.state), copy.strategy.finished]);
  }
  return id;
}
