// Ctrl-C for long runs: the first SIGINT (or SIGTERM) asks for a graceful stop (no new jobs,
// running ones finish and are recorded); the second aborts the running jobs at once (they go
// back to the queue). Either way the study records its state and the command exits 130.
export interface Interrupts {
  stop: AbortSignal;
  abort: AbortSignal;
  /** Removes the handlers (restoring the default: the next Ctrl-C kills the process). */
  dispose(): void;
}

export function handleInterrupts(say: (line: string) => void = (l) => process.stderr.write(l + '\n')): Interrupts {
  const stop = new AbortController();
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (!stop.signal.aborted) {
      say(`\n${sig}: finishing the running evaluations, then stopping (press Ctrl-C again to abort them; they will be re-run on resume)`);
      stop.abort();
    } else if (!abort.signal.aborted) {
      say(`\n${sig}: aborting the running evaluations`);
      abort.abort();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stop: stop.signal,
    abort: abort.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** The exit code of an interrupted command. */
export const EXIT_INTERRUPTED = 130;
