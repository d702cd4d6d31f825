// One experiment moved between databases (`cellsearch db copy`, SQLite <-> PostgreSQL): everything
// recorded about it is read through one backend's Storage (`readStudy`), written by the other's
// `importStudy` in one transaction, read back and compared (`studyImage`): a copy that reads back
// differently is an error, not a warning.
//
// Ids are the destination's: the experiment's, its evaluations' and its events' are new, and an
// event's `evaluation` (the id of the evaluation it concerns) is mapped to the new one.
import type { JsonObject, Storage, StudySnapshot } from './storage.ts';

/** An experiment and everything recorded about it, as the source's Storage reads it (curves by the source's evaluation ids). */
export type StudyCopy = Omit<StudySnapshot, 'writer' | 'checkpoints'> & {
  /** The stored checkpoints' bytes, by evaluation key (a snapshot has only their count and size). */
  checkpoints: Map<string, Uint8Array>;
};

/** The experiment as `storage` holds it, its checkpoints' bytes included; undefined when there is no such experiment. */
export async function readStudy(storage: Storage, experimentId: number): Promise<StudyCopy | undefined> {
  const snap = await storage.snapshot(experimentId);
  if (!snap) return undefined;
  const checkpoints = new Map<string, Uint8Array>();
  for (const e of snap.evaluations) {
    if (!e.keepCheckpoint) continue;
    const bytes = await storage.checkpoint(experimentId, e.key);
    if (bytes) checkpoints.set(e.key, bytes);
  }
  return copyOf(snap, checkpoints);
}

function copyOf(snap: StudySnapshot, checkpoints: Map<string, Uint8Array>): StudyCopy {
  const { experiment, evaluations, architectures, curves, events, strategy } = snap;
  return { experiment, evaluations, architectures, curves, events, strategy, checkpoints };
}

/** An event's data with the evaluation it names (`evaluation`: an id) as `map` says. */
export function remapEventData(data: JsonObject, map: (id: number) => number | string | undefined): JsonObject {
  const id = data.evaluation;
  if (typeof id !== 'number') return data;
  const to = map(id);
  return to === undefined ? data : { ...data, evaluation: to };
}

/**
 * What must be equal between a study and its copy: everything but the ids, which are each
 * database's own (evaluations are named by key, events by their place in the log).
 */
export function studyImage(c: StudyCopy): unknown {
  const keyOf = new Map(c.evaluations.map((e) => [e.id, e.key]));
  const { id: _id, ...experiment } = c.experiment;
  return {
    experiment,
    evaluations: c.evaluations.map(({ id: _e, experimentId: _x, ...rest }) => rest),
    architectures: [...c.architectures.values()].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0)),
    curves: c.evaluations.map((e) => [e.key, c.curves.get(e.id) ?? []]),
    events: c.events.map((e) => ({ at: e.at, kind: e.kind, data: remapEventData(e.data, (id) => keyOf.get(id)) })),
    strategy: c.strategy ?? null,
    checkpoints: [...c.checkpoints].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, bytes]) => [key, Buffer.from(bytes).toString('base64')]),
  };
}
