// Every task by name, with the schema of its options. Options come from outside (CLI flags, job
// specs, database rows), so they are parsed here, once; a bad option is a UserError naming it.
// The tasks are built from the parsed options by tasks/build-task.ts (which a worker thread uses
// alone: it loads no zod).
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { BatchOptionsSchema } from './batch-options.ts';
import { buildTask, type NamedTaskOptions, type TaskName, type TaskOptionsByName } from './build-task.ts';
import type { Task } from './task.ts';
import { ArithmeticOptionsSchema, MemorizeOptionsSchema, MusicOptionsSchema, PtbOptionsSchema, TextOptionsSchema, XmlOptionsSchema } from './task-options.ts';

export type { TaskName } from './build-task.ts';

export interface TaskEntry {
  /** One line for listings (the task itself says more once built). */
  summary: string;
  /** The task's options; unknown keys are rejected. */
  options: z.ZodType<object>;
  /** Whether the task reads data from a path the user gives (`dataDir`). */
  dataDir: 'none' | 'optional' | 'required';
}

export const TASKS = {
  arithmetic: {
    summary: 'sum or difference of two numbers with distractor letters (Jozefowicz et al. 2015)',
    options: ArithmeticOptionsSchema,
    dataDir: 'none',
  },
  xml: {
    summary: 'synthetic XML, next character (Jozefowicz et al. 2015)',
    options: XmlOptionsSchema,
    dataDir: 'none',
  },
  ptb: {
    summary: 'word-level language modelling: Mikolov PTB from --data-dir / PTB_DIR, else the shipped State of the Union corpus',
    options: PtbOptionsSchema,
    dataDir: 'optional',
  },
  memorize: {
    summary: 'read 5 symbols from 26, then reproduce them (the filter of Jozefowicz et al. 2015)',
    options: MemorizeOptionsSchema,
    dataDir: 'none',
  },
  music: {
    summary: 'JSB Chorales piano rolls, next step, NLL per time step (Greff et al. 2016); the data is not shipped: give its path',
    options: MusicOptionsSchema,
    dataDir: 'required',
  },
  text: {
    summary: 'character- or word-level language modelling on your own text (--data-dir: train.txt, valid.txt, test.txt, or one file split 90/5/5)',
    options: TextOptionsSchema,
    dataDir: 'required',
  },
} as const satisfies { [N in TaskName]: TaskEntry & { options: z.ZodType<TaskOptionsByName[N]> } };

export const TASK_NAMES = Object.keys(TASKS) as TaskName[];

export function isTaskName(name: string): name is TaskName {
  return Object.hasOwn(TASKS, name);
}

/** A task's options parsed with its schema (the defaults filled in); a bad name or option is a UserError. */
export function parseTaskOptions(name: string, options: unknown = {}): NamedTaskOptions {
  if (!isTaskName(name)) throw new UserError(`unknown task ${JSON.stringify(name)}; the tasks are ${TASK_NAMES.join(', ')}`);
  const entry: TaskEntry = TASKS[name];
  const parsed = entry.options.safeParse(options ?? {});
  if (!parsed.success) throw new UserError(`task ${name}: bad options: ${z.prettifyError(parsed.error).replace(/\n+/g, '; ')}`);
  return { name, options: parsed.data } as NamedTaskOptions;
}

/**
 * Builds a task from its name and options (parsed with the task's schema). `env` supplies
 * PTB_DIR / JSB_DIR when `dataDir` is not given; only a command at the boundary passes one
 * (buildTask says why). The task's `batches()` parses its batch options too, since its caller's
 * come from outside as well.
 */
export function getTask(name: string, options: unknown = {}, env: NodeJS.ProcessEnv = {}): Task {
  const task = buildTask(parseTaskOptions(name, options), env);
  return { ...task, batches: (split, opts) => task.batches(split, BatchOptionsSchema.parse(opts)) };
}
