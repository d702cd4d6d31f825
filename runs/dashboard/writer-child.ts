// Test fixture: a separate process that holds a study database's write connection (as a running
// study does) and writes on command, so that a dashboard test watches real cross-process changes.
// Usage: writer-child.ts <db>. Reads one command per line on stdin and answers one JSON line:
//   hostile <name>   appends runs/dashboard/fixtures.ts' hostile generation to the search <name>
//   churn <n>        n short write transactions (events), each timed: {"ok":n,"failed":0,"maxMs":...}
//   quit             closes the database and exits
import { createInterface } from 'node:readline';
import { openSqliteStorage } from '../sqlite.ts';
import { recordHostileGeneration } from './fixtures.ts';

const storage = openSqliteStorage(process.argv[2]);
const say = (v: unknown) => process.stdout.write(JSON.stringify(v) + '\n');
say({ ready: true, pid: process.pid });

for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, arg] = line.trim().split(/\s+/);
  try {
    if (cmd === 'hostile') say({ hostile: await recordHostileGeneration(storage, arg) });
    else if (cmd === 'churn') {
      let ok = 0;
      let failed = 0;
      let maxMs = 0;
      for (let i = 0; i < Number(arg); i++) {
        const t = performance.now();
        try {
          await storage.logEvent(null, 'churn', { i });
          ok++;
        } catch {
          failed++;
        }
        maxMs = Math.max(maxMs, performance.now() - t);
        await new Promise((r) => setTimeout(r, 5));
      }
      say({ ok, failed, maxMs });
    } else if (cmd === 'quit') break;
    else say({ error: `unknown command '${cmd}'` });
  } catch (err) {
    say({ error: err instanceof Error ? err.message : String(err) });
  }
}
await storage.close();
// stdin may still be open (a parent that did not end it): nothing else keeps the process.
process.exit(0);
