// Whether this machine can read an evaluation's data: the folder a study recorded (ptb, music,
// text) must be here, at the same path. A `cellsearch worker` checks before it trains, so a
// machine without the data gives the evaluation back to the queue instead of failing its attempts
// (which would record it as failed for every machine: runs/queue-worker.ts).
import { getTask } from '../tasks/registry.ts';
import type { Evaluation } from './storage.ts';

/**
 * A check that throws the task's UserError (naming the missing or unreadable file) for an
 * evaluation whose data is not readable here. Tasks without a data folder pass; each distinct
 * task and options are built once, and remembered once they build.
 */
export function dataCheck(): (e: Pick<Evaluation, 'task' | 'taskOptions'>) => void {
  const readable = new Set<string>();
  return (e) => {
    if (typeof e.taskOptions?.dataDir !== 'string') return;
    const id = `${e.task}\0${JSON.stringify(e.taskOptions)}`;
    if (readable.has(id)) return;
    // Built as the training thread builds it: from the stored options alone.
    getTask(e.task, e.taskOptions);
    readable.add(id);
  };
}
