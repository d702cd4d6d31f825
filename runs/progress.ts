// Progress of a study for a person watching: on a terminal, one line redrawn in place (a bar for
// the evaluation being trained, its loss and validation metric, and the study's counts); when the
// output is a file or a pipe, plain lines at each start, validation and result.
import { printable } from '../cells/text.ts';
import { trialOfKey } from './seeds.ts';
import type { StudyEvent } from './study.ts';
import type { Evaluation } from './storage.ts';

export interface ProgressOptions {
  /** Where to draw (default: process.stderr). */
  out?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Total evaluations known so far are counted from events; a label names each evaluation. */
  label?: (e: Evaluation) => string;
  /** Force the terminal / plain mode (default: out.isTTY). */
  tty?: boolean;
}

/**
 * How progress lines name an evaluation: its cell's name in `names` (else the hash's first 8
 * digits), then the task and `#trial` where they tell a study's evaluations apart.
 */
export function evaluationLabel(names: ReadonlyMap<string, string>, show: { task: boolean; trial: boolean }): (e: Evaluation) => string {
  return (e) => `${names.get(e.architecture) ?? e.architecture.slice(0, 8)}${show.task ? ` ${e.task}` : ''}${show.trial ? ` #${trialOfKey(e.key)}` : ''}`;
}

const fmt = (v: number | null | undefined, digits = 3): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '-');

export function bar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return '#'.repeat(full) + '.'.repeat(width - full);
}

export interface ProgressView {
  onEvent(e: StudyEvent): void;
  /** Clears the live line (call before printing anything else). */
  done(): void;
}

export function progressView(opts: ProgressOptions = {}): ProgressView {
  const out = opts.out ?? process.stderr;
  const tty = opts.tty ?? out.isTTY === true;
  const label = opts.label ?? ((e: Evaluation) => `#${e.id}`);
  let total = 0;
  let finished = 0;
  let failed = 0;
  let live = '';
  const validAcc = new Map<number, number | null>();

  // Labels carry file names and experiment names: their control characters are shown, not obeyed.
  const draw = (raw: string) => {
    if (!tty) return;
    const line = printable(raw);
    const width = Math.max(20, (out.columns || 100) - 1);
    const text = line.length > width ? line.slice(0, width) : line;
    out.write(`\r${text}${' '.repeat(Math.max(0, live.length - text.length))}`);
    live = text;
  };
  const say = (line: string) => {
    if (tty && live) {
      out.write(`\r${' '.repeat(live.length)}\r`);
      live = '';
    }
    out.write(printable(line) + '\n');
  };
  const counts = () => `${finished}/${total} finished${failed ? `, ${failed} failed` : ''}`;

  return {
    onEvent(e) {
      switch (e.type) {
        case 'opened': {
          const c = e.counts;
          total = c.queued + c.running + c.done + c.diverged + c.failed;
          finished = c.done + c.diverged + c.failed;
          failed = c.failed;
          if (total > 0) say(`resuming '${e.experiment.name}'${e.requeued ? ` (${e.requeued} interrupted evaluation${e.requeued > 1 ? 's' : ''} re-queued)` : ''}`);
          break;
        }
        case 'generation':
          total += e.evaluations;
          break;
        case 'start':
          if (!tty) say(`${label(e.evaluation)}: training (${counts()})`);
          break;
        case 'progress': {
          const p = e.point;
          if (p.validAccuracy !== undefined) validAcc.set(e.evaluation.id, p.validAccuracy);
          const max = typeof p.maxSteps === 'number' ? p.maxSteps : NaN;
          if (tty) {
            draw(
              `${label(e.evaluation)} [${bar(p.step / max, 24)}] step ${p.step}/${Number.isFinite(max) ? max : '?'} ` +
                `loss ${fmt(p.loss)} valid acc ${fmt(validAcc.get(e.evaluation.id))} | ${counts()}`,
            );
          } else if (p.validLoss !== undefined) {
            say(`${label(e.evaluation)}: step ${p.step}${Number.isFinite(max) ? `/${max}` : ''} loss ${fmt(p.loss)} valid loss ${fmt(p.validLoss)} valid acc ${fmt(p.validAccuracy)}`);
          }
          break;
        }
        case 'finish': {
          finished++;
          const m = e.evaluation.metrics ?? {};
          say(`${label(e.evaluation)}: ${e.evaluation.status} after ${e.evaluation.steps} steps, valid acc ${fmt(m.validAccuracy)}, test acc ${fmt(m.testAccuracy)} (${counts()})`);
          break;
        }
        case 'failure':
          if (e.then === 'failed') {
            finished++;
            failed++;
          }
          say(`${label(e.evaluation)}: attempt ${e.evaluation.attempts} failed${e.then === 'queued' ? ', will retry' : ', giving up'}: ${e.error.split('\n')[0]}`);
          break;
        case 'stopping':
          say(`stopping: waiting for ${e.running} running evaluation${e.running === 1 ? '' : 's'} to finish`);
          break;
        case 'aborting':
          say(`aborting ${e.running} running evaluation${e.running === 1 ? '' : 's'}; they stay queued for the next run`);
          break;
      }
    },
    done() {
      if (tty && live) {
        out.write(`\r${' '.repeat(live.length)}\r`);
        live = '';
      }
    },
  };
}
