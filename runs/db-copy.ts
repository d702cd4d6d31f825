// `cellsearch db copy FROM TO`: experiments moved between databases, SQLite and PostgreSQL either
// way (runs/study-copy.ts). Everything is checked before anything is written: the experiments
// exist in FROM, none of them is being run, none of their names is taken in TO. Each experiment is
// then written in one transaction and read back; a copy that reads back differently is an error.
// FROM is only read. A copied study resumes in TO with the same command and --db TO.
import { UserError } from '../errors.ts';
import { openStorage } from './open-storage.ts';
import { readStudy, studyImage } from './study-copy.ts';
import type { Storage } from './storage.ts';

export interface CopyRequest {
  from: string;
  to: string;
  /** The experiments to copy (default: all of FROM's). */
  names?: readonly string[];
}

export interface CopiedStudy {
  name: string;
  evaluations: number;
  events: number;
  checkpoints: number;
}

export interface CopyOutcome {
  /** FROM and TO as they may be shown (no password). */
  from: string;
  to: string;
  copied: CopiedStudy[];
}

export async function copyStudies(r: CopyRequest): Promise<CopyOutcome> {
  if (r.from === r.to) throw new UserError('db copy: FROM and TO are the same database');
  const source = await openStorage(r.from, { readonly: true, snapshot: true });
  try {
    const all = await source.listExperiments();
    const wanted = r.names === undefined ? all : r.names.map((n) => all.find((e) => e.name === n) ?? missing(n, source));
    if (wanted.length === 0) throw new UserError(`db copy: ${source.location} has no experiments; nothing was copied`);
    for (const e of wanted) {
      const w = await source.activeWriter(e.id);
      if (w) {
        throw new UserError(
          `db copy: experiment '${e.name}' in ${source.location} is being run (pid ${w.pid} on ${w.host}, since ${w.since}); copy it once it stopped (Ctrl-C, or wait for its end); nothing was copied`,
        );
      }
    }
    const target = await openStorage(r.to);
    try {
      if (!target.importStudy) throw new UserError(`db copy: ${target.location} cannot receive a copy`);
      for (const e of wanted) {
        if (await target.getExperiment(e.name)) {
          throw new UserError(`db copy: an experiment named '${e.name}' already exists in ${target.location}; nothing was copied (copy into another database, or --name the others)`);
        }
      }
      const copied: CopiedStudy[] = [];
      for (const e of wanted) copied.push(await copyOne(source, target, e.id));
      return { from: source.location, to: target.location, copied };
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

function missing(name: string, source: Storage): never {
  throw new UserError(`db copy: no experiment named '${name}' in ${source.location}; nothing was copied`);
}

async function copyOne(source: Storage, target: Storage, experimentId: number): Promise<CopiedStudy> {
  const copy = (await readStudy(source, experimentId))!;
  const made = await target.importStudy!(copy);
  const back = await readStudy(target, made.id);
  const [want, got] = [JSON.stringify(studyImage(copy)), JSON.stringify(back && studyImage(back))];
  if (want !== got) {
    let at = 0;
    while (at < want.length && want[at] === got[at]) at++;
    throw new Error(`db copy: experiment '${copy.experiment.name}' reads back differently from ${target.location} (from character ${at}: ${want.slice(at, at + 80)} / ${got.slice(at, at + 80)})`);
  }
  return { name: copy.experiment.name, evaluations: copy.evaluations.length, events: copy.events.length, checkpoints: copy.checkpoints.size };
}
