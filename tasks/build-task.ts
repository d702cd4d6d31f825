// Builds a task from its name and parsed options: what a worker thread does with a job whose task
// options the coordinator parsed (tasks/registry.ts's schemas). Loads no zod.
import { arithmeticTask } from './arithmetic.ts';
import { memorizeTask } from './memorize.ts';
import { musicTask } from './music.ts';
import { ptbTask } from './ptb.ts';
import type { Task } from './task.ts';
import type { ArithmeticOptions, MemorizeOptions, MusicOptions, PtbOptions, TextOptions, XmlOptions } from './task-options.ts';
import { textTask } from './text.ts';
import { xmlTask } from './xml.ts';

/** Each task's parsed options (tasks/task-options.ts). */
export interface TaskOptionsByName {
  arithmetic: ArithmeticOptions;
  xml: XmlOptions;
  ptb: PtbOptions;
  memorize: MemorizeOptions;
  music: MusicOptions;
  text: TextOptions;
}
export type TaskName = keyof TaskOptionsByName;

/** A task's options with its name, as a parsed job carries them. */
export type NamedTaskOptions = { [N in TaskName]: { name: N; options: TaskOptionsByName[N] } }[TaskName];

/** `env` supplies PTB_DIR / JSB_DIR when `dataDir` is not given. */
const BUILDERS: { [N in TaskName]: (options: TaskOptionsByName[N], env: NodeJS.ProcessEnv) => Task } = {
  arithmetic: (o) => arithmeticTask(o),
  xml: (o) => xmlTask(o),
  ptb: (o, env) => ptbTask(o, env),
  memorize: (o) => memorizeTask(o),
  music: (o, env) => musicTask(o, env),
  text: (o) => textTask(o),
};

/**
 * The task of parsed options. Stored options say everything (a study records the data folder it
 * read), so `env` is empty unless the caller stands at the boundary (a command that reads PTB_DIR):
 * a machine's environment must not change what a stored evaluation trains on.
 */
export function buildTask(t: NamedTaskOptions, env: NodeJS.ProcessEnv = {}): Task {
  return (BUILDERS[t.name] as (options: object, env: NodeJS.ProcessEnv) => Task)(t.options, env);
}
