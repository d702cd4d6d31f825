// Test fixture: a separate process that holds a study database's write connection (as a running
// study does) and writes on command, so that a dashboard test watches real cross-process changes.
// Usage: writer-child.ts <db>. Reads one command per line on stdin and answers one JSON line:
//   hostile <name>   appends runs/dashboard/fixtures.ts' hostile generation to the search <name>
//   churn <n>        n short write transactions (events), each timed: {"ok":n,"failed":0,"maxMs":...,"totalMs":...}
//   train <name> <steps> <stepMs>
//                    starts a real study (runs/study.ts' driver, one worker thread of the fixture
//                    worker) of two evaluations of <steps> steps of <stepMs> each, whose curve
//                    points are stored while they train; answers when the first one is running
//   trained          waits for that study to end: {"status":...}
//   quit             closes the database and exits
import { createInterface } from 'node:readline';
import { openSqliteStorage } from '../sqlite.ts';
import { recordHostileGeneration, slowTrainingStudy } from './fixtures.ts';
import { JobPool } from '../pool.ts';
import { runStudy, type StudyOutcome } from '../study.ts';
import { FIXTURE_WORKER } from '../fixtures/fixture-study.ts';

const storage = openSqliteStorage(process.argv[2]);
const say = (v: unknown) => process.stdout.write(JSON.stringify(v) + '\n');
say({ ready: true, pid: process.pid });
let study: Promise<StudyOutcome> | undefined;

for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, arg] = line.trim().split(/\s+/);
  try {
    if (cmd === 'hostile') say({ hostile: await recordHostileGeneration(storage, arg) });
    else if (cmd === 'churn') {
      let ok = 0;
      let failed = 0;
      let maxMs = 0;
      const start = performance.now();
      let busyMs = 0;
      for (let i = 0; i < Number(arg); i++) {
        const t = performance.now();
        try {
          await storage.logEvent(null, 'churn', { i });
          ok++;
        } catch {
          failed++;
        }
        maxMs = Math.max(maxMs, performance.now() - t);
        busyMs += performance.now() - t;
        await new Promise((r) => setTimeout(r, 5));
      }
      say({ ok, failed, maxMs, totalMs: busyMs, wallMs: performance.now() - start });
    } else if (cmd === 'train') {
      const [, name, steps, stepMs] = line.trim().split(/\s+/);
      const pool = new JobPool({ handler: FIXTURE_WORKER, workers: 1 });
      // Answered once the first evaluation is running (the experiment and its generation are written).
      const started = new Promise<void>((resolve) => {
        study = runStudy({ storage, pool, maxAttempts: 1, ...slowTrainingStudy(name, Number(steps), Number(stepMs)), onEvent: (e) => e.type === 'start' && resolve() }).finally(() => pool.destroy());
        study.catch(() => resolve());
      });
      await started;
      say({ started: name });
    } else if (cmd === 'trained') {
      if (!study) throw new Error('no study was started');
      say({ status: (await study).status });
    } else if (cmd === 'quit') break;
    else say({ error: `unknown command '${cmd}'` });
  } catch (err) {
    say({ error: err instanceof Error ? err.message : String(err) });
  }
}
await storage.close();
// stdin may still be open (a parent that did not end it): nothing else keeps the process.
process.exit(0);
