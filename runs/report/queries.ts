// What reports and exports read from a study, through the Storage interface: the experiment to
// report and one snapshot of it (Storage.snapshot: one read transaction, so a report of a study
// that is still running shows one state between two of the writer's units of work).
import { UserError } from '../../errors.ts';
import type { Architecture, Experiment, Storage, StudySnapshot } from '../storage.ts';

/** Everything about one experiment that a report reads: one snapshot (Storage.snapshot), and where and whether it is being written. */
export interface StudyData extends Omit<StudySnapshot, 'writer'> {
  /** Where the data came from (the database file). */
  location: string;
  /** True when a process holds the write connection now (the study is running). */
  writerActive: boolean;
}

/** The experiment to report: the one named, or the only one in the database. */
export async function pickExperiment(storage: Storage, name: string | undefined): Promise<Experiment> {
  const all = await storage.listExperiments();
  if (name !== undefined) {
    const e = all.find((x) => x.name === name);
    if (!e) throw new UserError(`no experiment named '${name}' in ${storage.location}${all.length ? `; it has: ${all.map((x) => x.name).join(', ')}` : ' (it has none)'}`);
    return e;
  }
  if (all.length === 0) throw new UserError(`${storage.location} has no experiments`);
  if (all.length > 1) throw new UserError(`${storage.location} has several experiments (${all.map((x) => x.name).join(', ')}): name one with --name`);
  return all[0];
}

/** Reads an experiment as one snapshot. The storage may be read-only (it should be). */
export async function readStudy(storage: Storage, name: string | undefined): Promise<StudyData> {
  const picked = await pickExperiment(storage, name);
  const snap = await storage.snapshot(picked.id);
  if (!snap) throw new Error(`experiment '${picked.name}' vanished from ${storage.location} while it was read`);
  const { writer, ...data } = snap;
  return { location: storage.location, ...data, writerActive: writer !== undefined };
}

/** Architectures whose hash starts with `prefix` (at least 4 characters), for `cellsearch export <hash>`. */
export async function architecturesByPrefix(storage: Storage, prefix: string): Promise<Architecture[]> {
  if (!/^[0-9a-zA-Z]{4,}$/.test(prefix)) return [];
  return storage.architecturesByPrefix(prefix, 20);
}
