// Writing a report's files into its folder so that an interruption never costs the previous
// report and a planted symbolic link never redirects a write:
// - each file is written to a new temporary file beside it (created exclusively, so not through
//   a link) and renamed over the old one, which replaces a link instead of following it;
// - the figures first, then the documents (report.md, report.html), so a document never names a
//   figure that is not there yet;
// - stale figures of an earlier report last, once no document names them.
import { lstatSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../../errors.ts';

export interface ReportFiles {
  /** Path relative to the report folder -> content: the figures (written first). */
  figures: ReadonlyArray<readonly [string, string]>;
  /** Path relative to the report folder -> content: the documents naming them (written after). */
  documents: ReadonlyArray<readonly [string, string]>;
  /** Files in figures/ of an earlier report to remove when the new one does not name them. */
  stale?: (name: string) => boolean;
}

/** Writes `files` into `dir` (created); returns the paths written, figures first. */
export function writeReportFiles(dir: string, files: ReportFiles): string[] {
  let st: ReturnType<typeof lstatSync> | undefined;
  try {
    st = lstatSync(dir);
  } catch {
    st = undefined;
  }
  if (st !== undefined && !st.isDirectory() && !st.isSymbolicLink()) throw new UserError(`${dir} is a file, not a folder: a report is written into a folder (created if missing); name another`);
  mkdirSync(join(dir, 'figures'), { recursive: true });
  const written = [...files.figures, ...files.documents].map(([rel, content]) => {
    const target = join(dir, rel);
    replaceFile(target, content);
    return target;
  });
  if (files.stale) {
    const named = new Set(files.figures.map(([rel]) => basename(rel)));
    for (const f of readdirSync(join(dir, 'figures'))) if (files.stale(f) && !named.has(f)) rmSync(join(dir, 'figures', f), { force: true });
  }
  return written;
}

/** Writes `content` to `target` through a temporary file in the same folder and a rename. */
export function replaceFile(target: string, content: string | Uint8Array): void {
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  rmSync(temp, { force: true }); // left by an earlier run of a process with this pid
  try {
    writeFileSync(temp, content, { flag: 'wx' });
    renameSync(temp, target);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
