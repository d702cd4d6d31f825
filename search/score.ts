// The score of an architecture in the Jozefowicz et al. (2015) search: for each task, its best
// accuracy over the hyperparameter settings tried, divided by the GRU's best accuracy on that
// task; the score is the minimum of these ratios over the tasks. A score above 1 means the
// architecture beats the GRU on every task.

/** Best accuracy per task name (fractions in [0, 1]). */
export type TaskAccuracies = Readonly<Record<string, number>>;

/** Each task's ratio of the architecture's best accuracy to the GRU's, in the order of `tasks`. */
export function ratiosToGru(best: TaskAccuracies, gru: TaskAccuracies, tasks: readonly string[] = Object.keys(gru)): Record<string, number> {
  if (tasks.length === 0) throw new Error('ratiosToGru: no tasks');
  const out: Record<string, number> = {};
  for (const task of tasks) {
    const a = best[task];
    const g = gru[task];
    if (a === undefined) throw new Error(`ratiosToGru: no accuracy for task '${task}'`);
    if (g === undefined) throw new Error(`ratiosToGru: no GRU accuracy for task '${task}'`);
    if (!Number.isFinite(a) || a < 0) throw new Error(`ratiosToGru: accuracy ${a} on '${task}' is not a finite non-negative number`);
    if (!Number.isFinite(g) || g <= 0) throw new Error(`ratiosToGru: the GRU's accuracy ${g} on '${task}' must be positive to divide by`);
    out[task] = a / g;
  }
  return out;
}

/** min over tasks of best[task] / gru[task]; the tasks default to those the GRU was scored on. */
export function score(best: TaskAccuracies, gru: TaskAccuracies, tasks: readonly string[] = Object.keys(gru)): number {
  return Math.min(...Object.values(ratiosToGru(best, gru, tasks)));
}

/**
 * The paper's filter before an architecture may enter the list: each task in turn must reach at
 * least `fraction` (0.9) of the GRU's best. Returns the first task that fails, or undefined if
 * all pass; tasks are checked in the given order so a caller can stop training early.
 */
export function firstFailingTask(best: TaskAccuracies, gru: TaskAccuracies, tasks: readonly string[], fraction = 0.9): string | undefined {
  const ratios = ratiosToGru(best, gru, tasks);
  return tasks.find((t) => ratios[t] < fraction);
}
