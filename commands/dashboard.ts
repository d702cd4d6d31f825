// `cellsearch dashboard`: serves every study of a database as a live web app (runs/dashboard/).
// The database is opened read-only; the server binds loopback unless told otherwise, and any
// other address needs a token (given, or generated and printed in the URL).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { CommandModule } from 'yargs';
import { commandHead } from './list.ts';
import { UserError } from '../errors.ts';
import { reportDatabase } from './report.ts';

interface DashboardArgs {
  db?: string;
  port: number;
  host: string;
  token?: string;
  open: boolean;
}

/** The token to require: --token (or CELLSEARCH_DASHBOARD_TOKEN), generated when the address is not loopback. */
export function dashboardToken(host: string, given: string | undefined, loopback: boolean): { token: string | undefined; generated: boolean } {
  if (given !== undefined) {
    if (given.length < 16) throw new UserError('--token: use at least 16 characters');
    return { token: given, generated: false };
  }
  if (loopback) return { token: undefined, generated: false };
  return { token: randomBytes(24).toString('base64url'), generated: true };
}

function openBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`cellsearch: --open: could not start ${cmd}; open ${url.replace(/\?token=.*/, '')} yourself\n`));
  child.unref();
}

export const dashboardCommand: CommandModule<object, DashboardArgs> = {
  ...commandHead('dashboard'),
  builder: (y) =>
    y
      .option('db', { type: 'string', describe: 'database file (default: the only runs/*.sqlite)' })
      .option('port', { type: 'number', default: 8080, describe: 'port to listen on (0: any free port)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to bind; anything but loopback requires a token' })
      .option('token', { type: 'string', describe: 'require this token (at least 16 characters; also CELLSEARCH_DASHBOARD_TOKEN); generated when --host is not loopback' })
      .option('open', { type: 'boolean', default: false, describe: 'open the dashboard in the default browser' })
      .example('$0 dashboard --db runs/search.sqlite', 'http://127.0.0.1:8080/ while the search runs')
      .example('$0 dashboard --host 0.0.0.0 --port 9000', 'reachable from other machines; prints the URL with a generated token'),
  handler: async (args) => {
    if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new UserError(`--port must be a whole number from 0 to 65535, got ${args.port}`);
    if (args.host.trim() === '') throw new UserError('--host: give an address, e.g. 127.0.0.1');
    const db = reportDatabase({ db: args.db });
    const [{ openStorage }, { DashboardData }, { startDashboard, isLoopback }] = await Promise.all([
      import('../runs/open-storage.ts'),
      import('../runs/dashboard/data.ts'),
      import('../runs/dashboard/server.ts'),
    ]);
    const { token, generated } = dashboardToken(args.host, args.token ?? process.env.CELLSEARCH_DASHBOARD_TOKEN, isLoopback(args.host));
    const storage = await openStorage(db, { readonly: true });
    let dashboard;
    try {
      dashboard = await startDashboard({ data: new DashboardData(storage), host: args.host, port: args.port, token });
    } catch (err) {
      await storage.close();
      throw err;
    }
    // A token the user chose is not echoed; a generated one is the only way in, so it is printed.
    const shown = generated ? dashboard.url : dashboard.url.replace(/\?token=.*/, token !== undefined ? '?token=<your token>' : '');
    process.stdout.write(`cellsearch dashboard of ${storage.location} (read-only) at ${shown}\nCtrl-C stops it.\n`);
    if (args.open) openBrowser(dashboard.url);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await dashboard.close();
    await storage.close();
    process.exitCode = 130;
  },
};
