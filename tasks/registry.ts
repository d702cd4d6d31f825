// Every task by name, with the schema of its options. Options come from outside (CLI flags, job
// specs, database rows), so they are parsed here, once; a bad option is a UserError naming it.
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { arithmeticTask, ArithmeticOptionsSchema } from './arithmetic.ts';
import { memorizeTask, MemorizeOptionsSchema } from './memorize.ts';
import { musicTask, MusicOptionsSchema } from './music.ts';
import { ptbTask, PtbOptionsSchema } from './ptb.ts';
import { textTask, TextOptionsSchema } from './text.ts';
import type { Task } from './task.ts';
import { xmlTask, XmlOptionsSchema } from './xml.ts';

export interface TaskEntry {
  /** One line for listings (the task itself says more once built). */
  summary: string;
  /** The task's options; unknown keys are rejected. */
  options: z.ZodType<object>;
  /** Whether the task reads data from a path the user gives (`dataDir`). */
  dataDir: 'none' | 'optional' | 'required';
  create(options: object, env: NodeJS.ProcessEnv): Task;
}

export const TASKS = {
  arithmetic: {
    summary: 'sum or difference of two numbers with distractor letters (Jozefowicz et al. 2015)',
    options: ArithmeticOptionsSchema,
    dataDir: 'none',
    create: (o) => arithmeticTask(o),
  },
  xml: {
    summary: 'synthetic XML, next character (Jozefowicz et al. 2015)',
    options: XmlOptionsSchema,
    dataDir: 'none',
    create: (o) => xmlTask(o),
  },
  ptb: {
    summary: 'word-level language modelling: Mikolov PTB from --data-dir / PTB_DIR, else the shipped State of the Union corpus',
    options: PtbOptionsSchema,
    dataDir: 'optional',
    create: (o, env) => ptbTask(o, env),
  },
  memorize: {
    summary: 'read 5 symbols from 26, then reproduce them (the filter of Jozefowicz et al. 2015)',
    options: MemorizeOptionsSchema,
    dataDir: 'none',
    create: (o) => memorizeTask(o),
  },
  music: {
    summary: 'JSB Chorales piano rolls, next step, NLL per time step (Greff et al. 2016); the data is not shipped: give its path',
    options: MusicOptionsSchema,
    dataDir: 'required',
    create: (o, env) => musicTask(o, env),
  },
  text: {
    summary: 'character- or word-level language modelling on your own text (--data-dir: train.txt, valid.txt, test.txt, or one file split 90/5/5)',
    options: TextOptionsSchema,
    dataDir: 'required',
    create: (o) => textTask(o as z.input<typeof TextOptionsSchema>),
  },
} as const satisfies Record<string, TaskEntry>;

export type TaskName = keyof typeof TASKS;
export const TASK_NAMES = Object.keys(TASKS) as TaskName[];

export function isTaskName(name: string): name is TaskName {
  return Object.hasOwn(TASKS, name);
}

/**
 * Builds a task from its name and options (parsed with the task's schema). `env` supplies
 * PTB_DIR / JSB_DIR when `dataDir` is not given.
 */
export function getTask(name: string, options: unknown = {}, env: NodeJS.ProcessEnv = process.env): Task {
  if (!isTaskName(name)) throw new UserError(`unknown task ${JSON.stringify(name)}; the tasks are ${TASK_NAMES.join(', ')}`);
  const entry: TaskEntry = TASKS[name];
  const parsed = entry.options.safeParse(options ?? {});
  if (!parsed.success) throw new UserError(`task ${name}: bad options: ${z.prettifyError(parsed.error).replace(/\n+/g, '; ')}`);
  return entry.create(parsed.data, env);
}
